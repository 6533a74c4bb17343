// The goroutine starvation report: per-group running/runnable/blocked time, resume and block lines, GC pauses, culprits.
import { isRuntimeFrame } from '../goFrames';
import { EventKind, GoState, NO_STACK, ResourceKind, type TraceEvent, type TraceTables, type TraceVisitor } from './model';
import { type Site, SiteTable } from './sites';

/** Why a goroutine was not running: the report's kinds. */
export const BLOCK_KINDS = ['chan', 'select', 'sync', 'net', 'sleep', 'syscall', 'gc', 'other'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];
export type LineKind = 'runnable' | BlockKind;
const SYSCALL = 5;

/** Blocked time by reason, ns. */
export type BlockedNs = Record<BlockKind, number>;

/** One group of goroutines: same start function and same `go` statement. */
export interface GroupReport {
  function: string;
  created: Site | null;
  count: number;
  runningNs: number;
  runnableNs: number;
  runnableMaxNs: number;
  runnableP99Ns: number;
  runnableCount: number;
  runnableP50Ns: number;
  runnableP90Ns: number;
  /** runnable / (runnable + running), 0 when both are 0. */
  runnableShare: number;
  blockedNs: BlockedNs;
  /** Share of the 1 ms samples taken while some goroutine waited runnable in which this group held a P. */
  culpritShare: number;
}

/** Time charged to one source line: a resume line (runnable) or a block line (by reason). */
export interface LineReport extends Site {
  kind: LineKind;
  ns: number;
  count: number;
  maxNs: number;
}

export interface GcReport {
  count: number;
  stwCount: number;
  stwMaxNs: number;
  stwTotalNs: number;
  assistNs: number;
}

/** While goroutines waited runnable (sampled every 1 ms): were all Ps busy, or some idle? */
export interface SaturationReport {
  samples: number;
  allPsBusy: number;
  somePIdle: number;
}

/** The whole report (`anole trace report --json`). */
export interface StarvationReport {
  /** Trace format version as "go1.NN" (Go 1.24 writes the go1.23 format). */
  goVersion: string;
  durationNs: number;
  gomaxprocs: number;
  groups: GroupReport[];
  lines: LineReport[];
  gc: GcReport;
  saturation: SaturationReport;
  warnings: string[];
}

/** Maps Go's block reason strings onto the report's kinds. */
export function blockKindOf(reason: string): BlockKind {
  if (reason.startsWith('chan')) return 'chan';
  if (reason.startsWith('select')) return 'select';
  if (reason.startsWith('sync')) return 'sync';
  if (reason === 'network') return 'net';
  if (reason === 'sleep') return 'sleep';
  if (reason.startsWith('GC') || reason === 'wait until GC ends') return 'gc';
  if (reason.startsWith('syscall')) return 'syscall';
  return 'other';
}

const KIND_INDEX: Record<string, number> = Object.fromEntries(BLOCK_KINDS.map((k, i) => [k, i]));
const RUNNABLE = 8;
const LINE_KINDS: LineKind[] = [...BLOCK_KINDS, 'runnable'];

/** A log-bucket histogram (≈1% resolution) of durations in ns. */
class Hist {
  private readonly counts = new Map<number, number>();
  total = 0;
  add(ns: number): void {
    const b = Math.floor(Math.log2(ns + 1) * 32);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.total++;
  }
  merge(o: Hist): void {
    for (const [b, c] of o.counts) this.counts.set(b, (this.counts.get(b) ?? 0) + c);
    this.total += o.total;
  }
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const want = Math.ceil(q * this.total);
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b) as number;
      if (seen >= want) return Math.round(2 ** ((b + 1) / 32) - 1);
    }
    return 0;
  }
}

interface GoAcc {
  state: number;
  since: number;
  /** Start function site, creation (`go` statement) site. */
  start: number;
  created: number;
  resume: number;
  resumeIsSyscall: boolean;
  block: number;
  blockKind: number;
  syscall: number;
  p: number;
  running: number;
  runnable: number;
  runnableCount: number;
  runnableMax: number;
  hist: Hist;
  blocked: Float64Array;
  culprit: number;
}

interface LineAcc {
  site: number;
  kind: number;
  ns: number;
  count: number;
  max: number;
}

/** Options of the analysis. */
export interface AnalyzeOptions {
  /** Culprit sampling period, ns (default 1 ms). */
  sampleNs?: number;
}

/**
 * A visitor that accumulates the starvation report; call `report()` after parsing. Cheap per event: a few
 * map lookups, no allocation except per new goroutine / site.
 */
export class StarvationAnalyzer implements TraceVisitor {
  private readonly sites: SiteTable;
  private readonly gs = new Map<number, GoAcc>();
  private readonly lines = new Map<number, LineAcc>();
  private readonly running = new Map<number, number>(); // P → goroutine
  private runnableNow = 0;
  private nextSample: number;
  private readonly sampleNs: number;
  private samples = 0;
  private allBusy = 0;
  private gomaxprocs = 0;
  private gcCount = 0;
  private stwCount = 0;
  private stwMax = 0;
  private stwTotal = 0;
  private readonly stwStart = new Map<number, number>();
  private readonly assistStart = new Map<number, number>();
  private assist = 0;
  private lastTime = 0;

  constructor(
    private readonly tables: TraceTables,
    opts: AnalyzeOptions = {},
  ) {
    this.sites = new SiteTable(tables);
    this.sampleNs = opts.sampleNs ?? 1e6;
    this.nextSample = this.sampleNs;
  }

  event(ev: TraceEvent): void {
    const t = ev.time;
    this.lastTime = t;
    while (t >= this.nextSample) this.sample();
    switch (ev.kind) {
      case EventKind.StateTransition:
        if (ev.resource === ResourceKind.Goroutine) this.goTransition(ev, t);
        break;
      case EventKind.Metric:
        if (ev.name === '/sched/gomaxprocs:threads') this.gomaxprocs = ev.value;
        break;
      case EventKind.RangeBegin:
      case EventKind.RangeActive:
      case EventKind.RangeEnd:
        this.range(ev, t);
        break;
      default:
        break;
    }
  }

  private sample(): void {
    this.nextSample += this.sampleNs;
    if (this.runnableNow <= 0) return;
    this.samples++;
    if (this.gomaxprocs > 0 && this.running.size >= this.gomaxprocs) this.allBusy++;
    for (const g of this.running.values()) {
      const acc = this.gs.get(g);
      if (acc) acc.culprit++;
    }
  }

  private range(ev: TraceEvent, t: number): void {
    if (ev.name === 'GC concurrent mark phase') {
      if (ev.kind === EventKind.RangeBegin) this.gcCount++;
    } else if (ev.name.startsWith('stop-the-world')) {
      if (ev.kind === EventKind.RangeBegin) this.stwStart.set(ev.id, t);
      else if (ev.kind === EventKind.RangeEnd) {
        const s = this.stwStart.get(ev.id);
        if (s !== undefined) {
          const d = t - s;
          this.stwCount++;
          this.stwTotal += d;
          if (d > this.stwMax) this.stwMax = d;
          this.stwStart.delete(ev.id);
        }
      }
    } else if (ev.name === 'GC mark assist') {
      if (ev.kind === EventKind.RangeEnd) {
        const s = this.assistStart.get(ev.id);
        if (s !== undefined) this.assist += t - s;
        this.assistStart.delete(ev.id);
      } else if (!this.assistStart.has(ev.id)) this.assistStart.set(ev.id, t);
    }
  }

  private acc(id: number, t: number): GoAcc {
    let a = this.gs.get(id);
    if (!a) {
      a = {
        state: GoState.Undetermined, since: t, start: 0, created: 0, resume: 0, resumeIsSyscall: false, block: 0,
        blockKind: 7, syscall: 0, p: -1, running: 0, runnable: 0, runnableCount: 0, runnableMax: 0, hist: new Hist(),
        blocked: new Float64Array(8), culprit: 0,
      };
      this.gs.set(id, a);
    }
    return a;
  }

  private line(site: number, kind: number, d: number, count: number): void {
    const key = site * 16 + kind;
    let l = this.lines.get(key);
    if (!l) this.lines.set(key, (l = { site, kind, ns: 0, count: 0, max: 0 }));
    l.ns += d;
    l.count += count;
    if (d > l.max) l.max = d;
  }

  private close(a: GoAcc, t: number): void {
    const d = t - a.since;
    switch (a.state) {
      case GoState.Running:
        a.running += d;
        break;
      case GoState.Runnable:
        this.runnableNow--;
        if (a.resumeIsSyscall) {
          a.blocked[SYSCALL] += d;
          this.line(a.syscall, SYSCALL, d, 0);
        } else {
          a.runnable += d;
          a.runnableCount++;
          if (d > a.runnableMax) a.runnableMax = d;
          a.hist.add(d);
          this.line(a.resume, RUNNABLE, d, 1);
        }
        break;
      case GoState.Waiting:
        a.blocked[a.blockKind] += d;
        this.line(a.block, a.blockKind, d, 1);
        break;
      case GoState.Syscall:
        a.blocked[SYSCALL] += d;
        this.line(a.syscall, SYSCALL, d, 1);
        break;
      default:
        break;
    }
  }

  private goTransition(ev: TraceEvent, t: number): void {
    const a = this.acc(ev.id, t);
    if (a.state === GoState.Undetermined && ev.from !== GoState.Undetermined && ev.from !== GoState.NotExist) a.state = ev.from;
    this.close(a, t);
    if (a.state === GoState.Running && a.p >= 0) {
      if (this.running.get(a.p) === ev.id) this.running.delete(a.p);
      a.p = -1;
    }
    const sst = ev.stateStack;
    if (a.start === 0 && sst !== NO_STACK) a.start = this.sites.startOf(sst);
    switch (ev.to) {
      case GoState.Runnable:
        this.runnableNow++;
        a.resumeIsSyscall = ev.from === GoState.Syscall;
        if (ev.from === GoState.NotExist) {
          a.created = this.creationSite(ev.stack);
          a.resume = a.created;
        } else if (ev.from === GoState.Running || ev.from === GoState.Undetermined) {
          a.resume = this.sites.ofStack(sst);
        } else if (ev.from === GoState.Waiting) {
          a.resume = a.block;
        }
        break;
      case GoState.Running:
        a.p = ev.p;
        if (ev.p >= 0) this.running.set(ev.p, ev.id);
        break;
      case GoState.Waiting:
        if (ev.from === GoState.NotExist) a.created = this.creationSite(ev.stack);
        a.blockKind = KIND_INDEX[blockKindOf(ev.reason)];
        a.block = this.sites.ofStack(sst);
        break;
      case GoState.Syscall:
        a.syscall = this.sites.ofStack(sst !== NO_STACK ? sst : ev.stack);
        break;
      default:
        break;
    }
    a.state = ev.to;
    a.since = t;
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

  /** The report, with states still open at the end charged up to `endNs` (default: the last event). */
  report(goVersion: number, warnings: string[], endNs = this.lastTime): StarvationReport {
    for (const a of this.gs.values()) {
      this.close(a, endNs);
      a.state = GoState.Undetermined;
    }
    const sites = this.sites.sites;
    const groups = new Map<string, { r: GroupReport; hist: Hist; culprit: number }>();
    for (const a of this.gs.values()) {
      const fn = a.start ? sites[a.start].function : '(unknown)';
      const key = `${fn}\u0000${a.created}`;
      let g = groups.get(key);
      if (!g) {
        const c = a.created ? sites[a.created] : null;
        g = {
          r: {
            function: fn, created: c ? { function: c.function, file: c.file, line: c.line } : null, count: 0, runningNs: 0,
            runnableNs: 0, runnableMaxNs: 0, runnableP99Ns: 0, runnableCount: 0, runnableP50Ns: 0, runnableP90Ns: 0,
            runnableShare: 0, blockedNs: Object.fromEntries(BLOCK_KINDS.map((k) => [k, 0])) as BlockedNs, culpritShare: 0,
          },
          hist: new Hist(),
          culprit: 0,
        };
        groups.set(key, g);
      }
      const r = g.r;
      r.count++;
      r.runningNs += a.running;
      r.runnableNs += a.runnable;
      r.runnableCount += a.runnableCount;
      r.runnableMaxNs = Math.max(r.runnableMaxNs, a.runnableMax);
      BLOCK_KINDS.forEach((k, i) => (r.blockedNs[k] += a.blocked[i]));
      g.hist.merge(a.hist);
      g.culprit += a.culprit;
    }
    const out: GroupReport[] = [];
    for (const { r, hist, culprit } of groups.values()) {
      r.runnableP50Ns = hist.quantile(0.5);
      r.runnableP90Ns = hist.quantile(0.9);
      r.runnableP99Ns = Math.min(hist.quantile(0.99), Math.round(r.runnableMaxNs));
      r.runnableShare = r.runnableNs + r.runningNs > 0 ? round3(r.runnableNs / (r.runnableNs + r.runningNs)) : 0;
      r.culpritShare = this.samples ? round3(culprit / this.samples) : 0;
      r.runningNs = Math.round(r.runningNs);
      r.runnableNs = Math.round(r.runnableNs);
      r.runnableMaxNs = Math.round(r.runnableMaxNs);
      for (const k of BLOCK_KINDS) r.blockedNs[k] = Math.round(r.blockedNs[k]);
      out.push(r);
    }
    out.sort((x, y) => y.runnableNs - x.runnableNs || y.runningNs - x.runningNs || x.function.localeCompare(y.function));
    const lines: LineReport[] = [];
    for (const l of this.lines.values()) {
      if (l.site === 0 || l.ns <= 0) continue;
      const s = sites[l.site];
      lines.push({ function: s.function, file: s.file, line: s.line, kind: LINE_KINDS[l.kind], ns: Math.round(l.ns), count: l.count, maxNs: Math.round(l.max) });
    }
    lines.sort((x, y) => y.ns - x.ns);
    return {
      goVersion: `go1.${goVersion}`,
      durationNs: Math.round(endNs),
      gomaxprocs: this.gomaxprocs,
      groups: out,
      lines,
      gc: {
        count: this.gcCount, stwCount: this.stwCount, stwMaxNs: Math.round(this.stwMax), stwTotalNs: Math.round(this.stwTotal),
        assistNs: Math.round(this.assist),
      },
      saturation: { samples: this.samples, allPsBusy: this.allBusy, somePIdle: this.samples - this.allBusy },
      warnings,
    };
  }

  /** Per-goroutine totals (ns) for cross-checks: running, and not running (runnable + blocked + syscall). */
  goroutineTotals(): Map<number, { running: number; notRunning: number }> {
    const out = new Map<number, { running: number; notRunning: number }>();
    for (const [id, a] of this.gs) {
      out.set(id, { running: a.running, notRunning: a.runnable + a.blocked.reduce((x, y) => x + y, 0) });
    }
    return out;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
