// The trace engine on recorded Go 1.22/1.23/1.25/1.26 traces: event order and per-goroutine totals equal Go's own
// reader (golang.org/x/exp/trace, recorded in *.ref.txt), and the starvation report's verdicts sit on the marked lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StarvationAnalyzer, TraceTables, parseTrace, starvationReport, type StarvationReport } from '../../src/core/trace';

export const ENGINE_FIXTURES = join(__dirname, '..', 'fixtures', 'traces', 'engine');
export const ENGINE_VERSIONS = ['1.22', '1.23', '1.25', '1.26'];

/** Line numbers of the "// MARK:name" comments in the fixture program. */
function marks(): Map<string, number> {
  const out = new Map<string, number>();
  readFileSync(join(ENGINE_FIXTURES, 'prog', 'main.go'), 'utf8')
    .split('\n')
    .forEach((l, i) => {
      const m = /\/\/ MARK:(\w+)/.exec(l);
      if (m) out.set(m[1], i + 1);
    });
  return out;
}

/** Go's reading: event count and per-goroutine [running, runnable, waiting, syscall] ns. */
function reference(version: string): { events: number; gs: Map<number, number[]> } {
  const [head, ...rows] = readFileSync(join(ENGINE_FIXTURES, `go${version}.ref.txt`), 'utf8').trim().split('\n');
  const gs = new Map<number, number[]>();
  for (const r of rows) {
    const [id, ...v] = r.split(' ').map(Number);
    gs.set(id, v);
  }
  return { events: Number(head.split(' ')[1]), gs };
}

const M = marks();

for (const v of ENGINE_VERSIONS) {
  describe(`trace engine on a Go ${v} trace`, () => {
    const data = readFileSync(join(ENGINE_FIXTURES, `go${v}.trace`));
    let report: StarvationReport;
    before(() => {
      report = starvationReport(data);
    });

    it('delivers the same events and per-goroutine state totals as Go\'s reader', () => {
      const tables = new TraceTables();
      const an = new StarvationAnalyzer(tables);
      let last = -1;
      let backwards = 0;
      const res = parseTrace(data, tables, {
        event(ev) {
          if (ev.time < last) backwards++;
          last = ev.time;
          an.event(ev);
        },
      });
      an.report(res.goVersion, res.warnings, res.durationNs);
      const ref = reference(v);
      assert.deepEqual(res.warnings, []);
      assert.equal(res.complete, true);
      assert.equal(res.goVersion, Number(v.split('.')[1]));
      assert.ok(res.generations >= 2, `${res.generations} generations`);
      assert.equal(res.events, ref.events);
      assert.equal(backwards, 0);
      const mine = an.goroutineTotals();
      assert.equal(mine.size, ref.gs.size);
      for (const [id, [running, runnable, waiting, syscall]] of ref.gs) {
        const m = mine.get(id);
        assert.ok(m, `goroutine ${id} missing`);
        assert.equal(Math.round(m.running), running, `running of goroutine ${id}`);
        assert.equal(Math.round(m.notRunning), runnable + waiting + syscall, `not-running time of goroutine ${id}`);
      }
    });

    it('groups goroutines by start function and go statement', () => {
      const hogs = report.groups.find((g) => g.function === 'main.cpuHog');
      assert.ok(hogs);
      assert.equal(hogs.count, 4);
      assert.equal(hogs.created?.line, M.get('gohog'));
      assert.equal(hogs.created?.function, 'main.main');
      assert.match(hogs.created?.file ?? '', /prog\/main\.go$/);
      assert.ok(hogs.runningNs > 0.3 * report.durationNs, 'four hogs on two Ps run most of the time');
      assert.ok(hogs.runnableShare > 0.2 && hogs.runnableShare < 0.9, `hog runnable share ${hogs.runnableShare}`);
      const lockers = report.groups.find((g) => g.function === 'main.locker');
      assert.equal(lockers?.count, 3);
      assert.equal(lockers?.created?.line, M.get('golocker'));
      assert.ok((lockers?.blockedNs.sync ?? 0) > 0);
      const pairs = report.groups.filter((g) => g.function === 'main.pingpong');
      assert.equal(pairs.reduce((n, g) => n + g.count, 0), 40);
      assert.equal(report.gomaxprocs, 2);
    });

    it('charges the starved sleeper\'s runnable wait to its own sleep line, not the waker', () => {
      const sleeper = report.groups.find((g) => g.function === 'main.shortSleeper');
      assert.ok(sleeper);
      assert.equal(sleeper.created?.line, M.get('gosleeper'));
      assert.ok(sleeper.runnableNs > 0 && sleeper.runnableMaxNs >= sleeper.runnableP99Ns && sleeper.runnableP99Ns > 0);
      assert.ok(sleeper.blockedNs.sleep > 0);
      const at = (kind: string, mark: string) => report.lines.find((l) => l.kind === kind && l.line === M.get(mark) && l.function.startsWith('main.'));
      assert.ok(at('runnable', 'sleep'), 'runnable wait at the time.Sleep line');
      assert.ok(at('sleep', 'sleep'));
      assert.ok(at('sync', 'lock'));
      assert.ok(at('chan', 'chan'));
      assert.ok(at('net', 'net'));
      assert.ok(at('syscall', 'syscall'));
      assert.ok(report.lines.some((l) => l.kind === 'runnable' && l.function === 'main.burn'), 'preempted hogs resume inside burn()');
      const timer = report.timers.find((t) => t.line === M.get('sleep'));
      assert.ok(timer && timer.count > 0 && timer.minNs >= 0.9e6 && timer.maxNs >= timer.meanNs && timer.overrunNs > 0, 'the starved 1 ms sleep overruns');
      for (const l of report.lines) assert.ok(!l.function.startsWith('runtime.'), `runtime line ${l.function}`);
    });

    it('reports GC, stop-the-world pauses and saturation in the contract\'s shape', () => {
      assert.deepEqual(Object.keys(report).sort(), ['durationNs', 'gc', 'goVersion', 'gomaxprocs', 'groups', 'lines', 'saturation', 'timers', 'warnings']);
      assert.equal(report.goVersion, `go${v}`);
      assert.ok(report.gc.stwCount >= 1 && report.gc.stwMaxNs > 0 && report.gc.stwTotalNs >= report.gc.stwMaxNs);
      assert.ok(report.saturation.samples > 100 && report.saturation.allPsBusy > report.saturation.samples / 2);
      for (const g of report.groups) {
        for (const k of ['chan', 'select', 'sync', 'net', 'sleep', 'syscall', 'gc', 'other'] as const) assert.equal(typeof g.blockedNs[k], 'number');
        assert.ok(Number.isInteger(g.runningNs) && Number.isInteger(g.runnableNs));
      }
      const culprits = report.groups.reduce((s, g) => s + g.culpritShare, 0);
      assert.ok(Math.abs(culprits - 1) < 0.02, `culprit shares sum to ${culprits}`);
    });
  });
}
