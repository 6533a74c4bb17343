// The CLI over a real sshd against fixture services built with new and old Go: ps, capture, top, locks, goroutines.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { binaryOf, buildFixtures, FIXTURE_DIR, markerLine, startService } from '../host/goServices';
import { startTestHost, type TestHost } from '../host/testHost';
import { cliJson, runCli } from '../support/cli';

const PROBLEMS = path.join(FIXTURE_DIR, 'hotsvc/problems.go');

interface PsRow { pid: number; exe: string; cmdline: string[]; goVersion: string; listen: string[]; pprof: string | null }
interface TopRow { function: string; file: string; line: number | null; flat: number; cum: number; flatPercent: number; cumPercent: number }
interface LockRow { function: string; file: string; line: number; delay: number; contentions: number; percent: number }
interface Goroutines { total: number; groups: { count: number; state: string; waitMinutes: number | null; frames: { function: string; file: string; line: number }[] }[] }

describe('anole CLI over a real sshd', function () {
  this.timeout(180_000);
  let host: TestHost;
  let tmp: string;
  let ssh: string[];

  before(async () => {
    host = await startTestHost({ serviceArgs: ['-cpu-duty', '60'] });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-cli-'));
    ssh = ['--ssh-config', host.sshd.configFile];
  });
  after(async () => {
    await host?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ps lists both fixture services with Go version, listen address and pprof URL', async () => {
    const rows = await cliJson<PsRow[]>(['ps', host.sshd.alias, ...ssh]);
    for (const { service } of host.services) {
      const row = rows.find((r) => r.pid === service.pid);
      assert.ok(row, `pid ${service.pid} missing from ${JSON.stringify(rows.map((r) => r.pid))}`);
      assert.deepEqual(Object.keys(row).sort(), ['cmdline', 'exe', 'goVersion', 'listen', 'pid', 'pprof']);
      assert.equal(row.goVersion, service.goVersion);
      assert.equal(row.exe, service.binary);
      assert.deepEqual(row.cmdline, service.argv);
      assert.ok(row.listen.includes(service.addr), `${service.addr} not in ${row.listen}`);
      assert.equal(row.pprof, service.pprofUrl);
    }
  });

  for (const tc of ['current', 'go1.19'] as const) {
    describe(`a service built with ${tc === 'current' ? 'the current Go' : 'Go 1.19'}`, () => {
      const svc = () => host.services.find((s) => s.toolchain === tc)!.service;

      it('capture cpu + top --by line finds the hot line', async () => {
        const out = path.join(tmp, `cpu-${tc}.pb.gz`);
        const cap = await cliJson<{ file: string; bytes: number }>(['capture', 'cpu', host.sshd.alias, '--pid', String(svc().pid), '--seconds', '2', '-o', out, ...ssh]);
        assert.equal(cap.file, out);
        assert.equal(fs.statSync(out).size, cap.bytes);
        const rows = await cliJson<TopRow[]>(['top', out, '--by', 'line', '--limit', '5']);
        assert.equal(rows[0].function, 'main.burnCPU');
        assert.equal(rows[0].file, PROBLEMS);
        assert.equal(rows[0].line, markerLine(PROBLEMS, 'hot'));
        assert.ok(rows[0].flatPercent > 30, `hot line has only ${rows[0].flatPercent}%`);
        const byFn = await cliJson<TopRow[]>(['top', out, '--limit', '3']);
        assert.equal(byFn[0].function, 'main.burnCPU');
        assert.equal(byFn[0].line, null);
      });

      it('capture mutex + locks points at the Unlock line', async () => {
        const out = path.join(tmp, `mutex-${tc}.pb.gz`);
        const cap = await cliJson<{ warnings: string[] }>(['capture', 'mutex', host.sshd.alias, '--url', svc().pprofUrl!, '-o', out, ...ssh]);
        assert.deepEqual(cap.warnings, []);
        const rows = await cliJson<LockRow[]>(['locks', out]);
        assert.ok(rows.length > 0);
        assert.equal(rows[0].file, PROBLEMS);
        assert.equal(rows[0].line, markerLine(PROBLEMS, 'unlock'));
        assert.ok(rows[0].delay > 0 && rows[0].contentions > 0);
      });

      it('goroutines from the live process groups the leaked goroutines at their line', async () => {
        const dump = await cliJson<Goroutines>(['goroutines', host.sshd.alias, '--pid', String(svc().pid), ...ssh]);
        const leak = markerLine(PROBLEMS, 'leak');
        const group = dump.groups.find((g) => g.frames.some((f) => f.file === PROBLEMS && f.line === leak));
        assert.ok(group, 'no group waits at the leak line');
        assert.equal(group.count, 50);
        assert.equal(group.state, 'chan receive');
        assert.equal(dump.groups[0].count, 50, 'the leak is the biggest group');
        const send = dump.groups.find((g) => g.frames.some((f) => f.line === markerLine(PROBLEMS, 'chansend')));
        assert.equal(send?.state, 'chan send');
      });

      it('captures heap, allocs, goroutine, block, threadcreate and a runtime trace', async () => {
        for (const kind of ['heap', 'allocs', 'goroutine', 'block', 'threadcreate']) {
          const out = path.join(tmp, `${kind}-${tc}.pb.gz`);
          const cap = await cliJson<{ bytes: number; warnings: string[] }>(['capture', kind, host.sshd.alias, '--pid', String(svc().pid), '-o', out, ...ssh]);
          assert.ok(cap.bytes > 0, kind);
          const rows = await cliJson<TopRow[]>(['top', out, '--limit', '1']);
          assert.equal(rows.length, 1, `${kind} profile has no rows`);
        }
        const trace = path.join(tmp, `trace-${tc}.out`);
        await cliJson(['capture', 'trace', host.sshd.alias, '--pid', String(svc().pid), '--seconds', '1', '-o', trace, ...ssh]);
        assert.match(fs.readFileSync(trace).subarray(0, 16).toString('latin1'), /^go 1\.\d+ trace/);
      });
    });
  }

  it('says the mutex profile is empty when the service never enabled it', async () => {
    const [build] = await buildFixtures({ goVersions: ['current'], names: ['hotsvc'] });
    const quiet = await startService(binaryOf(build, 'hotsvc'), ['-no-lock-profiling', '-cpu=false']);
    try {
      const out = path.join(tmp, 'mutex-empty.pb.gz');
      const r = await runCli(['capture', 'mutex', host.sshd.alias, '--pid', String(quiet.pid), '-o', out, ...ssh]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /mutex profile is empty: the service never called runtime\.SetMutexProfileFraction/);
    } finally {
      await quiet.stop();
    }
  });

  it('user errors are one line on stderr with a non-zero exit and no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['capture', 'cpu', host.sshd.alias, '--pid', '999999999', '-o', path.join(tmp, 'x'), ...ssh], /process 999999999 is not running/],
      [['ps', 'no-such-alias-xyz.invalid', '--ssh-config', path.join(tmp, 'missing-config')], /ssh config|no such file|not found/i],
      [['top', path.join(tmp, 'nope.pb.gz')], /nope\.pb\.gz/],
      [['capture', 'cpu', host.sshd.alias, '-o', path.join(tmp, 'x'), ...ssh], /--pid N or --url URL/],
      [['capture', 'bogus', host.sshd.alias, '--pid', '1', '-o', path.join(tmp, 'x'), ...ssh], /unknown capture kind 'bogus'/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.notEqual(r.code, 0, `anole ${args.join(' ')} succeeded`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, `more than one line: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    }
    assert.equal(fs.existsSync(path.join(tmp, 'x')), false, 'a failed capture left a file');
  });
});
