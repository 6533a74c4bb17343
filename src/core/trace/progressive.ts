// A trace read one generation at a time for the viewer: the timeline of what is parsed so far can be drawn while the rest parses.
import { StarvationAnalyzer, type ReportOptions, type StarvationReport } from './analyze';
import { type ParseResult, TraceTables, type TraceVisitor } from './model';
import { type GenerationDone, parseTraceSteps } from './parse';
import { TimelineBuilder, type TimelineIndex, both } from './timeline';

/** Where a progressive read stands. */
export interface TraceProgress {
  /** Share of the file's bytes read, 0..1. */
  fraction: number;
  /** Events up to this time (ns from the trace start) are in the timeline. */
  parsedNs: number;
  done: boolean;
}

/**
 * Parses a trace a generation per `step()`, building its timeline and (unless a report already exists)
 * its starvation report on the same pass. `snapshot()` is the timeline of the time range parsed so far;
 * after the last step, `timeline` and `report` hold the finished ones.
 */
export class ProgressiveTrace {
  private readonly builder: TimelineBuilder;
  private readonly analyzer?: StarvationAnalyzer;
  private readonly steps: Generator<GenerationDone, ParseResult>;
  private at: TraceProgress = { fraction: 0, parsedNs: 0, done: false };
  /** The last snapshot: what it covers, when it was built and what it cost (ms). */
  private snap?: { parsedNs: number; index: TimelineIndex; at: number; costMs: number };
  /** A snapshot was asked for after more was parsed: the next step builds it. */
  private snapWanted = false;
  /** Once the last generation is parsed: the parse's result, and the timeline's finishing steps. */
  private parsed?: ParseResult;
  private finishing?: Generator<void, TimelineIndex>;
  timeline?: TimelineIndex;
  report?: StarvationReport;

  constructor(
    private readonly data: Uint8Array,
    opts: {
      report: boolean;
      reportOptions?: ReportOptions;
      /** Events per step inside a generation (tests). */
      sliceEvents?: number;
      /** A snapshot is rebuilt no sooner than this many times its cost after the last (default 3; tests: 0). */
      snapshotSpacing?: number;
    },
  ) {
    const tables = new TraceTables();
    this.builder = new TimelineBuilder(tables);
    let visitor: TraceVisitor = this.builder;
    if (opts.report) {
      this.analyzer = new StarvationAnalyzer(tables);
      visitor = both(this.analyzer, this.builder);
    }
    this.reportOptions = opts.reportOptions ?? {};
    this.snapshotSpacing = opts.snapshotSpacing ?? 3;
    this.steps = parseTraceSteps(data, tables, visitor, { sliceEvents: opts.sliceEvents });
  }

  private readonly reportOptions: ReportOptions;
  private readonly snapshotSpacing: number;

  get progress(): TraceProgress {
    return this.at;
  }

  /**
   * Parses the next generation, or its next slice of events (the progress and snapshot move on at each
   * generation's end); an older trace: all of it. Then finishes the timeline a lane per step (the
   * snapshot stays the last generation's meanwhile). False once everything is done. Throws for a file
   * that is not a trace.
   */
  step(): boolean {
    if (this.at.done) return false;
    if (this.snapWanted) {
      this.snapWanted = false;
      if (!this.finishing && this.snap?.parsedNs !== this.at.parsedNs) {
        this.takeSnapshot();
        return true;
      }
    }
    if (!this.finishing) {
      const r = this.steps.next();
      if (!r.done) {
        this.at = { fraction: Math.min(1, r.value.offset / this.data.length), parsedNs: r.value.parsedNs, done: false };
        return true;
      }
      this.parsed = r.value;
      this.finishing = this.builder.finishSteps(r.value.durationNs);
      this.at = { ...this.at, fraction: 1 };
      return true;
    }
    const f = this.finishing.next();
    if (!f.done) return true;
    const res = this.parsed!;
    this.timeline = f.value;
    if (this.analyzer) this.report = this.analyzer.report(res.goVersion, res.warnings, res.durationNs, this.reportOptions);
    this.at = { fraction: 1, parsedNs: res.durationNs, done: true };
    this.snap = undefined;
    this.finishing = undefined;
    return false;
  }

  /**
   * The timeline: the finished one, or one of the range parsed so far. The first is built at once; after
   * that, when more has been parsed, this answers with the last one and the next `step` builds the new one,
   * so a request never waits for a parse step and a snapshot both (each is a pass over a large part of the
   * trace), and no sooner than three times its cost after the last.
   */
  snapshot(): TimelineIndex | undefined {
    if (this.timeline) return this.timeline;
    // While the timeline is being finished the last index stands: a new one would cost as much as the
    // finished one, which is a few steps away.
    if (this.finishing) return this.snap?.index;
    if (this.at.parsedNs <= 0) return undefined;
    if (!this.snap) this.takeSnapshot();
    // At most about a third of the time goes to snapshots (late in a large trace each costs a few hundred ms).
    else if (this.snap.parsedNs !== this.at.parsedNs && performance.now() - this.snap.at >= this.snapshotSpacing * this.snap.costMs) this.snapWanted = true;
    return this.snap!.index;
  }

  private takeSnapshot(): void {
    const t0 = performance.now();
    const index = this.builder.snapshot(this.at.parsedNs);
    const at = performance.now();
    this.snap = { parsedNs: this.at.parsedNs, index, at, costMs: at - t0 };
  }
}
