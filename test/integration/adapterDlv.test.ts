// The debug adapter (dist/adapter.js) driven by DebugClient against a real sshd, dlv and hotsvc with 10,000 goroutines.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { AnoleAttachArguments } from '../../src/adapter/attachArgs';
import { binaryOf, buildFixtures, markerLines, startService, type RunningService, type ToolchainId } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';

const ADAPTER = path.resolve(__dirname, '../../dist/adapter.js');
const GOROUTINES = 10_000;

/** A DebugClient that records the DAP traffic, dumped when a test fails. */
function tracedClient(trace: string[]): DebugClient {
  if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run \`npm run build\` first`);
  const dc = new DebugClient(process.execPath, ADAPTER, 'anole', { stdio: ['pipe', 'pipe', 'pipe'] }, true);
  const cut = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}… (${s.length} chars)` : s);
  const raw = dc as unknown as { dispatch(body: string): void; send(command: string, args?: unknown): Promise<unknown> };
  const dispatch = raw.dispatch.bind(dc);
  raw.dispatch = (body: string) => {
    trace.push(`${new Date().toISOString()} ← ${cut(body)}`);
    dispatch(body);
  };
  const send = raw.send.bind(dc);
  raw.send = (command: string, args?: unknown) => {
    trace.push(`${new Date().toISOString()} → ${command} ${cut(JSON.stringify(args ?? {}))}`);
    return send(command, args);
  };
  return dc;
}

function adapterProcess(dc: DebugClient): ChildProcess {
  return (dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
}

async function healthy(svc: RunningService): Promise<boolean> {
  try {
    const r = await fetch(`http://${svc.addr}/healthz`, { signal: AbortSignal.timeout(1000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Polls `check` until it holds or the deadline passes. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < deadlineMs) {
    if (await check()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${deadlineMs} ms`);
}

function tracerPid(pid: number): number {
  const m = /^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : -1;
}

/** PIDs of dlv processes attached to `pid` (the sshd runs on this machine). */
function dlvFor(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-f', `dlv attach ${pid} `], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

for (const toolchain of ['current', 'go1.19'] as ToolchainId[]) {
  describe(`debug adapter with dlv (${toolchain} hotsvc, ${GOROUTINES} goroutines)`, function () {
    this.timeout(180_000);
    let sshd: TestSshd;
    let svc: RunningService;
    let trace: string[] = [];
    const clients: DebugClient[] = [];
    const leak = markerLines().leak;

    const attachArgs = (extra: Partial<AnoleAttachArguments> = {}): AnoleAttachArguments => ({
      host: sshd.alias, sshConfigFile: sshd.configFile, processId: svc.pid, backend: 'dlv', ...extra,
    });
    const client = async () => {
      const dc = tracedClient(trace);
      clients.push(dc);
      await dc.start();
      await dc.initializeRequest({ adapterID: 'anole', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      return dc;
    };

    before(async () => {
      const [s, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: [toolchain], names: ['hotsvc'] })]);
      sshd = s;
      svc = await startService(binaryOf(builds[0], 'hotsvc'), ['-goroutines', String(GOROUTINES)]);
    });

    beforeEach(() => {
      trace = [];
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') {
        console.log(`--- DAP trace of "${this.currentTest.title}" ---\n${trace.join('\n')}\n--- end of DAP trace ---`);
      }
      const live = clients.splice(0).filter((dc) => { const p = adapterProcess(dc); return p && p.exitCode === null && p.signalCode === null; });
      await Promise.all(live.map((dc) => dc.stop().catch(() => undefined)));
    });

    after(async () => {
      for (const p of svc ? dlvFor(svc.pid) : []) process.kill(p, 'SIGKILL');
      await svc?.stop();
      await sshd?.stop();
    });

    it('lists every goroutine, reaches the leak line, reads variables, and detaches on disconnect', async () => {
      const dc = await client();
      await dc.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments);
      assert.ok(tracerPid(svc.pid) > 0, 'dlv is attached');
      assert.ok(await healthy(svc), 'the service runs right after attach');

      const { body } = await dc.threadsRequest();
      assert.ok(body.threads.length >= GOROUTINES, `threads: ${body.threads.length}`);
      assert.doesNotMatch(body.threads[0].name, /^#\d+ runtime\./, 'user goroutines come first');
      const leaky = body.threads.find((t) => /^#\d+ main\.leakyWorker · chan receive$/.test(t.name));
      assert.ok(leaky, 'a leaked goroutine is listed by name and wait reason');

      const st = await dc.stackTraceRequest({ threadId: leaky.id, startFrame: 0, levels: 20 });
      const frame = st.body.stackFrames.find((f) => f.source?.path === leak.file && f.line === leak.line);
      assert.ok(frame, `a frame at ${leak.file}:${leak.line}; got ${st.body.stackFrames.map((f) => `${f.name} ${f.source?.path}:${f.line}`).join(', ')}`);
      assert.equal(frame.name, 'main.leakyWorker');

      const scopes = await dc.scopesRequest({ frameId: frame.id });
      const args = await dc.variablesRequest({ variablesReference: scopes.body.scopes.find((s) => s.name === 'Arguments')!.variablesReference });
      const ch = args.body.variables.find((v) => v.name === 'ch');
      assert.ok(ch, 'the argument ch is listed');
      assert.equal(ch.type, '<-chan int');
      await dc.variablesRequest({ variablesReference: scopes.body.scopes.find((s) => s.name === 'Locals')!.variablesReference });

      // Package state seen from that frame: a channel, a slice of strings expanded element by element.
      const leakCh = await dc.evaluateRequest({ expression: 'main.leakCh', frameId: frame.id, context: 'watch' });
      assert.match(leakCh.body.result, /chan int/);
      const argv = await dc.evaluateRequest({ expression: 'os.Args', frameId: frame.id, context: 'watch' });
      assert.match(argv.body.result, /^\[\]string len: \d+/);
      const elems = await dc.variablesRequest({ variablesReference: argv.body.variablesReference });
      assert.ok(elems.body.variables.some((v) => v.value === `"${GOROUTINES}"`), JSON.stringify(elems.body.variables));

      const groups = await dc.customRequest('anole/goroutineGroups');
      const g = (groups.body as { total: number; groups: Array<{ count: number; frames: Array<{ function: string; line: number }> }> });
      assert.ok(g.total >= GOROUTINES);
      const leakGroup = g.groups.find((x) => x.frames.some((f) => f.function === 'main.leakyWorker' && f.line === leak.line));
      assert.ok(leakGroup && leakGroup.count >= 50, `leak group: ${JSON.stringify(leakGroup?.count)}`);

      assert.ok(await healthy(svc), 'the service runs between requests');
      await dc.disconnectRequest({ terminateDebuggee: true }); // must be ignored: detach, never kill
      assert.equal(tracerPid(svc.pid), 0, 'no tracer after disconnect');
      assert.ok(await healthy(svc), 'the service answers after disconnect');
      await eventually('dlv exit', () => dlvFor(svc.pid).length === 0);
    });

    it('refuses a second attach with the reason and a fix', async () => {
      const first = await client();
      await first.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments);
      const second = await client();
      await assert.rejects(second.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments), /already being traced by dlv/);
      await first.disconnectRequest({});
      assert.ok(await healthy(svc));
    });

    it('leaves the service running when the adapter is killed while attached and paused', async () => {
      const dc = await client();
      await dc.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments);
      const { body } = await dc.threadsRequest();
      assert.ok(body.threads.length >= GOROUTINES);
      const stoppedEvent = dc.waitForEvent('stopped');
      await dc.pauseRequest({ threadId: body.threads[0].id });
      await stoppedEvent;
      assert.equal(await healthy(svc), false, 'the paused service does not answer');
      const exited = new Promise((r) => adapterProcess(dc).once('exit', r));
      adapterProcess(dc).kill('SIGKILL');
      await exited;
      const answeredAfter = await eventually('the service answering /healthz', () => healthy(svc));
      const dlvGoneAfter = await eventually('dlv exiting', () => dlvFor(svc.pid).length === 0);
      await eventually('the tracer detaching', () => tracerPid(svc.pid) === 0);
      console.log(`      after the adapter was killed: service answered in ${answeredAfter} ms, dlv gone in ${dlvGoneAfter} ms`);
    });
  });
}
