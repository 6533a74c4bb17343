// `anole/timeline`: the trace viewer's window query, spans of each lane merged to the view's pixels, sites mapped to workspace files.
import type { TimelineLane, TimelineParams, TimelineResult, TimelineSpan } from '../core/annotations/protocol';
import { AnoleError } from '../core/errors';
import type { RawSpan } from '../core/trace';
import type { TimelineSoFar } from './traceStore';
import { pathToUri } from './uri';

/** Most spans per lane in one reply, whatever the width asks. */
export const MAX_SPANS_PER_LANE = 4000;
/** Most goroutine lanes one expanded group gets in a reply (the group lane says how many more were alive). */
export const MAX_GOROUTINE_LANES = 50;
/** Most groups expanded in one request. */
export const MAX_EXPANDED_GROUPS = 100;

function num(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new AnoleError('BAD_INPUT', `timeline: ${what} must be a finite number of ns`);
  return v;
}

/** Checks the params and answers them from a trace's timeline index. */
export function timeline(id: string, { index: tl, progress }: TimelineSoFar, p: TimelineParams, map: (file: string) => string | null): TimelineResult {
  const from = Math.max(0, num(p.fromNs, 'fromNs') ?? 0);
  const to = Math.min(tl.durationNs, num(p.toNs, 'toNs') ?? tl.durationNs);
  const width = p.widthPx;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || width > 20000) {
    throw new AnoleError('BAD_INPUT', `timeline: widthPx must be an integer 1–20000 (got ${String(width)})`);
  }
  if (p.lanes !== undefined && (!Array.isArray(p.lanes) || p.lanes.some((l) => typeof l !== 'string'))) {
    throw new AnoleError('BAD_INPUT', 'timeline: lanes must be a list of lane ids');
  }
  if (p.expand !== undefined && (!Array.isArray(p.expand) || p.expand.length > MAX_EXPANDED_GROUPS || p.expand.some((l) => typeof l !== 'string'))) {
    throw new AnoleError('BAD_INPUT', `timeline: expand must be a list of at most ${MAX_EXPANDED_GROUPS} group lane ids`);
  }
  const wanted = p.lanes ? new Set(p.lanes) : undefined;
  const expand = new Set(p.expand ?? []);
  const pixelNs = to > from ? (to - from) / width : 1;
  const max = Math.min(MAX_SPANS_PER_LANE, 2 * width + 2);
  const sites: TimelineResult['sites'] = [];
  const siteIndex = new Map<number, number>();
  const siteOf = (id: number | undefined): number | undefined => {
    if (!id) return undefined;
    let i = siteIndex.get(id);
    if (i === undefined) {
      const s = tl.site(id);
      if (!s) return undefined;
      const local = s.file ? map(s.file) : null;
      i = sites.length;
      sites.push({ function: s.function, file: s.file, line: s.line, ...(local ? { localUri: pathToUri(local) } : {}) });
      siteIndex.set(id, i);
    }
    return i;
  };
  const toSpan = (kind: TimelineLane['kind']) => (r: RawSpan): TimelineSpan => {
    const out: TimelineSpan = { s: r.s, e: r.e, n: r.n };
    if (r.busyNs !== undefined && (kind === 'p' || kind === 'goroutine')) out.busyNs = r.busyNs;
    if (r.g !== undefined) out.g = r.g;
    if (r.group !== undefined && r.group >= 0) out.group = `g${r.group}`;
    const site = siteOf(r.site);
    if (site !== undefined) out.site = site;
    if (r.run !== undefined) Object.assign(out, { run: r.run, rbl: r.rbl, blk: r.blk });
    return out;
  };
  const lanes: TimelineLane[] = [];
  for (const l of tl.lanes) {
    const raw = wanted && !wanted.has(l.id) ? [] : tl.spansIn(l.id, from, to, pixelNs, max);
    if (l.kind !== 'group' || !expand.has(l.id)) {
      lanes.push({ ...l, spans: raw.map(toSpan(l.kind)) });
      continue;
    }
    // Expanded: the group lane, then a lane per goroutine (spans only if the group or that lane is wanted).
    const gs = tl.goroutinesIn(l.id, from, to, pixelNs, MAX_GOROUTINE_LANES, max);
    lanes.push({ ...l, expanded: { hidden: gs.hidden }, spans: raw.map(toSpan(l.kind)) });
    for (const g of gs.lanes) {
      const id = `${l.id}:${g.g}`;
      const spans = wanted && !wanted.has(l.id) && !wanted.has(id) ? [] : g.spans.map(toSpan('goroutine'));
      lanes.push({ id, kind: 'goroutine', label: `G${g.g}`, parent: l.id, g: g.g, spans });
    }
  }
  const loading = progress.done ? {} : { loading: { fraction: progress.fraction } };
  return { id, durationNs: tl.durationNs, fromNs: from, toNs: to, lanes, sites, ...loading };
}
