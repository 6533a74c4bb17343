// A goroutine dump read from a fork snapshot of the process: the service pauses only while gdb attaches and forks.
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { dumpGoroutinesViaDebugger, readAll, renderDebug2, type DebuggerDump, type DebuggerDumpOptions, type DumpGoroutine } from './dump';
import { attachGdb } from './gdb/gdbBackend';
import { isSnapshotRefusal, takeSnapshot } from './snapshot';

/** Options for {@link dumpGoroutinesViaSnapshot}. */
export interface SnapshotDumpOptions extends Omit<DebuggerDumpOptions, 'backend'> {
  /** When no snapshot can be made, read with the process stopped instead (default true); false: throw. */
  fallback?: boolean;
  /** Folder on the host for the snapshot's private dir (default $TMPDIR, else /tmp). */
  remoteDir?: string;
}

/**
 * Makes a fork snapshot of `pid` (see snapshot.ts), reads every goroutine's stack from the copy
 * with gdb while the service runs, then kills the copy — on success, failure and cancellation
 * alike (and the host's keeper does it if the connection drops). When the host refuses the
 * snapshot (overcommit, pids limit, seccomp, architecture) and `fallback` is not false, the dump
 * is read with gdb stopping the process, and `fallback` says why.
 */
export async function dumpGoroutinesViaSnapshot(host: RemoteHost, pid: number, opts: SnapshotDumpOptions = {}): Promise<DebuggerDump> {
  const t0 = Date.now();
  opts.signal?.throwIfAborted();
  let snap;
  try {
    snap = await takeSnapshot(host, pid, 'dump', { remoteDir: opts.remoteDir });
  } catch (e) {
    if (!isSnapshotRefusal(e) || opts.fallback === false || e.details?.snapshotRefusal === 'traced') throw e;
    const dump = await dumpGoroutinesViaDebugger(host, pid, { ...opts, backend: 'gdb' });
    return { ...dump, method: 'stop-the-world', fallback: e.oneLine };
  }
  try {
    opts.signal?.throwIfAborted();
    const backend = await attachGdb(host, snap.report.child, { snapshotRegs: `${snap.dir}/regs.json`, trace: opts.trace?.('gdb') });
    let goroutines: DumpGoroutine[];
    try {
      goroutines = await readAll(backend, opts.depth ?? 100, opts.signal);
    } finally {
      await backend.detach();
    }
    return {
      text: renderDebug2(goroutines),
      goroutines,
      pauseMs: snap.report.pauseMs,
      stopsMs: { attach: snap.report.pauseMs, read: 0 },
      totalMs: Date.now() - t0,
      backend: 'gdb',
      method: 'snapshot',
      snapshot: snap.report,
    };
  } catch (e) {
    if (opts.signal?.aborted) throw new AnoleError('CANCELLED', 'goroutine dump interrupted; the snapshot was removed');
    throw e;
  } finally {
    await snap.close();
  }
}
