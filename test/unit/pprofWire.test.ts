// Unit tests of the protobuf wire reader and of decoding synthetic profiles field by field.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { type AnoleError } from '../../src/core/errors';
import { decodeProfile, looksLikeText, sampleLocationIds, sampleValues } from '../../src/core/pprof';
import { WireError, WireReader } from '../../src/core/pprof/wire';
import { ProtoWriter } from '../fixtures/profiles/protoWriter';
import { type SynthProfile, encodeProfile } from '../fixtures/profiles/synth';

function varintBytes(v: number | bigint): Uint8Array {
  return new ProtoWriter().varint(v).finish();
}

const base: SynthProfile = {
  sampleTypes: [
    ['samples', 'count'],
    ['cpu', 'nanoseconds'],
  ],
  functions: [
    { id: 1, name: 'main.leaf', file: 'main.go', startLine: 10 },
    { id: 2, name: 'main.inlined', file: 'main.go', startLine: 20 },
    { id: 3, name: 'main.main', file: 'main.go', startLine: 30 },
  ],
  locations: [
    { id: 1, lines: [[1, 11]] },
    { id: 2, lines: [[2, 21], [3, 31]] },
  ],
  samples: [
    { stack: [1, 2], values: [1, 10_000_000] },
    { stack: [2], values: [2, 20_000_000] },
  ],
  period: 10_000_000,
  periodType: ['cpu', 'nanoseconds'],
  durationNanos: 1_000_000_000,
  comments: ['hello'],
};

describe('pprof wire reader', () => {
  it('reads varints of every length, including 64-bit and negative int64', () => {
    const cases: (number | bigint)[] = [0, 1, 127, 128, 300, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 + 5, 2 ** 53 - 1, -1, -2, -(2 ** 40)];
    for (const v of cases) {
      const r = new WireReader(varintBytes(v));
      assert.equal(typeof v === 'number' && v < 0 ? r.int64() : r.varint(), Number(v), `varint ${v}`);
      assert.equal(r.more(), false);
    }
  });

  it('rejects an over-long varint and a varint cut short', () => {
    assert.throws(() => new WireReader(Uint8Array.from(Array(11).fill(0xff))).varint(), WireError);
    assert.throws(() => new WireReader(Uint8Array.from([0x80, 0x80])).varint(), (e: WireError) => e.truncated);
  });

  it('skips fixed32, fixed64, length-delimited fields and groups', () => {
    const w = new ProtoWriter();
    w.key(1, 5).raw(Uint8Array.from([1, 2, 3, 4]));
    w.key(2, 1).raw(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    w.string(3, 'skip me');
    w.key(4, 3).uint(1, 7).key(4, 4);
    w.uint(5, 42);
    const r = new WireReader(w.finish());
    for (let i = 0; i < 4; i++) {
      const k = r.varint();
      r.skip(k & 7, k >>> 3);
    }
    assert.equal(r.varint(), 5 * 8);
    assert.equal(r.varint(), 42);
  });

  it('refuses invalid wire types and lengths past the end', () => {
    assert.throws(() => new WireReader(Uint8Array.from([0x0f])).skip(7, 1), /invalid wire type 7/);
    const r = new WireReader(Uint8Array.from([0x0a, 0x05, 0x01]));
    r.varint();
    assert.throws(() => r.lengthEnd(), /runs past the end/);
  });
});

describe('pprof decoder on synthetic profiles', () => {
  it('decodes every field of the model', () => {
    const p = decodeProfile(encodeProfile(base));
    assert.deepEqual(p.sampleTypes, [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ]);
    assert.equal(p.samples.count, 2);
    assert.deepEqual(sampleLocationIds(p, 0), [1, 2]);
    assert.deepEqual(sampleValues(p, 1), [2, 20_000_000]);
    assert.equal(p.locations[1].lines.length, 2);
    assert.equal(p.functions[p.locations[1].lines[0].function].name, 'main.inlined', 'innermost frame first');
    assert.equal(p.locations[1].lines[1].line, 31);
    assert.deepEqual(p.functions[0], { id: 1, name: 'main.leaf', systemName: 'main.leaf', filename: 'main.go', startLine: 10 });
    assert.equal(p.period, 10_000_000);
    assert.deepEqual(p.periodType, { type: 'cpu', unit: 'nanoseconds' });
    assert.equal(p.durationNanos, 1_000_000_000);
    assert.deepEqual(p.comments, ['hello']);
    assert.deepEqual(p.warnings, []);
  });

  it('reads unpacked location ids and values the same as packed ones, gzipped or not', () => {
    const packed = decodeProfile(encodeProfile(base));
    const unpacked = decodeProfile(gzipSync(encodeProfile({ ...base, unpacked: true })));
    assert.deepEqual(Array.from(unpacked.samples.stackLocs), Array.from(packed.samples.stackLocs));
    assert.deepEqual(Array.from(unpacked.samples.values), Array.from(packed.samples.values));
  });

  it('skips unknown fields at every level', () => {
    const raw = encodeProfile(base);
    const extra = new ProtoWriter().raw(raw).uint(99, 7).string(100, 'future').message(101, (m) => m.uint(1, 1)).finish();
    const p = decodeProfile(extra);
    assert.equal(p.samples.count, 2);
    assert.deepEqual(p.warnings, []);
  });

  it('maps sparse, huge location ids', () => {
    const big = 2 ** 40;
    const p = decodeProfile(
      encodeProfile({
        ...base,
        locations: [{ id: big, lines: [[1, 11]] }, { id: 7, lines: [[3, 31]] }],
        samples: [{ stack: [big, 7], values: [1, 5] }],
      }),
    );
    assert.deepEqual(sampleLocationIds(p, 0), [big, 7]);
  });

  it('handles more locations than fit in 16 bits (multi-byte ids, wide stack arrays)', () => {
    const n = 70_000;
    const locations = Array.from({ length: n }, (_, i) => ({ id: i + 1, lines: [[1 + (i % 3), i + 1]] as [number, number][] }));
    const p = decodeProfile(
      encodeProfile({ ...base, locations, samples: [{ stack: [n, 200, 1], values: [1, 2] }, { stack: [65_537], values: [1, 3] }] }),
    );
    assert.ok(p.samples.stackLocs instanceof Uint32Array);
    assert.deepEqual(sampleLocationIds(p, 0), [n, 200, 1]);
    assert.deepEqual(sampleLocationIds(p, 1), [65_537]);
    assert.equal(p.locations[p.samples.stackLocs[0]].lines[0].line, n);
  });

  it('decodes labels only when asked, and never breaks on them', () => {
    const labelled: SynthProfile = {
      ...base,
      samples: [{ stack: [1], values: [1, 1], labels: [{ key: 'bytes', num: 1024 }, { key: 'handler', str: '/api' }] }],
    };
    const plain = decodeProfile(encodeProfile(labelled));
    assert.equal(plain.samples.hasLabels, true);
    assert.equal(plain.samples.labels, undefined);
    const withLabels = decodeProfile(encodeProfile(labelled), { labels: true });
    assert.deepEqual(withLabels.samples.labels?.[0], [
      { key: 'bytes', num: 1024 },
      { key: 'handler', str: '/api' },
    ]);
  });

  it('keeps negative values (diff profiles)', () => {
    const p = decodeProfile(encodeProfile({ ...base, samples: [{ stack: [1], values: [-3, -(2 ** 33)] }] }));
    assert.deepEqual(sampleValues(p, 0), [-3, -(2 ** 33)]);
  });

  it('refuses profiles beyond the size limit with a clear error', () => {
    assert.throws(
      () => decodeProfile(gzipSync(encodeProfile(base)), { maxBytes: 64, source: 'big.pb.gz' }),
      (e: AnoleError) => e.code === 'BAD_PROFILE' && /big\.pb\.gz is too large/.test(e.message),
    );
  });
});

describe('pprof container sniffing', () => {
  it('calls text only what is valid UTF-8 without control bytes', () => {
    const t = (s: string | number[]) => looksLikeText(typeof s === 'string' ? Buffer.from(s, 'utf8') : Uint8Array.from(s));
    assert.equal(t('hello\tworld\r\n'), true);
    assert.equal(t('<html><body>错误</body></html>'), true);
    assert.equal(t([0x48, 0xff, 0xfe, 0xc7, 0xac]), false, 'high bytes that are not UTF-8');
    assert.equal(t([0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]), false, 'a protobuf');
    const long = Buffer.from(`${'x'.repeat(4095)}é and more`, 'utf8');
    assert.equal(looksLikeText(long), true, 'a character cut at the end of the window');
  });
});
