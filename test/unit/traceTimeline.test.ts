// The trace viewer's timeline index on recorded tracesvc traces (Go 1.26 and Go 1.19): lanes per P and per goroutine
// group, window queries sorted, clipped and bounded, and running time per P lane equal to the starvation report's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTrace, starvationReport } from '../../src/core/trace';

const DIR = join(__dirname, '..', 'fixtures', 'traces');

for (const v of ['go1.26', 'go1.19']) {
  describe(`trace timeline (${v} tracesvc.trace)`, () => {
    const data = readFileSync(join(DIR, v, 'tracesvc.trace'));
    const { report, timeline } = analyzeTrace(data);
    const pLanes = timeline.lanes.filter((l) => l.kind === 'p');
    const groupLane = (fn: string) => timeline.lanes.find((l) => l.kind === 'group' && l.label === fn);

    it('builds the same report as starvationReport on the same parse', () => {
      assert.deepEqual(report, starvationReport(data));
    });

    it('has a lane per P, per known goroutine group, and GC and STW lanes', () => {
      assert.equal(pLanes.length, report.gomaxprocs);
      assert.deepEqual(pLanes.map((l) => l.label), pLanes.map((_, i) => `P${i}`));
      for (const fn of ['main.cpuHog', 'main.(*tickLoop).run', 'main.locker', 'main.chanConsumer', 'main.selectWaiter']) {
        assert.ok(groupLane(fn), `no lane for ${fn}: ${timeline.lanes.map((l) => l.label).join(', ')}`);
      }
      assert.ok(timeline.lanes.some((l) => l.id === 'gc') && timeline.lanes.some((l) => l.id === 'stw'));
      assert.ok(timeline.spansIn('gc', 0, report.durationNs, 1).length > 0, 'the fixture runs GC (GOGC=10) but the GC lane is empty');
    });

    it('puts each P lane\'s running time equal to the report\'s total running time', () => {
      const perP = pLanes.reduce((s, _, i) => s + timeline.runningNsOfP(i), 0);
      const reported = report.groups.reduce((s, g) => s + g.runningNs, 0);
      assert.ok(Math.abs(perP - reported) <= reported * 0.001 + 1000, `P lanes ${perP} ns vs report ${reported} ns`);
      // Summed over a whole-trace query at fine resolution, the busy time is the same.
      const busy = pLanes.reduce((s, l) => s + timeline.spansIn(l.id, 0, report.durationNs, 1, 1e9).reduce((x, sp) => x + sp.busyNs!, 0), 0);
      assert.ok(Math.abs(busy - reported) <= reported * 0.001 + 1000, `queried busy ${busy} ns vs report ${reported} ns`);
      // Zoomed out (answered from the lanes' overview), the merged spans still add up to the same busy time.
      const coarse = pLanes.reduce((s, l) => s + timeline.spansIn(l.id, 0, report.durationNs, report.durationNs / 300).reduce((x, sp) => x + sp.busyNs!, 0), 0);
      assert.ok(Math.abs(coarse - reported) <= reported * 0.001 + 1000, `zoomed-out busy ${coarse} ns vs report ${reported} ns`);
    });

    it('answers a window with sorted spans inside it, merged to a bounded count', () => {
      const from = report.durationNs * 0.25;
      const to = report.durationNs * 0.75;
      const width = 800;
      for (const lane of timeline.lanes) {
        const spans = timeline.spansIn(lane.id, from, to, (to - from) / width);
        assert.ok(spans.length <= 2 * width + 2, `${lane.label}: ${spans.length} spans for ${width} px`);
        let last = from;
        for (const sp of spans) {
          assert.ok(sp.s >= last && sp.e > sp.s && sp.e <= to, `${lane.label}: span [${sp.s}, ${sp.e}] after ${last} in [${from}, ${to}]`);
          last = sp.e;
        }
        const capped = timeline.spansIn(lane.id, 0, report.durationNs, 1, 50);
        assert.ok(capped.length <= 50, `${lane.label}: cap 50 gave ${capped.length}`);
      }
      const hog = groupLane('main.cpuHog')!;
      const fine = timeline.spansIn(hog.id, 0, report.durationNs, 1, 1e9);
      const coarse = timeline.spansIn(hog.id, 0, report.durationNs, report.durationNs / 100);
      assert.ok(coarse.length < fine.length && coarse.length <= 202, `coarse ${coarse.length} vs fine ${fine.length}`);
      assert.ok(coarse.some((sp) => sp.n > 1), 'nothing merged at 1/100 of the trace per pixel');
      assert.ok(fine.some((sp) => (sp.rbl ?? 0) > 0), 'cpu hogs never runnable (GOMAXPROCS 2, 3 hogs)');
    });

    it('gives group spans the source site of their waits, and P spans their goroutine and group', () => {
      const tick = groupLane('main.(*tickLoop).run')!;
      const spans = timeline.spansIn(tick.id, 0, report.durationNs, 1, 1e9);
      const files = new Set(spans.map((sp) => timeline.site(sp.site ?? 0)).filter((s) => s !== undefined).map((s) => `${s.function} ${s.file.split('/').pop()}`));
      assert.ok([...files].some((f) => f.startsWith('main.(*tickLoop).run waits.go')), `tick sites: ${[...files].join(', ')}`);
      const groupIds = new Set(timeline.lanes.filter((l) => l.kind === 'group').map((l) => Number(l.id.slice(1))));
      const run = timeline.spansIn('p0', 0, report.durationNs, 1, 1e9);
      assert.ok(run.length > 0 && run.every((sp) => sp.g !== undefined && sp.g >= 0 && groupIds.has(sp.group!)));
    });

    it('expands a group lane to one lane per goroutine whose running time adds up to the group\'s', () => {
      const hog = groupLane('main.cpuHog')!;
      const rep = report.groups.find((g) => g.function === 'main.cpuHog')!;
      assert.equal(hog.goroutines, rep.count);
      const { lanes, hidden } = timeline.goroutinesIn(hog.id, 0, report.durationNs, 1, 50, 1e9);
      assert.equal(hidden, 0);
      assert.equal(lanes.length, rep.count, `${lanes.length} goroutine lanes for ${rep.count} hogs`);
      assert.deepEqual(lanes.map((l) => l.g), [...lanes.map((l) => l.g)].sort((a, b) => a - b), 'lanes by goroutine id');
      // The goroutines the P lanes ran for this group are the expanded ones.
      const ran = new Set(pLanes.flatMap((_, i) => timeline.spansIn(`p${i}`, 0, report.durationNs, 1, 1e9)).filter((sp) => `g${sp.group}` === hog.id).map((sp) => sp.g));
      assert.deepEqual([...ran].sort((a, b) => a! - b!), lanes.map((l) => l.g));
      let running = 0;
      for (const l of lanes) {
        let last = 0;
        for (const sp of l.spans) {
          assert.ok(sp.s >= last && sp.e > sp.s, `G${l.g}: [${sp.s}, ${sp.e}] after ${last}`);
          assert.ok((sp.run ?? 0) + (sp.rbl ?? 0) + (sp.blk ?? 0) >= 1, `G${l.g}: a span in no state`);
          assert.ok(sp.busyNs! >= 0 && sp.busyNs! <= sp.e - sp.s + 1e-6 && (sp.run || sp.busyNs === 0), `G${l.g}: busy ${sp.busyNs} in [${sp.s}, ${sp.e}]`);
          last = sp.e;
          running += sp.busyNs!;
        }
      }
      assert.ok(Math.abs(running - rep.runningNs) <= rep.runningNs * 0.001 + 1000, `goroutine lanes ${running} ns running vs report ${rep.runningNs} ns`);
      assert.ok(lanes.some((l) => l.spans.some((sp) => sp.rbl)), 'no hog ever runnable (GOMAXPROCS 2, 3 hogs)');
      // Capped: the lowest ids, the rest counted as hidden.
      const two = timeline.goroutinesIn(hog.id, 0, report.durationNs, 1, 2, 1e9);
      assert.deepEqual([two.lanes.map((l) => l.g), two.hidden], [lanes.slice(0, 2).map((l) => l.g), lanes.length - 2]);
    });

    it('gives goroutine spans their sites, merged to the pixels and clipped to the window', () => {
      const tick = groupLane('main.(*tickLoop).run')!;
      const from = report.durationNs * 0.25;
      const to = report.durationNs * 0.75;
      const width = 400;
      const { lanes } = timeline.goroutinesIn(tick.id, from, to, (to - from) / width, 50, 2 * width + 2);
      assert.equal(lanes.length, 1);
      const spans = lanes[0].spans;
      assert.ok(spans.length > 0 && spans.length <= 2 * width + 2, `${spans.length} spans for ${width} px`);
      assert.ok(spans.every((sp) => sp.s >= from && sp.e <= to), 'clipped to the window');
      assert.ok(spans.some((sp) => sp.n > 1), 'nothing merged at 400 px');
      const sites = spans.map((sp) => timeline.site(sp.site ?? 0)).filter((x) => x !== undefined);
      assert.ok(sites.some((x) => x.function === 'main.(*tickLoop).run' && x.file.endsWith('waits.go')), JSON.stringify(sites.slice(0, 3)));
      assert.deepEqual(timeline.goroutinesIn('p0', 0, report.durationNs, 1, 50), { lanes: [], hidden: 0 });
      assert.deepEqual(timeline.goroutinesIn('g99999', 0, report.durationNs, 1, 50), { lanes: [], hidden: 0 });
    });

    it('answers nothing for an unknown lane or an empty window', () => {
      assert.deepEqual(timeline.spansIn('p99', 0, report.durationNs, 1), []);
      assert.deepEqual(timeline.spansIn('p0', 5, 5, 1), []);
      assert.deepEqual(timeline.spansIn('p0', report.durationNs + 1, report.durationNs + 100, 1), []);
    });
  });
}
