// The CLI's usage texts, in a module with no heavy imports: `anole --help` loads only this.
import { CAPTURE_KINDS } from '../core/capture/kinds';

/** Usage of `anole ps`. */
export const PS_USAGE = `anole ps HOST [--json] [--ssh-config FILE]
  Lists the Go processes on HOST (an ssh config alias or [user@]host[:port]): pid, executable,
  command line, the Go version read from the binary, listening TCP sockets and the pprof endpoint.`;

/** Usage of `anole capture`. */
export const CAPTURE_USAGE = `anole capture KIND HOST (--pid N | --url URL) [--seconds S] [--text] [--max-bytes B] -o FILE
anole capture trace HOST --flight-recorder URL|PATH [--pid N | --url URL] -o FILE
  KIND: ${CAPTURE_KINDS.join(' ')}
  Captures from the service's pprof endpoint through an SSH tunnel (the endpoint is found from
  --pid's listening sockets, or given as --url as the remote host sees it, e.g.
  http://127.0.0.1:6060/debug/pprof/). cpu lasts --seconds (default 10); trace 5, or 2 for a
  service built with Go < 1.21 (known from --pid). goroutine --text saves the debug=2 text dump.
  trace --max-bytes B keeps the first B bytes and stops tracing there (the file is a valid prefix).
  trace --flight-recorder fetches a snapshot of the last seconds from a handler the service
  exposes (Go >= 1.25, runtime/trace.FlightRecorder): a full URL, or a path on --pid's service.`;

/** Usage of `anole top`. */
export const TOP_USAGE = `anole top PROFILE [--by function|line|replica] [--limit N] [--sample-type T] [--cum] [--json]
  The heaviest functions (or lines) of a pprof profile by flat value, as go tool pprof -top.
  --by replica: each replica's total and share of a merged fleet profile (anole fleet capture).`;

/** Usage of `anole fleet`. */
export const FLEET_USAGE = `anole fleet capture KIND HOST... (--process NAME | --url URL) [--seconds S] -o FILE [--per-replica DIR]
                   [--concurrency N] [--json]
  KIND: cpu heap allocs goroutine mutex block
  Profiles every replica of a service at once and merges them into one profile (by function, file
  and line; each sample labelled replica=NAME), then use anole top/diff on FILE as on any capture.
  HOST: ssh destinations or ssh config Host patterns ('api-*', 'web-* !web-canary'). On each host
  the replicas are the Go processes named --process (several on one host are NAME/PID), or the
  endpoint --url as every host sees it. All captures share one --seconds window (cpu, default 10)
  over one pooled SSH connection per host, at most --concurrency (16) at once. Replicas that fail
  are reported with their reason ("7 of 8 replicas"); differing build ids or Go versions and
  outliers (a replica at 3x the others' median) are warned about. --per-replica DIR also keeps
  each replica's own profile as DIR/NAME.pb.gz.`;

/** Usage of `anole locks`. */
export const LOCKS_USAGE = `anole locks PROFILE [--limit N] [--json]
  Lock sites of a mutex or block profile: the user-code line where delay is charged (the Unlock
  that made others wait, or where goroutines waited), sorted by delay.`;

/** Usage of `anole diff`. */
export const DIFF_USAGE = `anole diff BASE NEW [--by function|line] [--limit N] [--sample-type T] [--normalize [total|per-second]] [--json]
  What changed between two profiles of the same kind, biggest change first. --normalize scales the
  base first: to the new profile's total (the default; compares shapes, not volumes), or per-second
  to the new profile's duration (compares rates of windows of different length, e.g. two backend
  ranges; both profiles must record a duration).`;

/** Usage of `anole goroutines`. */
export const GOROUTINES_USAGE = `anole goroutines DUMPFILE [--limit N] [--json]
anole goroutines HOST (--pid N | --url URL) [--limit N] [--json]
anole goroutines HOST --pid N --via dlv|gdb|auto|snapshot [--limit N] [--json]
anole goroutines --core FILE --exe FILE [--via dlv|gdb|auto] [--limit N] [--json]
  Groups goroutines with identical stacks: count, state, longest wait, stack. The dump is a
  debug=2 text dump (or a panic/SIGQUIT traceback) in a file, or fetched live from the service's
  pprof endpoint through an SSH tunnel. With --via, it is taken through a debugger attached to
  the process instead (for a service whose pprof endpoint does not answer): the process is
  paused while its goroutines are read (the pause is printed on stderr), then detached;
  --via snapshot (linux/amd64, gdb) pauses it only while gdb forks a stopped copy of it, then reads
  the copy while the service runs (where the host refuses the fork it says why and reads stopped). With
  --core, the goroutines are read from a core dump (anole core) with this machine's dlv or gdb.`;

/** Usage of `anole core`. */
export const CORE_USAGE = `anole core HOST --pid N [--tool gcore|dlv|snapshot|auto] [-o FILE] [--remote-dir DIR] [--json]
  Writes a core dump of the process on the host (gdb's gcore, or dlv's dump; auto: dlv when the
  host has it, as it writes only readable memory and pauses less; snapshot: gcore of a copy gdb
  forks, so the process pauses only for the fork — linux/amd64, one thread in the core), fetches it gzip-compressed
  with the process's executable (FILE and FILE.exe; default core.PID in this folder), and
  removes it from the host. The process is paused only while the core is written (printed on
  stderr) and never killed. Read it offline: anole goroutines --core FILE --exe FILE.exe`;

/** Usage of `anole doctor`. */
export const DOCTOR_USAGE = `anole doctor HOST [--pid N] [--window SECONDS] [--lang en|zh-cn] [--json] [--ssh-config FILE]
  Checks HOST for what makes Go services slow or crash there (CPU quota vs GOMAXPROCS, memory limit
  vs GOMEMLIMIT, OOM kills, DNS resolver, TLS roots, glibc, tzdata, limits, THP, clock source, ptrace,
  debug info, GODEBUG), each with the file and value it read and a fix. With --pid, checks that Go
  process (CPU throttling is measured over --window seconds, default 2); without, the host-level
  checks and a table of the Go processes with their worst finding. Findings and fixes are in --lang
  (text output: the locale of LANG by default, e.g. LANG=zh_CN.UTF-8 gives zh-cn; --json: English).`;

/** Usage of `anole trace`. */
export const TRACE_USAGE = `anole trace report TRACE [--limit N] [--json]
  Goroutine starvation report of a Go execution trace (runtime/trace, /debug/pprof/trace,
  anole capture trace): per group of goroutines (start function + the \`go\` statement that created
  them) running time, time runnable but not running (count, max, p50/p90/p99) and blocked time by
  reason; the lines where waiting goroutines resume, charged to the waiting goroutine and not the
  waker; GC cycles, stop-the-world pauses and mark assists. A trace cut short gives a partial report
  with a warning saying where it stopped.`;

/** Usage of `anole source`. */
export const SOURCE_USAGE = `anole source query (parca|pyroscope) URL --type T [--selector S] [--from TIME] [--to TIME] -o FILE
anole source types (parca|pyroscope) URL
anole source labels (parca|pyroscope) URL [--label NAME] [--type T] [--selector S] [--from TIME] [--to TIME]
  Reads profiles from the continuous-profiling server a team already runs: Parca (its HTTP port,
  e.g. http://parca:7070) or Grafana Pyroscope (e.g. http://pyroscope:4040, or a Grafana
  datasource-proxy URL). query merges every series of profile type T that selector S picks
  (e.g. '{job="api"}'; default all) over the range into one pprof FILE (exit 3 when the range holds
  no data); read it with anole top / anole diff. types lists the profile types; labels lists the
  label names, or the values of --label NAME. TIME: now, now-15m, 2h (ago), an ISO date or Unix
  seconds; the range defaults to the last 15 minutes.
  Credentials never go on the command line: ANOLE_SOURCE_TOKEN or --token-file FILE (bearer),
  or ANOLE_SOURCE_USER and ANOLE_SOURCE_PASSWORD (basic). --tenant T (or ANOLE_SOURCE_TENANT) sets
  Pyroscope's X-Scope-OrgID.`;
