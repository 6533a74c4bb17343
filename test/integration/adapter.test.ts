// The debug adapter (dist/adapter.js) driven by TracedDebugClient against a real sshd, dlv or gdb, and hotsvc with 10,000 goroutines.
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { AnoleAttachArguments } from '../../src/adapter/attachArgs';
import { binaryOf, buildFixtures, markerLines, startService, type RunningService, type ToolchainId } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { type TracedDebugClient, adapterProcess, eventually, healthy, isLive, responsesTo, stopLiveClients, tracedClient, tracerPid } from '../support/dap';

const GOROUTINES = 10_000;

for (const backend of ['dlv', 'gdb'] as const) for (const toolchain of ['current', 'go1.19'] as ToolchainId[]) {
  describe(`debug adapter with ${backend} (${toolchain} hotsvc, ${GOROUTINES} goroutines)`, function () {
    this.timeout(180_000);
    let sshd: TestSshd;
    let svc: RunningService;
    let trace: string[] = [];
    const clients: TracedDebugClient[] = [];
    const leak = markerLines().leak;

    const attachArgs = (extra: Partial<AnoleAttachArguments> = {}): AnoleAttachArguments => ({
      host: sshd.alias, sshConfigFile: sshd.configFile, processId: svc.pid, backend, ...extra,
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
        console.log(`--- service stderr ---\n${svc?.stderr().slice(-3000)}\n--- end of service stderr ---`);
      }
      await stopLiveClients(clients);
    });

    after(async () => {
      const tracer = svc ? tracerPid(svc.pid) : 0;
      if (tracer > 0) process.kill(tracer, 'SIGKILL');
      await svc?.stop();
      await sshd?.stop();
    });

    it('lists every goroutine, reaches the leak line, reads variables, and detaches on disconnect', async () => {
      const dc = await client();
      // As VS Code does: configurationDone and the threads request go out while the attach still runs.
      const attaching = dc.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments);
      await dc.configurationDoneRequest();
      const early = dc.threadsRequest();
      await attaching;
      const tracer = tracerPid(svc.pid);
      assert.ok(tracer > 0, `${backend} is attached`);
      assert.ok((await early).body.threads.length >= GOROUTINES, 'the threads asked during the attach are answered after it');
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
      if (backend === 'dlv') assert.equal(ch.type, '<-chan int');
      await dc.variablesRequest({ variablesReference: scopes.body.scopes.find((s) => s.name === 'Locals')!.variablesReference });

      // Package state seen from that frame: a channel whose fields expand.
      const leakCh = await dc.evaluateRequest({ expression: 'main.leakCh', frameId: frame.id, context: 'watch' });
      assert.ok(leakCh.body.result.length > 0);
      if (backend === 'dlv') {
        assert.match(leakCh.body.result, /chan int/);
        // A slice of strings expanded element by element.
        const argv = await dc.evaluateRequest({ expression: 'os.Args', frameId: frame.id, context: 'watch' });
        assert.match(argv.body.result, /^\[\]string len: \d+/);
        const elems = await dc.variablesRequest({ variablesReference: argv.body.variablesReference });
        assert.ok(elems.body.variables.some((v) => v.value === `"${GOROUTINES}"`), JSON.stringify(elems.body.variables));
      } else {
        assert.ok(leakCh.body.variablesReference > 0, 'the channel expands');
        const fields = await dc.variablesRequest({ variablesReference: leakCh.body.variablesReference });
        // gdb shows the dereferenced hchan: its element size is that of an int.
        assert.ok(fields.body.variables.some((v) => /\belemsize = 8\b/.test(v.value) || (v.name === 'elemsize' && v.value === '8')), JSON.stringify(fields.body.variables));
      }

      const groups = await dc.customRequest('anole/goroutineGroups');
      const g = (groups.body as { total: number; groups: Array<{ count: number; frames: Array<{ function: string; line: number }> }> });
      assert.ok(g.total >= GOROUTINES);
      const leakGroup = g.groups.find((x) => x.frames.some((f) => f.function === 'main.leakyWorker' && f.line === leak.line));
      assert.ok(leakGroup && leakGroup.count >= 50, `leak group: ${JSON.stringify(leakGroup?.count)}`);

      assert.ok(await healthy(svc), 'the service runs between requests');
      await dc.disconnectRequest({ terminateDebuggee: true }); // must be ignored: detach, never kill
      assert.equal(tracerPid(svc.pid), 0, 'no tracer after disconnect');
      assert.ok(await healthy(svc), 'the service answers after disconnect');
      await eventually(`${backend} exit`, () => !isLive(tracer));
    });

    it('runs no function inside the process unless the configuration says "allowFunctionCalls": true', async () => {
      /** A frame of a leaked goroutine, to evaluate in. */
      const leakFrame = async (dc: TracedDebugClient) => {
        const { body } = await dc.threadsRequest();
        const leaky = body.threads.find((t) => /main\.leakyWorker/.test(t.name))!;
        const st = await dc.stackTraceRequest({ threadId: leaky.id, startFrame: 0, levels: 20 });
        return st.body.stackFrames.find((f) => f.name === 'main.leakyWorker')!.id;
      };
      // gdb wants package-qualified names quoted; dlv takes Go syntax.
      const call = backend === 'gdb' ? "'runtime.GC'()" : 'runtime.GC()';
      /**
       * gdb reads a parked goroutine's frame on a borrowed thread; at a moment when every thread
       * sits in a system call it says so. The process runs between requests: ask again then.
       */
      const evaluate = async (d: TracedDebugClient, args: DebugProtocol.EvaluateArguments) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await d.evaluateRequest(args);
          } catch (e) {
            if (attempt >= 20 || !/every thread of the process is inside a system call/.test((e as Error).message)) throw e;
          }
        }
      };
      const dc = await client();
      await dc.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments);
      const frameId = await leakFrame(dc);
      await assert.rejects(evaluate(dc, { expression: call, frameId, context: 'repl' }),
        /function calls are off.*"allowFunctionCalls": true/);
      if (backend === 'gdb') {
        const setting = await evaluate(dc, { expression: '$_gdb_setting("may-call-functions")', frameId, context: 'repl' });
        assert.equal(setting.body.result, '0', 'gdb itself refuses calls');
      }
      assert.ok(await healthy(svc));
      await dc.disconnectRequest({});

      const allowed = await client();
      await allowed.attachRequest(attachArgs({ allowFunctionCalls: true }) as DebugProtocol.AttachRequestArguments);
      const frame2 = await leakFrame(allowed);
      if (backend === 'gdb') {
        const setting = await evaluate(allowed, { expression: '$_gdb_setting("may-call-functions")', frameId: frame2, context: 'repl' });
        assert.equal(setting.body.result, '1', 'gdb may call functions when allowed');
      } else {
        // dlv's `call` runs only on a goroutine that is on a thread: a parked one gets dlv's own refusal, not Anole's.
        await assert.rejects(evaluate(allowed, { expression: call, frameId: frame2, context: 'repl' }),
          (e: Error) => !/allowFunctionCalls/.test(e.message) && /dlv Command: /.test(e.message));
      }
      await allowed.disconnectRequest({});
      assert.ok(await healthy(svc));
    });

    it('refuses a second attach with the reason, a fix and a Check Host button, in English and zh-cn', async () => {
      const first = await client();
      await first.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments);
      const second = await client();
      const answers = responsesTo(second, 'attach');
      await assert.rejects(second.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments), new RegExp(`already being traced by ${backend}`));
      // The error dialog's button runs Check Host on the same host and process.
      const error = (answers[0] as DebugProtocol.ErrorResponse | undefined)?.body?.error;
      assert.equal(error?.urlLabel, 'Check Host');
      assert.equal(error?.url, `command:anole.checkHost?${encodeURIComponent(JSON.stringify([{ host: sshd.alias, pid: svc.pid }]))}`);
      // A client in zh-cn gets the refusal, its fix and the button in Chinese.
      const zh = tracedClient(trace);
      clients.push(zh);
      await zh.start();
      await zh.initializeRequest({ adapterID: 'anole', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', locale: 'zh-cn' });
      const zhAnswers = responsesTo(zh, 'attach');
      await assert.rejects(zh.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments), new RegExp(`无法附加到进程 ${svc.pid}：\\n• 进程 ${svc.pid} 已被 ${backend}`));
      const zhError = (zhAnswers[0] as DebugProtocol.ErrorResponse | undefined)?.body?.error;
      assert.equal(zhError?.urlLabel, '检查主机');
      assert.match(zhError?.format ?? '', /修复：先让 .* 分离或停止它/);
      await first.disconnectRequest({});
      assert.ok(await healthy(svc));
    });

    it('leaves the service running when the adapter is killed while attached and paused', async () => {
      const dc = await client();
      await dc.attachRequest(attachArgs() as DebugProtocol.AttachRequestArguments);
      const tracer = tracerPid(svc.pid);
      const { body } = await dc.threadsRequest();
      assert.ok(body.threads.length >= GOROUTINES);
      const stoppedEvent = dc.waitForEvent('stopped');
      await dc.pauseRequest({ threadId: body.threads[0].id });
      await stoppedEvent;
      assert.equal(await healthy(svc), false, 'the paused service does not answer');
      const exited = new Promise((r) => adapterProcess(dc)!.once('exit', r));
      adapterProcess(dc)!.kill('SIGKILL');
      await exited;
      const answeredAfter = await eventually('the service answering /healthz', () => healthy(svc));
      const dlvGoneAfter = await eventually(`${backend} exiting`, () => !isLive(tracer));
      await eventually('the tracer detaching', () => tracerPid(svc.pid) === 0);
      console.log(`      after the adapter was killed: service answered in ${answeredAfter} ms, ${backend} gone in ${dlvGoneAfter} ms`);
    });
  });
}
