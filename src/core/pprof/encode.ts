// Encodes the Profile model back into profile.proto bytes (gzipped), the inverse of decodeProfile.
import { gzipSync } from 'node:zlib';
import { type Label, type Profile } from './profile';

const TWO_32 = 4294967296;

/** A growable protobuf writer: varints, length-delimited fields, nested messages. */
class ProtoWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** An unsigned varint, exact below 2^53; a negative number is written as a 10-byte int64. */
  varint(v: number): void {
    this.ensure(10);
    this.pos = putVarint(this.buf, this.pos, v);
  }

  key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A varint field, left out when 0 (proto3 default). */
  uint(field: number, v: number): void {
    if (v === 0) return;
    this.key(field, 0);
    this.varint(v);
  }

  /** Varint fields 1, 2, 3, ... in order (zeros left out): the flat messages of profile.proto. */
  fields(...values: number[]): void {
    values.forEach((v, i) => this.uint(i + 1, v));
  }

  bool(field: number, v: boolean): void {
    if (v) this.uint(field, 1);
  }

  bytes(field: number, data: Uint8Array): void {
    this.key(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A nested message: `body` writes into `scratch`, which is then copied in with its length. */
  message(field: number, scratch: ProtoWriter, body: (w: ProtoWriter) => void): void {
    scratch.pos = 0;
    body(scratch);
    this.bytes(field, scratch.buf.subarray(0, scratch.pos));
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Interns strings into the string table, `''` first as profile.proto requires. */
class StringTable {
  readonly strings: string[] = [''];
  private readonly index = new Map<string, number>([['', 0]]);

  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/** Options for {@link encodeProfile}. */
export interface EncodeOptions {
  /** gzip the result (default true, as Go writes profiles). */
  gzip?: boolean;
  /** zlib level (default 1: a 10 MB profile compresses in tens of ms, not hundreds). */
  level?: number;
}

/**
 * Encodes `profile` as profile.proto, gzipped by default: what `go tool pprof` and
 * {@link decodeProfile} read. Locations keep their index + 1 as id, functions and mappings too,
 * so the output is self-consistent even if the input's ids were not; sample labels are written
 * when `profile.samples.labels` holds them.
 */
export function encodeProfile(profile: Profile, options: EncodeOptions = {}): Uint8Array {
  const st = new StringTable();
  const w = new ProtoWriter(1024 * 1024);
  const a = new ProtoWriter();
  const b = new ProtoWriter();
  const valueType = (field: number, t: { type: string; unit: string }) => w.message(field, a, (m) => m.fields(st.id(t.type), st.id(t.unit)));
  for (const t of profile.sampleTypes) valueType(1, t);
  writeSamples(profile, w, st);
  const mappingIds = new Map<number, number>();
  profile.mappings.forEach((mp, i) => {
    if (!mappingIds.has(mp.id)) mappingIds.set(mp.id, i + 1);
    const flags = [mp.hasFunctions, mp.hasFilenames, mp.hasLineNumbers, mp.hasInlineFrames].map(Number);
    w.message(3, a, (m) => m.fields(i + 1, mp.memoryStart, mp.memoryLimit, mp.fileOffset, st.id(mp.filename), st.id(mp.buildId), ...flags));
  });
  profile.locations.forEach((loc, i) => {
    w.message(4, a, (m) => {
      m.fields(i + 1, mappingIds.get(loc.mappingId) ?? 0, loc.address);
      for (const l of loc.lines) m.message(4, b, (ln) => ln.fields(l.function + 1, l.line, l.column));
      m.bool(5, loc.isFolded);
    });
  });
  profile.functions.forEach((f, i) => {
    w.message(5, a, (m) => m.fields(i + 1, st.id(f.name), st.id(f.systemName), st.id(f.filename), f.startLine));
  });
  const dropFrames = st.id(profile.dropFrames);
  const keepFrames = st.id(profile.keepFrames);
  const periodType = profile.periodType && { type: st.id(profile.periodType.type), unit: st.id(profile.periodType.unit) };
  const comments = profile.comments.map((c) => st.id(c));
  const defaultSampleType = st.id(profile.defaultSampleType);
  const docUrl = st.id(profile.docUrl);
  const enc = new TextEncoder();
  for (const s of st.strings) w.bytes(6, enc.encode(s));
  w.uint(7, dropFrames);
  w.uint(8, keepFrames);
  w.uint(9, profile.timeNanos);
  w.uint(10, profile.durationNanos);
  if (periodType) w.message(11, a, (m) => m.fields(periodType.type, periodType.unit));
  w.uint(12, profile.period);
  for (const c of comments) w.uint(13, c);
  w.uint(14, defaultSampleType);
  w.uint(15, docUrl);
  const raw = w.result();
  return options.gzip === false ? raw : gzipSync(raw, { level: options.level ?? 1 });
}

/** Bytes of `v` as a varint (10 for a negative int64). */
function varintSize(v: number): number {
  if (v < 0) return 10;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  for (let x = Math.floor(v / 0x10000000); x > 0; x = Math.floor(x / 128)) n++;
  return n;
}

/** Writes `v` as a varint at `pos` of `buf` (room checked by the caller); returns the new position. */
function putVarint(buf: Uint8Array, pos: number, v: number): number {
  if (v >= 0 && v < 0x80) {
    buf[pos] = v;
    return pos + 1;
  }
  if (v >= 0 && v < 0x4000) {
    buf[pos] = (v & 0x7f) | 0x80;
    buf[pos + 1] = v >>> 7;
    return pos + 2;
  }
  if (v < 0) {
    let n = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    for (let i = 0; i < 9; i++) {
      buf[pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    buf[pos++] = Number(n);
    return pos;
  }
  let lo = v % TWO_32 >>> 0;
  let hi = Math.floor(v / TWO_32) >>> 0;
  while (hi > 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

/** Per label of one sample: key, str, num and unit ids and its body size, five slots each. */
const LABEL_SLOTS = 5;

/**
 * Writes every sample directly into `w`: sizes are computed first so nothing is copied through a
 * scratch buffer (a merged fleet profile has millions of samples).
 */
function writeSamples(profile: Profile, w: ProtoWriter, st: StringTable): void {
  const { count, stackStart, stackLocs, values, labels } = profile.samples;
  const nt = profile.sampleTypes.length;
  let lab = new Float64Array(16 * LABEL_SLOTS);
  let prevLabels: Label[] | undefined;
  let labelBytes = 0;
  // Location ids are index + 1; their varint sizes, once.
  const locSize = new Uint8Array(profile.locations.length);
  for (let k = 0; k < locSize.length; k++) locSize[k] = varintSize(k + 1);
  // Label keys and units repeat on every sample: remember the last few strings' ids.
  const recent = new Map<string, number>();
  const sid = (v: string): number => {
    let id = recent.get(v);
    if (id === undefined) {
      id = st.id(v);
      if (recent.size < 64) recent.set(v, id);
    }
    return id;
  };
  for (let i = 0; i < count; i++) {
    const from = stackStart[i];
    const to = stackStart[i + 1];
    let locBytes = 0;
    for (let k = from; k < to; k++) locBytes += locSize[stackLocs[k]];
    let valBytes = 0;
    for (let t = i * nt; t < i * nt + nt; t++) valBytes += varintSize(values[t]);
    const ls = labels?.[i];
    const nl = ls ? ls.length : 0;
    // Consecutive samples often share one label list (a merged replica's tag): size it once.
    if (ls !== prevLabels) {
      prevLabels = ls;
      labelBytes = 0;
    }
    if (nl > 0 && labelBytes === 0) {
      if (nl * LABEL_SLOTS > lab.length) lab = new Float64Array(nl * LABEL_SLOTS * 2);
      for (let j = 0; j < nl; j++) {
        const l = ls![j];
        const o = j * LABEL_SLOTS;
        const key = sid(l.key);
        const str = l.str !== undefined ? sid(l.str) : 0;
        const num = l.num ?? 0;
        const unit = l.numUnit !== undefined ? sid(l.numUnit) : 0;
        const size = (key ? 1 + varintSize(key) : 0) + (str ? 1 + varintSize(str) : 0) + (num ? 1 + varintSize(num) : 0) + (unit ? 1 + varintSize(unit) : 0);
        lab[o] = key;
        lab[o + 1] = str;
        lab[o + 2] = num;
        lab[o + 3] = unit;
        lab[o + 4] = size;
        labelBytes += 1 + varintSize(size) + size;
      }
    }
    const body = (locBytes ? 1 + varintSize(locBytes) + locBytes : 0) + (valBytes ? 1 + varintSize(valBytes) + valBytes : 0) + labelBytes;
    w.ensure(body + 11);
    const buf = w.buf;
    let pos = w.pos;
    buf[pos++] = 0x12;
    pos = putVarint(buf, pos, body);
    if (locBytes) {
      buf[pos++] = 0x0a;
      pos = putVarint(buf, pos, locBytes);
      for (let k = from; k < to; k++) {
        const id = stackLocs[k] + 1;
        if (id < 0x80) buf[pos++] = id;
        else pos = putVarint(buf, pos, id);
      }
    }
    if (valBytes) {
      buf[pos++] = 0x12;
      pos = putVarint(buf, pos, valBytes);
      for (let t = i * nt; t < i * nt + nt; t++) pos = putVarint(buf, pos, values[t]);
    }
    for (let j = 0; j < nl; j++) {
      const o = j * LABEL_SLOTS;
      buf[pos++] = 0x1a;
      pos = putVarint(buf, pos, lab[o + 4]);
      for (let f = 0; f < 4; f++) {
        if (lab[o + f] === 0) continue;
        buf[pos++] = ((f + 1) << 3);
        pos = putVarint(buf, pos, lab[o + f]);
      }
    }
    w.pos = pos;
  }
}
