// Window queries of the trace timeline: clip to the window and merge spans shorter than a pixel, so a reply stays small.
import { upperBound } from './columns';

/** A span of a lane in a window, possibly standing for `n` merged ones. Times in ns from the trace start. */
export interface RawSpan {
  s: number;
  e: number;
  /** How many spans (P, GC, STW lanes) or group state steps it merges. */
  n: number;
  /** P lanes: ns actually busy within [s, e]; goroutine lanes: ns running. */
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

/** A column as the queries read it (an F64 or I32, or a view computed from one). */
export interface Col {
  readonly length: number;
  at(i: number): number;
}

/** The columns of a step-function lane (see GroupLane). */
export interface StepColumns {
  t: Col;
  running: Col;
  runnable: Col;
  blocked: Col;
  site: Col;
}

/**
 * One goroutine's states as steps (see GoLane): from `t[i]` until `t[i+1]` it was in state `slot[i]` (0 running,
 * 1 runnable, 2 blocked or in a syscall, -1 not alive).
 */
export interface GoroutineSteps {
  /** The goroutine id. */
  g: number;
  t: Col;
  slot: Col;
}

/**
 * Spans of one goroutine's lane in [from, to], merged as `querySteps` merges a group lane (its counts are 0 or 1:
 * which states the merged steps had; `busyNs` is the time running); `siteAt(k)` gives the site of step k, asked only for the spans returned.
 * Its own loop (not querySteps over views of the slots): typed reads keep a whole-trace query of a busy goroutine fast.
 */
export function queryGoroutine(c: GoroutineSteps, from: number, to: number, pixelNs: number, max: number, siteAt: (k: number) => number): RawSpan[] {
  const { t, slot } = c;
  const n = t.length;
  const first = Math.max(0, upperBound(n, (i) => t.at(i), from) - 1);
  return bounded(pixelNs, max, (px) => {
    const out: RawSpan[] = [];
    let cur: RawSpan | undefined;
    let longest = -1;
    let longestK = -1;
    const flush = (): void => {
      if (!cur) return;
      const site = longestK >= 0 ? siteAt(longestK) : 0;
      if (site !== 0) cur.site = site;
      out.push(cur);
      cur = undefined;
    };
    for (let k = first; k + 1 < n; k++) {
      const t0 = t.at(k);
      if (t0 >= to) break;
      const st = slot.at(k);
      const s = Math.max(t0, from);
      const e = Math.min(t.at(k + 1), to);
      if (e <= s) continue;
      if (st < 0) {
        flush();
        continue;
      }
      const d = e - s;
      if (cur && (d < px || e - cur.s < px) && e - cur.s < 2 * px) {
        cur.e = e;
        cur.n++;
        if (st === 0) {
          cur.busyNs! += d;
          cur.run = 1;
        } else if (st === 1) cur.rbl = 1;
        else cur.blk = 1;
        if (d > longest) {
          longest = d;
          longestK = k;
        }
        continue;
      }
      flush();
      cur = { s, e, n: 1, busyNs: st === 0 ? d : 0, run: st === 0 ? 1 : 0, rbl: st === 1 ? 1 : 0, blk: st >= 2 ? 1 : 0 };
      longest = d;
      longestK = k;
      if (d >= px) flush();
    }
    flush();
    return out;
  });
}

/**
 * Which goroutines of an expanded group get a lane for the window [from, to]: those alive in it (a drawn state
 * overlapping it), lowest goroutine id first, at most `max`; `hidden` counts the others alive in the window.
 */
export function pickGoroutines<T extends GoroutineSteps>(members: readonly T[], from: number, to: number, max: number): { shown: T[]; hidden: number } {
  const alive = members.filter((m) => {
    const n = m.t.length;
    if (n < 2 || m.t.at(0) >= to) return false;
    // The last step ends nothing (a closing gap, or a state still open while the trace is read): the lane ends at it.
    if (m.t.at(n - 1) <= from) return false;
    // Alive at some point of the window: a non-gap step overlapping it.
    const first = Math.max(0, upperBound(n, (i) => m.t.at(i), from) - 1);
    for (let k = first; k + 1 < n && m.t.at(k) < to; k++) if (m.slot.at(k) >= 0 && m.t.at(k + 1) > from) return true;
    return false;
  });
  alive.sort((a, b) => a.g - b.g);
  const keep = Math.max(0, Math.floor(max));
  return { shown: alive.slice(0, keep), hidden: Math.max(0, alive.length - keep) };
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
  start: Col, end: Col, n: number, from: number, to: number, pixelNs: number, max: number,
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
