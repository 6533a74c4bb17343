// Starts gdb (MI) on the host under a watchdog that makes it detach when our SSH channel goes away.
import { AnoleError } from '../../errors';
import type { RemoteHost, RemoteProcess } from '../../remote/host';
import { shellScript } from '../../shell';
import { KILL_AFTER_GRACE, sweepDeadWatchdogDirs } from '../watchdogShell';


/** The name of our gdb script inside the private temp dir. */
export const GDB_SCRIPT_NAME = 'anole_goroutines.py';

/** A file in the private temp dir whose existence ends a whole-process read (anole-dump) early. */
export const GDB_CANCEL_NAME = 'cancel';

/**
 * With umask 077 (every file private), makes a private temp dir (mktemp -d, mode 700), writes stdin (our gdb script) into it and
 * finds a GOROOT holding runtime-gdb.py. $1 is the Go release the binary was built with
 * ("go1.19", "" if unknown); $2... are GOROOT candidates, the first whose VERSION matches wins.
 * Prints `dir=`, and `goroot=` / `goroot_real=` (symlinks resolved: gdb checks that path).
 * First removes our dirs whose watchdog is dead or a zombie (it was killed with the connection).
 */
export const GDB_SETUP_SCRIPT = `umask 077; want="$1"; shift
${sweepDeadWatchdogDirs('"${TMPDIR:-/tmp}"/anole-gdb.*')}
d=$(mktemp -d "\${TMPDIR:-/tmp}/anole-gdb.XXXXXX") || exit 1
cat > "$d/${GDB_SCRIPT_NAME}" || { rm -rf "$d"; exit 1; }
printf 'dir=%s\\n' "$d"
for g in "$@"; do
  [ -f "$g/src/runtime/runtime-gdb.py" ] || continue
  if [ -n "$want" ]; then
    v=$(head -n 1 "$g/VERSION" 2>/dev/null)
    case "$v" in "$want"|"$want".*|"$want"rc*|"$want"beta*) ;; *) continue ;; esac
  fi
  printf 'goroot=%s\\ngoroot_real=%s\\n' "$g" "$(readlink -f "$g")"
  break
done
`;

/**
 * $1 gdb, $2 our temp dir, $3 target PID ("" for a core dump), $4 grace seconds, $5... gdb's arguments. gdb reads MI
 * from a FIFO in the temp dir; a watcher copies our stdin (the SSH channel) into it line by
 * line. At EOF of our stdin — we ended it, the adapter died or the connection dropped — the
 * watcher makes the cancel file (a whole-process read in flight ends within 500 goroutines) and
 * writes `-target-detach` and `-gdb-exit`, so gdb detaches after the command in flight
 * (which leaves no register of the target changed), stopped or running. Never `-exec-interrupt`
 * first: gdb interrupts with SIGINT, and a detach before gdb has taken that stop leaves the
 * SIGINT pending for the target, which a Go service takes as "exit". After the grace period it
 * SIGKILLs gdb, on which the kernel detaches the tracee. When gdb is gone the target gets a
 * SIGCONT (in case a stop was left pending) and the temp dir is removed.
 * The watcher's stdin is fd 3 because sh gives background jobs /dev/null for stdin. umask 077:
 * what gdb writes there (the goroutine listing) is private too.
 */
export const GDB_WATCHDOG_SCRIPT = `umask 077; gdb="$1"; dir="$2"; pid="$3"; grace="$4"; shift 4
fifo="$dir/mi-in"
mkfifo -m 600 "$fifo" || { rm -rf "$dir"; exit 97; }
echo "$$" > "$dir/watchdog.pid"
exec 3<&0
"$gdb" "$@" <"$fifo" &
child=$!
exec 4>"$fifo"
{
  while IFS= read -r line; do printf '%s\\n' "$line" >&4 || break; done
  : > "$dir/${GDB_CANCEL_NAME}"
  printf '%s\\n' '-target-detach' '-gdb-exit' >&4
  exec 4>&-
  ${KILL_AFTER_GRACE}
} <&3 >/dev/null 2>&1 &
watcher=$!
exec 3<&- 4>&-
wait "$child"; status=$?
kill "$watcher" 2>/dev/null
[ -z "$pid" ] || kill -CONT "$pid" 2>/dev/null
rm -rf "$dir"
exit "$status"
`;

/** Seconds between EOF (polite detach) and SIGKILL of an orphaned gdb. */
export const GDB_GRACE_SECONDS = 5;

/** What {@link prepareGdbDir} set up on the host. */
export interface GdbDir {
  /** The private temp dir holding our script (removed by the watchdog when gdb exits). */
  dir: string;
  /** A GOROOT with runtime-gdb.py matching the binary's Go release, if the host has one. */
  goroot?: string;
  /** `goroot` with symlinks resolved. */
  gorootReal?: string;
}

/** Parses the `key=value` lines of {@link GDB_SETUP_SCRIPT}. */
export function parseSetupOutput(text: string): GdbDir | undefined {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const dir = kv.get('dir');
  if (!dir) return undefined;
  return { dir, goroot: kv.get('goroot') || undefined, gorootReal: kv.get('goroot_real') || undefined };
}

/** Writes `script` into a fresh private temp dir on the host and looks for a GOROOT. */
export async function prepareGdbDir(host: RemoteHost, script: string, goRelease: string, gorootCandidates: readonly string[]): Promise<GdbDir> {
  const r = await host.exec(shellScript(GDB_SETUP_SCRIPT, [goRelease, ...gorootCandidates]), { stdin: script, timeoutMs: 15_000 });
  const parsed = r.code === 0 ? parseSetupOutput(r.stdout.toString('utf8')) : undefined;
  if (!parsed) {
    throw new AnoleError('REMOTE_COMMAND', `cannot create a temporary directory for gdb on ${host.label}`, r.stderr.toString('utf8').trim() || undefined);
  }
  return parsed;
}

/** gdb's command line: MI 3, no init files, runtime-gdb.py allowed from `goroot` only. */
export function gdbArgs(dir: GdbDir): string[] {
  const args = ['--interpreter=mi3', '--nx', '-q'];
  const roots = [...new Set([dir.goroot, dir.gorootReal].filter((g): g is string => !!g))];
  for (const g of roots) args.push('-iex', `add-auto-load-safe-path ${g}`);
  args.push('-iex', `set auto-load python-scripts ${roots.length ? 'on' : 'off'}`);
  return args;
}

/** Starts gdb under the watchdog (for a live `pid`, or a core dump when undefined); MI goes to its stdin, comes from its stdout. */
export function startGdbProcess(host: RemoteHost, gdbPath: string, dir: GdbDir, pid: number | undefined): Promise<RemoteProcess> {
  return host.spawn(shellScript(GDB_WATCHDOG_SCRIPT, [gdbPath, dir.dir, pid === undefined ? '' : String(pid), String(GDB_GRACE_SECONDS), ...gdbArgs(dir)]));
}
