// A minimal protobuf wire-format writer for the few request messages the backend sources send.

const encoder = new TextEncoder();

/** Builds one protobuf message; nested messages are written by a callback into a fresh writer. */
export class ProtoWriter {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];

  /** A varint field (int32/int64/uint/bool/enum); zero is skipped, as proto3 does. */
  varint(field: number, v: number | boolean): this {
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (n === 0) return this;
    this.rawVarint(field * 8);
    this.rawVarint(n);
    return this;
  }

  /** A string field; the empty string is skipped unless `always` (an explicitly set `optional`). */
  string(field: number, s: string | undefined, always = false): this {
    if (s === undefined || (s === '' && !always)) return this;
    return this.bytes(field, encoder.encode(s));
  }

  /** A length-delimited field. */
  bytes(field: number, b: Uint8Array): this {
    this.rawVarint(field * 8 + 2);
    this.rawVarint(b.length);
    this.flush();
    this.parts.push(b);
    return this;
  }

  /** A nested message field, always written (even when empty). */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    write(w);
    return this.bytes(field, w.finish());
  }

  /** A google.protobuf.Timestamp field from Unix milliseconds. */
  timestamp(field: number, ms: number): this {
    const seconds = Math.floor(ms / 1000);
    return this.message(field, (w) => w.varint(1, seconds).varint(2, (ms - seconds * 1000) * 1e6));
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.flush();
    const len = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(len);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private rawVarint(n: number): void {
    if (n < 0) {
      // int64 two's complement: ten bytes.
      let lo = n % 4294967296 >>> 0;
      let hi = Math.floor(n / 4294967296) >>> 0;
      for (let i = 0; i < 9; i++) {
        this.chunks.push((lo & 0x7f) | 0x80);
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      this.chunks.push(1);
      return;
    }
    while (n >= 0x80) {
      this.chunks.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    this.chunks.push(n);
  }

  private flush(): void {
    if (this.chunks.length) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }
}
