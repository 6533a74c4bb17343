// The bundled language server (dist/server.js) driven over stdio by a real JSON-RPC LSP client.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CodeLens,
  CodeLensRequest,
  DidChangeConfigurationNotification,
  DidChangeWorkspaceFoldersNotification,
  ExitNotification,
  type Hover,
  HoverRequest,
  InitializeRequest,
  type InitializeResult,
  InitializedNotification,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';
import {
  type DecorationsResult,
  type DidChangeSettingsParams,
  type FlameGraphResult,
  type FlameNode,
  type LoadProfileResult,
  Methods,
  type ServerInitOptions,
  type TopResultMessage,
} from '../../src/core/annotations/protocol';
import { FIXTURE_DIR, REPO_ROOT, markerLine } from '../host/goServices';
import { PROBLEMS, PROBLEMS_URI, PROFILES, type Server, ensureBundle, funcLine, startServer } from '../support/lspServer';

describe('language server over stdio (dist/server.js)', function () {
  this.timeout(60000);
  let srv: Server;
  let cpu: LoadProfileResult;

  before(async () => {
    ensureBundle();
    srv = startServer();
    const init: ServerInitOptions = { minPercent: 1, lensMinPercent: 2 };
    const res: InitializeResult = await srv.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: [{ uri: pathToFileURL(FIXTURE_DIR).href, name: 'fixtures' }],
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      initializationOptions: init,
    });
    assert.ok(res.capabilities.codeLensProvider);
    assert.equal(res.capabilities.hoverProvider, true);
    await srv.conn.sendNotification(InitializedNotification.type, {});
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`server log:\n${srv.log.join('\n')}`);
  });

  after(async () => {
    if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
  });

  it('loads a recorded CPU profile and announces the changed documents', async () => {
    const changed = srv.nextChange();
    cpu = await srv.conn.sendRequest(Methods.loadProfile, { path: path.join(PROFILES, 'cpu.pb.gz'), label: 'hotsvc cpu' });
    assert.equal(cpu.kind, 'cpu');
    assert.equal(cpu.sampleType.type, 'cpu');
    assert.ok(cpu.total > 0);
    assert.ok(cpu.mappedFiles >= 1, JSON.stringify(cpu));
    assert.deepEqual((await changed).uris, [PROBLEMS_URI]);
  });

  it('decorates the MARK:hot line with the highest weight', async () => {
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    const hotLine = markerLine(PROBLEMS, 'hot') - 1;
    const hot = d.hot.find((a) => a.line === hotLine);
    assert.ok(hot, `hot lines: ${d.hot.map((a) => a.line)}`);
    assert.equal(hot.weight, Math.max(...d.hot.map((a) => a.weight)));
    assert.match(hot.label, /^\d+\.\d% · [\d.]+m?s$/);
    assert.deepEqual(d.lockHold, []);
  });

  it('puts a CPU lens on the func line of main.burnCPU', async () => {
    const lenses: CodeLens[] = (await srv.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: PROBLEMS_URI } })) ?? [];
    const lens = lenses.find((l) => l.range.start.line === funcLine('burnCPU') - 1);
    assert.ok(lens, JSON.stringify(lenses));
    assert.match(lens.command!.title, /^CPU \d+\.\d% flat · \d+\.\d% cum$/);
    assert.equal(lens.command!.command, 'anole.showFlameGraph');
    assert.deepEqual(lens.command!.arguments, [{ profileId: cpu.id, function: 'main.burnCPU' }]);
  });

  it('hovers the hot line with its figures and the function summary', async () => {
    const h: Hover | null = await srv.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri: PROBLEMS_URI },
      position: { line: markerLine(PROBLEMS, 'hot') - 1, character: 4 },
    });
    assert.ok(h);
    const md = (h.contents as { value: string }).value;
    assert.match(md, /flat [\d.]+m?s \(\d+\.\d%\) · cum/);
    assert.match(md, /main\.burnCPU/);
    assert.match(md, /hotsvc cpu/);
    const none = await srv.conn.sendRequest(HoverRequest.type, { textDocument: { uri: PROBLEMS_URI }, position: { line: 0, character: 0 } });
    assert.equal(none, null);
  });

  it('charges mutex delay to the MARK:unlock line as lock-hold', async () => {
    const changed = srv.nextChange();
    const r: LoadProfileResult = await srv.conn.sendRequest(Methods.loadProfile, { path: path.join(PROFILES, 'mutex.pb.gz') });
    assert.equal(r.kind, 'mutex');
    await changed;
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    const unlock = d.lockHold.find((a) => a.line === markerLine(PROBLEMS, 'unlock') - 1);
    assert.ok(unlock, JSON.stringify(d.lockHold));
    assert.match(unlock.label, /^held [\d.]+m?s · \d+\.\d%$/);
    assert.ok(d.hot.length > 0, 'the CPU annotations stay');
    const lenses: CodeLens[] = (await srv.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: PROBLEMS_URI } })) ?? [];
    assert.ok(lenses.some((l) => l.range.start.line === funcLine('contend') - 1 && /^lock-hold /.test(l.command!.title)));
  });

  it('marks where goroutines wait from a block profile', async () => {
    const r: LoadProfileResult = await srv.conn.sendRequest(Methods.loadProfile, { path: path.join(PROFILES, 'block.pb.gz'), kind: 'block' });
    assert.equal(r.kind, 'block');
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.ok(d.blockWait.length > 0 && d.blockWait.every((a) => /^waited /.test(a.label)));
  });

  it('fails a corrupt or missing profile with a clear error and keeps serving', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-lsp-'));
    try {
      const bad = path.join(tmp, 'cpu.pb.gz');
      fs.copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'profiles', 'bad', 'corrupt.pb.gz'), bad);
      await assert.rejects(srv.conn.sendRequest(Methods.loadProfile, { path: bad }), (e: Error & { code?: number }) => {
        assert.match(e.message, /corrupt gzip|truncated gzip/);
        assert.equal(e.code, -32803);
        return true;
      });
      await assert.rejects(srv.conn.sendRequest(Methods.loadProfile, { path: path.join(tmp, 'nope.pb.gz') }), /no such profile file/);
      await assert.rejects(srv.conn.sendRequest(Methods.flameGraph, { id: 'p999' }), /no loaded profile with id "p999"/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.ok(d.hot.length > 0);
  });

  it('returns a flame graph whose root value is the total', async () => {
    const g: FlameGraphResult = await srv.conn.sendRequest(Methods.flameGraph, { id: cpu.id });
    assert.equal(g.root.value, g.total);
    assert.equal(g.total, cpu.total);
    const find = (n: FlameNode): FlameNode | undefined => (n.name === 'main.burnCPU' ? n : n.children.map(find).find(Boolean));
    const burn = find(g.root);
    assert.ok(burn && burn.value > 0.5 * g.total, JSON.stringify(g.root).slice(0, 500));
    const diff: FlameGraphResult = await srv.conn.sendRequest(Methods.flameGraph, { id: cpu.id, baseId: cpu.id });
    assert.equal(diff.root.value, 0);
    assert.equal(diff.root.base, diff.total);
  });

  it('answers top with local file URIs', async () => {
    const t: TopResultMessage = await srv.conn.sendRequest(Methods.top, { id: cpu.id, by: 'line', limit: 5 });
    assert.equal(t.rows[0].function, 'main.burnCPU');
    assert.equal(t.rows[0].localUri, PROBLEMS_URI);
    assert.ok(t.rows.length <= 5);
    const d: TopResultMessage = await srv.conn.sendRequest(Methods.top, { id: cpu.id, by: 'line', baseId: cpu.id });
    assert.ok(d.rows.length > 0 && d.rows.every((r) => r.flat === 0 && r.cum === 0 && r.line !== null), 'a profile against itself changes nothing');
    assert.equal(d.baseTotal, d.total);
    assert.equal(d.rows.find((r) => r.function === t.rows[0].function && r.line === t.rows[0].line)?.baseFlat, t.rows[0].flat);
  });

  it('clears annotations', async () => {
    const changed = srv.nextChange();
    await srv.conn.sendRequest(Methods.clear, { kind: 'cpu' });
    await changed;
    let d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.deepEqual(d.hot, []);
    assert.ok(d.lockHold.length > 0);
    await srv.conn.sendRequest(Methods.clear, {});
    d = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.deepEqual([d.hot, d.lockHold, d.blockWait], [[], [], []]);
    assert.ok(srv.refreshes > 0, 'asked the client to refresh CodeLenses');
  });

  it('shuts down and exits cleanly', async () => {
    await srv.conn.sendRequest(ShutdownRequest.type);
    await srv.conn.sendNotification(ExitNotification.type);
    assert.equal(await srv.exited, 0);
    srv.conn.dispose();
  });
});

describe('language server: workspace folders added later', function () {
  this.timeout(60000);
  let srv: Server;

  before(() => {
    ensureBundle();
    srv = startServer();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`server log:\n${srv.log.join('\n')}`);
  });
  after(() => {
    if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
  });

  it('warns when nothing maps, then re-maps loaded profiles when the service folder is added', async () => {
    await srv.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: [],
      capabilities: { workspace: { workspaceFolders: true } },
    });
    await srv.conn.sendNotification(InitializedNotification.type, {});
    const r: LoadProfileResult = await srv.conn.sendRequest(Methods.loadProfile, { path: path.join(PROFILES, 'cpu.pb.gz'), kind: 'cpu' });
    assert.equal(r.mappedFiles, 0);
    assert.deepEqual(r.unmappedFiles, ['anole.test/fixtures/hotsvc/problems.go']);
    assert.match(r.warnings.join('\n'), /none of the profile's source files matched a workspace file/);
    const changed = srv.nextChange();
    await srv.conn.sendNotification(DidChangeWorkspaceFoldersNotification.type, {
      event: { added: [{ uri: pathToFileURL(FIXTURE_DIR).href, name: 'fixtures' }], removed: [] },
    });
    assert.deepEqual(await changed, {});
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.ok(d.hot.some((a) => a.line === markerLine(PROBLEMS, 'hot') - 1), JSON.stringify(d));
    await srv.conn.sendRequest(ShutdownRequest.type);
    await srv.conn.sendNotification(ExitNotification.type);
    assert.equal(await srv.exited, 0);
    srv.conn.dispose();
  });
});

describe('language server: user path mappings', function () {
  this.timeout(60000);

  it('maps profile paths through the pathMappings init option', async () => {
    ensureBundle();
    const srv = startServer();
    try {
      const init: ServerInitOptions = {
        pathMappings: [{ from: 'anole.test/fixtures/', to: `${FIXTURE_DIR}/` }, { from: '/ci/elsewhere/', to: `${FIXTURE_DIR}/` }],
      };
      await srv.conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: init });
      await srv.conn.sendNotification(InitializedNotification.type, {});
      const r: LoadProfileResult = await srv.conn.sendRequest(Methods.loadProfile, { path: path.join(PROFILES, 'mutex.pb.gz') });
      assert.equal(r.mappedFiles, 1, JSON.stringify(r));
      // The mapping that matched nothing is named in the log, with what the profile's paths look like.
      assert.ok(srv.log.some((l) => /path mapping "\/ci\/elsewhere\/" → ".*" matches no source path of the profile \(they look like /.test(l)),
        srv.log.join('\n'));
      assert.ok(!srv.log.some((l) => /path mapping "anole\.test/.test(l)), 'the mapping that matched is not named');
      const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
      assert.ok(d.lockHold.some((a) => a.line === markerLine(PROBLEMS, 'unlock') - 1));
      assert.equal(srv.refreshes, 0, 'no CodeLens refresh without client support');
      await srv.conn.sendRequest(ShutdownRequest.type);
      await srv.conn.sendNotification(ExitNotification.type);
      assert.equal(await srv.exited, 0);
    } catch (e) {
      console.error(`server log:\n${srv.log.join('\n')}`);
      throw e;
    } finally {
      if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
      srv.conn.dispose();
    }
  });
});

describe('language server: settings changed live (workspace/didChangeConfiguration)', function () {
  this.timeout(60000);
  let srv: Server;

  before(async () => {
    ensureBundle();
    srv = startServer();
    const init: ServerInitOptions = { minPercent: 1, lensMinPercent: 2 };
    await srv.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: [],
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      initializationOptions: init,
    });
    await srv.conn.sendNotification(InitializedNotification.type, {});
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`server log:\n${srv.log.join('\n')}`);
  });
  after(() => {
    if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
    srv.conn.dispose();
  });

  const configure = (anole: ServerInitOptions | undefined): Promise<void> =>
    srv.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: anole ? { anole } : null } satisfies DidChangeSettingsParams);
  const burnValue = (g: FlameGraphResult): number => {
    const find = (n: FlameNode): FlameNode | undefined => (n.name === 'main.burnCPU' ? n : n.children.map(find).find(Boolean));
    return find(g.root)?.value ?? 0;
  };

  it('maps files through changed path mappings, and a profile id loaded before still answers', async () => {
    const cpu: LoadProfileResult = await srv.conn.sendRequest(Methods.loadProfile, { path: path.join(PROFILES, 'cpu.pb.gz'), kind: 'cpu' });
    assert.equal(cpu.mappedFiles, 0, 'nothing maps without a folder or a mapping');
    const flameBefore: FlameGraphResult = await srv.conn.sendRequest(Methods.flameGraph, { id: cpu.id });
    assert.ok(burnValue(flameBefore) > 0);

    const changed = srv.nextChange();
    const refreshes = srv.refreshes;
    await configure({ pathMappings: [{ from: 'anole.test/fixtures/', to: `${FIXTURE_DIR}/` }], minPercent: 1, lensMinPercent: 2 });
    assert.deepEqual(await changed, {}, 'every document is announced');
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.ok(d.hot.some((a) => a.line === markerLine(PROBLEMS, 'hot') - 1), JSON.stringify(d.hot));
    const lenses: CodeLens[] = (await srv.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: PROBLEMS_URI } })) ?? [];
    assert.ok(lenses.some((l) => l.range.start.line === funcLine('burnCPU') - 1), JSON.stringify(lenses));
    assert.ok(srv.refreshes > refreshes, 'asked the client to refresh CodeLenses');

    const flameAfter: FlameGraphResult = await srv.conn.sendRequest(Methods.flameGraph, { id: cpu.id });
    assert.equal(flameAfter.id, cpu.id);
    assert.equal(flameAfter.total, cpu.total);
    assert.equal(burnValue(flameAfter), burnValue(flameBefore));
    const top: TopResultMessage = await srv.conn.sendRequest(Methods.top, { id: cpu.id, by: 'line', limit: 1 });
    assert.equal(top.rows[0].localUri, PROBLEMS_URI, 'top rows map through the new mapping too');
  });

  it('drops the lines below a raised threshold, and brings them back when lowered', async () => {
    const before: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    const mapping = [{ from: 'anole.test/fixtures/', to: `${FIXTURE_DIR}/` }];
    // The hottest CPU line holds less than 99 % of the profile: no line stays decorated.
    let changed = srv.nextChange();
    await configure({ pathMappings: mapping, minPercent: 99, lensMinPercent: 99.5 });
    await changed;
    const high: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.ok(before.hot.length > 0);
    assert.deepEqual(high.hot, []);

    // Settings without an "anole" object change nothing (the notification is handled before the request).
    await configure(undefined);
    const still: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.deepEqual(still.hot, []);

    changed = srv.nextChange();
    await configure({ pathMappings: mapping }); // a full snapshot: left-out thresholds take their defaults (1 %, 2 %)
    await changed;
    const back: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
    assert.deepEqual(back.hot, before.hot);
    assert.match(srv.log.join('\n'), /settings changed \(thresholds 99%\/99\.5%\): 1 loaded profile\(s\) annotated again/);
  });
});
