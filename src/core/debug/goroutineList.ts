// Lists every goroutine through a backend (paged), orders and names them, and groups them by stack.
import { groupGoroutines } from '../goroutines/group';
import type { Goroutine, GroupedGoroutines } from '../goroutines/types';
import type { DebugBackend, GoroutineSummary, SourceLocation } from './backend';

/** Goroutines per ListGoroutines page: some 20–50 ms of a stopped target each (dlv unwinds each one's stack). */
export const GOROUTINE_PAGE = 250;

/**
 * Runs `fn` with the target stopped. The default runs it as is (the target is already stopped);
 * the adapter passes one that halts, runs and resumes a running target, so that long work is
 * cut into short stops instead of one long one.
 */
export type StoppedRunner = <T>(fn: (b: DebugBackend) => Promise<T>) => Promise<T>;

const asIs = (backend: DebugBackend): StoppedRunner => (fn) => fn(backend);

/**
 * Every goroutine, read page by page, each page in its own `run` (one short stop each). The
 * runtime's goroutine table only grows, so page cursors stay valid across stops; a goroutine
 * seen twice is kept once. `onPage` runs in the same stop as its page.
 */
export async function listAllGoroutines(
  backend: DebugBackend,
  run: StoppedRunner = asIs(backend),
  pageSize = GOROUTINE_PAGE,
  onPage?: (b: DebugBackend, page: readonly GoroutineSummary[]) => Promise<void>,
): Promise<GoroutineSummary[]> {
  const byId = new Map<number, GoroutineSummary>();
  let start = 0;
  for (;;) {
    const page = await run(async (b) => {
      const p = await b.listGoroutines({ start, count: pageSize });
      await onPage?.(b, p.goroutines); // still stopped: work on what this page read is cheap
      return p;
    });
    for (const g of page.goroutines) byId.set(g.id, g);
    if (page.next < 0 || page.goroutines.length === 0) return [...byId.values()];
    start = page.next;
  }
}

/** Goroutines running user code first (by id), then those with only runtime frames (by id). */
export function orderForDisplay(gs: readonly GoroutineSummary[]): GoroutineSummary[] {
  return [...gs].sort((a, b) => Number(!a.user) - Number(!b.user) || a.id - b.id);
}

/** "#17 main.leakyWorker · chan receive". */
export function goroutineName(g: GoroutineSummary): string {
  return `#${g.id} ${(g.user ?? g.current).function} · ${g.state}`;
}

/** The key of goroutines that almost surely share a stack: state, current PC, user frame, go statement. */
function coarseKey(g: GoroutineSummary): string {
  const loc = (l?: SourceLocation) => (l ? `${l.function}@${l.file}:${l.line}` : '');
  return `${g.state}|${g.current.pc ?? loc(g.current)}|${loc(g.user)}|${loc(g.goStatement)}`;
}

/** Options for {@link groupByStack}. */
export interface GroupByStackOptions {
  /** Frames read per representative stack (default 50). */
  depth?: number;
  /** Most distinct stacks read (default 500); the rest are grouped by their current frame only. */
  maxStacks?: number;
  /** Most stacks read in one stop (default 50). */
  stacksPerStop?: number;
  /** How to get a stopped target (see {@link listAllGoroutines}). */
  run?: StoppedRunner;
  pageSize?: number;
}

type Frames = Array<{ function: string; file: string; line: number }>;

/**
 * Lists every goroutine and groups them by identical stacks without reading 10,000 stacks:
 * goroutines are bucketed by state, current PC, user frame and `go` statement (all in the
 * listing), one stack per bucket is read, and buckets are grouped exactly like a goroutine dump.
 * A bucket's stack is read in the same stop as the page that first showed it: dlv finds a
 * goroutine by id by scanning the runtime's table from the start unless that stop already read
 * it, which costs ~1.5 s at 10,000 goroutines.
 */
export async function groupByStack(backend: DebugBackend, opts: GroupByStackOptions = {}): Promise<GroupedGoroutines> {
  const depth = opts.depth ?? 50;
  const maxStacks = opts.maxStacks ?? 500;
  const perStop = opts.stacksPerStop ?? 50;
  const stacks = new Map<string, Frames>();
  const all = await listAllGoroutines(backend, opts.run, opts.pageSize, async (b, page) => {
    let read = 0;
    for (const g of page) {
      const k = coarseKey(g);
      if (stacks.has(k) || stacks.size >= maxStacks || read >= perStop) continue;
      read++;
      try {
        stacks.set(k, (await b.stacktrace(g.id, depth)).map((f) => ({ function: f.function, file: f.file, line: f.line })));
      } catch {
        // grouped by its current frame only
      }
    }
  });
  const out: Goroutine[] = [];
  for (const g of all) {
    const frames = stacks.get(coarseKey(g)) ?? [{ function: g.current.function, file: g.current.file, line: g.current.line }];
    const createdBy = g.goStatement ? { function: g.goStatement.function, file: g.goStatement.file, line: g.goStatement.line } : null;
    out.push({
      id: g.id, state: g.state, waitMinutes: null, lockedToThread: false, leaked: false, labels: null, extra: [],
      frames: frames.map((f) => ({ ...f, args: '', pcOffset: null })), createdBy, elided: false, truncated: false,
    });
  }
  return groupGoroutines(out);
}
