// Our pprof analysis against the real `go tool pprof` on the recorded profiles: top tables, lock sites, and Compare Profiles (-diff_base).
import assert from 'node:assert/strict';
import { type TopOptions, loadProfile, lockSites, top } from '../../src/core/pprof';
import { topRows } from '../../src/server/features';
import { ProfileStore } from '../../src/server/store';
import { buildMapping } from '../../src/server/workspace';
import { FIXTURES, GO_VERSIONS, OLD_GO, fixture, goToolPprofTop, markLine } from '../fixtures/profiles/fixtures';

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


describe('pprof lockSites matches go tool pprof', function () {
  this.timeout(60_000);
  for (const v of GO_VERSIONS) {
    it(`${v}: the Unlock line's cum in go tool pprof is the delay charged to it, and its contentions`, async () => {
      const file = fixture(v, 'mutex');
      const report = lockSites(await loadProfile(file), { kind: 'mutex' });
      const first = report.rows[0];
      assert.deepEqual([first.function, first.line], ['main.lockedWork', markLine('unlock')]);
      const pprof = await goToolPprofTop(file, 'nanoseconds', ['-lines', '-nodecount=50']);
      assert.equal(report.totalDelay, pprof.total);
      const unlock = pprof.rows.find((r) => r.function === 'main.lockedWork' && r.line === markLine('unlock'));
      assert.equal(unlock?.cum, first.delay);
      const byContentions = await goToolPprofTop(file, 'count', ['-lines', '-nodecount=50', '-sample_index=contentions']);
      assert.equal(byContentions.rows.find((r) => r.function === 'main.lockedWork')?.cum, first.contentions);
    });
  }
});

describe('Compare Profiles matches go tool pprof -diff_base', function () {
  this.timeout(60_000);
  const genDir = `${FIXTURES}/gen`;
  for (const by of ['line', 'function'] as const) {
    it(`top table by ${by}: the changes go tool pprof -diff_base reports (Go 1.19 → 1.26 CPU)`, async () => {
      const { mapper } = buildMapping({ folders: [genDir], substitutions: [] });
      const store = new ProfileStore(mapper, { minPercent: 1, lensMinPercent: 2 });
      const { entry: base } = await store.load({ path: fixture('go1.19', 'cpu'), replace: false });
      const { entry: next } = await store.load({ path: fixture('go1.26', 'cpu'), replace: false });
      const res = topRows(next, { id: next.id, by, baseId: base.id, limit: 100_000 }, (f) => mapper.map(f), base);
      const theirs = await goToolPprofTop(fixture('go1.26', 'cpu'), res.sampleType.unit,
        ['-nodecount=40', `-diff_base=${fixture('go1.19', 'cpu')}`, ...(by === 'line' ? ['-lines'] : [])]);
      const key = (r: { function: string; file?: string; line?: number | null }) => (by === 'line' ? `${r.function} ${r.file}:${r.line}` : r.function);
      const ours = new Map(res.rows.map((r) => [key(r), r]));
      const baseRows = new Map(topRows(base, { id: base.id, by, limit: 100_000 }, () => null).rows.map((r) => [key(r), r]));
      const shown = theirs.rows.filter((r) => r.flat !== 0 || r.cum !== 0);
      assert.ok(shown.length >= 5 && shown.some((r) => r.flat < 0) && shown.some((r) => r.flat > 0), theirs.text);
      for (const r of shown) {
        const m = ours.get(key(r));
        assert.ok(m, `go tool pprof row "${r.name}" is missing`);
        assert.deepEqual([m.flat, m.cum], [r.flat, r.cum], `flat and cum change of ${r.name}`);
        assert.equal(m.baseFlat, baseRows.get(key(r))?.flat ?? 0, `base flat of ${r.name}`);
        assert.equal(m.flatPercent, (100 * m.flat) / res.total);
      }
    });
  }
});
