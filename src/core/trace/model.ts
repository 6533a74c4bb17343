// The normalized Go execution-trace event model that every format reader (Go ≥ 1.22 and Go 1.19–1.21) emits.
//
// It mirrors the high-level API of Go's own `internal/trace` (event.go, resources.go), shaped for speed on
// 100 MB traces: one reused event object handed to a visitor, strings/frames/stacks interned in shared
// tables with numeric ids, frames resolved only when a consumer asks.
//
// How a consumer iterates
// -----------------------
//   const tables = new TraceTables();
//   const result = parseTrace(bytes, tables, { event(ev) { ... } });   // src/core/trace/parse.ts
//
// `parseTrace` sniffs the header ("go 1.NN trace\0\0\0") and dispatches by version: Go 1.22+ to
// `v2/`, Go 1.11–1.21 to the reader exported from `v1/index.ts` (signature `FormatReader`).
// Events arrive in a valid global order (Go's order.go semantics), `time` non-decreasing.
// `ev` is the SAME object for every call: copy what you keep, never store `ev` itself.
// A reader stops at the first malformed or truncated byte and reports it in `result.warnings`
// (`result.complete === false`), after having delivered every event it could order before that point.
//
// For a reader of another format (v1/, Go 1.19–1.21), as Go's internal/trace/tracev1.go converts:
//   - export `readV1: FormatReader` from src/core/trace/v1/index.ts; parse.ts calls it for versions < 22
//     (replace the stub `readV1` there with `import { readV1 } from './v1'`);
//   - emit one Sync first and one after the last event; `time` in ns from the earliest timestamp, strictly
//     increasing (bump equal times by 1 ns as Go's reader does);
//   - goroutine blocks as StateTransition Running→Waiting with Go 1.22's reason strings (EvGoBlockSend/Recv →
//     "chan send"/"chan receive", EvGoBlockSelect → "select", EvGoBlockSync → "sync", EvGoBlockCond →
//     "sync.(*Cond).Wait", EvGoBlockNet → "network", EvGoSleep → "sleep", EvGoBlockGC → "GC mark assist wait for work", EvGoBlock → "", EvGoStop → "forever");
//     preemption / Gosched as Running→Runnable with "preempted" / "runtime.Gosched"; `stateStack` = `stack`;
//   - GoCreate as NotExist→Runnable with `stack` = creator's stack and `stateStack` = the new goroutine's;
//   - goroutines already alive at the start as Undetermined→state (their first event), Ps likewise;
//   - STW / GC / mark assist as RangeBegin/RangeEnd with the names documented on `TraceEvent.name`.
// The starvation analysis (analyze.ts) reads only: StateTransition (goroutine: id, from, to, reason, stack,
// stateStack, p), Metric "/sched/gomaxprocs:threads", and the Range names above.

/** What kind of thing happened, as Go's trace.EventKind. */
export const EventKind = {
  Bad: 0,
  /** Start of a generation (and the end of the trace); resources' states are re-announced after it. */
  Sync: 1,
  /** A metric sample: `name` ("/sched/gomaxprocs:threads", "/gc/heap/goal:bytes", "/memory/classes/heap/objects:bytes"), `value`. */
  Metric: 2,
  /** A label on goroutine `id`: `name`. */
  Label: 3,
  /** A CPU profile sample on `g`/`p`/`m` with `stack`. */
  StackSample: 4,
  /** Start/continuation/end of a named range (`name`) scoped to `resource`/`id` (none = global). */
  RangeBegin: 5,
  RangeActive: 6,
  RangeEnd: 7,
  /** User task: `id` task id, `parent`, `name` (type). */
  TaskBegin: 8,
  TaskEnd: 9,
  /** User region in task `id`: `name`. */
  RegionBegin: 10,
  RegionEnd: 11,
  /** User log in task `id`: `name` = category, `message`. */
  Log: 12,
  /** A goroutine or proc changed state: `resource`, `id`, `from`, `to`, `reason`, `stateStack`. */
  StateTransition: 13,
  Experimental: 14,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Which resource a StateTransition / Range is about, as Go's trace.ResourceKind. */
export const ResourceKind = { None: 0, Goroutine: 1, Proc: 2, Thread: 3 } as const;
export type ResourceKind = (typeof ResourceKind)[keyof typeof ResourceKind];

/** Goroutine states, as Go's trace.GoState. */
export const GoState = {
  Undetermined: 0,
  NotExist: 1,
  Runnable: 2,
  Running: 3,
  Waiting: 4,
  Syscall: 5,
} as const;
export type GoState = (typeof GoState)[keyof typeof GoState];

/** Proc (P) states, as Go's trace.ProcState. */
export const ProcState = { Undetermined: 0, NotExist: 1, Running: 2, Idle: 3 } as const;
export type ProcState = (typeof ProcState)[keyof typeof ProcState];

/** The names of the GC ranges (Range events' `name`), as Go's internal/trace gives them for both formats. */
export const GcRange = {
  Mark: 'GC concurrent mark phase',
  Sweep: 'GC incremental sweep',
  Assist: 'GC mark assist',
} as const;

/** "No goroutine / proc / thread / stack" in the id fields (Go uses ^0; we use -1, and 0 for stacks). */
export const NO_ID = -1;
export const NO_STACK = 0;

/**
 * One event; a single instance is reused for every visitor call. Fields not meaningful for a kind keep
 * whatever the reader last wrote: read only the fields documented for `kind`.
 */
export class TraceEvent {
  kind: EventKind = EventKind.Bad;
  /** Nanoseconds since the trace's origin (the first generation's earliest batch), non-decreasing. */
  time = 0;
  /** The execution context: goroutine, proc, thread (M) the event happened on; NO_ID if none. */
  g = NO_ID;
  p = NO_ID;
  m = NO_ID;
  /** Stack of the event itself (the running goroutine's), id in TraceTables; NO_STACK if none. */
  stack = NO_STACK;

  // StateTransition (also the subject of Range/Label/TaskBegin events: `resource`, `id`).
  resource: ResourceKind = ResourceKind.None;
  /** Goroutine or proc id (StateTransition, Label, Range scope), task id (Task/Region/Log). */
  id = NO_ID;
  /** GoState or ProcState, according to `resource`. */
  from = 0;
  to = 0;
  /**
   * Why: Go's reason string. Goroutine blocks: "chan receive", "chan send", "select", "sync",
   * "sync.(*Cond).Wait", "network", "sleep", "system goroutine wait", "GC background sweeper wait",
   * "wait for debug call", "wait until GC ends", "forever", "synctest" …; stops: "preempted", "yield";
   * Go 1.19–1.21 readers map their event types onto the same strings.
   */
  reason = '';
  /**
   * Stack of the transitioning goroutine: for a block/stop/syscall its own stack (= `stack`), for a
   * creation the new goroutine's start stack (its start function is the top frame), NO_STACK otherwise.
   */
  stateStack = NO_STACK;

  // Metric / Range / Label / Task / Region / Log.
  /** Metric name, range name ("GC concurrent mark phase", "stop-the-world (…)", "GC mark assist", "GC incremental sweep"), label, task type, region type, log category. */
  name = '';
  /** Metric value. */
  value = 0;
  /** Parent task id (TaskBegin). */
  parent = NO_ID;
  /** Log message. */
  message = '';
}

/** One source frame of an interned stack. */
export interface TraceFrame {
  readonly pc: number;
  readonly func: string;
  readonly file: string;
  readonly line: number;
}

/**
 * Interned strings, frames and stacks shared by all generations of one trace: the same call path in two
 * generations gets the same stack id. Ids start at 1 (0 = none). Readers add; consumers look up lazily.
 */
export class TraceTables {
  private readonly frameIndex = new Map<string, number>();
  private readonly framesById: TraceFrame[] = [{ pc: 0, func: '', file: '', line: 0 }];
  private readonly stackIndex = new Map<string, number>();
  private readonly stacksById: Uint32Array[] = [new Uint32Array(0)];

  /** The id of a frame, adding it if new. */
  internFrame(pc: number, func: string, file: string, line: number): number {
    const key = `${pc}\u0000${func}\u0000${file}\u0000${line}`;
    let id = this.frameIndex.get(key);
    if (id === undefined) {
      id = this.framesById.length;
      this.framesById.push({ pc, func, file, line });
      this.frameIndex.set(key, id);
    }
    return id;
  }

  /** The id of a stack given its frame ids, innermost first; NO_STACK for an empty stack. */
  internStack(frameIds: ArrayLike<number>): number {
    if (frameIds.length === 0) return NO_STACK;
    const key = Array.prototype.join.call(frameIds, ',');
    let id = this.stackIndex.get(key);
    if (id === undefined) {
      id = this.stacksById.length;
      this.stacksById.push(Uint32Array.from(frameIds));
      this.stackIndex.set(key, id);
    }
    return id;
  }

  /** Frame ids of a stack, innermost first (empty for NO_STACK or an unknown id). */
  stackFrameIds(stackId: number): Uint32Array {
    return this.stacksById[stackId] ?? this.stacksById[0];
  }

  /** A frame by id. */
  frame(frameId: number): TraceFrame {
    return this.framesById[frameId] ?? this.framesById[0];
  }

  /** The frames of a stack, innermost first (allocates: use for reporting, not per event). */
  stackFrames(stackId: number): TraceFrame[] {
    return Array.from(this.stackFrameIds(stackId), (f) => this.frame(f));
  }

  /** Number of distinct stacks (ids 1..count). */
  get stackCount(): number {
    return this.stacksById.length - 1;
  }
}

/** Called for every event in order; `ev` is reused (see the top of this file). */
export interface TraceVisitor {
  event(ev: TraceEvent): void;
}

/**
 * An optional fast path a visitor may add for the three transitions that make most of a busy trace: the Go
 * ≥ 1.22 reader calls these instead of `event` for GoStart, GoUnblock and GoBlock/GoStop in their usual case,
 * without filling the shared event: of `ev` only `time` is set. Each call must have the effect `event` would
 * have for the StateTransition it stands for (goroutine `g`; see TraceEvent for the fields named below).
 */
export interface GoTransitionSink {
  /** Runnable → Running on proc `p` (NO_ID if none); the event has no stack. */
  goStart(ev: TraceEvent, g: number, p: number): void;
  /** Waiting → Runnable; the waker's stack and proc are not passed. */
  goUnblock(ev: TraceEvent, g: number): void;
  /** Running → `to` (Waiting for a block, Runnable for a stop), with `reason`, and `stack` as both stack and stateStack. */
  goStop(ev: TraceEvent, g: number, to: GoState, reason: string, stack: number): void;
}

/** True if `v` offers the GoTransitionSink fast path. */
export function isGoTransitionSink(v: TraceVisitor): v is TraceVisitor & GoTransitionSink {
  const s = v as Partial<GoTransitionSink>;
  return typeof s.goStart === 'function' && typeof s.goUnblock === 'function' && typeof s.goStop === 'function';
}

/** What a reader learned besides the events. */
export interface ParseResult {
  /** Go minor version from the header: 22 for "go 1.22 trace". */
  goVersion: number;
  /** ns of the last event delivered (time is relative to the origin, so this is the duration). */
  durationNs: number;
  /** Number of events delivered. */
  events: number;
  /** Number of generations fully or partly delivered. */
  generations: number;
  /** False if the trace was cut or corrupt; then `warnings` says at which byte offset it stopped and why. */
  complete: boolean;
  warnings: string[];
}

/**
 * A reader of one family of formats. `data` is the whole file; `offset` is where the body starts (after
 * the 16-byte header); `version` is the Go minor version from the header. It must never throw on bad
 * bytes: it stops, warns and returns (it may throw AnoleError only for a version it cannot read).
 */
export type FormatReader = (
  data: Uint8Array,
  offset: number,
  version: number,
  tables: TraceTables,
  visitor: TraceVisitor,
) => ParseResult;
