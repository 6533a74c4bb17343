// anole.dumpGoroutines against a real hotsvc without a pprof answer: the dump is taken through the real dlv, or
// from a fork snapshot read by the real gdb (the editor side runs on the vscode stand-in).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Commands } from '../../src/extension/commands';
import { binaryOf, buildFixtures, startService, type RunningService } from '../host/goServices';
import { installFakeVscode, ui } from '../support/fakeVscode';
import { LocalHost } from '../support/localHost';

type Feature = typeof import('../../src/extension/goroutines');

describe('goroutine documents in the editor: a dump through dlv or a fork snapshot', function () {
  this.timeout(120_000);
  let feature: Feature;
  let restore: () => void;
  let host: LocalHost;
  let context: { subscriptions: Array<{ dispose(): unknown }> };
  const logged: string[] = [];
  const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m), debug: () => undefined, show: () => undefined };

  before(() => {
    restore = installFakeVscode();
    feature = require('../../src/extension/goroutines') as Feature;
  });
  after(() => restore());
  beforeEach(() => {
    host = new LocalHost();
    context = { subscriptions: [] };
    ui.shown.length = 0;
    ui.errors.length = 0;
  });
  afterEach(async () => {
    for (const d of context.subscriptions) d.dispose();
    await host.close();
  });

  const register = (pickTarget: () => Promise<unknown>) =>
    feature.registerGoroutines(context as never, { log: log as never, pickTarget: pickTarget as never, mapPath: () => undefined });

  /** Starts hotsvc, picks `via` and runs anole.dumpGoroutines on it; `check` sees the service and the one document shown. */
  async function dumpVia(via: 'dlv' | 'snapshot', check: (svc: RunningService, text: string) => void): Promise<void> {
    const [build] = await buildFixtures({ goVersions: ['current'], names: ['hotsvc'] });
    const svc = await startService(binaryOf(build, 'hotsvc'), ['-cpu-duty', '20']);
    try {
      register(async () => ({ host, pid: svc.pid, label: `local · pid ${svc.pid}` }));
      ui.pick = via;
      ui.picks.length = 0;
      await ui.commands.get(Commands.dumpGoroutines)!();
      assert.deepEqual(ui.errors, [], logged.join('\n'));
      assert.equal(ui.shown.length, 1);
      check(svc, ui.shown[0].getText());
    } finally {
      ui.pick = undefined;
      await svc.stop();
    }
  }

  it('anole.dumpGoroutines takes the dump through dlv when the service has no pprof answer', () => dumpVia('dlv', (svc, text) => {
    assert.deepEqual(ui.picks, [['snapshot', 'dlv', 'gdb']], 'without an endpoint only the snapshot and the debuggers are offered');
    assert.match(text, /# source: local · pid \d+ · via dlv/);
    assert.match(text, /# 50 goroutines · chan receive/);
    assert.match(text, /main\.leakyWorker/);
    const status = fs.readFileSync(`/proc/${svc.pid}/status`, 'utf8');
    assert.match(status, /^TracerPid:\s+0$/m, 'dlv detached');
  }));

  it('anole.dumpGoroutines from a fork snapshot: the report names the method and the measured pause; no copy remains', () => dumpVia('snapshot', (svc, text) => {
    assert.match(text, /# source: local · pid \d+ · via fork snapshot \(gdb\)\n# captured .* · pause ≤ \d+ ms/);
    assert.match(text, /# 50 goroutines · chan receive/);
    const copies = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== svc.pid && (() => {
      try { return fs.readlinkSync(`/proc/${d}/exe`) === svc.binary && !/\) [ZX]/.test(fs.readFileSync(`/proc/${d}/stat`, 'utf8')); } catch { return false; }
    })());
    assert.deepEqual(copies, [], 'the snapshot copy was killed');
    assert.match(fs.readFileSync(`/proc/${svc.pid}/status`, 'utf8'), /^TracerPid:\s+0$/m);
  }));
});
