// A goroutine dump read from a fork snapshot of the process: the service pauses only while gdb attaches and forks.
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { dumpGoroutinesViaDebugger, renderDebug2, type DebuggerDump, type DebuggerDumpOptions } from './dump';
import { parseScriptDump as parseSnapshotDump } from './gdb/scriptDump';
import { isSnapshotRefusal, takeSnapshot } from './snapshot';

/** Options for {@link dumpGoroutinesViaSnapshot}. */
export interface SnapshotDumpOptions extends Omit<DebuggerDumpOptions, 'backend'> {
  /** When no snapshot can be made, read with the process stopped instead (default true); false: throw. */
  fallback?: boolean;
  /** Folder on the host for the snapshot's private dir (default $TMPDIR, else /tmp). */
  remoteDir?: string;
}

/**
 * Makes a fork snapshot of `pid` (see snapshot.ts); the gdb that made it reads every goroutine's
 * stack from the copy in one pass while the service runs (anole-dump: parked goroutines by a walk
 * of their stacks' frame pointers, inlined calls included; the ones running at the fork from their
 * threads' saved registers), then kills the copy — on success, failure and cancellation alike (and
 * the host's keeper does it if the connection drops). When the host refuses the snapshot
 * (overcommit, pids limit, seccomp, architecture) and `fallback` is not false, the dump is read
 * with gdb stopping the process, and `fallback` says why.
 */
export async function dumpGoroutinesViaSnapshot(host: RemoteHost, pid: number, opts: SnapshotDumpOptions = {}): Promise<DebuggerDump> {
  const t0 = Date.now();
  opts.signal?.throwIfAborted();
  let snap;
  try {
    snap = await takeSnapshot(host, pid, 'dump', { remoteDir: opts.remoteDir, depth: opts.depth, signal: opts.signal });
  } catch (e) {
    if (!isSnapshotRefusal(e) || opts.fallback === false || e.details?.snapshotRefusal === 'traced') throw e;
    const dump = await dumpGoroutinesViaDebugger(host, pid, { ...opts, backend: 'gdb' });
    return { ...dump, method: 'stop-the-world', fallback: e.oneLine };
  }
  try {
    const { dump, dumpBytes, cancelled } = snap.report;
    if (cancelled || opts.signal?.aborted) throw new AnoleError('CANCELLED', 'goroutine dump interrupted; the snapshot was removed');
    if (!dump || dumpBytes === undefined) throw new AnoleError('REMOTE_COMMAND', `gdb wrote no goroutines from the snapshot on ${host.label}`);
    const data = await host.readRange(dump, 0, dumpBytes);
    if (data.length !== dumpBytes) throw new AnoleError('REMOTE_COMMAND', `the snapshot's goroutines on ${host.label} are truncated (${data.length} of ${dumpBytes} bytes)`);
    const goroutines = parseSnapshotDump(data.toString('utf8'));
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
  } finally {
    await snap.close();
  }
}

/** dump.json as media/gdb/anole_goroutines.py's anole-dump writes it (the stop-the-world gdb read parses the same). */
export { parseSnapshotDump };
