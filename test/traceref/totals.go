// `traceref totals TRACE`: per-goroutine state totals of a Go trace as read by golang.org/x/exp/trace,
// as text: "events N", then one line "g running runnable waiting syscall" (ns) per goroutine.
// A read error ends the reading early (said on stderr); the totals up to it are still printed.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"golang.org/x/exp/trace"
)

type acc struct {
	state trace.GoState
	since trace.Time
	ns    [6]int64
}

// runTotals prints the per-goroutine state totals of a trace.
func runTotals(in io.Reader) error {
	r, err := trace.NewReader(in)
	if err != nil {
		return err
	}
	gs := map[trace.GoID]*acc{}
	n := 0
	var last trace.Time
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "traceref totals: reading stopped:", err)
			break
		}
		n++
		last = ev.Time()
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		id := st.Resource.Goroutine()
		from, to := st.Goroutine()
		a := gs[id]
		if a == nil {
			a = &acc{since: ev.Time()}
			gs[id] = a
		}
		if from != trace.GoUndetermined && from != trace.GoNotExist {
			a.ns[from] += int64(ev.Time() - a.since)
		}
		a.state = to
		a.since = ev.Time()
	}
	ids := []int{}
	for id, a := range gs {
		if a.state != trace.GoNotExist && a.state != trace.GoUndetermined {
			a.ns[a.state] += int64(last - a.since)
		}
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	fmt.Println("events", n)
	for _, id := range ids {
		a := gs[trace.GoID(id)]
		fmt.Println(id, a.ns[trace.GoRunning], a.ns[trace.GoRunnable], a.ns[trace.GoWaiting], a.ns[trace.GoSyscall])
	}
	return nil
}
