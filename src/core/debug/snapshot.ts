// A copy-on-write fork snapshot of a live Go process, made by gdb on the host: the service pauses ~attach + fork, the copy is read at leisure.
import { AnoleError } from '../errors';
import type { RemoteHost, RemoteProcess } from '../remote/host';
import { shellScript } from '../shell';
import { readGdbScript } from './gdb/script';
import { sweepDeadWatchdogDirs } from './watchdogShell';

/**
 * What the snapshot is for: a goroutine dump (gdb reads it into `dump.json`, then kills the copy), a
 * copy held stopped for another reader, or a core file.
 */
export type SnapshotMode = 'dump' | 'hold' | 'core';

/** What gdb reported about a snapshot it made (ms, KiB). */
export interface SnapshotReport {
  pid: number;
  /** The copy: stopped, untraced, its file descriptors closed, armed to exit if it ever runs. */
  child: number;
  /** The service's stop, timed by gdb from just before attach to just after detach. */
  pauseMs: number;
  attachMs: number;
  forkMs: number;
  threads: number;
  /** The service's resident memory before the fork. */
  rssKb: number;
  /** The copy had to be the service's own child (the service is an init): it stays a zombie there. */
  zombie: boolean;
  /** How the copy's descriptors were closed ("close_range", else one "close" each), and how many remain. */
  closed: string;
  fdsLeft: number;
  /** Core mode: gcore's write of the copy (the service ran meanwhile). */
  writeMs?: number;
  /**
   * Core mode: the threads the core shows, each with the registers it had before the fork (0: gcore's
   * one thread only, the forking one, when this gdb cannot read every register or the core is unusual).
   */
  coreThreads?: number;
  /** Dump mode: the file on the host with every goroutine (see media/gdb/anole_goroutines.py's anole-dump) and its size. */
  dump?: string;
  dumpBytes?: number;
  /** Dump mode: the goroutines read, and whether the read was cut short (the keeper's input ended). */
  goroutines?: number;
  cancelled?: boolean;
  /** Dump mode: gdb's read of the copy, DWARF loading included (the service ran meanwhile). */
  readMs?: number;
  /** gdb's work before attaching (reading the executable's symbols), and in dump mode its kill of the copy. */
  setupMs?: number;
  killMs?: number;
}

/** Why no snapshot was made (the service was left running, untouched or detached again). */
export type SnapshotRefusal =
  | 'arch' | 'traced' | 'seccomp' | 'no-process' | 'no-gdb' | 'fork-enomem' | 'fork-eagain' | 'fork-eperm' | 'gdb';

/** Ends each script on the keeper's stdin: media/gdb/anole_snapshot.py, then anole_goroutines.py. */
const SCRIPT_END = '#ANOLE-END-OF-SCRIPT';

/**
 * POSIX sh: `kill_copy DIR` SIGKILLs the copy recorded in DIR/child.pid if it is still ours — the
 * same executable as DIR/exe, stopped (T/t) — so a recycled pid is never hit.
 */
const KILL_COPY_SH = `kill_copy() {
  c=$(cat "$1/child.pid" 2>/dev/null); [ -n "$c" ] || return 0
  st=$(sed 's/.*) //' "/proc/$c/stat" 2>/dev/null | cut -d' ' -f1)
  case "$st" in T|t) ;; *) return 0 ;; esac
  [ "$(readlink -f "/proc/$c/exe" 2>/dev/null)" = "$(cat "$1/exe" 2>/dev/null)" ] && kill -KILL "$c" 2>/dev/null
  return 0
}
`;

/**
 * $1 gdb, $2 PID, $3 mode (dump|hold|core), $4 folder ("" for $TMPDIR or /tmp), $5 frames read per
 * goroutine in dump mode ("" for 100). With umask 077 and
 * SIGHUP/SIGPIPE ignored (a dropped connection must not stop the cleanup): first kills the copies
 * and removes the dirs of keepers that died (killed with their connection); refuses with
 * `refused=CODE` (and facts) what it must not fork: another architecture than amd64, a process
 * already traced, one under a seccomp filter (a filter may kill the process on clone); writes the
 * two scripts from stdin (each up to the end marker) into a private dir, runs gdb on them with the service's
 * stdin closed and output into the dir (gdb is never killed while attached), sends the service a
 * SIGCONT in case a stop was left pending, prints `dir=`, gdb's `ANOLE-SNAPSHOT` line and `ready=1`,
 * then stays while our channel is open: at EOF — the reader is done, cancelled, the CLI or VS Code
 * was killed, the connection dropped — it kills the copy and removes the dir. An EOF while gdb still
 * runs makes the file `cancel` in the dir, which ends gdb's read of a dump early.
 */
export const SNAPSHOT_KEEPER_SCRIPT = `umask 077; trap '' HUP PIPE
gdb="$1"; pid="$2"; mode="$3"; base="\${4:-\${TMPDIR:-/tmp}}"
${KILL_COPY_SH}${sweepDeadWatchdogDirs('"$base"/anole-snap.*', 'kill_copy "$o"')}
refuse() { printf 'refused=%s\\n' "$1"; exit 0; }
[ -r "/proc/$pid/status" ] || refuse no-process
printf 'arch=%s\\novercommit=%s\\n' "$(uname -m)" "$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)"
[ "$(uname -m)" = x86_64 ] || refuse arch
tracer=$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$pid/status")
printf 'tracer=%s\\n' "$tracer"
[ "\${tracer:-0}" = 0 ] || refuse traced
seccomp=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")
[ "\${seccomp:-0}" = 0 ] || refuse seccomp
command -v "$gdb" >/dev/null 2>&1 || refuse no-gdb
d=$(mktemp -d "$base/anole-snap.XXXXXX") || exit 1
echo "$$" > "$d/watchdog.pid"
readlink -f "/proc/$pid/exe" > "$d/exe"
for f in anole_snapshot.py anole_goroutines.py; do
  while IFS= read -r line; do [ "$line" = '${SCRIPT_END}' ] && break; printf '%s\\n' "$line"; done > "$d/$f"
done
exec 3<&0
{ while read -r _; do :; done <&3; : > "$d/cancel"; } &
eof=$!
ANOLE_PID="$pid" ANOLE_DIR="$d" ANOLE_MODE="$mode" ANOLE_CORE="$d/core" ANOLE_DEPTH="$5" \\
  "$gdb" -nx -batch -iex 'set debuginfod enabled off' -x "$d/anole_snapshot.py" </dev/null >"$d/gdb.log" 2>&1
kill -CONT "$pid" 2>/dev/null
printf 'dir=%s\\n' "$d"
grep -a '^ANOLE-SNAPSHOT ' "$d/gdb.log" || { printf 'refused=gdb\\n'; tail -n 3 "$d/gdb.log" | sed 's/^/gdb_log=/'; }
printf 'ready=1\\n'
wait "$eof"
kill_copy "$d"
rm -rf "$d"
`;

/** The keeper's `key=value` lines and gdb's report, as far as they came. */
export interface KeeperOutput {
  facts: Map<string, string>;
  report?: SnapshotReport;
  /** gdb's own error line when it refused or failed. */
  gdbError?: { code: string; error: string };
  refused?: string;
  ready: boolean;
  log: string[];
}

/** Parses the keeper's output so far. */
export function parseKeeperOutput(text: string): KeeperOutput {
  const out: KeeperOutput = { facts: new Map(), ready: false, log: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('ANOLE-SNAPSHOT ')) {
      const j = JSON.parse(line.slice('ANOLE-SNAPSHOT '.length)) as SnapshotReport & { ok: boolean; code?: string; error?: string };
      if (j.ok) out.report = j;
      else out.gdbError = { code: j.code ?? 'gdb', error: j.error ?? 'unknown' };
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const [k, v] = [line.slice(0, eq), line.slice(eq + 1)];
    if (k === 'refused') out.refused = v;
    else if (k === 'ready') out.ready = true;
    else if (k === 'gdb_log') out.log.push(v);
    else out.facts.set(k, v);
  }
  return out;
}

/** A refusal as one message and a fix; `details.snapshotRefusal` holds the code. */
export function refusalError(code: string, pid: number, hostLabel: string, facts: Map<string, string>, gdbMessage?: string): AnoleError {
  const on = `process ${pid} on ${hostLabel}`;
  const [message, hint]: [string, string | undefined] = (() => {
    switch (code) {
      case 'arch': return [`a fork snapshot is made on linux/amd64 only; ${hostLabel} is ${facts.get('arch') ?? 'another architecture'}`, undefined];
      case 'traced': return [`${on} is already traced by process ${facts.get('tracer') ?? '?'}; gdb cannot attach to make a snapshot`, 'detach the other debugger (or strace) first'];
      case 'seccomp': return [`${on} runs under a seccomp filter, which may forbid fork or kill the process for trying: no snapshot is made`, undefined];
      case 'no-process': return [`there is no ${on}`, undefined];
      case 'no-gdb': return [`gdb is not installed on ${hostLabel}; the snapshot is made with gdb`, 'install gdb (apt install gdb / dnf install gdb)'];
      case 'fork-enomem': return [`${on} could not fork: out of memory${facts.get('overcommit') === '2' ? ' (vm.overcommit_memory=2 counts the copy\'s whole writable memory)' : ''}`,
        facts.get('overcommit') === '2' ? 'raise vm.overcommit_ratio, or use a stop-the-world read' : undefined];
      case 'fork-eagain': return [`${on} could not fork: its cgroup's pids.max or the user's process limit is reached`, 'raise pids.max / ulimit -u, or use a stop-the-world read'];
      case 'fork-eperm': return [`${on} was not allowed to fork (EPERM)`, undefined];
      default: return [`gdb could not make a snapshot of ${on}: ${gdbMessage ?? 'no report'}`, undefined];
    }
  })();
  return new AnoleError('REMOTE_COMMAND', message, hint, { snapshotRefusal: code });
}

/** True when `e` says no snapshot was made and a stop-the-world read can be tried instead. */
export function isSnapshotRefusal(e: unknown): e is AnoleError {
  return e instanceof AnoleError && typeof e.details?.snapshotRefusal === 'string';
}

/** A snapshot on the host: the copy lives (stopped) until {@link close}. */
export interface Snapshot {
  report: SnapshotReport;
  /** The keeper's private dir: regs.json (threads' registers), core (core mode). */
  dir: string;
  /** Kills the copy and removes the dir (the keeper does it at EOF); idempotent. */
  close(): Promise<void>;
}

/** Options for {@link takeSnapshot}. */
export interface SnapshotOptions {
  gdbPath?: string;
  /** Folder on the host for the private dir (default $TMPDIR, else /tmp). */
  remoteDir?: string;
  /** How long gdb may take to make the snapshot (default 60 s; in dump mode, reading it too: 15 min). */
  timeoutMs?: number;
  /** Dump mode: frames read per goroutine (default 100). */
  depth?: number;
  /** Stops waiting, and the keeper ends gdb's read and removes the copy. */
  signal?: AbortSignal;
}

/**
 * Makes a fork snapshot of `pid` with gdb on `host` (see media/gdb/anole_snapshot.py). Throws an
 * AnoleError with `details.snapshotRefusal` when it would not or could not fork; the service then
 * runs on as before.
 */
export async function takeSnapshot(host: RemoteHost, pid: number, mode: SnapshotMode, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const depth = mode === 'dump' && opts.depth ? String(Math.max(1, Math.floor(opts.depth))) : '';
  const proc = await host.spawn(shellScript(SNAPSHOT_KEEPER_SCRIPT, [opts.gdbPath ?? 'gdb', String(pid), mode, opts.remoteDir ?? '', depth]));
  proc.stdin.on('error', () => undefined); // a keeper that refused at once reads no script
  proc.stdin.write(['anole_snapshot.py', 'anole_goroutines.py'].map((f) => readGdbScript(f).replace(/\n?$/, '\n') + SCRIPT_END + '\n').join(''));
  const close = once(async () => {
    proc.endInput();
    let t: NodeJS.Timeout | undefined;
    await Promise.race([proc.exited, new Promise((r) => { t = setTimeout(r, 15_000); })]).finally(() => clearTimeout(t));
    proc.close();
  });
  let out: KeeperOutput;
  try {
    out = await keeperOutput(proc, opts.timeoutMs ?? (mode === 'dump' ? 900_000 : 60_000), host.label, opts.signal);
  } catch (e) {
    await close();
    throw e;
  }
  const code = out.refused ?? out.gdbError?.code;
  if (code || !out.report) {
    await close();
    // our input ended before gdb attached: nothing was made, and nothing should be tried instead
    if (code === 'cancelled') throw new AnoleError('CANCELLED', 'the snapshot was cancelled before gdb attached');
    throw refusalError(code ?? 'gdb', pid, host.label, out.facts, out.gdbError?.error ?? out.log.join(' | '));
  }
  return { report: out.report, dir: out.facts.get('dir') ?? '', close };
}

/** Reads the keeper's stdout until `ready=1`, a refusal, its exit, or `signal`. */
function keeperOutput(proc: RemoteProcess, timeoutMs: number, label: string, signal?: AbortSignal): Promise<KeeperOutput> {
  return new Promise((resolve, reject) => {
    let text = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new AnoleError('TIMEOUT', `gdb made no snapshot within ${timeoutMs} ms on ${label}`)), timeoutMs);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AnoleError('CANCELLED', 'the snapshot was cancelled; the copy is removed'));
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const check = (ended: boolean) => {
      const out = parseKeeperOutput(text);
      if (out.ready || out.refused || ended) {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!out.ready && !out.refused) reject(new AnoleError('REMOTE_COMMAND', `the snapshot keeper on ${label} ended early${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
        else resolve(out);
      }
    };
    proc.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-4_096); });
    proc.stdout.on('data', (d: Buffer) => { text += d.toString('utf8'); check(false); });
    void proc.exited.then(() => check(true));
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
