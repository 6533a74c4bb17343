// Splits a Go ≥ 1.22 trace body into generations and decodes each one's structural batches (strings, stacks, sync, CPU samples).
import { IdTable } from '../idTable';
import { NO_STACK, type TraceTables } from '../model';
import { Ev, MaxFramesPerStack } from './events.generated';

/** A decoding failure at a byte offset of the file; the reader turns it into a warning. */
export class TraceFormatError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where the last `uvarint` call stopped (a shared cursor, to avoid allocating a result per call). */
export const vr = { end: 0 };

/** Reads an unsigned LEB128 varint at `pos` (< `end`) of `d`, sets `vr.end`; throws TraceFormatError on overrun. */
export function uvarint(d: Uint8Array, pos: number, end: number): number {
  if (pos < end) {
    const b0 = d[pos];
    if (b0 < 0x80) {
      vr.end = pos + 1;
      return b0;
    }
  }
  let v = 0;
  let mul = 1;
  const stop = Math.min(end, pos + 10);
  for (let i = pos; i < stop; i++) {
    const b = d[i];
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      vr.end = i + 1;
      // A small result as a small integer: optimised code computes `v` as a double, and a boxed double
      // would spread into every position and id computed from it (slower arithmetic and fields everywhere).
      if (v < 1073741824) return v | 0;
      return v;
    }
    mul *= 128;
  }
  throw new TraceFormatError(pos, pos + 10 > end ? 'unexpected end of data' : 'invalid varint');
}

/** A batch of one M's events: [start, end) in the file, after the header. */
export interface BatchRef {
  m: number;
  time: number;
  start: number;
  end: number;
}

/** One generation, ready for ordering. */
export interface Generation {
  gen: number;
  /** Per-M batches in file order; `ms` lists the Ms in first-seen order. */
  batches: Map<number, BatchRef[]>;
  ms: number[];
  minTs: number;
  /** ns per tick. */
  nsPerTick: number;
  strings: IdTable<string>;
  /** Generation stack id → TraceTables stack id. */
  stacks: IdTable<number>;
  /** CPU samples as flat [time(ticks), m, p, g, stack] tuples. */
  cpuSamples: number[];
  /** Offset just past this generation's last batch. */
  end: number;
  /** Set if reading stopped inside this generation (cut or corrupt). */
  error?: TraceFormatError;
}

/** A batch header as read at some offset. */
interface RawBatch extends BatchRef {
  gen: number;
  endOfGen: boolean;
  exp: number;
}

function readBatchHeader(d: Uint8Array, pos: number): RawBatch {
  const typ = d[pos];
  if (typ === Ev.EndOfGeneration) return { gen: 0, m: -1, time: 0, start: pos + 1, end: pos + 1, endOfGen: true, exp: 0 };
  if (typ !== Ev.EventBatch && typ !== Ev.ExperimentalBatch) {
    throw new TraceFormatError(pos, `expected a batch header, found byte ${typ}`);
  }
  let p = pos + 1;
  let exp = 0;
  if (typ === Ev.ExperimentalBatch) {
    if (p >= d.length) throw new TraceFormatError(p, 'unexpected end of data');
    exp = d[p++];
  }
  const gen = uvarint(d, p, d.length);
  const m = uvarint(d, vr.end, d.length);
  const time = uvarint(d, vr.end, d.length);
  const size = uvarint(d, vr.end, d.length);
  const start = vr.end;
  if (size > 64 << 10) throw new TraceFormatError(pos, `invalid batch size ${size}`);
  if (start + size > d.length) throw new TraceFormatError(pos, `batch of ${size} bytes cut after ${d.length - start}`);
  return { gen, m, time, start, end: start + size, endOfGen: false, exp };
}

function addStrings(d: Uint8Array, b: BatchRef, out: IdTable<string>): void {
  let p = b.start + 1;
  while (p < b.end) {
    if (d[p] !== Ev.String) throw new TraceFormatError(p, `expected a string entry, found ${d[p]}`);
    const id = uvarint(d, p + 1, b.end);
    const len = uvarint(d, vr.end, b.end);
    const s = vr.end;
    if (len > 1024 || s + len > b.end) throw new TraceFormatError(p, `invalid string length ${len}`);
    out.set(id, Buffer.from(d.buffer, d.byteOffset + s, len).toString('utf8'));
    p = s + len;
  }
}

interface RawStack {
  id: number;
  pcs: number[];
  funcs: number[];
  files: number[];
  lines: number[];
}

function addStacks(d: Uint8Array, b: BatchRef, out: RawStack[]): void {
  let p = b.start + 1;
  while (p < b.end) {
    if (d[p] !== Ev.Stack) throw new TraceFormatError(p, `expected a stack entry, found ${d[p]}`);
    const id = uvarint(d, p + 1, b.end);
    const n = uvarint(d, vr.end, b.end);
    if (n > MaxFramesPerStack) throw new TraceFormatError(p, `invalid stack size ${n}`);
    const st: RawStack = { id, pcs: [], funcs: [], files: [], lines: [] };
    p = vr.end;
    for (let i = 0; i < n; i++) {
      st.pcs.push(uvarint(d, p, b.end));
      st.funcs.push(uvarint(d, vr.end, b.end));
      st.files.push(uvarint(d, vr.end, b.end));
      st.lines.push(uvarint(d, vr.end, b.end));
      p = vr.end;
    }
    out.push(st);
  }
}

function addCpuSamples(d: Uint8Array, b: BatchRef, out: number[]): void {
  let p = b.start + 1;
  while (p < b.end) {
    if (d[p] !== Ev.CPUSample) throw new TraceFormatError(p, `expected a CPU sample, found ${d[p]}`);
    out.push(uvarint(d, p + 1, b.end));
    for (let i = 0; i < 4; i++) out.push(uvarint(d, vr.end, b.end));
    p = vr.end;
  }
}

/** Reads the sync batch (frequency, clock snapshot); returns ns per tick, 0 if absent. */
function readSync(d: Uint8Array, b: BatchRef, version: number): number {
  let p = b.start + (version >= 25 ? 1 : 0);
  let nsPerTick = 0;
  while (p < b.end) {
    const t = d[p];
    if (t === Ev.Frequency) {
      const f = uvarint(d, p + 1, b.end);
      if (f > 0) nsPerTick = 1e9 / f;
      p = vr.end;
    } else if (t === Ev.ClockSnapshot && version >= 25) {
      uvarint(d, p + 1, b.end);
      for (let i = 0; i < 3; i++) uvarint(d, vr.end, b.end);
      p = vr.end;
    } else throw new TraceFormatError(p, `expected frequency or clock snapshot, found ${t}`);
  }
  return nsPerTick;
}

/**
 * Reads the generation starting at `pos`; returns undefined at the clean end of the body. A cut or corrupt
 * batch ends the generation early with `error` set (its complete batches are kept).
 */
export function readGeneration(d: Uint8Array, pos: number, version: number, tables: TraceTables): Generation | undefined {
  if (pos >= d.length) return undefined;
  const g: Generation = {
    gen: 0, batches: new Map(), ms: [], minTs: 0, nsPerTick: 0, strings: new IdTable(), stacks: new IdTable(),
    cpuSamples: [], end: pos,
  };
  const rawStacks: RawStack[] = [];
  let sawEnd = false;
  while (pos < d.length) {
    let b: RawBatch;
    try {
      b = readBatchHeader(d, pos);
    } catch (e) {
      if (!(e instanceof TraceFormatError)) throw e;
      g.error = e;
      break;
    }
    if (b.endOfGen) {
      pos = b.end;
      sawEnd = true;
      break;
    }
    if (b.gen === 0) {
      g.error = new TraceFormatError(pos, 'invalid generation number 0');
      break;
    }
    if (g.gen === 0) g.gen = b.gen;
    if (b.gen !== g.gen) {
      if (version < 26 && b.gen === g.gen + 1) break; // next generation starts here
      g.error = new TraceFormatError(pos, `generation ${b.gen} where ${g.gen} was expected`);
      break;
    }
    pos = b.end;
    if (g.minTs === 0 || b.time < g.minTs) g.minTs = b.time;
    try {
      const first = b.start < b.end ? d[b.start] : -1;
      if (b.exp !== 0) {
        // Experimental batches (alloc/free events) are not used by Anole.
      } else if (first === Ev.Strings) addStrings(d, b, g.strings);
      else if (first === Ev.Stacks) addStacks(d, b, rawStacks);
      else if (first === Ev.CPUSamples) addCpuSamples(d, b, g.cpuSamples);
      else if ((first === Ev.Frequency && version < 25) || (first === Ev.Sync && version >= 25)) {
        g.nsPerTick = readSync(d, b, version) || g.nsPerTick;
      } else {
        let list = g.batches.get(b.m);
        if (!list) {
          g.batches.set(b.m, (list = []));
          g.ms.push(b.m);
        }
        list.push({ m: b.m, time: b.time, start: b.start, end: b.end });
      }
    } catch (e) {
      if (!(e instanceof TraceFormatError)) throw e;
      g.error = e;
      break;
    }
  }
  g.end = pos;
  if (!g.error && version >= 26 && !sawEnd && g.gen !== 0) {
    g.error = new TraceFormatError(pos, 'generation without its end marker (trace cut?)');
  }
  if (g.gen === 0 && !g.error) return undefined;
  if (g.nsPerTick === 0 && !g.error) g.error = new TraceFormatError(pos, 'generation without a frequency event');
  for (const st of rawStacks) {
    const frames: number[] = [];
    for (let i = 0; i < st.pcs.length; i++) {
      frames.push(tables.internFrame(st.pcs[i], g.strings.get(st.funcs[i]) ?? '?', g.strings.get(st.files[i]) ?? '?', st.lines[i]));
    }
    g.stacks.set(st.id, frames.length ? tables.internStack(frames) : NO_STACK);
  }
  return g;
}
