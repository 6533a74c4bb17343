// dlv's API server over a real sshd: never on TCP, never reachable by another uid of the host (setpriv), its private dir removed afterwards.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DlvBackend } from '../../src/core/debug/dlv/dlvBackend';
import { runPreflight } from '../../src/core/debug/preflight';
import type { RemoteHost } from '../../src/core/remote/host';
import { SshHost } from '../../src/core/ssh/sshHost';
import { binaryOf, buildFixtures, startService, type RunningService } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { eventually, healthy, tracerPid } from '../support/dap';
import { anoleTempEntries, listeningSockets, probeAsOtherUser, processTree, readableByOtherUser, type ListeningSocket } from '../support/hostAudit';

/** One look at everything dlv listens on under our sshd, checked from another uid. */
interface Exposure {
  sockets: ListeningSocket[];
  reachable: string[];
}

describe('dlv on the host: a private channel only our session reaches', function () {
  this.timeout(120_000);
  let sshd: TestSshd;
  let svc: RunningService;
  let tmp: string;
  let dlvPath: string;

  before(async () => {
    // The sessions' TMPDIR is this test's own, so other tests' files on the machine do not count.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-zt-'));
    fs.chmodSync(tmp, 0o1777);
    const [s, [build]] = await Promise.all([
      startSshd({ extraConfig: [`SetEnv TMPDIR=${tmp}`] }),
      buildFixtures({ goVersions: ['current'], names: ['hotsvc'] }),
    ]);
    sshd = s;
    svc = await startService(binaryOf(build, 'hotsvc'), []);
    const host = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
    dlvPath = (await runPreflight(host, svc.pid, 'dlv')).facts.dlv!;
    await host.close();
    assert.ok(dlvPath, 'dlv is installed');
  });

  after(async () => {
    const tracer = svc ? tracerPid(svc.pid) : 0;
    if (tracer > 0) process.kill(tracer, 'SIGKILL');
    await svc?.stop();
    await sshd?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** What the dlv processes under our sshd listen on, and which of those uid 65534 can connect to. */
  async function exposure(): Promise<Exposure> {
    const pids = processTree(sshd.connectionPids());
    const sockets = listeningSockets(pids).filter((s) => s.comm === 'dlv');
    const probes = sockets.length ? await probeAsOtherUser(sockets) : [];
    return { sockets, reachable: probes.filter((p) => p.outcome === 'connected').map((p) => p.address) };
  }

  function assertPrivate(e: Exposure, when: string): void {
    assert.deepEqual(e.sockets.filter((s) => s.kind !== 'unix').map((s) => `${s.kind} ${s.address}`), [], `dlv listens on TCP ${when}`);
    assert.deepEqual(e.reachable, [], `another uid reaches dlv ${when}`);
  }

  /**
   * The host, with a look taken each time a backend opens a channel on it: at that moment dlv
   * listens and nobody has connected yet, the widest window another user could use.
   */
  function watchedHost(host: SshHost, seen: Exposure[]): RemoteHost {
    return new Proxy(host, {
      get(target, key) {
        const v = Reflect.get(target, key, target) as unknown;
        if (typeof v !== 'function') return v;
        if (typeof key === 'string' && key.startsWith('forward')) {
          return async (...args: unknown[]) => {
            seen.push(await exposure());
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return (v as (...a: unknown[]) => unknown).bind(target);
      },
    }) as RemoteHost;
  }

  it('attaches over a Unix socket in a 0700 dir that another uid cannot reach, and removes it on detach', async () => {
    const host = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
    const seen: Exposure[] = [];
    const dlv = new DlvBackend(watchedHost(host, seen), { dlvPath });
    try {
      await dlv.attach(svc.pid);
      assert.equal(seen.length, 1, 'one channel to dlv');
      assert.equal(seen[0].sockets.length, 1, `dlv listens on one socket: ${JSON.stringify(seen[0].sockets)}`);
      assertPrivate(seen[0], 'before Anole connected');
      const socket = seen[0].sockets[0].address;
      const dir = path.dirname(socket);
      assert.equal(path.dirname(dir), tmp, `the socket is in a dir of the session's TMPDIR: ${socket}`);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.equal(fs.statSync(dir).uid, process.getuid!());
      assert.equal(await readableByOtherUser(dir), false, 'another uid cannot list the dir');

      const st = await dlv.listGoroutines({ start: 0, count: 10 });
      assert.ok(st.goroutines.length > 0, 'dlv answers over the socket');
      await dlv.resume();
      assertPrivate(await exposure(), 'while attached');
      assert.ok(await healthy(svc));
    } finally {
      await dlv.detach();
      await host.close();
    }
    assert.equal(tracerPid(svc.pid), 0, 'detached');
    assert.deepEqual(anoleTempEntries(tmp).map((e) => e.path), [], 'the private dir is gone');
    assert.ok(await healthy(svc));
  });

  it('detaches and removes its dir when our connection goes away without a detach', async () => {
    const host = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
    const dlv = new DlvBackend(host, { dlvPath });
    await dlv.attach(svc.pid);
    await dlv.resume();
    assert.equal(anoleTempEntries(tmp).filter((e) => e.isDirectory).length, 1, 'one private dir while attached');
    await host.close(); // every channel goes: the watchdog reads EOF
    await eventually('the tracer to go', () => tracerPid(svc.pid) === 0);
    await eventually('the private dir to go', () => anoleTempEntries(tmp).length === 0);
    assert.deepEqual(listeningSockets(processTree(sshd.connectionPids())).filter((x) => x.comm === 'dlv'), []);
    assert.ok(await healthy(svc));
  });

  it('sweeps, at the next attach, the dir of a watchdog that was killed', async () => {
    const host = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
    const dlv = new DlvBackend(host, { dlvPath });
    await dlv.attach(svc.pid);
    await dlv.resume();
    assert.equal(anoleTempEntries(tmp).filter((e) => e.isDirectory).length, 1, 'one private dir while attached');
    // Kill the watchdog shell first, then the rest of that session (sshd's child, dlv): nothing gets to clean up.
    const dir = anoleTempEntries(tmp).find((e) => e.isDirectory)!.path;
    const ended = new Promise<void>((resolve) => dlv.onDidEnd(() => resolve()));
    process.kill(Number(fs.readFileSync(path.join(dir, 'watchdog.pid'), 'utf8')), 'SIGKILL');
    assert.ok(sshd.signalConnections('SIGKILL') > 0);
    await ended;
    await host.close();
    await eventually('the tracer to go', () => tracerPid(svc.pid) === 0);
    assert.ok(fs.existsSync(dir), 'the killed watchdog left its dir');

    const again = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
    const dlv2 = new DlvBackend(again, { dlvPath });
    try {
      await dlv2.attach(svc.pid);
      assert.equal(fs.existsSync(dir), false, 'the stale dir was swept');
      assert.equal(anoleTempEntries(tmp).filter((e) => e.isDirectory).length, 1, 'only the new dir is left');
    } finally {
      await dlv2.detach();
      await again.close();
    }
    assert.deepEqual(anoleTempEntries(tmp).map((e) => e.path), []);
  });
});

