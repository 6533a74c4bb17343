// `anole top` straight from the wire: flat and cum per node as each sample is read, no sample table (see decodeSamples).
import { type Aggregate, type Granularity, chooseSampleType } from './analyze';
import { DEFAULT_MAX_PROFILE_BYTES, unwrapProfileBytes } from './container';
import { type DecodedHeader, decodeHeader, headerWarnings, withDecodeErrors } from './decode';
import { frameIndex } from './frames';
import { type TopOptions, type TopResult, topOf } from './top';
import { wasmApi } from './wasmAsm';
import { wasmTop } from './wasmTop';
import { WireReader } from './wire';

/** A top report read straight from the bytes, with the warnings decodeProfile would have given. */
export interface WireTop {
  result: TopResult;
  warnings: string[];
}

/** The inner loop for samples of Go's usual shape: WebAssembly (wasmTop.ts; JS without it), or JS (tests compare them). */
export type InnerLoop = 'wasm' | 'js';
/** Thrown inside the sample pass when a sample needs the general decoder (its repairs, its errors). */
class NeedsGeneralPath extends Error {}

/**
 * `top(decodeProfile(input), opts)` and that profile's warnings, aggregated while the samples are
 * read. Returns undefined when the general path must answer instead: samples that need repairs
 * (missing locations, a wrong number of values), malformed samples, or a sample type the profile
 * does not have; that path then reports exactly what is wrong. A profile that is not one at all
 * gets decodeProfile's error, thrown here.
 */
export function topFromBytes(input: Uint8Array, opts: TopOptions = {}, source?: string, loop: InnerLoop = 'wasm'): WireTop | undefined {
  const what = source ?? 'the profile';
  const raw = unwrapProfileBytes(input, what, DEFAULT_MAX_PROFILE_BYTES);
  // WebAssembly's loop walks the samples itself (the header only counts them); without it (--jitless) the header locates them.
  const h = withDecodeErrors(what, () => decodeHeader(raw, what, 'auto', loop === 'wasm' && wasmApi !== undefined));
  let agg: Aggregate;
  try {
    agg = aggregateWire(h, opts.by ?? 'function', opts);
  } catch {
    return undefined;
  }
  return { result: topOf(agg, opts), warnings: headerWarnings(h, h.sampleCount) };
}

/** What {@link readSample} found in one sample; `first` is -1 for an empty stack. */
interface SampleHead {
  value: number;
  /** How many values the sample has (must equal the number of sample types). */
  values: number;
  /** The first location id: the leaf, whose node gets the flat value. */
  first: number;
  /** Byte range holding every location id field (with whatever fields lie between them). */
  idsFrom: number;
  idsTo: number;
}

/**
 * The per-node sums of one profile, filled sample by sample. Node numbers come from the frame
 * index; `idNode` maps a location id to its node when the location has exactly one frame, to -1
 * when it does not exist and to -2 - index for a location with inlined frames (or none).
 */
class Sums {
  readonly flat: Float64Array;
  readonly cum: Float64Array;
  readonly seen: Uint32Array;
  readonly idNode: Int32Array;
  private readonly sparse: (id: number) => number;

  constructor(
    nNodes: number,
    dense: Int32Array,
    sparse: (id: number) => number,
    private readonly nodeOf: Int32Array,
    private readonly locFrameStart: Uint32Array,
  ) {
    this.flat = new Float64Array(nNodes);
    this.cum = new Float64Array(nNodes);
    this.seen = new Uint32Array(nNodes);
    this.idNode = new Int32Array(dense.length);
    for (let id = 0; id < dense.length; id++) this.idNode[id] = this.nodeOfLoc(dense[id] - 1);
    this.sparse = sparse;
  }

  private nodeOfLoc(li: number): number {
    const lfs = this.locFrameStart;
    return li < 0 ? -1 : lfs[li + 1] - lfs[li] === 1 ? this.nodeOf[lfs[li]] : -2 - li;
  }

  /** The idNode value of any location id. */
  nodeOfId(id: number): number {
    return id < this.idNode.length ? this.idNode[id] : this.nodeOfLoc(this.sparse(id));
  }

  /** The node that gets the flat value of a sample whose leaf location id is `id`. */
  flatNode(id: number): number {
    const x = this.nodeOfId(id);
    if (x >= 0) return x;
    if (x === -1) throw new NeedsGeneralPath();
    return this.nodeOf[this.locFrameStart[-2 - x]];
  }

  /** Adds `v` to the cum of each node of location id `id` not yet counted in sample `stamp`. */
  addCum(id: number, v: number, stamp: number): void {
    const x = this.nodeOfId(id);
    const { seen, cum } = this;
    if (x >= 0) {
      if (seen[x] !== stamp) {
        seen[x] = stamp;
        cum[x] += v;
      }
      return;
    }
    if (x === -1) throw new NeedsGeneralPath();
    const li = -2 - x;
    for (let f = this.locFrameStart[li], fe = this.locFrameStart[li + 1]; f < fe; f++) {
      const n = this.nodeOf[f];
      if (seen[n] !== stamp) {
        seen[n] = stamp;
        cum[n] += v;
      }
    }
  }
}

/** Tables and scratch space of {@link fastSample}. */
interface FastTables {
  idNode: Int32Array;
  nodeOf: Int32Array;
  locFrameStart: Uint32Array;
  seen: Uint32Array;
  flat: Float64Array;
  cum: Float64Array;
  /** The distinct nodes of the sample being read, leaf first. */
  nodes: Int32Array;
  /** The chosen value of the sample being read, and how many values it has so far. */
  value: number;
  values: number;
  /** Sum of |value| over the samples added. */
  total: number;
}

// The fast reading is split into small functions: V8 optimizes each after a few hundred samples
// and compiles it in a few milliseconds, where one large function would run unoptimized far longer.

/**
 * One sample as Go's encoders write it (packed or single values, packed location ids, in any
 * order, and labels) in one pass over its bytes, added to flat, cum and total: returns false,
 * having added nothing, for any other shape (the caller then reads the sample field by field).
 */
function fastSample(buf: Uint8Array, pos: number, end: number, t: FastTables, stamp: number, si: number, nt: number): boolean {
  t.value = 0;
  t.values = 0;
  let nd = 0;
  while (pos < end) {
    const k = buf[pos++];
    if (k === 0x10) {
      pos = addValue(buf, pos, end, t, si);
      if (pos < 0) return false;
      continue;
    }
    let len = buf[pos++];
    if (len >= 0x80) {
      const b = buf[pos++];
      if (b >= 0x80) return false;
      len = (len & 0x7f) | (b << 7);
    }
    const fe = pos + len;
    if (!(fe <= end)) return false;
    if (k === 0x0a) {
      nd = addIds(buf, pos, fe, t, stamp, nd);
      if (nd < 0) return false;
    } else if (k === 0x12) {
      while (pos < fe) {
        pos = addValue(buf, pos, fe, t, si);
        if (pos < 0) return false;
      }
    } else if (k !== 0x1a) return false;
    pos = fe;
  }
  if (t.values !== nt || nd === 0) return false;
  const { nodes, cum } = t;
  const v = t.value;
  t.total += v < 0 ? -v : v;
  t.flat[nodes[0]] += v;
  for (let j = 0; j < nd; j++) cum[nodes[j]] += v;
  return true;
}

/** Reads one value (a varint below 2^28) at `pos`, ending by `limit`; returns the position after it, or -1. */
function addValue(buf: Uint8Array, pos: number, limit: number, t: FastTables, si: number): number {
  // One loop for every length: a branch first taken late in the profile would cost a deoptimization.
  let x = 0;
  let shift = 0;
  let b = 0x80;
  while (b >= 0x80 && shift < 28) {
    b = buf[pos++];
    x |= (b & 0x7f) << shift;
    shift += 7;
  }
  if (b >= 0x80 || !(pos <= limit)) return -1;
  if (t.values === si) t.value = x;
  t.values++;
  return pos;
}

/**
 * Appends to `t.nodes` (holding `nd`) the nodes of the packed location ids in `[pos, fe)` not yet
 * met in sample `stamp`; returns the new count, or -1 for an id the general path must handle.
 */
function addIds(buf: Uint8Array, pos: number, fe: number, t: FastTables, stamp: number, nd: number): number {
  const { idNode, seen, nodes } = t;
  const nIds = idNode.length;
  while (pos < fe) {
    let id = buf[pos++];
    if (id >= 0x80) {
      const b = buf[pos++];
      if (b >= 0x80 || pos > fe) return -1;
      id = (id & 0x7f) | (b << 7);
    }
    if (id >= nIds) return -1;
    const x = idNode[id];
    if (x >= 0) {
      if (seen[x] !== stamp) {
        seen[x] = stamp;
        nodes[nd++] = x;
      }
    } else if (x === -1) return -1;
    else nd = addFrames(t, -2 - x, stamp, nd);
  }
  return nd;
}

/** {@link addIds} for location `li`, which has inlined frames: each frame's node, innermost first. */
function addFrames(t: FastTables, li: number, stamp: number, nd: number): number {
  const { nodeOf, locFrameStart, seen, nodes } = t;
  for (let f = locFrameStart[li], last = locFrameStart[li + 1]; f < last; f++) {
    const n = nodeOf[f];
    if (seen[n] !== stamp) {
      seen[n] = stamp;
      nodes[nd++] = n;
    }
  }
  return nd;
}

/**
 * aggregate(profile, granularity) computed from the sample bytes located in `h`: the same sums in
 * the same order, so the same numbers. Throws (anything) when the general path must decide.
 */
function aggregateWire(h: DecodedHeader, granularity: Exclude<Granularity, 'fileLine'>, opts: TopOptions): Aggregate {
  const { buf, profile, res } = h;
  const sampleType = chooseSampleType(profile, opts);
  const frames = frameIndex(profile);
  const nodeOf = granularity === 'function' ? frames.frameFunc : frames.frameLine;
  const nNodes = granularity === 'function' ? frames.functions.length : frames.lines.length;
  const lookup = res.locationLookup(profile.locations);
  const sums = new Sums(nNodes, lookup.dense, lookup.sparse, nodeOf, frames.locFrameStart);
  const { flat, cum } = sums;
  const tables: FastTables = { idNode: sums.idNode, nodeOf, locFrameStart: frames.locFrameStart, seen: sums.seen, flat, cum, nodes: new Int32Array(nNodes), value: 0, values: 0, total: 0 };
  const nt = profile.sampleTypes.length;
  const si = sampleType.index;
  const r = new WireReader(buf);
  const head: SampleHead = { value: 0, values: 0, first: -1, idsFrom: 0, idsTo: 0 };
  // Samples of other shapes are read afterwards (start, end, index), so that no branch of the loop is
  // first taken late (a deoptimization). The sums are the same: sums of integers, exact below 2^53.
  let others: Uint32Array, total: number, nOthers: number;
  if (h.runsOnly) {
    const wasm = wasmTop(buf, h.sampleRuns, h.sampleCount, si, nt, { idNode: sums.idNode, nodeOf, locFrameStart: frames.locFrameStart, nNodes });
    if (!wasm) throw new NeedsGeneralPath();
    ({ total, others } = wasm);
    flat.set(wasm.flat), cum.set(wasm.cum);
    nOthers = others.length / 3;
  } else {
    const spans = h.sampleSpans.data;
    const count = h.sampleSpans.length / 2;
    others = new Uint32Array(3 * count);
    nOthers = 0;
    for (let i = 0; i < count; i++) {
      const at = 3 * nOthers;
      (others[at] = spans[2 * i]), (others[at + 1] = spans[2 * i + 1]), (others[at + 2] = i);
      nOthers += fastSample(buf, spans[2 * i], spans[2 * i + 1], tables, 2 * i + 1, si, nt) ? 0 : 1;
    }
    total = tables.total;
  }
  for (let j = 0; j < 3 * nOthers; j += 3) {
    const v = slowSample(buf, others[j], others[j + 1], si, nt, sums, 2 * others[j + 2] + 2, head, r);
    total += v < 0 ? -v : v;
  }
  if (nOthers > 0 && !(total <= Number.MAX_SAFE_INTEGER)) throw new NeedsGeneralPath();
  return { sampleType, granularity, frames, total, flat, cum };
}

/** Sample `[start, end)` of any shape, field by field: adds it to `sums` and returns its value. */
function slowSample(buf: Uint8Array, start: number, end: number, si: number, nt: number, sums: Sums, stamp: number, head: SampleHead, r: WireReader): number {
  readSample(buf, start, end, si, head, r);
  if (head.values !== nt) throw new NeedsGeneralPath();
  const v = head.value;
  if (head.first < 0) return v;
  sums.flat[sums.flatNode(head.first)] += v;
  let pos = head.idsFrom;
  const idsTo = head.idsTo;
  while (pos < idsTo) {
    const at = pos;
    const k = buf[pos++];
    if (k === 0x0a) {
      const fe = varintAt(r, pos, end) + r.pos;
      pos = r.pos;
      while (pos < fe) {
        sums.addCum(varintAt(r, pos, fe), v, stamp);
        pos = r.pos;
      }
    } else if (k === 0x08) {
      sums.addCum(varintAt(r, pos, end), v, stamp);
      pos = r.pos;
    } else {
      pos = skipField(r, at, end);
    }
  }
  return v;
}

/** Reads a varint at `at` that must end before `limit`. */
function varintAt(r: WireReader, at: number, limit: number): number {
  r.pos = at;
  r.limit = limit;
  return r.varint();
}

/** Skips the field whose key starts at `at`; returns the position after it. */
function skipField(r: WireReader, at: number, end: number): number {
  const k = varintAt(r, at, end);
  if (k >>> 3 === 0) throw new NeedsGeneralPath();
  r.skip(k & 7, k >>> 3);
  return r.pos;
}

/** Reads the values of one packed field `[pos, fe)` into `head` (the chosen one and the count). */
function readPackedValues(buf: Uint8Array, pos: number, fe: number, si: number, head: SampleHead, r: WireReader): void {
  let nv = head.values;
  while (pos < fe) {
    let x = buf[pos++];
    if (x >= 0x80) {
      r.pos = pos - 1;
      r.limit = fe;
      x = r.int64();
      pos = r.pos;
    }
    if (nv === si) head.value = x;
    nv++;
  }
  head.values = nv;
}

/**
 * First look at one sample (bytes `[pos, end)`): its value of sample type `si`, its number of
 * values, its leaf location id and where its location ids lie. Location ids are skipped here and
 * read once, afterwards, as they may come before the values.
 */
function readSample(buf: Uint8Array, pos: number, end: number, si: number, head: SampleHead, r: WireReader): void {
  head.value = 0;
  head.values = 0;
  head.first = -1;
  head.idsFrom = end;
  head.idsTo = pos;
  while (pos < end) {
    const at = pos;
    const k = buf[pos++];
    // A key of several bytes may spell a known field with padding: the general path knows.
    if (k >= 0x80) throw new NeedsGeneralPath();
    if (k === 0x0a || k === 0x12) {
      let len = buf[pos++];
      if (len >= 0x80) {
        len = varintAt(r, pos - 1, end);
        pos = r.pos;
      }
      const fe = pos + len;
      if (fe > end || pos > end) throw new NeedsGeneralPath();
      if (k === 0x12) readPackedValues(buf, pos, fe, si, head, r);
      else {
        if (at < head.idsFrom) head.idsFrom = at;
        head.idsTo = fe;
        if (head.first < 0 && pos < fe) head.first = varintAt(r, pos, fe);
      }
      pos = fe;
    } else if (k === 0x08) {
      if (at < head.idsFrom) head.idsFrom = at;
      const id = varintAt(r, pos, end);
      pos = r.pos;
      head.idsTo = pos;
      if (head.first < 0) head.first = id;
    } else if (k === 0x10) {
      r.pos = pos;
      r.limit = end;
      const x = r.int64();
      pos = r.pos;
      if (head.values === si) head.value = x;
      head.values++;
    } else pos = skipField(r, at, end);
  }
}
