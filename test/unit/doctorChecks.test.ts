// The doctor's checks on recorded evidence: cgroup v2 files, Anolis settings (Yama, SELinux), each check firing and staying ok.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BinaryFacts, DoctorInput } from '../../src/core/doctor/facts';
import { parseEnviron } from '../../src/core/doctor/facts';
import { judge, hostSummary } from '../../src/core/doctor/run';
import { parseDoctorOutput } from '../../src/core/doctor/script';
import { CHECK_IDS, type CheckId, type Finding } from '../../src/core/doctor/types';

const FIX = path.join(__dirname, '..', 'fixtures', 'doctor');
const PID = 4242;
/** The script's output on an Anolis 8 host, cgroup v2, Yama and SELinux on (see the fixture's README). */
const ANOLIS = fs.readFileSync(path.join(FIX, 'anolis8-cgroupv2.txt'), 'utf8');

const goBinary = (over: Partial<BinaryFacts> = {}): BinaryFacts => ({
  goVersion: 'go1.26.8', settings: { CGO_ENABLED: '0', DefaultGODEBUG: '' }, deps: [], hasDwarf: true, hasSymtab: true, glibcNeeds: [], ...over,
});

/** Replaces one "@f PATH" block (or adds it before @end) in recorded output. */
function withFile(text: string, file: string, content: string | null): string {
  const re = new RegExp(`@f ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n[\\s\\S]*?\\n@\\.\\n`);
  const block = content === null ? `@n ${file}\n` : `@f ${file}\n${content}\n@.\n`;
  return re.test(text) ? text.replace(re, block) : text.replace(/@end\n$/, `${block}@end\n`);
}

function withKv(text: string, key: string, value: string): string {
  const re = new RegExp(`^K ${key}=.*$`, 'm');
  return re.test(text) ? text.replace(re, `K ${key}=${value}`) : text.replace(/@end\n$/, `K ${key}=${value}\n@end\n`);
}

function input(text: string, opts: { env?: Record<string, string> | null; binary?: BinaryFacts | null; pid?: number | null; windowSec?: number } = {}): DoctorInput {
  const ev = parseDoctorOutput(text);
  const env = opts.env === null ? null : new Map(Object.entries(opts.env ?? {}));
  return { ev, windowSec: opts.windowSec ?? 2, ...(opts.pid === null ? {} : { pid: opts.pid ?? PID }), env, binary: opts.binary === undefined ? goBinary() : opts.binary };
}

function find(i: DoctorInput, id: CheckId): Finding {
  const f = judge(i).find((x) => x.id === id);
  assert.ok(f, `${id} not reported`);
  return f;
}

const CG = '/sys/fs/cgroup/system.slice/api.service';

describe('doctor checks on recorded evidence', () => {
  it('parses the recorded output: host summary, cgroup v2 chain leaf first, environ', () => {
    const ev = parseDoctorOutput(ANOLIS);
    assert.deepEqual(hostSummary(ev, PID), { os: 'Anolis OS 8.8', kernel: '5.10.134-13.an8.x86_64', cgroup: 'v2' });
    assert.deepEqual(ev.cgroups.map((c) => c.dir), [CG, '/sys/fs/cgroup/system.slice', '/sys/fs/cgroup']);
    assert.equal(ev.cgroups[0].files.get('cpu.max'), 'max 100000');
    assert.deepEqual([...parseEnviron(Buffer.from('A=1\0GOMAXPROCS=8\0A=2\0'))], [['A', '1'], ['GOMAXPROCS', '8']]);
  });

  it('reports every check for a process, only host checks without one', () => {
    assert.deepEqual(judge(input(ANOLIS)).map((f) => f.id), [...CHECK_IDS]);
    assert.deepEqual(judge(input(ANOLIS, { pid: null })).map((f) => f.id), ['dns-resolver', 'ca-roots', 'tzdata', 'thp', 'clocksource', 'ptrace']);
  });

  describe('gomaxprocs-cpu-quota', () => {
    it('fires for Go 1.24 on 8 CPUs under a 1.5-CPU quota set on an ancestor (cpu.max), naming the file', () => {
      const f = find(input(ANOLIS, { binary: goBinary({ goVersion: 'go1.24.3' }) }), 'gomaxprocs-cpu-quota');
      assert.equal(f.severity, 'warning');
      assert.match(f.title, /GOMAXPROCS=8 but the CPU quota is 1\.5 CPUs \(set on ancestor \/sys\/fs\/cgroup\/system\.slice/);
      assert.ok(f.evidence.some((e) => e.source === '/sys/fs/cgroup/system.slice/cpu.max' && e.value.startsWith('150000 100000')));
      assert.match(f.fix!, /GOMAXPROCS=2/);
    });

    it('fires for Go 1.26 too: it reads only the leaf cgroup, which has no quota', () => {
      const f = find(input(ANOLIS), 'gomaxprocs-cpu-quota');
      assert.equal(f.severity, 'warning');
      assert.ok(f.evidence.some((e) => /GOMAXPROCS=8: go1\.26\.8 container-aware default/.test(e.value)));
    });

    it('stays ok when Go 1.26 sees a 4-CPU quota on its own cgroup; containermaxprocs=0 turns that off', () => {
      const leaf = withFile(withFile(ANOLIS, `${CG}/cpu.max`, '400000 100000'), '/sys/fs/cgroup/system.slice/cpu.max', 'max 100000');
      const ok = find(input(leaf), 'gomaxprocs-cpu-quota');
      assert.equal(ok.severity, 'ok', ok.title);
      assert.match(ok.title, /GOMAXPROCS=4 fits/);
      const off = find(input(leaf, { binary: goBinary({ settings: { DefaultGODEBUG: 'containermaxprocs=0' } }) }), 'gomaxprocs-cpu-quota');
      assert.equal(off.severity, 'warning');
    });

    it('follows GOMAXPROCS from the environment and automaxprocs (floor of the leaf quota)', () => {
      assert.equal(find(input(ANOLIS, { env: { GOMAXPROCS: '2' } }), 'gomaxprocs-cpu-quota').severity, 'ok');
      const leaf = withFile(ANOLIS, `${CG}/cpu.max`, '250000 100000');
      const f = find(input(leaf, { binary: goBinary({ goVersion: 'go1.21.0', deps: ['go.uber.org/automaxprocs'] }) }), 'gomaxprocs-cpu-quota');
      assert.ok(f.evidence.some((e) => e.value.startsWith('GOMAXPROCS=2: go.uber.org/automaxprocs')), JSON.stringify(f.evidence));
    });
  });

  describe('cpu-throttling', () => {
    it('fires from cpu.stat counters that grew over the window', () => {
      const f = find(input(ANOLIS), 'cpu-throttling');
      assert.equal(f.severity, 'warning');
      assert.match(f.title, /throttled in 50% of CFS periods over 2 s \(\/sys\/fs\/cgroup\/system\.slice\)/);
    });
    it('stays ok when the counters did not move', () => {
      const still = ANOLIS.replace(/@t2\n[\s\S]*?(?=@end\n)/, '@t2\n' + [CG, '/sys/fs/cgroup/system.slice', '/sys/fs/cgroup']
        .map((d) => `@f ${d}/cpu.stat\n${parseDoctorOutput(ANOLIS).files.get(`${d}/cpu.stat`)}\n@.\n`).join(''));
      const f = find(input(still), 'cpu-throttling');
      assert.equal(f.severity, 'ok', f.title);
      assert.match(f.title, /throttled before/);
    });
  });

  describe('gomemlimit-memory-limit', () => {
    it('fires without GOMEMLIMIT, taking the lowest of memory.max and memory.high over the ancestors', () => {
      const f = find(input(ANOLIS), 'gomemlimit-memory-limit');
      assert.equal(f.severity, 'warning');
      assert.match(f.title, /memory limit 1GiB \(\/sys\/fs\/cgroup\/system\.slice\/api\.service\/memory\.high\)/);
      assert.match(f.fix!, /GOMEMLIMIT=921MiB/);
    });
    it('fires when GOMEMLIMIT is above the limit, ok below it', () => {
      assert.equal(find(input(ANOLIS, { env: { GOMEMLIMIT: '2GiB' } }), 'gomemlimit-memory-limit').severity, 'warning');
      assert.equal(find(input(ANOLIS, { env: { GOMEMLIMIT: '900MiB' } }), 'gomemlimit-memory-limit').severity, 'ok');
    });
    it('says environ was unreadable instead of guessing', () => {
      const f = find(input(ANOLIS, { env: null }), 'gomemlimit-memory-limit');
      assert.equal(f.severity, 'info');
      assert.match(f.title, /environ not readable/);
    });
  });

  describe('oom-kills', () => {
    it('fires on memory.events oom_kill', () => {
      const f = find(input(ANOLIS), 'oom-kills');
      assert.equal(f.severity, 'warning');
      assert.match(f.title, /3 OOM kill/);
      assert.ok(f.evidence.some((e) => e.value === 'not read (needs root: dmesg_restrict=1)'));
    });
    it('stays ok at zero', () => {
      const zero = withFile(ANOLIS, `${CG}/memory.events`, 'low 0\nhigh 12\nmax 0\noom 0\noom_kill 0');
      assert.equal(find(input(zero), 'oom-kills').severity, 'ok');
    });
  });

  describe('dns-resolver', () => {
    it('fires when the only nameserver is a stub with no UDP listener', () => {
      const f = find(input(ANOLIS), 'dns-resolver');
      assert.equal(f.severity, 'error');
      assert.match(f.title, /127\.0\.0\.53 is a local stub resolver with no listener/);
    });
    it('stays ok when the stub listens (a recorded /proc/net/udp line)', () => {
      const udp = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n'
        + ' 7599: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 138507 2 000000007fa4bb21 0';
      const f = find(input(withFile(ANOLIS, `/proc/${PID}/net/udp`, udp)), 'dns-resolver');
      assert.equal(f.severity, 'ok', f.title);
    });
    it('warns that the pure Go resolver ignores sss in nsswitch.conf; a cgo binary hands it to glibc', () => {
      const text = withFile(withFile(ANOLIS, `/proc/${PID}/root/etc/resolv.conf`, 'nameserver 10.0.0.2'), `/proc/${PID}/root/etc/nsswitch.conf`, 'hosts: files sss dns myhostname');
      const f = find(input(text), 'dns-resolver');
      assert.equal(f.severity, 'warning');
      assert.match(f.title, /ignores nsswitch\.conf sources sss, myhostname/);
      const cgo = find(input(text, { binary: goBinary({ interp: '/lib64/ld-linux-x86-64.so.2', settings: { CGO_ENABLED: '1' } }) }), 'dns-resolver');
      assert.equal(cgo.severity, 'ok', cgo.title);
      assert.ok(cgo.evidence.some((e) => /cgo \(glibc\): nsswitch\.conf hosts: uses sss/.test(e.value)));
    });
  });

  describe('ca-roots', () => {
    it('stays ok with the Anolis bundle at /etc/pki/tls/certs/ca-bundle.crt', () => {
      const f = find(input(ANOLIS), 'ca-roots');
      assert.equal(f.severity, 'ok');
      assert.ok(f.evidence.some((e) => e.source.startsWith('/etc/pki/tls/certs/ca-bundle.crt') && e.value === 'pem'));
    });
    it('fires when SSL_CERT_FILE and SSL_CERT_DIR replace the lists with paths that hold nothing', () => {
      const text = withKv(withKv(ANOLIS, 'cafile', 'missing /opt/certs/ca.pem'), 'cadir', 'missing /opt/certs');
      const f = find(input(text, { env: { SSL_CERT_FILE: '/opt/certs/ca.pem', SSL_CERT_DIR: '/opt/certs' } }), 'ca-roots');
      assert.equal(f.severity, 'error');
      assert.match(f.title, /SSL_CERT_FILE and SSL_CERT_DIR replace Go's own lists/);
    });
  });

  describe('glibc-cgo', () => {
    it('fires for a cgo binary needing GLIBC_2.34 on glibc 2.28', () => {
      const b = goBinary({ interp: '/lib64/ld-linux-x86-64.so.2', glibcNeeds: ['GLIBC_2.2.5', 'GLIBC_2.34', 'GLIBC_2.3.2'] });
      const f = find(input(ANOLIS, { binary: b }), 'glibc-cgo');
      assert.equal(f.severity, 'error');
      assert.match(f.title, /needs GLIBC_2\.34, the host has glibc 2\.28/);
    });
    it('stays ok for a static binary and for needs the host meets', () => {
      assert.equal(find(input(ANOLIS), 'glibc-cgo').severity, 'ok');
      const b = goBinary({ interp: '/lib64/ld-linux-x86-64.so.2', glibcNeeds: ['GLIBC_2.2.5', 'GLIBC_2.17'] });
      assert.equal(find(input(ANOLIS, { binary: b }), 'glibc-cgo').severity, 'ok');
    });
  });

  describe('tzdata', () => {
    it('fires when TZ names a zone whose file is missing', () => {
      const text = withKv(withKv(ANOLIS, 'tzfile', 'no /usr/share/zoneinfo/Asia/Shanghai'), 'zonedir', 'no /usr/share/zoneinfo/');
      const f = find(input(text, { env: { TZ: 'Asia/Shanghai' } }), 'tzdata');
      assert.equal(f.severity, 'error');
      assert.match(f.fix!, /dnf install tzdata/);
      const embedded = find(input(text, { env: { TZ: 'Asia/Shanghai' }, binary: goBinary({ settings: { '-tags': 'timetzdata' } }) }), 'tzdata');
      assert.equal(embedded.severity, 'ok');
    });
    it('stays ok with zoneinfo present', () => {
      assert.equal(find(input(ANOLIS), 'tzdata').severity, 'ok');
    });
  });

  describe('nofile and memlock', () => {
    it('nofile fires on a 4096 hard limit, ok at 65536', () => {
      const f = find(input(ANOLIS), 'nofile');
      assert.equal(f.severity, 'warning');
      assert.match(f.fix!, /LimitNOFILE=65536/);
      const raised = ANOLIS.replace(/Max open files\s+1024\s+4096/, 'Max open files            65536                65536');
      assert.equal(find(input(raised), 'nofile').severity, 'ok');
    });
    it('memlock fires only for Go 1.14 on kernel 5.2-5.4 with a low limit', () => {
      assert.equal(find(input(ANOLIS), 'memlock').severity, 'ok');
      const old = withKv(ANOLIS, 'kernel', '5.4.0-26-generic');
      assert.equal(find(input(old, { binary: goBinary({ goVersion: 'go1.14.2' }) }), 'memlock').severity, 'error');
    });
  });

  describe('thp and clocksource (recorded sysfs files)', () => {
    it('thp fires on defrag=always, ok on madvise', () => {
      assert.equal(find(input(ANOLIS), 'thp').severity, 'warning');
      const ok = withFile(ANOLIS, '/sys/kernel/mm/transparent_hugepage/defrag', 'always defer defer+madvise [madvise] never');
      assert.equal(find(input(ok), 'thp').severity, 'info'); // enabled=always stays a note
      const calm = withFile(ok, '/sys/kernel/mm/transparent_hugepage/enabled', 'always [madvise] never');
      assert.equal(find(input(calm), 'thp').severity, 'ok');
    });
    it('clocksource fires on hpet with the tsc fix, ok on tsc', () => {
      const f = find(input(ANOLIS), 'clocksource');
      assert.equal(f.severity, 'warning');
      assert.match(f.fix!, /echo tsc \| sudo tee/);
      const tsc = withFile(ANOLIS, '/sys/devices/system/clocksource/clocksource0/current_clocksource', 'tsc');
      assert.equal(find(input(tsc), 'clocksource').severity, 'ok');
    });
  });

  describe('ptrace (Yama and SELinux as recorded)', () => {
    it('fires on ptrace_scope=1 and deny_ptrace for a non-root user, with both fixes', () => {
      const f = find(input(ANOLIS), 'ptrace');
      assert.equal(f.severity, 'error');
      assert.match(f.title, /ptrace_scope is 1/);
      assert.match(f.title, /deny_ptrace is on/);
      assert.match(f.fix!, /sudo setsebool deny_ptrace off/);
    });
    it('stays ok with Yama at 0 and SELinux allowing ptrace', () => {
      const text = ANOLIS.replace('ptrace_scope=1', 'ptrace_scope=0').replace('deny_ptrace --> on', 'deny_ptrace --> off');
      const f = find(input(text), 'ptrace');
      assert.equal(f.severity, 'ok', f.title);
    });
  });

  describe('debug-info and godebug', () => {
    it('debug-info fires for a stripped binary, notes -trimpath, ok for a full build', () => {
      const stripped = find(input(ANOLIS, { binary: goBinary({ hasDwarf: false, hasSymtab: false, settings: { '-ldflags': '-s -w' } }) }), 'debug-info');
      assert.equal(stripped.severity, 'warning');
      assert.match(stripped.title, /stripped/);
      assert.equal(find(input(ANOLIS, { binary: goBinary({ settings: { '-trimpath': 'true' } }) }), 'debug-info').severity, 'info');
      assert.equal(find(input(ANOLIS), 'debug-info').severity, 'ok');
    });
    it('godebug fires on a surprising setting, from the environment or an old go.mod; ok with none', () => {
      const env = find(input(ANOLIS, { env: { GODEBUG: 'asyncpreemptoff=1' } }), 'godebug');
      assert.equal(env.severity, 'warning');
      assert.match(env.title, /asyncpreemptoff=1 \(environ\)/);
      const mod = find(input(ANOLIS, { binary: goBinary({ settings: { DefaultGODEBUG: 'containermaxprocs=0,panicnil=1' } }) }), 'godebug');
      assert.match(mod.fix!, /go\.mod/);
      assert.equal(find(input(ANOLIS), 'godebug').severity, 'ok');
    });
  });
});
