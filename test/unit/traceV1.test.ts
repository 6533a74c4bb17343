// The Go 1.19–1.21 trace reader on real traces, against golang.org/x/exp/trace's totals recorded next to them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventKind, GoState, ResourceKind, type TraceEvent, TraceTables } from '../../src/core/trace/model';
import { StarvationAnalyzer } from '../../src/core/trace';
import { parseV1Trace } from '../../src/core/trace/v1';
import { type Reference, summarize } from '../support/traceSummary';

const DIR = join(__dirname, '..', 'fixtures', 'traces', 'v1');
const GEN = readFileSync(join(DIR, 'gen', 'main.go'), 'utf8').split('\n');
const FILE = 'anole.test/tracev1gen/main.go';

/** Line of the generator marked "MARK:name". */
function markLine(name: string): number {
  const i = GEN.findIndex((l) => l.includes(`MARK:${name}`));
  assert.ok(i >= 0, `MARK:${name} in gen/main.go`);
  return i + 1;
}

/** Reads a fixture, keeping a copy of every event. */
function read(name: string) {
  const tables = new TraceTables();
  const events: TraceEvent[] = [];
  const result = parseV1Trace(readFileSync(join(DIR, `${name}.trace`)), tables, { event: (ev) => void events.push({ ...ev }) });
  return { tables, events, result };
}

for (const name of ['go1.19', 'go1.20', 'go1.21']) {
  describe(`old-format trace reader: ${name} trace`, () => {
    const { tables, events, result } = read(name);
    const ref = JSON.parse(readFileSync(join(DIR, `${name}.ref.json`), 'utf8')) as Reference;
    const mine = summarize(events);

    it('reads the whole trace without warnings, times non-decreasing', () => {
      assert.deepEqual(result.warnings, []);
      assert.equal(result.complete, true);
      assert.equal(result.goVersion, name === 'go1.21' ? 21 : 19); // Go 1.20 writes "go 1.19 trace"
      assert.equal(result.events, events.length);
      assert.ok(result.durationNs > 0.9e9 && result.durationNs < 10e9, `duration ${result.durationNs}`);
      for (let i = 1; i < events.length; i++) assert.ok(events[i].time >= events[i - 1].time, `event ${i} goes back in time`);
      assert.equal(events[0].kind, EventKind.Sync);
      assert.equal(events[events.length - 1].kind, EventKind.Sync);
    });

    it('has the same events by kind as golang.org/x/exp/trace (plus the first GOMAXPROCS it drops)', () => {
      assert.deepEqual(mine.kinds, { ...ref.kinds, Metric: ref.kinds.Metric + 1 });
      assert.deepEqual(mine.blockReasons, ref.blockReasons);
    });

    it('gives every goroutine the same time in each state as golang.org/x/exp/trace', () => {
      assert.deepEqual(mine.goroutines.map((g) => g.id), ref.goroutines.map((g) => g.id));
      for (const [i, g] of ref.goroutines.entries()) {
        const m = mine.goroutines[i];
        assert.equal(m.transitions, g.transitions, `goroutine ${g.id} transitions`);
        // Events at the same tick may be ordered differently; each such tie moves 1 ns.
        for (const k of ['runningNs', 'runnableNs', 'waitingNs', 'syscallNs'] as const) {
          assert.ok(Math.abs(m[k] - g[k]) <= 10, `goroutine ${g.id} ${k}: ${m[k]} vs ${g[k]}`);
        }
      }
      const total = (s: Reference) => s.goroutines.reduce((a, g) => a + g.runningNs + g.runnableNs + g.waitingNs + g.syscallNs, 0);
      assert.ok(total(ref) > 1e9, 'the reference saw real time');
    });

    it('has the same GC, sweep, mark-assist and stop-the-world ranges', () => {
      assert.deepEqual(Object.keys(mine.ranges).sort(), Object.keys(ref.ranges).sort());
      assert.ok(Object.keys(ref.ranges).some((n) => n.startsWith('stop-the-world (')));
      for (const [n, r] of Object.entries(ref.ranges)) {
        assert.equal(mine.ranges[n].count, r.count, n);
        assert.ok(Math.abs(mine.ranges[n].totalNs - r.totalNs) <= 10 * r.count, `${n}: ${mine.ranges[n].totalNs} vs ${r.totalNs}`);
      }
    });

    it('puts each kind of block at its line of the generator, with the goroutine\'s own stack', () => {
      const site = (reason: string, to: number, func: string) => {
        const lines = new Set<number>();
        for (const ev of events) {
          if (ev.kind !== EventKind.StateTransition || ev.resource !== ResourceKind.Goroutine || ev.to !== to || ev.reason !== reason) continue;
          if (ev.from !== GoState.Running) continue;
          const f = tables.stackFrames(ev.stateStack).find((fr) => fr.func === func);
          if (f) {
            assert.equal(f.file, FILE);
            lines.add(f.line);
          }
        }
        return [...lines];
      };
      assert.deepEqual(site('chan receive', GoState.Waiting, 'main.chanWaiter'), [markLine('chan')]);
      assert.deepEqual(site('sync', GoState.Waiting, 'main.mutexWaiter'), [markLine('sync')]);
      assert.deepEqual(site('sleep', GoState.Waiting, 'main.sleeper'), [markLine('sleep')]);
      assert.deepEqual(site('network', GoState.Waiting, 'main.netReader'), [markLine('net')]);
      assert.ok(site('', GoState.Syscall, 'main.syscaller').includes(markLine('syscall')));
    });

    it('names the start function of every goroutine created during the trace and reports GOMAXPROCS', () => {
      const started = new Set<string>();
      for (const ev of events) {
        if (ev.kind === EventKind.StateTransition && ev.resource === ResourceKind.Goroutine && ev.from === GoState.NotExist) {
          started.add(tables.stackFrames(ev.stateStack)[0]?.func ?? '?');
        }
      }
      for (const f of ['main.chanWaiter', 'main.mutexWaiter', 'main.sleeper', 'main.syscaller', 'main.netReader', 'main.cpuWorker']) {
        assert.ok(started.has(f), `${f} in ${[...started].join(', ')}`);
      }
      const procs = events.find((ev) => ev.kind === EventKind.Metric && ev.name === '/sched/gomaxprocs:threads');
      assert.equal(procs?.value, 2);
      assert.ok(events.some((ev) => ev.kind === EventKind.StateTransition && ev.resource === ResourceKind.Proc && ev.p === ev.id));
    });

    it('gives the starvation report its verdicts at the marked lines (reader → analysis)', () => {
      const t = new TraceTables();
      const an = new StarvationAnalyzer(t);
      const res = parseV1Trace(readFileSync(join(DIR, `${name}.trace`)), t, an);
      const report = an.report(res.goVersion, res.warnings, res.durationNs);
      assert.equal(report.gomaxprocs, 2);
      assert.ok(report.gc.count > 0 && report.gc.stwCount >= report.gc.count, JSON.stringify(report.gc));
      const lineOf = (kind: string, func: string) => report.lines.find((l) => l.kind === kind && l.function === func && l.file === FILE)?.line;
      assert.equal(lineOf('chan', 'main.chanWaiter'), markLine('chan'));
      assert.equal(lineOf('sync', 'main.mutexWaiter'), markLine('sync'));
      assert.equal(lineOf('sleep', 'main.sleeper'), markLine('sleep'));
      assert.equal(lineOf('net', 'main.netReader'), markLine('net'));
      assert.equal(lineOf('syscall', 'main.syscaller'), markLine('syscall'));
      const workers = report.groups.find((g) => g.function === 'main.cpuWorker');
      assert.equal(workers?.count, 3);
      assert.ok(workers.runningNs > 0.3e9, `cpuWorker running ${workers.runningNs}`);
    });
  });
}
