// Writes a busy Go execution trace for the trace benchmark: goroutine pairs passing a token on GOMAXPROCS=2,
// CPU hogs, a short sleeper and allocation (tens of millions of events).
// Usage: tracegen OUT.trace EXCHANGES
//
// It stops after EXCHANGES token passes in all, counted by the pairs themselves: the size of the trace then
// depends on that count, not on how the machine's load schedules a clock or size check (a check on its own
// goroutine is starved by the hogs, which made sizes vary fivefold).
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var sink int

var exchanges atomic.Int64

func burn(n int) int {
	x := 0
	for i := 0; i < n; i++ {
		x += i * i % 7
	}
	return x
}

func pingpong(in, out chan int, serve bool, start, stop chan struct{}, limit int64, done func(), wg *sync.WaitGroup) {
	defer wg.Done()
	<-start
	if serve {
		select {
		case out <- 0:
		case <-stop:
			return
		}
	}
	for {
		select {
		case v := <-in:
			burn(200)
			if exchanges.Add(1) == limit {
				done()
			}
			select {
			case out <- v + 1:
			case <-stop:
				return
			}
		case <-stop:
			return
		}
	}
}

func hog(start, stop chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-start
	for {
		select {
		case <-stop:
			return
		default:
		}
		sink += burn(1 << 16)
		_ = make([]byte, 4<<10)
	}
}

func sleeper(start, stop chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-start
	for {
		select {
		case <-stop:
			return
		default:
		}
		time.Sleep(time.Millisecond)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	limit, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil || limit <= 0 {
		panic("usage: tracegen OUT.trace EXCHANGES")
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	stop := make(chan struct{})
	var once sync.Once
	done := func() { once.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	// Everything starts at once, so a load that delays main cannot change the mix of goroutines.
	start := make(chan struct{})
	for i := 0; i < 50; i++ {
		a, b := make(chan int), make(chan int)
		wg.Add(2)
		go pingpong(a, b, true, start, stop, limit, done, &wg)
		go pingpong(b, a, false, start, stop, limit, done, &wg)
	}
	wg.Add(3)
	for i := 0; i < 2; i++ {
		go hog(start, stop, &wg)
	}
	go sleeper(start, stop, &wg)
	close(start)
	wg.Wait()
	trace.Stop()
	if err := f.Close(); err != nil {
		panic(err)
	}
}
