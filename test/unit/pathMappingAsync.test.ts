// The workspace scan behind dump links and the Goroutine Groups view runs asynchronously, once:
// the event loop keeps turning during the walk (no timing involved), and callers share one scan.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanWorkspace, scanWorkspaceAsync } from '../../src/core/pathmap';

const WS = path.resolve(__dirname, '..', 'fixtures', 'workspaces', 'pathmap');

/** Counts event-loop turns (setImmediate callbacks) until `work` settles. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    return { value: await work(), turns };
  } finally {
    done = true;
  }
}

describe('pathmap: asynchronous workspace scan', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-ascan-'));
    for (let i = 0; i < 40; i++) {
      const d = path.join(tmp, `pkg${i}`, 'sub');
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, `f${i}.go`), 'package sub\n');
    }
    fs.writeFileSync(path.join(tmp, 'go.mod'), 'module example.com/big\n');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds what the synchronous scan finds, letting the event loop run between directories', async () => {
    const { value, turns } = await turnsDuring(() => scanWorkspaceAsync([tmp, WS]));
    assert.deepEqual(value, scanWorkspace([tmp, WS]));
    assert.equal(value.goFiles.length, 40 + 6);
    assert.ok(turns > 0, 'the walk never yielded to the event loop');
  });

  it('keeps the bounds and stops when aborted', async () => {
    assert.deepEqual(await scanWorkspaceAsync([tmp], { maxFiles: 3 }), scanWorkspace([tmp], { maxFiles: 3 }));
    const ac = new AbortController();
    const p = scanWorkspaceAsync([tmp], { signal: ac.signal });
    ac.abort(new Error('folders changed'));
    await assert.rejects(p, /folders changed/);
  });
});

describe('WorkspacePathMapper (extension, against a small vscode stand-in)', () => {
  const listeners: { folders: Array<() => void>; config: Array<(e: { affectsConfiguration(s: string): boolean }) => void> } = { folders: [], config: [] };
  const fakeVscode = {
    Uri: { file: (p: string) => ({ scheme: 'file', fsPath: p }) },
    workspace: {
      workspaceFolders: [{ name: 'pathmap', uri: { scheme: 'file', fsPath: WS } }],
      getConfiguration: () => ({ get: (_k: string, def: unknown) => (_k === 'pathMappings' ? [{ from: '/build/svc', to: '${workspaceFolder}' }] : def) }),
      onDidChangeWorkspaceFolders: (f: () => void) => (listeners.folders.push(f), { dispose() {} }),
      onDidChangeConfiguration: (f: (e: { affectsConfiguration(s: string): boolean }) => void) => (listeners.config.push(f), { dispose() {} }),
    },
    l10n: { t: (m: string) => m },
  };
  const modResolve = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
  const original = modResolve._resolveFilename;
  const fakeId = path.join(__dirname, '__fake_vscode_pathmap__.js');
  const loaded: string[] = [];
  let WorkspacePathMapper: typeof import('../../src/extension/pathMapping').WorkspacePathMapper;

  before(() => {
    modResolve._resolveFilename = function (req: string, ...rest: unknown[]) {
      return req === 'vscode' ? fakeId : original.call(this, req, ...rest);
    };
    require.cache[fakeId] = { id: fakeId, filename: fakeId, loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
    WorkspacePathMapper = (require('../../src/extension/pathMapping') as typeof import('../../src/extension/pathMapping')).WorkspacePathMapper;
    loaded.push(require.resolve('../../src/extension/pathMapping'), require.resolve('../../src/extension/settings'));
  });
  after(() => {
    modResolve._resolveFilename = original;
    for (const id of [fakeId, ...loaded]) delete require.cache[id];
  });

  it('maps a path without blocking: toUri returns a promise and the scan yields; one scan serves every caller until a change', async () => {
    const paths = new WorkspacePathMapper();
    try {
      const pending = paths.toUri('/build/svc/internal/api/handler.go');
      assert.ok(pending instanceof Promise, 'toUri answers later, it does not walk the workspace first');
      const { value, turns } = await turnsDuring(() => pending);
      assert.deepEqual(value, { scheme: 'file', fsPath: path.join(WS, 'internal/api/handler.go') });
      assert.ok(turns > 0, 'the scan never yielded to the event loop');
      const first = paths.mapper();
      assert.equal(paths.mapper(), first, 'callers share one scan');
      assert.equal(await paths.toUri('/nowhere/x.go'), undefined);
      for (const l of listeners.config) l({ affectsConfiguration: (s) => s === 'anole.pathMappings' });
      assert.notEqual(paths.mapper(), first, 'a changed setting scans again');
    } finally {
      paths.dispose();
    }
  });
});
