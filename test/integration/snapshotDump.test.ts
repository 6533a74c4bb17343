// `anole goroutines --via snapshot`: a dump read from a fork snapshot, against a real sshd and hotsvc built with new and old Go.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, runCli } from '../support/cli';
import { binaryOf, buildFixtures, markerLines, startService, type RunningService, type ToolchainId } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { eventually, healthy, heartbeatGap, isLive, tracerPid } from '../support/dap';

interface Goroutines { total: number; groups: Array<{ count: number; state: string; frames: Array<{ function: string; file: string; line: number }> }> }

/** Every service the tests started (they may share a binary). */
const started = new Set<number>();

/** Live processes running the service's binary that no test started: snapshot copies left behind. */
function copiesOf(svc: RunningService): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === svc.pid || started.has(Number(d))) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/exe`) === svc.binary && isLive(Number(d))) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Our private snapshot dirs left in the temp folder. */
function snapshotDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('anole-snap.'));
}

/**
 * The groups as comparable lines: count, state and the innermost frame outside the runtime (wait
 * times differ between two dumps; gdb's stop-the-world read walks frame pointers when every thread
 * is inside a system call, which drops inlined and some runtime frames that the snapshot's DWARF
 * unwinding keeps), without the connections the test's own HTTP requests keep open.
 */
function groupLines(d: Goroutines): string[] {
  const runtime = /^(runtime|internal|sync)[./]/;
  // The test's own /healthz connections come and go between the two dumps: their server goroutines, and
  // the background reader net/http starts on a kept-alive connection (a bare socket read), are left out.
  const ownHttp = (g: Goroutines['groups'][number]) =>
    g.frames.some((f) => f.function === 'net/http.(*conn).serve' || f.function === 'net/http.(*connReader).backgroundRead')
    || (g.state === 'IO wait' && g.frames.find((x) => !runtime.test(x.function))?.function === 'net.(*netFD).Read');
  // Only the service's own goroutines parked in its code are stable between two dumps: a runtime or
  // standard-library goroutine (accept loop, timers) may be caught running in one and asleep in the other.
  const ownCode = (g: Goroutines['groups'][number]) =>
    g.state !== 'running' && g.state !== 'runnable' && g.frames.some((f) => f.function.startsWith('main.') || f.function.startsWith('anole.test/'));
  return d.groups.filter((g) => !ownHttp(g) && ownCode(g)).map((g) => {
    const f = g.frames.find((x) => !runtime.test(x.function)) ?? g.frames[0];
    return `${g.count} [${g.state}] ${f ? `${f.function}@${path.basename(f.file)}:${f.line}` : '-'}`;
  }).sort();
}

/** Fetches /healthz every 20 ms until stopped; resolves to the failures. */
function pollHealth(svc: RunningService): { stop: () => Promise<{ ok: number; failed: string[] }> } {
  let running = true;
  const failed: string[] = [];
  let ok = 0;
  const loop = (async () => {
    while (running) {
      try {
        const r = await fetch(`http://${svc.addr}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (r.status === 200) ok++;
        else failed.push(`status ${r.status}`);
      } catch (e) {
        failed.push((e as Error).message);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => { running = false; await loop; return { ok, failed }; } };
}

describe('goroutine dump from a fork snapshot (anole goroutines --via snapshot)', function () {
  this.timeout(240_000);
  const TOOLCHAINS: ToolchainId[] = ['current', 'go1.19'];
  const leak = markerLines().leak;
  let sshd: TestSshd;
  const services = new Map<ToolchainId, RunningService>();
  const base = (svc: RunningService) => ['goroutines', sshd.alias, '--pid', String(svc.pid), '--json', '--ssh-config', sshd.configFile];

  before(async () => {
    const [s, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: TOOLCHAINS, names: ['hotsvc'] })]);
    sshd = s;
    // idle: no CPU burner or lock contention, so two dumps in a row see the same goroutines
    for (const [i, tc] of TOOLCHAINS.entries()) {
      services.set(tc, await startService(binaryOf(builds[i], 'hotsvc'), ['-leak', '50', '-cpu=false', '-lock=false', '-goroutines', '200']));
      started.add(services.get(tc)!.pid);
    }
  });

  after(async () => {
    for (const svc of services.values()) {
      const tracer = tracerPid(svc.pid);
      if (tracer > 0) process.kill(tracer, 'SIGKILL');
      for (const c of copiesOf(svc)) process.kill(c, 'SIGKILL');
      await svc.stop();
    }
    await sshd?.stop();
  });

  for (const tc of TOOLCHAINS) {
    it(`${tc} Go: equals a stop-the-world dump of the same idle service (gdb's, which equals dlv's), the socket answers throughout, no copy remains`, async () => {
      const svc = services.get(tc)!;
      await heartbeatGap(svc);
      const health = pollHealth(svc);
      const r = await runCli([...base(svc), '--via', 'snapshot']);
      const polled = await health.stop();
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      const m = /^anole: paused the process for ([\d.]+) ms \(longest stop\) via a fork snapshot \(gdb\)$/m.exec(r.stderr);
      assert.ok(m, `no snapshot pause line on stderr: ${r.stderr}`);
      const stall = await heartbeatGap(svc);
      console.log(`      snapshot ${tc}: gdb measured a pause of ${m[1]} ms; service's longest heartbeat gap ${stall} ms`);
      assert.ok(stall <= Number(m[1]) + 1000, `the service stalled ${stall} ms, far more than the ${m[1]} ms reported`);
      assert.deepEqual(polled.failed, [], `/healthz failed during the dump (${polled.ok} answered)`);
      assert.ok(polled.ok > 0, 'no /healthz request completed during the dump');

      const snap = JSON.parse(r.stdout) as Goroutines;
      const group = snap.groups.find((g) => g.frames.some((f) => f.function === 'main.leakyWorker' && f.file === leak.file && f.line === leak.line));
      assert.ok(group, `no group at ${leak.file}:${leak.line}`);
      assert.equal(group.count, 50);

      const stw = await runCli([...base(svc), '--via', 'gdb']);
      assert.equal(stw.code, 0, `stop-the-world dump: exit ${stw.code}: ${stw.stderr}`);
      const world = JSON.parse(stw.stdout) as Goroutines;
      const [a, b] = [groupLines(snap), groupLines(world)];
      assert.deepEqual(a, b, `only in the snapshot: ${a.filter((l) => !b.includes(l)).join('\n')}\nonly stop-the-world: ${b.filter((l) => !a.includes(l)).join('\n')}`);
      // gdb's stop-the-world read (one anole-dump pass, like the snapshot's) gives what dlv gives
      const viaDlv = await runCli([...base(svc), '--via', 'dlv']);
      assert.equal(viaDlv.code, 0, `dlv dump: exit ${viaDlv.code}: ${viaDlv.stderr}`);
      const c = groupLines(JSON.parse(viaDlv.stdout) as Goroutines);
      assert.deepEqual(b, c, `only via gdb: ${b.filter((l) => !c.includes(l)).join('\n')}\nonly via dlv: ${c.filter((l) => !b.includes(l)).join('\n')}`);

      await eventually('the snapshot copy to be gone', () => copiesOf(svc).length === 0);
      await eventually('the private dir to be removed', () => snapshotDirs().length === 0);
      assert.equal(tracerPid(svc.pid), 0);
      assert.ok(await healthy(svc));
    });
  }

  for (const how of ['SIGINT', 'SIGKILL'] as const) {
    it(`${how === 'SIGINT' ? 'cancelled (Ctrl-C)' : 'killed CLI (connection dropped)'} while reading the copy: no copy remains, the service runs`, async () => {
      const svc = services.get('current')!;
      const cli = spawn(process.execPath, [CLI, ...base(svc), '--via', 'snapshot'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      cli.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
      // the copy exists and is being read (its tracer is the reading gdb)
      await eventually('a snapshot copy being read', () => copiesOf(svc).some((c) => tracerPid(c) > 0), 60_000);
      cli.kill(how);
      const code = await exited;
      if (how === 'SIGINT') assert.notEqual(code, 0, `a cancelled dump exited 0: ${stderr}`);
      await eventually('the snapshot copy to be gone', () => copiesOf(svc).length === 0, 30_000);
      await eventually('the private dir to be removed', () => snapshotDirs().length === 0, 30_000);
      assert.equal(tracerPid(svc.pid), 0);
      assert.ok(await healthy(svc), 'the service answers /healthz');
    });
  }

  it('anole core --tool snapshot: the core of a copy (pause of the fork only); dlv reads the leak line from it; nothing remains', async () => {
    const svc = services.get('current')!;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-snapcore-'));
    try {
      await heartbeatGap(svc);
      const file = path.join(out, 'snap.core');
      const r = await runCli(['core', sshd.alias, '--pid', String(svc.pid), '--tool', 'snapshot', '-o', file, '--json', '--ssh-config', sshd.configFile], { timeoutMs: 180_000 });
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      const m = new RegExp(`^anole: paused process ${svc.pid} for ([\\d.]+) ms while gdb forked a snapshot of it`, 'm').exec(r.stderr);
      assert.ok(m, `no snapshot pause line on stderr: ${r.stderr}`);
      const stall = await heartbeatGap(svc);
      const res = JSON.parse(r.stdout) as { core: string; executable: string; coreBytes: number; pauseMs: number; tool: string; snapshotThreads?: number };
      console.log(`      core snapshot: gdb measured a pause of ${res.pauseMs} ms; service's longest heartbeat gap ${stall} ms; core ${(res.coreBytes / 1e6).toFixed(1)} MB`);
      assert.equal(res.tool, 'snapshot');
      assert.ok(stall <= res.pauseMs + 1000, `the service stalled ${stall} ms, far more than the ${res.pauseMs} ms reported`);
      assert.equal(fs.readFileSync(file).subarray(0, 4).toString('latin1'), '\x7fELF');
      // the core shows the service's threads (not only the copy's one), by their own LWPs, the main thread first
      const lwps = [...execFileSync('gdb', ['-nx', '-batch', '-ex', 'info threads', res.executable, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).matchAll(/^\*?\s+\d+\s+LWP (\d+)/gm)].map((x) => Number(x[1]));
      assert.ok((res.snapshotThreads ?? 0) > 1, `the core has ${res.snapshotThreads} threads`);
      assert.equal(lwps.length, res.snapshotThreads, `gdb sees threads ${lwps.join(', ')}`);
      assert.equal(lwps[0], svc.pid);
      assert.match(r.stderr, new RegExp(`with the process's ${res.snapshotThreads} threads as they were before the fork`));
      const g = await runCli(['goroutines', '--core', file, '--exe', res.executable, '--via', 'dlv', '--json'], { timeoutMs: 120_000 });
      assert.equal(g.code, 0, `exit ${g.code}: ${g.stderr}`);
      const dump = JSON.parse(g.stdout) as Goroutines;
      const group = dump.groups.find((x) => x.frames.some((f) => f.function === 'main.leakyWorker' && f.file === leak.file && f.line === leak.line));
      assert.ok(group, `no group at ${leak.file}:${leak.line}`);
      assert.equal(group.count, 50);
      await eventually('the snapshot copy to be gone', () => copiesOf(svc).length === 0);
      await eventually('the private dir to be removed', () => snapshotDirs().length === 0);
      assert.equal(tracerPid(svc.pid), 0);
      assert.ok(await healthy(svc));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('a process under a seccomp filter is not forked: the CLI says why and reads it stopped instead', async () => {
    const [build] = await buildFixtures({ goVersions: ['current'], names: ['hotsvc'] });
    const svc = await startService(binaryOf(build, 'hotsvc'), ['-leak', '50', '-cpu=false', '-lock=false', '-seccomp']);
    started.add(svc.pid);
    try {
      assert.match(fs.readFileSync(`/proc/${svc.pid}/status`, 'utf8'), /^Seccomp:\s*2$/m);
      const r = await runCli([...base(svc), '--via', 'snapshot']);
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /no snapshot: process \d+ on .* runs under a seccomp filter.*; read with the process stopped instead/);
      assert.match(r.stderr, /^anole: paused the process for \d+ ms \(longest stop\) via gdb$/m);
      const dump = JSON.parse(r.stdout) as Goroutines;
      assert.equal(dump.groups.find((g) => g.frames.some((f) => f.function === 'main.leakyWorker' && f.line === leak.line))?.count, 50);
      assert.deepEqual(copiesOf(svc), []);
      await eventually('the tracer to leave', () => tracerPid(svc.pid) === 0);
      assert.ok(await healthy(svc));
    } finally {
      await svc.stop();
    }
  });

  it('a process already traced is refused with the tracer named, and left alone', async () => {
    const svc = services.get('go1.19')!;
    const gdb = spawn('gdb', ['-nx', '-batch', '-p', String(svc.pid), '-ex', 'shell sleep 30'], { stdio: 'ignore' });
    try {
      await eventually('gdb to attach', () => tracerPid(svc.pid) > 0, 30_000);
      const r = await runCli([...base(svc), '--via', 'snapshot']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`already traced by process ${tracerPid(svc.pid)}`));
      assert.deepEqual(copiesOf(svc), []);
    } finally {
      gdb.kill('SIGKILL');
      await eventually('the test gdb to leave', () => tracerPid(svc.pid) === 0);
    }
    assert.ok(await healthy(svc));
  });
});
