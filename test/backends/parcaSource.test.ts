// The Parca source against a real Parca (v0.28.0) on loopback scraping three hotsvc replicas, one of
// which runs the hot loop 3x as long per period: merged totals, shares, the pickers, the CLI, and the
// messages for an empty range, a stopped or hung server and a wrong token, each within 10 s.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAnoleError } from '../../src/core/errors';
import { decodeProfile, sampleTotal, top, type Profile } from '../../src/core/pprof';
import { ParcaSource, type SourceQuery, type TimeRange } from '../../src/core/sources';
import { runCli } from '../support/cli';
import { binaryOf, buildFixtures, markerLine, startService, type RunningService } from '../host/goServices';
import { freePort, parcaBinary, startParca, type TestParca } from '../host/parca';

const REPLICAS = [
  { name: 'a', duty: 10 },
  { name: 'b', duty: 10 },
  { name: 'hot', duty: 30 },
];
const GIT_REF = '0123456789abcdef0123456789abcdef01234567';
const HOT_LINE = markerLine('hotsvc/problems.go', 'hot');
/** Everything a message test allows: the 10 s limit plus the test's own overhead. */
const MESSAGE_DEADLINE_MS = 11_000;

/** The profile's total for its first sample type (Parca's pprof has one). */
function total(p: Profile): number {
  return sampleTotal(p, 0);
}

/** The flat value of the MARK:hot line. */
function hotLine(p: Profile): number {
  return top(p, { by: 'line' }).rows.filter((r) => r.file.endsWith('hotsvc/problems.go') && r.line === HOT_LINE).reduce((n, r) => n + r.flat, 0);
}

async function rejection(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
  } catch (error) {
    return { error, ms: Date.now() - t0 };
  }
  assert.fail('expected the request to fail');
}

describe('Parca source (real Parca on loopback)', function () {
  let parca: TestParca;
  const services: RunningService[] = [];
  let source: ParcaSource;
  let cpuType: string;
  let range: TimeRange;

  before(async function () {
    this.timeout(5 * 60_000);
    const bin = parcaBinary();
    const [build] = await buildFixtures({ goVersions: ['current'], names: ['hotsvc'] });
    for (const r of REPLICAS) {
      services.push(await startService(binaryOf(build, 'hotsvc'), ['-cpu-duty', String(r.duty), '-lock=false', '-leak', '0', '-chansend=false']));
    }
    const t0 = Date.now();
    parca = await startParca(
      bin,
      REPLICAS.map((r, i) => ({ job: 'hotsvc', addr: services[i].addr, labels: { replica: r.name, service_git_ref: GIT_REF, service_repository: 'github.com/example/hotsvc' } })),
      { intervalS: 4 },
    );
    source = new ParcaSource({ url: parca.url });
    // Wait until every replica has several CPU scrapes stored (each scrape is a 4 s CPU profile).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const types = await source.profileTypes().catch(() => []);
      const cpu = types.find((t) => t.id.startsWith('process_cpu:cpu:nanoseconds:')) ?? types.find((t) => t.kind === 'cpu');
      if (cpu) {
        cpuType = cpu.id;
        const now = Date.now();
        const series = await source.series({ type: cpuType, selector: '{job="hotsvc"}', range: { fromMs: t0, toMs: now } });
        if (series.length === REPLICAS.length && now - t0 > 30_000 && series.every((s) => s.total > 0)) break;
      }
      if (Date.now() > deadline) assert.fail(`Parca had no CPU data for the ${REPLICAS.length} replicas within 120 s; its log:\n${parca.log()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // A range that ended 10 s ago: no scrape still in flight can add to it while the tests run.
    range = { fromMs: t0, toMs: Date.now() - 10_000 };
  });

  after(async () => {
    await parca?.stop();
    parca?.cleanup();
    await Promise.all(services.map((s) => s.stop()));
  });

  const q = (selector: string): SourceQuery => ({ type: cpuType, selector, range });

  async function profileOf(selector: string): Promise<Profile> {
    const res = await source.query(q(selector));
    assert.equal(res.kind, 'profile', `no profile for ${selector}`);
    return decodeProfile(res.kind === 'profile' ? res.pprof : new Uint8Array());
  }

  it('lists the profile types, label names and values the pickers show', async () => {
    const types = await source.profileTypes();
    assert.ok(types.some((t) => t.kind === 'cpu'), `no cpu type in ${types.map((t) => t.id).join(', ')}`);
    assert.ok(types.some((t) => t.kind === 'heap'), 'no heap type');
    const names = await source.labelNames({ range });
    for (const n of ['job', 'instance', 'replica']) assert.ok(names.includes(n), `label ${n} missing from ${names.join(', ')}`);
    assert.deepEqual(await source.labelValues('replica', { range }), ['a', 'b', 'hot']);
  });

  it('merges every replica: the merged total is the sum of the per-replica totals', async () => {
    const merged = await source.query(q('{job="hotsvc"}'));
    assert.equal(merged.kind, 'profile');
    if (merged.kind !== 'profile') return;
    assert.match(merged.description, /3 series/);
    assert.equal(merged.labels.service_git_ref, GIT_REF, 'labels every series shares reach the result');
    assert.equal(merged.labels.replica, undefined, 'a label that differs between series is not shared');
    const mergedTotal = total(decodeProfile(merged.pprof));
    const perReplica = await Promise.all(REPLICAS.map(async (r) => total(await profileOf(`{replica="${r.name}"}`))));
    assert.ok(perReplica.every((t) => t > 0), `every replica has samples: ${perReplica.join(', ')}`);
    assert.equal(mergedTotal, perReplica.reduce((a, b) => a + b, 0));
    const series = await source.series(q('{job="hotsvc"}'));
    assert.equal(series.length, 3);
  });

  it('shows the replica that runs the hot loop 3x as long with ~3x the hot line', async () => {
    const [a, b, hot] = await Promise.all(REPLICAS.map(async (r) => hotLine(await profileOf(`{replica="${r.name}"}`))));
    assert.ok(a > 0 && b > 0, `the hot line has samples in every replica (${a}, ${b}, ${hot})`);
    const ratio = hot / ((a + b) / 2);
    // 2 cores shared with other work: CPU time follows the duty cycle only roughly.
    assert.ok(ratio > 2 && ratio < 4.5, `hot replica / others on the hot line = ${ratio.toFixed(2)}, expected ~3`);
  });

  it('says "no data in this range" as a message, not an error, within 10 s', async () => {
    const t0 = Date.now();
    const res = await source.query({ type: cpuType, selector: '{job="hotsvc"}', range: { fromMs: range.fromMs - 3 * 3600_000, toMs: range.fromMs - 2 * 3600_000 } });
    assert.ok(Date.now() - t0 < MESSAGE_DEADLINE_MS);
    assert.equal(res.kind, 'empty');
    assert.match(res.kind === 'empty' ? res.message : '', /no profiles match in .* UTC: try a wider range/);
    const none = await source.query(q('{job="no-such-job"}'));
    assert.equal(none.kind, 'empty');
  });

  it('rejects a malformed selector with the server\'s reason', async () => {
    const { error } = await rejection(source.query(q('{job=')));
    assert.ok(isAnoleError(error) && error.code === 'BAD_INPUT', String(error));
  });

  it('says nothing is listening when the server is stopped, at once', async () => {
    const port = await freePort();
    const { error, ms } = await rejection(new ParcaSource({ url: `http://127.0.0.1:${port}` }).profileTypes());
    assert.ok(ms < MESSAGE_DEADLINE_MS);
    assert.ok(isAnoleError(error));
    assert.match(error.message, /nothing is listening at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
    assert.match(error.oneLine, /is the server running/);
  });

  it('gives up on a hung server after 10 s with TIMEOUT, and Cancel stops a request at once', async function () {
    this.timeout(30_000);
    const pid = parca.pid;
    process.kill(pid, 'SIGSTOP');
    try {
      const { error, ms } = await rejection(source.query(q('{job="hotsvc"}')));
      assert.ok(isAnoleError(error) && error.code === 'TIMEOUT', String(error));
      assert.ok(ms >= 9_000 && ms < MESSAGE_DEADLINE_MS, `timed out after ${ms} ms`);
      assert.match(error.message, /no answer from http:\/\/127\.0\.0\.1:\d+ within 10 s/);
      const ac = new AbortController();
      const p = rejection(source.query(q('{job="hotsvc"}'), ac.signal));
      setTimeout(() => ac.abort(), 200);
      const c = await p;
      assert.ok(isAnoleError(c.error) && c.error.code === 'CANCELLED' && c.ms < 2000, String(c.error));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('behind an authenticating proxy: a wrong token gets its own message, the right one the profile', async () => {
    const proxy = await tokenProxy(parca.port, 's3cret-token');
    try {
      const wrong = new ParcaSource({ url: proxy.url, auth: { kind: 'bearer', token: 'wrong-token' } });
      const { error, ms } = await rejection(wrong.query(q('{job="hotsvc"}')));
      assert.ok(ms < MESSAGE_DEADLINE_MS);
      assert.ok(isAnoleError(error));
      assert.match(error.oneLine, /refused the credentials \(HTTP 401.*the token or password is wrong or expired/);
      assert.ok(!error.oneLine.includes('wrong-token'), 'the token never appears in a message');
      const none = await rejection(new ParcaSource({ url: proxy.url }).profileTypes());
      assert.match(isAnoleError(none.error) ? none.error.oneLine : '', /needs a token/);
      const right = await new ParcaSource({ url: proxy.url, auth: { kind: 'bearer', token: 's3cret-token' } }).query(q('{job="hotsvc"}'));
      assert.equal(right.kind, 'profile');
    } finally {
      await proxy.close();
    }
  });

  it('anole source query writes the merged profile that anole top reads', async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-source-'));
    try {
      const out = path.join(dir, 'merged.pb.gz');
      const from = new Date(range.fromMs).toISOString();
      const to = new Date(range.toMs).toISOString();
      const res = await runCli(['source', 'query', 'parca', parca.url, '--type', cpuType, '--selector', '{job="hotsvc"}', '--from', from, '--to', to, '-o', out]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /wrote .*merged\.pb\.gz .*3 series/);
      assert.match(res.stdout, new RegExp(`service_git_ref="${GIT_REF}"`));
      const topRes = await runCli(['top', out, '--by', 'line', '--json']);
      assert.equal(topRes.code, 0, topRes.stderr);
      const rows = JSON.parse(topRes.stdout) as { file: string; line: number }[];
      assert.ok(rows.slice(0, 3).some((r) => r.file.endsWith('problems.go') && r.line === HOT_LINE), 'the hot line is among the top 3');
      const empty = await runCli(['source', 'query', 'parca', parca.url, '--type', cpuType, '--from', '2020-01-01T00:00:00Z', '--to', '2020-01-01T01:00:00Z', '-o', out]);
      assert.equal(empty.code, 3);
      assert.match(empty.stderr, /no profiles match/);
      const types = await runCli(['source', 'types', 'parca', parca.url]);
      assert.match(types.stdout, new RegExp(`${cpuType.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\(cpu\\)`));
      const stopped = await runCli(['source', 'types', 'parca', `http://127.0.0.1:${await freePort()}`]);
      assert.equal(stopped.code, 1);
      assert.match(stopped.stderr, /connection refused/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A reverse proxy that demands `Authorization: Bearer <token>`, as a team's ingress in front of Parca does. */
async function tokenProxy(targetPort: number, token: string): Promise<{ url: string; close(): Promise<void> }> {
  const srv = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => srv.close(() => r())) };
}
