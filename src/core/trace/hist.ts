// A log-bucket histogram of durations for the report's runnable-wait percentiles and its per-group histograms.

/** Waits by duration on a log scale: `counts[i]` took [2^(fromExp+i), 2^(fromExp+i+1)) ns. */
export interface WaitHistogram {
  fromExp: number;
  counts: number[];
}

/** A log-bucket histogram of durations in ns: 32 buckets per power of two (≈2% resolution), flat counts. */
export class Hist {
  readonly counts = new Float64Array(64 * 32);
  total = 0;
  add(ns: number): void {
    let b: number;
    if (ns < 32) b = ns < 0 ? 0 : Math.floor(ns);
    else if (ns < 2 ** 31) {
      const v = ns | 0;
      const e = 31 - Math.clz32(v);
      b = e * 32 + ((v >>> (e - 5)) & 31);
    } else b = Math.min(64 * 32 - 1, Math.floor(Math.log2(ns)) * 32 + (Math.floor(ns / 2 ** (Math.floor(Math.log2(ns)) - 5)) & 31));
    this.counts[b]++;
    this.total++;
  }
  merge(o: Hist): void {
    for (let i = 0; i < o.counts.length; i++) this.counts[i] += o.counts[i];
    this.total += o.total;
  }
  /**
   * The counts coarsened to one bucket per power of two, trimmed to the non-empty range: `counts[i]` waits
   * took [2^(fromExp+i), 2^(fromExp+i+1)) ns (the first bucket also holds waits under 1 ns).
   */
  log2(): WaitHistogram {
    const per = new Array<number>(64).fill(0);
    for (let b = 0; b < this.counts.length; b++) {
      const c = this.counts[b];
      if (c === 0) continue;
      per[b < 32 ? (b === 0 ? 0 : 31 - Math.clz32(b)) : Math.floor(b / 32)] += c;
    }
    const first = per.findIndex((c) => c > 0);
    if (first < 0) return { fromExp: 0, counts: [] };
    let last = per.length - 1;
    while (per[last] === 0) last--;
    return { fromExp: first, counts: per.slice(first, last + 1) };
  }

  /** The upper bound of the bucket holding the q-quantile. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const want = Math.ceil(q * this.total);
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b];
      if (seen >= want) {
        if (b < 32) return b;
        const e = Math.floor(b / 32);
        return Math.round((32 + (b % 32) + 1) * 2 ** (e - 5));
      }
    }
    return 0;
  }
}
