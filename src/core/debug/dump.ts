// A goroutine dump of a live process taken through a debugger (dlv or gdb), in Go's debug=2 text format.
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { attachBackend, openCoreBackend } from './attach';
import type { CoreTarget, DebugBackend, GoroutineStack, GoroutineSummary, SourceLocation } from './backend';
import { listAllGoroutines } from './goroutineList';
import type { BackendChoice } from './preflight';
import type { SnapshotReport } from './snapshot';

/** One goroutine ready to render: its listing and its stack, innermost frame first. */
export type DumpGoroutine = GoroutineStack;

/** Options for {@link dumpGoroutinesViaDebugger}. */
export interface DebuggerDumpOptions {
  backend: BackendChoice;
  /** Frames read per goroutine (default 100). */
  depth?: number;
  /** Stops reading (the debugger is still detached). */
  signal?: AbortSignal;
  /**
   * false: list the goroutines and unwind each page through the debugger even where the backend
   * reads them all in one pass (gdb: ~5 ms a goroutine instead of ~0.1 ms; for comparison). Default true.
   */
  onePass?: boolean;
  /** Makes a sink for the backend's protocol lines. */
  trace?: (kind: 'dlv' | 'gdb') => (line: string) => void;
}

/** A dump taken through a debugger, with what it cost the target. */
export interface DebuggerDump {
  /** debug=2 text, as `/debug/pprof/goroutine?debug=2` prints it. */
  text: string;
  goroutines: DumpGoroutine[];
  /**
   * Longest continuous stop of the target, in ms: an upper bound measured around the debugger
   * calls (from the start of attach to the end of the first resume, and from pause to the end
   * of detach, during which every goroutine is read).
   */
  pauseMs: number;
  /** The two stops {@link pauseMs} is the longer of (same upper bounds): attach, and reading everything. */
  stopsMs: { attach: number; read: number };
  /** Wall time of the whole dump, attach and detach included. */
  totalMs: number;
  backend: 'dlv' | 'gdb';
  /** How the goroutines were read: from a fork snapshot, or with the process stopped (the default). */
  method?: 'snapshot' | 'stop-the-world';
  /** What making the snapshot measured. */
  snapshot?: SnapshotReport;
  /** Why a snapshot was asked for but a stop-the-world read was made. */
  fallback?: string;
}

/**
 * Renders goroutines as Go's debug=2 dump: "goroutine N [state]:", then per frame "fn(...)" and
 * "\tfile:line +0x0" (the debugger gives no PC offset or arguments), "created by" when the `go`
 * statement is known, and a blank line between goroutines.
 */
export function renderDebug2(goroutines: readonly DumpGoroutine[]): string {
  const out: string[] = [];
  for (const g of goroutines) {
    const lines = [`goroutine ${g.id} [${g.state || 'unknown'}]:`];
    for (const f of g.frames) lines.push(`${f.function}(...)`, `\t${f.file || '?'}:${f.line} +0x0`);
    if (g.goStatement) lines.push(`created by ${g.goStatement.function}`, `\t${g.goStatement.file || '?'}:${g.goStatement.line} +0x0`);
    out.push(lines.join('\n'));
  }
  return out.length ? out.join('\n\n') + '\n' : '';
}

function toDumpGoroutine(g: GoroutineSummary, frames: DumpGoroutine['frames'] | undefined): DumpGoroutine {
  const loc = (l: SourceLocation) => ({ function: l.function, file: l.file, line: l.line });
  return {
    id: g.id,
    state: g.state,
    frames: frames?.length ? frames : [loc(g.current)],
    goStatement: g.goStatement ? loc(g.goStatement) : undefined,
  };
}

/**
 * Every goroutine with its stack, read while the target is stopped (the caller stopped it): in one
 * pass where the backend can (gdb's anole-dump), else by listing pages and unwinding each page.
 */
export async function readAll(backend: DebugBackend, depth: number, signal?: AbortSignal, onePass = true): Promise<DumpGoroutine[]> {
  signal?.throwIfAborted();
  if (backend.readAllStacks && onePass) return (await backend.readAllStacks(depth, signal)).sort((a, b) => a.id - b.id);
  const stacks = new Map<number, DumpGoroutine['frames']>();
  const all = await listAllGoroutines(backend, undefined, undefined, async (b, page) => {
    signal?.throwIfAborted();
    if (b.stacktraces) {
      for (const [id, frames] of await b.stacktraces(page.map((g) => g.id), depth)) {
        stacks.set(id, frames.map((f) => ({ function: f.function, file: f.file, line: f.line })));
      }
      return;
    }
    for (const g of page) {
      signal?.throwIfAborted();
      try {
        stacks.set(g.id, (await b.stacktrace(g.id, depth)).map((f) => ({ function: f.function, file: f.file, line: f.line })));
      } catch {
        // shown with its current frame only
      }
    }
  });
  return all.sort((a, b) => a.id - b.id).map((g) => toDumpGoroutine(g, stacks.get(g.id)));
}

/**
 * Attaches dlv or gdb to `pid` on `host`, reads every goroutine's stack and renders a debug=2
 * dump, for when the pprof endpoint does not answer. The attach stop is ended at once; while the
 * target runs the backend loads what its read needs (gdb: its symbol tables); the goroutines are
 * then read in one stop (gdb: in one pass) that lasts until detach (one stop is cheaper than many at
 * the counts a hung service has). Always detaches, never kills the target.
 */
export async function dumpGoroutinesViaDebugger(host: RemoteHost, pid: number, opts: DebuggerDumpOptions): Promise<DebuggerDump> {
  const t0 = Date.now();
  opts.signal?.throwIfAborted();
  let attaching = t0;
  const { backend } = await attachBackend(host, pid, opts.backend, { trace: opts.trace, onAttaching: () => { attaching = Date.now(); } });
  let attachStop = 0;
  let workStop = 0;
  let goroutines: DumpGoroutine[];
  try {
    await backend.resume();
    attachStop = Date.now() - attaching; // upper bound: the stop began somewhere inside attach
    opts.signal?.throwIfAborted();
    if (opts.onePass !== false) await backend.prepareReadAll?.();
    opts.signal?.throwIfAborted();
    const t1 = Date.now();
    await backend.pause();
    try {
      goroutines = await readAll(backend, opts.depth ?? 100, opts.signal, opts.onePass);
    } finally {
      await backend.detach().finally(() => { workStop = Date.now() - t1; });
    }
  } catch (e) {
    await backend.detach().catch(() => undefined);
    if (opts.signal?.aborted) throw new AnoleError('CANCELLED', 'goroutine dump interrupted; the debugger detached');
    throw e;
  }
  return {
    text: renderDebug2(goroutines),
    goroutines,
    pauseMs: Math.max(attachStop, workStop),
    stopsMs: { attach: attachStop, read: workStop },
    totalMs: Date.now() - t0,
    backend: backend.kind,
  };
}

/** A dump read from a core file: nothing was stopped. */
export interface CoreGoroutineDump {
  text: string;
  goroutines: DumpGoroutine[];
  totalMs: number;
  backend: 'dlv' | 'gdb';
}

/** Opens a core dump (paths on `host`, which may be this machine) with dlv or gdb and renders every goroutine as a debug=2 dump. */
export async function dumpGoroutinesFromCore(host: RemoteHost, target: CoreTarget, opts: DebuggerDumpOptions): Promise<CoreGoroutineDump> {
  const t0 = Date.now();
  const backend = await openCoreBackend(host, target, opts.backend, { trace: opts.trace });
  try {
    const goroutines = await readAll(backend, opts.depth ?? 100, opts.signal, opts.onePass);
    return { text: renderDebug2(goroutines), goroutines, totalMs: Date.now() - t0, backend: backend.kind };
  } catch (e) {
    if (opts.signal?.aborted) throw new AnoleError('CANCELLED', 'goroutine dump interrupted');
    throw e;
  } finally {
    await backend.detach().catch(() => undefined);
  }
}
