// `anole goroutines --via dlv|gdb`: a goroutine dump through a debugger, against a real sshd and hotsvc built with new and old Go.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { binaryOf, buildFixtures, markerLines, startService, type RunningService, type ToolchainId } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { CLI, runCli } from '../support/cli';
import { eventually, healthy, heartbeatGap, tracerPid } from '../support/dap';

interface Goroutines { total: number; groups: Array<{ count: number; state: string; waitMinutes: number | null; frames: Array<{ function: string; file: string; line: number }> }> }


describe('goroutine dump through a debugger (anole goroutines --via)', function () {
  this.timeout(180_000);
  const TOOLCHAINS: ToolchainId[] = ['current', 'go1.19'];
  const leak = markerLines().leak;
  let sshd: TestSshd;
  const services = new Map<ToolchainId, RunningService>();

  before(async () => {
    const [s, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: TOOLCHAINS, names: ['hotsvc'] })]);
    sshd = s;
    for (const [i, tc] of TOOLCHAINS.entries()) services.set(tc, await startService(binaryOf(builds[i], 'hotsvc'), ['-leak', '50']));
  });

  after(async () => {
    for (const svc of services.values()) {
      const tracer = tracerPid(svc.pid);
      if (tracer > 0) process.kill(tracer, 'SIGKILL');
      await svc.stop();
    }
    await sshd?.stop();
  });

  for (const backend of ['dlv', 'gdb'] as const) for (const tc of TOOLCHAINS) {
    it(`${backend}, ${tc} Go: groups the 50 leaked goroutines at the leak line, reports the pause, detaches`, async () => {
      const svc = services.get(tc)!;
      await heartbeatGap(svc);
      const r = await runCli(['goroutines', sshd.alias, '--pid', String(svc.pid), '--via', backend, '--json', '--ssh-config', sshd.configFile]);
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      const m = new RegExp(`^anole: paused the process for (\\d+) ms \\(longest stop\\) via ${backend}$`, 'm').exec(r.stderr);
      assert.ok(m, `no pause line on stderr: ${r.stderr}`);
      const pauseMs = Number(m[1]);
      const stall = await heartbeatGap(svc);
      console.log(`      ${backend} ${tc}: reported pause ${pauseMs} ms; service's longest heartbeat gap ${stall} ms`);
      assert.ok(stall <= pauseMs + 1000, `the service stalled ${stall} ms, far more than the ${pauseMs} ms reported`);

      const dump = JSON.parse(r.stdout) as Goroutines;
      assert.deepEqual(Object.keys(dump).sort(), ['groups', 'total']);
      assert.ok(dump.total >= 50, `total ${dump.total}`);
      const group = dump.groups.find((g) => g.frames.some((f) => f.function === 'main.leakyWorker' && f.file === leak.file && f.line === leak.line));
      assert.ok(group, `no group at ${leak.file}:${leak.line}: ${JSON.stringify(dump.groups.map((g) => [g.count, g.state, g.frames[0]?.function]))}`);
      assert.equal(group.count, 50);
      assert.equal(group.state, 'chan receive');

      await eventually('the tracer to leave', () => tracerPid(svc.pid) === 0);
      assert.ok(await healthy(svc), 'the service answers /healthz after the dump');
    });
  }

  for (const how of ['SIGINT', 'SIGKILL'] as const) {
    it(`gdb on 50,000 goroutines, the CLI ${how === 'SIGINT' ? 'cancelled (Ctrl-C)' : 'killed'} during the dump: the service is never left stopped or traced`, async () => {
      const svc = await startService(services.get('current')!.binary, ['-goroutines', '50000', '-cpu=false', '-lock=false']);
      try {
        const cli = spawn(process.execPath, [CLI, 'goroutines', sshd.alias, '--pid', String(svc.pid), '--via', 'gdb', '--json', '--ssh-config', sshd.configFile],
          { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        cli.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
        await eventually('gdb to attach', () => tracerPid(svc.pid) > 0, 60_000);
        await new Promise((r) => setTimeout(r, 1_500)); // attach, then into the read (~1 s at this count)
        const t0 = Date.now();
        cli.kill(how);
        const code = await exited;
        if (how === 'SIGINT') assert.ok(code !== 0 || /paused the process/.test(stderr), `exit ${code}: ${stderr}`);
        const ms = await eventually('the tracer to leave', () => tracerPid(svc.pid) === 0, 30_000);
        assert.ok(!/^State:\s*[Tt]/m.test(fs.readFileSync(`/proc/${svc.pid}/status`, 'utf8')), 'the service is not left stopped');
        assert.ok(await healthy(svc), 'the service answers /healthz');
        console.log(`      ${how}: CLI exit ${code}, tracer gone ${Date.now() - t0} ms after the signal (${ms} ms after the CLI ended)`);
      } finally {
        await svc.stop();
      }
    });
  }

  it('rejects --via without --pid', async () => {
    const r = await runCli(['goroutines', 'somehost', '--via', 'dlv']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--via needs HOST and --pid/);
  });
});
