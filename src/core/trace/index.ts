// Public face of the trace engine: parse a Go execution trace and build the goroutine starvation report.
import { type ReportOptions, StarvationAnalyzer, type StarvationReport } from './analyze';
import { TraceTables } from './model';
import { parseTrace } from './parse';
import { TimelineBuilder, type TimelineIndex, both } from './timeline';

export * from './model';
export { parseTrace, parseTraceSteps, sniffTraceVersion } from './parse';
export { ProgressiveTrace, type TraceProgress } from './progressive';
export { StarvationAnalyzer, blockKindOf, BLOCK_KINDS } from './analyze';
export { TimelineIndex, TimelineBuilder, both } from './timeline';
export type { LaneInfo, RawSpan } from './timeline';
export type { StarvationReport, ReportOptions, WaitHistogram, GroupReport, LineReport, GcReport, BlockKind, LineKind } from './analyze';

/** Parses a whole trace and returns its starvation report (partial, with warnings, for a cut trace). */
export function starvationReport(data: Uint8Array, opts: ReportOptions = {}): StarvationReport {
  const tables = new TraceTables();
  const an = new StarvationAnalyzer(tables);
  const res = parseTrace(data, tables, an);
  return an.report(res.goVersion, res.warnings, res.durationNs, opts);
}

/** Parses a whole trace once into its starvation report and its timeline index (what ProgressiveTrace builds a generation at a time). */
export function analyzeTrace(data: Uint8Array): { report: StarvationReport; timeline: TimelineIndex } {
  const tables = new TraceTables();
  const an = new StarvationAnalyzer(tables);
  const tl = new TimelineBuilder(tables);
  const res = parseTrace(data, tables, both(an, tl));
  return { report: an.report(res.goVersion, res.warnings, res.durationNs), timeline: tl.finish(res.durationNs) };
}
