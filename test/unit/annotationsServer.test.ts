// The server's feature layer without a connection: lenses (with func-line fallback for old Go), hovers, decorations.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeLenses, decorations, hover } from '../../src/server/features';
import { declaredName, findFuncLine } from '../../src/server/funcLine';
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
      assert.deepEqual(store.clear({ kind: 'cpu' }).map((e) => e.id), [entry.id]);
      assert.deepEqual(codeLenses(store, GEN, text), []);
    });
  }
});
