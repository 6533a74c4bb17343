// The doctor over a real sshd against fixture services in real conditions: cgroup v1 quotas and limits, prlimit, private mounts, another uid, stripped and cgo builds.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readBinaryFacts } from '../../src/core/doctor/binary';
import type { DoctorInput } from '../../src/core/doctor/facts';
import { judge, runDoctor } from '../../src/core/doctor/run';
import { parseDoctorOutput } from '../../src/core/doctor/script';
import type { CheckId, DoctorReport, Finding } from '../../src/core/doctor/types';
import { LocalHost } from '../../src/core/remote/localHost';
import type { RemoteHost } from '../../src/core/remote/host';
import { SshPool } from '../../src/core/ssh/pool';
import { AsUserHost } from '../host/asUser';
import { BIN_DIR, binaryOf, buildFixture, buildFixtures, findToolchain, FIXTURE_DIR, startService, type RunningService } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { cliJson, runCli } from '../support/cli';

const CPU_ROOT = '/sys/fs/cgroup/cpu';
const MEM_ROOT = '/sys/fs/cgroup/memory';
const NOBODY = 65534;
const MiB = 2 ** 20;

function finding(r: DoctorReport, id: CheckId): Finding {
  const f = r.findings.find((x) => x.id === id);
  assert.ok(f, `${id} missing from ${r.findings.map((x) => x.id).join(', ')}`);
  return f;
}

function hasEvidence(f: Finding, source: RegExp | string, value: RegExp): boolean {
  return f.evidence.some((e) => (typeof source === 'string' ? e.source === source : source.test(e.source)) && value.test(e.value));
}

/** Child cgroups (v1 cpu and memory) made for this run; removed in after(). */
class TestCgroups {
  readonly name = `anole-doctor-${process.pid}`;
  private readonly made: string[] = [];

  /** Creates `rel` under both controllers (parents first), applying the settings given. */
  make(rel: string, opts: { cpuQuotaUs?: number; memLimit?: number } = {}): { cpu: string; mem: string } {
    const cpu = path.join(CPU_ROOT, this.name, rel);
    const mem = path.join(MEM_ROOT, this.name, rel);
    for (const d of [cpu, mem]) {
      const parts = path.relative(path.dirname(path.dirname(d)), d).split(path.sep);
      let cur = path.dirname(path.dirname(d));
      for (const p of parts) {
        cur = path.join(cur, p);
        if (!fs.existsSync(cur)) {
          fs.mkdirSync(cur);
          this.made.push(cur);
        }
      }
    }
    if (opts.cpuQuotaUs !== undefined) fs.writeFileSync(path.join(cpu, 'cpu.cfs_quota_us'), String(opts.cpuQuotaUs));
    if (opts.memLimit !== undefined) fs.writeFileSync(path.join(mem, 'memory.limit_in_bytes'), String(opts.memLimit));
    return { cpu, mem };
  }

  /** Removes every cgroup made, deepest first (their processes must be gone). */
  remove(): void {
    for (const d of [...this.made].sort((a, b) => b.length - a.length)) {
      try {
        fs.rmdirSync(d);
      } catch (e) {
        process.stderr.write(`could not remove cgroup ${d}: ${(e as Error).message}\n`);
      }
    }
  }
}

/** How to start a fixture: in cgroups, under prlimit, in a private mount namespace, as another uid. */
interface Launch {
  cgroups?: string[];
  env?: Record<string, string>;
  prlimit?: string[];
  /** Shell lines run inside `unshare -m` before the service starts (mounts). */
  mounts?: string[];
  uid?: number;
}

/** Starts `binary` through sh so the process joins its cgroups, limits and mounts before it execs (same pid). */
function launch(binary: string, how: Launch): Promise<RunningService> {
  const lines = ['b=$1; shift', 'for d do echo $$ > "$d/cgroup.procs"; done'];
  const tail: string[] = [];
  if (how.prlimit) tail.push('prlimit', ...how.prlimit, '--');
  if (how.uid !== undefined) tail.push('setpriv', `--reuid=${how.uid}`, `--regid=${how.uid}`, '--clear-groups', '--');
  if (how.mounts) {
    lines.push(`exec unshare -m --propagation private sh -c '${how.mounts.join(' && ')} && exec "$0" "$@"' ${tail.join(' ')} "$b" -watch-parent -cpu-duty 60`);
  } else {
    lines.push(`exec ${tail.join(' ')} "$b" -watch-parent -cpu-duty 60`);
  }
  return startService('/bin/sh', ['-c', lines.join('\n'), 'sh', binary, ...(how.cgroups ?? [])], {
    watchParent: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...how.env },
  });
}

/** Builds hotsvc with cgo (dynamically linked against this machine's glibc), cached next to the other fixtures. */
async function buildCgoFixture(): Promise<string> {
  const tc = await findToolchain('current');
  const out = path.join(BIN_DIR, tc.tag, 'hotsvc-cgo');
  const r = spawnSync(tc.goBin, ['build', '-o', out, './hotsvc'], {
    cwd: FIXTURE_DIR, env: { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: '', CGO_ENABLED: '1' }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cgo build of hotsvc failed: ${r.stderr}`);
  return out;
}

describe('anole doctor in real conditions (cgroup v1, prlimit, unshare, setpriv)', function () {
  this.timeout(180_000);
  let sshd: TestSshd;
  let pool: SshPool;
  let host: RemoteHost;
  let cg: TestCgroups;
  let tmp: string;
  let bins: { current: string; old: string; stripped: string; cgo: string };
  const services: RunningService[] = [];
  let squeezedSvc: RunningService;
  const start = async (binary: string, how: Launch) => {
    const s = await launch(binary, how);
    services.push(s);
    return s;
  };
  const doctor = (pid: number, windowSec = 0, on: RemoteHost = host) => runDoctor(on, { pid, windowSec });

  before(async () => {
    cg = new TestCgroups();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-doctor-'));
    fs.chmodSync(tmp, 0o755);
    const [s, builds, cgo] = await Promise.all([startSshd(), buildFixtures({ goVersions: ['current', 'go1.19'], names: ['hotsvc'] }), buildCgoFixture()]);
    sshd = s;
    const cur = builds.find((b) => b.toolchain.id === 'current')!;
    bins = {
      current: binaryOf(cur, 'hotsvc'),
      old: binaryOf(builds.find((b) => b.toolchain.id === 'go1.19')!, 'hotsvc'),
      stripped: await buildFixture(cur.toolchain, 'hotsvc', { stripped: true }),
      cgo,
    };
    pool = new SshPool({ resolve: { configFile: sshd.configFile } });
    host = await pool.get(sshd.alias);
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await pool?.closeAll();
    await sshd?.stop();
    cg?.remove();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('a service squeezed by its host: CPU quota, memory limit, low nofile, stripped binary', () => {
    let squeezed: RunningService;
    let report: DoctorReport;
    before(async () => {
      const { cpu, mem } = cg.make('squeezed', { cpuQuotaUs: 10_000, memLimit: 256 * MiB });
      squeezed = squeezedSvc = await start(bins.stripped, { cgroups: [cpu, mem], env: { GOMAXPROCS: '8' }, prlimit: ['--nofile=1024:4096'] });
      // An allocation that outgrows the limit: the kernel's OOM killer ends it inside the service's memory cgroup.
      const hog = spawn('sh', ['-c', `echo $$ > ${mem}/cgroup.procs && exec tail /dev/zero`], { stdio: 'ignore' });
      const ended = await new Promise<NodeJS.Signals | null>((resolve) => hog.on('exit', (_c, sig) => resolve(sig)));
      assert.equal(ended, 'SIGKILL', 'the hog was not OOM-killed');
      report = await doctor(squeezed.pid, 1);
    });

    it('gomaxprocs-cpu-quota fires: GOMAXPROCS=8 from environ vs cpu.cfs_quota_us 0.1 CPU', () => {
      const f = finding(report, 'gomaxprocs-cpu-quota');
      assert.equal(f.severity, 'warning', f.title);
      assert.match(f.title, /GOMAXPROCS=8 but the CPU quota is 0\.1 CPUs/);
      assert.ok(hasEvidence(f, `${CPU_ROOT}/${cg.name}/squeezed/cpu.cfs_quota_us`, /^10000 \(period 100000\)/), JSON.stringify(f.evidence));
      assert.ok(hasEvidence(f, `/proc/${squeezed.pid}/environ`, /^GOMAXPROCS=8$/));
      assert.match(f.fix!, /GOMAXPROCS=2/);
    });

    it('cpu-throttling fires: cpu.stat nr_throttled grows over the window', () => {
      const f = finding(report, 'cpu-throttling');
      assert.equal(f.severity, 'warning', f.title);
      assert.ok(hasEvidence(f, `${CPU_ROOT}/${cg.name}/squeezed/cpu.stat`, /^[1-9]\d* of \d+ periods throttled/), JSON.stringify(f.evidence));
    });

    it('gomemlimit-memory-limit fires: memory.limit_in_bytes 256MiB without GOMEMLIMIT, fix computed from it', () => {
      const f = finding(report, 'gomemlimit-memory-limit');
      assert.equal(f.severity, 'warning', f.title);
      assert.ok(hasEvidence(f, `${MEM_ROOT}/${cg.name}/squeezed/memory.limit_in_bytes`, /^268435456 → 256MiB$/), JSON.stringify(f.evidence));
      assert.match(f.fix!, /GOMEMLIMIT=230MiB/);
    });

    it('oom-kills fires: memory.oom_control counts the kill', () => {
      const f = finding(report, 'oom-kills');
      assert.equal(f.severity, 'warning', f.title);
      assert.ok(hasEvidence(f, `${MEM_ROOT}/${cg.name}/squeezed/memory.oom_control`, /^oom_kill [1-9]/));
    });

    it('nofile fires: prlimit hard 4096 (Go raised the soft limit to it)', () => {
      const f = finding(report, 'nofile');
      assert.equal(f.severity, 'warning', f.title);
      assert.ok(hasEvidence(f, `/proc/${squeezed.pid}/limits`, /soft \d+, hard 4096/));
      assert.match(f.fix!, /LimitNOFILE=65536/);
    });

    it('godebug fires: the fixture\'s old go.mod puts containermaxprocs=0 in the binary\'s DefaultGODEBUG', () => {
      const f = finding(report, 'godebug');
      assert.equal(f.severity, 'warning', f.title);
      assert.match(f.title, /containermaxprocs=0 \(DefaultGODEBUG\)/);
      assert.ok(hasEvidence(f, 'build info DefaultGODEBUG', /containermaxprocs=0/));
    });

    it('debug-info fires for the -s -w build', () => {
      const f = finding(report, 'debug-info');
      assert.equal(f.severity, 'warning', f.title);
      assert.match(f.title, /stripped/);
      assert.ok(hasEvidence(f, 'build info -ldflags', /-s -w/));
    });
  });

  describe('a roomy service: no quota, GOMEMLIMIT under the limit, high nofile, full debug info', () => {
    let roomy: RunningService;
    let report: DoctorReport;
    before(async () => {
      const { cpu, mem } = cg.make('roomy', { memLimit: 512 * MiB });
      // As high as this machine lets root raise it (a container may cap it below 65536).
      const hard = Number(/^Max open files\s+\S+\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1]);
      assert.ok(hard >= 16384, `this machine's hard nofile limit ${hard} is below what the ok case needs (16384)`);
      roomy = await start(bins.current, { cgroups: [cpu, mem], env: { GOMEMLIMIT: '400MiB' }, prlimit: [`--nofile=${Math.min(hard, 65536)}:${Math.min(hard, 65536)}`] });
      report = await doctor(roomy.pid, 1);
    });

    it('reports every check, with the host line and the process', () => {
      assert.equal(report.findings.length, 15);
      assert.equal(report.host.cgroup, 'hybrid');
      assert.deepEqual(report.process, { pid: roomy.pid, exe: bins.current, goVersion: roomy.goVersion });
    });

    for (const id of ['gomaxprocs-cpu-quota', 'cpu-throttling', 'gomemlimit-memory-limit', 'oom-kills', 'nofile', 'debug-info', 'dns-resolver', 'ca-roots', 'tzdata', 'glibc-cgo', 'ptrace', 'memlock'] as const) {
      it(`${id} stays ok`, () => {
        const f = finding(report, id);
        assert.equal(f.severity, 'ok', `${f.title} ${JSON.stringify(f.evidence)}`);
      });
    }

    it('GOMAXPROCS is read from the running process (runtime.gomaxprocs in /proc/PID/mem) and matches the prediction', () => {
      const f = finding(report, 'gomaxprocs-cpu-quota');
      const live = f.evidence.find((e) => e.source.startsWith(`/proc/${roomy.pid}/mem at runtime.gomaxprocs 0x`));
      assert.ok(live, JSON.stringify(f.evidence));
      const predicted = f.evidence.find((e) => e.source.startsWith('prediction'))!;
      assert.equal(/GOMAXPROCS=(\d+)/.exec(live.value)![1], String(os.availableParallelism()));
      assert.equal(/GOMAXPROCS=(\d+)/.exec(predicted.value)![1], String(os.availableParallelism()));
    });

    it('thp and clocksource show this machine\'s sysfs files as they are (their verdicts are unit-tested on recorded files)', () => {
      for (const [id, file] of [['thp', '/sys/kernel/mm/transparent_hugepage/enabled'], ['clocksource', '/sys/devices/system/clocksource/clocksource0/current_clocksource']] as const) {
        const f = finding(report, id);
        assert.ok(hasEvidence(f, file, new RegExp(`^${fs.readFileSync(file, 'utf8').trim().replace(/[[\]]/g, '\\$&')}$`)), JSON.stringify(f.evidence));
      }
    });

    it('the memory limit and GOMEMLIMIT are read from the real files', () => {
      const f = finding(report, 'gomemlimit-memory-limit');
      assert.ok(hasEvidence(f, `${MEM_ROOT}/${cg.name}/roomy/memory.limit_in_bytes`, /→ 512MiB$/));
      assert.ok(hasEvidence(f, `/proc/${roomy.pid}/environ`, /^GOMEMLIMIT=400MiB$/));
    });
  });

  it('walks the ancestors: a quota on the parent cgroup counts although Go reads only the leaf', async () => {
    cg.make('parent', { cpuQuotaUs: 50_000 });
    const { cpu } = cg.make('parent/leaf');
    const svc = await start(bins.old, { cgroups: [cpu] });
    const f = finding(await doctor(svc.pid), 'gomaxprocs-cpu-quota');
    assert.ok(hasEvidence(f, `${CPU_ROOT}/${cg.name}/parent/cpu.cfs_quota_us`, /^50000 .*0\.5 CPUs$/), JSON.stringify(f.evidence));
    assert.match(f.title, /set on ancestor .*\/parent; Go reads only the leaf cgroup/);
    assert.ok(hasEvidence(f, /^prediction/, /go1\.19\.\d+ ignores CPU quotas/));
    assert.ok(hasEvidence(f, /runtime\.gomaxprocs/, new RegExp(`^GOMAXPROCS=${os.availableParallelism()} \\(read from the running process\\)$`)), JSON.stringify(f.evidence));
  });

  describe('a private mount namespace (unshare -m) with a dead stub resolver, no CA roots and no zoneinfo', () => {
    let report: DoctorReport;
    let pid: number;
    before(async () => {
      const resolv = path.join(tmp, 'resolv.conf');
      fs.writeFileSync(resolv, 'nameserver 127.0.0.53\noptions edns0 trust-ad\n');
      const svc = await start(bins.current, {
        env: { TZ: 'Asia/Shanghai' },
        mounts: [`mount --bind ${resolv} /etc/resolv.conf`, 'mount -t tmpfs none /etc/ssl', 'mount -t tmpfs none /usr/share/zoneinfo'],
      });
      pid = svc.pid;
      report = await doctor(pid);
    });

    it('dns-resolver fires: 127.0.0.53 has no listener in /proc/PID/net/udp', () => {
      const f = finding(report, 'dns-resolver');
      assert.equal(f.severity, 'error', f.title);
      assert.ok(hasEvidence(f, `/proc/${pid}/root/etc/resolv.conf`, /nameserver 127\.0\.0\.53/));
      assert.ok(hasEvidence(f, /net\/udp/, /listeners: none/));
    });

    it('ca-roots fires: Go\'s file and directory lists are empty as the process sees them', () => {
      const f = finding(report, 'ca-roots');
      assert.equal(f.severity, 'error', f.title);
      assert.ok(hasEvidence(f, `/etc/ssl/certs/ca-certificates.crt (seen from /proc/${pid}/root)`, /^missing$/));
    });

    it('tzdata fires: TZ=Asia/Shanghai with no zone file', () => {
      const f = finding(report, 'tzdata');
      assert.equal(f.severity, 'error', f.title);
      assert.ok(hasEvidence(f, `/proc/${pid}/environ`, /^TZ=Asia\/Shanghai$/));
      assert.match(f.fix!, /dnf install tzdata/);
    });
  });

  describe('as another uid (setpriv)', () => {
    let rootSvc: RunningService;
    let nobodySvc: RunningService;
    before(async () => {
      // A copy in the world-readable temp dir: the checkout may sit where uid 65534 cannot reach it.
      const copy = path.join(tmp, 'hotsvc');
      fs.copyFileSync(bins.current, copy);
      fs.chmodSync(copy, 0o755);
      [rootSvc, nobodySvc] = await Promise.all([start(bins.current, {}), start(copy, { uid: NOBODY })]);
    });

    it('a non-root user is told what it cannot see of a root process, and that it cannot attach', async () => {
      const r = await doctor(rootSvc.pid, 0, new AsUserHost(host, NOBODY));
      const p = finding(r, 'ptrace');
      assert.equal(p.severity, 'error');
      assert.match(p.title, new RegExp(`process ${rootSvc.pid} runs as uid 0, the SSH user is uid ${NOBODY}`));
      const m = finding(r, 'gomemlimit-memory-limit');
      assert.ok(hasEvidence(m, `/proc/${rootSvc.pid}/environ`, /unreadable \(needs root or the process's uid\)/), JSON.stringify(m.evidence));
      assert.equal(finding(r, 'debug-info').severity, 'info');
      assert.ok(finding(r, 'nofile').evidence.some((e) => /hard \d+/.test(e.value)), '/proc/PID/limits is world-readable');
    });

    it('the same user sees its own process fully and may attach', async () => {
      const r = await doctor(nobodySvc.pid, 0, new AsUserHost(host, NOBODY));
      const p = finding(r, 'ptrace');
      assert.notEqual(p.severity, 'error', p.title);
      assert.ok(hasEvidence(p, `/proc/${nobodySvc.pid}/status`, new RegExp(`Uid: ${NOBODY}`)));
      assert.equal(r.process?.goVersion, nobodySvc.goVersion);
      assert.ok(hasEvidence(finding(r, 'gomemlimit-memory-limit'), `/proc/${nobodySvc.pid}/environ`, /GOMEMLIMIT not set/));
    });
  });

  describe('glibc-cgo with a real cgo build', () => {
    it('stays ok on this host: the needs are met by its glibc', async () => {
      const svc = await start(bins.cgo, {});
      const f = finding(await doctor(svc.pid), 'glibc-cgo');
      assert.equal(f.severity, 'ok', f.title);
      assert.ok(hasEvidence(f, 'ELF .dynstr', /needs GLIBC_2\.\d+/));
      assert.ok(hasEvidence(f, 'ELF PT_INTERP', /ld-linux/));
    });

    it('fires for the same binary judged against a glibc 2.28 (Anolis 8) host', async () => {
      const local = new LocalHost();
      try {
        const binary = await readBinaryFacts((o, l) => local.readRange(bins.cgo, o, l), bins.cgo);
        const ev = parseDoctorOutput('K glibc=glibc 2.28\n@end\n');
        const input: DoctorInput = { ev, pid: 1, env: new Map(), binary, windowSec: 0 };
        const f = judge(input).find((x) => x.id === 'glibc-cgo')!;
        assert.equal(f.severity, 'error', f.title);
        assert.match(f.title, /needs GLIBC_2\.(29|[3-9]\d)/);
      } finally {
        await local.close();
      }
    });
  });

  describe('the CLI', () => {
    it('prints the JSON contract for a process, and the Go processes with their worst finding for the host', async () => {
      const svc = squeezedSvc;
      const r = await cliJson<DoctorReport>(['doctor', sshd.alias, '--pid', String(svc.pid), '--window', '0', '--ssh-config', sshd.configFile]);
      assert.deepEqual(Object.keys(r).sort(), ['findings', 'host', 'process']);
      assert.deepEqual(Object.keys(r.host).sort(), ['cgroup', 'kernel', 'os']);
      assert.deepEqual(Object.keys(r.process!).sort(), ['exe', 'goVersion', 'pid']);
      for (const f of r.findings) {
        assert.ok(['ok', 'info', 'warning', 'error'].includes(f.severity));
        assert.ok(f.evidence.every((e) => typeof e.source === 'string' && typeof e.value === 'string'));
      }
      const host = await cliJson<DoctorReport & { processes: { pid: number; worst: string }[] }>(['doctor', sshd.alias, '--ssh-config', sshd.configFile]);
      assert.equal(host.process, null);
      assert.ok(host.processes.some((p) => p.pid === svc.pid && p.worst === 'warning'), JSON.stringify(host.processes));
    });

    it('prints a readable table with evidence and fixes (in zh-cn with --lang zh-cn), and a clear error for a pid that does not exist', async () => {
      const ssh = ['--ssh-config', sshd.configFile];
      const text = await runCli(['doctor', sshd.alias, '--pid', String(squeezedSvc.pid), '--window', '0', ...ssh]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^WARN\s+gomaxprocs-cpu-quota\s+GOMAXPROCS=8 but the CPU quota is 0\.1 CPUs/m);
      assert.match(text.stdout, /^ {2}fix: set GOMAXPROCS=2/m);
      const zh = await runCli(['doctor', sshd.alias, '--pid', String(squeezedSvc.pid), '--window', '0', '--lang', 'zh-cn', ...ssh]);
      assert.equal(zh.code, 0, zh.stderr);
      assert.match(zh.stdout, /^WARN\s+gomaxprocs-cpu-quota\s+GOMAXPROCS=8，但 CPU 配额只有 0\.1 个 CPU/m);
      assert.match(zh.stdout, /^ {2}fix: 在服务的环境变量中设置 GOMAXPROCS=2/m);
      const gone = await runCli(['doctor', sshd.alias, '--pid', '4194303', ...ssh]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /process 4194303 does not exist/);
    });
  });
});
