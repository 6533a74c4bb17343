// topFromBytes() (anole top's fast path) gives exactly what top(decodeProfile()) gives, or defers to it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type TopOptions, type WireTop, decodeProfile, top, topFromBytes } from '../../src/core/pprof';
import { decodeHeader } from '../../src/core/pprof/decode';
import { frameIndex } from '../../src/core/pprof/frames';
import { wasmTop } from '../../src/core/pprof/wasmTop';
import { type InnerLoop } from '../../src/core/pprof/wireTop';
import { FIXTURES } from '../fixtures/profiles/fixtures';
import { type SynthProfile, encodeProfile } from '../fixtures/profiles/synth';

/** What the general path answers: the report, or the error it throws, and the profile's warnings. */
function general(bytes: Uint8Array, opts: TopOptions): { result?: WireTop['result']; warnings?: string[]; error?: string } {
  try {
    const p = decodeProfile(bytes, { source: 'p' });
    try {
      return { result: top(p, opts), warnings: p.warnings };
    } catch (e) {
      return { warnings: p.warnings, error: (e as Error).message };
    }
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The option sets `anole top` can pass, for a profile with `nTypes` sample types. */
function optionSets(nTypes: number): TopOptions[] {
  const sets: TopOptions[] = [];
  const types: (string | undefined)[] = [undefined, ...Array.from({ length: nTypes }, (_, i) => String(i))];
  for (const by of ['function', 'line'] as const) {
    for (const sort of ['flat', 'cum'] as const) {
      for (const sampleType of types) sets.push({ by, sort, sampleType });
    }
  }
  sets.push({ limit: 3 }, { by: 'line', sort: 'cum', limit: 0 });
  return sets;
}

/** Both inner loops of the fast path: WebAssembly (what anole top runs) and JavaScript. */
const LOOPS: InnerLoop[] = ['wasm', 'js'];

/**
 * Asserts the fast path agrees with the general one on every option set; returns how many it
 * answered itself (the rest it handed to the general path, which is then what `anole top` runs).
 * With `sameLoops`, also that both inner loops answer the same option sets.
 */
function agree(bytes: Uint8Array, name: string, sets?: TopOptions[], sameLoops = false): number {
  let answered = 0;
  const answeredBy = { wasm: 0, js: 0 };
  const nTypes = (() => {
    try {
      return decodeProfile(bytes).sampleTypes.length;
    } catch {
      return 1;
    }
  })();
  for (const [opts, loop] of (sets ?? optionSets(nTypes)).flatMap((o) => LOOPS.map((l) => [o, l] as const))) {
    const what = `${name} (${loop} loop)`;
    const want = general(bytes, opts);
    let got: WireTop | undefined;
    try {
      got = topFromBytes(bytes, opts, 'p', loop);
    } catch (e) {
      // The fast path may only throw what the general path throws, before any warning.
      assert.equal((e as Error).message, want.error, `${what} ${JSON.stringify(opts)}: error`);
      assert.equal(want.warnings, undefined, `${what}: the general path decoded it`);
      continue;
    }
    if (!got) continue;
    answered++;
    answeredBy[loop]++;
    assert.equal(want.error, undefined, `${what} ${JSON.stringify(opts)}: the general path fails with ${want.error}`);
    assert.deepEqual(got.result, want.result, `${what} ${JSON.stringify(opts)}: report`);
    assert.deepEqual(got.warnings, want.warnings, `${what} ${JSON.stringify(opts)}: warnings`);
  }
  if (sameLoops) assert.equal(answeredBy.wasm, answeredBy.js, `${name}: option sets answered by the WebAssembly loop and by the JavaScript one`);
  return answered;
}

const unzip = (b: Uint8Array): Uint8Array => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);

function profilesIn(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir))
    .filter((f) => /\.(pb|pb\.gz|gz|bin|txt|html)$/.test(f))
    .map((f) => join(FIXTURES, dir, f));
}

/** A profile with what the fast path must get right: inlining, recursion, ids and values of every length, labels. */
function largeProfile(opts: { samples: number; unpacked?: boolean; seed?: number }): SynthProfile {
  let seed = opts.seed ?? 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const functions = Array.from({ length: 120 }, (_, i) => ({ id: i + 1, name: `pkg.fn${i % 100}`, file: `f${i % 7}.go`, startLine: i }));
  // 400 locations: ids up to ~700 (two-byte varints), every tenth with inlined frames.
  const locations = Array.from({ length: 400 }, (_, i) => ({
    id: 3 + i * 2,
    lines: (i % 10 === 0
      ? [[1 + rand(120), 10 + rand(5)], [1 + rand(120), 20 + rand(5)], [1 + rand(120), 30]]
      : [[1 + rand(120), 10 + rand(40)]]) as [number, number][],
  }));
  const big = [0, 1, 127, 128, 16_383, 16_384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 35, 5_000_000_000];
  const samples = Array.from({ length: opts.samples }, () => {
    const depth = 1 + rand(40);
    const stack = Array.from({ length: depth }, () => locations[rand(locations.length)].id);
    // Recursion: the same location again further up.
    if (depth > 3 && rand(3) === 0) stack.push(stack[1]);
    const values = [rand(4) === 0 ? big[rand(big.length)] : rand(200), rand(3) === 0 ? 0 : 1 + rand(100_000)];
    const labels = rand(4) === 0 ? [{ key: 'bytes', num: 1 + rand(1000) }] : undefined;
    return { stack, values, labels };
  });
  return {
    sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes']],
    defaultSampleType: 'alloc_space',
    functions,
    locations,
    samples,
    unpacked: opts.unpacked,
  };
}

describe('pprof topFromBytes (anole top straight from the wire)', function () {
  this.timeout(120_000);

  for (const dir of ['go1.26', 'go1.19', 'hotsvc']) {
    it(`agrees with top(decodeProfile()) on every recorded ${dir} profile, and answers them itself`, () => {
      const files = profilesIn(dir);
      assert.ok(files.length >= 3, `recorded profiles in ${dir}`);
      for (const f of files) {
        const answered = agree(readFileSync(f), f, undefined, true);
        assert.ok(answered > 0, `${f}: the fast path never answered (it must, for Go's own profiles)`);
      }
    });
  }

  it('agrees on the damaged and odd profiles of the bad corpus (or leaves them to the general path)', () => {
    const files = profilesIn('bad');
    assert.ok(files.length >= 10);
    // Damage is what matters here, not the options (and one of them is large).
    for (const f of files) agree(readFileSync(f), f, [{}, { by: 'line', sort: 'cum' }]);
  });

  it('agrees on a large generated profile: inlining, recursion, two-byte ids, values up to 2^33, labels, zeros', () => {
    const raw = encodeProfile(largeProfile({ samples: 10_000 }));
    assert.ok(agree(gzipSync(raw), 'large', undefined, true) > 0);
    assert.ok(agree(raw, 'large raw', undefined, true) > 0);
  });

  it('agrees when ids and values are written one field each (as Go does for short lists)', () => {
    assert.ok(agree(encodeProfile(largeProfile({ samples: 3_000, unpacked: true, seed: 11 })), 'unpacked', undefined, true) > 0);
  });

  it('reads the samples of Go\'s own profiles in the WebAssembly loop itself', () => {
    // Not block and mutex profiles: their delays in nanoseconds often pass 2^28, which the fast loops leave over.
    let samples = 0;
    let leftOvers = 0;
    for (const f of [...profilesIn('go1.26'), ...profilesIn('go1.19')].filter((x) => !/(block|mutex)/.test(x))) {
      const h = decodeHeader(unzip(readFileSync(f)), f, 'auto', true);
      assert.ok(h.runsOnly && h.sampleSpans.length === 0, 'only the runs of samples are located');
      const frames = frameIndex(h.profile);
      const lookup = h.res.locationLookup(h.profile.locations);
      const lfs = frames.locFrameStart;
      const idNode = lookup.dense.map((i) => (i === 0 ? -1 : lfs[i] - lfs[i - 1] === 1 ? frames.frameFunc[lfs[i - 1]] : -1 - i));
      const count = h.sampleCount;
      const sums = wasmTop(h.buf, h.sampleRuns, count, h.profile.sampleTypes.length - 1, h.profile.sampleTypes.length,
        { idNode, nodeOf: frames.frameFunc, locFrameStart: lfs, nNodes: frames.functions.length });
      assert.ok(sums, 'this Node has WebAssembly');
      samples += count;
      leftOvers += sums.others.length / 3;
      const p = decodeProfile(readFileSync(f));
      assert.equal(p.samples.count, count, f);
      const nt = p.sampleTypes.length;
      const indexes = Array.from({ length: sums.others.length / 3 }, (_, j) => sums.others[3 * j + 2]);
      const leftOver = indexes.map((i) => Math.abs(p.samples.values[i * nt + nt - 1])).reduce((a, b) => a + b, 0);
      assert.equal(sums.total, top(p, { limit: 0, sampleType: String(nt - 1) }).total - leftOver, f);
      if (sums.total > 0) assert.ok(sums.flat.some((x) => x > 0), f);
    }
    // Only odd shapes are left over (Go writes a stack of one or two locations unpacked).
    assert.ok(samples > 400 && leftOvers <= samples / 10, `${leftOvers} of ${samples} samples left to the general reader`);
  });

  it('gives the same sums whatever window of the bytes the WebAssembly loop is given at a time', () => {
    // Small windows: many calls, samples split at every boundary, and samples larger than the window.
    let samples = 0;
    for (const raw of [encodeProfile(largeProfile({ samples: 2_000, seed: 5 })), ...profilesIn('go1.26').map((f) => unzip(readFileSync(f)))]) {
      const h = decodeHeader(raw, 'p', 'auto', true);
      const frames = frameIndex(h.profile);
      const lookup = h.res.locationLookup(h.profile.locations);
      const lfs = frames.locFrameStart;
      const idNode = lookup.dense.map((i) => (i === 0 ? -1 : lfs[i] - lfs[i - 1] === 1 ? frames.frameFunc[lfs[i - 1]] : -1 - i));
      const tables = { idNode, nodeOf: frames.frameFunc, locFrameStart: lfs, nNodes: frames.functions.length };
      const count = h.sampleCount;
      const nt = h.profile.sampleTypes.length;
      const whole = wasmTop(h.buf, h.sampleRuns, count, nt - 1, nt, tables, h.buf.length);
      assert.ok(whole, 'this Node has WebAssembly');
      samples += count;
      for (const window of [1, 40, 1000]) {
        const got = wasmTop(h.buf, h.sampleRuns, count, nt - 1, nt, tables, window);
        assert.deepEqual(got, whole, `window of ${window} bytes`);
      }
    }
    assert.ok(samples > 2_000);
  });

  it('leaves a profile whose samples need repairs to the general path, which warns', () => {
    const p = largeProfile({ samples: 500, seed: 3 });
    p.samples[250].stack.push(99_999); // a location that does not exist
    const raw = encodeProfile(p);
    assert.equal(topFromBytes(raw), undefined);
    assert.match(decodeProfile(raw).warnings.join('\n'), /refer to missing locations/);
    agree(raw, 'missing location');
    // Missing ids of one byte: in a gap between ids, and past the last one (ids up to 20).
    for (const missing of [4, 11, 100, 127]) {
      const small: SynthProfile = {
        sampleTypes: [['space', 'bytes']],
        functions: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
        locations: [1, 2, 3, 5, 20].map((id) => ({ id, lines: [[1 + (id % 2), id]] as [number, number][] })),
        samples: Array.from({ length: 50 }, (_, i) => ({ stack: i === 25 ? [1, missing, 2] : [1, 2, 3, 5, 20].slice(i % 5), values: [i + 1] })),
      };
      const bytes = encodeProfile(small);
      for (const loop of LOOPS) assert.equal(topFromBytes(bytes, {}, 'p', loop), undefined, `missing id ${missing}, ${loop} loop`);
      assert.match(decodeProfile(bytes).warnings.join('\n'), /refer to missing locations/);
    }
  });

  it('reads the samples in its JavaScript loop under node --jitless (no WebAssembly), with the same reports', () => {
    // A Node of its own: this one has WebAssembly. It prints, per profile, what its header located
    // and topFromBytes' answer for a few option sets (null where it left the profile to the general path).
    const files = [...profilesIn('go1.26'), ...profilesIn('hotsvc')].filter((f) => !/(block|mutex)/.test(f));
    const sets: TopOptions[] = [{}, { by: 'line', sort: 'cum' }, { limit: 0 }];
    const src = join(__dirname, '..', '..', 'src', 'core', 'pprof');
    const script = `
      const { readFileSync } = require('node:fs');
      const { gunzipSync } = require('node:zlib');
      const { decodeHeader } = require(${JSON.stringify(join(src, 'decode'))});
      const { topFromBytes } = require(${JSON.stringify(join(src, 'wireTop'))});
      const out = { webAssembly: typeof WebAssembly, profiles: [] };
      for (const f of ${JSON.stringify(files)}) {
        const b = readFileSync(f);
        const h = decodeHeader(b[0] === 0x1f ? gunzipSync(b) : b, f, 'auto', true);
        const reports = ${JSON.stringify(sets)}.map((o) => topFromBytes(b, o, f, 'wasm') ?? null);
        out.profiles.push({ runsOnly: h.runsOnly, spans: h.sampleSpans.length / 2, count: h.sampleCount, reports });
      }
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--jitless', '--require', 'tsx/cjs', '-e', script], { cwd: join(src, '..', '..', '..'), encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { webAssembly: string; profiles: { runsOnly: boolean; spans: number; count: number; reports: (WireTop | null)[] }[] };
    assert.equal(got.webAssembly, 'undefined', 'node --jitless has no WebAssembly');
    assert.equal(got.profiles.length, files.length);
    files.forEach((f, i) => {
      const p = got.profiles[i];
      sets.forEach((o, j) => {
        const want = general(readFileSync(f), o);
        assert.ok(p.reports[j], `${f} ${JSON.stringify(o)}: answered by the JavaScript loop, not left to the general path`);
        assert.deepEqual(p.reports[j], { result: want.result, warnings: want.warnings }, `${f} ${JSON.stringify(o)}`);
      });
      // Asked for runs only, the header still locates every sample: no WebAssembly loop walks them.
      assert.ok(!p.runsOnly && p.spans === p.count, `${f}: the header located each sample`);
    });
  });

  it('leaves an unknown sample type to the general path, which names the available ones', () => {
    const raw = encodeProfile(largeProfile({ samples: 50 }));
    assert.equal(topFromBytes(raw, { sampleType: 'nope' }), undefined);
    assert.throws(() => top(decodeProfile(raw), { sampleType: 'nope' }), /no sample type "nope"; available: alloc_objects, alloc_space/);
  });

  it('throws the general decoder\'s error for a file that is not a profile', () => {
    assert.throws(() => topFromBytes(Buffer.from('heap profile: 1: 2 [3: 4] @ heap/1048576\n'), {}, 'h.txt'), /h\.txt is a text profile/);
  });
});
