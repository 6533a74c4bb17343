// Growable typed-array columns: the compact storage of the trace timeline (no object per span).

type Typed = Float64Array | Int32Array | Int8Array;

/** An append-only column of numbers backed by a typed array that doubles when full. */
class Column<T extends Typed> {
  private data: T;
  length = 0;

  constructor(
    private readonly make: (n: number) => T,
    /** Capacity to start and regrow from (small for the many short per-goroutine columns). */
    private readonly initial = 64,
  ) {
    this.data = make(initial);
  }

  /** Appends a value. */
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(Math.max(this.initial, this.data.length * 2)); // (a trimmed empty column has length 0)
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The value at `i` (no bounds check beyond the typed array's). */
  at(i: number): number {
    return this.data[i];
  }

  /** Overwrites the value at `i` (< length). */
  set(i: number, v: number): void {
    this.data[i] = v;
  }

  /** Drops the spare capacity once no more values come. */
  trim(): void {
    if (this.data.length > this.length) this.data = this.data.slice(0, this.length) as T;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.data.byteLength;
  }
}

/** A column of float64 (times in ns). */
export class F64 extends Column<Float64Array> {
  constructor(initial?: number) {
    super((n) => new Float64Array(n), initial);
  }
}

/** A column of int32 (ids, counts). */
export class I32 extends Column<Int32Array> {
  constructor(initial?: number) {
    super((n) => new Int32Array(n), initial);
  }
}

/** A column of int8 (small enums: a goroutine's state slot). */
export class I8 extends Column<Int8Array> {
  constructor(initial?: number) {
    super((n) => new Int8Array(n), initial);
  }
}

/** The first index in [0, n) whose value `key(i)` is > `x` (keys non-decreasing); n if none. */
export function upperBound(n: number, key: (i: number) => number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
