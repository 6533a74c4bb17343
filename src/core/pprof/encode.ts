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
    const buf = this.buf;
    if (v >= 0 && v < 0x80) {
      buf[this.pos++] = v;
      return;
    }
    if (v < 0) {
      this.negative(v);
      return;
    }
    let lo = v % TWO_32 >>> 0;
    let hi = Math.floor(v / TWO_32) >>> 0;
    while (hi > 0 || lo >= 0x80) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.pos++] = lo;
  }

  private negative(v: number): void {
    let n = BigInt.asUintN(64, BigInt(Math.trunc(v)));
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
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

  /** Packed repeated varints. */
  packed(field: number, values: ArrayLike<number>, from: number, to: number, scratch: ProtoWriter): void {
    if (to <= from) return;
    scratch.pos = 0;
    for (let i = from; i < to; i++) scratch.varint(values[i]);
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
  const valueType = (field: number, t: { type: string; unit: string }) =>
    w.message(field, a, (m) => {
      m.uint(1, st.id(t.type));
      m.uint(2, st.id(t.unit));
    });
  for (const t of profile.sampleTypes) valueType(1, t);
  writeSamples(profile, w, a, b, st);
  const mappingIds = new Map<number, number>();
  profile.mappings.forEach((mp, i) => {
    if (!mappingIds.has(mp.id)) mappingIds.set(mp.id, i + 1);
    w.message(3, a, (m) => {
      m.uint(1, i + 1);
      m.uint(2, mp.memoryStart);
      m.uint(3, mp.memoryLimit);
      m.uint(4, mp.fileOffset);
      m.uint(5, st.id(mp.filename));
      m.uint(6, st.id(mp.buildId));
      m.bool(7, mp.hasFunctions);
      m.bool(8, mp.hasFilenames);
      m.bool(9, mp.hasLineNumbers);
      m.bool(10, mp.hasInlineFrames);
    });
  });
  profile.locations.forEach((loc, i) => {
    w.message(4, a, (m) => {
      m.uint(1, i + 1);
      m.uint(2, mappingIds.get(loc.mappingId) ?? 0);
      m.uint(3, loc.address);
      for (const l of loc.lines) {
        m.message(4, b, (ln) => {
          ln.uint(1, l.function + 1);
          ln.uint(2, l.line);
          ln.uint(3, l.column);
        });
      }
      m.bool(5, loc.isFolded);
    });
  });
  profile.functions.forEach((f, i) => {
    w.message(5, a, (m) => {
      m.uint(1, i + 1);
      m.uint(2, st.id(f.name));
      m.uint(3, st.id(f.systemName));
      m.uint(4, st.id(f.filename));
      m.uint(5, f.startLine);
    });
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
  if (periodType) {
    w.message(11, a, (m) => {
      m.uint(1, periodType.type);
      m.uint(2, periodType.unit);
    });
  }
  w.uint(12, profile.period);
  for (const c of comments) w.uint(13, c);
  w.uint(14, defaultSampleType);
  w.uint(15, docUrl);
  const raw = w.result();
  return options.gzip === false ? raw : gzipSync(raw, { level: options.level ?? 1 });
}

function writeSamples(profile: Profile, w: ProtoWriter, a: ProtoWriter, b: ProtoWriter, st: StringTable): void {
  const { count, stackStart, stackLocs, values, labels } = profile.samples;
  const nt = profile.sampleTypes.length;
  // Location ids are index + 1: stackLocs holds indexes.
  const ids = new Uint32Array(stackLocs.length);
  for (let k = 0; k < stackLocs.length; k++) ids[k] = stackLocs[k] + 1;
  for (let i = 0; i < count; i++) {
    w.message(2, a, (m) => {
      m.packed(1, ids, stackStart[i], stackStart[i + 1], b);
      m.packed(2, values, i * nt, i * nt + nt, b);
      const ls = labels?.[i];
      if (ls) for (const l of ls) writeLabel(m, b, st, l);
    });
  }
}

function writeLabel(m: ProtoWriter, b: ProtoWriter, st: StringTable, l: Label): void {
  m.message(3, b, (lw) => {
    lw.uint(1, st.id(l.key));
    if (l.str !== undefined) lw.uint(2, st.id(l.str));
    if (l.num !== undefined) lw.uint(3, l.num);
    if (l.numUnit !== undefined) lw.uint(4, st.id(l.numUnit));
  });
}
