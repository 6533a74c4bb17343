// The version matrix of stage 2: tracesvc built with Go 1.19, 1.21, 1.22, 1.23, 1.25 and 1.26 and
// traced over the test sshd (test/fixtures/traces/<version>/) gives the same verdicts at the same
// marked lines, whichever trace format the version writes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { starvationReport, type StarvationReport } from '../../src/core/trace';

const TRACES = path.resolve(__dirname, '../fixtures/traces');
const VERSIONS = ['go1.19', 'go1.21', 'go1.22', 'go1.23', 'go1.25', 'go1.26'];
const MS = 1e6;

interface Recorded {
  goVersion: string;
  markerFile: string;
  markers: Record<string, number>;
}

/** Total ns the report charges to `kind` at `line` of the marker file. */
function at(r: StarvationReport, file: string, kind: string, line: number): number {
  return r.lines.filter((l) => l.file === file && l.kind === kind && l.line === line).reduce((s, l) => s + l.ns, 0);
}

describe('trace verdicts are the same across Go versions (recorded tracesvc traces)', () => {
  for (const v of VERSIONS) {
    describe(v, () => {
      const rec = JSON.parse(fs.readFileSync(path.join(TRACES, v, 'recorded.json'), 'utf8')) as Recorded;
      const m = rec.markers;
      const file = rec.markerFile;
      let r: StarvationReport;
      before(() => {
        r = starvationReport(fs.readFileSync(path.join(TRACES, v, 'tracesvc.trace')));
      });

      it('reads the whole trace with its Go version and GOMAXPROCS', () => {
        assert.equal(r.goVersion, v);
        assert.equal(r.gomaxprocs, 2);
        assert.deepEqual(r.warnings, []);
        assert.ok(r.durationNs > 900 * MS && r.durationNs < 3_000 * MS, `duration ${r.durationNs}`);
      });

      it('the starved 2 ms sleep loop: runnable time charged where it resumes, the CPU hogs hold the Ps', () => {
        assert.ok(at(r, file, 'runnable', m['tick-sleep']) > 200 * MS, `runnable at tick-sleep: ${at(r, file, 'runnable', m['tick-sleep'])}`);
        const tick = r.groups.find((g) => g.function === 'main.(*tickLoop).run');
        assert.ok(tick, 'no tickLoop group');
        assert.ok(tick.runnableNs > 4 * tick.runningNs, `tickLoop runnable ${tick.runnableNs} vs running ${tick.runningNs}`);
        const culprits = [...r.groups].sort((a, b) => (b.culpritShare ?? 0) - (a.culpritShare ?? 0));
        assert.equal(culprits[0].function, 'main.cpuHog', 'the CPU hogs hold the Ps most');
        assert.ok(r.saturation && r.saturation.allPsBusy > r.saturation.somePIdle, 'all Ps busy most of the time');
        const timer = r.timers?.find((t) => t.file === file && t.line === m['tick-sleep']);
        assert.ok(timer && timer.maxNs > 10 * MS, 'the 2 ms sleep overran by more than 10 ms');
      });

      it('blocked time by reason at each marked wait line', () => {
        const expect: Array<[string, string]> = [
          ['sync', 'lock-wait'], ['chan', 'chan-recv'], ['select', 'select-wait'], ['net', 'net-read'], ['syscall', 'syscall-read'],
        ];
        for (const [kind, marker] of expect) {
          const ns = at(r, file, kind, m[marker]);
          assert.ok(ns > 100 * MS, `${kind} at ${marker} (line ${m[marker]}): ${ns} ns`);
        }
      });

      it('groups by the go statement that created them, and GC under GOGC=10', () => {
        const task = r.groups.find((g) => g.function === 'main.shortTask');
        assert.deepEqual(task?.created, { function: 'main.spawner', file, line: m['go-task'] });
        assert.ok(r.gc.count >= 3, `gc count ${r.gc.count}`);
        assert.ok(r.gc.stwCount >= 2 * r.gc.count - 2, `stw ${r.gc.stwCount} for ${r.gc.count} cycles`);
      });
    });
  }
});
