// The viewer's progressive read of a trace: a generation per step, a timeline of the range read so far after the first one,
// and at the end the same report and timeline as a whole-trace parse (so the first paint does not wait for the whole file).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressiveTrace, analyzeTrace, starvationReport } from '../../src/core/trace';
import { F64 } from '../../src/core/trace/columns';

const DIR = join(__dirname, '..', 'fixtures', 'traces');

describe('progressive trace read (viewer)', () => {
  it('draws the time read so far after the first generation, then ends with the whole-trace report and timeline (go1.26)', () => {
    const data = readFileSync(join(DIR, 'go1.26', 'tracesvc.trace'));
    const whole = analyzeTrace(data);
    const pt = new ProgressiveTrace(data, { report: true, reportOptions: { histograms: true } });
    assert.equal(pt.snapshot(), undefined, 'nothing to draw before the first step');
    assert.equal(pt.step(), true);
    const first = pt.snapshot()!;
    const p1 = pt.progress;
    assert.ok(first, 'a timeline after the first generation');
    assert.ok(!p1.done && p1.fraction > 0 && p1.fraction < 1, JSON.stringify(p1));
    assert.ok(first.durationNs === p1.parsedNs && p1.parsedNs > 0 && p1.parsedNs < whole.timeline.durationNs, `${p1.parsedNs} of ${whole.timeline.durationNs}`);
    const drawn = first.lanes.filter((l) => first.spansIn(l.id, 0, first.durationNs, first.durationNs / 800).length > 0);
    assert.ok(drawn.some((l) => l.kind === 'p') && drawn.some((l) => l.kind === 'group'), drawn.map((l) => l.id).join(','));
    let steps = 1;
    let last = p1;
    while (pt.step()) {
      steps++;
      assert.ok(pt.progress.fraction >= last.fraction && pt.progress.parsedNs >= last.parsedNs, 'progress never goes back');
      last = pt.progress;
    }
    assert.ok(steps >= 2, `${steps} generation(s)`);
    assert.ok(pt.progress.done && pt.progress.fraction === 1);
    assert.equal(pt.snapshot(), pt.timeline);
    assert.deepEqual(pt.report, starvationReport(data, { histograms: true }));
    assert.deepEqual(pt.timeline!.lanes, whole.timeline.lanes);
    for (const l of whole.timeline.lanes) {
      assert.deepEqual(pt.timeline!.spansIn(l.id, 0, whole.timeline.durationNs, 1e6), whole.timeline.spansIn(l.id, 0, whole.timeline.durationNs, 1e6), l.id);
    }
    assert.equal(pt.step(), false);
  });

  it('reads an old-format trace (no generations) in one step, then finishes its timeline a lane per step (go1.19)', () => {
    const data = readFileSync(join(DIR, 'go1.19', 'tracesvc.trace'));
    const pt = new ProgressiveTrace(data, { report: false });
    assert.equal(pt.step(), true);
    assert.equal(pt.progress.fraction, 1, 'the whole file is read in the first step');
    let finishing = 0;
    while (pt.step()) {
      finishing++;
      assert.ok(!pt.progress.done && pt.timeline === undefined && pt.snapshot() === undefined, 'nothing to draw until the timeline is finished');
    }
    assert.ok(finishing >= 2, `${finishing} finishing step(s)`);
    assert.ok(pt.progress.done && pt.timeline && pt.report === undefined);
    assert.deepEqual(pt.timeline.lanes, analyzeTrace(data).timeline.lanes);
  });

  it('ends with the whole-trace timeline when the view asks for one after every generation (go1.25 flight)', () => {
    const data = readFileSync(join(DIR, 'go1.25', 'flight.trace'));
    const whole = analyzeTrace(data).timeline;
    const pt = new ProgressiveTrace(data, { report: false });
    let snapshots = 0;
    while (pt.step()) if (pt.snapshot()) snapshots++;
    assert.ok(snapshots >= 2, `${snapshots} snapshot(s)`);
    assert.deepEqual(pt.timeline!.lanes, whole.lanes);
    for (const l of whole.lanes) {
      assert.deepEqual(pt.timeline!.spansIn(l.id, 0, whole.durationNs, 1e6), whole.spansIn(l.id, 0, whole.durationNs, 1e6), l.id);
    }
  });

  it('pauses inside a generation every sliceEvents events: the snapshot stays that of the last whole generation, answers in between, and the result is the same', () => {
    const data = readFileSync(join(DIR, 'go1.26', 'tracesvc.trace'));
    const whole = analyzeTrace(data);
    const sliced = new ProgressiveTrace(data, { report: true, reportOptions: { histograms: true }, sliceEvents: 50, snapshotSpacing: 0 });
    const byGeneration = new ProgressiveTrace(data, { report: false });
    let generations = 0;
    while (byGeneration.step()) generations++;
    let steps = 0;
    let partial = 0;
    let parsedNs = 0;
    let last: ReturnType<ProgressiveTrace['snapshot']>;
    while (sliced.step()) {
      steps++;
      const p = sliced.progress;
      const snap = sliced.snapshot();
      if (p.parsedNs === 0) {
        assert.equal(snap, undefined, 'nothing to draw inside the first generation');
        partial++;
        continue;
      }
      assert.ok(snap);
      if (p.parsedNs === parsedNs) {
        // A pause inside a generation (or the step that built the snapshot asked for): the last whole generation's timeline.
        partial++;
        assert.equal(snap.durationNs, parsedNs, 'the snapshot of the last whole generation');
        if (last?.durationNs === parsedNs) assert.equal(snap, last, 'the same snapshot until the next generation ends');
      } else {
        // A generation ended: the answer is at once, with the previous generation's timeline (the first time: this
        // one's); the next step builds this one.
        assert.equal(snap.durationNs, last ? last.durationNs : p.parsedNs, 'a new generation answers with the last snapshot');
        parsedNs = p.parsedNs;
      }
      for (const l of snap.lanes) {
        for (const sp of snap.spansIn(l.id, 0, snap.durationNs, snap.durationNs / 400)) assert.ok(sp.e <= snap.durationNs, `${l.id}: a span past the snapshot's end`);
      }
      last = snap;
    }
    assert.ok(partial > steps / 2 && steps > generations, `${steps} steps, ${partial} of them inside a generation, ${generations} generation(s)`);
    assert.deepEqual(sliced.report, starvationReport(data, { histograms: true }));
    assert.deepEqual(sliced.timeline!.lanes, whole.timeline.lanes);
    for (const l of whole.timeline.lanes) {
      assert.deepEqual(sliced.timeline!.spansIn(l.id, 0, whole.timeline.durationNs, 1e6), whole.timeline.spansIn(l.id, 0, whole.timeline.durationNs, 1e6), l.id);
    }
  });

  it('finishes the timeline a lane per step once all is parsed, the last snapshot answering meanwhile (go1.26)', () => {
    const data = readFileSync(join(DIR, 'go1.26', 'tracesvc.trace'));
    const pt = new ProgressiveTrace(data, { report: true });
    let same = 0;
    let prev: ReturnType<ProgressiveTrace['snapshot']>;
    while (pt.step()) {
      const snap = pt.snapshot();
      same = snap !== undefined && snap === prev ? same + 1 : 0;
      prev = snap;
      assert.equal(pt.timeline, undefined, 'no finished timeline before the last step');
    }
    // Closing the lanes, trimming each P's and group's columns, each lane's overview: a step each.
    const lanes = pt.timeline!.lanes.length;
    assert.ok(same >= lanes, `the last ${same} steps kept the same snapshot (${lanes} lanes)`);
    assert.equal(pt.snapshot(), pt.timeline);
    assert.notEqual(pt.timeline, prev);
  });

  it('rebuilds a snapshot no sooner than snapshotSpacing times its cost after the last (a huge spacing: only the first, then the finished timeline)', () => {
    const data = readFileSync(join(DIR, 'go1.26', 'tracesvc.trace'));
    const pt = new ProgressiveTrace(data, { report: false, snapshotSpacing: 1e12 });
    pt.step();
    const first = pt.snapshot();
    assert.ok(first);
    let more = false;
    while (pt.step()) {
      if (pt.progress.parsedNs > first.durationNs) more = true;
      if (!pt.progress.done) assert.equal(pt.snapshot(), first);
    }
    assert.ok(more, 'more generations came after the first snapshot');
    assert.equal(pt.snapshot(), pt.timeline);
  });

  it('keeps what a lane gets after it was empty at a snapshot (e.g. no GC in the first generation)', () => {
    const c = new F64();
    c.trim();
    c.push(5);
    c.push(6);
    assert.deepEqual([c.length, c.at(0), c.at(1)], [2, 5, 6]);
  });

  it('refuses a file that is not a trace on the first step', () => {
    const pt = new ProgressiveTrace(new TextEncoder().encode('not a trace at all, just text'), { report: true });
    assert.throws(() => pt.step(), /not a Go execution trace/);
  });
});
