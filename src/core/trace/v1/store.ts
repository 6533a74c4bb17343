// Columnar, growable storage of decoded old-format trace events (one typed array per field, no object per event).

/** Decoded events in file order, one column per field; `n` rows are valid. */
export class EventStore {
  n = 0;
  /** Timestamp: ticks while decoding and ordering, nanoseconds from the first event after `toNanoseconds`. */
  ts: Float64Array;
  typ: Uint8Array;
  /** P the event happened on (-1: no P; FakeP.* for the old format's fake Ps). */
  p: Int32Array;
  /** Goroutine the event happened on (0: none). */
  g: Float64Array;
  /** Event-type-specific arguments (Go's Event.Args[0..2]; UserLog's message index sits in a2). */
  a0: Float64Array;
  a1: Float64Array;
  a2: Float64Array;
  /** Stack id of the event (0: none). */
  stk: Uint32Array;

  constructor(capacity: number) {
    const c = Math.max(16, capacity | 0);
    this.ts = new Float64Array(c);
    this.typ = new Uint8Array(c);
    this.p = new Int32Array(c);
    this.g = new Float64Array(c);
    this.a0 = new Float64Array(c);
    this.a1 = new Float64Array(c);
    this.a2 = new Float64Array(c);
    this.stk = new Uint32Array(c);
  }

  /** Appends a zeroed row and returns its index. */
  add(): number {
    if (this.n === this.ts.length) this.grow();
    const i = this.n++;
    this.a0[i] = 0;
    this.a1[i] = 0;
    this.a2[i] = 0;
    this.stk[i] = 0;
    return i;
  }

  private grow(): void {
    const c = Math.ceil(this.ts.length * 1.6);
    const grow = <T extends Float64Array | Uint8Array | Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a as never);
      return b;
    };
    this.ts = grow(this.ts, (k) => new Float64Array(k));
    this.typ = grow(this.typ, (k) => new Uint8Array(k));
    this.p = grow(this.p, (k) => new Int32Array(k));
    this.g = grow(this.g, (k) => new Float64Array(k));
    this.a0 = grow(this.a0, (k) => new Float64Array(k));
    this.a1 = grow(this.a1, (k) => new Float64Array(k));
    this.a2 = grow(this.a2, (k) => new Float64Array(k));
    this.stk = grow(this.stk, (k) => new Uint32Array(k));
  }
}
