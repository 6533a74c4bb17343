// `traceref summary TRACE`: the reference for Anole's old-format (Go 1.11–1.21) reader. It reads an
// execution trace with golang.org/x/exp/trace (which converts Go 1.11–1.21 traces itself) and prints,
// as JSON, each goroutine's time in each state between consecutive state transitions, plus event
// and range counts (recorded as goX.Y.ref.json beside the old-format fixtures).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"golang.org/x/exp/trace"
)

type goStats struct {
	ID          int64 `json:"id"`
	Transitions int   `json:"transitions"`
	RunningNs   int64 `json:"runningNs"`
	RunnableNs  int64 `json:"runnableNs"`
	WaitingNs   int64 `json:"waitingNs"`
	SyscallNs   int64 `json:"syscallNs"`
}

type rangeStats struct {
	Count   int   `json:"count"`
	TotalNs int64 `json:"totalNs"`
}

type output struct {
	Events     int                    `json:"events"`
	Kinds      map[string]int         `json:"kinds"`
	Reasons    map[string]int         `json:"blockReasons"`
	Ranges     map[string]*rangeStats `json:"ranges"`
	Goroutines []*goStats             `json:"goroutines"`
}

type goLast struct {
	t     trace.Time
	state trace.GoState
}

// runSummary prints the JSON summary of a trace.
func runSummary(in io.Reader) error {
	r, err := trace.NewReader(in)
	if err != nil {
		return err
	}
	out := output{Kinds: map[string]int{}, Reasons: map[string]int{}, Ranges: map[string]*rangeStats{}}
	stats := map[trace.GoID]*goStats{}
	last := map[trace.GoID]goLast{}
	open := map[string]trace.Time{}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		out.Events++
		out.Kinds[ev.Kind().String()]++
		switch ev.Kind() {
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			id := st.Resource.Goroutine()
			from, to := st.Goroutine()
			if from == trace.GoRunning && to == trace.GoWaiting {
				out.Reasons[st.Reason]++
			}
			s := stats[id]
			if s == nil {
				s = &goStats{ID: int64(id)}
				stats[id] = s
			}
			s.Transitions++
			if l, ok := last[id]; ok {
				d := int64(ev.Time() - l.t)
				switch l.state {
				case trace.GoRunning:
					s.RunningNs += d
				case trace.GoRunnable:
					s.RunnableNs += d
				case trace.GoWaiting:
					s.WaitingNs += d
				case trace.GoSyscall:
					s.SyscallNs += d
				}
			}
			last[id] = goLast{ev.Time(), to}
		case trace.EventRangeBegin, trace.EventRangeEnd:
			rg := ev.Range()
			key := fmt.Sprintf("%s@%v", rg.Name, rg.Scope)
			if ev.Kind() == trace.EventRangeBegin {
				open[key] = ev.Time()
				continue
			}
			t0, ok := open[key]
			if !ok {
				continue
			}
			delete(open, key)
			rs := out.Ranges[rg.Name]
			if rs == nil {
				rs = &rangeStats{}
				out.Ranges[rg.Name] = rs
			}
			rs.Count++
			rs.TotalNs += int64(ev.Time() - t0)
		}
	}
	for _, s := range stats {
		out.Goroutines = append(out.Goroutines, s)
	}
	sort.Slice(out.Goroutines, func(i, j int) bool { return out.Goroutines[i].ID < out.Goroutines[j].ID })
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}
