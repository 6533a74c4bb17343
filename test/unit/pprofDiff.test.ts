// diff() on synthetic profiles with known deltas and on the two recorded CPU profiles.
import assert from 'node:assert/strict';
import { type AnoleError } from '../../src/core/errors';
import { type Profile, decodeProfile, diff, loadProfile, top } from '../../src/core/pprof';
import { fixture } from '../fixtures/profiles/fixtures';
import { type SynthProfile, encodeProfile } from '../fixtures/profiles/synth';

function cpuProfile(values: { a: number; b: number; c: number }, unit = 'nanoseconds', durationNanos?: number): Profile {
  const p: SynthProfile = {
    durationNanos,
    sampleTypes: [
      ['samples', 'count'],
      ['cpu', unit],
    ],
    functions: [
      { id: 1, name: 'main.a', file: 'a.go' },
      { id: 2, name: 'main.b', file: 'b.go' },
      { id: 3, name: 'main.c', file: 'c.go' },
      { id: 4, name: 'main.main', file: 'main.go' },
    ],
    locations: [
      { id: 1, lines: [[1, 10]] },
      { id: 2, lines: [[2, 20]] },
      { id: 3, lines: [[3, 30]] },
      { id: 4, lines: [[4, 5]] },
    ],
    samples: [
      { stack: [1, 4], values: [1, values.a] },
      { stack: [2, 4], values: [1, values.b] },
      { stack: [3, 4], values: [1, values.c] },
    ].filter((s) => s.values[1] !== 0),
  };
  return decodeProfile(encodeProfile(p));
}

describe('pprof diff', () => {
  const base = cpuProfile({ a: 10, b: 5, c: 0 });
  const next = cpuProfile({ a: 30, b: 0, c: 7 });

  it('ranks functions by the size of the change, with base, new and percent change', () => {
    const d = diff(base, next);
    assert.equal(d.sampleType.type, 'cpu');
    assert.deepEqual(
      d.rows.map((r) => [r.function, r.baseFlat, r.nextFlat, r.deltaFlat, r.flatChangePercent]),
      [
        ['main.a', 10, 30, 20, 200],
        ['main.c', 0, 7, 7, null],
        ['main.b', 5, 0, -5, -100],
        ['main.main', 0, 0, 0, null],
      ],
    );
    const main = d.rows.find((r) => r.function === 'main.main')!;
    assert.deepEqual([main.baseCum, main.nextCum, main.deltaCum, main.cumChangePercent], [15, 37, 22, (22 / 15) * 100]);
    assert.deepEqual([d.baseTotal, d.nextTotal], [15, 37]);
  });

  it('sorts by cum on request, limits, and works per line', () => {
    const byCum = diff(base, next, { sort: 'cum', limit: 2 });
    assert.deepEqual(
      byCum.rows.map((r) => r.function),
      ['main.main', 'main.a'],
    );
    assert.equal(byCum.totalRows, 4);
    const byLine = diff(base, next, { by: 'line' });
    assert.deepEqual([byLine.rows[0].function, byLine.rows[0].file, byLine.rows[0].line], ['main.a', 'a.go', 10]);
  });

  it('normalizes the base to the new total when asked', () => {
    const d = diff(base, next, { normalize: true });
    const a = d.rows.find((r) => r.function === 'main.a')!;
    assert.ok(Math.abs(a.baseFlat - (10 * 37) / 15) < 1e-9);
    assert.equal(d.baseTotal, d.nextTotal);
  });

  it('normalizes the base per second by the two durations, and names the profile that records none', () => {
    const b = cpuProfile({ a: 10, b: 5, c: 0 }, 'nanoseconds', 10e9);
    const n = cpuProfile({ a: 30, b: 0, c: 7 }, 'nanoseconds', 30e9);
    const d = diff(b, n, { normalize: 'per-second' });
    const a = d.rows.find((r) => r.function === 'main.a')!;
    // 10 in 10 s vs 30 in 30 s: the same rate.
    assert.equal(a.baseFlat, 30);
    assert.equal(a.deltaFlat, 0);
    assert.equal(d.baseTotal, 45);
    assert.deepEqual(diff(b, n, { normalize: 'total' }).rows.map((r) => r.baseFlat), diff(b, n, { normalize: true }).rows.map((r) => r.baseFlat));
    assert.deepEqual(diff(b, n, { normalize: 'none' }).rows, diff(b, n).rows);
    assert.throws(() => diff(base, n, { normalize: 'per-second' }), (e: AnoleError) =>
      e.code === 'BAD_INPUT' && /the base profile records no duration/.test(e.message) && /normalise by total instead/.test(e.oneLine));
    assert.throws(() => diff(base, next, { normalize: 'per-second' }), /the base and the new profiles record no duration/);
  });

  it('a profile against itself changes nothing', async () => {
    const cpu = await loadProfile(fixture('go1.26', 'cpu'));
    const d = diff(cpu, cpu, { by: 'line' });
    assert.ok(d.rows.length > 5);
    assert.ok(d.rows.every((r) => r.deltaFlat === 0 && r.deltaCum === 0 && (r.baseFlat === 0 ? r.flatChangePercent === null : r.flatChangePercent === 0)));
  });

  it('Go 1.19 vs Go 1.26 CPU profiles: flat deltas add up to the change of the total', async () => {
    const old = await loadProfile(fixture('go1.19', 'cpu'));
    const cur = await loadProfile(fixture('go1.26', 'cpu'));
    const d = diff(old, cur);
    const sum = d.rows.reduce((s, r) => s + r.deltaFlat, 0);
    assert.equal(sum, d.nextTotal - d.baseTotal);
    const hot = d.rows.find((r) => r.function === 'main.hotLoop')!;
    assert.equal(hot.baseFlat, top(old).rows.find((r) => r.function === 'main.hotLoop')!.flat);
    assert.ok(d.rows.every((r, i) => i === 0 || Math.abs(d.rows[i - 1].deltaFlat) >= Math.abs(r.deltaFlat)));
  });

  it('refuses profiles of different kinds or units with a clear error', async () => {
    const heap = await loadProfile(fixture('go1.26', 'heap'));
    const cpu = await loadProfile(fixture('go1.26', 'cpu'));
    assert.throws(
      () => diff(cpu, heap),
      (e: AnoleError) => e.code === 'BAD_INPUT' && /cannot compare the profiles: .*"inuse_space".*samples\/count, cpu\/nanoseconds/.test(e.message),
    );
    assert.throws(() => diff(base, next, { sampleType: 'alloc_space' }), /no sample type "alloc_space"/);
    assert.throws(() => diff(cpuProfile({ a: 1, b: 1, c: 1 }, 'microseconds'), next), /"cpu" is in microseconds in the base but in nanoseconds/);
  });
});
