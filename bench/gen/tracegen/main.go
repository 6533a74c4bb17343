// Writes a busy Go execution trace for the trace benchmark: goroutine pairs passing a token on GOMAXPROCS=2,
// CPU hogs, a short sleeper and allocation (tens of millions of events in a few seconds).
// Usage: tracegen OUT.trace MAXMILLIS TARGETBYTES (stops at whichever comes first)
package main

import (
	"os"
	"runtime"
	"runtime/trace"
	"strconv"
	"time"
)

var sink int

func burn(n int) int {
	x := 0
	for i := 0; i < n; i++ {
		x += i * i % 7
	}
	return x
}

func pingpong(in, out chan int, stop chan struct{}) {
	for {
		select {
		case v := <-in:
			burn(200)
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

func hog(stop chan struct{}) {
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

func sleeper(stop chan struct{}) {
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
	millis, _ := strconv.Atoi(os.Args[2])
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	stop := make(chan struct{})
	for i := 0; i < 2; i++ {
		go hog(stop)
	}
	go sleeper(stop)
	for i := 0; i < 50; i++ {
		a, b := make(chan int), make(chan int)
		go pingpong(a, b, stop)
		go pingpong(b, a, stop)
		a <- 0
	}
	target, _ := strconv.ParseInt(os.Args[3], 10, 64)
	deadline := time.Now().Add(time.Duration(millis) * time.Millisecond)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		if st, err := f.Stat(); err == nil && st.Size() >= target {
			break
		}
	}
	close(stop)
	trace.Stop()
	if err := f.Close(); err != nil {
		panic(err)
	}
}
