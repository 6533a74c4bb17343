// Reader of the Go ≥ 1.22 trace format: one generation at a time, per-M batches merged by time under order.go's rules.
import { AnoleError } from '../../errors';
import {
  EventKind, type FormatReader, GoState, type ParseResult, NO_ID, NO_STACK, ResourceKind, TraceEvent, type TraceTables, type TraceVisitor,
  type GoTransitionSink, isGoTransitionSink,
} from '../model';
import { Ev, SPECS, VERSION_LAST_EVENT } from './events.generated';
import { type BatchRef, type Generation, TraceFormatError, readGeneration, uvarint, vr } from './generation';
import { emitSample, fill, fillHot, id, str } from './fill';
import { GoStatus, type MState, OrderError, Ordering, smi, type WireEvent } from './order';

/** Cursor over one M's batches in a generation; also the M's pending event (type, args, time in ns). */
class Cursor implements WireEvent {
  typ = 0;
  readonly args = new Float64Array(5);
  time = 0;
  /** Current batch (-1 before the first), read position and end of that batch, time of the last event. */
  idx = -1;
  pos = 0;
  end = 0;
  lastNs = 0;
  constructor(
    readonly m: number,
    readonly ms: MState,
    readonly batches: BatchRef[],
  ) {}
}

/** `id & SMALL_ID` equals `id` exactly for the ids that are small integers (below 2^30). */
const SMALL_ID = 0x3fffffff;

/**
 * What GoStop (runnable) and GoBlock (waiting) leave a goroutine in, as wire statuses and model states: plain
 * constants, as a property read in the rarely taken GoStop branch would stop the optimised loop the first time
 * a goroutine is preempted (it had never run when the loop was compiled).
 */
const STOP_STATUS = GoStatus.Runnable;
const BLOCK_STATUS = GoStatus.Waiting;
const STOP_STATE = GoState.Runnable;
const BLOCK_STATE = GoState.Waiting;

/** How a run of one thread's events ended (Merge.run). */
const RUN_PAUSED = 0;
const RUN_DONE = 1;
const RUN_STUCK = 2;

/** Per wire type: number of arguments after the timestamp delta of a timed event, -1 if not a timed event. */
const TIMED_ARGS = Int8Array.from({ length: 256 }, (_, t) => (SPECS[t]?.timed ? (SPECS[t]?.args.length ?? 1) - 1 : -1));

/** Reads a Go 1.22–1.26 trace body (see model.ts for the contract). */
export const readV2: FormatReader = (data, offset, version, tables, visitor) => {
  const steps = readV2Steps(data, offset, version, tables, visitor);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
};

/** Where a reader stands after a generation: its events up to `parsedNs` are delivered, `offset` bytes read. */
export interface GenerationDone {
  parsedNs: number;
  offset: number;
  /** A pause inside a generation (after SLICE_EVENTS more events): `parsedNs` and `offset` are still the last generation's. */
  partial?: boolean;
}

/** Events delivered between two pauses inside a generation (a caller answering requests in between waits at most this long). */
const SLICE_EVENTS = 1 << 18;

/** What Merge.generation returns when it paused inside a generation (call it again to go on). */
const PAUSED = 'paused';

/**
 * `readV2` one generation at a time: yields after each generation's events are delivered (so a caller
 * can show what is parsed so far, or yield to its event loop), also every SLICE_EVENTS events inside a
 * long generation (`partial`, so the caller can answer requests meanwhile), and returns the result at the end.
 */
export function* readV2Steps(
  ...[data, offset, version, tables, visitor, sliceEvents = SLICE_EVENTS]: [...Parameters<FormatReader>, sliceEvents?: number]
): Generator<GenerationDone, ParseResult> {
  const lastEvent = VERSION_LAST_EVENT.get(version);
  if (lastEvent === undefined) {
    throw new AnoleError('BAD_INPUT', `unknown trace format version go 1.${version}`, 'traces from Go 1.22, 1.23 (also written by 1.24), 1.25 and 1.26 are supported');
  }
  const warnings: string[] = [];
  const r = new Merge(data, version, lastEvent, visitor, Math.max(1, sliceEvents));
  let generations = 0;
  let pos = offset;
  let complete = true;
  for (;;) {
    let g: Generation | undefined;
    try {
      g = readGeneration(data, pos, version, tables);
    } catch (e) {
      if (!(e instanceof TraceFormatError)) throw e;
      warnings.push(`trace stopped at byte ${e.offset}: ${e.message}`);
      complete = false;
      break;
    }
    if (!g) break;
    generations++;
    if (g.nsPerTick === 0) {
      warnings.push(`trace stopped at byte ${g.error?.offset ?? pos}: ${g.error?.message ?? 'no frequency'} (generation ${g.gen} has no clock frequency, its events are lost)`);
      complete = false;
      break;
    }
    let failure = r.generation(g);
    while (failure === PAUSED) {
      yield { parsedNs: r.lastGenerationNs, offset: pos, partial: true };
      failure = r.generation(g);
    }
    if (failure || g.error) {
      const where = g.error ? `byte ${g.error.offset}` : `generation ${g.gen}`;
      warnings.push(`trace stopped at ${where}: ${g.error?.message ?? failure}${g.error && failure ? `; ${failure}` : ''}`);
      complete = false;
      break;
    }
    pos = g.end;
    r.lastGenerationNs = r.last;
    yield { parsedNs: r.last, offset: pos };
  }
  if (r.events > 0) r.emitSync(r.last);
  return { goVersion: version, durationNs: r.last, events: r.events, generations, complete, warnings };
}

/**
 * The merge of each generation's per-M batches into one ordered stream for the visitor: decoding, the
 * frontier of the Ms' pending events by time, the ordering rules (Ordering), delivery. A plain class
 * rather than the generator's closures, so that its loop is optimised like any function.
 */
class Merge {
  private readonly out = new TraceEvent();
  private readonly order: Ordering;
  /** The visitor's fast path for the most frequent transitions, if it has one. */
  private readonly sink: (TraceVisitor & GoTransitionSink) | undefined;
  private gen: Generation | undefined;
  private originNs = -1;
  private nsPerTick = 1;
  /** Time of the last delivered event (kept strictly increasing), and how many were delivered. */
  last = 0;
  events = 0;
  /** `last` at the end of the last whole generation. */
  lastGenerationNs = 0;
  /** A generation paused after a slice of its events: its frontier and CPU samples, to go on with. */
  private paused: { g: Generation; heap: Cursor[]; order5: number[]; si: number } | undefined;

  constructor(
    private readonly data: Uint8Array,
    private readonly version: number,
    private readonly lastEvent: number,
    private readonly visitor: TraceVisitor,
    private readonly sliceEvents: number,
  ) {
    this.order = new Ordering((typ, args, at, g, p, m, extra) => {
      if (fill(this.out, typ, args, g, p, m, extra, this.gen as Generation)) this.deliver(at);
    });
    this.sink = isGoTransitionSink(visitor) ? visitor : undefined;
  }

  /** Sets `out.time` to the time of `at` (kept strictly increasing) and counts the event. */
  private stamp(at: WireEvent): void {
    let time = at.time;
    if (time <= this.last && this.events > 0) time = this.last + 1;
    this.last = time;
    this.out.time = time;
    this.events++;
  }

  /** Hands `out`, filled, to the visitor at the time of `at`. */
  private deliver(at: WireEvent): void {
    this.stamp(at);
    this.visitor.event(this.out);
  }

  emitSync(time: number): void {
    const out = this.out;
    out.kind = EventKind.Sync;
    out.g = out.p = out.m = out.id = NO_ID;
    out.stack = out.stateStack = NO_STACK;
    out.time = this.events > 0 && time <= this.last ? this.last + 1 : time;
    this.last = out.time;
    this.events++;
    this.visitor.event(out);
  }

  /**
   * Delivers generation `g`'s events in order; returns why it stopped early, if it did, or PAUSED after
   * SLICE_EVENTS events (call again with the same `g` to go on).
   */
  generation(g: Generation): string | undefined {
    const nsPerTick = g.nsPerTick;
    const order = this.order;
    const gen = g.gen;
    const stopAt = this.events + this.sliceEvents;
    try {
      let heap: Cursor[];
      let order5: number[];
      let si: number;
      const paused = this.paused;
      this.paused = undefined;
      if (paused && paused.g === g) {
        ({ heap, order5, si } = paused);
      } else {
        this.gen = g;
        this.nsPerTick = nsPerTick;
        // Times as Go computes them: the batch's base time, plus each delta, truncated to ns one by one.
        if (this.originNs < 0) this.originNs = Math.trunc(g.minTs * nsPerTick);
        this.emitSync(Math.trunc(g.minTs * nsPerTick) - this.originNs);
        // The frontier: one cursor per M, a binary heap by the time of its pending event.
        heap = [];
        for (const m of g.ms) {
          const c = new Cursor(m, order.thread(m), g.batches.get(m) ?? []);
          if (this.next(c)) heapPush(heap, c);
        }
        // CPU samples interleave by time.
        order5 = sortSamples(g.cpuSamples);
        si = 0;
      }
      const samples = g.cpuSamples;
      while (heap.length > 0 || si < order5.length) {
        if (this.events >= stopAt) {
          this.paused = { g, heap, order5, si };
          return PAUSED;
        }
        let limit = Infinity;
        if (si < order5.length) {
          const k = order5[si] * 5;
          const st = Math.trunc(samples[k] * nsPerTick) - this.originNs;
          if (heap.length === 0 || st < heap[0].time) {
            this.sample(samples, k, g);
            si++;
            continue;
          }
          limit = st;
        }
        // The earliest thread runs until its next event is later than another thread's or a CPU sample:
        // a run of about a hundred events in a busy trace, without touching the heap.
        const c = heap[0];
        if (heap.length > 1 && heap[1].time < limit) limit = heap[1].time;
        if (heap.length > 2 && heap[2].time < limit) limit = heap[2].time;
        const r = this.run(c, limit, g);
        if (r === RUN_PAUSED) heapFix(heap, 0);
        else if (r === RUN_DONE) heapRemove(heap, 0);
        else {
          const other = this.otherThread(heap, gen);
          if (other === undefined) return `no thread can advance in generation ${gen} (the trace is inconsistent or missing batches)`;
          const at = heap.indexOf(other);
          if (this.next(other)) heapFix(heap, at);
          else heapRemove(heap, at);
        }
      }
    } catch (e) {
      if (e instanceof TraceFormatError) return `byte ${e.offset}: ${e.message}`;
      if (e instanceof OrderError) return e.message;
      throw e;
    }
    return undefined;
  }

  /**
   * Orders and delivers cursor `c`'s events, and decodes the next, while that next one is due no later than
   * `limit`: RUN_PAUSED when it is later (the cursor then goes back into the heap), RUN_DONE at the end of
   * its batches, RUN_STUCK when its pending event must wait for another thread.
   */
  private run(c: Cursor, limit: number, g: Generation): number {
    const order = this.order;
    const sink = this.sink;
    const out = this.out;
    const gen = g.gen;
    const ms = c.ms;
    const a = c.args;
    for (;;) {
      const typ = c.typ;
      // Most events of a busy trace, in their usual case: a short path each (see Ordering.startHot).
      let advanced = false;
      if (typ === Ev.GoStart) {
        // A goroutine id below 2^30 (always, but in a damaged trace): its small integer, else the general path.
        const gid = a[0] & SMALL_ID;
        const curP = ms.p;
        if (gid === a[0] && order.startHot(ms, gid, a[1], gen)) {
          this.stamp(c);
          if (sink !== undefined) sink.goStart(out, gid, id(curP));
          else this.deliverHot(c, typ, NO_ID, curP);
          advanced = true;
        }
      } else if (typ === Ev.GoUnblock) {
        const gid = a[0] & SMALL_ID;
        if (gid === a[0] && order.unblockHot(gid, a[1], gen)) {
          this.stamp(c);
          if (sink !== undefined) sink.goUnblock(out, gid);
          else this.deliverHot(c, typ, ms.g, ms.p);
          advanced = true;
        }
      } else if (typ === Ev.GoBlock || typ === Ev.GoStop) {
        const curG = ms.g;
        const curP = ms.p;
        const stop = typ === Ev.GoStop;
        if (order.stopHot(ms, stop ? STOP_STATUS : BLOCK_STATUS)) {
          this.stamp(c);
          if (sink !== undefined) {
            sink.goStop(out, id(curG), stop ? STOP_STATE : BLOCK_STATE, str(g, a, 0), g.stacks.get(smi(a[1])) ?? NO_STACK);
          } else this.deliverHot(c, typ, curG, curP);
          advanced = true;
        }
      }
      if (!advanced && !order.advance(c, c.m, ms, gen)) return RUN_STUCK;
      if (!this.next(c)) return RUN_DONE;
      if (c.time > limit) return RUN_PAUSED;
    }
  }

  /** Delivers CPU sample `k` (an index into `samples`) of generation `g`. */
  private sample(samples: number[], k: number, g: Generation): void {
    const out = this.out;
    emitSample(out, samples, k, g);
    out.time = Math.max(Math.trunc(samples[k] * this.nsPerTick) - this.originNs, this.last);
    this.last = out.time;
    this.events++;
    this.visitor.event(out);
  }

  /** A hot event (GoStart, GoUnblock, GoBlock, GoStop) ordered and stamped: filled and delivered to a visitor without the fast path. */
  private deliverHot(c: Cursor, typ: number, curG: number, curP: number): void {
    fillHot(this.out, typ, c.args, curG, curP, c.m, this.gen as Generation);
    this.visitor.event(this.out);
  }

  private readonly scratch: Cursor[] = [];

  /**
   * When the earliest pending event must wait: like Go, tries the other threads in time order (insertion
   * sort into a reused array); the cursor that advanced, or undefined if none can.
   */
  private otherThread(heap: Cursor[], gen: number): Cursor | undefined {
    const scratch = this.scratch;
    scratch.length = 0;
    for (let i = 1; i < heap.length; i++) {
      const x = heap[i];
      let j = scratch.length;
      scratch.push(x);
      while (j > 0 && scratch[j - 1].time > x.time) {
        scratch[j] = scratch[j - 1];
        j--;
      }
      scratch[j] = x;
    }
    for (const c of scratch) if (this.order.advance(c, c.m, c.ms, gen)) return c;
    return undefined;
  }

  /** Decodes the cursor's next event into it; false at the end of its batches. */
  private next(c: Cursor): boolean {
    const data = this.data;
    let p = c.pos;
    let end = c.end;
    if (p >= end) {
      const bs = c.batches;
      let i = c.idx + 1;
      while (i < bs.length && bs[i].start >= bs[i].end) i++;
      c.idx = i;
      if (i >= bs.length) {
        c.pos = c.end = 0;
        return false;
      }
      const b = bs[i];
      p = b.start;
      end = c.end = b.end;
      c.lastNs = Math.trunc(b.time * this.nsPerTick) - this.originNs;
    }
    const typ = data[p];
    const n = typ <= this.lastEvent ? TIMED_ARGS[typ] : -1;
    if (n < 0) throw new TraceFormatError(p, `invalid event type ${typ} for go 1.${this.version}`);
    // Varints inline for the common one- to three-byte cases (sequence numbers of a busy goroutine take
    // three), else the general decoder (same errors).
    p++;
    let dt: number;
    let x = p < end ? data[p] : 0x80;
    let y: number;
    if (x < 0x80) {
      dt = x;
      p++;
    } else if ((y = p + 1 < end ? data[p + 1] : 0x80) < 0x80) {
      dt = (x & 0x7f) | (y << 7);
      p += 2;
    } else if (p + 2 < end && data[p + 2] < 0x80) {
      dt = (x & 0x7f) | ((y & 0x7f) << 7) | (data[p + 2] << 14);
      p += 3;
    } else {
      dt = uvarint(data, p, end);
      p = vr.end;
    }
    const args = c.args;
    for (let i = 0; i < n; i++) {
      x = p < end ? data[p] : 0x80;
      if (x < 0x80) {
        args[i] = x;
        p++;
      } else if ((y = p + 1 < end ? data[p + 1] : 0x80) < 0x80) {
        args[i] = (x & 0x7f) | (y << 7);
        p += 2;
      } else if (p + 2 < end && data[p + 2] < 0x80) {
        args[i] = (x & 0x7f) | ((y & 0x7f) << 7) | (data[p + 2] << 14);
        p += 3;
      } else {
        args[i] = uvarint(data, p, end);
        p = vr.end;
      }
    }
    c.pos = p;
    c.typ = typ;
    c.lastNs += Math.trunc(dt * this.nsPerTick);
    c.time = c.lastNs;
    return true;
  }
}

function sortSamples(s: number[]): number[] {
  const idx = Array.from({ length: s.length / 5 }, (_, i) => i);
  return idx.sort((a, b) => s[a * 5] - s[b * 5]);
}

function heapPush(h: Cursor[], c: Cursor): void {
  h.push(c);
  siftUp(h, h.length - 1);
}
function heapFix(h: Cursor[], i: number): void {
  if (siftUp(h, i) === i) siftDown(h, i);
}
function heapRemove(h: Cursor[], i: number): void {
  const last = h.pop() as Cursor;
  if (i < h.length) {
    h[i] = last;
    heapFix(h, i);
  }
}
function siftUp(h: Cursor[], i: number): number {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const x = h[i];
    const up = h[parent];
    if (up.time <= x.time) break;
    h[parent] = x;
    h[i] = up;
    i = parent;
  }
  return i;
}
function siftDown(h: Cursor[], i: number): void {
  for (;;) {
    let m = i;
    const l = 2 * i + 1;
    const r = l + 1;
    if (l < h.length && h[l].time < h[m].time) m = l;
    if (r < h.length && h[r].time < h[m].time) m = r;
    if (m === i) return;
    const x = h[m];
    h[m] = h[i];
    h[i] = x;
    i = m;
  }
}
