// Captures a core dump of a live Go process on a host (gdb's gcore or dlv's dump) and fetches it with its executable.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { AnoleError, errorMessage } from '../errors';
import type { RemoteHost, RemoteProcess } from '../remote/host';
import { shellScript } from '../shell';
import { findingsMessage } from './attach';
import { DlvBackend } from './dlv/dlvBackend';
import { runPreflight, type PreflightFinding } from './preflight';
import { isSnapshotRefusal, takeSnapshot, type Snapshot } from './snapshot';

/**
 * Which tool writes the core: gdb's gcore, dlv's `dump`, `snapshot` (gcore of a fork snapshot: the
 * process pauses only while gdb forks it; linux/amd64), or `auto` (dlv when the host has it:
 * smaller core, shorter pause).
 */
export type CoreTool = 'gcore' | 'dlv' | 'snapshot' | 'auto';

/** Where a capture is. */
export type CorePhase = 'preparing' | 'fetching executable' | 'writing core' | 'fetching core';

/** Options for {@link captureCoreDump}. */
export interface CoreDumpOptions {
  tool: CoreTool;
  /** Local file for the core dump (written to a sibling `.partial` first, renamed when complete). */
  coreFile: string;
  /** Local file for the process's executable (needed to read the core). */
  executableFile: string;
  /** Folder on the host to write the core into (default: $TMPDIR, else /tmp). */
  remoteDir?: string;
  /** Stops fetching; never interrupts the debugger while the process is stopped. */
  signal?: AbortSignal;
  onProgress?: (phase: CorePhase, done?: number, total?: number) => void;
  /** Makes a sink for dlv's protocol lines. */
  trace?: (kind: 'dlv' | 'gdb') => (line: string) => void;
}

/** A fetched core dump and what it cost the process. */
export interface CoreDumpResult {
  pid: number;
  tool: 'gcore' | 'dlv' | 'snapshot';
  /** A snapshot was asked for but the host refused it (why): gcore wrote the core with the process stopped. */
  fallback?: string;
  core: string;
  executable: string;
  coreBytes: number;
  executableBytes: number;
  /** Bytes that crossed the SSH connection (gzip -1 on the host). */
  transferBytes: number;
  /**
   * How long the process was stopped, in ms: an upper bound measured around the attach, write
   * and detach (by gdb itself for gcore, around the dlv calls for dlv).
   */
  pauseMs: number;
  totalMs: number;
  /** Snapshot: the threads the core shows with their registers from before the fork (0: only the forking thread). */
  snapshotThreads?: number;
  /** Non-blocking preflight findings. */
  findings: PreflightFinding[];
}

/**
 * $1 folder ("" for $TMPDIR or /tmp), $2 PID. Removes our capture dirs older than an hour (left by
 * a dropped connection), makes a private dir (mktemp -d, mode 700) and prints key=value lines:
 * `dir`, `free_kb` there, `vm_kb` (all mappings: what gcore writes), `readable_kb` (readable
 * mappings: what dlv writes), `gzip` (its path, empty when missing).
 */
export const CORE_PREPARE_SCRIPT = `umask 077; base="\${1:-\${TMPDIR:-/tmp}}"; pid="$2"
[ -d "$base" ] || { echo "no such folder: $base" >&2; exit 2; }
find "$base" -maxdepth 1 -name 'anole-core.*' -user "$(id -u)" -mmin +60 -exec rm -rf {} + 2>/dev/null
[ -r "/proc/$pid/maps" ] || { echo "process $pid does not exist (or its memory map is not readable)" >&2; exit 3; }
d=$(mktemp -d "$base/anole-core.XXXXXX") || exit 1
printf 'dir=%s\\n' "$d"
printf 'free_kb=%s\\n' "$(df -Pk "$d" | awk 'NR==2 {print $4}')"
printf 'vm_kb=%s\\n' "$(sed -n 's/^VmSize:[[:space:]]*\\([0-9]*\\).*/\\1/p' "/proc/$pid/status")"
r=0
while read -r range perms rest; do
  case "$perms" in r*) r=$((r + 0x\${range#*-} - 0x\${range%-*})) ;; esac
done < "/proc/$pid/maps"
printf 'readable_kb=%s\\n' "$((r / 1024))"
printf 'gzip=%s\\n' "$(command -v gzip 2>/dev/null)"
`;

/**
 * {@link CORE_PREPARE_SCRIPT}, then `ready=1`, then it stays while our channel is open: at EOF —
 * the capture ended, the CLI or VS Code was killed, the connection dropped — it removes the folder,
 * so a core (the process's memory) never outlives the session on the host. A writer still running
 * (gcore is never killed while attached) keeps writing into an unlinked file, freed when it ends.
 */
export const CORE_KEEPER_SCRIPT = `${CORE_PREPARE_SCRIPT}printf 'ready=1\\n'
while read -r _; do :; done
rm -rf "$d"
`;

/**
 * $1 gdb, $2 PID, $3 core file. What `gcore` does (attach, gcore, detach in one batch gdb,
 * without reading symbols when gdb can skip them), timed by gdb itself from just before the
 * attach to just after the detach (`pause_ms`); `wall_ms` is the outer bound from the shell.
 * Never killed from outside while attached: gdb detaches on its own when done. Afterwards the
 * process gets a SIGCONT in case a stop was left pending. umask 077: the core (the process's memory,
 * secrets included) is readable by our user only.
 */
export const GCORE_SCRIPT = `umask 077; gdb="$1"; pid="$2"; out="$3"
rn=
"$gdb" --readnever -nx -batch </dev/null >/dev/null 2>&1 && rn=--readnever
t0=$(date +%s%N 2>/dev/null)
"$gdb" -nx -batch $rn -iex 'set debuginfod enabled off' -ex 'set pagination off' -ex 'set height 0' -ex 'set width 0' \\
  -ex 'python import time; anole_t0 = time.time()' -ex "attach $pid" -ex "gcore $out" -ex detach \\
  -ex 'python print("ANOLE-PAUSE-MS %d" % int((time.time() - anole_t0) * 1000))' </dev/null 2>&1
st=$?
t1=$(date +%s%N 2>/dev/null)
kill -CONT "$pid" 2>/dev/null
printf '\\nANOLE-GCORE status=%s t0=%s t1=%s size=%s\\n' "$st" "$t0" "$t1" "$(wc -c < "$out" 2>/dev/null || echo 0)"
`;

/** $1 file: streams it gzip -1 compressed on stdout. $2 (optional) a dir to remove afterwards. */
export const FETCH_SCRIPT = `gzip -1 -c -- "$1"; st=$?
[ -z "$2" ] || rm -rf -- "$2"
exit $st`;

/** Parses `key=value` lines. */
export function parseKeyValues(text: string): Map<string, string> {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return kv;
}

/** What {@link GCORE_SCRIPT} printed: gdb's own pause figure, the shell's bound, gdb's exit status and the core's size. */
export interface GcoreReport {
  status: number;
  pauseMs?: number;
  wallMs?: number;
  size: number;
  /** gdb's last lines, for an error. */
  tail: string;
}

export function parseGcoreOutput(text: string): GcoreReport {
  const m = /ANOLE-GCORE status=(\d+) t0=(\S*) t1=(\S*) size=(\d+)/.exec(text);
  const pause = /ANOLE-PAUSE-MS (\d+)/.exec(text);
  const ns = (s: string | undefined) => (s && /^\d+$/.test(s) ? BigInt(s) : undefined);
  const t0 = ns(m?.[2]);
  const t1 = ns(m?.[3]);
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('ANOLE-') && !/^warning: Memory read failed for corefile section/.test(l));
  return {
    status: m ? Number(m[1]) : -1,
    pauseMs: pause ? Number(pause[1]) : undefined,
    wallMs: t0 !== undefined && t1 !== undefined ? Number((t1 - t0) / 1_000_000n) : undefined,
    size: m ? Number(m[4]) : 0,
    tail: lines.slice(-3).join(' / '),
  };
}

function mb(kb: number): string {
  return `${Math.round(kb / 1024)} MB`;
}

/**
 * Streams `remotePath` gzip-compressed from the host into `localFile` (via a `.partial` sibling,
 * renamed when complete; nothing is left on failure). Removes `removeDir` on the host afterwards.
 * Returns the bytes written and the bytes transferred.
 */
export async function fetchFile(
  host: RemoteHost,
  remotePath: string,
  localFile: string,
  opts: { removeDir?: string; signal?: AbortSignal; onBytes?: (written: number) => void } = {},
): Promise<{ bytes: number; transferBytes: number }> {
  const partial = `${localFile}.${process.pid}.partial`;
  const proc = await host.spawn(shellScript(FETCH_SCRIPT, [remotePath, opts.removeDir ?? '']));
  proc.endInput();
  let err = '';
  proc.stderr.on('data', (d: Buffer) => { err = (err + d.toString('utf8')).slice(-4_096); });
  let transfer = 0;
  let written = 0;
  proc.stdout.on('data', (d: Buffer) => { transfer += d.length; });
  const gunzip = zlib.createGunzip();
  gunzip.on('data', (d: Buffer) => {
    written += d.length;
    opts.onBytes?.(written);
  });
  const onAbort = () => proc.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await pipeline(proc.stdout, gunzip, fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    const { code } = await proc.exited;
    opts.signal?.throwIfAborted();
    if (code !== 0) throw new AnoleError('REMOTE_COMMAND', `cannot read ${remotePath} on ${host.label}: ${err.trim() || `exit ${code}`}`);
    await fs.promises.rename(partial, localFile);
    return { bytes: written, transferBytes: transfer };
  } catch (e) {
    await fs.promises.rm(partial, { force: true });
    if (opts.signal?.aborted) {
      if (opts.removeDir) await host.exec(['rm', '-rf', '--', opts.removeDir]).catch(() => undefined);
      throw new AnoleError('CANCELLED', `fetching ${remotePath} cancelled; nothing was kept`);
    }
    if (e instanceof AnoleError) throw e;
    // An empty or cut stream fails the gunzip first: the command's own exit says why.
    const exit = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000).unref())]);
    if (exit && exit.code !== 0) throw new AnoleError('REMOTE_COMMAND', `cannot read ${remotePath} on ${host.label}: ${err.trim() || `exit ${exit.code}`}`);
    throw new AnoleError('REMOTE_COMMAND', `fetching ${remotePath} from ${host.label} failed: ${err.trim() || errorMessage(e)}`);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Writes a core dump of process `pid` on `host` into a private folder there, then fetches it and
 * the process's executable (both gzip-compressed over SSH) and removes the folder. The process is
 * stopped only while the core is written (gcore: gdb attach → gcore → detach; dlv: attach → dump →
 * detach) and is never killed. Refuses, before stopping anything, when the host folder lacks the
 * space the core needs.
 */
export async function captureCoreDump(host: RemoteHost, pid: number, opts: CoreDumpOptions): Promise<CoreDumpResult> {
  const t0 = Date.now();
  for (const f of [opts.coreFile, opts.executableFile]) {
    if (!fs.existsSync(path.dirname(path.resolve(f)))) throw new AnoleError('BAD_INPUT', `cannot write ${f}: its folder does not exist`);
  }
  opts.onProgress?.('preparing');
  const { facts, findings } = await runPreflight(host, pid, opts.tool === 'gcore' || opts.tool === 'snapshot' ? 'gdb' : opts.tool);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new AnoleError('REMOTE_COMMAND', findingsMessage(pid, errors));
  let tool: CoreDumpResult['tool'] = opts.tool === 'snapshot' ? 'snapshot' : opts.tool === 'gcore' || (opts.tool === 'auto' && !facts.dlv) ? 'gcore' : 'dlv';
  let fallback: string | undefined;

  const keeper = await host.spawn(shellScript(CORE_KEEPER_SCRIPT, [opts.remoteDir ?? '', String(pid)]));
  const prep = await readUntilReady(keeper, 30_000);
  const kv = parseKeyValues(prep.stdout);
  const dir = kv.get('dir');
  if (!kv.get('ready') || !dir) {
    keeper.endInput();
    throw new AnoleError('REMOTE_COMMAND', `cannot prepare a folder for the core dump on ${host.label}: ${prep.stderr.trim() || prep.why}`);
  }
  const removeDir = () => host.exec(['rm', '-rf', '--', dir]).catch(() => undefined);
  let exeWritten = false;
  try {
    if (!kv.get('gzip')) throw new AnoleError('NOT_FOUND', `gzip is not installed on ${host.label}`, 'run: sudo dnf install gzip');
    const needKb = Number(tool === 'dlv' ? kv.get('readable_kb') : kv.get('vm_kb')) || 0;
    const freeKb = Number(kv.get('free_kb'));
    if (Number.isFinite(freeKb) && needKb > 0 && freeKb < needKb + 65_536) {
      throw new AnoleError('REMOTE_COMMAND',
        `${tool === 'dlv' ? 'dlv' : 'gcore'} would write up to ${mb(needKb)} into ${path.posix.dirname(dir)} on ${host.label}, which has ${mb(freeKb)} free; nothing was stopped`,
        tool !== 'dlv' ? 'choose a folder with more space (remote directory), or use dlv, which writes only readable memory' : 'choose a folder with more space (remote directory)');
    }
    opts.onProgress?.('fetching executable');
    const exe = await fetchFile(host, `/proc/${pid}/exe`, opts.executableFile, { signal: opts.signal });
    exeWritten = true;
    opts.signal?.throwIfAborted();

    opts.onProgress?.('writing core', 0, needKb * 1024);
    let remoteCore = `${dir}/core.${pid}`;
    let pauseMs = 0;
    let coreSize = 0;
    let snapshot: Snapshot | undefined;
    if (tool === 'snapshot') {
      try {
        snapshot = await takeSnapshot(host, pid, 'core', { gdbPath: facts.gdb, remoteDir: opts.remoteDir });
        remoteCore = `${snapshot.dir}/core`;
        pauseMs = snapshot.report.pauseMs;
        coreSize = await remoteSize(host, remoteCore);
      } catch (e) {
        await snapshot?.close();
        if (!isSnapshotRefusal(e)) throw e;
        fallback = e.oneLine;
        tool = 'gcore';
      }
    }
    if (tool === 'gcore') {
      const r = await host.exec(shellScript(GCORE_SCRIPT, [facts.gdb ?? 'gdb', String(pid), remoteCore]), { maxBuffer: 4 * 1024 * 1024 });
      const rep = parseGcoreOutput(r.stdout.toString('utf8') + r.stderr.toString('utf8'));
      if (rep.status !== 0 || rep.size === 0) {
        throw new AnoleError('REMOTE_COMMAND', `gcore could not write a core dump of process ${pid} on ${host.label}: ${rep.tail || `gdb exit ${rep.status}`}`);
      }
      pauseMs = rep.pauseMs ?? rep.wallMs ?? Date.now() - t0;
      coreSize = rep.size;
    } else if (tool === 'dlv') {
      const dlv = new DlvBackend(host, { dlvPath: facts.dlv ?? 'dlv', trace: opts.trace?.('dlv') });
      const a = Date.now();
      try {
        await dlv.attach(pid);
        await dlv.dumpCore(remoteCore, (done, total) => opts.onProgress?.('writing core', done, total));
      } finally {
        await dlv.detach();
      }
      pauseMs = Date.now() - a;
      coreSize = await remoteSize(host, remoteCore);
    }
    let core: { bytes: number; transferBytes: number };
    try {
      opts.signal?.throwIfAborted();
      opts.onProgress?.('fetching core', 0, coreSize);
      core = await fetchFile(host, remoteCore, opts.coreFile, {
        removeDir: dir, signal: opts.signal, onBytes: (n) => opts.onProgress?.('fetching core', n, coreSize),
      });
    } finally {
      await snapshot?.close();
    }
    return {
      pid, tool, fallback, core: path.resolve(opts.coreFile), executable: path.resolve(opts.executableFile),
      coreBytes: core.bytes, executableBytes: exe.bytes, transferBytes: core.transferBytes + exe.transferBytes,
      pauseMs, totalMs: Date.now() - t0, snapshotThreads: snapshot?.report.coreThreads, findings: findings.filter((f) => f.severity !== 'error'),
    };
  } catch (e) {
    await removeDir();
    if (exeWritten) await fs.promises.rm(opts.executableFile, { force: true }).catch(() => undefined);
    if (opts.signal?.aborted && !(e instanceof AnoleError && e.code === 'CANCELLED')) {
      throw new AnoleError('CANCELLED', 'core dump cancelled; the process runs on and nothing was kept');
    }
    throw e;
  } finally {
    keeper.endInput(); // the keeper removes the folder if anything is left
  }
}

/** The size of a file on the host in bytes (0 when unreadable). */
async function remoteSize(host: RemoteHost, file: string): Promise<number> {
  const st = await host.exec(['wc', '-c', file], { timeoutMs: 15_000 });
  return Number(/^\s*(\d+)/.exec(st.stdout.toString('utf8'))?.[1] ?? 0);
}

/** Collects a keeper's output until its `ready=1` line, its exit or `timeoutMs`. */
function readUntilReady(proc: RemoteProcess, timeoutMs: number): Promise<{ stdout: string; stderr: string; why: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const done = (why: string) => {
      clearTimeout(timer);
      proc.stdout.removeListener('data', onOut);
      resolve({ stdout, stderr, why });
    };
    const onOut = (d: Buffer) => {
      stdout += d.toString('utf8');
      if (/^ready=1$/m.test(stdout)) done('ready');
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    proc.stdout.on('data', onOut);
    proc.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    void proc.exited.then(({ code }) => done(`exit ${code}`));
  });
}
