// `anole goroutines --via dlv|gdb`: a goroutine dump through a debugger, against a real sshd and hotsvc built with new and old Go.
import assert from 'node:assert/strict';
import { binaryOf, buildFixtures, markerLines, startService, type RunningService, type ToolchainId } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { runCli } from '../support/cli';
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

  it('rejects --via without --pid', async () => {
    const r = await runCli(['goroutines', 'somehost', '--via', 'dlv']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--via needs HOST and --pid/);
  });
});
