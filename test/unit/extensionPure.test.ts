// The extension's vscode-free helpers: capture store, ssh host listing, targets, heat buckets.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listSshHosts } from '../../src/core/ssh/hostAliases';
import { CaptureStore } from '../../src/extension/captureStore';
import { heatBucket, labelledLines } from '../../src/extension/heat';
import { sanitizeTargets } from '../../src/extension/settingsSchema';
import { importedModules } from '../support/layering';

describe('extension helpers (no vscode)', () => {
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-ext-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the pure modules import no vscode', () => {
    for (const f of ['captureStore', 'heat', 'settingsSchema', 'commands']) {
      const src = fs.readFileSync(path.join(__dirname, '../../src/extension', `${f}.ts`), 'utf8');
      assert.ok(!importedModules(src).some((m) => m === 'vscode'), `${f}.ts imports vscode`);
    }
  });

  it('CaptureStore allocates unique files, lists newest first, skips orphans and deletes', () => {
    const store = new CaptureStore(path.join(tmp, 'captures'));
    let changes = 0;
    store.onDidChange(() => changes++);
    const t = new Date('2026-01-02T03:04:05.678Z');
    const a = store.allocate('cpu', t);
    const b = store.allocate('cpu', t);
    assert.ok(fs.existsSync(a.file) && fs.existsSync(b.file), 'allocate reserves the file');
    fs.writeFileSync(a.file, 'x');
    store.save({ id: a.id, time: '2026-01-02T03:04:05Z', kind: 'cpu', host: 'h', url: 'u', size: 1, file: a.file });
    assert.notEqual(a.file, b.file);
    fs.writeFileSync(b.file, 'yy');
    store.save({ id: b.id, time: '2026-01-02T03:05:00Z', kind: 'cpu', host: 'h', pid: 7, url: 'u', size: 2, file: b.file });
    assert.deepEqual(store.list().map((m) => m.id), [b.id, a.id]);
    fs.writeFileSync(path.join(store.dir, 'broken.json'), '{');
    fs.rmSync(a.file);
    assert.deepEqual(store.list().map((m) => m.id), [b.id]);
    store.delete(b.id);
    assert.deepEqual(store.list(), []);
    assert.equal(changes, 3);
    assert.equal(new CaptureStore(path.join(tmp, 'nope')).list().length, 0);
  });

  it('CaptureStore.add stores an in-memory profile with its id, time, size and file filled in', () => {
    const store = new CaptureStore(path.join(tmp, 'captures'));
    let changes = 0;
    store.onDidChange(() => changes++);
    const m = store.add('cpu', Buffer.from('pprof'), { host: 'a, b', url: 'svc', source: 'fleet: 2 replicas' });
    assert.equal(m.kind, 'cpu');
    assert.equal(m.size, 5);
    assert.equal(fs.readFileSync(m.file, 'utf8'), 'pprof');
    assert.match(m.id, /-cpu$/);
    assert.ok(!Number.isNaN(Date.parse(m.time)));
    assert.deepEqual(store.list(), [m]);
    assert.equal(changes, 1);
  });

  it('listSshHosts returns concrete aliases only, through Include', async () => {
    fs.writeFileSync(path.join(tmp, 'extra'), 'Host inc-1 inc-2\n  HostName 10.0.0.2\n');
    const cfg = path.join(tmp, 'config');
    fs.writeFileSync(cfg, `Include ${path.join(tmp, 'extra')}\nHost api-1 db-?\n  User x\nHost *.corp !bad\n  User y\nHost api-1\n  Port 2222\nHost *\n  ServerAliveInterval 5\n`);
    assert.deepEqual(await listSshHosts(cfg, tmp), ['inc-1', 'inc-2', 'api-1']);
    assert.deepEqual(await listSshHosts(undefined, tmp), []);
    await assert.rejects(listSshHosts(path.join(tmp, 'missing'), tmp));
  });

  it('sanitizeTargets keeps well-formed targets and defaults the name', () => {
    assert.deepEqual(sanitizeTargets([
      { host: 'a' }, { name: 'B', host: ' b ', pid: 42, pprofUrl: 'http://x/' }, { name: 'no host' }, null, 'x',
      { host: 'c', pid: -1, processName: 'svc' },
    ]), [
      { name: 'a', host: 'a', pid: undefined, processName: undefined, pprofUrl: undefined },
      { name: 'B', host: 'b', pid: 42, processName: undefined, pprofUrl: 'http://x/' },
      { name: 'c', host: 'c', pid: undefined, processName: 'svc', pprofUrl: undefined },
    ]);
    assert.deepEqual(sanitizeTargets({}), []);
  });

  it('sanitizeTargets keeps a fleet\'s hosts (the first is the host when none is given)', () => {
    assert.deepEqual(sanitizeTargets([{ name: 'api', hosts: [' api-1', 'api-*', 3, ''], processName: 'api' }, { hosts: [] }]), [
      { name: 'api', host: 'api-1', hosts: ['api-1', 'api-*'], pid: undefined, processName: 'api', pprofUrl: undefined },
    ]);
  });

  it('heat buckets and labels pick the hottest lines', () => {
    assert.deepEqual([1, 0.7, 0.5, 0.33, 0.1, 0].map(heatBucket), [0, 0, 1, 1, 2, 2]);
    const row = (line: number, weight: number) => ({ line, weight, label: '', detail: '', flat: 0, cum: 0 });
    assert.deepEqual([...labelledLines([row(1, 0.2), row(2, 1), row(3, 0.5), row(4, 0.5)], 2)].sort(), [2, 3]);
    assert.equal(labelledLines([row(1, 1)], 0).size, 0);
  });
});
