// The fork snapshot's keeper script (run locally with a stand-in for gdb), how its output and refusals are read, and the goroutines gdb read from the copy.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderDebug2 } from '../../src/core/debug/dump';
import { isSnapshotRefusal, parseKeeperOutput, refusalError, SNAPSHOT_KEEPER_SCRIPT } from '../../src/core/debug/snapshot';
import { parseSnapshotDump } from '../../src/core/debug/snapshotDump';
import { analyzeGoroutineDump } from '../../src/core/goroutines';

/** Process state letter (R, S, T, Z...), or '' when gone. */
function state(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return '';
  }
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  for (const t0 = Date.now(); !check(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
  }
}

describe('fork snapshot keeper', function () {
  this.timeout(20_000);
  let tmp: string;
  const procs: ChildProcess[] = [];

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-snap-test-'));
  });

  afterEach(() => {
    for (const p of procs.splice(0)) p.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A `sleep` process: the "service", or its "copy" (stopped when `stopped`). */
  function sleeper(stopped = false): ChildProcess {
    const p = spawn('sleep', ['60'], { stdio: 'ignore' });
    procs.push(p);
    if (stopped) p.kill('SIGSTOP');
    return p;
  }

  /** A stand-in gdb: records `copy` as the snapshot's child and reports success. */
  function fakeGdb(copy: number): string {
    const f = path.join(tmp, 'gdb');
    fs.writeFileSync(f, `#!/bin/sh
[ -n "$ANOLE_DIR" ] || exit 0
echo ${copy} > "$ANOLE_DIR/child.pid"
echo 'ANOLE-SNAPSHOT {"ok":true,"pid":1,"child":${copy},"pauseMs":12.5,"attachMs":10,"forkMs":2,"threads":3,"rssKb":100,"zombie":false,"closed":"close_range","fdsLeft":0}'
`, { mode: 0o700 });
    return f;
  }

  /** Starts the keeper; resolves once it printed ready=1 (or exited). */
  function keeper(gdb: string, pid: number): { proc: ChildProcess; output: Promise<string> } {
    const proc = spawn('sh', ['-c', SNAPSHOT_KEEPER_SCRIPT, 'anole', gdb, String(pid), 'dump', tmp], { stdio: ['pipe', 'pipe', 'pipe'] });
    proc.stdin!.on('error', () => undefined); // a keeper that refused at once reads no script
    proc.stdin!.write('print("script")\n#ANOLE-END-OF-SCRIPT\nprint("goroutines")\n#ANOLE-END-OF-SCRIPT\n');
    let out = '';
    const output = new Promise<string>((resolve) => {
      proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (/^ready=1$/m.test(out)) resolve(out); });
      proc.on('close', () => resolve(out));
    });
    return { proc, output };
  }

  it('reports gdb\'s result, keeps the copy while our input is open, and kills it and removes its dir at EOF', async () => {
    const service = sleeper();
    const copy = sleeper(true);
    await until(() => state(copy.pid!) === 'T');
    const k = keeper(fakeGdb(copy.pid!), service.pid!);
    const out = parseKeeperOutput(await k.output);
    assert.equal(out.report?.child, copy.pid);
    assert.equal(out.report?.pauseMs, 12.5);
    const dir = out.facts.get('dir')!;
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.readFileSync(path.join(dir, 'anole_snapshot.py'), 'utf8'), 'print("script")\n');
    assert.equal(fs.readFileSync(path.join(dir, 'anole_goroutines.py'), 'utf8'), 'print("goroutines")\n', 'the goroutines script sits next to it');
    assert.equal(fs.existsSync(path.join(dir, 'cancel')), false, 'no cancel while our input is open');
    assert.equal(state(copy.pid!), 'T', 'the copy lives while the reader works');
    k.proc.stdin!.end();
    await until(() => !fs.existsSync(dir));
    await until(() => state(copy.pid!) === 'Z' || state(copy.pid!) === '');
    assert.equal(state(service.pid!), 'S', 'the service is left alone');
  });

  it('our input ending while gdb still reads makes the cancel file gdb looks for, then the copy is killed and the dir removed', async () => {
    const service = sleeper();
    const copy = sleeper(true);
    await until(() => state(copy.pid!) === 'T');
    // a gdb still reading: it waits for the cancel file, then reports a cut-short dump
    const gdb = path.join(tmp, 'gdb');
    fs.writeFileSync(gdb, `#!/bin/sh
[ -n "$ANOLE_DIR" ] || exit 0
echo ${copy.pid} > "$ANOLE_DIR/child.pid"
echo started > "$ANOLE_DIR/started"
i=0; while [ ! -e "$ANOLE_DIR/cancel" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
[ -e "$ANOLE_DIR/cancel" ] && c=true || c=false
echo 'ANOLE-SNAPSHOT {"ok":true,"pid":1,"child":${copy.pid},"pauseMs":1,"attachMs":1,"forkMs":1,"threads":1,"rssKb":1,"zombie":false,"closed":"close_range","fdsLeft":0,"cancelled":'$c'}'
`, { mode: 0o700 });
    const k = keeper(gdb, service.pid!);
    await until(() => fs.readdirSync(tmp).some((n) => n.startsWith('anole-snap.') && fs.existsSync(path.join(tmp, n, 'started'))));
    k.proc.stdin!.end();
    const out = parseKeeperOutput(await k.output);
    assert.equal(out.report?.cancelled, true, 'gdb saw the cancel file');
    const dir = out.facts.get('dir')!;
    await until(() => !fs.existsSync(dir));
    await until(() => state(copy.pid!) === 'Z' || state(copy.pid!) === '');
    assert.equal(state(service.pid!), 'S', 'the service is left alone');
  });

  it('never kills a pid that is no longer a stopped copy (recycled, or running)', async () => {
    const service = sleeper();
    const other = sleeper(); // same executable, running: not our copy
    const k = keeper(fakeGdb(other.pid!), service.pid!);
    const dir = parseKeeperOutput(await k.output).facts.get('dir')!;
    k.proc.stdin!.end();
    await until(() => !fs.existsSync(dir));
    assert.equal(state(other.pid!), 'S');
  });

  it('a keeper killed with its connection: the next keeper kills its copy and removes its dir', async () => {
    const service = sleeper();
    const copy = sleeper(true);
    await until(() => state(copy.pid!) === 'T');
    const first = keeper(fakeGdb(copy.pid!), service.pid!);
    const dir = parseKeeperOutput(await first.output).facts.get('dir')!;
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.on('close', r));
    assert.equal(state(copy.pid!), 'T');
    const second = keeper(path.join(tmp, 'no-such-gdb'), service.pid!);
    assert.equal(parseKeeperOutput(await second.output).refused, 'no-gdb');
    await until(() => state(copy.pid!) === 'Z' || state(copy.pid!) === '');
    assert.equal(fs.existsSync(dir), false);
  });

  it('refuses a process that does not exist, before making anything', async () => {
    const k = keeper(fakeGdb(1), 999_999_999);
    const out = parseKeeperOutput(await k.output);
    assert.equal(out.refused, 'no-process');
    assert.deepEqual(fs.readdirSync(tmp).filter((n) => n.startsWith('anole-snap.')), []);
  });
});

describe('fork snapshot refusals', () => {
  it('parses gdb\'s refusal line and the keeper facts', () => {
    const out = parseKeeperOutput('arch=x86_64\novercommit=2\ntracer=0\ndir=/tmp/anole-snap.x\nANOLE-SNAPSHOT {"ok":false,"code":"fork-enomem","error":"the process could not fork: ENOMEM"}\nready=1\n');
    assert.deepEqual(out.gdbError, { code: 'fork-enomem', error: 'the process could not fork: ENOMEM' });
    assert.equal(out.ready, true);
    assert.equal(out.facts.get('overcommit'), '2');
  });

  it('explains each refusal with its cause and a way out', () => {
    const facts = new Map([['overcommit', '2'], ['tracer', '4242'], ['arch', 'aarch64']]);
    const e = refusalError('fork-enomem', 7, 'h', facts);
    assert.ok(isSnapshotRefusal(e));
    assert.match(e.message, /vm\.overcommit_memory=2/);
    assert.match(e.hint ?? '', /overcommit_ratio|stop-the-world/);
    assert.match(refusalError('traced', 7, 'h', facts).message, /already traced by process 4242/);
    assert.match(refusalError('arch', 7, 'h', facts).message, /linux\/amd64 only; h is aarch64/);
    assert.match(refusalError('fork-eagain', 7, 'h', facts).message, /pids\.max/);
    assert.match(refusalError('seccomp', 7, 'h', facts).message, /seccomp filter/);
    assert.match(refusalError('gdb', 7, 'h', facts, 'boom').message, /boom/);
    assert.equal(refusalError('fork-enomem', 7, 'h', new Map()).message.includes('overcommit'), false);
  });
});

describe('goroutines read from a snapshot (anole-dump\'s JSON)', () => {
  // recorded from gdb 13 reading a fork snapshot of hotsvc (Go 1.26, -leak 2 -goroutines 2, idle), paths shortened
  const recorded = fs.readFileSync(path.join(__dirname, '../fixtures/gdb/snapshot-dump-go1.26.json'), 'utf8');

  it('gives every goroutine by id with its frames and go statement, and groups the leak', () => {
    const gs = parseSnapshotDump(recorded);
    assert.equal(gs.length, 15);
    assert.deepEqual(gs.map((g) => g.id), [...gs.map((g) => g.id)].sort((a, b) => a - b));
    const leak = gs.filter((g) => g.frames.some((f) => f.function === 'main.leakyWorker'));
    assert.deepEqual(leak.map((g) => g.id), [21, 22]);
    assert.equal(leak[0].state, 'chan receive');
    assert.deepEqual(leak[0].frames.map((f) => `${f.function}:${f.line}`),
      ['runtime.gopark:463', 'runtime.chanrecv:667', 'runtime.chanrecv1:509', 'main.leakyWorker:78', 'main.startLeaks.gowrap1:70', 'runtime.goexit:1771']);
    assert.equal(leak[0].frames[3].file, '/src/anole/test/fixtures/go/hotsvc/problems.go');
    assert.equal(leak[0].goStatement?.function, 'main.startLeaks');
    // the goroutine in a system call at the fork: unwound from its thread's saved registers, down into the futex
    assert.deepEqual(gs.find((g) => g.state === 'syscall')?.frames.slice(0, 2).map((f) => f.function), ['runtime.futex', 'runtime.futexsleep']);
    const report = analyzeGoroutineDump(renderDebug2(gs));
    assert.equal(report.total, 15);
    assert.equal(report.groups.find((g) => g.frames.some((f) => f.function === 'main.leakyWorker'))?.count, 2);
  });

  it('shows a goroutine with no frames as "?", like a stop-the-world read', () => {
    const [g] = parseSnapshotDump(JSON.stringify({ frames: [], goroutines: [[5, 'runnable', [], -1]], errors: {}, cancelled: false }));
    assert.deepEqual(g, { id: 5, state: 'runnable', frames: [{ function: '?', file: '', line: 0 }], goStatement: undefined });
  });
});
