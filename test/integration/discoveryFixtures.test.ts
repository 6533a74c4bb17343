// The Go fixture services discovery is tested against: their problems, markers and the harness that runs them.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { binaryOf, buildFixtures, markerLine, markerLines, startService, type FixtureBuild, type RunningService } from '../host/goServices';

/** GET url → body text. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** Polls `url` until `ok(body)`, or fails with the last body after `ms`. */
async function until(url: string, ok: (body: string) => boolean, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const body = await get(url);
    if (ok(body)) return body;
    if (Date.now() > deadline) throw new Error(`${url} never satisfied the condition; last body:\n${body.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('fixtures: markers', () => {
  it('every marker occurs exactly once', () => {
    const all = markerLines();
    for (const [name, { line }] of Object.entries(all)) assert.ok(line > 0, name);
    assert.throws(() => markerLine('hotsvc/problems.go', 'nosuchmarker'), /occurs 0 times/);
  });
});

describe('fixtures: hotsvc and the harness', function () {
  let builds: FixtureBuild[];
  const started: RunningService[] = [];
  const src = 'hotsvc/problems.go';

  before(async function () {
    this.timeout(600_000);
    builds = await buildFixtures({ names: ['hotsvc'] });
  });
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  for (const id of ['current', 'go1.19'] as const) {
    it(`${id}: shows every problem at its marked line`, async function () {
      this.timeout(30_000);
      const b = builds.find((x) => x.toolchain.id === id)!;
      const s = await startService(binaryOf(b, 'hotsvc'), ['-leak', '7', '-goroutines', '30', '-cpu-duty', '20']);
      started.push(s);
      assert.equal(s.goVersion, b.toolchain.version);
      assert.equal(s.pprofUrl, `http://${s.addr}/debug/pprof/`);
      const at = (marker: string): string => `problems.go:${markerLine(src, marker)}`;

      const countIn = (dump: string, fn: string, marker: string): number => {
        const block = dump.split('\n\n').find((blk) => blk.includes(fn) && blk.includes(at(marker)));
        return block ? Number(/^(\d+) @/m.exec(block)?.[1]) : 0;
      };
      // The goroutines start before LISTEN but may not have reached their blocking line yet.
      const g = await until(`${s.pprofUrl}goroutine?debug=1`, (d) => countIn(d, 'main.leakyWorker', 'leak') === 7 && countIn(d, 'main.idleWorker', 'idle') === 30);
      const count = (fn: string, marker: string): number => countIn(g, fn, marker);
      assert.equal(count('main.leakyWorker', 'leak'), 7);
      assert.equal(count('main.idleWorker', 'idle'), 30);
      assert.equal(count('main.stuckSender', 'chansend'), 1);
      assert.ok(g.includes('main.burnCPU'), 'burnCPU goroutine');

      await until(`${s.pprofUrl}mutex?debug=1`, (m) => m.includes('main.contend') && m.includes(at('unlock')));
      const hb = JSON.parse(await until(`http://${s.addr}/heartbeat`, (t) => JSON.parse(t).ticks >= 3)) as { maxGapMs: number; ticks: number; intervalMs: number };
      assert.equal(hb.intervalMs, 10);
      assert.ok(hb.maxGapMs > 0);
      assert.equal(await get(`http://${s.addr}/healthz`), 'ok\n');
    });
  }

  it('-no-lock-profiling: the mutex profile stays empty', async () => {
    const s = await startService(binaryOf(builds[0], 'hotsvc'), ['-no-lock-profiling', '-cpu=false']);
    started.push(s);
    await until(`${s.pprofUrl}goroutine?debug=1`, (g) => g.includes('main.contend'));
    const m = await get(`${s.pprofUrl}mutex?debug=1`);
    assert.match(m, /sampling period=0/);
    assert.ok(!m.includes('main.contend'));
  });

  it('stop() ends the process with SIGTERM, cleanly', async () => {
    const s = await startService(binaryOf(builds[0], 'hotsvc'), ['-cpu=false']);
    await s.stop();
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.throws(() => process.kill(s.pid, 0), /ESRCH/);
    await s.stop(); // idempotent
  });

  it('a service that dies before it is ready: the error carries its stderr', async () => {
    await assert.rejects(startService(binaryOf(builds[0], 'hotsvc'), ['-no-such-flag']), /exited \(2\) before it was ready; stderr:\n.*flag provided but not defined: -no-such-flag/s);
    await assert.rejects(startService(binaryOf(builds[0], 'hotsvc'), ['-addr', '256.0.0.1:0']), /exited \(1\).*listen 256\.0\.0\.1:0/s);
  });

  it('a binary that never prints LISTEN: a deadline, and the process is killed', async () => {
    const t0 = Date.now();
    await assert.rejects(startService('/bin/sleep', ['30'], { watchParent: false, timeoutMs: 300 }), /printed no ANOLE_FIXTURE_LISTEN line within 300 ms/);
    assert.ok(Date.now() - t0 < 5000);
  });
});
