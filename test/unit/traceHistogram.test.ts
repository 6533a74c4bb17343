// Per-group runnable-wait histograms of the starvation report (the Starvation tab draws them): log2 buckets that count every
// runnable wait once and agree with the report's percentiles, asked for by the viewer only (the CLI's JSON keeps its shape).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { starvationReport } from '../../src/core/trace';
import { Hist } from '../../src/core/trace/hist';

const DIR = join(__dirname, '..', 'fixtures', 'traces');

describe('runnable-wait histograms', () => {
  it('coarsens to one bucket per power of two, trimmed to the non-empty range', () => {
    const h = new Hist();
    for (const ns of [0, 5, 1500, 1600, 3000, 1_000_000, 2 ** 33]) h.add(ns);
    const { fromExp, counts } = h.log2();
    assert.equal(fromExp, 0);
    const at = (ns: number) => counts[Math.floor(Math.log2(Math.max(1, ns))) - fromExp];
    assert.equal(at(5), 1);
    assert.equal(at(1500), 2, '1500 and 1600 ns share [1024, 2048)');
    assert.equal(at(3000), 1);
    assert.equal(at(1_000_000), 1);
    assert.equal(counts[counts.length - 1], 1, 'the 2^33 ns wait is the last bucket');
    assert.equal(counts.reduce((a, b) => a + b, 0), 7);
    assert.deepEqual(new Hist().log2(), { fromExp: 0, counts: [] });
  });

  for (const v of ['go1.26', 'go1.19']) {
    it(`counts each group's runnable waits once, around its percentiles (${v} tracesvc.trace)`, () => {
      const data = readFileSync(join(DIR, v, 'tracesvc.trace'));
      const plain = starvationReport(data);
      assert.ok(plain.groups.every((g) => g.runnableHist === undefined), 'the CLI report gained a field');
      const r = starvationReport(data, { histograms: true });
      const tick = r.groups.find((g) => g.function === 'main.(*tickLoop).run');
      assert.ok(tick && tick.runnableCount > 10, 'the starved tick loop has runnable waits');
      for (const g of r.groups) {
        const h = g.runnableHist!;
        assert.ok(h, `${g.function} has no histogram`);
        assert.equal(h.counts.reduce((a, b) => a + b, 0), g.runnableCount, `${g.function}: histogram total vs runnableCount`);
        if (g.runnableCount === 0) continue;
        assert.ok(h.counts[0] > 0 && h.counts[h.counts.length - 1] > 0, `${g.function}: untrimmed ${JSON.stringify(h)}`);
        // The max wait lies in the last bucket; the median's bucket holds at least one wait.
        const top = h.fromExp + h.counts.length - 1;
        assert.ok(g.runnableMaxNs >= 2 ** top * 0.98 && g.runnableMaxNs < 2 ** (top + 1) * 1.02, `${g.function}: max ${g.runnableMaxNs} outside bucket 2^${top}`);
        const med = Math.floor(Math.log2(Math.max(1, g.runnableP50Ns))) - h.fromExp;
        assert.ok(h.counts[Math.min(h.counts.length - 1, Math.max(0, med))] > 0 || g.runnableP50Ns === 2 ** (med + h.fromExp), `${g.function}: p50 bucket empty`);
      }
      // Same report otherwise.
      assert.deepEqual(r.groups.map(({ runnableHist: _h, ...rest }) => rest), plain.groups);
    });
  }
});
