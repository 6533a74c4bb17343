// The hotspot index (file → line → flat/cum, functions) and matching local paths to profile paths.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type HotspotIndex, buildHotspotIndex, loadProfile, matchProfileFile, top } from '../../src/core/pprof';
import { GEN_FILE, GO_VERSIONS, fixture, markLine } from '../fixtures/profiles/fixtures';

describe('pprof hotspot index', () => {
  for (const v of GO_VERSIONS) {
    it(`${v}: per-line weights of the generator file agree with top by line`, async () => {
      const cpu = await loadProfile(fixture(v, 'cpu'));
      const index = buildHotspotIndex(cpu);
      assert.equal(index.sampleType.type, 'cpu');
      const lines = index.byFile.get(GEN_FILE);
      assert.ok(lines, `index has ${[...index.byFile.keys()].join(', ')}`);
      for (const r of top(cpu, { by: 'line' }).rows.filter((x) => x.file === GEN_FILE)) {
        assert.deepEqual(lines.get(r.line!), { flat: r.flat, cum: r.cum }, `line ${r.line}`);
      }
      assert.ok(lines.get(markLine('hot'))!.flat > 0);
      // The recursive call line appears many times per stack but counts once.
      assert.ok(lines.get(markLine('recurse'))!.cum <= index.total);
    });

    it(`${v}: functions carry their file and weights, heaviest cum first`, async () => {
      const index = buildHotspotIndex(await loadProfile(fixture(v, 'cpu')));
      const hot = index.functions.find((f) => f.name === 'main.hotLoop')!;
      assert.equal(hot.file, GEN_FILE);
      assert.ok(hot.flat > 0 && hot.cum >= hot.flat);
      if (v === 'go1.26') assert.equal(hot.startLine, markLine('hotLoop-begin') - 1);
      assert.ok(index.functions.every((f, i) => i === 0 || index.functions[i - 1].cum >= f.cum));
    });
  }

  it('works on any sample type', async () => {
    const index = buildHotspotIndex(await loadProfile(fixture('go1.26', 'heap')), { sampleType: 'alloc_space' });
    assert.equal(index.sampleType.type, 'alloc_space');
    assert.ok(index.byFile.get(GEN_FILE)!.get(markLine('churn'))!.flat > 0);
  });
});

describe('pprof matchProfileFile', () => {
  let index: HotspotIndex;
  before(async () => {
    index = buildHotspotIndex(await loadProfile(fixture('go1.26', 'cpu')));
  });

  it('matches exact paths and the longest common path suffix', () => {
    assert.equal(matchProfileFile(index, GEN_FILE), GEN_FILE);
    assert.equal(matchProfileFile(index, '/home/me/src/profgen/main.go'), GEN_FILE);
    assert.equal(matchProfileFile(index, 'C:\\src\\profgen\\main.go'), GEN_FILE);
  });

  it('accepts a bare base name only when it is unique, and refuses unrelated files', () => {
    assert.equal(matchProfileFile(index, '/elsewhere/main.go'), GEN_FILE);
    assert.equal(matchProfileFile(index, '/elsewhere/other.go'), undefined);
    const two: HotspotIndex = { ...index, byFile: new Map([['a/x/main.go', new Map()], ['b/y/main.go', new Map()]]) };
    assert.equal(matchProfileFile(two, '/src/main.go'), undefined);
    assert.equal(matchProfileFile(two, '/src/b/y/main.go'), 'b/y/main.go');
  });
});

describe('pprof engine layering', () => {
  it('never imports vscode or editor code', () => {
    const dir = join(__dirname, '..', '..', 'src', 'core', 'pprof');
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.doesNotMatch(text, /from ['"]vscode['"]|require\(['"]vscode['"]\)|from ['"][./]*extension\//, f);
      assert.match(text.split('\n')[0], /^\/\/ \S/, `${f} starts with a one-line purpose comment`);
      assert.ok(text.split('\n').length < 400, `${f} is under 400 lines`);
    }
  });
});
