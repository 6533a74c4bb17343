// encodeProfile round-trips through decodeProfile; mergeProfiles merges by line, tags replicas, refuses mixed kinds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AnoleError } from '../../src/core/errors';
import { type Profile, decodeProfile, sampleTotal, top } from '../../src/core/pprof';
import { encodeProfile } from '../../src/core/pprof/encode';
import { mergeProfiles } from '../../src/core/pprof/merge';
import { GO_VERSIONS, fixture } from '../fixtures/profiles/fixtures';

const KINDS = ['cpu', 'heap', 'allocs', 'goroutine', 'mutex', 'block'];

const load = (version: string, kind: string): Profile => decodeProfile(readFileSync(fixture(version, kind)), { labels: true });

/** Every sample as "frame;frame;... values labels", sorted: what a profile says, whatever its ids. */
function meaning(p: Profile): string[] {
  const out: string[] = [];
  const nt = p.sampleTypes.length;
  for (let i = 0; i < p.samples.count; i++) {
    const frames: string[] = [];
    for (let k = p.samples.stackStart[i]; k < p.samples.stackStart[i + 1]; k++) {
      const loc = p.locations[p.samples.stackLocs[k]];
      const m = p.mappings.find((x) => x.id === loc.mappingId);
      frames.push(loc.lines.map((l) => `${p.functions[l.function].name}@${p.functions[l.function].filename}:${l.line}`).join('|') +
        `#${loc.address.toString(16)}${m ? `/${m.filename}/${m.buildId}` : ''}`);
    }
    const labels = (p.samples.labels?.[i] ?? []).map((l) => `${l.key}=${l.str ?? `${l.num}${l.numUnit ?? ''}`}`).sort();
    out.push(`${frames.join(';')} ${Array.from(p.samples.values.subarray(i * nt, i * nt + nt)).join(',')} ${labels.join(',')}`);
  }
  return out.sort();
}

describe('pprof encode', () => {
  for (const version of GO_VERSIONS) {
    for (const kind of KINDS) {
      it(`round-trips the recorded ${version} ${kind} profile`, () => {
        const p = load(version, kind);
        const again = decodeProfile(encodeProfile(p), { labels: true });
        assert.deepEqual(again.warnings, []);
        assert.deepEqual(again.sampleTypes, p.sampleTypes);
        assert.equal(again.defaultSampleType, p.defaultSampleType);
        assert.deepEqual(again.periodType, p.periodType);
        assert.equal(again.period, p.period);
        assert.equal(again.durationNanos, p.durationNanos);
        assert.equal(again.timeNanos, p.timeNanos);
        assert.deepEqual(again.comments, p.comments);
        assert.deepEqual(meaning(again), meaning(p));
        assert.deepEqual(top(again, { by: 'line' }).rows, top(p, { by: 'line' }).rows);
      });
    }
  }

  it('writes negative values (a diff) and numeric labels exactly', () => {
    const p = load('go1.26', 'heap');
    p.samples.values[0] = -123456789012;
    p.samples.labels![0] = [{ key: 'bytes', num: -5, numUnit: 'bytes' }, { key: 'replica', str: 'a' }];
    const again = decodeProfile(encodeProfile(p, { gzip: false }), { labels: true });
    assert.equal(again.samples.values[0], -123456789012);
    assert.deepEqual(again.samples.labels![0], [{ key: 'bytes', num: -5, numUnit: 'bytes' }, { key: 'replica', str: 'a' }]);
  });
});

describe('pprof merge', () => {
  it('sums totals, keeps each replica\'s samples under a replica label', () => {
    const a = load('go1.26', 'cpu');
    const b = load('go1.26', 'cpu');
    const merged = mergeProfiles([{ name: 'a', profile: a }, { name: 'b', profile: b }]);
    const si = merged.sampleTypes.length - 1;
    assert.equal(sampleTotal(merged, si), sampleTotal(a, si) + sampleTotal(b, si));
    assert.equal(merged.samples.count, a.samples.count + b.samples.count);
    // Identical inputs share every location and function: nothing is duplicated.
    assert.equal(merged.locations.length, new Set(a.locations.map((l) => l.lines.map((x) => `${x.function}:${x.line}`).join())).size);
    const replicas = merged.samples.labels!.map((ls) => ls?.find((l) => l.key === 'replica')?.str);
    assert.deepEqual([...new Set(replicas)].sort(), ['a', 'b']);
    assert.equal(replicas.filter((r) => r === 'a').length, a.samples.count);
    // Each line's value doubles.
    const one = new Map(top(a, { by: 'line' }).rows.map((r) => [`${r.function}:${r.line}`, r.flat]));
    for (const r of top(merged, { by: 'line' }).rows) assert.equal(r.flat, 2 * one.get(`${r.function}:${r.line}`)!, `${r.function}:${r.line}`);
    assert.equal(merged.durationNanos, a.durationNanos + b.durationNanos);
    // The merged profile survives encoding.
    const again = decodeProfile(encodeProfile(merged), { labels: true });
    assert.deepEqual(meaning(again), meaning(merged));
  });

  it('merges replicas of different builds by function and line, not by address', () => {
    const a = load('go1.26', 'cpu');
    const b = load('go1.26', 'cpu');
    // Another build: every address and id moves, the build id differs.
    b.locations = b.locations.map((l) => ({ ...l, address: l.address + 0x1000, id: l.id + 500 }));
    b.mappings = b.mappings.map((m) => ({ ...m, buildId: `${m.buildId}-other` }));
    const merged = mergeProfiles([{ name: 'a', profile: a }, { name: 'b', profile: b }]);
    const byLine = top(merged, { by: 'line' }).rows;
    const single = top(a, { by: 'line' }).rows;
    assert.equal(byLine.length, single.length, 'the same lines, not twice as many');
    assert.equal(merged.mappings.length, a.mappings.length * 2, 'both builds are kept as mappings');
  });

  // mergeProfiles copies an input whose locations come first, in its own order, as one run and
  // renumbers any other one location by location: both must write the same profile.
  for (const kind of KINDS) {
    it(`merges a renumbered ${kind} replica (either stack width) exactly as it merges the same replica as recorded`, () => {
      const inputs = (renumber: boolean, wide: boolean) => ['a', 'b', 'c'].map((name, i) => {
        const p = load('go1.26', kind);
        const n = p.locations.length;
        if (renumber && i > 0) {
          // The same profile with its location table in reverse order, as another replica might number it.
          p.locations.reverse();
          const s = p.samples.stackLocs;
          for (let k = 0; k < s.length; k++) s[k] = n - 1 - s[k];
        }
        if (wide) p.samples.stackLocs = Uint32Array.from(p.samples.stackLocs);
        return { name, profile: p };
      });
      const want = encodeProfile(mergeProfiles(inputs(false, false)), { gzip: false });
      assert.ok(want.length > 0);
      for (const [renumber, wide] of [[true, false], [false, true], [true, true]]) {
        const merged = mergeProfiles(inputs(renumber, wide));
        assert.ok(merged.samples.stackLocs instanceof Uint16Array, 'few locations: 16-bit stacks');
        assert.deepEqual(encodeProfile(merged, { gzip: false }), want, `renumbered ${renumber}, 32-bit input stacks ${wide}`);
      }
    });
  }

  it('writes 32-bit stacks when the merged profile has more than 65535 locations', () => {
    const padded = (name: string) => {
      const p = load('go1.26', 'cpu');
      // Unsymbolized locations no sample uses, at addresses of their own: each one is kept.
      const extra = Array.from({ length: 70_000 }, (_, i) => ({ id: 1_000_000 + i, address: 0x7000_0000 + i, mappingId: 0, lines: [], isFolded: false }));
      p.locations = [...extra, ...p.locations];
      p.samples.stackLocs = Uint32Array.from(p.samples.stackLocs, (x) => x + extra.length);
      return { name, profile: p };
    };
    const merged = mergeProfiles([padded('a'), padded('b')]);
    assert.ok(merged.samples.stackLocs instanceof Uint32Array);
    assert.ok(merged.locations.length > 0xffff);
    const one = load('go1.26', 'cpu');
    const plain = mergeProfiles([{ name: 'a', profile: load('go1.26', 'cpu') }, { name: 'b', profile: one }]);
    assert.deepEqual(meaning(merged), meaning(plain));
  });

  it('refuses to merge profiles of different kinds with a clear error', () => {
    assert.throws(
      () => mergeProfiles([{ name: 'api-1', profile: load('go1.26', 'cpu') }, { name: 'api-2', profile: load('go1.26', 'heap') }]),
      (e: unknown) => e instanceof AnoleError && e.code === 'BAD_PROFILE' && /cannot merge api-2 with api-1: their sample types differ/.test(e.message),
    );
    assert.throws(() => mergeProfiles([]), (e: unknown) => e instanceof AnoleError && e.code === 'BAD_INPUT');
  });

  it('takes the largest period and the earliest start', () => {
    const a = load('go1.26', 'heap');
    const b = load('go1.26', 'heap');
    b.period = a.period * 2;
    b.timeNanos = a.timeNanos - 1_000_000;
    const merged = mergeProfiles([{ name: 'a', profile: a }, { name: 'b', profile: b }]);
    assert.equal(merged.period, b.period);
    assert.equal(merged.timeNanos, b.timeNanos);
  });
});
