// decodeHeader finds the same samples, and fails the same way, whether WebAssembly or JavaScript locates them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type DecodedHeader, type LocateMode, decodeHeader } from '../../src/core/pprof/decode';
import { SampleLocator } from '../../src/core/pprof/wasmLocate';
import { FIXTURES } from '../fixtures/profiles/fixtures';
import { ProtoWriter } from '../fixtures/profiles/protoWriter';
import { encodeProfile } from '../fixtures/profiles/synth';

/** What decodeHeader answers: the samples' spans, the id bound and the profile, or the error. */
function header(raw: Uint8Array, locate: LocateMode, runsOnly = false): unknown {
  let h: DecodedHeader;
  try {
    h = decodeHeader(raw, 'p', locate, runsOnly);
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message} ${JSON.stringify(e)}` };
  }
  const spans = h.sampleSpans.data.subarray(0, h.sampleSpans.length);
  if (runsOnly) {
    // Only counted: no spans, the location id bound is not needed, and the runs are those of the spans.
    assert.ok(h.runsOnly && spans.length === 0, 'runs only');
    return { samples: h.sampleCount, runs: Array.from(h.sampleRuns), profile: h.profile };
  }
  assert.equal(h.sampleCount, spans.length / 2);
  assert.ok(!h.runsOnly);
  const digest = createHash('sha256').update(spans).digest('hex');
  return { samples: h.sampleCount, spans: digest, first: Array.from(spans.subarray(0, 6)), idBytes: h.locationIdBytes, runs: Array.from(h.sampleRuns), profile: h.profile };
}

/** Asserts every window size gives what JavaScript alone gives; returns the samples found. */
function sameAsJs(raw: Uint8Array, name: string): number {
  const want = header(raw, 'js') as { samples?: number };
  // Tiny windows (one call per sample or less) only on small profiles: they would take long on large ones.
  const windows = raw.length < 100_000 ? [2, 3, 5, 40, 1000, 1 << 20] : [1000, 1 << 16];
  for (const window of windows) assert.deepEqual(header(raw, { window }), want, `${name}, window of ${window} bytes`);
  const w = want as { samples?: number; runs?: number[]; profile?: unknown; error?: string };
  const counted = w.error === undefined ? { samples: w.samples, runs: w.runs, profile: w.profile } : want;
  for (const window of windows) assert.deepEqual(header(raw, { window }, true), counted, `${name}, counted, window of ${window} bytes`);
  return want.samples ?? 0;
}

const unzip = (b: Uint8Array): Uint8Array => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);

/** A profile of `samples` (raw Sample payloads), its string table and a sample type around them. */
function withSamples(samples: Uint8Array[], tail: (w: ProtoWriter) => void = () => undefined): Uint8Array {
  const w = new ProtoWriter();
  w.message(1, (m) => m.uint(1, 1).uint(2, 2));
  for (const s of samples) w.bytes(2, s);
  w.message(4, (m) => m.uint(1, 1));
  for (const s of samples.slice(0, 2)) w.bytes(2, s);
  for (const s of ['', 'space', 'bytes']) w.string(6, s);
  tail(w);
  return w.finish();
}

const sample = (ids: number[], pad = 0): Uint8Array =>
  new ProtoWriter().packed(1, ids).packed(2, [7]).bytes(3, new Array<number>(pad).fill(0x08)).finish();

describe('pprof decodeHeader: samples located in WebAssembly', () => {
  it('finds the same samples as JavaScript in every recorded profile, the bad corpus included', () => {
    let samples = 0;
    for (const dir of ['go1.26', 'go1.19', 'hotsvc', 'bad']) {
      for (const f of readdirSync(join(FIXTURES, dir)).filter((x) => /\.(pb|pb\.gz|gz|bin)$/.test(x))) {
        const file = join(FIXTURES, dir, f);
        let raw: Uint8Array;
        try {
          raw = unzip(readFileSync(file));
        } catch {
          continue; // a corrupt gzip file: no protobuf to locate samples in
        }
        samples += sameAsJs(raw, file);
      }
    }
    assert.ok(samples > 1000, `${samples} samples`);
  });

  it('finds samples whose length takes 1 to 5 bytes, and samples larger than the window', () => {
    const small = sample([1, 1]);
    const raw = withSamples([small, sample([1], 200), small, sample([1], 20_000), sample([1], 2_200_000), small, new Uint8Array(0), small]);
    assert.equal(sameAsJs(raw, 'lengths'), 10);
    // Location ids of a one-byte length up to 127, and of two bytes; samples of 0 and 1 bytes read
    // together with the key after them (as decode.ts bounds the ids), at every window edge.
    assert.equal(sameAsJs(withSamples([sample(new Array<number>(120).fill(1)), sample(new Array<number>(130).fill(1))]), 'id bytes'), 4);
    const edge = new ProtoWriter().message(1, (m) => m.uint(1, 1).uint(2, 2)).bytes(2, []).message(1, (m) => m.uint(1, 1).uint(2, 2)).bytes(2, [0x0a]).message(1, (m) => m.uint(1, 1).uint(2, 2));
    for (const x of ['', 'space', 'bytes']) edge.string(6, x);
    assert.equal(sameAsJs(edge.finish(), 'short samples'), 2);
  });

  it('refuses a truncated last sample exactly as JavaScript does', () => {
    // The samples last, after the string table: cutting the bytes cuts the last sample.
    const w = new ProtoWriter().message(1, (m) => m.uint(1, 1).uint(2, 2));
    for (const x of ['', 'space', 'bytes']) w.string(6, x);
    const raw = w.bytes(2, sample([1, 1])).bytes(2, sample([1], 300)).finish();
    for (const cut of [1, 2, 50, 300]) {
      const want = header(raw.subarray(0, raw.length - cut), 'js') as { error?: string };
      assert.match(want.error ?? '', /runs past the end|truncated/, `cut ${cut}`);
      sameAsJs(raw.subarray(0, raw.length - cut), `cut ${cut}`);
    }
    // An empty sample as the very last byte pair, and a length varint of more than 5 bytes.
    assert.equal(sameAsJs(withSamples([sample([1])], (t) => t.bytes(2, [])), 'empty last'), 3);
    const long = new ProtoWriter().message(1, (m) => m.uint(1, 1).uint(2, 2)).key(2, 2).raw(Uint8Array.from([0x81, 0x80, 0x80, 0x80, 0x80, 0x00])).finish();
    assert.match((header(long, 'js') as { error: string }).error, /runs past the end/);
    sameAsJs(long, 'long length');
  });

  it('finds the same samples in a large generated profile, and returns the spans of a run in one call', () => {
    const stack = Array.from({ length: 30 }, (_, i) => 1 + (i % 3));
    const raw = encodeProfile({
      sampleTypes: [['space', 'bytes']],
      functions: [{ id: 1, name: 'a' }],
      locations: [1, 2, 3].map((id) => ({ id, lines: [[1, id]] as [number, number][] })),
      samples: Array.from({ length: 20_000 }, (_, i) => ({ stack: stack.slice(i % 30), values: [i] })),
    });
    assert.equal(sameAsJs(raw, 'generated'), 20_000);
    // encodeProfile writes the samples together: one run, from the first one's key to the last one's end.
    const h = decodeHeader(raw, 'p', 'auto', true);
    assert.deepEqual(Array.from(h.sampleRuns), [raw.indexOf(0x12), decodeHeader(raw, 'p', 'js').sampleSpans.data[2 * 20_000 - 1]]);
    const locator = SampleLocator.create();
    assert.ok(locator, 'this Node has WebAssembly');
    const first = raw.indexOf(0x12);
    const run = locator.locate(raw, first);
    assert.ok(run.count > 1000 && run.spans.length === 2 * run.count && run.pos > first, 'one call locates a whole window of samples');
    const counted = locator.locate(raw, first, true);
    assert.deepEqual([counted.pos, counted.count, counted.spans.length], [run.pos, run.count, 0], 'counting only');
  });
});
