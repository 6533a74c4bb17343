// Path mapping from profile paths to workspace files, on the fixture workspace test/fixtures/workspaces/pathmap.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PathMapper, parseModulePath, scanWorkspace } from '../../src/core/pathmap';

const WS = path.resolve(__dirname, '..', 'fixtures', 'workspaces', 'pathmap');
const at = (rel: string) => path.join(WS, rel);

describe('pathmap: workspace scan', () => {
  it('finds Go files and go.mod modules, skipping vendor', () => {
    const scan = scanWorkspace([WS]);
    const rel = scan.goFiles.map((f) => path.relative(WS, f)).sort();
    assert.deepEqual(rel, ['cmd/tool/main.go', 'internal/api/handler.go', 'main.go', 'nested/util/log.go', 'nested/worker.go', 'pkg/util/log.go']);
    assert.deepEqual(
      scan.modules.map((m) => [m.path, path.relative(WS, m.dir)]).sort(),
      [
        ['example.com/svc', ''],
        ['example.com/svc/nested', 'nested'],
      ],
    );
    assert.equal(scan.truncated, false);
  });

  it('skips .git and node_modules, and stops at maxFiles', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-scan-'));
    try {
      for (const d of ['.git/x', 'node_modules/y', 'a/b']) fs.mkdirSync(path.join(tmp, d), { recursive: true });
      for (const f of ['.git/x/a.go', 'node_modules/y/b.go', 'a/b/c.go', 'a/d.go', 'e.go']) fs.writeFileSync(path.join(tmp, f), 'package p\n');
      assert.deepEqual(scanWorkspace([tmp]).goFiles.map((f) => path.relative(tmp, f)).sort(), ['a/b/c.go', 'a/d.go', 'e.go']);
      const bounded = scanWorkspace([tmp], { maxFiles: 2 });
      assert.equal(bounded.goFiles.length, 2);
      assert.equal(bounded.truncated, true);
      assert.deepEqual(scanWorkspace([path.join(tmp, 'missing')]).goFiles, []);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('parses module directives', () => {
    assert.equal(parseModulePath('// c\nmodule "example.com/x" // y\n\ngo 1.21\n'), 'example.com/x');
    assert.equal(parseModulePath('go 1.21\n'), undefined);
  });
});

describe('pathmap: PathMapper', () => {
  const scan = scanWorkspace([WS]);
  const mapper = (subs: { from: string; to: string }[] = []) =>
    new PathMapper({ folders: [WS], goFiles: scan.goFiles, modules: scan.modules, substitutions: subs });

  it('maps -trimpath module paths into the module directory, nested modules first', () => {
    const m = mapper();
    assert.equal(m.map('example.com/svc/pkg/util/log.go'), at('pkg/util/log.go'));
    assert.equal(m.map('example.com/svc/main.go'), at('main.go'));
    assert.equal(m.map('example.com/svc/nested/util/log.go'), at('nested/util/log.go'));
    assert.equal(m.explain('example.com/svc/nested/worker.go').reason, 'module');
    assert.equal(m.map('example.com/svc/pkg/util/missing.go'), null);
  });

  it('maps GOPATH-style paths', () => {
    const m = mapper();
    assert.equal(m.map('/home/ci/go/src/example.com/svc/internal/api/handler.go'), at('internal/api/handler.go'));
    assert.equal(m.explain('/home/ci/go/src/example.com/svc/internal/api/handler.go').reason, 'gopath');
  });

  it('maps absolute build-machine paths by the longest unique suffix', () => {
    const m = mapper();
    assert.equal(m.map('/build/svc/pkg/util/log.go'), at('pkg/util/log.go'));
    assert.equal(m.map('/build/svc/nested/util/log.go'), at('nested/util/log.go'));
    assert.equal(m.map('/build/svc/cmd/tool/main.go'), at('cmd/tool/main.go'));
    // A unique base name maps even with one shared component.
    assert.equal(m.map('/somewhere/else/handler.go'), at('internal/api/handler.go'));
    // Ambiguous: two util/log.go tie, two main.go share only the base name.
    assert.deepEqual(m.explain('/build/other/util/log.go'), { local: null, reason: 'ambiguous' });
    assert.deepEqual(m.explain('/build/x/main.go'), { local: null, reason: 'ambiguous' });
    assert.deepEqual(m.explain('/build/x/nothing.go'), { local: null, reason: 'unmatched' });
  });

  it('leaves stdlib, GOROOT, module-cache and dependency paths unmapped', () => {
    const m = mapper();
    assert.equal(m.explain('runtime/proc.go').reason, 'stdlib');
    assert.equal(m.explain('net/http/server.go').reason, 'stdlib');
    assert.equal(m.explain('/usr/local/go/src/net/http/server.go').reason, 'stdlib');
    assert.equal(m.explain('/root/go/pkg/mod/github.com/x/y@v1.2.3/util/log.go').reason, 'modcache');
    assert.equal(m.explain('github.com/x/y@v1.2.3/util/log.go').reason, 'modcache');
    assert.equal(m.explain('github.com/x/y/util/log.go').reason, 'dependency');
    assert.equal(m.map('/usr/local/go/src/runtime/proc.go'), null);
  });

  it('applies user substitutions first, longest prefix first', () => {
    const m = mapper([
      { from: '/srv', to: '/nowhere' },
      { from: '/srv/app/', to: `${WS}/` },
    ]);
    assert.deepEqual(m.explain('/srv/app/cmd/tool/main.go'), { local: at('cmd/tool/main.go'), reason: 'substitution' });
  });

  it('maps workspace paths to themselves and caches answers', () => {
    const m = mapper();
    assert.equal(m.map(at('nested/worker.go')), at('nested/worker.go'));
    assert.equal(m.explain('/build/x/main.go'), m.explain('/build/x/main.go'));
    assert.equal(m.map(''), null);
  });

  it('falls back to suffix matching when the workspace has no go.mod', () => {
    const m = new PathMapper({ folders: [WS], goFiles: scan.goFiles });
    assert.equal(m.map('example.com/svc/internal/api/handler.go'), at('internal/api/handler.go'));
  });
});
