// Line-level comparison notes (buildCompareNotes) on synthetic profiles with known changes, and
// `anole diff --normalize total|per-second` on the bundled CLI.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildCompareNotes, formatChange } from '../../src/core/annotations/compare';
import type { PathResolver } from '../../src/core/annotations/model';
import * as zlib from 'node:zlib';
import { type Profile, decodeProfile, diff, withTimeWindow } from '../../src/core/pprof';
import { runCli } from '../support/cli';
import { type SynthProfile, encodeProfile } from '../fixtures/profiles/synth';

/** main.go lines 10, 20, 30 (leaves) under main.main at line 5; `durationNanos` as given. */
function profile(v: { l10: number; l20: number; l30: number }, durationNanos?: number): Profile {
  const p: SynthProfile = {
    durationNanos,
    sampleTypes: [['cpu', 'nanoseconds']],
    functions: [
      { id: 1, name: 'main.work', file: '/build/svc/main.go' },
      { id: 2, name: 'main.main', file: '/build/svc/main.go' },
      { id: 3, name: 'runtime.other', file: '/usr/local/go/src/runtime/proc.go' },
    ],
    locations: [
      { id: 1, lines: [[1, 10]] },
      { id: 2, lines: [[1, 20]] },
      { id: 3, lines: [[1, 30]] },
      { id: 4, lines: [[2, 5]] },
      { id: 5, lines: [[3, 100]] },
    ],
    samples: [
      { stack: [1, 4], values: [v.l10] },
      { stack: [2, 4], values: [v.l20] },
      { stack: [3, 4], values: [v.l30] },
      { stack: [5], values: [100] },
    ].filter((s) => s.values[0] !== 0),
  };
  return decodeProfile(encodeProfile(p));
}

const mapper: PathResolver = {
  explain: (f) => (f.startsWith('/build/svc/') ? { local: '/ws/svc/' + f.slice('/build/svc/'.length), reason: 'workspace' } : { local: null, reason: 'stdlib' }) as ReturnType<PathResolver['explain']>,
};

describe('compare notes: ± per line against a baseline', () => {
  const base = profile({ l10: 100, l20: 100, l30: 100 }, 10e9);
  const next = profile({ l10: 300, l20: 100, l30: 50 }, 20e9);

  it('raw values: +200% on the tripled line (worse), −50% on the halved one (better), unchanged lines left out', () => {
    const c = buildCompareNotes(base, next, { mapper, normalize: 'none' });
    const notes = c.files.get('/ws/svc/main.go')!;
    assert.deepEqual(notes.map((n) => [n.line, n.label, n.worse]), [
      [10, '+200% vs baseline', true],
      [30, '\u221250% vs baseline', false],
    ]);
    assert.equal(c.files.size, 1, 'unmapped (runtime) lines are not annotated');
    assert.equal(c.lines, 2);
    assert.deepEqual(notes.map((n) => n.weight), [1, 0.25]);
    assert.match(notes[0].detail, /^\*\*\+200% vs baseline\*\* \(raw values\): 100ns \(25\.0%\) in \*baseline\* → 300ns \(54\.5%\) in \*new\*$/);
  });

  it('by total: shares are compared, so the unchanged line 20 loses share', () => {
    const c = buildCompareNotes(base, next, { mapper, normalize: 'total', baseLabel: 'monday', label: 'tuesday' });
    const notes = c.files.get('/ws/svc/main.go')!;
    // Totals 400 and 550: the baseline scales by 550/400.
    const pct = (n: number, b: number) => Math.round(((n - b * 1.375) / (b * 1.375)) * 100);
    assert.deepEqual(notes.map((n) => [n.line, Math.round(n.change!)]), [[10, pct(300, 100)], [20, pct(100, 100)], [30, pct(50, 100)]]);
    assert.equal(notes[1].label, '\u221227% vs baseline');
    assert.match(notes[0].detail, /in \*monday\* → .* in \*tuesday\*/);
    assert.equal(c.baseTotal, c.nextTotal);
  });

  it('per second: the baseline scales by the durations (10 s vs 20 s)', () => {
    const c = buildCompareNotes(base, next, { mapper, normalize: 'per-second' });
    assert.deepEqual(c.files.get('/ws/svc/main.go')!.map((n) => [n.line, n.label]), [
      [10, '+50% vs baseline'],
      [20, '\u221250% vs baseline'],
      [30, '\u221275% vs baseline'],
    ]);
  });

  it('a line only the new profile has is "new"; thresholds drop small lines and small changes', () => {
    const grown = profile({ l10: 100, l20: 100, l30: 100 });
    const from = profile({ l10: 100, l20: 104, l30: 0 });
    const notes = buildCompareNotes(from, grown, { mapper, normalize: 'none' }).files.get('/ws/svc/main.go')!;
    assert.deepEqual(notes.map((n) => [n.line, n.label]), [[30, 'new vs baseline']], 'a 4% change is below the default 5%');
    const strict = buildCompareNotes(from, grown, { mapper, normalize: 'none', minChangePercent: 1 }).files.get('/ws/svc/main.go')!;
    assert.deepEqual(strict.map((n) => n.line), [20, 30]);
    const tiny = buildCompareNotes(from, grown, { mapper, normalize: 'none', minPercent: 30 });
    assert.equal(tiny.lines, 0, 'no line reaches 30% of the total');
  });

  it('formats changes with a real minus sign and whole percent', () => {
    assert.deepEqual([formatChange(12.4), formatChange(-30), formatChange(0.3), formatChange(-0.2), formatChange(null)], ['+12%', '\u221230%', '+<1%', '\u2212<1%', 'new']);
  });
});

describe('withTimeWindow: a backend profile records the range it covers', () => {
  it('sets time and duration on a gzipped or plain profile without touching the samples, overriding earlier values', () => {
    const p = encodeProfile({ sampleTypes: [['cpu', 'nanoseconds']], durationNanos: 5e9, functions: [{ id: 1, name: 'f', file: 'f.go' }], locations: [{ id: 1, lines: [[1, 3]] }], samples: [{ stack: [1], values: [7] }] });
    const range = { fromMs: 1_700_000_000_000, toMs: 1_700_000_060_000 };
    for (const input of [p, zlib.gzipSync(p)]) {
      const stamped = decodeProfile(withTimeWindow(input, range));
      assert.equal(stamped.durationNanos, 60e9);
      assert.equal(stamped.timeNanos, 1_700_000_000_000 * 1e6);
      assert.deepEqual(Array.from(stamped.samples.values), [7]);
    }
    // Two windows of 60 s and 120 s with the same values: per second, the second is half the rate.
    const long = decodeProfile(withTimeWindow(p, { fromMs: range.fromMs, toMs: range.fromMs + 120_000 }));
    const d = diff(decodeProfile(withTimeWindow(p, range)), long, { normalize: 'per-second' });
    assert.equal(d.rows[0].baseFlat, 14);
    assert.equal(d.rows[0].nextFlat, 7);
  });
});

describe('anole diff --normalize', function () {
  this.timeout(30_000);
  const cpu = path.join(__dirname, '..', 'fixtures', 'profiles', 'hotsvc', 'cpu.pb.gz');
  const mutex = path.join(__dirname, '..', 'fixtures', 'profiles', 'hotsvc', 'mutex.pb.gz');

  it('takes no value (total), total, per-second, and refuses another mode by name', async () => {
    const bare = await runCli(['diff', cpu, '--normalize', cpu]);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /base total [\d.]+s \(scaled to the new total\)/);
    const total = await runCli(['diff', cpu, cpu, '--normalize', 'total']);
    assert.equal(total.stdout, bare.stdout);
    const perSecond = await runCli(['diff', '--normalize=per-second', cpu, cpu]);
    assert.equal(perSecond.code, 0, perSecond.stderr);
    assert.match(perSecond.stdout, /\(scaled to the new duration\)/);
    const wrong = await runCli(['diff', cpu, cpu, '--normalize', 'hourly']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /--normalize must be 'total' or 'per-second' \(or no value, meaning total\), not 'hourly'/);
    const noDuration = await runCli(['diff', mutex, mutex, '--normalize', 'per-second']);
    assert.equal(noDuration.code, 1);
    assert.match(noDuration.stderr, /cannot normalise per second: the base and the new profiles record no duration/);
  });
});
