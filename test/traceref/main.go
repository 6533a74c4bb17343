// Command traceref is the independent reference Anole's trace readers are checked against: it reads a
// Go execution trace with golang.org/x/exp/trace (pinned in go.mod; Go 1.22+ traces natively, Go
// 1.11–1.21 traces converted) and prints one of three readings of it, one per subcommand:
//
//	traceref reference TRACE   per-goroutine state totals, start functions and GC totals as JSON
//	                           (reference.go; the fixtures' NAME.reference.json)
//	traceref summary TRACE     per-goroutine state totals, event kinds, block reasons and ranges as
//	                           JSON (summary.go; the old-format fixtures' goX.Y.ref.json)
//	traceref totals TRACE      event count and per-goroutine state totals as text (totals.go; the
//	                           engine fixtures' goX.YY.ref.txt)
package main

import (
	"fmt"
	"io"
	"os"
)

// commands maps each subcommand to what it runs on the trace's bytes.
var commands = map[string]func(in io.Reader) error{
	"reference": runReference,
	"summary":   runSummary,
	"totals":    runTotals,
}

func main() {
	if len(os.Args) != 3 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: traceref reference|summary|totals TRACE")
		os.Exit(2)
	}
	if err := run(commands[os.Args[1]], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "traceref %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// run runs cmd on the trace file at path.
func run(cmd func(in io.Reader) error, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return cmd(f)
}
