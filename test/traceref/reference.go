// `traceref reference TRACE`: the reference reading Anole's trace parser is checked against. It reads a
// Go runtime trace with golang.org/x/exp/trace (Go 1.22+ traces natively, Go 1.11-1.21 traces
// converted) and prints, as JSON, each goroutine's time in each state plus GC totals
// (recorded as TRACE.reference.json beside the fixtures).
//
// How the totals are computed (a parser that wants to match them must do the same):
//   - The window is the timestamp of the first event to that of the last event, Sync events
//     excluded (x/exp/trace adds them at generation boundaries). windowNs = lastNs - firstNs.
//   - A goroutine is followed from its first state transition on: its time before that is not
//     counted. Each transition ends the interval of the state it leaves (the state the previous
//     transition entered) and starts one of the state it enters. At the window's end, an open
//     interval is closed at lastNs. Time in NotExist is not counted.
//   - runningNs/runnableNs/waitingNs/syscallNs are GoRunning/GoRunnable/GoWaiting/GoSyscall.
//     waitingByReason splits waitingNs by the Reason of the transition into GoWaiting ("" when
//     the trace does not say, e.g. a status at the start of the trace); a Waiting -> Waiting
//     transition without a reason (a restated status) keeps the reason the wait had.
//   - startFunction: the function of the innermost frame of the new goroutine's stack on its
//     creation transition (NotExist -> Runnable) when the trace has it (startFrom "creation");
//     else the outermost frame of the first stack seen for the goroutine, its own stack on a
//     transition or the stack of an event it ran (startFrom "stack"); else "" (startFrom "").
//     createdAt is the innermost frame of the creating event's stack (the `go` statement), or null.
//   - gc.count is the number of "GC concurrent mark phase" range begins. A range (STW, mark
//     assist) counts once its end is seen, from its begin (or from the "active" event that opens
//     the trace) to its end; ranges still open at the window's end are not counted.
//     stw* are the "stop-the-world (...)" ranges of any reason; assist* are "GC mark assist".
//   - A trace that ends early (cut, or a read error) still gives its totals, with "error" set.
package main

import (
	"encoding/json"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/exp/trace"
)

// frame is one stack frame in the output.
type frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     uint64 `json:"line"`
}

// goroutine is one goroutine's totals in the output.
type goroutine struct {
	ID              int64            `json:"id"`
	StartFunction   string           `json:"startFunction"`
	StartFrom       string           `json:"startFrom"`
	CreatedAt       *frame           `json:"createdAt"`
	RunningNs       int64            `json:"runningNs"`
	RunnableNs      int64            `json:"runnableNs"`
	WaitingNs       int64            `json:"waitingNs"`
	SyscallNs       int64            `json:"syscallNs"`
	WaitingByReason map[string]int64 `json:"waitingByReason"`
	Transitions     int              `json:"transitions"`

	state      trace.GoState
	since      int64
	waitReason string
}

// gcTotals is the GC part of the output.
type gcTotals struct {
	Count       int   `json:"count"`
	STWCount    int   `json:"stwCount"`
	STWTotalNs  int64 `json:"stwTotalNs"`
	STWMaxNs    int64 `json:"stwMaxNs"`
	AssistCount int   `json:"assistCount"`
	AssistNs    int64 `json:"assistNs"`
}

// report is the whole output.
type report struct {
	Reader     string       `json:"reader"`
	Events     int          `json:"events"`
	FirstNs    int64        `json:"firstNs"`
	LastNs     int64        `json:"lastNs"`
	WindowNs   int64        `json:"windowNs"`
	Goroutines []*goroutine `json:"goroutines"`
	Totals     struct {
		RunningNs  int64 `json:"runningNs"`
		RunnableNs int64 `json:"runnableNs"`
		WaitingNs  int64 `json:"waitingNs"`
		SyscallNs  int64 `json:"syscallNs"`
	} `json:"totals"`
	GC    gcTotals `json:"gc"`
	Error string   `json:"error,omitempty"`
}

// readerVersion names the reader in the output (keep in step with go.mod).
const readerVersion = "golang.org/x/exp/trace v0.0.0-20261120182113-8801fbdfac81"

// runReference prints the JSON reference reading of a trace.
func runReference(in io.Reader) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(read(in))
}

// rangeKey identifies an open range: its name and the resource it is on.
type rangeKey struct {
	name  string
	scope trace.ResourceID
}

// read computes the report from a trace stream.
func read(in io.Reader) *report {
	rep := &report{Reader: readerVersion, Goroutines: []*goroutine{}}
	gs := map[trace.GoID]*goroutine{}
	get := func(id trace.GoID) *goroutine {
		g := gs[id]
		if g == nil {
			g = &goroutine{ID: int64(id), WaitingByReason: map[string]int64{}, since: -1}
			gs[id] = g
		}
		return g
	}
	open := map[rangeKey]int64{}
	first := true

	r, err := trace.NewReader(in)
	for err == nil {
		var ev trace.Event
		ev, err = r.ReadEvent()
		if err != nil {
			break
		}
		if ev.Kind() == trace.EventSync {
			continue
		}
		ts := int64(ev.Time())
		rep.Events++
		if first {
			rep.FirstNs, first = ts, false
		}
		rep.LastNs = ts
		if g := ev.Goroutine(); g != trace.NoGoroutine && ev.Kind() != trace.EventStateTransition {
			noteStack(get(g), ev.Stack())
		}
		switch ev.Kind() {
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				break
			}
			from, to := st.Goroutine()
			g := get(st.Resource.Goroutine())
			if from == trace.GoNotExist && to == trace.GoRunnable {
				if fr, ok := innermost(st.Stack); ok {
					g.StartFunction, g.StartFrom = fr.Function, "creation"
				}
				if fr, ok := innermost(ev.Stack()); ok {
					g.CreatedAt = &fr
				}
			} else {
				noteStack(g, st.Stack)
			}
			g.close(ts)
			g.Transitions++
			g.state, g.since = to, ts
			if to == trace.GoWaiting && (from != trace.GoWaiting || st.Reason != "") {
				g.waitReason = st.Reason
			}
		case trace.EventRangeBegin, trace.EventRangeActive:
			rg := ev.Range()
			if rg.Name == "GC concurrent mark phase" && ev.Kind() == trace.EventRangeBegin {
				rep.GC.Count++
			}
			open[rangeKey{rg.Name, rg.Scope}] = ts
		case trace.EventRangeEnd:
			rg := ev.Range()
			k := rangeKey{rg.Name, rg.Scope}
			start, ok := open[k]
			if !ok {
				break
			}
			delete(open, k)
			d := ts - start
			switch {
			case strings.HasPrefix(rg.Name, "stop-the-world"):
				rep.GC.STWCount++
				rep.GC.STWTotalNs += d
				if d > rep.GC.STWMaxNs {
					rep.GC.STWMaxNs = d
				}
			case rg.Name == "GC mark assist":
				rep.GC.AssistCount++
				rep.GC.AssistNs += d
			}
		}
	}
	if err != nil && err != io.EOF {
		rep.Error = err.Error()
	}
	rep.WindowNs = rep.LastNs - rep.FirstNs
	for _, g := range gs {
		g.close(rep.LastNs)
		rep.Goroutines = append(rep.Goroutines, g)
		rep.Totals.RunningNs += g.RunningNs
		rep.Totals.RunnableNs += g.RunnableNs
		rep.Totals.WaitingNs += g.WaitingNs
		rep.Totals.SyscallNs += g.SyscallNs
	}
	sort.Slice(rep.Goroutines, func(i, j int) bool { return rep.Goroutines[i].ID < rep.Goroutines[j].ID })
	return rep
}

// close adds the open interval (since its last transition) to the goroutine's state total.
func (g *goroutine) close(ts int64) {
	if g.since < 0 {
		return
	}
	d := ts - g.since
	switch g.state {
	case trace.GoRunning:
		g.RunningNs += d
	case trace.GoRunnable:
		g.RunnableNs += d
	case trace.GoWaiting:
		g.WaitingNs += d
		g.WaitingByReason[g.waitReason] += d
	case trace.GoSyscall:
		g.SyscallNs += d
	}
	g.since = ts
}

// noteStack takes the start function from the outermost frame of the goroutine's first stack,
// unless its creation already told it.
func noteStack(g *goroutine, s trace.Stack) {
	if g.StartFrom != "" {
		return
	}
	var last *trace.StackFrame
	for fr := range s.Frames() {
		fr := fr
		last = &fr
	}
	if last != nil {
		g.StartFunction, g.StartFrom = last.Func, "stack"
	}
}

// innermost is the first frame of a stack.
func innermost(s trace.Stack) (frame, bool) {
	for fr := range s.Frames() {
		return frame{Function: fr.Func, File: fr.File, Line: fr.Line}, true
	}
	return frame{}, false
}
