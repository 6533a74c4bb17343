// `anole capture trace` over a real sshd from tracesvc built with Go 1.19, the current Go and Go 1.25: default length by version, byte cap, flight recorder, errors.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { binaryOf, buildFixtures, startService, type RunningService, type ToolchainId } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { cliJson, runCli } from '../support/cli';
import { traceReference, type Reference } from '../support/traceRef';

interface TraceCapture {
  kind: string;
  file: string;
  bytes: number;
  elapsedMs: number;
  seconds: number | null;
  goVersion: string | null;
  flightRecorder: boolean;
  capped: boolean;
  warnings: string[];
}

/** The goroutines of the reference reading that run `fn`. */
function running(ref: Reference, fn: string) {
  return ref.goroutines.filter((g) => g.startFunction === fn);
}

describe('anole capture trace over a real sshd', function () {
  this.timeout(180_000);
  let sshd: TestSshd;
  let tmp: string;
  let ssh: string[];
  const services = new Map<ToolchainId, RunningService>();
  let noFlight: RunningService;

  before(async () => {
    const ids: ToolchainId[] = ['current', 'go1.19', 'go1.25'];
    const [s, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: ids, names: ['tracesvc'] })]);
    sshd = s;
    ssh = ['--ssh-config', sshd.configFile];
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-trace-'));
    for (const b of builds) {
      const flight = b.toolchain.id === 'go1.25';
      // Half-duty hogs: three services share this machine's cores with the sshd and the CLI.
      services.set(b.toolchain.id, await startService(binaryOf(b, 'tracesvc'), ['-hog-duty', '50', ...(flight ? ['-flight'] : [])]));
    }
    noFlight = services.get('current')!;
  });
  after(async () => {
    for (const svc of services.values()) await svc.stop();
    await sshd?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const pidOf = (id: ToolchainId) => String(services.get(id)!.pid);

  it('traces a Go 1.19 service for 2 s by default, and the trace reads back with its goroutines', async () => {
    const out = path.join(tmp, 'go119.trace');
    const cap = await cliJson<TraceCapture>(['capture', 'trace', sshd.alias, '--pid', pidOf('go1.19'), '-o', out, ...ssh]);
    assert.equal(cap.seconds, 2);
    assert.equal(cap.goVersion, services.get('go1.19')!.goVersion);
    assert.equal(cap.capped, false);
    assert.equal(fs.statSync(out).size, cap.bytes);
    const ref = await traceReference(out);
    assert.equal(ref.error, undefined);
    assert.ok(ref.windowNs > 1.5e9, `window ${ref.windowNs} ns`);
    assert.equal(running(ref, 'main.cpuHog').length, 3);
    assert.equal(running(ref, 'main.(*tickLoop).run').length, 1);
  });

  it('traces a current-Go service for --seconds, and the starved loop waits runnable', async () => {
    const out = path.join(tmp, 'current.trace');
    const cap = await cliJson<TraceCapture>(['capture', 'trace', sshd.alias, '--pid', pidOf('current'), '--seconds', '1', '-o', out, ...ssh]);
    assert.equal(cap.seconds, 1);
    assert.equal(cap.goVersion, services.get('current')!.goVersion);
    const ref = await traceReference(out);
    assert.equal(ref.error, undefined);
    const [tick] = running(ref, 'main.(*tickLoop).run');
    assert.ok(tick, 'the tick loop is in the trace');
    assert.ok(tick.runnableNs > 0 && tick.waitingByReason.sleep > 0, JSON.stringify(tick));
    assert.ok(running(ref, 'main.pipeReader')[0].syscallNs > 0, 'the pipe reader blocks in read(2)');
    assert.ok(ref.gc.count > 0, 'GOGC=10 collects');
  });

  it('stops at --max-bytes with a readable prefix and says it was capped', async () => {
    const out = path.join(tmp, 'capped.trace');
    // About 7 s of this service's trace (~37 kB/s): past several generation boundaries (~1 s each), so
    // the prefix holds whole generations however the first one falls.
    const max = 262144;
    const r = await runCli(['capture', 'trace', sshd.alias, '--pid', pidOf('current'), '--seconds', '60', '--max-bytes', String(max), '-o', out, ...ssh]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`capped at ${max} bytes`));
    assert.match(r.stderr, new RegExp(`capped at ${max} bytes: tracing stopped early`));
    assert.equal(fs.statSync(out).size, max);
    const ref = await traceReference(out);
    assert.ok(ref.events > 0, 'the prefix holds whole generations');
    assert.ok(ref.error, 'the reference reader sees the cut');
    // Tracing stops on the service once it sees its client gone: a new trace can start then (one
    // at a time per process), long before the 60 s asked for.
    const t0 = Date.now();
    for (;;) {
      const again = await runCli(['capture', 'trace', sshd.alias, '--pid', pidOf('current'), '--seconds', '1', '-o', path.join(tmp, 'after.trace'), ...ssh]);
      if (again.code === 0) break;
      assert.match(again.stderr, /already enabled/, 'only a trace still running may refuse');
      assert.ok(Date.now() - t0 < 30_000, 'the capped trace still runs on the service');
    }
  });

  it('fetches a flight-recorder snapshot from the Go 1.25 service', async () => {
    const out = path.join(tmp, 'flight.trace');
    const cap = await cliJson<TraceCapture>(['capture', 'trace', sshd.alias, '--pid', pidOf('go1.25'), '--flight-recorder', '/debug/flightrecorder', '-o', out, ...ssh]);
    assert.equal(cap.flightRecorder, true);
    assert.equal(cap.seconds, null);
    const ref = await traceReference(out);
    assert.equal(ref.error, undefined);
    assert.equal(running(ref, 'main.(*tickLoop).run').length, 1);
    const byUrl = await cliJson<TraceCapture>(['capture', 'trace', sshd.alias, '--flight-recorder', services.get('go1.25')!.info.FLIGHT, '-o', out, ...ssh]);
    assert.ok(byUrl.bytes > 0);
  });

  it('says how to expose a flight recorder when the service has no handler, and keeps the old file', async () => {
    const out = path.join(tmp, 'kept.trace');
    fs.writeFileSync(out, 'the previous trace');
    const r = await runCli(['capture', 'trace', sshd.alias, '--pid', String(noFlight.pid), '--flight-recorder', '/debug/flightrecorder', '-o', out, ...ssh]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /serves no flight-recorder snapshot \(HTTP 404\).*runtime\/trace\.FlightRecorder.*README/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'the previous trace');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('kept')), ['kept.trace']);
  });

  it('refuses a flight recorder from a Go 1.19 binary before asking it', async () => {
    const r = await runCli(['capture', 'trace', sshd.alias, '--pid', pidOf('go1.19'), '--flight-recorder', '/debug/flightrecorder', '-o', path.join(tmp, 'x.trace'), ...ssh]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /built with go1\.19\.\d+: runtime\/trace\.FlightRecorder needs Go >= 1\.25/);
  });

  it('refuses --max-bytes for a profile, and a trace endpoint that answers something else', async () => {
    const r = await runCli(['capture', 'cpu', sshd.alias, '--pid', pidOf('current'), '--max-bytes', '100000', '-o', path.join(tmp, 'c.pb.gz'), ...ssh]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--max-bytes is only for trace/);
    const url = services.get('current')!.pprofUrl!.replace('/debug/pprof/', '/healthz');
    const h = await runCli(['capture', 'trace', sshd.alias, '--flight-recorder', url, '-o', path.join(tmp, 'h.trace'), ...ssh]);
    assert.notEqual(h.code, 0);
    assert.match(h.stderr, /did not answer with a Go flight-recorder snapshot \(it starts "ok\\n"\)/);
  });
});
