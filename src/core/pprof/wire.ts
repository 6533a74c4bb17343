// A minimal, fast protobuf wire-format reader: varints, fixed 32/64, length-delimited fields.

/** Raised for malformed wire data; the decoder turns it into a user-facing BAD_PROFILE error. */
export class WireError extends Error {
  /**
   * @param offset where in the buffer the problem was found
   * @param truncated true when the data simply stops early (the input was cut short)
   */
  constructor(
    message: string,
    readonly offset: number,
    readonly truncated = false,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

/**
 * Reads protobuf fields from `buf`. `pos` is public so hot loops can read fields inline; every
 * method checks that it stays within `limit`, the end of the message being read, and throws
 * {@link WireError} otherwise (reads past the end of the array yield `undefined`, which the
 * varint reader treats as a terminating zero byte, so the check after each read is enough).
 */
export class WireReader {
  pos: number;
  limit: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.limit = end;
  }

  /** True while there are bytes left before `limit`. */
  more(): boolean {
    return this.pos < this.limit;
  }

  /** Reads an unsigned varint (uint64) as a number, exact below 2^53. */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    if (b < 0x80) {
      this.pos = pos;
      if (pos > this.limit) this.overrun();
      return b;
    }
    let v = b & 0x7f;
    b = buf[pos++];
    v |= (b & 0x7f) << 7;
    if (b < 0x80) return this.done(pos, v);
    b = buf[pos++];
    v |= (b & 0x7f) << 14;
    if (b < 0x80) return this.done(pos, v);
    b = buf[pos++];
    v |= (b & 0x7f) << 21;
    if (b < 0x80) return this.done(pos, v);
    this.pos = pos;
    return this.varintSlow(v, false);
  }

  /** Reads a varint as a signed int64 (two's complement), exact for magnitudes below 2^53. */
  int64(): number {
    const v = this.varint32();
    return v >= 0 ? v : this.varintSlow(-v - 1, true);
  }

  /** The first 4 bytes of a varint: the value if it ends there, else -(low 28 bits) - 1 (pos at byte 5). */
  private varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b < 0x80) return this.done(pos, v);
    b = buf[pos++];
    v |= (b & 0x7f) << 7;
    if (b < 0x80) return this.done(pos, v);
    b = buf[pos++];
    v |= (b & 0x7f) << 14;
    if (b < 0x80) return this.done(pos, v);
    b = buf[pos++];
    v |= (b & 0x7f) << 21;
    if (b < 0x80) return this.done(pos, v);
    this.pos = pos;
    return -v - 1;
  }

  private done(pos: number, v: number): number {
    this.pos = pos;
    if (pos > this.limit) this.overrun();
    return v;
  }

  /** Bytes 5..10 of a varint: the value is assembled from two 32-bit halves. */
  private varintSlow(low28: number, signed: boolean): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    let lo = low28 | ((b & 0x0f) << 28);
    let hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      let shift = 3;
      for (let i = 0; ; i++) {
        if (i === 5) {
          if (pos > this.limit) this.overrun();
          throw new WireError('malformed varint (more than 10 bytes)', pos);
        }
        b = buf[pos++];
        hi |= (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    if (pos > this.limit) this.overrun();
    lo >>>= 0;
    hi >>>= 0;
    if (signed && hi >= 0x80000000) {
      // Two's complement int64: negate over 64 bits.
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
      return -(hi * TWO_32 + lo);
    }
    return hi * TWO_32 + lo;
  }

  /** Reads a field key; returns `fieldNumber * 8 + wireType` (the raw key) for a cheap switch. */
  key(): number {
    return this.varint();
  }

  /** Reads a length prefix and returns the end offset of the bytes it announces. */
  lengthEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (len < 0 || end > this.limit) {
      const truncated = this.limit === this.buf.length;
      throw new WireError(`length-delimited field of ${len} bytes runs past the end of its message`, this.pos, truncated);
    }
    return end;
  }

  /** Skips one field with the given wire type (its key already read). */
  skip(wireType: number, fieldNumber: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.pos = this.lengthEnd();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP:
        this.skipGroup(fieldNumber);
        return;
      default:
        throw new WireError(`invalid wire type ${wireType} (field ${fieldNumber})`, this.pos);
    }
  }

  private skipGroup(fieldNumber: number): void {
    for (;;) {
      if (this.pos >= this.limit) throw new WireError(`unterminated group (field ${fieldNumber})`, this.pos);
      const k = this.varint();
      const wt = k & 7;
      const fn = Math.floor(k / 8);
      if (wt === WIRE_END_GROUP) {
        if (fn !== fieldNumber) throw new WireError(`mismatched end of group (field ${fn})`, this.pos);
        return;
      }
      this.skip(wt, fn);
    }
  }

  private advance(n: number): void {
    this.pos += n;
    if (this.pos > this.limit) this.overrun();
  }

  private overrun(): never {
    throw new WireError('unexpected end of data inside a field', this.limit, this.limit === this.buf.length);
  }
}
