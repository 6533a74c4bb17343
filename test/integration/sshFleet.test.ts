// The SSH fleet source over the real test sshd: several fixture replicas captured at once and merged.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnoleError } from '../../src/core/errors';
import { decodeProfile, sampleTotal, type Profile } from '../../src/core/pprof';
import { SshPool } from '../../src/core/ssh/pool';
import { captureFleet, SshFleetSource } from '../../src/core/sources/sshFleet';
import { runCli } from '../support/cli';
import { fleetSshConfig, startFleet, type TestFleet } from '../host/fleet';
import { binaryOf, buildFixtures, markerLine } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';

/** Idle replicas: only `-goroutines N` parked in main.idleWorker, so a goroutine profile counts them exactly. */
const idle = (n: number) => ['-cpu=false', '-lock=false', '-leak', '0', '-chansend=false', '-heartbeat', '1s', '-goroutines', String(n)];

/** Per replica: the goroutines whose stack passes through `fn` at `line`. */
function valueAtLine(p: Profile, fn: string, line: number): Map<string, number> {
  const out = new Map<string, number>();
  const nt = p.sampleTypes.length;
  for (let i = 0; i < p.samples.count; i++) {
    let hit = false;
    for (let k = p.samples.stackStart[i]; k < p.samples.stackStart[i + 1] && !hit; k++) {
      hit = p.locations[p.samples.stackLocs[k]].lines.some((l) => l.line === line && p.functions[l.function].name === fn);
    }
    if (!hit) continue;
    const replica = p.samples.labels?.[i]?.find((l) => l.key === 'replica')?.str ?? '?';
    out.set(replica, (out.get(replica) ?? 0) + p.samples.values[i * nt + nt - 1]);
  }
  return out;
}

describe('SSH fleet source', function () {
  this.timeout(180_000);
  let sshd: TestSshd;
  let fleet: TestFleet;
  let pool: SshPool;
  let configFile: string;
  const idleLine = markerLine('hotsvc/problems.go', 'idle');

  before(async () => {
    const [s, [build]] = await Promise.all([startSshd(), buildFixtures({ goVersions: ['current'], names: ['hotsvc'] })]);
    sshd = s;
    // Three replicas as busy as each other, one running the hot path 3× as often.
    fleet = await startFleet(binaryOf(build, 'hotsvc'), [idle(1000), idle(1000), idle(1000), idle(3000)]);
    configFile = fleetSshConfig(sshd, ['fleet-1', 'fleet-2'], 'fleet-dead');
    pool = new SshPool({ resolve: { configFile } });
  });
  after(async () => {
    await pool?.closeAll();
    await fleet?.stop();
    await sshd?.stop();
  });

  const deps = () => ({ connect: (h: string) => pool.get(h), sshConfigFile: configFile });

  it('merges every replica: totals add up, the 3× replica has 3× the share and is flagged', async () => {
    const res = await captureFleet({ hosts: ['anole-test'], processName: fleet.name }, 'goroutine', undefined, deps());
    assert.equal(res.replicas.length, 4, JSON.stringify(res.failures));
    assert.equal(res.description, '4 replicas');
    const merged = decodeProfile(res.pprof, { labels: true });
    const si = merged.sampleTypes.length - 1;
    const perReplica = res.replicas.map((r) => sampleTotal(decodeProfile(r.bytes), si));
    assert.equal(sampleTotal(merged, si), perReplica.reduce((a, b) => a + b, 0), 'the merged total is the sum of the replicas\'');
    const hot = res.replicas.find((r) => r.pid === fleet.services[3].pid)!;
    assert.ok(hot, `the hot replica (pid ${fleet.services[3].pid}) is among ${res.replicas.map((r) => r.name).join(', ')}`);
    const atLine = valueAtLine(merged, 'main.idleWorker', idleLine);
    for (const r of res.replicas) {
      assert.equal(atLine.get(r.name), r === hot ? 3000 : 1000, `goroutines of ${r.name} at the hot line`);
      assert.equal(r.outlier, r === hot, `${r.name} flagged as an outlier: ${r.outlier} (ratio ${r.ratio})`);
    }
    assert.ok(hot.share > 0.49 && hot.share < 0.51, `hot share ${hot.share}: 3000 of ~6000`);
    assert.ok(res.warnings.some((w) => w.startsWith(`${hot.name} is an outlier: 3.0×`)), res.warnings.join('\n'));
    assert.ok(!res.warnings.some((w) => /different (build id|Go version)/.test(w)), 'one build everywhere');
  });

  it('says "N-1 of N" and why when a replica cannot be reached, and pools connections', async () => {
    const logins = sshd.logins();
    const res = await captureFleet({ hosts: ['fleet-*'], processName: fleet.name }, 'heap', undefined, deps());
    // fleet-1 and fleet-2 are one machine: its four replicas are profiled once.
    assert.equal(res.replicas.length, 4);
    assert.equal(res.description, '4 of 5 replicas');
    assert.deepEqual(res.failures.map((f) => f.name), ['fleet-dead']);
    assert.match(res.failures[0].reason, /refused|ECONNREFUSED|connect/i);
    assert.match(res.warnings[0], /^4 of 5 replicas profiled; missing: fleet-dead \(/);
    assert.ok(sshd.logins() - logins <= 1, `at most one new SSH login for two aliases of one host (got ${sshd.logins() - logins})`);
  });

  it('captures CPU of every replica in one window, through the ProfileSource interface', async () => {
    const source = new SshFleetSource({ hosts: ['anole-test'], processName: fleet.name }, deps());
    assert.deepEqual(await source.labelNames(), ['replica']);
    const names = await source.labelValues('replica', { range: { fromMs: 0, toMs: 1 } });
    assert.equal(names.length, 4);
    const t0 = Date.now();
    const res = await source.query({ type: 'cpu', selector: `{replica=~"${names[0]}|${names[1]}"}`, range: { fromMs: t0, toMs: t0 + 2000 } });
    assert.equal(res.kind, 'profile');
    if (res.kind !== 'profile') return;
    assert.equal(res.description, '2 replicas, 2 s');
    const p = decodeProfile(res.pprof, { labels: true });
    assert.equal(p.sampleTypes[1].type, 'cpu');
    assert.ok(source.lastCapture!.captureMs < 2000 + 1500, `both captured in parallel: ${source.lastCapture!.captureMs} ms for 2 s`);
    const empty = await source.query({ type: 'cpu', selector: '{replica="nope"}', range: { fromMs: t0, toMs: t0 + 1000 } });
    assert.deepEqual(empty, { kind: 'empty', message: 'no replica matches {replica="nope"}' });
  });

  it('refuses a host pattern that matches nothing, and fails when no replica answers', async () => {
    await assert.rejects(captureFleet({ hosts: ['db-*'], processName: fleet.name }, 'heap', undefined, deps()),
      (e: unknown) => e instanceof AnoleError && e.code === 'BAD_INPUT' && /no Host alias of the ssh config matches 'db-\*'/.test(e.message));
    await assert.rejects(captureFleet({ hosts: ['anole-test'], processName: 'no-such-service' }, 'heap', undefined, deps()),
      (e: unknown) => e instanceof AnoleError && e.code === 'NOT_FOUND' && /no Go process named no-such-service on anole-test/.test(e.message));
  });

  it('anole fleet capture writes the merged profile and each replica\'s; top --by replica shows shares and the outlier', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-fleet-cli-'));
    try {
      const out = path.join(dir, 'merged.pb.gz');
      const r = await runCli(['fleet', 'capture', 'goroutine', 'anole-test', 'fleet-dead', '--process', fleet.name, '-o', out,
        '--per-replica', dir, '--ssh-config', configFile]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^wrote .*merged\.pb\.gz \(goroutine, 4 of 5 replicas, /);
      assert.match(r.stderr, /4 of 5 replicas profiled; missing: fleet-dead \(/);
      assert.match(r.stderr, /is an outlier: 3\.0× the median of the other replicas/);
      assert.match(r.stdout, /fleet-dead: failed: /);
      const perReplica = fs.readdirSync(dir).filter((f) => f.startsWith('anole-test_'));
      assert.equal(perReplica.length, 4, fs.readdirSync(dir).join(' '));
      const merged = decodeProfile(fs.readFileSync(out));
      const sum = perReplica.reduce((a, f) => a + sampleTotal(decodeProfile(fs.readFileSync(path.join(dir, f))), 0), 0);
      assert.equal(sampleTotal(merged, 0), sum);
      const top = await runCli(['top', out, '--by', 'replica', '--json']);
      assert.equal(top.code, 0, top.stderr);
      const rows = JSON.parse(top.stdout) as { replica: string; share: number; outlier: boolean }[];
      assert.equal(rows.length, 4);
      assert.equal(rows[0].replica, `anole-test/${fleet.services[3].pid}`);
      assert.deepEqual(rows.map((x) => x.outlier), [true, false, false, false]);
      const text = await runCli(['top', out, '--by', 'replica']);
      assert.match(text.stdout, /by replica, total \d+; 4 replicas/);
      assert.match(text.stdout, /\(outlier\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
