// The reader's fast path for the most frequent transitions (GoTransitionSink) gives the starvation report the shared-event path gives.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type GoTransitionSink, type ReportOptions, StarvationAnalyzer, type StarvationReport, TraceTables, type TraceVisitor, isGoTransitionSink, parseTrace } from '../../src/core/trace';
import { rng } from '../support/rng';

const TRACES = join(__dirname, '..', 'fixtures', 'traces');
const OPTS: ReportOptions = { histograms: true };

/** Go ≥ 1.22 recorded traces (the older format has no fast path). */
function v2Traces(): string[] {
  return readdirSync(TRACES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^(go1\.(2[2-9])|engine)$/.test(d.name))
    .flatMap((d) => readdirSync(join(TRACES, d.name)).filter((f) => f.endsWith('.trace')).map((f) => join(TRACES, d.name, f)))
    .sort();
}

/** The report with every event through `event` (a visitor without the fast path). */
function slowReport(data: Uint8Array): StarvationReport {
  const tables = new TraceTables();
  const an = new StarvationAnalyzer(tables);
  const res = parseTrace(data, tables, { event: (ev) => an.event(ev) });
  return an.report(res.goVersion, res.warnings, res.durationNs, OPTS);
}

/** The report through the fast path, and how many transitions took it. */
function fastReport(data: Uint8Array): { report: StarvationReport; fast: number } {
  const tables = new TraceTables();
  const an = new StarvationAnalyzer(tables);
  let fast = 0;
  const counting: TraceVisitor & GoTransitionSink = {
    event: (ev) => an.event(ev),
    goStart: (ev, g, p) => (fast++, an.goStart(ev, g, p)),
    goUnblock: (ev, g) => (fast++, an.goUnblock(ev, g)),
    goStop: (ev, g, to, reason, stack) => (fast++, an.goStop(ev, g, to, reason, stack)),
  };
  const res = parseTrace(data, tables, counting);
  return { report: an.report(res.goVersion, res.warnings, res.durationNs, OPTS), fast };
}

describe('trace reader fast path (GoTransitionSink)', () => {
  it('is offered by the starvation analysis and not by a plain visitor', () => {
    assert.equal(isGoTransitionSink(new StarvationAnalyzer(new TraceTables())), true);
    assert.equal(isGoTransitionSink({ event: () => undefined }), false);
  });

  const files = v2Traces();
  it('has recorded traces to compare', () => assert.ok(files.length >= 8, files.join(', ')));

  for (const file of files) {
    const name = file.slice(TRACES.length + 1);
    it(`${name}: same report through the fast path, whole, cut and damaged`, () => {
      const data = readFileSync(file);
      const whole = fastReport(data);
      assert.ok(whole.fast > 100, `only ${whole.fast} transitions took the fast path`);
      assert.deepEqual(whole.report, slowReport(data));
      const r = rng(data.length);
      for (let k = 0; k < 12; k++) {
        const cut = data.subarray(0, 16 + Math.floor(r() * (data.length - 16)));
        assert.deepEqual(fastReport(cut).report, slowReport(cut), `cut at ${cut.length}`);
        const bad = Buffer.from(data);
        for (let j = 0; j < 3; j++) bad[16 + Math.floor(r() * (bad.length - 16))] = Math.floor(r() * 256);
        assert.deepEqual(fastReport(bad).report, slowReport(bad), `damaged copy ${k}`);
      }
    });
  }
});
