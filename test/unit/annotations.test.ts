// The annotations model on recorded profiles: hot lines, lock-hold, block-wait, lenses, neighbours and units.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildAnnotations, describeValue, formatBytes, formatDuration, formatPercent, functionMarkdown, guessKind } from '../../src/core/annotations';
import { PathMapper, scanWorkspace } from '../../src/core/pathmap';
import { loadProfile } from '../../src/core/pprof';
import { FIXTURES, GO_VERSIONS, fixture, markLine } from '../fixtures/profiles/fixtures';
import { FIXTURE_DIR, markerLine } from '../host/goServices';

const HOTSVC = path.join(FIXTURES, 'hotsvc');
const PROBLEMS = path.join(FIXTURE_DIR, 'hotsvc', 'problems.go');
const GEN_DIR = path.join(FIXTURES, 'gen');

function mapperFor(dir: string): PathMapper {
  const scan = scanWorkspace([dir]);
  return new PathMapper({ folders: [dir], goFiles: scan.goFiles, modules: scan.modules });
}

describe('annotations: units', () => {
  it('formats durations, sizes, counts and shares', () => {
    assert.equal(formatDuration(1.2149e9), '1.21s');
    assert.equal(formatDuration(340e6), '340ms');
    assert.equal(formatDuration(4.2e9), '4.20s');
    assert.equal(formatDuration(12_300), '12.3µs');
    assert.equal(formatBytes(1.2e9), '1.12GB');
    assert.equal(formatBytes(340_000), '332kB');
    assert.equal(formatBytes(12), '12B');
    assert.equal(formatPercent(23.44), '23.4%');
    assert.equal(formatPercent(0.01), '<0.1%');
    assert.equal(describeValue(1.2e9, 'alloc_space', 'bytes'), 'alloc 1.12GB');
    assert.equal(describeValue(1200, 'alloc_objects', 'count'), 'alloc 1200 objects');
    assert.equal(describeValue(12, 'goroutine', 'count'), '12 goroutines');
  });
});

describe('annotations: hotsvc profiles mapped into the fixture module', () => {
  const mapper = mapperFor(FIXTURE_DIR);

  it('guesses kinds', async () => {
    for (const k of ['cpu', 'mutex', 'block'] as const) {
      const p = await loadProfile(path.join(HOTSVC, `${k}.pb.gz`));
      assert.equal(guessKind(p, `${k}.pb.gz`), k);
      assert.equal(guessKind(p, 'capture.pb.gz'), k);
    }
  });

  it('cpu: the MARK:hot line is the hottest, with a CPU label, and burnCPU gets a lens', async () => {
    const cpu = await loadProfile(path.join(HOTSVC, 'cpu.pb.gz'));
    const a = buildAnnotations(cpu, { kind: 'cpu', mapper });
    assert.equal(a.category, 'hot');
    assert.ok(a.mappedFiles >= 1);
    const notes = a.files.get(PROBLEMS);
    assert.ok(notes, `files: ${[...a.files.keys()].join(', ')}`);
    const hot = notes.hot.find((n) => n.line === markerLine(PROBLEMS, 'hot'))!;
    assert.ok(hot, `lines ${notes.hot.map((n) => n.line)}`);
    assert.equal(hot.weight, 1);
    assert.match(hot.label, /^\d+\.\d% · [\d.]+(s|ms)$/);
    assert.match(hot.detail, /main\.burnCPU/);
    assert.ok(notes.hot.every((n) => n.weight <= 1 && n.weight >= 0));
    const burn = a.functions.find((f) => f.name === 'main.burnCPU')!;
    assert.equal(burn.local, PROBLEMS);
    assert.ok(burn.showLens);
    assert.match(burn.lens, /^CPU \d+\.\d% flat · \d+\.\d% cum$/);
    assert.ok(burn.startLine > 0 && burn.firstLine <= markerLine(PROBLEMS, 'hot'));
    assert.match(functionMarkdown(burn, a.sampleType.unit), /main\.burnCPU/);
  });

  it('mutex: delay is charged at the MARK:unlock line as lock-hold', async () => {
    const a = buildAnnotations(await loadProfile(path.join(HOTSVC, 'mutex.pb.gz')), { kind: 'mutex', mapper });
    assert.equal(a.category, 'lockHold');
    assert.equal(a.sampleType.type, 'delay');
    const notes = a.files.get(PROBLEMS)!;
    const unlock = notes.lockHold.find((n) => n.line === markerLine(PROBLEMS, 'unlock'))!;
    assert.ok(unlock, `lines ${notes.lockHold.map((n) => n.line)}`);
    assert.match(unlock.label, /^held [\d.]+(s|ms) · \d+\.\d%$/);
    assert.equal(notes.hot.length, 0);
    const contend = a.functions.find((f) => f.name === 'main.contend')!;
    assert.match(contend.lens, /^lock-hold /);
    assert.ok(contend.callees.some((c) => c.name === 'sync.(*Mutex).Unlock'), JSON.stringify(contend.callees));
  });

  it('block: waits are charged where goroutines wait', async () => {
    const a = buildAnnotations(await loadProfile(path.join(HOTSVC, 'block.pb.gz')), { kind: 'block', mapper });
    const notes = a.files.get(PROBLEMS)!;
    assert.ok(notes.blockWait.length > 0);
    assert.ok(notes.blockWait.every((n) => /^waited [\d.]+(s|ms|µs) · [\d.<]+%$/.test(n.label)), notes.blockWait.map((n) => n.label).join());
    assert.ok(notes.blockWait.some((n) => n.weight === 1));
  });

  it('lists workspace-looking files that did not map and warns when nothing mapped', async () => {
    const cpu = await loadProfile(path.join(HOTSVC, 'cpu.pb.gz'));
    const other = mapperFor(path.join(FIXTURES, 'gen'));
    const a = buildAnnotations(cpu, { kind: 'cpu', mapper: other });
    assert.equal(a.files.size, 0);
    assert.equal(a.mappedFiles, 0);
    assert.deepEqual(a.unmappedFiles, ['anole.test/fixtures/hotsvc/problems.go']);
    assert.match(a.warnings.join('\n'), /none of the profile's source files matched/);
  });
});

describe('annotations: generator profiles', () => {
  const mapper = mapperFor(GEN_DIR);
  const GEN = path.join(GEN_DIR, 'main.go');
  for (const v of GO_VERSIONS) {
    it(`${v}: cpu lines and lenses; callers and callees of hotLoop`, async () => {
      const a = buildAnnotations(await loadProfile(fixture(v, 'cpu')), { kind: 'cpu', mapper, minPercent: 0.5 });
      const notes = a.files.get(GEN)!;
      assert.ok(notes.hot.some((n) => n.line === markLine('hot')));
      const fib = a.functions.find((f) => f.name === 'main.fib')!;
      assert.ok(fib.callers.every((c) => c.name !== 'main.fib'), 'self-recursion left out');
      const hot = a.functions.find((f) => f.name === 'main.hotLoop')!;
      assert.ok(hot.callers.length > 0 && hot.callers.length <= 5);
      assert.ok(hot.callers[0].value > 0);
    });

    it(`${v}: allocs are labelled with alloc sizes; mutex at the unlock line`, async () => {
      const allocs = buildAnnotations(await loadProfile(fixture(v, 'allocs')), { kind: 'allocs', mapper, sampleType: 'alloc_space' });
      const churn = allocs.files.get(GEN)!.hot.find((n) => n.line === markLine('churn'))!;
      assert.match(churn.label, /^alloc [\d.]+(B|kB|MB|GB) · /);
      const mutex = buildAnnotations(await loadProfile(fixture(v, 'mutex')), { kind: 'mutex', mapper });
      assert.ok(mutex.files.get(GEN)!.lockHold.some((n) => n.line === markLine('unlock')));
    });
  }
});
