// `anole core` + `anole goroutines --core`: core dumps of hotsvc (new and old Go) written on the host by gcore and dlv,
// fetched over a real sshd, then read offline with the other tool's reader (gcore's core with dlv, dlv's with gdb).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { markerLines, type RunningService, type ToolchainId } from '../host/goServices';
import type { TestSshd } from '../host/sshd';
import { startTestHost, type TestHost } from '../host/testHost';
import { runCli } from '../support/cli';
import { processTree } from '../support/hostAudit';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { AnoleAttachArguments } from '../../src/adapter/attachArgs';
import { adapterProcess, eventually, healthy, heartbeatGap, tracedClient, tracerPid } from '../support/dap';

interface Goroutines { total: number; groups: Array<{ count: number; state: string; frames: Array<{ function: string; file: string; line: number }> }> }


/** PIDs of the live descendants of `pid` (the debugger the adapter runs on a core, its watchdog). */
function descendants(pid: number): number[] {
  return processTree([pid]).filter((p) => p !== pid);
}

/** Our capture folders on the host (the sshd is this machine, same user). */
function hostCoreDirs(): string[] {
  const base = process.env.TMPDIR || '/tmp';
  return fs.readdirSync(base).filter((n) => n.startsWith('anole-core.'));
}

describe('core dumps (anole core, anole goroutines --core)', function () {
  this.timeout(240_000);
  const TOOLCHAINS: ToolchainId[] = ['current', 'go1.19'];
  const leak = markerLines().leak;
  let host: TestHost;
  let sshd: TestSshd;
  let out: string;
  const services = new Map<ToolchainId, RunningService>();

  before(async () => {
    host = await startTestHost({ toolchains: TOOLCHAINS });
    sshd = host.sshd;
    for (const s of host.services) services.set(s.toolchain, s.service);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-cores-'));
  });

  after(async () => {
    for (const svc of services.values()) {
      const tracer = tracerPid(svc.pid);
      if (tracer > 0) process.kill(tracer, 'SIGKILL'); // a failed test must not leave the service stopped
    }
    await host?.stop();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  const READER = { gcore: 'dlv', dlv: 'gdb' } as const;
  for (const tool of ['gcore', 'dlv'] as const) for (const tc of TOOLCHAINS) {
    it(`${tool}, ${tc} Go: writes, fetches and removes the core, reports the pause, leaves the service running; ${READER[tool]} reads it offline`, async () => {
      const svc = services.get(tc)!;
      const before = hostCoreDirs();
      await heartbeatGap(svc);
      const file = path.join(out, `${tool}-${tc}.core`);
      const r = await runCli(['core', sshd.alias, '--pid', String(svc.pid), '--tool', tool, '-o', file, '--json', '--ssh-config', sshd.configFile], { timeoutMs: 180_000 });
      assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      const m = new RegExp(`^anole: paused process ${svc.pid} for (\\d+) ms while ${tool} wrote the core$`, 'm').exec(r.stderr);
      assert.ok(m, `no pause line on stderr: ${r.stderr}`);
      const stall = await heartbeatGap(svc);
      const res = JSON.parse(r.stdout) as { core: string; executable: string; coreBytes: number; executableBytes: number; transferBytes: number; pauseMs: number; tool: string };
      console.log(`      ${tool} ${tc}: pause ${res.pauseMs} ms (service's longest heartbeat gap ${stall} ms); core ${(res.coreBytes / 1e6).toFixed(1)} MB, ${(res.transferBytes / 1e6).toFixed(1)} MB transferred`);
      assert.equal(res.tool, tool);
      assert.equal(Number(m[1]), res.pauseMs);
      assert.ok(stall <= res.pauseMs + 1000, `the service stalled ${stall} ms, far more than the ${res.pauseMs} ms reported`);
      assert.equal(res.core, file);
      assert.equal(fs.statSync(file).size, res.coreBytes);
      assert.ok(res.transferBytes < res.coreBytes, 'the core crossed the connection compressed');
      assert.equal(fs.readFileSync(file).subarray(0, 4).toString('latin1'), '\x7fELF');
      assert.deepEqual(fs.readFileSync(res.executable), fs.readFileSync(svc.binary), 'the fetched executable is the service binary');
      assert.deepEqual(hostCoreDirs(), before, 'the host folder holding the core was removed');
      await eventually('the tracer to leave', () => tracerPid(svc.pid) === 0);
      assert.ok(await healthy(svc), 'the service answers /healthz after the core dump');

      const g = await runCli(['goroutines', '--core', file, '--exe', res.executable, '--via', READER[tool], '--json'], { timeoutMs: 120_000 });
      assert.equal(g.code, 0, `exit ${g.code}: ${g.stderr}`);
      assert.match(g.stderr, new RegExp(`goroutines from the core with ${READER[tool]}`));
      const dump = JSON.parse(g.stdout) as Goroutines;
      const group = dump.groups.find((x) => x.frames.some((f) => f.function === 'main.leakyWorker' && f.file === leak.file && f.line === leak.line));
      assert.ok(group, `no group at ${leak.file}:${leak.line}: ${JSON.stringify(dump.groups.map((x) => [x.count, x.state, x.frames.map((f) => f.function)]))}`);
      assert.equal(group.count, 50);
      assert.equal(group.state, 'chan receive');
    });
  }

  it('the debug adapter opens a core offline with dlv and with gdb: goroutines as threads, the leak line, variables; it cannot run', async () => {
    const svc = services.get('current')!;
    const file = path.join(out, 'adapter.core');
    const r = await runCli(['core', sshd.alias, '--pid', String(svc.pid), '--tool', 'dlv', '-o', file, '--ssh-config', sshd.configFile], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    for (const backend of ['dlv', 'gdb'] as const) {
      const trace: string[] = [];
      const dc = tracedClient(trace);
      try {
        await dc.start();
        await dc.initializeRequest({ adapterID: 'anole', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
        const args: AnoleAttachArguments = { coreFilePath: file, program: `${file}.exe`, backend };
        const stopped = dc.waitForEvent('stopped', 60_000); // opening the core and listing its goroutines first
        await dc.attachRequest(args as DebugProtocol.AttachRequestArguments);
        const ev = (await stopped) as DebugProtocol.StoppedEvent;
        assert.equal(ev.body.reason, 'core dump');
        assert.equal(ev.body.allThreadsStopped, true);

        const { body } = await dc.threadsRequest();
        const leaky = body.threads.filter((t) => /^#\d+ main\.leakyWorker · chan receive$/.test(t.name));
        assert.equal(leaky.length, 50, `${backend}: ${body.threads.length} threads, ${leaky.length} leaked`);
        const st = await dc.stackTraceRequest({ threadId: leaky[0].id, startFrame: 0, levels: 20 });
        const frame = st.body.stackFrames.find((f) => f.source?.path === leak.file && f.line === leak.line);
        assert.ok(frame, `${backend}: a frame at the leak line; got ${st.body.stackFrames.map((f) => `${f.name} ${f.source?.path}:${f.line}`).join(', ')}`);
        assert.equal(frame.name, 'main.leakyWorker');

        const scopes = await dc.scopesRequest({ frameId: frame.id });
        const argsRef = scopes.body.scopes.find((s) => s.name === 'Arguments')!.variablesReference;
        if (backend === 'dlv') {
          const vars = await dc.variablesRequest({ variablesReference: argsRef });
          assert.equal(vars.body.variables.find((v) => v.name === 'ch')?.type, '<-chan int');
        } else {
          await assert.rejects(dc.variablesRequest({ variablesReference: argsRef }), /parked goroutine in a core dump.*dlv backend/);
        }
        const leakCh = await dc.evaluateRequest({ expression: 'main.leakCh', frameId: frame.id, context: 'watch' });
        assert.ok(leakCh.body.result.length > 0, `${backend}: a global evaluates`);
        await assert.rejects(dc.continueRequest({ threadId: leaky[0].id }), /core dump: it cannot run/);
        const adapterPid = adapterProcess(dc)!.pid!;
        assert.ok(descendants(adapterPid).length > 0, `${backend} runs on the core`);
        await dc.disconnectRequest({});
        await eventually(`${backend} to exit`, () => descendants(adapterPid).length === 0);
      } catch (e) {
        console.log(`--- DAP trace (${backend}) ---\n${trace.join('\n')}\n--- end of DAP trace ---`);
        throw e;
      } finally {
        await dc.stop().catch(() => undefined);
      }
    }
    assert.ok(await healthy(svc), 'the service was never touched by opening the core');
  });

  it('refuses a remote folder that does not exist, before stopping anything', async () => {
    const svc = services.get('current')!;
    const r = await runCli(['core', sshd.alias, '--pid', String(svc.pid), '--remote-dir', '/nonexistent/anole', '-o', path.join(out, 'never.core'), '--ssh-config', sshd.configFile]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^anole: cannot prepare a folder for the core dump on .*: no such folder: \/nonexistent\/anole$/m);
    assert.equal(fs.existsSync(path.join(out, 'never.core')), false);
    assert.equal(fs.existsSync(path.join(out, 'never.core.exe')), false);
    assert.equal(tracerPid(svc.pid), 0);
  });

  it('says what is wrong with a missing core or executable', async () => {
    const r = await runCli(['goroutines', '--core', path.join(out, 'missing.core'), '--exe', path.join(out, 'missing.exe')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^anole: no such file: .*missing\.core$/m);
    const noExe = await runCli(['goroutines', '--core', path.join(out, 'missing.core')]);
    assert.match(noExe.stderr, /--core needs --exe FILE/);
  });
});
