// The server's feature layer without a connection: lenses (with func-line fallback for old Go), hovers, decorations.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeLenses, decorations, hover, topRows } from '../../src/server/features';
import { declaredName, findFuncLine } from '../../src/server/funcLine';
import { readSettings, settingsDiff } from '../../src/server/settings';
import { ProfileStore } from '../../src/server/store';
import { buildMapping } from '../../src/server/workspace';
import { FIXTURES, GO_VERSIONS, fixture, markLine } from '../fixtures/profiles/fixtures';

const GEN_DIR = path.join(FIXTURES, 'gen');
const GEN = path.join(GEN_DIR, 'main.go');
const text = (p: string) => fs.readFileSync(p, 'utf8');

function funcDecl(name: string): number {
  return text(GEN).split('\n').findIndex((l) => l.startsWith(`func ${name}(`)) + 1;
}

describe('annotations: server features', () => {
  it('reads settings from any client: defaults for what is missing or malformed, and what changed', () => {
    const defaults = readSettings(null);
    assert.deepEqual(defaults, { pathMappings: [], minPercent: 1, lensMinPercent: 2, flameMinFraction: undefined, maxScanFiles: undefined, trace: { decorations: true, codeLens: true, hovers: true, minWaitMs: 1 } });
    const s = readSettings({
      minPercent: 150, lensMinPercent: 0.5, flameMinFraction: 0.01, maxScanFiles: 'many',
      pathMappings: [{ from: '/build/', to: '/src/', extra: 1 }, { from: 1, to: '/x' }, null],
    });
    assert.deepEqual(s, { pathMappings: [{ from: '/build/', to: '/src/' }], minPercent: 1, lensMinPercent: 0.5, flameMinFraction: 0.01, maxScanFiles: undefined, trace: { decorations: true, codeLens: true, hovers: true, minWaitMs: 1 } });
    assert.deepEqual(settingsDiff(defaults, s), { mapping: true, thresholds: true, trace: false });
    assert.deepEqual(settingsDiff(s, readSettings({ ...s, flameMinFraction: 0.1 })), { mapping: false, thresholds: false, trace: false });
    assert.deepEqual(settingsDiff(s, readSettings({ ...s, minPercent: 5 })), { mapping: false, thresholds: true, trace: false });
    const t = readSettings({ traceCodeLens: false, traceMinWaitMs: 10 });
    assert.deepEqual(t.trace, { decorations: true, codeLens: false, hovers: true, minWaitMs: 10 });
    assert.deepEqual(settingsDiff(defaults, t), { mapping: false, thresholds: false, trace: true });
  });

  it('finds the declared name and func line of Go symbols', () => {
    assert.equal(declaredName('main.hotLoop'), 'hotLoop');
    assert.equal(declaredName('main.(*heartbeat).run'), 'run');
    assert.equal(declaredName('example.com/a/b.F.func1.2'), 'F');
    assert.equal(declaredName('main.Map[...]'), 'Map');
    assert.equal(declaredName('main.startContention.gowrap1'), 'startContention');
    const src = 'package main\n\nfunc (h *heartbeat) run() {\n\tx()\n}\n\nfunc other() {}\n';
    assert.equal(findFuncLine(src, 'main.(*heartbeat).run', 4), 3);
    assert.equal(findFuncLine(src, 'main.other', 1), 7);
    assert.equal(findFuncLine(src, 'main.missing', 4), 0);
  });

  for (const by of ['line', 'function'] as const) {
    it(`Compare Profiles top table by ${by}: ranked by the flat change, which adds up (Go 1.19 → 1.26 CPU)`, async function () {
      const { mapper } = buildMapping({ folders: [GEN_DIR], substitutions: [] });
      const store = new ProfileStore(mapper, { minPercent: 1, lensMinPercent: 2 });
      const { entry: base } = await store.load({ path: fixture('go1.19', 'cpu'), replace: false });
      const { entry: next } = await store.load({ path: fixture('go1.26', 'cpu'), replace: false });
      const res = topRows(next, { id: next.id, by, baseId: base.id, limit: 100_000 }, (f) => mapper.map(f), base);
      const key = (r: { function: string; file?: string; line?: number | null }) => (by === 'line' ? `${r.function} ${r.file}:${r.line}` : r.function);
      const baseRows = new Map(topRows(base, { id: base.id, by, limit: 100_000 }, () => null).rows.map((r) => [key(r), r]));
      for (const m of res.rows) {
        assert.equal(m.baseFlat, baseRows.get(key(m))?.flat ?? 0, `base flat of ${key(m)}`);
        assert.equal(m.flatPercent, (100 * m.flat) / res.total);
      }
      // Ranked by the size of the flat change; every flat change adds up to the change of the total.
      assert.ok(res.rows.every((r, i) => i === 0 || Math.abs(res.rows[i - 1].flat) >= Math.abs(r.flat)));
      assert.equal(res.rows.reduce((sum, r) => sum + r.flat, 0), res.total - res.baseTotal!);
      const hot = res.rows.find((r) => r.function === 'main.hotLoop' && (by === 'function' || r.line === markLine('hot')));
      assert.ok(hot, JSON.stringify(res.rows.slice(0, 5)));
      assert.equal(hot.localUri, pathToFileURL(GEN).href);
      assert.equal(by === 'line', res.rows.every((r) => r.line !== null));
    });
  }

  for (const v of GO_VERSIONS) {
    it(`${v}: lenses sit on the func line (searched when the profile has no start line)`, async () => {
      const { mapper } = buildMapping({ folders: [GEN_DIR], substitutions: [] });
      const store = new ProfileStore(mapper, { minPercent: 1, lensMinPercent: 2 });
      const { entry } = await store.load({ path: fixture(v, 'cpu') });
      assert.equal(entry.kind, 'cpu');
      const lenses = codeLenses(store, GEN, text);
      const hot = lenses.find((l) => (l.command!.arguments![0] as { function: string }).function === 'main.hotLoop');
      assert.ok(hot, lenses.map((l) => l.command!.title).join('; '));
      assert.equal(hot.range.start.line, funcDecl('hotLoop') - 1);
      const h = hover(store, GEN, markLine('hot') - 1, text)!;
      assert.match((h.contents as { value: string }).value, /main\.hotLoop[\s\S]*callers/);
      // Inside the function but on a line without samples: the function summary only.
      const inFn = hover(store, GEN, funcDecl('hotLoop'), text)!;
      assert.match((inFn.contents as { value: string }).value, /main\.hotLoop/);
      const d = decorations(store, pathToFileURL(GEN).href, GEN);
      assert.ok(d.hot.some((a) => a.line === markLine('hot') - 1));
      assert.deepEqual(store.clear({ kind: 'cpu' }).unloaded.map((e) => e.id), [entry.id]);
      assert.deepEqual(codeLenses(store, GEN, text), []);
    });
  }
});
