// The goroutine starvation report: per-group running/runnable/blocked time, resume and block lines, GC pauses, culprits.
import { isRuntimeFrame, isSystemFrame } from '../goFrames';
import { EventKind, GcRange, type GoTransitionSink, GoState, NO_STACK, ResourceKind, type TraceEvent, type TraceTables, type TraceVisitor } from './model';
import { Hist } from './hist';
import { IdTable } from './idTable';
import {
  BLOCK_KINDS, type BlockKind, type BlockedNs, type GroupReport, type LineKind, type LineReport, type StarvationReport,
  type TimerReport, blockKindOf,
} from './report';
import { SiteTable } from './sites';

export * from './report';

const SYSCALL = 5;
const SLEEP = 4;
const KIND_INDEX: Record<string, number> = Object.fromEntries(BLOCK_KINDS.map((k, i) => [k, i]));
const RUNNABLE = 8;
const LINE_KINDS: LineKind[] = [...BLOCK_KINDS, 'runnable'];
/** Ps beyond this index are not tracked (a damaged trace's huge P ids). */
const MAX_P = 4096;

interface GoAcc {
  /** Goroutine id. */
  id: number;
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
  /** The group's histogram, once the goroutine's start function is known. */
  hist: Hist | undefined;
  /** Waits seen before the group was known. */
  pending: number[] | undefined;
  blocked: Float64Array;
  culprit: number;
}

/** Options of the analysis. */
export interface AnalyzeOptions {
  /** Culprit sampling period, ns (default 1 ms). */
  sampleNs?: number;
}

/** Options of `StarvationAnalyzer.report`. */
export interface ReportOptions {
  /** Adds each group's runnable-wait histogram (`runnableHist`). */
  histograms?: boolean;
}

/**
 * A visitor that accumulates the starvation report; call `report()` after parsing. Cheap per event: a few
 * map lookups, no allocation except per new goroutine / site.
 */
export class StarvationAnalyzer implements TraceVisitor, GoTransitionSink {
  private readonly sites: SiteTable;
  /** Goroutines by id, and in order of first appearance (the report's order). */
  private readonly gs = new IdTable<GoAcc>();
  private readonly gOrder: GoAcc[] = [];
  /** Lines as columns indexed by site * 16 + kind (time, count, longest), and their keys in order of first charge. */
  private lineNs = new Float64Array(1024);
  private lineCount = new Float64Array(1024);
  private lineMax = new Float64Array(1024);
  private lineSeen = new Uint8Array(1024);
  private readonly lineOrder: number[] = [];
  /** Block reason → index in BLOCK_KINDS. */
  private readonly reasonKinds = new Map<string, number>();
  /** P → the goroutine running on it (-1: none), how many Ps run one, and 1 + the highest P seen. */
  private readonly running = new Int32Array(MAX_P).fill(-1);
  private busy = 0;
  private pLimit = 0;
  private runnableNow = 0;
  private nextSample: number;
  private readonly sampleNs: number;
  private samples = 0;
  private pSamples = 0;
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
  /**
   * The time the current transition happens at (the report's end when closing): a field rather than an
   * argument, so that the time, a double beyond 2^31 ns, is not boxed per call.
   */
  private now = 0;

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
    if (t >= this.nextSample) this.sample(t);
    switch (ev.kind) {
      case EventKind.StateTransition:
        if (ev.resource === ResourceKind.Goroutine) {
          this.now = t;
          this.goTransition(ev.id, ev.from, ev.to, ev.p, ev.stack, ev.stateStack, ev.reason);
        }
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

  // The fast path of the three most frequent transitions (GoTransitionSink): what `event` does for them,
  // specialised to the state the goroutine is known to leave (any other state takes goTransition).

  goStart(ev: TraceEvent, g: number, p: number): void {
    const a = this.at(ev.time, g);
    if (a.state !== GoState.Runnable) return this.goTransition(g, GoState.Runnable, GoState.Running, p, NO_STACK, NO_STACK, '');
    this.closeRunnable(a);
    this.takeP(a, g, p);
    a.state = GoState.Running;
    a.since = this.now;
  }

  goUnblock(ev: TraceEvent, g: number): void {
    const a = this.at(ev.time, g);
    // The waker's stack and P do not matter to a Waiting → Runnable transition.
    if (a.state !== GoState.Waiting) return this.goTransition(g, GoState.Waiting, GoState.Runnable, -1, NO_STACK, NO_STACK, '');
    this.closeWaiting(a);
    this.runnableNow++;
    a.resumeIsSyscall = false;
    a.resume = a.block;
    a.state = GoState.Runnable;
    a.since = this.now;
  }

  goStop(ev: TraceEvent, g: number, to: number, reason: string, stack: number): void {
    const a = this.at(ev.time, g);
    if (a.state !== GoState.Running) return this.goTransition(g, GoState.Running, to, -1, stack, stack, reason);
    a.running += this.now - a.since;
    if (a.p >= 0) this.releaseP(a, g);
    if (a.start === 0 && stack !== NO_STACK) a.start = this.sites.startOf(stack);
    if (to === GoState.Runnable) {
      this.runnableNow++;
      a.resumeIsSyscall = false;
      a.resume = this.sites.ofStack(stack);
    } else {
      a.blockKind = this.reasonKind(reason);
      a.block = this.sites.ofStack(stack);
    }
    a.state = to;
    a.since = this.now;
  }

  /** What every transition does first: moves the clock to `t` (sampling on the way), then finds goroutine `g`. */
  private at(t: number, g: number): GoAcc {
    this.lastTime = t;
    if (t >= this.nextSample) this.sample(t);
    this.now = t;
    return this.acc(g);
  }

  /** Takes the samples due up to `t` at once: nothing changed between them. */
  private sample(t: number): void {
    const k = Math.floor((t - this.nextSample) / this.sampleNs) + 1;
    this.nextSample += k * this.sampleNs;
    if (this.runnableNow <= 0) return;
    this.samples += k;
    if (this.gomaxprocs > 0 && this.busy >= this.gomaxprocs) this.allBusy += k;
    for (let p = 0; p < this.pLimit; p++) {
      const g = this.running[p];
      if (g < 0) continue;
      const acc = this.gs.get(g);
      if (acc) acc.culprit += k;
      this.pSamples += k;
    }
  }

  private range(ev: TraceEvent, t: number): void {
    if (ev.name === GcRange.Mark) {
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
    } else if (ev.name === GcRange.Assist) {
      if (ev.kind === EventKind.RangeEnd) {
        const s = this.assistStart.get(ev.id);
        if (s !== undefined) this.assist += t - s;
        this.assistStart.delete(ev.id);
      } else if (!this.assistStart.has(ev.id)) this.assistStart.set(ev.id, t);
    }
  }

  /** Goroutine `id`'s accumulator (created at its first transition). */
  private acc(id: number): GoAcc {
    return this.gs.get(id) ?? this.newAcc(id);
  }

  /** Kept out of `acc` so that `acc` stays small enough to be inlined into every transition. */
  private newAcc(id: number): GoAcc {
    const a: GoAcc = {
      id, state: GoState.Undetermined, since: this.now, start: 0, created: 0, resume: 0, resumeIsSyscall: false, block: 0,
      blockKind: 7, syscall: 0, p: -1, running: 0, runnable: 0, runnableCount: 0, runnableMax: 0, hist: undefined, pending: undefined,
      blocked: new Float64Array(8), culprit: 0,
    };
    this.gs.set(id, a);
    this.gOrder.push(a);
    return a;
  }

  private line(site: number, kind: number, d: number, count: number): void {
    const key = site * 16 + kind;
    if (key >= this.lineSeen.length) this.growLines(key);
    if (this.lineSeen[key] === 0) {
      this.lineSeen[key] = 1;
      this.lineOrder.push(key);
    }
    this.lineNs[key] += d;
    this.lineCount[key] += count;
    if (d > this.lineMax[key]) this.lineMax[key] = d;
  }

  private growLines(key: number): void {
    let n = this.lineSeen.length;
    while (n <= key) n *= 2;
    const grow = <T extends Float64Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.lineNs = grow(this.lineNs, new Float64Array(n));
    this.lineCount = grow(this.lineCount, new Float64Array(n));
    this.lineMax = grow(this.lineMax, new Float64Array(n));
    this.lineSeen = grow(this.lineSeen, new Uint8Array(n));
  }

  private readonly sleeps = new Map<number, { count: number; min: number; max: number; total: number }>();

  private sleep(site: number, d: number): void {
    let s = this.sleeps.get(site);
    if (!s) this.sleeps.set(site, (s = { count: 0, min: Infinity, max: 0, total: 0 }));
    s.count++;
    s.total += d;
    if (d < s.min) s.min = d;
    if (d > s.max) s.max = d;
  }

  private timers(): TimerReport[] {
    const out: TimerReport[] = [];
    for (const [site, s] of this.sleeps) {
      if (site === 0) continue;
      const f = this.sites.sites[site];
      const key = site * 16 + RUNNABLE;
      const after = key < this.lineNs.length ? this.lineNs[key] : 0;
      out.push({
        function: f.function, file: f.file, line: f.line, count: s.count, minNs: Math.round(s.min), maxNs: Math.round(s.max),
        meanNs: Math.round(s.total / s.count), overrunNs: Math.round(s.total - s.count * s.min + after),
      });
    }
    return out.sort((x, y) => y.overrunNs - x.overrunNs);
  }

  /** Charges `a`'s current state up to `this.now`. */
  private close(a: GoAcc): void {
    switch (a.state) {
      case GoState.Running:
        a.running += this.now - a.since;
        break;
      case GoState.Runnable:
        this.closeRunnable(a);
        break;
      case GoState.Waiting:
        this.closeWaiting(a);
        break;
      case GoState.Syscall: {
        const d = this.now - a.since;
        a.blocked[SYSCALL] += d;
        this.line(a.syscall, SYSCALL, d, 1);
        break;
      }
      default:
        break;
    }
  }

  /** `close` of a runnable goroutine: a runnable wait, or the wait for a P after a syscall. */
  private closeRunnable(a: GoAcc): void {
    const d = this.now - a.since;
    this.runnableNow--;
    if (a.resumeIsSyscall) {
      a.blocked[SYSCALL] += d;
      this.line(a.syscall, SYSCALL, d, 0);
    } else {
      a.runnable += d;
      a.runnableCount++;
      if (d > a.runnableMax) a.runnableMax = d;
      if (a.hist === undefined && a.start !== 0) a.hist = this.histOf(a.start, a.created);
      if (a.hist) a.hist.add(d);
      else (a.pending ??= []).push(d);
      this.line(a.resume, RUNNABLE, d, 1);
    }
  }

  /** `close` of a blocked goroutine. */
  private closeWaiting(a: GoAcc): void {
    const d = this.now - a.since;
    a.blocked[a.blockKind] += d;
    this.line(a.block, a.blockKind, d, 1);
    if (a.blockKind === SLEEP) this.sleep(a.block, d);
  }

  /** Goroutine `a` (id `id`) leaves the P it was running on. */
  private releaseP(a: GoAcc, id: number): void {
    if (this.running[a.p] === id) {
      this.running[a.p] = -1;
      this.busy--;
    }
    a.p = -1;
  }

  /** Goroutine `a` (id `id`) starts running on P `p` (not tracked if out of range). */
  private takeP(a: GoAcc, id: number, p: number): void {
    if (p >= 0 && p < MAX_P) {
      a.p = p;
      if (this.running[p] < 0) this.busy++;
      this.running[p] = id;
      if (p >= this.pLimit) this.pLimit = p + 1;
    }
  }

  /**
   * Goroutine `id` goes `from` → `to` at `this.now`, on proc `p`; `stack` is the event's, `sst` the goroutine's
   * own (TraceEvent.stateStack).
   */
  private goTransition(id: number, from: number, to: number, p: number, stack: number, sst: number, reason: string): void {
    const t = this.now;
    const a = this.acc(id);
    if (a.state === GoState.Undetermined && from !== GoState.Undetermined && from !== GoState.NotExist) a.state = from;
    this.close(a);
    if (a.state === GoState.Running && a.p >= 0) this.releaseP(a, id);
    if (a.start === 0 && sst !== NO_STACK) a.start = this.sites.startOf(sst);
    switch (to) {
      case GoState.Runnable:
        this.runnableNow++;
        a.resumeIsSyscall = from === GoState.Syscall;
        if (from === GoState.NotExist) {
          a.created = this.creationSite(stack);
          a.resume = a.created;
        } else if (from === GoState.Running || from === GoState.Undetermined) {
          a.resume = this.sites.ofStack(sst);
        } else if (from === GoState.Waiting) {
          a.resume = a.block;
        }
        break;
      case GoState.Running:
        this.takeP(a, id, p);
        break;
      case GoState.Waiting:
        if (from === GoState.NotExist) a.created = this.creationSite(stack);
        a.blockKind = this.reasonKind(reason);
        a.block = this.sites.ofStack(sst);
        break;
      case GoState.Syscall:
        a.syscall = this.sites.ofStack(sst !== NO_STACK ? sst : stack);
        break;
      default:
        break;
    }
    a.state = to;
    a.since = t;
  }

  private lastReason = '';
  private lastReasonKind = KIND_INDEX.other;

  private reasonKind(reason: string): number {
    if (reason === this.lastReason) return this.lastReasonKind;
    let k = this.reasonKinds.get(reason);
    if (k === undefined) this.reasonKinds.set(reason, (k = KIND_INDEX[blockKindOf(reason)]));
    this.lastReason = reason;
    this.lastReasonKind = k;
    return k;
  }

  private readonly groupHists = new Map<string, Hist>();

  /** The shared runnable-wait histogram of a group. */
  private histOf(start: number, created: number): Hist {
    const key = groupKey(this.sites.sites[start].function, created);
    let h = this.groupHists.get(key);
    if (!h) this.groupHists.set(key, (h = new Hist()));
    return h;
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
  report(goVersion: number, warnings: string[], endNs = this.lastTime, opts: ReportOptions = {}): StarvationReport {
    this.now = endNs;
    for (const a of this.gOrder) {
      this.close(a);
      a.state = GoState.Undetermined;
    }
    const sites = this.sites.sites;
    const groups = new Map<string, { r: GroupReport; hist: Hist; culprit: number }>();
    for (const a of this.gOrder) {
      const fn = a.start ? sites[a.start].function : '(unknown)';
      const key = groupKey(fn, a.created);
      let g = groups.get(key);
      if (!g) {
        const c = a.created ? sites[a.created] : null;
        g = {
          r: {
            function: fn, created: c ? { function: c.function, file: c.file, line: c.line } : null, count: 0, runningNs: 0,
            runnableNs: 0, runnableMaxNs: 0, runnableP99Ns: 0, runnableCount: 0, runnableP50Ns: 0, runnableP90Ns: 0,
            runnableShare: 0, blockedNs: Object.fromEntries(BLOCK_KINDS.map((k) => [k, 0])) as BlockedNs, culpritShare: 0,
          },
          hist: this.groupHists.get(key) ?? new Hist(),
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
      if (a.hist && a.hist !== g.hist) g.hist.merge(a.hist);
      if (a.pending) for (const d of a.pending) g.hist.add(d);
      g.culprit += a.culprit;
    }
    const out: GroupReport[] = [];
    for (const { r, hist, culprit } of groups.values()) {
      r.runnableP50Ns = hist.quantile(0.5);
      r.runnableP90Ns = hist.quantile(0.9);
      r.runnableP99Ns = Math.min(hist.quantile(0.99), Math.round(r.runnableMaxNs));
      if (opts.histograms) r.runnableHist = hist.log2();
      r.runnableShare = r.runnableNs + r.runningNs > 0 ? round3(r.runnableNs / (r.runnableNs + r.runningNs)) : 0;
      r.culpritShare = this.pSamples ? round3(culprit / this.pSamples) : 0;
      r.runningNs = Math.round(r.runningNs);
      r.runnableNs = Math.round(r.runnableNs);
      r.runnableMaxNs = Math.round(r.runnableMaxNs);
      for (const k of BLOCK_KINDS) r.blockedNs[k] = Math.round(r.blockedNs[k]);
      out.push(r);
    }
    // Ties by plain code-unit order: localeCompare would start ICU's collator (~10 ms) for a tie-break.
    out.sort((x, y) => y.runnableNs - x.runnableNs || y.runningNs - x.runningNs || (x.function === y.function ? 0 : x.function < y.function ? -1 : 1));
    const lines: LineReport[] = [];
    for (const key of this.lineOrder) {
      const site = key >> 4;
      const ns = this.lineNs[key];
      if (site === 0 || ns <= 0) continue;
      const s = sites[site];
      if (isSystemFrame(s.function)) continue; // runtime-internal goroutines: nothing the user can act on
      lines.push({
        function: s.function, file: s.file, line: s.line, kind: LINE_KINDS[key & 15], ns: Math.round(ns), count: this.lineCount[key],
        maxNs: Math.round(this.lineMax[key]),
      });
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
      timers: this.timers(),
      warnings,
    };
  }

  /** Per-goroutine totals (ns) for cross-checks: running, and not running (runnable + blocked + syscall). */
  goroutineTotals(): Map<number, { running: number; notRunning: number }> {
    const out = new Map<number, { running: number; notRunning: number }>();
    for (const a of this.gOrder) {
      out.set(a.id, { running: a.running, notRunning: a.runnable + a.blocked.reduce((x, y) => x + y, 0) });
    }
    return out;
  }
}

function groupKey(fn: string, created: number): string {
  return `${fn}\u0000${created}`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
