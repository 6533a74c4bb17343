// The trace engine against the Go toolchain on this machine: the generated event tables match GOROOT's
// tracev2/events.go, and on a freshly recorded trace `anole trace report` agrees with Go's own reader
// (golang.org/x/exp/trace, via test/traceref totals) goroutine by goroutine.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GENERATED_PATH, generateTraceEvents, readGoSources } from '../../scripts/genTraceEvents';
import { StarvationAnalyzer, TraceTables, parseTrace, type StarvationReport } from '../../src/core/trace';
import { cliJson, runCli } from '../support/cli';
import { buildTraceRef } from '../support/traceRef';

const REPO = path.resolve(__dirname, '..', '..');
const goEnv = { ...process.env, GOWORK: 'off', GOFLAGS: '', CGO_ENABLED: '0' };
const go = (args: string[], cwd: string) => execFileSync('go', args, { cwd, env: goEnv, encoding: 'utf8', maxBuffer: 1 << 28 });

describe('trace engine against the Go toolchain', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-trace-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has event tables generated from this GOROOT\'s tracev2/events.go (regenerate: npx tsx scripts/genTraceEvents.ts)', () => {
    const goroot = go(['env', 'GOROOT'], REPO).trim();
    const { eventsGo, versionGo } = readGoSources(goroot);
    assert.equal(fs.readFileSync(GENERATED_PATH, 'utf8'), generateTraceEvents(eventsGo, versionGo));
  });

  it('prints the report as a table, and refuses a file that is not a trace', async () => {
    const fixture = path.join(REPO, 'test', 'fixtures', 'traces', 'engine', 'go1.26.trace');
    const r = await runCli(['trace', 'report', fixture, '--limit', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^go1\.26 trace, [\d.]+s, GOMAXPROCS 2; \d+ goroutine groups/);
    assert.match(r.stdout, /GROUP\s+CREATED AT\s+N\s+RUNNING\s+RUNNABLE/);
    assert.match(r.stdout, /main\.cpuHog\s+main\.go:\d+\s+4 /);
    assert.match(r.stdout, /Timer overrun at sleep sites/);
    const notTrace = path.join(dir, 'not.trace');
    fs.writeFileSync(notTrace, 'hello');
    const bad = await runCli(['trace', 'report', notTrace]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a Go execution trace/);
    const cut = path.join(dir, 'cut.trace');
    fs.writeFileSync(cut, fs.readFileSync(fixture).subarray(0, 50_000));
    const partial = await runCli(['trace', 'report', cut, '--json']);
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stderr, /trace stopped at byte \d+/);
    assert.match((JSON.parse(partial.stdout) as StarvationReport).warnings[0], /trace stopped at byte \d+/);
  });

  it('reads a fresh trace exactly as golang.org/x/exp/trace does, and reports the marked lines', async () => {
    const prog = path.join(REPO, 'test', 'fixtures', 'traces', 'engine', 'prog');
    const exe = path.join(dir, 'fixture');
    go(['build', '-o', exe, '.'], prog);
    const ref = await buildTraceRef(path.join(dir, 'traceref'));
    const file = path.join(dir, 'fresh.trace');
    execFileSync(exe, [file, '2500']);

    const [head, ...rows] = execFileSync(ref, ['totals', file], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n');
    const tables = new TraceTables();
    const an = new StarvationAnalyzer(tables);
    const res = parseTrace(fs.readFileSync(file), tables, an);
    an.report(res.goVersion, res.warnings, res.durationNs);
    assert.deepEqual(res.warnings, []);
    assert.equal(`events ${res.events}`, head);
    const mine = an.goroutineTotals();
    assert.equal(mine.size, rows.length);
    for (const row of rows) {
      const [id, running, runnable, waiting, syscall] = row.split(' ').map(Number);
      const m = mine.get(id);
      assert.ok(m, `goroutine ${id}`);
      assert.equal(Math.round(m.running), running, `running of goroutine ${id}`);
      assert.equal(Math.round(m.notRunning), runnable + waiting + syscall, `not running of goroutine ${id}`);
    }

    const report = await cliJson<StarvationReport>(['trace', 'report', file]);
    const src = fs.readFileSync(path.join(prog, 'main.go'), 'utf8').split('\n');
    const mark = (name: string) => src.findIndex((l) => l.includes(`// MARK:${name}`)) + 1;
    for (const [kind, name] of [['runnable', 'sleep'], ['sleep', 'sleep'], ['sync', 'lock'], ['chan', 'chan'], ['net', 'net'], ['syscall', 'syscall']]) {
      assert.ok(report.lines.some((l) => l.kind === kind && l.line === mark(name) && l.file.endsWith('prog/main.go')), `${kind} at MARK:${name}`);
    }
    assert.equal(report.groups.find((g) => g.function === 'main.shortSleeper')?.created?.line, mark('gosleeper'));
  });
});
