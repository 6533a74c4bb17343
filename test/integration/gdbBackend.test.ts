// The gdb backend over a real sshd against hotsvc with 10,000 goroutines, built with both Go toolchains.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listAllGoroutines } from '../../src/core/debug/goroutineList';
import { GdbBackend, attachGdb } from '../../src/core/debug/gdb/gdbBackend';
import { SshHost } from '../../src/core/ssh/sshHost';
import { binaryOf, buildFixtures, markerLines, startService, type RunningService, type ToolchainId } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { eventually, healthy, heartbeatGap, tracerPid } from '../support/dap';

const GOROUTINES = 10_000;
const REPO = path.resolve(__dirname, '../..');

/**
 * PIDs of the gdb processes our watchdog started through the test sshd on `port` (this machine): their
 * SSH_CONNECTION names that port, which stays true if the session dies and gdb is orphaned. gdbs of other
 * test runs or users on the machine are not ours to count or kill.
 */
function gdbProcesses(port: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-f', 'gdb --interpreter=mi3 --nx'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      return env.some((kv) => kv.startsWith('SSH_CONNECTION=') && kv.trimEnd().endsWith(` ${port}`));
    } catch {
      return false; // gone meanwhile
    }
  });
}

function tempDirs(): string[] {
  return fs.readdirSync('/tmp').filter((n) => n.startsWith('anole-gdb.'));
}

/** Is the process stopped (state T) right now? */
function stopped(pid: number): boolean {
  return /^State:\s*[Tt]/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
}

for (const toolchain of ['current', 'go1.19'] as ToolchainId[]) {
  describe(`gdb backend (${toolchain} hotsvc, ${GOROUTINES} goroutines)`, function () {
    this.timeout(180_000);
    let sshd: TestSshd;
    let svc: RunningService;
    let svcExited = false;
    const leak = markerLines().leak;
    const hosts: SshHost[] = [];
    const connect = async () => {
      const h = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
      hosts.push(h);
      return h;
    };

    before(async () => {
      const [s, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: [toolchain], names: ['hotsvc'] })]);
      sshd = s;
      svc = await startService(binaryOf(builds[0], 'hotsvc'), ['-goroutines', String(GOROUTINES)]);
      void svc.exited.then(() => { svcExited = true; });
    });

    afterEach(async () => {
      assert.equal(svcExited, false, 'the service must never exit');
      await Promise.all(hosts.splice(0).map((h) => h.close().catch(() => undefined)));
      await eventually('no gdb left', () => gdbProcesses(sshd.port).length === 0).catch(() => gdbProcesses(sshd.port).forEach((p) => process.kill(p, 'SIGKILL')));
    });

    after(async () => {
      await svc?.stop();
      await sshd?.stop();
    });

    it('lists every goroutine, reaches the leak line, reads variables, and detaches leaving the service running', async () => {
      const host = await connect();
      const gdb = new GdbBackend(host);
      const t0 = Date.now();
      await gdb.attach(svc.pid);
      const attachMs = Date.now() - t0;
      assert.ok(tracerPid(svc.pid) > 0, 'gdb is attached');
      await gdb.resume();
      await eventually('the service answers while gdb is attached', () => healthy(svc));

      // One full listing in 1,000-goroutine pages, each page in its own short stop.
      await heartbeatGap(svc);
      const t1 = Date.now();
      const all = await listAllGoroutines(gdb, async (fn) => {
        await gdb.pause();
        try {
          return await fn(gdb);
        } finally {
          await gdb.resume();
        }
      });
      const listMs = Date.now() - t1;
      const pagedStall = await heartbeatGap(svc);

      // The same listing in one stop: the longest pause a single listing causes.
      await gdb.pause();
      const t2 = Date.now();
      const oneShot = await gdb.listGoroutines({ start: 0, count: 1_000_000 });
      const oneShotMs = Date.now() - t2;
      await gdb.resume();
      const oneShotStall = await heartbeatGap(svc);
      console.log(`      ${svc.goVersion}: attach ${attachMs} ms; ${all.length} goroutines paged in ${listMs} ms (longest stall ${pagedStall.toFixed(0)} ms); `
        + `one page of ${oneShot.goroutines.length} in ${oneShotMs} ms (stall ${oneShotStall.toFixed(0)} ms)`);

      assert.ok(all.length >= GOROUTINES, `${all.length} goroutines`);
      assert.equal(oneShot.next, -1);
      const leaked = all.filter((g) => g.user?.function === 'main.leakyWorker');
      assert.ok(leaked.length >= 50, `${leaked.length} leaked goroutines`);
      for (const g of leaked) {
        assert.equal(g.user?.file, leak.file);
        assert.equal(g.user?.line, leak.line);
        assert.equal(g.state, 'chan receive');
      }
      assert.ok(leaked[0].goStatement?.function.startsWith('main.startLeaks'), JSON.stringify(leaked[0].goStatement));
      assert.ok(all.some((g) => g.state === 'running' || g.state === 'runnable' || g.state === 'syscall' || g.user?.function === 'main.burnCPU'));

      await gdb.pause();
      const stack = await gdb.stacktrace(leaked[0].id, 50);
      const frame = stack.find((f) => f.function === 'main.leakyWorker');
      assert.ok(frame, stack.map((f) => f.function).join(' < '));
      assert.equal(frame.file, leak.file);
      assert.equal(frame.line, leak.line);
      assert.equal(stack[stack.length - 1].function, 'runtime.goexit');

      const args = await gdb.variables(leaked[0].id, frame.index, 'args');
      const locals = await gdb.variables(leaked[0].id, frame.index, 'locals');
      assert.deepEqual(args.map((v) => v.name), ['ch']);
      assert.equal(args[0].type, '<-chan int');
      assert.deepEqual(locals.map((v) => v.name), ['v']);
      const ch = await gdb.evaluate(leaked[0].id, frame.index, 'main.leakCh');
      assert.equal(ch.type, 'chan int');
      assert.ok(ch.value.length > 0);
      assert.ok(ch.ref);
      const [hchan] = await gdb.expand(leaked[0].id, frame.index, ch.ref);
      const fields = await gdb.expand(leaked[0].id, frame.index, hchan.ref!);
      assert.equal(fields.find((f) => f.name === 'elemsize')?.value, '8');
      assert.equal(fields.find((f) => f.name === 'closed')?.value, '0');
      // a frame of chanrecv (in memory) reads its arguments
      const recv = stack.find((f) => f.function === 'runtime.chanrecv')!;
      const recvArgs = await gdb.variables(leaked[0].id, recv.index, 'args');
      assert.equal(recvArgs.find((v) => v.name === 'block')?.value, 'true');
      await assert.rejects(gdb.stacktrace(99_999_999, 5), /no goroutine 99999999/);
      // the CPU burner is running on a thread (or runnable): its stack comes from the thread or its saved context
      const burner = all.find((g) => g.user?.function === 'main.burnCPU' || g.current.function === 'main.burnCPU');
      if (burner) {
        const bs = await gdb.stacktrace(burner.id, 50);
        // (gdb cannot unwind out of Go's signal handler, nor out of a vDSO clock call made on the g0
        // stack: a thread caught handling SIGURG or reading the clock shows only that)
        const inHandler = bs.some((f) => ['runtime.sigtramp', 'runtime.sigreturn', 'runtime.nanotime1', 'runtime.walltime'].includes(f.function));
        assert.ok(inHandler || bs.some((f) => f.function === 'main.burnCPU'), bs.map((f) => f.function).join(' < '));
      }

      await gdb.detach();
      assert.equal(tracerPid(svc.pid), 0);
      assert.ok(await healthy(svc), 'the service answers after detach');
      await eventually('gdb exited', () => gdbProcesses(sshd.port).length === 0);
      const dir = gdb.hostDir!;
      await eventually('our temp dir is gone', () => !fs.existsSync(dir));
      assert.equal((await gdb.state()).exited, true);
    });

    it('gives a parked goroutine\'s full stack when every thread of an idle service is inside a system call', async () => {
      // Idle: no CPU loop, no lock contention, a slow heartbeat: its threads all wait in futex/epoll_wait.
      const idle = await startService(svc.binary, ['-cpu=false', '-lock=false', '-heartbeat', '1h', '-leak', '5']);
      const host = await connect();
      const gdb = new GdbBackend(host);
      try {
        await gdb.attach(idle.pid);
        const page = await gdb.listGoroutines({ start: 0, count: 10_000 });
        const leaked = page.goroutines.find((g) => g.user?.function === 'main.leakyWorker');
        assert.ok(leaked, 'a leaked goroutine is listed');
        const frames = await gdb.stacktrace(leaked.id, 50);
        assert.ok(frames.some((f) => f.function === 'main.leakyWorker' && f.file === leak.file && f.line === leak.line),
          `the stack reaches the leak line: ${frames.map((f) => `${f.function}:${f.line}`).join(' ← ')}`);
        // The one-pass read lends no thread: it gives the same stack, and every leaked goroutine at the leak line
        const all = await gdb.readAllStacks(50);
        const atLeak = all.filter((g) => g.frames.some((f) => f.function === 'main.leakyWorker' && f.file === leak.file && f.line === leak.line));
        assert.equal(atLeak.length, 5, `leaked goroutines at the leak line in the one-pass read: ${atLeak.length}`);
        const same = all.find((g) => g.id === leaked.id)!;
        assert.deepEqual(same.frames.filter((f) => !/^(runtime|internal)[./]/.test(f.function)).map((f) => `${f.function}:${f.line}`),
          frames.filter((f) => !/^(runtime|internal)[./]/.test(f.function)).map((f) => `${f.function}:${f.line}`));
        assert.equal(same.state, 'chan receive');
        // Its variables need a borrowed thread: either read, or refused with the reason (never a crash).
        await gdb.variables(leaked.id, frames.findIndex((f) => f.function === 'main.leakyWorker'), 'args').then(
          (vars) => assert.ok(vars.some((v) => v.name === 'ch')),
          (e: Error) => assert.match(e.message, /inside a system call.*use the dlv backend/),
        );
        await gdb.detach();
        assert.equal(tracerPid(idle.pid), 0);
        assert.ok(await healthy(idle), 'the idle service answers after detach');
      } finally {
        await gdb.detach().catch(() => undefined);
        await idle.stop();
      }
    });

    it('a one-pass read of every goroutine cut by the local side closing the connection: the service runs, nothing remains', async () => {
      const host = await connect();
      const gdb = new GdbBackend(host);
      await gdb.attach(svc.pid);
      const dir = gdb.hostDir!;
      const reading = gdb.readAllStacks(100).then(() => 'finished', (e: Error) => `ended: ${e.message}`);
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await host.close(); // the watchdog's input ends: it makes the cancel file, then has gdb detach
      const ms = await eventually('the service answers again', () => healthy(svc));
      await eventually('our temp dir is gone (the watchdog ended)', () => !fs.existsSync(dir));
      const goneMs = Date.now() - t0;
      assert.equal(tracerPid(svc.pid), 0);
      assert.equal(stopped(svc.pid), false);
      console.log(`      ${svc.goVersion}: the read ${await reading}; answering again ${ms} ms, watchdog done ${goneMs} ms after the close`);
    });

    it('a one-pass read of every goroutine gives each one with its stack, as the listing and unwinding do', async () => {
      const host = await connect();
      const gdb = new GdbBackend(host);
      try {
        await gdb.attach(svc.pid);
        const all = await gdb.readAllStacks(100);
        const listed = await listAllGoroutines(gdb);
        assert.deepEqual(all.map((g) => g.id), listed.map((g) => g.id).sort((a, b) => a - b));
        const leaked = all.filter((g) => g.frames.some((f) => f.function === 'main.leakyWorker' && f.line === leak.line));
        assert.ok(leaked.length > 0, 'leaked goroutines reach the leak line');
        const sample = listed.filter((g) => g.state !== 'running').slice(0, 20);
        const unwound = await gdb.stacktraces(sample.map((g) => g.id), 100);
        for (const g of sample) {
          assert.deepEqual(all.find((x) => x.id === g.id)!.frames, unwound.get(g.id)!.map((f) => ({ function: f.function, file: f.file, line: f.line })),
            `goroutine ${g.id}`);
        }
        await assert.rejects(gdb.readAllStacks(100, AbortSignal.abort()), /aborted/i);
      } finally {
        await gdb.detach();
      }
      assert.ok(await healthy(svc));
    });

    it('works without the toolchain\'s runtime-gdb.py, after the shared preflight', async () => {
      const host = await connect();
      const gdb = await attachGdb(host, svc.pid, { gorootCandidates: ['/nonexistent-goroot'] });
      try {
        const page = await gdb.listGoroutines({ start: 0, count: 100_000 });
        const leaked = page.goroutines.find((g) => g.user?.function === 'main.leakyWorker')!;
        assert.equal(leaked.user?.line, leak.line);
        const stack = await gdb.stacktrace(leaked.id, 50);
        const frame = stack.find((f) => f.function === 'main.leakyWorker')!;
        assert.equal(frame.line, leak.line);
        assert.deepEqual((await gdb.variables(leaked.id, frame.index, 'args')).map((v) => v.name), ['ch']);
        const ch = await gdb.evaluate(leaked.id, frame.index, 'main.leakCh');
        assert.match(ch.value, /^0x[0-9a-f]+$/, 'without pretty printers a channel is its pointer');
      } finally {
        await gdb.detach();
      }
      assert.ok(await healthy(svc));
    });

    it('says how to install gdb when it is missing on the host', async () => {
      const host = await connect();
      const gdb = new GdbBackend(host, { gdbPath: '/nonexistent/gdb' });
      await assert.rejects(gdb.attach(svc.pid), (e: Error & { hint?: string }) => /gdb is not installed/.test(e.message) && e.hint === 'run: sudo dnf install gdb');
      assert.equal(tracerPid(svc.pid), 0);
      assert.ok(await healthy(svc));
    });

    it('leaves the service running when the SSH connection drops while it is stopped', async () => {
      const host = await connect();
      const gdb = new GdbBackend(host);
      const ended = new Promise<string>((r) => gdb.onDidEnd(r));
      await gdb.attach(svc.pid);
      assert.ok(stopped(svc.pid), 'attach stops the target');
      assert.ok(gdbProcesses(sshd.port).length >= 1);
      assert.ok(sshd.signalConnections('SIGKILL') >= 1);
      const ms = await eventually('the service answers again', () => healthy(svc));
      await eventually('gdb is gone', () => gdbProcesses(sshd.port).length === 0);
      assert.equal(tracerPid(svc.pid), 0);
      assert.match(await ended, /gdb/);
      console.log(`      ${svc.goVersion}: answering again ${ms} ms after the connection dropped`);
    });

    for (const running of [false, true]) {
      const when = running ? 'runs' : 'is stopped';
      it(`leaves the service running when the local side is SIGKILLed while it ${when}`, async () => {
        // A separate Node process attaches (and resumes the target or not) and is killed outright.
        const code = `
          const { GdbBackend } = require(${JSON.stringify(path.join(REPO, 'src/core/debug/gdb/gdbBackend.ts'))});
          const { SshHost } = require(${JSON.stringify(path.join(REPO, 'src/core/ssh/sshHost.ts'))});
          (async () => {
            const host = await SshHost.connect(${JSON.stringify(sshd.alias)}, { resolve: { configFile: ${JSON.stringify(sshd.configFile)} } });
            const gdb = new GdbBackend(host);
            await gdb.attach(${svc.pid});
            if (${running}) await gdb.resume();
            console.log('ATTACHED ' + gdb.hostDir);
          })().catch((e) => { console.error(e); process.exit(3); });`;
        const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', code], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        let dir = '';
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        try {
          await new Promise<void>((resolve, reject) => {
            child.stdout.on('data', (d: Buffer) => {
              const m = /ATTACHED (\S+)/.exec(d.toString());
              if (m) {
                dir = m[1];
                resolve();
              }
            });
            child.on('exit', (c) => reject(new Error(`the attaching process exited (${c}): ${err}`)));
          });
          // (a running tracee still passes through ptrace stops for each signal: check it answers instead)
          if (running) assert.ok(await healthy(svc), 'the target runs');
          else assert.ok(stopped(svc.pid), 'attach stops the target');
          assert.ok(tracerPid(svc.pid) > 0);
        } finally {
          child.kill('SIGKILL');
        }
        const ms = await eventually('the service answers again', () => healthy(svc));
        await eventually('gdb is gone', () => gdbProcesses(sshd.port).length === 0);
        await eventually('its temp dir is gone', () => !fs.existsSync(dir));
        // the dir of the dropped connection (its watchdog was killed too) went with the next attach
        await eventually(`no temp dir left (${tempDirs().join(', ')})`, () => tempDirs().length === 0);
        assert.equal(tracerPid(svc.pid), 0);
        assert.equal(svcExited, false, 'the service exited');
        console.log(`      ${svc.goVersion}: answering again ${ms} ms after the local side was killed while the target ${when}`);
      });
    }
  });
}
