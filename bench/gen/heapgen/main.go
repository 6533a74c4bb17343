// Command heapgen writes a heap profile with 2^depth distinct allocation stacks (default 2^18),
// a worst case for profile tools: every allocation is sampled (MemProfileRate = 1) and each one
// sits under its own call path, chosen by the bits of its index at each recursion level.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

func init() { runtime.MemProfileRate = 1 }

// keep holds every allocation, so all stacks show up in inuse_space (the default sample type) too.
var keep [][]byte

//go:noinline
func leaf() { keep = append(keep, make([]byte, 16)) }

//go:noinline
func left(i, depth int) {
	if depth == 0 {
		leaf()
		return
	}
	if i&1 == 0 {
		left(i>>1, depth-1)
	} else {
		right(i>>1, depth-1)
	}
}

//go:noinline
func right(i, depth int) {
	if depth == 0 {
		leaf()
		return
	}
	if i&1 == 0 {
		left(i>>1, depth-1)
	} else {
		right(i>>1, depth-1)
	}
}

func main() {
	out := flag.String("out", "heap.pb.gz", "where to write the heap profile")
	depth := flag.Int("depth", 18, "recursion depth: 2^depth distinct stacks")
	count := flag.Int("count", 0, "allocations (distinct stacks) to make, at most 2^depth (default 2^depth)")
	flag.Parse()
	n := 1 << *depth
	if *count > 0 && *count < n {
		n = *count
	}
	keep = make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		left(i, *depth)
	}
	runtime.GC()
	f, err := os.Create(*out)
	if err == nil {
		err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "heapgen:", err)
		os.Exit(1)
	}
}
