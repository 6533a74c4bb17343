// top() against the real `go tool pprof -top` on recorded profiles, plus the findings the generator plants.
import assert from 'node:assert/strict';
import { type AnoleError } from '../../src/core/errors';
import { type Profile, type TopOptions, type TopRow, frameIndex, loadProfile, selectSampleType, top } from '../../src/core/pprof';
import { GEN_FILE, GO_VERSIONS, OLD_GO, fixture, goToolPprofTop, markLine } from '../fixtures/profiles/fixtures';

const NODES = 15;

/** Runs go tool pprof and our top() on one file and asserts the rows agree in names and values. */
async function crossCheck(file: string, args: string[], opts: TopOptions, go = 'go'): Promise<void> {
  const p = await loadProfile(file);
  const ours = top(p, opts);
  const theirs = await goToolPprofTop(file, ours.sampleType.unit, [`-nodecount=${NODES}`, ...args], go);
  assert.equal(ours.total, theirs.total, 'total');
  const key = (r: { function: string; file?: string; line?: number | null }) =>
    opts.by === 'line' ? `${r.function} ${r.file}:${r.line}` : r.function;
  const mine = new Map(ours.rows.map((r) => [key(r), r]));
  const shown = theirs.rows.filter((r) => r.flat !== 0 || r.cum !== 0);
  assert.ok(shown.length > 0, `go tool pprof showed rows:\n${theirs.text}`);
  for (const r of shown) {
    const m = mine.get(key(r));
    assert.ok(m, `go tool pprof row "${r.name}" is missing from ours`);
    assert.equal(m.flat, r.flat, `flat of ${r.name}`);
    assert.equal(m.cum, r.cum, `cum of ${r.name}`);
  }
  // Same order of magnitude, row by row (ties may be ordered differently, values may not).
  const field = opts.sort === 'cum' ? 'cum' : 'flat';
  assert.deepEqual(
    ours.rows.slice(0, shown.length).map((r) => r[field]),
    shown.map((r) => r[field]),
    `${field} column in order`,
  );
}

function row(rows: TopRow[], fn: string, line?: number): TopRow {
  const r = rows.find((x) => x.function === fn && (line === undefined || x.line === line));
  assert.ok(r, `no row for ${fn}${line ? `:${line}` : ''}`);
  return r;
}

describe('pprof top() matches go tool pprof -top', function () {
  this.timeout(120_000);
  for (const v of GO_VERSIONS) {
    const cases: [string, string[], TopOptions][] = [
      ['cpu', [], {}],
      ['cpu', ['-cum'], { sort: 'cum' }],
      ['cpu', ['-lines'], { by: 'line' }],
      ['cpu', ['-sample_index=samples'], { sampleType: 'samples' }],
      ['heap', [], {}],
      ['heap', ['-lines', '-sample_index=alloc_space'], { by: 'line', sampleType: 'alloc_space' }],
      ['allocs', [], {}],
      ['allocs', ['-sample_index=alloc_objects', '-cum'], { sampleType: 'alloc_objects', sort: 'cum' }],
      ['mutex', ['-lines'], { by: 'line' }],
      ['mutex', ['-sample_index=contentions'], { sampleType: 'contentions' }],
      ['block', ['-lines'], { by: 'line' }],
      ['goroutine', ['-lines'], { by: 'line' }],
    ];
    for (const [kind, args, opts] of cases) {
      it(`${v}/${kind} ${args.join(' ') || '(defaults)'}`, () => crossCheck(fixture(v, kind), args, opts));
    }
  }
  it('go1.19/cpu -lines, with Go 1.19’s own pprof', () => crossCheck(fixture('go1.19', 'cpu'), ['-lines'], { by: 'line' }, OLD_GO));
  it('go1.19/heap, with Go 1.19’s own pprof', () => crossCheck(fixture('go1.19', 'heap'), [], {}, OLD_GO));
});

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
