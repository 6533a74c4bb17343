// Command dumpgen starts many goroutines over a few dozen distinct stacks and writes the
// process's goroutine profile as debug=2 text and as a gzipped protobuf, for Anole's benchmark.
//
// Usage: dumpgen -n 100000 -out DIR   writes DIR/goroutines.debug2.txt and DIR/goroutines.pb.gz
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

const kinds = 7 // ways to block, see block

var depths = []int{1, 3, 5, 7, 9, 11} // call depths above the blocking function

var (
	forever = make(chan struct{})
	sendTo  = make(chan int)
	held    sync.Mutex
	cond    = sync.NewCond(&sync.Mutex{})
	never   sync.WaitGroup
	sel1    = make(chan int)
	sel2    = make(chan string)
	ready   sync.WaitGroup
)

// session is per-goroutine state, so frames print distinct pointer arguments as in real servers.
type session struct {
	id   int
	seen int
}

//go:noinline
func block(sess *session, kind int) {
	sess.seen++
	ready.Done()
	switch kind {
	case 0:
		<-forever
	case 1:
		sendTo <- kind
	case 2:
		held.Lock()
	case 3:
		cond.L.Lock()
		cond.Wait()
	case 4:
		select {
		case <-sel1:
		case <-sel2:
		}
	case 5:
		time.Sleep(24 * time.Hour)
	default:
		never.Wait()
	}
}

//go:noinline
func handle(sess *session, depth, kind int) {
	if depth == 0 {
		block(sess, kind)
		return
	}
	serve(sess, depth-1, kind)
	sess.seen++
}

//go:noinline
func serve(sess *session, depth, kind int) {
	if depth == 0 {
		block(sess, kind)
		return
	}
	process(sess, depth-1, kind)
	sess.seen++
}

//go:noinline
func process(sess *session, depth, kind int) {
	if depth == 0 {
		block(sess, kind)
		return
	}
	handle(sess, depth-1, kind)
	sess.seen++
}

type server struct{ id int }

//go:noinline
func (s *server) run(sess *session, depth, kind int) {
	handle(sess, depth, kind)
}

func main() {
	n := flag.Int("n", 100000, "goroutines to start")
	out := flag.String("out", "", "directory for the dumps")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: dumpgen -n N -out DIR")
		os.Exit(2)
	}
	held.Lock()
	never.Add(1)
	ready.Add(*n)
	s := &server{}
	for i := 0; i < *n; i++ {
		go s.run(&session{id: i}, depths[(i/kinds)%len(depths)], i%kinds)
	}
	ready.Wait()
	time.Sleep(300 * time.Millisecond) // let the last ones park after signalling ready
	// pprof's debug=2 writer stops at 64 MB; runtime.Stack with a big enough buffer prints the
	// same text (it is what debug=2 calls) without that cap.
	buf := make([]byte, 512<<20)
	buf = buf[:runtime.Stack(buf, true)]
	check(os.WriteFile(filepath.Join(*out, "goroutines.debug2.txt"), buf, 0o644))
	f, err := os.Create(filepath.Join(*out, "goroutines.pb.gz"))
	check(err)
	check(pprof.Lookup("goroutine").WriteTo(f, 0))
	check(f.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "dumpgen:", err)
		os.Exit(1)
	}
}
