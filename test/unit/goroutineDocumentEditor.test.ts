// The editor side of goroutine documents (links, dump store, outline) against a small stand-in for `vscode`.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Commands } from '../../src/extension/commands';
import { LocalHost } from '../support/localHost';
import { FakeRange, FakeUri, fakeVscode, installFakeVscode, ui } from '../support/fakeVscode';

/** A text document as the providers see it. */
function doc(text: string, uri = FakeUri.file('/tmp/x.goroutines'), version = 1) {
  const lines = text.split('\n');
  return {
    uri,
    version,
    getText: () => text,
    lineAt: (n: number) => ({ text: lines[n], range: new FakeRange(n, 0, n, lines[n].length) }),
  };
}
/** The commands the goroutine feature registers (from the one registry). */
const GoroutineCommands = {
  dumpGoroutines: Commands.dumpGoroutines,
  openGoroutineDump: Commands.openGoroutineDump,
  showGroupedGoroutines: Commands.showGroupedGoroutines,
  showRawGoroutines: Commands.showRawGoroutines,
};
const NEVER = { isCancellationRequested: false };
const LOG = { warn: () => undefined, info: () => undefined };
const DUMPS = path.resolve(__dirname, '../fixtures/dumps');

type Links = typeof import('../../src/extension/goroutines/links');
type Store = typeof import('../../src/extension/goroutines/dumpStore');
type Feature = typeof import('../../src/extension/goroutines');

describe('goroutine documents in the editor', () => {
  let links: Links;
  let store: Store;
  let feature: Feature;
  let restore: () => void;

  before(() => {
    restore = installFakeVscode();
    links = require('../../src/extension/goroutines/links') as Links;
    store = require('../../src/extension/goroutines/dumpStore') as Store;
    feature = require('../../src/extension/goroutines') as Feature;
  });

  after(() => restore());

  describe('file:line links', () => {
    const text = [
      'goroutine 1 [running]:',
      'main.main()',
      '\tanole.test/dumpgen/main.go:203 +0x1a5',
      'main.f()',
      '\tanole.test/dumpgen/main.go:37',
      'runtime.goexit({})',
      '\truntime/asm_amd64.s:1771 +0x1',
      '',
    ].join('\n');

    it('links each path to the mapped file at its line, mapping each distinct path once', async () => {
      const asked: string[] = [];
      const provider = new links.GoroutineLinkProvider((p) => {
        asked.push(p);
        return p.startsWith('anole.test/') ? (FakeUri.file(`/work/svc/${p.slice('anole.test/'.length)}`) as never) : undefined;
      }, LOG as never);
      const got = (await provider.provideDocumentLinks(doc(text) as never, NEVER as never)) as unknown as Array<{ range: FakeRange; target: FakeUri; tooltip: string }>;
      assert.deepEqual(asked, ['anole.test/dumpgen/main.go', 'runtime/asm_amd64.s']);
      assert.deepEqual(
        got.map((l) => [l.range.startLine, l.range.startCharacter, l.range.endCharacter, l.target.toString()]),
        [
          [2, 1, 27, 'file:/work/svc/dumpgen/main.go#L203'],
          [4, 1, 27, 'file:/work/svc/dumpgen/main.go#L37'],
        ],
      );
      assert.equal(got[0].tooltip, 'Open /work/svc/dumpgen/main.go:203');
    });

    it('falls back to the path itself when it exists locally, and links nothing else', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-links-'));
      try {
        const local = path.join(dir, 'main.go');
        fs.writeFileSync(local, 'package main\n');
        const dump = `goroutine 1 [running]:\nmain.main()\n\t${local}:3 +0x1\nmain.g()\n\t${path.join(dir, 'gone.go')}:9\n`;
        const provider = new links.GoroutineLinkProvider(() => undefined, LOG as never);
        const got = (await provider.provideDocumentLinks(doc(dump) as never, NEVER as never)) as unknown as Array<{ target: FakeUri }>;
        assert.deepEqual(got.map((l) => l.target.toString()), [`file:${local}#L3`]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('survives a path mapper that throws, or rejects', async () => {
      const provider = new links.GoroutineLinkProvider(() => {
        throw new Error('boom');
      }, LOG as never);
      assert.deepEqual(await provider.provideDocumentLinks(doc(text) as never, NEVER as never), []);
      const rejecting = new links.GoroutineLinkProvider(() => Promise.reject(new Error('scan failed')), LOG as never);
      assert.deepEqual(await rejecting.provideDocumentLinks(doc(text) as never, NEVER as never), []);
    });

    it('links every location of a recorded dump', async () => {
      const dump = fs.readFileSync(path.join(DUMPS, 'go1.26/goroutines.debug2.txt'), 'utf8');
      const provider = new links.GoroutineLinkProvider((p) => FakeUri.file(`/m/${p}`) as never, LOG as never);
      const got = await provider.provideDocumentLinks(doc(dump) as never, NEVER as never);
      assert.equal(got.length, dump.split('\n').filter((l) => /^\t.+:\d+/.test(l)).length);
    });
  });

  describe('dump store', () => {
    const dump = fs.readFileSync(path.join(DUMPS, 'edge/minutes.txt'));

    it('serves the raw and grouped views under anole-goroutines: URIs', () => {
      const s = new store.GoroutineDumpStore();
      const id = s.add({ text: dump, label: 'me@build-7 · pid 42', source: 'me@build-7:22', pauseMs: 3 });
      const raw = s.uri(id, 'raw') as unknown as FakeUri;
      const grouped = s.uri(id, 'grouped') as unknown as FakeUri;
      assert.equal(raw.scheme, store.DUMP_SCHEME);
      assert.equal(raw.path, `/${id}/me@build-7_·_pid_42.goroutines`);
      assert.equal(grouped.path, `/${id}/me@build-7_·_pid_42 (grouped).goroutines`);
      assert.deepEqual(s.parse(grouped as never), { id, view: 'grouped' });
      assert.equal(s.parse(FakeUri.file('/x.goroutines') as never), undefined);
      assert.equal(s.provideTextDocumentContent(raw as never), dump.toString('utf8'));
      const text = s.provideTextDocumentContent(grouped as never);
      assert.match(text, /^# Anole goroutine report · 44 goroutines in 14 groups · debug=2\n# source: me@build-7:22\n# pause ≤ 3 ms/);
      assert.match(text, /^# 25 goroutines · chan receive · up to 13 minutes$/m);
    });

    it('says so in the document when a dump cannot be grouped or is gone', () => {
      const s = new store.GoroutineDumpStore();
      const id = s.add({ text: 'hello\nworld\n', label: 'notes.txt' });
      assert.match(s.provideTextDocumentContent(s.uri(id, 'grouped')), /^# Anole could not read this goroutine dump: no goroutines found/);
      assert.throws(() => s.grouped(id), /no goroutines found/);
      assert.match(s.provideTextDocumentContent(FakeUri.from({ scheme: store.DUMP_SCHEME, path: '/999/x.goroutines' }) as never), /no longer in memory/);
      assert.throws(() => s.add({ text: fs.readFileSync(path.join(DUMPS, 'go1.26/goroutines.pb.gz')), label: 'pb' }), /binary pprof profile/);
    });

    it('drops closed dumps beyond the newest three, and keeps open ones', () => {
      const s = new store.GoroutineDumpStore();
      const ids = [1, 2, 3, 4, 5].map((i) => s.add({ text: dump, label: `d${i}` }));
      assert.deepEqual(ids.map((id) => s.has(id)), [false, false, true, true, true]);
      fakeVscode.workspace.textDocuments = [{ uri: s.uri(ids[2], 'grouped') as unknown as FakeUri }];
      try {
        s.add({ text: dump, label: 'd6' });
        s.add({ text: dump, label: 'd7' });
        assert.equal(s.has(ids[2]), true, 'an open dump stays');
        assert.deepEqual(ids.slice(3).map((id) => s.has(id)), [false, true], "beyond the newest three and closed: dropped");
      } finally {
        fakeVscode.workspace.textDocuments = [];
      }
      s.dispose();
      assert.equal(s.has(ids[2]), false);
    });
  });

  it('outlines the grouped view: one symbol per group, spanning its stack', () => {
    const s = new store.GoroutineDumpStore();
    const id = s.add({ text: fs.readFileSync(path.join(DUMPS, 'edge/minutes.txt')), label: 'm' });
    const text = s.grouped(id);
    const symbols = new links.GoroutineOutlineProvider().provideDocumentSymbols(doc(text) as never) as unknown as Array<{
      name: string;
      detail: string;
      range: FakeRange;
    }>;
    assert.equal(symbols.length, 14);
    assert.deepEqual([symbols[0].name, symbols[0].detail], ['25 × chan receive', 'up to 13 minutes']);
    const lines = text.split('\n');
    assert.equal(lines[symbols[0].range.startLine], '# 25 goroutines · chan receive · up to 13 minutes');
    assert.equal(lines[symbols[0].range.endLine], '\tanole.test/dumpgen/main.go:43');
    assert.equal(lines[symbols[0].range.endLine + 1], '');
  });

  describe('commands', () => {
    const dumpBytes = fs.readFileSync(path.join(DUMPS, 'go1.26/goroutines.debug2.txt'));
    let server: http.Server;
    let endpoint: string;
    let hang = false;
    const requests: string[] = [];
    let onRequest: () => void = () => undefined;
    let host: LocalHost;
    let context: { subscriptions: Array<{ dispose(): unknown }> };
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m), debug: () => undefined, show: () => undefined };

    before(async () => {
      server = http.createServer((req, res) => {
        requests.push(req.url ?? '');
        onRequest();
        if (hang) return; // never answers: the client must give up
        res.end(dumpBytes);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debug/pprof/`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    beforeEach(() => {
      host = new LocalHost();
      context = { subscriptions: [] };
      ui.shown.length = 0;
      ui.errors.length = 0;
      requests.length = 0;
      hang = false;
      onRequest = () => undefined;
    });
    afterEach(async () => {
      for (const d of context.subscriptions) d.dispose();
      await host.close();
    });

    const register = (pickTarget: () => Promise<unknown>) =>
      feature.registerGoroutines(context as never, { log: log as never, pickTarget: pickTarget as never, mapPath: () => undefined });

    it('registers its commands and providers, and disposes them all', () => {
      register(async () => undefined);
      assert.deepEqual([...ui.commands.keys()].sort(), Object.values(GoroutineCommands).sort());
      assert.ok(ui.providers.has(feature.DUMP_SCHEME));
      for (const d of context.subscriptions) d.dispose();
      context.subscriptions = [];
      assert.equal(ui.commands.size, 0);
      assert.equal(ui.providers.size, 0);
    });

    it('anole.dumpGoroutines fetches debug=2 through the host and opens the grouped view', async () => {
      register(async () => ({ host, endpoint, label: 'local · pid 1' }));
      await ui.commands.get(GoroutineCommands.dumpGoroutines)!();
      assert.deepEqual(ui.errors, []);
      assert.deepEqual(requests, ['/debug/pprof/goroutine?debug=2']);
      assert.equal(host.stats.forward, 1, 'fetched through the host tunnel');
      assert.equal(ui.shown.length, 1);
      const shown = ui.shown[0];
      assert.equal(shown.languageId, feature.GOROUTINES_LANGUAGE);
      assert.equal(shown.uri.query, 'view=grouped');
      const text = shown.getText();
      assert.match(text, /^# Anole goroutine report · \d+ goroutines in \d+ groups · debug=2\n# source: local · pid 1 · http:\/\/127\.0\.0\.1:\d+\/debug\/pprof\/\n# captured .* UTC · pause ≤ \d+ ms/);

      await ui.commands.get(GoroutineCommands.showRawGoroutines)!(shown.uri);
      assert.equal(ui.shown[1].uri.query, 'view=raw');
      assert.equal(ui.shown[1].getText(), dumpBytes.toString('utf8'));
    });

    it('anole.dumpGoroutines stops quietly when cancelled, and when the extension is disposed', async () => {
      hang = true;
      register(async () => ({ host, endpoint, label: 'local' }));
      onRequest = () => ui.cancel?.();
      await ui.commands.get(GoroutineCommands.dumpGoroutines)!();
      assert.deepEqual(ui.errors, []);
      assert.equal(ui.shown.length, 0);
      assert.ok(logged.some((m) => /cancelled/.test(m)), logged.join('\n'));

      onRequest = () => context.subscriptions.forEach((d) => d.dispose());
      await ui.commands.get(GoroutineCommands.dumpGoroutines)!();
      assert.deepEqual(ui.errors, []);
      assert.equal(ui.shown.length, 0);
      context.subscriptions = [];
    });

    it('anole.dumpGoroutines reports a failed fetch, and does nothing when no target is picked', async () => {
      register(async () => ({ host, endpoint: 'http://127.0.0.1:1/debug/pprof/', label: 'nowhere' }));
      await ui.commands.get(GoroutineCommands.dumpGoroutines)!();
      assert.equal(ui.errors.length, 1);
      assert.match(ui.errors[0], /^Dumping the goroutines of nowhere failed: /);
      for (const d of context.subscriptions) d.dispose();
      context.subscriptions = [];
      ui.errors.length = 0;
      register(async () => undefined);
      await ui.commands.get(GoroutineCommands.dumpGoroutines)!();
      assert.deepEqual([ui.errors, ui.shown.length], [[], 0]);
    });

    it('anole.openGoroutineDump and anole.showGroupedGoroutines work on a dump file', async () => {
      register(async () => undefined);
      const file = FakeUri.file(path.join(DUMPS, 'go1.19/panic-all.txt'));
      const files = new Map([[file.toString(), fs.readFileSync(file.fsPath)]]);
      const ws = fakeVscode.workspace as unknown as Record<string, unknown>;
      const open = ws.openTextDocument as (u: FakeUri) => Promise<unknown>;
      ws.fs = { stat: async (u: FakeUri) => ({ size: files.get(u.toString())!.length }), readFile: async (u: FakeUri) => files.get(u.toString())! };
      ws.openTextDocument = async (u: FakeUri) =>
        u.scheme === 'file' ? { uri: u, languageId: 'plaintext', getText: () => files.get(u.toString())!.toString('utf8') } : open(u);
      try {
        await ui.commands.get(GoroutineCommands.openGoroutineDump)!(file);
        assert.equal(ui.shown[0].uri, file);
        assert.equal(ui.shown[0].languageId, feature.GOROUTINES_LANGUAGE);
        await ui.commands.get(GoroutineCommands.showGroupedGoroutines)!(file);
        const grouped = ui.shown[1];
        assert.equal(grouped.uri.path.endsWith('/panic-all.txt (grouped).goroutines'), true, grouped.uri.path);
        assert.match(grouped.getText(), new RegExp(`^# source: ${file.fsPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
        assert.deepEqual(ui.errors, []);
      } finally {
        ws.openTextDocument = open;
        delete ws.fs;
      }
    });
  });
});
