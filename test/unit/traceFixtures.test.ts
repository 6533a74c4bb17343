// The recorded traces (test/fixtures/traces) match today's tracesvc markers and show every known wait in their reference readings, on every Go version.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { traceMarkerLines, TRACE_MARKERS } from '../host/goServices';
import type { Reference } from '../support/traceRef';

const TRACES = path.resolve(__dirname, '../fixtures/traces');
const VERSIONS = ['go1.19', 'go1.21', 'go1.22', 'go1.23', 'go1.25', 'go1.26'];
const RERECORD = 'the fixture moved: re-record with `bash test/fixtures/traces/gen/record.sh`';

interface Recorded {
  goVersion: string;
  markerFile: string;
  markers: Record<string, number>;
  files: Record<string, number>;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

describe('recorded traces', () => {
  it('cover every Go version of the matrix', () => {
    for (const v of VERSIONS) assert.ok(fs.existsSync(path.join(TRACES, v, 'tracesvc.trace')), `${v}/tracesvc.trace`);
  });

  for (const v of VERSIONS) {
    describe(v, () => {
      const dir = path.join(TRACES, v);
      const recorded = () => readJson<Recorded>(path.join(dir, 'recorded.json'));
      const ref = (name: string) => readJson<Reference>(path.join(dir, `${name}.reference.json`));

      it('were recorded with this Go version, the current marker lines, and stay small', () => {
        const rec = recorded();
        assert.equal(/^go\d+\.\d+/.exec(rec.goVersion)?.[0], v);
        const now = traceMarkerLines();
        assert.deepEqual(Object.keys(rec.markers).sort(), [...TRACE_MARKERS].sort(), RERECORD);
        for (const m of TRACE_MARKERS) assert.equal(rec.markers[m], now[m].line, `MARK:${m}: ${RERECORD}`);
        for (const [file, size] of Object.entries(rec.files)) {
          assert.equal(fs.statSync(path.join(dir, file)).size, size, file);
          assert.ok(size < 2 << 20, `${file} is ${size} bytes`);
        }
      });

      it('show each known wait of tracesvc in the reference reading', () => {
        const r = ref('tracesvc');
        const rec = recorded();
        assert.equal(r.error, undefined);
        assert.ok(r.windowNs > 0.8e9 && r.windowNs < 3e9, `window ${r.windowNs} ns`);
        const of = (fn: string) => r.goroutines.filter((g) => g.startFunction === fn);
        const sum = (fn: string, f: (g: Reference['goroutines'][number]) => number) => of(fn).reduce((a, g) => a + f(g), 0);
        assert.equal(of('main.cpuHog').length, 3);
        assert.ok(sum('main.cpuHog', (g) => g.runningNs) > 0.2e9, 'the hogs run');
        const [tick] = of('main.(*tickLoop).run');
        assert.ok(tick.runnableNs > 0.05e9, `the 2 ms loop waits runnable (${tick.runnableNs} ns)`);
        assert.ok(tick.waitingByReason.sleep > 0, 'and sleeps');
        assert.equal(of('main.locker').length, 4);
        assert.ok(sum('main.locker', (g) => g.waitingByReason.sync ?? 0) > 0, 'lockers wait on the mutex');
        assert.ok(of('main.chanConsumer')[0].waitingByReason['chan receive'] > 0, 'chan receive');
        assert.ok(of('main.selectWaiter')[0].waitingByReason.select > 0, 'select');
        assert.ok(of('main.netReader')[0].waitingByReason.network > 0, 'network');
        assert.ok(of('main.pipeReader')[0].syscallNs > 0.1e9, 'read(2) on the pipe');
        assert.ok(r.gc.count > 0 && r.gc.stwCount > 0, 'GOGC=10 collects and stops the world');
        const tasks = of('main.shortTask').filter((g) => g.startFrom === 'creation');
        assert.ok(tasks.length > 0, 'tasks created inside the trace');
        for (const t of tasks) {
          assert.equal(t.createdAt?.function, 'main.spawner');
          assert.equal(t.createdAt?.file, rec.markerFile);
          assert.equal(t.createdAt?.line, rec.markers['go-task']);
        }
      });

      it('have go tool trace -pprof totals beside them', () => {
        const t = readJson<Record<'sync' | 'syscall', Record<string, number>>>(path.join(dir, 'tracesvc.pprof-totals.json'));
        assert.ok(t.sync['delay/nanoseconds'] > 0 && t.syscall['delay/nanoseconds'] > 0, JSON.stringify(t));
      });
    });
  }

  it('include flight-recorder snapshots from Go 1.25 on, read to their end', () => {
    for (const v of ['go1.25', 'go1.26']) {
      const r = readJson<Reference>(path.join(TRACES, v, 'flight.reference.json'));
      assert.equal(r.error, undefined, v);
      assert.ok(r.goroutines.some((g) => g.startFunction === 'main.(*tickLoop).run'), v);
    }
  });

  it('include a byte-capped capture that reads partly', () => {
    const r = readJson<Reference>(path.join(TRACES, 'go1.26', 'capped.reference.json'));
    assert.ok(r.error, 'the reference reader stops at the cut');
    assert.ok(r.events > 0, 'after whole generations');
    assert.equal(fs.statSync(path.join(TRACES, 'go1.26', 'capped.trace')).size, readJson<Recorded & { capBytes: number }>(path.join(TRACES, 'go1.26', 'recorded.json')).capBytes);
  });
});
