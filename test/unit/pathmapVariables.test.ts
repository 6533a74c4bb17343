// `${workspaceFolder}` in anole.pathMappings, and the messages for mappings that match nothing.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PathMapper, expandPathMappings, scanWorkspace, unusedSubstitutions } from '../../src/core/pathmap';

const WS = path.resolve(__dirname, '..', 'fixtures', 'workspaces', 'pathmap');
const api = { name: 'api', path: '/home/me/src/api' };
const lib = { name: 'lib', path: '/home/me/src/lib' };

describe('pathmap: ${workspaceFolder} in path mappings', () => {
  it('expands ${workspaceFolder} to the folder the setting belongs to, in from and to', () => {
    const r = expandPathMappings(
      [{ from: '/build/api/', to: '${workspaceFolder}/' }, { from: '${workspaceFolder}/old', to: '${workspaceFolder}/new' }],
      { folder: api, folders: [api, lib] },
    );
    assert.deepEqual(r, {
      mappings: [{ from: '/build/api/', to: '/home/me/src/api/' }, { from: '/home/me/src/api/old', to: '/home/me/src/api/new' }],
      problems: [],
    });
  });

  it('expands ${workspaceFolder:name} to the named folder of a multi-root workspace', () => {
    const r = expandPathMappings([{ from: '/build/lib', to: '${workspaceFolder:lib}/vendor/x' }], { folder: api, folders: [api, lib] });
    assert.deepEqual(r.mappings, [{ from: '/build/lib', to: '/home/me/src/lib/vendor/x' }]);
  });

  it('leaves out, and says why, an unknown folder name, an unknown variable, no folder at all, and malformed entries', () => {
    const r = expandPathMappings(
      [
        { from: '/a', to: '${workspaceFolder:web}' },
        { from: '/b', to: '${env:HOME}/b' },
        { from: '/c', to: '${workspaceFolder}/c' },
        { from: '/d' },
        'nonsense',
        { from: '/e', to: '/srv/e' },
      ],
      { folders: [api] },
    );
    assert.deepEqual(r.mappings, [{ from: '/e', to: '/srv/e' }]);
    assert.equal(r.problems.length, 5);
    assert.match(r.problems[0], /"\/a" → "\$\{workspaceFolder:web\}": no workspace folder is named "web" \(folders: api\): ignored/);
    assert.match(r.problems[1], /\$\{env:HOME\} is not supported/);
    assert.match(r.problems[2], /\$\{workspaceFolder\} needs an open workspace folder/);
    assert.match(r.problems[3], /needs string "from" and "to"/);
    assert.deepEqual(expandPathMappings(undefined, { folders: [] }), { mappings: [], problems: [] });
  });

  it('an expanded mapping maps a build path into the workspace (it never matched unexpanded)', () => {
    const scan = scanWorkspace([WS]);
    const raw = [{ from: '/build/svc', to: '${workspaceFolder}' }];
    const mapperWith = (substitutions: { from: string; to: string }[]) =>
      new PathMapper({ folders: [WS], goFiles: scan.goFiles, substitutions });
    // Unexpanded, the literal "${workspaceFolder}/internal/api/handler.go" exists nowhere.
    assert.notEqual(mapperWith(raw).explain('/build/svc/internal/api/handler.go').reason, 'substitution');
    const { mappings } = expandPathMappings(raw, { folder: { name: 'pathmap', path: WS }, folders: [] });
    assert.deepEqual(mapperWith(mappings).explain('/build/svc/internal/api/handler.go'),
      { local: path.join(WS, 'internal/api/handler.go'), reason: 'substitution' });
  });

  it('names the mappings that matched no source path, or whose targets do not exist', () => {
    const scan = scanWorkspace([WS]);
    const subs = [
      { from: '/build/svc', to: WS },
      { from: '/ci/other', to: WS },
      { from: '/build/svc/cmd', to: '/nowhere' },
    ];
    const mapper = new PathMapper({ folders: [WS], goFiles: scan.goFiles, substitutions: subs });
    const recorded = ['/build/svc/main.go', '/build/svc/cmd/tool/main.go', 'runtime/proc.go'];
    const msgs = unusedSubstitutions(subs, recorded, (f) => mapper.explain(f));
    assert.deepEqual(msgs, [
      'path mapping "/ci/other" → "' + WS + '" matches no source path of the profile (they look like /build/svc/main.go)',
      'path mapping "/build/svc/cmd" → "/nowhere" rewrites 1 source path(s), but no such file exists under "/nowhere" (e.g. /build/svc/cmd/tool/main.go)',
    ]);
  });
});
