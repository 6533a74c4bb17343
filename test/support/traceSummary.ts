// Per-goroutine state totals, event kinds and ranges of a trace's model events: the figures `test/traceref summary` prints.
import { EventKind, GoState, ResourceKind, type TraceEvent } from '../../src/core/trace/model';

/** Time one goroutine spent in each state, summed between its consecutive transitions. */
export interface GoTotals {
  id: number;
  transitions: number;
  runningNs: number;
  runnableNs: number;
  waitingNs: number;
  syscallNs: number;
}

/** What `test/traceref summary` (golang.org/x/exp/trace) prints as JSON. */
export interface Reference {
  events: number;
  kinds: Record<string, number>;
  blockReasons: Record<string, number>;
  ranges: Record<string, { count: number; totalNs: number }>;
  goroutines: GoTotals[];
}

/** The same figures as `test/traceref summary` computes, from our model events (in order). */
export function summarize(events: TraceEvent[]): Reference {
  const kindNames = Object.fromEntries(Object.entries(EventKind).map(([k, v]) => [v, k]));
  const out: Reference = { events: events.length, kinds: {}, blockReasons: {}, ranges: {}, goroutines: [] };
  const stats = new Map<number, GoTotals>();
  const last = new Map<number, { t: number; state: number }>();
  const open = new Map<string, number>();
  for (const ev of events) {
    out.kinds[kindNames[ev.kind]] = (out.kinds[kindNames[ev.kind]] ?? 0) + 1;
    if (ev.kind === EventKind.StateTransition && ev.resource === ResourceKind.Goroutine) {
      if (ev.from === GoState.Running && ev.to === GoState.Waiting) out.blockReasons[ev.reason] = (out.blockReasons[ev.reason] ?? 0) + 1;
      let s = stats.get(ev.id);
      if (!s) stats.set(ev.id, (s = { id: ev.id, transitions: 0, runningNs: 0, runnableNs: 0, waitingNs: 0, syscallNs: 0 }));
      s.transitions++;
      const l = last.get(ev.id);
      if (l) {
        const d = ev.time - l.t;
        if (l.state === GoState.Running) s.runningNs += d;
        else if (l.state === GoState.Runnable) s.runnableNs += d;
        else if (l.state === GoState.Waiting) s.waitingNs += d;
        else if (l.state === GoState.Syscall) s.syscallNs += d;
      }
      last.set(ev.id, { t: ev.time, state: ev.to });
    } else if (ev.kind === EventKind.RangeBegin || ev.kind === EventKind.RangeEnd) {
      const key = `${ev.name}@${ev.resource}:${ev.resource === ResourceKind.None ? '' : ev.id}`;
      if (ev.kind === EventKind.RangeBegin) {
        open.set(key, ev.time);
        continue;
      }
      const t0 = open.get(key);
      if (t0 === undefined) continue;
      open.delete(key);
      const r = (out.ranges[ev.name] ??= { count: 0, totalNs: 0 });
      r.count++;
      r.totalNs += ev.time - t0;
    }
  }
  out.goroutines = [...stats.values()].sort((a, b) => a.id - b.id);
  return out;
}


/** Differences between our summary and the reference beyond `tieNs` per transition of a goroutine state total (ties at one tick may order differently). */
export function compareSummaries(mine: Reference, ref: Reference, tieNs = 10): string[] {
  const diffs: string[] = [];
  const kinds = { ...ref.kinds, Metric: (ref.kinds.Metric ?? 0) + 1 }; // we keep the first GOMAXPROCS Go drops
  if (JSON.stringify(sortKeys(mine.kinds)) !== JSON.stringify(sortKeys(kinds))) diffs.push(`kinds ${JSON.stringify(mine.kinds)} vs ${JSON.stringify(kinds)}`);
  if (JSON.stringify(sortKeys(mine.blockReasons)) !== JSON.stringify(sortKeys(ref.blockReasons))) diffs.push('block reasons differ');
  const byId = new Map(mine.goroutines.map((g) => [g.id, g]));
  if (mine.goroutines.length !== ref.goroutines.length) diffs.push(`${mine.goroutines.length} goroutines vs ${ref.goroutines.length}`);
  for (const g of ref.goroutines) {
    const m = byId.get(g.id);
    if (!m) {
      diffs.push(`goroutine ${g.id} missing`);
      continue;
    }
    if (m.transitions !== g.transitions) diffs.push(`goroutine ${g.id}: ${m.transitions} transitions vs ${g.transitions}`);
    // The same transitions, each at most tieNs away from Go's (events that share a tick can be
    // placed a few ns apart), so a state total may differ by tieNs per transition, never more.
    const bound = tieNs * Math.max(1, g.transitions);
    for (const k of ['runningNs', 'runnableNs', 'waitingNs', 'syscallNs'] as const) {
      if (Math.abs(m[k] - g[k]) > bound) diffs.push(`goroutine ${g.id} ${k}: ${m[k]} vs ${g[k]} (${g.transitions} transitions)`);
    }
  }
  for (const [n, r] of Object.entries(ref.ranges)) {
    const m = mine.ranges[n];
    if (!m || m.count !== r.count || Math.abs(m.totalNs - r.totalNs) > tieNs * r.count) diffs.push(`range ${n}: ${JSON.stringify(m)} vs ${JSON.stringify(r)}`);
  }
  return diffs;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
