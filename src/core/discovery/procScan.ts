// One remote command that snapshots /proc (processes, executables, argv, sockets, users) and its parser.
import { AnoleError, errorMessage } from '../errors';
import type { RemoteHost } from '../remote/host';
import { shellScript } from '../shell';
import { parseProcNetTcp, type ListenSocket } from './procNet';

/**
 * The scan script: POSIX sh plus readlink, od, stat, cat (and xargs, getent when present), all
 * in Anolis/RHEL 8 minimal images. Positional arguments are pids to look at (default: all).
 * Output sections: "@tcp", "@tcp6" (the raw tables), "@procs" (records below), "@stat"
 * (`stat -L` of each exe and fd: "PATH DEV:INODE TYPE"), "@users" (passwd lines), "@end".
 * A process record: "P PID UID", "E EXE\0" (a path cannot hold NUL), "C", the argv as od hex
 * lines (never raw: argv may hold newlines, quotes, anything), ".". Processes we may not
 * inspect (other users', kernel threads) are left out; one that exits midway yields a partial
 * record, which the parser drops.
 */
export const PROC_SCAN_SCRIPT = `LC_ALL=C; export LC_ALL
if [ "$#" -eq 0 ]; then cd /proc && set -- [0-9]*; cd /; fi
echo @tcp; cat /proc/net/tcp 2>/dev/null
echo @tcp6; cat /proc/net/tcp6 2>/dev/null
echo @procs
ok=; uids=
for p do
  case $p in ''|*[!0-9]*) continue;; esac
  [ -e "/proc/$p/exe" ] || continue
  e=$(readlink "/proc/$p/exe" 2>/dev/null && echo .) || continue
  e=\${e%.}; e=\${e%?}
  u=
  while read -r k v r; do case $k in Uid:) u=$v; break;; esac; done 2>/dev/null <"/proc/$p/status"
  case $u in *[!0-9]*) u=;; esac
  case " $uids " in *" $u "*) ;; *) uids="$uids $u";; esac
  ok="$ok $p"
  printf 'P %s %s\\n' "$p" "$u"
  printf 'E %s\\0\\n' "$e"
  echo C; od -An -tx1 -v "/proc/$p/cmdline" 2>/dev/null; echo .
done
echo @stat
if command -v xargs >/dev/null 2>&1; then
  for p in $ok; do printf '%s\\n' "/proc/$p/exe" "/proc/$p/fd"/*; done | xargs stat -L -c '%n %d:%i %F' 2>/dev/null
else
  for p in $ok; do stat -L -c '%n %d:%i %F' "/proc/$p/exe" "/proc/$p/fd"/* 2>/dev/null; done
fi
echo @users
if [ -n "$uids" ]; then getent passwd $uids 2>/dev/null || cat /etc/passwd 2>/dev/null; fi
echo @end
`;

/** One process the scan could inspect. */
export interface ScannedProcess {
  pid: number;
  uid?: number;
  /** Target of /proc/PID/exe (may end in " (deleted)"). */
  exe: string;
  /** Exact argv from /proc/PID/cmdline. */
  cmdline: string[];
  /** "dev:inode" of the executable: the same binary run twice has the same id. */
  exeId?: string;
  /** Inodes of the sockets the process holds open. */
  socketInodes: number[];
}

/** Everything one scan saw. */
export interface ProcScan {
  processes: ScannedProcess[];
  /** LISTEN sockets of the host's network namespace (IPv4 then IPv6). */
  listen: ListenSocket[];
  /** User names by uid (for the uids seen). */
  users: Map<number, string>;
}

/** The argv that runs the scan (one round trip), optionally for some pids only. */
export function procScanArgv(pids: readonly number[] = []): string[] {
  return shellScript(PROC_SCAN_SCRIPT, pids.map((p) => String(Math.trunc(p))));
}

/** Runs the scan on `host` and parses it. */
export async function scanProcesses(host: RemoteHost, opts: { pids?: readonly number[]; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ProcScan> {
  const res = await host.exec(procScanArgv(opts.pids), { timeoutMs: opts.timeoutMs ?? 30000, signal: opts.signal });
  try {
    return parseProcScan(res.stdout);
  } catch (e) {
    const err = res.stderr.toString('utf8').trim().split('\n').slice(-3).join(' | ');
    throw new AnoleError(
      'REMOTE_COMMAND',
      `listing processes on ${host.label} failed: ${errorMessage(e)}${err ? ` (stderr: ${err})` : ''}`,
      'the host needs a POSIX sh with readlink, od and stat (coreutils or busybox)',
    );
  }
}

/** Parses the scan output (see {@link PROC_SCAN_SCRIPT}). Throws if the output is cut short. */
export function parseProcScan(stdout: Buffer): ProcScan {
  // latin1 keeps one char per byte, so raw paths and offsets survive; text is decoded at the end.
  const text = stdout.toString('latin1');
  if (!text.endsWith('\n@end\n')) throw new Error('the scan output was cut short (no @end)');
  // /proc/net/tcp cannot hold "@", but an exe path in @procs can hold anything but NUL:
  // markers before it are searched forwards, markers after it backwards from the end.
  const tcp = text.indexOf('@tcp\n');
  const tcp6 = text.indexOf('\n@tcp6\n', tcp);
  const procs = text.indexOf('\n@procs\n', tcp6);
  const users = text.lastIndexOf('\n@users\n');
  const stat = text.lastIndexOf('\n@stat\n', users);
  if (tcp < 0 || tcp6 < 0 || procs < 0 || stat < procs || users < stat) throw new Error('the scan output is malformed (missing sections)');
  const listen = [...parseProcNetTcp(text.slice(tcp + 5, tcp6 + 1), 4), ...parseProcNetTcp(text.slice(tcp6 + 7, procs + 1), 6)];
  const processes = parseRecords(text.slice(procs + 8, stat + 1));
  applyStat(processes, text.slice(stat + 7, users + 1));
  return { processes, listen, users: parseUsers(text.slice(users + 8, text.length - 5)) };
}

function parseRecords(s: string): ScannedProcess[] {
  const out: ScannedProcess[] = [];
  const rec = /P (\d+) (\d*)\nE ([^\0]*)\0\nC\n((?:[0-9a-f ]*\n)*)\.\n/y;
  let i = 0;
  while (i < s.length) {
    rec.lastIndex = i;
    const m = rec.exec(s);
    if (!m) {
      // A damaged record: resynchronise at the next record line.
      const next = s.indexOf('\nP ', i);
      if (next < 0) break;
      i = next + 1;
      continue;
    }
    i = rec.lastIndex;
    out.push({
      pid: Number(m[1]),
      ...(m[2] ? { uid: Number(m[2]) } : {}),
      exe: Buffer.from(m[3], 'latin1').toString('utf8'),
      cmdline: splitCmdline(Buffer.from(m[4].replace(/\s+/g, ''), 'hex')),
      socketInodes: [],
    });
  }
  return out;
}

/** NUL-separated argv → strings (a trailing NUL ends the last argument). */
export function splitCmdline(raw: Buffer): string[] {
  if (raw.length === 0) return [];
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      parts.push(raw.toString('utf8', start, i));
      start = i + 1;
    }
  }
  if (start < raw.length) parts.push(raw.toString('utf8', start));
  return parts;
}

function applyStat(processes: ScannedProcess[], s: string): void {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  for (const line of s.split('\n')) {
    const m = /^\/proc\/(\d+)\/(exe|fd\/\d+) (\d+):(\d+) (.+)$/.exec(line);
    const p = m && byPid.get(Number(m[1]));
    if (!m || !p) continue;
    if (m[2] === 'exe') p.exeId = `${m[3]}:${m[4]}`;
    else if (m[5] === 'socket' && !p.socketInodes.includes(Number(m[4]))) p.socketInodes.push(Number(m[4]));
  }
}

function parseUsers(s: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of Buffer.from(s, 'latin1').toString('utf8').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]) && !users.has(Number(f[2]))) users.set(Number(f[2]), f[0]);
  }
  return users;
}
