// Audit of what Anole leaves on a host (real sshd): during and after debug sessions, a capture and a core dump, nothing it
// starts listens on TCP or is reachable by another uid, its temp dirs are private, and nothing outlives the session.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { AnoleAttachArguments } from '../../src/adapter/attachArgs';
import { binaryOf, buildFixtures, startService, type RunningService } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../support/cli';
import { type TracedDebugClient, adapterProcess, eventually, healthy, stopLiveClients, tracedClient, tracerPid } from '../support/dap';
import { anoleTempEntries, listeningSockets, probeAsOtherUser, processTree, readableByOtherUser, type TempEntry } from '../support/hostAudit';

/** Samplers still running (a failed test stops its own in afterEach). */
const samplers = new Set<HostSampler>();

/**
 * Samples the host every few milliseconds while a scenario runs: every socket a process under our
 * sshd listens on (probed once from another uid) and every Anole temp entry (owner, mode).
 */
class HostSampler {
  samples = 0;
  readonly sockets = new Map<string, { comm: string; kind: string; outcome?: string }>();
  readonly entries = new Map<string, TempEntry>();
  private readonly probes: Promise<void>[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly sshd: TestSshd, private readonly tmp: string) {
    this.loop = this.run();
    samplers.add(this);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.sample();
      await new Promise((r) => setTimeout(r, 5)); // the sampling period, not a wait for an event
    }
    this.sample();
  }

  private sample(): void {
    this.samples++;
    for (const s of listeningSockets(processTree(this.sshd.connectionPids()))) {
      // A connection child sshd has just forked still holds sshd's own listening socket for a moment.
      if (s.kind !== 'unix' && s.comm === 'sshd' && s.port === this.sshd.port) continue;
      const key = `${s.kind} ${s.address}`;
      if (this.sockets.has(key)) continue;
      const seen: { comm: string; kind: string; outcome?: string } = { comm: s.comm, kind: s.kind };
      this.sockets.set(key, seen);
      this.probes.push(probeAsOtherUser([s]).then((r) => { seen.outcome = r[0].outcome; }));
    }
    for (const e of anoleTempEntries(this.tmp)) {
      if (this.entries.has(e.path)) continue;
      this.entries.set(e.path, e);
      if (path.dirname(e.path) === this.tmp) {
        this.probes.push(readableByOtherUser(e.path).then((r) => { if (r) e.mode |= 0o1000000; })); // marks "readable by another uid"
      }
    }
  }

  /** Stops sampling and returns what was wrong, one line each. */
  async stop(): Promise<string[]> {
    samplers.delete(this);
    this.running = false;
    await this.loop;
    await Promise.all(this.probes);
    const wrong: string[] = [];
    for (const [key, s] of this.sockets) {
      if (s.kind !== 'unix') wrong.push(`${s.comm} listened on ${key}`);
      if (s.outcome === 'connected') wrong.push(`uid 65534 connected to ${s.comm}'s ${key}`);
    }
    const uid = process.getuid!();
    for (const e of this.entries.values()) {
      if (e.uid !== uid) wrong.push(`${e.path} is owned by uid ${e.uid}`);
      if (e.mode & 0o1000000) wrong.push(`uid 65534 could read ${e.path}`);
      if (path.dirname(e.path) === this.tmp && (!e.isDirectory || (e.mode & 0o777) !== 0o700)) {
        wrong.push(`${e.path} has mode ${(e.mode & 0o777).toString(8)}${e.isDirectory ? '' : ' (not a dir)'}`);
      } else if (!e.isSymlink && (e.mode & 0o077) !== 0) {
        // Inside a private dir too: a core holds the process's memory, secrets included.
        wrong.push(`${path.relative(this.tmp, e.path)} has mode ${(e.mode & 0o777).toString(8)} (group or others have access)`);
      }
    }
    return wrong;
  }
}

describe('host audit: nothing Anole starts is reachable by other users or outlives the session', function () {
  this.timeout(240_000);
  let sshd: TestSshd;
  let svc: RunningService;
  let tmp: string;
  let out: string;
  let trace: string[] = [];
  const clients: TracedDebugClient[] = [];

  before(async () => {
    // The sessions' TMPDIR is this test's own (mode of /tmp), so other tests' files on the machine do not count.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-audit-'));
    fs.chmodSync(tmp, 0o1777);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-audit-out-'));
    const [s, [build]] = await Promise.all([
      startSshd({ extraConfig: [`SetEnv TMPDIR=${tmp}`] }),
      buildFixtures({ goVersions: ['current'], names: ['hotsvc'] }),
    ]);
    sshd = s;
    svc = await startService(binaryOf(build, 'hotsvc'), []);
  });

  beforeEach(() => { trace = []; });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(`--- DAP trace ---\n${trace.join('\n')}\n--- end ---`);
    await Promise.all([...samplers].map((x) => x.stop()));
    await stopLiveClients(clients);
  });

  after(async () => {
    const tracer = svc ? tracerPid(svc.pid) : 0;
    if (tracer > 0) process.kill(tracer, 'SIGKILL');
    await svc?.stop();
    await sshd?.stop();
    for (const d of [tmp, out]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  /**
   * Processes Anole started on the host that are still there: under our sshd's sessions, or
   * orphaned from them (a dropped session's debugger is reparented while it detaches), which
   * name our TMPDIR or trace the service.
   */
  function leftovers(): number[] {
    const tracer = tracerPid(svc.pid);
    const named = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(tmp);
      } catch {
        return false;
      }
    });
    return [...new Set([...processTree(sshd.connectionPids()), ...named, ...(tracer > 0 ? [tracer] : [])])];
  }

  /** After a scenario: within the watchdogs' grace, no process of ours is left on the host, nothing traces the service, no temp entry. */
  async function nothingLeft(what: string): Promise<void> {
    await eventually(`${what}: every process Anole started on the host to end`, () => leftovers().length === 0, 120_000);
    assert.equal(tracerPid(svc.pid), 0, `${what}: nothing traces the service`);
    // A dropped session's watchdog is orphaned (no longer under our sshd) while it lets dlv detach
    // and then removes its dir: wait for that too, within the same bound.
    await eventually(`${what}: no temp entry is left`, () => anoleTempEntries(tmp).length === 0, 120_000).catch(() => undefined);
    assert.deepEqual(anoleTempEntries(tmp).map((e) => e.path), [], `${what}: no temp entry is left`);
    assert.ok(await healthy(svc), `${what}: the service answers`);
  }

  for (const backend of ['dlv', 'gdb'] as const) {
    it(`a ${backend} debug session, ended by disconnect and by a killed adapter`, async () => {
      for (const ending of ['disconnect', 'killed adapter'] as const) {
        const sampler = new HostSampler(sshd, tmp);
        const dc = tracedClient(trace);
        clients.push(dc);
        await dc.start();
        await dc.initializeRequest({ adapterID: 'anole', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
        const args: AnoleAttachArguments = { host: sshd.alias, sshConfigFile: sshd.configFile, processId: svc.pid, backend };
        await dc.attachRequest(args as DebugProtocol.AttachRequestArguments);
        const { body } = await dc.threadsRequest();
        assert.ok(body.threads.length > 0);
        const during = [...sampler.entries.keys()].filter((p) => path.dirname(p) === tmp);
        assert.equal(during.length, 1, `one private dir during the session: ${during.join(', ')}`);
        if (ending === 'disconnect') {
          await dc.disconnectRequest({});
        } else {
          const exited = new Promise((r) => adapterProcess(dc)!.once('exit', r));
          adapterProcess(dc)!.kill('SIGKILL');
          await exited;
        }
        await nothingLeft(`${backend}, ${ending}`);
        const wrong = await sampler.stop();
        assert.deepEqual(wrong, [], `${backend}, ${ending}: ${sampler.samples} samples`);
        console.log(`      ${backend}, ${ending}: ${sampler.samples} samples; sockets ${JSON.stringify([...sampler.sockets])}; ${sampler.entries.size} temp entries`);
        assert.ok(sampler.samples > 10, 'the host was sampled throughout');
      }
    });
  }

  it('a CPU capture and a core dump written by dlv', async () => {
    const sampler = new HostSampler(sshd, tmp);
    const cap = await runCli(['capture', 'cpu', sshd.alias, '--pid', String(svc.pid), '--seconds', '1', '-o', path.join(out, 'cpu.pb.gz'), '--ssh-config', sshd.configFile]);
    assert.equal(cap.code, 0, cap.stderr);
    const core = await runCli(['core', sshd.alias, '--pid', String(svc.pid), '--tool', 'dlv', '-o', path.join(out, 'svc.core'), '--ssh-config', sshd.configFile], { timeoutMs: 180_000 });
    assert.equal(core.code, 0, core.stderr);
    await nothingLeft('capture and core dump');
    const wrong = await sampler.stop();
    assert.deepEqual(wrong, [], `${sampler.samples} samples`);
    const dirs = [...sampler.entries.keys()].filter((p) => path.dirname(p) === tmp).map((p) => path.basename(p).replace(/\..*/, ''));
    assert.deepEqual([...new Set(dirs)].sort(), ['anole-core', 'anole-dlv'], 'the core dump\'s folder and dlv\'s socket dir were seen, private');
    console.log(`      capture + core: ${sampler.samples} samples; sockets ${JSON.stringify([...sampler.sockets])}; temp entries ${[...sampler.entries.values()].map((e) => `${path.relative(tmp, e.path)} ${(e.mode & 0o777).toString(8)}`).join(', ')}`);
  });

  for (const tool of ['dlv', 'gcore'] as const) {
    it(`a core dump (${tool}) whose CLI is killed while the core is being written leaves nothing on the host`, async () => {
      const sampler = new HostSampler(sshd, tmp);
      const cli = spawn(process.execPath, [CLI, 'core', sshd.alias, '--pid', String(svc.pid), '--tool', tool, '-o', path.join(out, `killed-${tool}.core`), '--ssh-config', sshd.configFile],
        { stdio: 'ignore' });
      const exited = new Promise((r) => cli.once('exit', r));
      // The moment the core file appears in the host folder: the writer runs.
      await eventually('the core file to appear on the host', () => anoleTempEntries(tmp).some((e) => /\/core\.\d+$/.test(e.path)), 60_000);
      cli.kill('SIGKILL');
      await exited;
      await eventually('the host folder to go', () => anoleTempEntries(tmp).length === 0, 20_000);
      await nothingLeft(`${tool} core dump, CLI killed`);
      assert.deepEqual(await sampler.stop(), [], `${sampler.samples} samples`);
    });
  }
});
