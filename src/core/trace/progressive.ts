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
  private snap?: { parsedNs: number; index: TimelineIndex };
  timeline?: TimelineIndex;
  report?: StarvationReport;

  constructor(
    private readonly data: Uint8Array,
    opts: { report: boolean; reportOptions?: ReportOptions; /** Events per step inside a generation (tests). */ sliceEvents?: number },
  ) {
    const tables = new TraceTables();
    this.builder = new TimelineBuilder(tables);
    let visitor: TraceVisitor = this.builder;
    if (opts.report) {
      this.analyzer = new StarvationAnalyzer(tables);
      visitor = both(this.analyzer, this.builder);
    }
    this.reportOptions = opts.reportOptions ?? {};
    this.steps = parseTraceSteps(data, tables, visitor, { sliceEvents: opts.sliceEvents });
  }

  private readonly reportOptions: ReportOptions;

  get progress(): TraceProgress {
    return this.at;
  }

  /**
   * Parses the next generation, or its next slice of events (the progress and snapshot move on at each
   * generation's end); an older trace: all of it. False once everything is read. Throws for a file that is not a trace.
   */
  step(): boolean {
    if (this.at.done) return false;
    const r = this.steps.next();
    if (!r.done) {
      this.at = { fraction: Math.min(1, r.value.offset / this.data.length), parsedNs: r.value.parsedNs, done: false };
      return true;
    }
    const res = r.value;
    this.timeline = this.builder.finish(res.durationNs);
    if (this.analyzer) this.report = this.analyzer.report(res.goVersion, res.warnings, res.durationNs, this.reportOptions);
    this.at = { fraction: 1, parsedNs: res.durationNs, done: true };
    this.snap = undefined;
    return false;
  }

  /** The timeline: the finished one, or one of the range parsed so far (rebuilt only when more is parsed). */
  snapshot(): TimelineIndex | undefined {
    if (this.timeline) return this.timeline;
    if (this.at.parsedNs <= 0) return undefined;
    if (this.snap?.parsedNs !== this.at.parsedNs) this.snap = { parsedNs: this.at.parsedNs, index: this.builder.snapshot(this.at.parsedNs) };
    return this.snap.index;
  }
}
