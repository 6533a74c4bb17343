// Expanding a goroutine group lane (timelineQuery): which goroutines get a lane in a window, and one goroutine's
// steps merged to the pixels with the states they had, the running time and the longest step's site.
import assert from 'node:assert/strict';
import { F64, I8 } from '../../src/core/trace/columns';
import { type GoroutineSteps, pickGoroutines, queryGoroutine } from '../../src/core/trace/timelineQuery';

/** A goroutine lane from [t, slot] steps (slot -1: gone). */
function lane(g: number, steps: Array<[number, number]>): GoroutineSteps {
  const t = new F64(4);
  const slot = new I8(4);
  for (const [ti, si] of steps) {
    t.push(ti);
    slot.push(si);
  }
  return { g, t, slot };
}

describe('trace timeline: goroutine lanes of an expanded group', () => {
  // G7 runs 0–10, blocks until 100 and exits; G3 is blocked 50–200 and exits; G9 lives 300–400; G5 has one open step.
  const g7 = lane(7, [[0, 0], [10, 2], [100, -1]]);
  const g3 = lane(3, [[50, 2], [200, -1]]);
  const g9 = lane(9, [[300, 1], [310, 0], [400, -1]]);
  const g5 = lane(5, [[20, 0]]);
  const all = [g7, g3, g9, g5];
  const ids = (r: { shown: GoroutineSteps[] }) => r.shown.map((l) => l.g);

  it('gives a lane to the goroutines alive in the window, lowest id first, and counts the ones over the cap', () => {
    assert.deepEqual(ids(pickGoroutines(all, 0, 1000, 50)), [3, 7, 9]);
    assert.deepEqual(ids(pickGoroutines(all, 60, 120, 50)), [3, 7]);
    assert.deepEqual(ids(pickGoroutines(all, 100, 300, 50)), [3], 'G7 exited at 100, G9 starts at 300');
    assert.deepEqual(ids(pickGoroutines(all, 500, 900, 50)), []);
    const capped = pickGoroutines(all, 0, 1000, 2);
    assert.deepEqual([ids(capped), capped.hidden], [[3, 7], 1]);
    assert.deepEqual([ids(pickGoroutines(all, 0, 1000, 0)), pickGoroutines(all, 0, 1000, 0).hidden], [[], 3]);
  });

  it('leaves a lane\'s exit gap out and keeps its steps apart when they are wider than a pixel', () => {
    const spans = queryGoroutine(g9, 0, 1000, 1, 100, (k) => 100 + k);
    assert.deepEqual(spans, [
      { s: 300, e: 310, n: 1, busyNs: 0, run: 0, rbl: 1, blk: 0, site: 100 },
      { s: 310, e: 400, n: 1, busyNs: 90, run: 1, rbl: 0, blk: 0, site: 101 },
    ]);
    // Clipped to the window.
    assert.deepEqual(queryGoroutine(g7, 5, 50, 1, 100, () => 0).map((sp) => [sp.s, sp.e, sp.run, sp.blk]), [[5, 10, 1, 0], [10, 50, 0, 1]]);
  });

  it('merges steps narrower than a pixel: the states they had, the time running, the longest one\'s site', () => {
    // 1000 alternations of 1 ns running and 2 ns runnable, then a 5 ns block.
    const steps: Array<[number, number]> = [];
    for (let i = 0; i < 1000; i++) steps.push([3 * i, 0], [3 * i + 1, 1]);
    steps.push([3000, 2], [3005, -1]);
    const g = lane(1, steps);
    const sites: number[] = [];
    const spans = queryGoroutine(g, 0, 3005, 100, 1000, (k) => (sites.push(k), k % 2 ? 2 : 1));
    assert.ok(spans.length >= 15 && spans.length <= 62, `${spans.length} spans for ~30 px`);
    assert.ok(spans.every((sp) => sp.n > 1 && sp.run === 1 && sp.e - sp.s <= 200), JSON.stringify(spans[0]));
    const busy = spans.reduce((x, sp) => x + sp.busyNs!, 0);
    assert.equal(busy, 1000, 'every running ns counted once');
    assert.ok(spans.slice(0, -1).every((sp) => sp.site === 2), 'the longest merged step (runnable, 2 ns) names the site');
    assert.equal(sites.length, spans.length, 'sites looked up only for the spans returned');
    assert.equal(spans.at(-1)!.blk, 1, 'the block at the end is in the last span');
    // At most `max` spans: coarser pixels until they fit.
    assert.ok(queryGoroutine(g, 0, 3005, 1, 10, () => 0).length <= 10);
  });
});
