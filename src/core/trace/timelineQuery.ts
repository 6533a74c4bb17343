// Window queries of the trace timeline: clip to the window and merge spans shorter than a pixel, so a reply stays small.
import { type F64, type I32, upperBound } from './columns';

/** A span of a lane in a window, possibly standing for `n` merged ones. Times in ns from the trace start. */
export interface RawSpan {
  s: number;
  e: number;
  /** How many spans (P, GC, STW lanes) or group state steps it merges. */
  n: number;
  /** P lanes: ns actually busy within [s, e]. */
  busyNs?: number;
  /** P lanes: the goroutine (of the longest merged span), its group index. */
  g?: number;
  group?: number;
  /** Site id of the span (the longest merged one): where the goroutine resumed, or the group's transition site. */
  site?: number;
  /** Group lanes: most goroutines running, runnable, blocked at once within [s, e]. */
  run?: number;
  rbl?: number;
  blk?: number;
}

/** The columns of a step-function lane (see GroupLane). */
export interface StepColumns {
  t: F64;
  running: I32;
  runnable: I32;
  blocked: I32;
  site: I32;
}

/** Repeats a query with coarser pixels until it returns at most `max` spans. */
function bounded(px: number, max: number, run: (px: number) => RawSpan[]): RawSpan[] {
  let out = run(px);
  while (out.length > max) {
    px *= Math.max(2, out.length / max);
    out = run(px);
  }
  return out;
}

/**
 * Spans of a lane of disjoint intervals sorted by start (so ends are sorted too) in [from, to]; `extra(k)`
 * gives what interval k carries (goroutine, group, site), kept from the longest interval of a merge.
 */
export function queryIntervals(
  start: F64, end: F64, n: number, from: number, to: number, pixelNs: number, max: number,
  extra: (k: number) => Pick<RawSpan, 'g' | 'group' | 'site'>,
): RawSpan[] {
  const first = upperBound(n, (i) => end.at(i), from);
  return bounded(pixelNs, max, (px) => {
    const out: RawSpan[] = [];
    let cur: RawSpan | undefined;
    let longest = 0;
    for (let k = first; k < n; k++) {
      const s0 = start.at(k);
      if (s0 >= to) break;
      const s = Math.max(s0, from);
      const e = Math.min(end.at(k), to);
      const d = e - s;
      if (d >= px) {
        if (cur) out.push(cur);
        cur = undefined;
        out.push({ s, e, n: 1, busyNs: d, ...extra(k) });
      } else if (cur && s - cur.e < px && e - cur.s < 2 * px) {
        cur.e = e;
        cur.n++;
        cur.busyNs! += d;
        if (d > longest) {
          longest = d;
          Object.assign(cur, extra(k));
        }
      } else {
        if (cur) out.push(cur);
        cur = { s, e, n: 1, busyNs: d, ...extra(k) };
        longest = d;
      }
    }
    if (cur) out.push(cur);
    return out;
  });
}

/** Spans of a step-function lane (a goroutine group's state counts) in [from, to]; zero-count steps are gaps. */
export function querySteps(c: StepColumns, from: number, to: number, pixelNs: number, max: number): RawSpan[] {
  const n = c.t.length;
  const first = Math.max(0, upperBound(n, (i) => c.t.at(i), from) - 1);
  return bounded(pixelNs, max, (px) => {
    const out: RawSpan[] = [];
    let cur: RawSpan | undefined;
    let longest = 0;
    const flush = (): void => {
      if (cur) out.push(cur);
      cur = undefined;
    };
    for (let k = first; k + 1 < n; k++) {
      const t0 = c.t.at(k);
      if (t0 >= to) break;
      const s = Math.max(t0, from);
      const e = Math.min(c.t.at(k + 1), to);
      if (e <= s) continue;
      const run = c.running.at(k);
      const rbl = c.runnable.at(k);
      const blk = c.blocked.at(k);
      if (run + rbl + blk === 0) {
        flush();
        continue;
      }
      const d = e - s;
      const site = c.site.at(k);
      if (cur && (d < px || e - cur.s < px) && e - cur.s < 2 * px) {
        cur.e = e;
        cur.n++;
        cur.run = Math.max(cur.run!, run);
        cur.rbl = Math.max(cur.rbl!, rbl);
        cur.blk = Math.max(cur.blk!, blk);
        if (site !== 0 && (d > longest || cur.site === 0)) {
          longest = d;
          cur.site = site;
        }
        continue;
      }
      flush();
      cur = { s, e, n: 1, run, rbl, blk, site };
      longest = site !== 0 ? d : 0;
      if (d >= px) flush();
    }
    flush();
    return out;
  });
}

/**
 * Re-merges already merged spans (an overview taken at finer pixels) for a coarser window query: same rules
 * as the queries above, counts kept as maxima, busy time summed, the longest span's goroutine and site kept.
 */
export function remerge(spans: readonly RawSpan[], from: number, to: number, pixelNs: number, max: number): RawSpan[] {
  const first = Math.max(0, upperBound(spans.length, (i) => spans[i].e, from));
  return bounded(pixelNs, max, (px) => {
    const out: RawSpan[] = [];
    let cur: RawSpan | undefined;
    let longest = 0;
    for (let k = first; k < spans.length; k++) {
      const sp = spans[k];
      if (sp.s >= to) break;
      const s = Math.max(sp.s, from);
      const e = Math.min(sp.e, to);
      if (e <= s) continue;
      const d = e - s;
      const part = d / (sp.e - sp.s);
      const clipped: RawSpan = { ...sp, s, e, ...(sp.busyNs !== undefined ? { busyNs: sp.busyNs * part } : {}) };
      if (cur && s - cur.e < px && e - cur.s < 2 * px && d < px) {
        cur.e = e;
        cur.n += sp.n;
        if (cur.busyNs !== undefined) cur.busyNs += clipped.busyNs ?? 0;
        if (cur.run !== undefined) {
          cur.run = Math.max(cur.run, sp.run ?? 0);
          cur.rbl = Math.max(cur.rbl ?? 0, sp.rbl ?? 0);
          cur.blk = Math.max(cur.blk ?? 0, sp.blk ?? 0);
        }
        if (d > longest && (sp.site || !cur.site)) {
          longest = d;
          cur.g = sp.g;
          cur.group = sp.group;
          cur.site = sp.site;
        }
        continue;
      }
      if (cur) out.push(cur);
      cur = clipped;
      longest = d;
      if (d >= px) {
        out.push(cur);
        cur = undefined;
      }
    }
    if (cur) out.push(cur);
    return out;
  });
}
