// Groups goroutines with the same state and stack, and finds the frame where a group waits.
import { isStdlibFunction, isSystemFrame as isSystemFunction } from '../goFrames';
import type { Goroutine, GoroutineGroup, GroupedGoroutines, StackFrame } from './types';

/** Options for {@link groupGoroutines}. */
export interface GroupOptions {
  /** Most member ids to keep per group (the count is always exact). Default 1000. */
  maxIds?: number;
}

/**
 * Groups goroutines whose state, stack (function, file and line of every frame; arguments and PC
 * offsets ignored) and creator ("created by" function, file and line; not the creating goroutine)
 * are equal. Groups come biggest first, then longest waiting, then in dump order.
 */
export function groupGoroutines(goroutines: readonly Goroutine[], options: GroupOptions = {}): GroupedGoroutines {
  const maxIds = options.maxIds ?? 1000;
  const frameIds = new FrameIds();
  const stateIds = new Map<string, number>();
  const root = new Map<number, TrieNode>();
  const accs: Acc[] = [];

  for (const g of goroutines) {
    let stateId = stateIds.get(g.state);
    if (stateId === undefined) stateIds.set(g.state, (stateId = stateIds.size));
    // Walk a trie keyed by state, creator, then each frame: no key string is built per goroutine.
    let node = child(root, stateId);
    const cb = g.createdBy;
    node = child(node.next(), cb ? frameIds.id(cb.function, cb.file, cb.line) : -1);
    const frames = g.frames;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      node = child(node.next(), frameIds.id(f.function, f.file, f.line));
    }
    let acc = node.acc;
    if (acc === null) {
      acc = node.acc = new Acc(g, accs.length);
      accs.push(acc);
    }
    acc.add(g, maxIds);
  }

  accs.sort(
    (a, b) => b.count - a.count || (b.maxWait ?? -1) - (a.maxWait ?? -1) || a.order - b.order,
  );
  return { total: goroutines.length, groups: accs.map((a) => a.toGroup()) };
}

/**
 * True if the frame belongs to the runtime, sync or internal packages, or is implemented in the
 * runtime under another name (time.Sleep lives in runtime/time.go; a panic prints as "panic").
 */
export function isSystemFrame(frame: Pick<StackFrame, 'function' | 'file'>): boolean {
  const fn = frame.function;
  if (fn === 'panic' || isSystemFunction(fn)) return true;
  // A standard library function whose code is in the runtime's directory (GOROOT/src/runtime, or
  // "runtime/" with -trimpath): time.Sleep, sync.runtime_Semacquire, ...
  const file = frame.file;
  return (file.startsWith('runtime/') || file.includes('/src/runtime/')) && isStdlibFunction(fn);
}

/** Options for {@link innermostUserFrame}. */
export interface UserFrameOptions {
  /** Also skip the rest of the standard library (net, os, time...), not only runtime, sync and internal. */
  skipStdlib?: boolean;
}

/**
 * The innermost frame outside the runtime, sync and internal packages (with `skipStdlib`, outside
 * the whole standard library): where the goroutine's own code waits. Undefined if there is none
 * (e.g. the GC workers, or an idle net/http connection with `skipStdlib`).
 */
export function innermostUserFrame<F extends Pick<StackFrame, 'function' | 'file'>>(
  frames: readonly F[],
  options: UserFrameOptions = {},
): F | undefined {
  for (const f of frames) {
    if (isSystemFrame(f) || (options.skipStdlib && isStdlibFunction(f.function))) continue;
    return f;
  }
  return undefined;
}

class TrieNode {
  private children: Map<number, TrieNode> | null = null;
  acc: Acc | null = null;

  next(): Map<number, TrieNode> {
    return (this.children ??= new Map());
  }
}

function child(map: Map<number, TrieNode>, key: number): TrieNode {
  let node = map.get(key);
  if (node === undefined) map.set(key, (node = new TrieNode()));
  return node;
}

/** Numbers each distinct (function, file, line). Names from one parse are interned, so lookups are cheap. */
class FrameIds {
  private readonly byFunction = new Map<string, Array<{ file: string; line: number; id: number }>>();
  private count = 0;

  id(fn: string, file: string, line: number): number {
    let sites = this.byFunction.get(fn);
    if (sites === undefined) this.byFunction.set(fn, (sites = []));
    for (let i = 0; i < sites.length; i++) {
      const s = sites[i];
      if (s.line === line && s.file === file) return s.id;
    }
    const id = this.count++;
    sites.push({ file, line, id });
    return id;
  }
}

class Acc {
  count = 0;
  maxWait: number | null = null;
  minWait: number | null = null;
  locked = 0;
  elided = false;
  truncated = false;
  readonly ids: number[] = [];

  constructor(
    private readonly first: Goroutine,
    readonly order: number,
  ) {}

  add(g: Goroutine, maxIds: number): void {
    this.count++;
    if (this.ids.length < maxIds) this.ids.push(g.id);
    const w = g.waitMinutes;
    if (w !== null) {
      if (this.maxWait === null || w > this.maxWait) this.maxWait = w;
      // Members before the first one with a wait had none (under a minute): they count as 0.
      if (this.minWait === null) this.minWait = this.count > 1 ? 0 : w;
      else if (w < this.minWait) this.minWait = w;
    } else if (this.minWait !== null) {
      this.minWait = 0;
    }
    if (g.lockedToThread) this.locked++;
    if (g.elided) this.elided = true;
    if (g.truncated) this.truncated = true;
  }

  toGroup(): GoroutineGroup {
    const g = this.first;
    const cb = g.createdBy;
    return {
      count: this.count,
      state: g.state,
      waitMinutes: this.maxWait,
      minWaitMinutes: this.minWait,
      lockedToThread: this.locked,
      frames: g.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })),
      createdBy: cb ? { function: cb.function, file: cb.file, line: cb.line } : null,
      ids: this.ids,
      elided: this.elided,
      truncated: this.truncated,
    };
  }
}
