// A growable protobuf wire-format writer (the counterpart of wire.ts): profile encoding and the
// request messages of the backend sources.

const TWO_32 = 4294967296;
const encoder = new TextEncoder();

/** Builds one protobuf message in a growable buffer: varints, length-delimited fields, nested messages. */
export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** An unsigned varint, exact below 2^53; a negative number is written as a 10-byte int64. */
  varint(v: number): this {
    this.ensure(10);
    this.pos = putVarint(this.buf, this.pos, v);
    return this;
  }

  key(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  /** A varint field (int32/int64/uint/enum), left out when 0 (proto3 default). */
  uint(field: number, v: number): this {
    if (v === 0) return this;
    return this.key(field, 0).varint(v);
  }

  /** Varint fields 1, 2, 3, ... in order (zeros left out): the flat messages of profile.proto. */
  fields(...values: number[]): this {
    values.forEach((v, i) => this.uint(i + 1, v));
    return this;
  }

  bool(field: number, v: boolean): this {
    return v ? this.uint(field, 1) : this;
  }

  /** A length-delimited field. */
  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2).varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  /** A string field; the empty string is left out unless `always` (an explicitly set `optional`, a string table). */
  string(field: number, s: string | undefined, always = false): this {
    if (s === undefined || (s === '' && !always)) return this;
    return this.bytes(field, encoder.encode(s));
  }

  /**
   * A nested message, always written (even when empty): `body` writes into `scratch` (a fresh
   * writer unless one is given to reuse), which is then copied in with its length.
   */
  message(field: number, body: (w: ProtoWriter) => void, scratch = new ProtoWriter()): this {
    scratch.pos = 0;
    body(scratch);
    return this.bytes(field, scratch.buf.subarray(0, scratch.pos));
  }

  /** A google.protobuf.Timestamp field from Unix milliseconds. */
  timestamp(field: number, ms: number): this {
    const seconds = Math.floor(ms / 1000);
    return this.message(field, (w) => w.uint(1, seconds).uint(2, (ms - seconds * 1000) * 1e6));
  }

  /** The message's bytes (a view of the buffer: valid until the writer is written to again). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Bytes of `v` as a varint (10 for a negative int64). */
export function varintSize(v: number): number {
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
export function putVarint(buf: Uint8Array, pos: number, v: number): number {
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
