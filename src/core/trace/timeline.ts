// The trace timeline index, built while the trace is parsed: per-P running spans, per-group state counts, GC and STW ranges.
import { isRuntimeFrame, isSystemFrame } from '../goFrames';
import { F64, I32, I8, upperBound } from './columns';
import { EventKind, GcRange, GoState, NO_STACK, ResourceKind, type TraceEvent, type TraceTables, type TraceVisitor } from './model';
import { type Site, SiteTable } from './sites';
import { type GoroutineSteps, type RawSpan, pickGoroutines, queryGoroutine, queryIntervals, querySteps, remerge } from './timelineQuery';

export type { RawSpan } from './timelineQuery';

/** Running spans of one P, sorted by start and disjoint (one goroutine runs on a P at a time). */
export class PLane {
  readonly start = new F64();
  readonly end = new F64();
  readonly g = new I32();
  readonly group = new I32();
  readonly site = new I32();
}

/**
 * A goroutine group's state counts as a step function: from `t[i]` until `t[i+1]` the group had
 * `running[i]` goroutines running, `runnable[i]` waiting for a P, `blocked[i]` blocked or in a syscall;
 * `site[i]` is the source site of the transition that made the step (resume, block or syscall line).
 */
export class GroupLane {
  readonly t = new F64();
  readonly running = new I32();
  readonly runnable = new I32();
  readonly blocked = new I32();
  readonly site = new I32();
  /** Current counts while building. */
  now = [0, 0, 0];
  /** Total running ns (for ordering lanes). */
  runningNs = 0;
  constructor(
    /** The goroutines' start function. */
    readonly fn: string,
    /** Site id of the `go` statement (0 = unknown). */
    readonly created: number,
  ) {}
}

/**
 * One goroutine's states as steps, for a group lane expanded to one lane per goroutine (see GoroutineSteps):
 * 9 bytes per state change (a step's site is its group lane's at the same time), columns starting small since
 * most goroutines change state a few times.
 */
export class GoLane implements GoroutineSteps {
  readonly t = new F64(4);
  readonly slot = new I8(4);
  constructor(
    readonly g: number,
    /** Index of its group (the latest, if it changed once its start function was known). */
    public group: number,
  ) {}
}

/** Ranges of one kind (GC mark phases, stop-the-world pauses), sorted by start. */
export class RangeLane {
  readonly start = new F64();
  readonly end = new F64();
}

/** A lane of the timeline as the viewer lists it. */
export interface LaneInfo {
  /** "p0"…, "g0"… (group index), "gc", "stw". */
  id: string;
  kind: 'p' | 'group' | 'gc' | 'stw';
  /** Groups: how many goroutines the group had (so far). */
  goroutines?: number;
  label: string;
  /** Groups: the `go` statement site, "file:line". */
  detail?: string;
}

interface GoT {
  state: number;
  since: number;
  p: number;
  group: number;
  start: number;
  created: number;
  resume: number;
  block: number;
  syscall: number;
  /** Its lane of state steps (kept after it exits; found here without a second map lookup per event). */
  lane: GoLane | undefined;
}

const COUNT_OF: Record<number, number> = { [GoState.Running]: 0, [GoState.Runnable]: 1, [GoState.Waiting]: 2, [GoState.Syscall]: 2 };

/**
 * A trace visitor that builds the timeline index; feed it the same events as the StarvationAnalyzer
 * (see `both`), then call `finish(durationNs)` once. Memory: a few typed-array columns, ~28 bytes per
 * run slice and per group state change; no object per span.
 */
export class TimelineBuilder implements TraceVisitor {
  readonly sites: SiteTable;
  private readonly gs = new Map<number, GoT>();
  readonly ps: PLane[] = [];
  readonly groups: GroupLane[] = [];
  private readonly groupIndex = new Map<string, number>();
  readonly gc = new RangeLane();
  readonly stw = new RangeLane();
  private gcOpen = -1;
  private readonly stwOpen = new Map<number, number>();
  /** Goroutine → its latest group, for goroutines whose group changed after they first ran. */
  private readonly finalGroup = new Map<number, number>();
  /** Each goroutine's state steps (for expanding a group lane). */
  readonly goroutines = new Map<number, GoLane>();
  gomaxprocs = 0;

  constructor(private readonly tables: TraceTables) {
    this.sites = new SiteTable(tables);
  }

  event(ev: TraceEvent): void {
    switch (ev.kind) {
      case EventKind.StateTransition:
        if (ev.resource === ResourceKind.Goroutine) this.transition(ev);
        break;
      case EventKind.Metric:
        if (ev.name === '/sched/gomaxprocs:threads') this.gomaxprocs = ev.value;
        break;
      case EventKind.RangeBegin:
      case EventKind.RangeActive:
      case EventKind.RangeEnd:
        this.range(ev);
        break;
      default:
        break;
    }
  }

  private range(ev: TraceEvent): void {
    const t = ev.time;
    if (ev.name === GcRange.Mark) {
      if (ev.kind === EventKind.RangeEnd) {
        if (this.gcOpen >= 0) pushRange(this.gc, this.gcOpen, t);
        this.gcOpen = -1;
      } else if (this.gcOpen < 0) this.gcOpen = t;
    } else if (ev.name.startsWith('stop-the-world')) {
      if (ev.kind === EventKind.RangeEnd) {
        const s = this.stwOpen.get(ev.id);
        if (s !== undefined) pushRange(this.stw, s, t);
        this.stwOpen.delete(ev.id);
      } else if (!this.stwOpen.has(ev.id)) this.stwOpen.set(ev.id, t);
    }
  }

  private groupOf(start: number, created: number): number {
    const fn = start ? this.sites.sites[start].function : '(unknown)';
    const key = `${fn}\u0000${created}`;
    let i = this.groupIndex.get(key);
    if (i === undefined) {
      i = this.groups.length;
      this.groups.push(new GroupLane(fn, created));
      this.groupIndex.set(key, i);
    }
    return i;
  }

  private lane(p: number): PLane {
    while (this.ps.length <= p) this.ps.push(new PLane());
    return this.ps[p];
  }

  /** Moves one goroutine between count slots of its group lane(s) and records the step(s). */
  private step(t: number, fromGroup: number, fromSlot: number | undefined, toGroup: number, toSlot: number | undefined, site: number): void {
    if (fromGroup === toGroup && fromSlot === toSlot) return;
    if (fromGroup >= 0 && fromSlot !== undefined) this.groups[fromGroup].now[fromSlot]--;
    if (toGroup >= 0 && toSlot !== undefined) this.groups[toGroup].now[toSlot]++;
    if (fromGroup >= 0 && fromGroup !== toGroup) record(this.groups[fromGroup], t, 0);
    if (toGroup >= 0) record(this.groups[toGroup], t, site);
  }

  private transition(ev: TraceEvent): void {
    const t = ev.time;
    let a = this.gs.get(ev.id);
    if (!a) {
      a = { state: GoState.Undetermined, since: t, p: -1, group: -1, start: 0, created: 0, resume: 0, block: 0, syscall: 0, lane: undefined };
      this.gs.set(ev.id, a);
    }
    const oldGroup = a.group;
    const oldSlot = COUNT_OF[a.state];
    const wasRunning = a.state === GoState.Running ? a.p : -1;
    const oldResume = a.resume;
    if (ev.from === GoState.NotExist) a.created = this.creationSite(ev.stack);
    const sst = ev.stateStack;
    if (a.start === 0 && sst !== NO_STACK) a.start = this.sites.startOf(sst);
    if (a.group < 0 || (a.start !== 0 && this.groups[a.group].fn === '(unknown)')) a.group = this.groupOf(a.start, a.created);
    let site = 0;
    switch (ev.to) {
      case GoState.Runnable:
        if (ev.from === GoState.NotExist) a.resume = a.created;
        else if (ev.from === GoState.Running || ev.from === GoState.Undetermined) a.resume = this.sites.ofStack(sst);
        else if (ev.from === GoState.Waiting) a.resume = a.block;
        else if (ev.from === GoState.Syscall) a.resume = a.syscall;
        site = a.resume;
        break;
      case GoState.Running:
        if (ev.from === GoState.Undetermined && a.resume === 0) a.resume = this.sites.ofStack(ev.stack);
        if (ev.p >= 0 && ev.p < 4096) a.p = ev.p;
        site = a.resume;
        break;
      case GoState.Waiting:
        a.block = this.sites.ofStack(sst);
        site = a.block;
        break;
      case GoState.Syscall:
        a.syscall = this.sites.ofStack(sst !== NO_STACK ? sst : ev.stack);
        site = a.syscall;
        break;
      default:
        break;
    }
    if (wasRunning >= 0) {
      // The run span: where the goroutine resumed, else where it stopped (block, preemption, syscall).
      this.pushRun(wasRunning, a.since, t, ev.id, a.group, oldResume || site);
      if (ev.to !== GoState.Running) a.p = -1;
    }
    if (a.group !== oldGroup) this.finalGroup.set(ev.id, a.group);
    this.step(t, oldGroup, oldSlot, a.group, COUNT_OF[ev.to], site);
    this.goStep(a, ev.id, t, COUNT_OF[ev.to] ?? -1);
    a.state = ev.to;
    a.since = t;
    if (ev.to === GoState.NotExist) this.gs.delete(ev.id);
  }

  /** Records goroutine `g` entering state `slot` (-1: gone) at `t` (same time: overwrites the last step). */
  private goStep(a: GoT, g: number, t: number, slot: number): void {
    let l = a.lane;
    if (!l) {
      l = this.goroutines.get(g);
      if (!l) this.goroutines.set(g, (l = new GoLane(g, a.group)));
      a.lane = l;
    }
    l.group = a.group;
    const n = l.t.length;
    if (n > 0 && l.t.at(n - 1) === t) l.slot.set(n - 1, slot);
    else if (n > 0 ? l.slot.at(n - 1) !== slot : slot >= 0) {
      l.t.push(t);
      l.slot.push(slot);
    }
  }

  private pushRun(p: number, since: number, t: number, g: number, group: number, site: number): void {
    const lane = this.lane(p);
    lane.start.push(since);
    lane.end.push(t);
    lane.g.push(g);
    lane.group.push(group);
    lane.site.push(site);
    if (group >= 0) this.groups[group].runningNs += t - since;
  }

  /** The `go` statement's site: the innermost frame of the creator's stack outside the runtime. */
  private creationSite(stack: number): number {
    const ids = this.tables.stackFrameIds(stack);
    for (let i = 0; i < ids.length; i++) {
      const f = this.tables.frame(ids[i]);
      if (!isRuntimeFrame(f.func)) return this.sites.intern(f.func, f.file, f.line);
    }
    return 0;
  }

  /**
   * An index of what is built so far, up to `parsedNs` (for drawing a trace still being parsed): spans still
   * open are left out, nothing is closed, and building goes on afterwards.
   */
  snapshot(parsedNs: number): TimelineIndex {
    return new TimelineIndex(this, parsedNs);
  }

  /** Closes what is still open at `endNs` (running spans, ranges, group steps) and returns the index. */
  finish(endNs: number): TimelineIndex {
    const steps = this.finishSteps(endNs);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * `finish` in pieces of at most one lane's work each (on a 64 MB trace the whole is ~0.8 s, its largest
   * piece a lane's overview), so a caller can answer requests in between. The builder takes no events
   * once this has started; an index taken before (`snapshot`) keeps answering meanwhile.
   */
  *finishSteps(endNs: number): Generator<void, TimelineIndex> {
    for (const [id, a] of this.gs) {
      if (a.state === GoState.Running && a.p >= 0) this.pushRun(a.p, a.since, endNs, id, a.group, a.resume);
      this.goStep(a, id, endNs, -1);
    }
    this.gs.clear();
    if (this.gcOpen >= 0) pushRange(this.gc, this.gcOpen, endNs);
    for (const s of this.stwOpen.values()) pushRange(this.stw, s, endNs);
    for (const g of this.groups) record(g, endNs, 0);
    while (this.ps.length < this.gomaxprocs) this.ps.push(new PLane());
    yield;
    // Run spans taken before a goroutine's group was known belong to the group it ended in. Then, as
    // nothing more comes, the columns' spare capacity goes (not in `snapshot`, where building goes on).
    for (const p of this.ps) {
      if (this.finalGroup.size > 0) {
        for (let i = 0; i < p.g.length; i++) {
          const grp = this.finalGroup.get(p.g.at(i));
          if (grp !== undefined && grp !== p.group.at(i)) p.group.set(i, grp);
        }
      }
      for (const c of [p.start, p.end, p.g, p.group, p.site]) c.trim();
      yield;
    }
    for (const g of this.groups) {
      for (const c of [g.t, g.running, g.runnable, g.blocked, g.site]) c.trim();
      yield;
    }
    for (const r of [this.gc, this.stw]) for (const c of [r.start, r.end]) c.trim();
    for (const l of this.goroutines.values()) for (const c of [l.t, l.slot]) c.trim();
    yield;
    const index = new TimelineIndex(this, endNs, false);
    yield* index.overviewSteps();
    return index;
  }
}

function pushRange(r: RangeLane, s: number, e: number): void {
  r.start.push(s);
  r.end.push(e);
}

/** Appends the group's current counts as a step at `t` (same time: overwrites the last step). */
function record(g: GroupLane, t: number, site: number): void {
  const n = g.t.length;
  if (n > 0 && g.t.at(n - 1) === t) {
    g.running.set(n - 1, g.now[0]);
    g.runnable.set(n - 1, g.now[1]);
    g.blocked.set(n - 1, g.now[2]);
    if (site !== 0) g.site.set(n - 1, site);
    return;
  }
  g.t.push(t);
  g.running.push(g.now[0]);
  g.runnable.push(g.now[1]);
  g.blocked.push(g.now[2]);
  g.site.push(site);
}

/** Pixels of the per-lane overview built once (windows at most 1/2 as fine come from it). */
const OVERVIEW_PX = 4096;

const base = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

/** The built timeline: lanes, and window queries that merge sub-pixel spans so replies stay small. */
export class TimelineIndex {
  readonly durationNs: number;
  readonly lanes: LaneInfo[];
  private readonly byId = new Map<string, (from: number, to: number, px: number, max: number) => RawSpan[]>();
  private readonly b: TimelineBuilder;
  private readonly overview = new Map<string, RawSpan[]>();
  private overviewPx = 0;
  /** Group index → its goroutines' lanes. */
  private readonly members = new Map<number, GoLane[]>();

  constructor(b: TimelineBuilder, durationNs: number, overview = true) {
    this.b = b;
    this.durationNs = durationNs;
    const lanes: LaneInfo[] = [];
    b.ps.forEach((p, i) => {
      lanes.push({ id: `p${i}`, kind: 'p', label: `P${i}` });
      this.byId.set(`p${i}`, (f, t, px, max) => queryIntervals(p.start, p.end, p.start.length, f, t, px, max, (k) => ({ g: p.g.at(k), group: p.group.at(k), site: p.site.at(k) })));
    });
    for (const l of b.goroutines.values()) {
      let m = this.members.get(l.group);
      if (!m) this.members.set(l.group, (m = []));
      m.push(l);
    }
    const order = b.groups.map((g, i) => ({ g, i })).filter(({ g }) => g.t.length > 1);
    order.sort((x, y) => Number(isSystemFrame(x.g.fn)) - Number(isSystemFrame(y.g.fn)) || y.g.runningNs - x.g.runningNs || x.g.fn.localeCompare(y.g.fn));
    for (const { g, i } of order) {
      const c = g.created ? b.sites.sites[g.created] : undefined;
      lanes.push({ id: `g${i}`, kind: 'group', label: g.fn, ...(c ? { detail: `${base(c.file)}:${c.line}` } : {}), goroutines: this.members.get(i)?.length ?? 0 });
      this.byId.set(`g${i}`, (f, t, px, max) => querySteps(g, f, t, px, max));
    }
    lanes.push({ id: 'gc', kind: 'gc', label: 'GC' }, { id: 'stw', kind: 'stw', label: 'STW' });
    for (const [id, r] of [['gc', b.gc], ['stw', b.stw]] as const) {
      this.byId.set(id, (f, t, px, max) => queryIntervals(r.start, r.end, r.start.length, f, t, px, max, () => ({})));
    }
    this.lanes = lanes;
    if (overview) for (const _ of this.overviewSteps()) { /* all at once */ }
  }

  /**
   * Builds a fine overview of each lane, a lane per step; it answers zoomed-out windows (the first
   * paint, "reset") without a pass over every span. A lane without one yet is queried in full.
   */
  *overviewSteps(): Generator<void, void> {
    const px = this.durationNs / OVERVIEW_PX;
    if (!(px > 0)) return;
    this.overviewPx = px;
    for (const [id, q] of this.byId) {
      this.overview.set(id, q(0, this.durationNs, px, Number.MAX_SAFE_INTEGER));
      yield;
    }
  }

  /** A site by id (0 = none). */
  site(id: number): Site | undefined {
    return id > 0 ? this.b.sites.sites[id] : undefined;
  }

  /**
   * The spans of `lane` overlapping [fromNs, toNs], clipped to it, sorted by start; spans shorter than
   * `pixelNs` are merged with their neighbours so at most ~2 per pixel (and never more than `maxSpans`) come back.
   */
  spansIn(lane: string, fromNs: number, toNs: number, pixelNs: number, maxSpans = 4000): RawSpan[] {
    const q = this.byId.get(lane);
    if (!q) return [];
    const from = Math.max(0, fromNs);
    const to = Math.min(this.durationNs, toNs);
    if (!(to > from)) return [];
    const px = Math.max(pixelNs, (to - from) / 20000);
    const ov = this.overview.get(lane);
    if (ov && px >= 2 * this.overviewPx) return remerge(ov, from, to, px, maxSpans);
    return q(from, to, px, maxSpans);
  }

  /**
   * A group lane expanded: one lane per goroutine alive in [fromNs, toNs] (the first `maxLanes` by goroutine id;
   * `hidden` counts the rest), each with its states merged to `pixelNs` as `spansIn` merges a group lane's.
   */
  goroutinesIn(
    lane: string, fromNs: number, toNs: number, pixelNs: number, maxLanes: number, maxSpans = 4000,
  ): { lanes: Array<{ g: number; spans: RawSpan[] }>; hidden: number } {
    const m = /^g(\d+)$/.exec(lane);
    const members = m ? this.members.get(Number(m[1])) : undefined;
    const from = Math.max(0, fromNs);
    const to = Math.min(this.durationNs, toNs);
    if (!members || !(to > from)) return { lanes: [], hidden: 0 };
    const px = Math.max(pixelNs, (to - from) / 20000);
    const { shown, hidden } = pickGoroutines(members, from, to, maxLanes);
    return { lanes: shown.map((l) => ({ g: l.g, spans: queryGoroutine(l, from, to, px, maxSpans, (k) => this.siteOfStep(l, k)) })), hidden };
  }

  /** The site of a goroutine's step k: its group lane's step at the same time (0 if another transition overwrote it). */
  private siteOfStep(l: GoLane, k: number): number {
    const g = this.b.groups[l.group];
    const t = l.t.at(k);
    const i = upperBound(g.t.length, (j) => g.t.at(j), t) - 1;
    return i >= 0 && g.t.at(i) === t ? g.site.at(i) : 0;
  }

  /** Sum of running ns of a P lane over the whole trace (for cross-checks). */
  runningNsOfP(p: number): number {
    const l = this.b.ps[p];
    let s = 0;
    for (let i = 0; l && i < l.start.length; i++) s += l.end.at(i) - l.start.at(i);
    return s;
  }

  /** Bytes held by the typed columns. */
  get bytes(): number {
    let n = 0;
    for (const p of this.b.ps) for (const c of [p.start, p.end, p.g, p.group, p.site]) n += c.bytes;
    for (const g of this.b.groups) for (const c of [g.t, g.running, g.runnable, g.blocked, g.site]) n += c.bytes;
    for (const l of this.b.goroutines.values()) n += l.t.bytes + l.slot.bytes;
    return n + this.b.gc.start.bytes * 2 + this.b.stw.start.bytes * 2;
  }
}

/** One visitor feeding several (the analyzer and the timeline builder on one parse). */
export function both(...visitors: TraceVisitor[]): TraceVisitor {
  return { event: (ev) => { for (const v of visitors) v.event(ev); } };
}
