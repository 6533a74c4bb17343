// A map from numeric ids (goroutine, proc, string, stack ids) to values: a dense array for the small ids real traces use, a Map beyond.

/**
 * A number-keyed table, faster than a Map for the small dense ids of a trace (Go numbers goroutines,
 * Ps, strings and stacks from 0 or 1 upwards). Any id is accepted: ids far beyond the ones seen so far
 * (huge or odd ids from a damaged trace) go to a fallback Map, so memory stays proportional to the
 * entries. `undefined` values are not stored.
 */
export class IdTable<T> {
  private readonly dense: (T | undefined)[] = [];
  private sparse: Map<number, T> | undefined;

  /** The value of `id`, undefined if none. */
  get(id: number): T | undefined {
    if (id < this.dense.length && id >= 0 && id === (id | 0)) {
      const v = this.dense[id];
      if (v !== undefined || this.sparse === undefined) return v;
    }
    return this.sparse?.get(id);
  }

  /** Sets the value of `id`. */
  set(id: number, v: T): void {
    const d = this.dense;
    if (id >= 0 && id === Math.floor(id) && id < d.length * 2 + 1024 && id < 2 ** 30) {
      while (d.length < id) d.push(undefined);
      d[id] = v;
      this.sparse?.delete(id);
    } else (this.sparse ??= new Map()).set(id, v);
  }

  /** True if `id` has a value. */
  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Removes `id`. */
  delete(id: number): void {
    if (id >= 0 && id < this.dense.length && id === (id | 0)) this.dense[id] = undefined;
    this.sparse?.delete(id);
  }
}
