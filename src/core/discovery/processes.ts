// Lists the Go processes of a host with their version, listening addresses and pprof endpoint.
import { isAnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { readGoBuildInfo, type GoBuildInfo } from './buildinfo';
import { mapLimit } from './limit';
import { findPprofOnSockets } from './pprofProbe';
import { scanProcesses, type ScannedProcess } from './procScan';

/** A running Go process as discovery reports it. */
export interface GoProcess {
  pid: number;
  /** Executable path (target of /proc/PID/exe; may end in " (deleted)"). */
  exe: string;
  /** Exact argv. */
  cmdline: string[];
  /** Toolchain that built it, e.g. "go1.26.8". */
  goVersion: string;
  /** Main module path, e.g. "example.com/svc". */
  modulePath?: string;
  /** Main package path, e.g. "example.com/svc/cmd/api". */
  mainPath?: string;
  /** Listening TCP addresses: "127.0.0.1:6060", "[::1]:6060", "0.0.0.0:8080", "[::]:8080". */
  listen: string[];
  /** pprof index URL as the remote host sees it, or null (none found, or not probed). */
  pprof: string | null;
  uid?: number;
  user?: string;
  buildInfo: GoBuildInfo;
}

export interface ListGoProcessesOptions {
  /** Only these pids (default: every process the user may inspect). */
  pids?: readonly number[];
  /** Probe listening sockets for pprof (default true). */
  probePprof?: boolean;
  /** Per-address probe timeout (default 2000 ms). */
  probeTimeoutMs?: number;
  /** Binaries read, or processes probed, at once (default 8). */
  concurrency?: number;
  /** Timeout of the scan command (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Build info by executable identity, kept across calls by the caller to skip re-reading binaries. */
  buildInfoCache?: Map<string, GoBuildInfo | null>;
  /** Told why a process was left out when that is not simply "not Go". */
  onWarning?: (message: string) => void;
}

/**
 * Lists the Go processes on `host`: one remote command snapshots /proc, then each distinct
 * executable's build info is read with ranged reads of /proc/PID/exe, then listening sockets
 * are probed for pprof through tunnels. Processes that exit meanwhile are left out.
 */
export async function listGoProcesses(host: RemoteHost, opts: ListGoProcessesOptions = {}): Promise<GoProcess[]> {
  const scan = await scanProcesses(host, { pids: opts.pids, timeoutMs: opts.timeoutMs, signal: opts.signal });
  const concurrency = opts.concurrency ?? 8;

  // The same binary run N times is read once.
  const groups = new Map<string, ScannedProcess[]>();
  for (const p of scan.processes) {
    const key = p.exeId ? `${p.exeId}\0${p.exe}` : `pid:${p.pid}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const infoByPid = new Map<number, GoBuildInfo>();
  await mapLimit([...groups], concurrency, async ([key, procs]) => {
    const cacheable = !key.startsWith('pid:');
    let info = cacheable ? opts.buildInfoCache?.get(key) : undefined;
    if (info === undefined) {
      info = await readFirst(host, procs, opts.onWarning);
      if (info !== undefined && cacheable) opts.buildInfoCache?.set(key, info);
    }
    if (info) for (const p of procs) infoByPid.set(p.pid, info);
  });

  const gos: GoProcess[] = [];
  for (const p of scan.processes) {
    const info = infoByPid.get(p.pid);
    if (!info) continue;
    const inodes = new Set(p.socketInodes);
    gos.push({
      pid: p.pid,
      exe: p.exe,
      cmdline: p.cmdline,
      goVersion: info.goVersion,
      ...(info.main ? { modulePath: info.main.path } : {}),
      ...(info.path ? { mainPath: info.path } : {}),
      listen: [...new Set(scan.listen.filter((s) => inodes.has(s.inode)).map((s) => s.address))],
      pprof: null,
      ...(p.uid !== undefined ? { uid: p.uid } : {}),
      ...(p.uid !== undefined && scan.users.has(p.uid) ? { user: scan.users.get(p.uid) } : {}),
      buildInfo: info,
    });
  }
  gos.sort((a, b) => a.pid - b.pid);

  if (opts.probePprof !== false) {
    await mapLimit(gos, concurrency, async (g) => {
      const inodes = new Set(scan.processes.find((p) => p.pid === g.pid)?.socketInodes);
      const sockets = scan.listen.filter((s) => inodes.has(s.inode));
      if (sockets.length > 0) {
        g.pprof = await findPprofOnSockets(host, sockets, { timeoutMs: opts.probeTimeoutMs, signal: opts.signal });
      }
    });
  }
  return gos;
}

/**
 * Build info of the first process of a group whose executable can still be read: null if it is
 * not Go, undefined if every process of the group is gone.
 */
async function readFirst(host: RemoteHost, procs: readonly ScannedProcess[], warn?: (m: string) => void): Promise<GoBuildInfo | null | undefined> {
  for (const p of procs) {
    try {
      return await readGoBuildInfo(host, `/proc/${p.pid}/exe`);
    } catch (e) {
      if (isAnoleError(e) && e.code === 'BAD_INPUT') {
        warn?.(`pid ${p.pid} (${p.exe}): ${e.message}`);
        return null;
      }
      // The process exited or its binary became unreadable: try the next one with this binary.
    }
  }
  return undefined;
}
