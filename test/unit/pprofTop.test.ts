// top() on recorded profiles: the findings the generator plants, and sample type selection (test/integration/pprofGoTool.test.ts checks it against go tool pprof).
import assert from 'node:assert/strict';
import { type AnoleError } from '../../src/core/errors';
import { type Profile, type TopRow, frameIndex, loadProfile, selectSampleType, top } from '../../src/core/pprof';
import { GEN_FILE, GO_VERSIONS, fixture, markLine } from '../fixtures/profiles/fixtures';

function row(rows: TopRow[], fn: string, line?: number): TopRow {
  const r = rows.find((x) => x.function === fn && (line === undefined || x.line === line));
  assert.ok(r, `no row for ${fn}${line ? `:${line}` : ''}`);
  return r;
}

describe('pprof top() finds what the generator planted', () => {
  const hotBegin = markLine('hotLoop-begin');
  const hotEnd = markLine('hotLoop-end');

  for (const v of GO_VERSIONS) {
    let cpu: Profile;
    before(async () => {
      cpu = await loadProfile(fixture(v, 'cpu'));
    });

    it(`${v}: the hot function is top by flat, and its hot line is in its body`, () => {
      const byFn = top(cpu);
      assert.equal(byFn.rows[0].function, 'main.hotLoop');
      assert.equal(byFn.rows[0].file, GEN_FILE);
      assert.ok(byFn.rows[0].flatPercent > 30);
      const byLine = top(cpu, { by: 'line' });
      assert.equal(byLine.rows[0].function, 'main.hotLoop');
      assert.ok(byLine.rows[0].line! > hotBegin && byLine.rows[0].line! < hotEnd, `line ${byLine.rows[0].line}`);
    });

    it(`${v}: a recursive function counts once per sample in cum`, () => {
      const fib = row(top(cpu).rows, 'main.fib');
      // Count every fib frame of every sample: recursion makes that far larger than cum.
      const fi = frameIndex(cpu);
      const fibNode = fi.functions.findIndex((f) => f.name === 'main.fib');
      const { count, stackStart, stackLocs, values } = cpu.samples;
      let naive = 0;
      let containing = 0;
      for (let i = 0; i < count; i++) {
        let frames = 0;
        for (let k = stackStart[i]; k < stackStart[i + 1]; k++) {
          const l = stackLocs[k];
          for (let f = fi.locFrameStart[l]; f < fi.locFrameStart[l + 1]; f++) if (fi.frameFunc[f] === fibNode) frames++;
        }
        naive += frames * values[i * 2 + 1];
        if (frames > 0) containing += values[i * 2 + 1];
      }
      assert.equal(fib.cum, containing);
      assert.ok(naive > 3 * fib.cum, `naive ${naive} vs cum ${fib.cum}`);
      assert.ok(fib.cum <= top(cpu).total);
    });

    it(`${v}: an inlined function is a frame of its own, at its own line`, () => {
      const mix = row(top(cpu).rows, 'main.mix');
      assert.ok(mix.flat > 0);
      const line = row(top(cpu, { by: 'line' }).rows, 'main.mix');
      assert.equal(line.line, markLine('inline'));
      const caller = row(top(cpu, { by: 'line' }).rows, 'main.mixLoop', markLine('callmix'));
      assert.ok(caller.cum >= mix.cum);
    });

    it(`${v}: heap and allocs point at the allocating lines`, async () => {
      const heap = await loadProfile(fixture(v, 'heap'));
      assert.equal(top(heap).sampleType.type, 'inuse_space');
      assert.equal(top(heap, { by: 'line' }).rows[0].line, markLine('retain'));
      const allocs = await loadProfile(fixture(v, 'allocs'));
      const t = top(allocs, { by: 'line' });
      assert.equal(t.sampleType.type, 'alloc_space');
      assert.equal(t.rows[0].function, 'main.allocChurn');
      assert.equal(t.rows[0].line, markLine('churn'));
    });

    it(`${v}: the goroutine profile shows the parked goroutines`, async () => {
      const g = top(await loadProfile(fixture(v, 'goroutine')), { by: 'line' });
      assert.equal(row(g.rows, 'main.parked', markLine('park')).cum, 5);
    });
  }

  it('honours limit and reports how many rows there were', async () => {
    const t = top(await loadProfile(fixture('go1.26', 'cpu')), { limit: 3 });
    assert.equal(t.rows.length, 3);
    assert.ok(t.totalRows > 3);
    assert.ok(Math.abs(t.rows[0].flatPercent - (100 * t.rows[0].flat) / t.total) < 1e-9);
  });
});

describe('pprof selectSampleType', () => {
  let heap: Profile;
  let cpu: Profile;
  before(async () => {
    heap = await loadProfile(fixture('go1.26', 'heap'));
    cpu = await loadProfile(fixture('go1.26', 'cpu'));
  });

  it('defaults to the default sample type, else the last one', async () => {
    assert.equal(selectSampleType(heap).type, 'inuse_space');
    assert.equal(selectSampleType(cpu).type, 'cpu');
    assert.equal(selectSampleType(await loadProfile(fixture('go1.26', 'allocs'))).type, 'alloc_space');
  });

  it('selects by name, by index and by the legacy inuse_ prefix', () => {
    assert.deepEqual(selectSampleType(heap, 'alloc_space'), { index: 1, type: 'alloc_space', unit: 'bytes' });
    assert.equal(selectSampleType(cpu, 'samples').index, 0);
    assert.equal(selectSampleType(cpu, '1').type, 'cpu');
    assert.equal(selectSampleType(cpu, 0).type, 'samples');
    const legacy = { ...heap, sampleTypes: [{ type: 'objects', unit: 'count' }, { type: 'space', unit: 'bytes' }] };
    assert.equal(selectSampleType(legacy, 'inuse_space').type, 'space');
  });

  it('lists the available types when the wanted one is missing', () => {
    assert.throws(
      () => selectSampleType(cpu, 'delay'),
      (e: AnoleError) => e.code === 'BAD_INPUT' && /no sample type "delay"; available: samples, cpu/.test(e.message),
    );
    assert.throws(() => selectSampleType(cpu, 5), /out of range.*samples, cpu/);
  });
});
