// Checks of a process's resources: GOMAXPROCS vs the CPU quota, throttling, GOMEMLIMIT vs the memory limit, OOM kills, rlimits.
import { chainFor, countCpuList, cpuLimitOf, keyValues, lowest, memLimitsOf, type DirLimit } from './cgroup';
import { effectiveGodebug, envEvidence, goAtLeast, goVersionOf, humanBytes, parseGomemlimit, statusField, type DoctorInput } from './facts';
import { msg, type Msg, type Text } from './msg';
import type { Draft, DraftEvidence } from './types';

const limitEv = (l: DirLimit, what: Text): DraftEvidence => ({ source: l.source, value: msg('{0} → {1}', l.raw, what) });

/** What GOMAXPROCS the process runs with, predicted from Go's own rules for its version. */
export interface GomaxprocsPrediction {
  procs: number;
  how: Text;
}

/**
 * Replays runtime/cgroup_linux.go: GOMAXPROCS in the environment wins; automaxprocs takes the
 * floor of the quota (min 1); Go ≥ 1.25 without containermaxprocs=0 takes min(CPUs, max(2,
 * ceil(leaf quota))), reading the leaf cgroup only; older Go uses the CPUs it may run on.
 */
export function predictGomaxprocs(input: DoctorInput, ncpu: number, leaf: DirLimit | null): GomaxprocsPrediction {
  const env = input.env?.get('GOMAXPROCS');
  if (env !== undefined && /^\d+$/.test(env) && Number(env) > 0) return { procs: Number(env), how: msg('GOMAXPROCS in the environment') };
  if (input.binary?.deps.includes('go.uber.org/automaxprocs')) {
    return { procs: leaf ? Math.max(1, Math.floor(leaf.value)) : ncpu, how: msg('go.uber.org/automaxprocs (floor of the leaf quota, at least 1)') };
  }
  const goVersion = input.binary?.goVersion;
  const cmp = effectiveGodebug(input).get('containermaxprocs');
  if (goAtLeast(goVersion, 25) && cmp?.value !== '0') {
    return { procs: leaf ? Math.min(ncpu, Math.max(2, Math.ceil(leaf.value))) : ncpu, how: msg('{0} container-aware default (reads only the leaf cgroup, at least 2)', goVersion ?? '') };
  }
  if (goAtLeast(goVersion, 25)) return { procs: ncpu, how: msg('containermaxprocs=0 (from {0}): the quota is ignored', cmp?.from ?? '') };
  return { procs: ncpu, how: goVersion ? msg('{0} ignores CPU quotas: GOMAXPROCS = CPUs allowed', goVersion) : msg('this Go version ignores CPU quotas: GOMAXPROCS = CPUs allowed') };
}

/** `gomaxprocs-cpu-quota`. */
export function checkGomaxprocs(input: DoctorInput): Draft {
  const id = 'gomaxprocs-cpu-quota';
  const status = input.ev.files.get(`/proc/${input.pid}/status`);
  const cpus = statusField(status, 'Cpus_allowed_list');
  const ncpu = countCpuList(cpus ?? '') ?? 0;
  const chain = chainFor(input.ev, 'cpu');
  const evidence: DraftEvidence[] = [{ source: `/proc/${input.pid}/status`, value: msg('Cpus_allowed_list: {0} ({1} CPUs)', cpus ?? '?', ncpu) }];
  if (!chain || !ncpu) {
    return { id, severity: 'info', title: msg('cannot tell: the process\'s cpu cgroup or CPU list was not readable'), evidence };
  }
  const limits = chain.dirs.map(cpuLimitOf).filter((l): l is DirLimit => l !== null);
  for (const l of limits) evidence.push(limitEv(l, msg('{0} CPUs', round(l.value))));
  if (!limits.length) evidence.push({ source: `${chain.dirs[0].dir}`, value: msg('no CPU quota here or in {0} ancestors (cgroup {1})', chain.dirs.length - 1, chain.version) });
  const leaf = cpuLimitOf(chain.dirs[0]);
  const eff = lowest(limits);
  evidence.push(envEvidence(input, 'GOMAXPROCS'));
  const predicted = predictGomaxprocs(input, ncpu, leaf);
  evidence.push({ source: msg('prediction (not read from the process)'), value: msg('GOMAXPROCS={0}: {1}', predicted.procs, predicted.how) });
  const live = input.gomaxprocs;
  if (live) evidence.push({ source: live.source, value: live.value !== undefined ? msg('GOMAXPROCS={0} ({1})', live.value, live.note) : live.note });
  const pred = live?.value !== undefined && live.value > 0 ? { procs: live.value, how: msg('read from the process') } : predicted;
  const dg = input.binary?.settings.DefaultGODEBUG;
  if (dg) evidence.push({ source: msg('build info DefaultGODEBUG'), value: dg });
  if (!eff) return { id, severity: 'ok', title: msg('no CPU quota; GOMAXPROCS={0} for {1} CPUs', pred.procs, ncpu), evidence };
  const quota = eff.value;
  const fitting = Math.max(2, Math.ceil(quota));
  const onAncestor = eff.dir !== chain.dirs[0].dir;
  const where: Text = onAncestor ? msg(' (set on ancestor {0}; Go reads only the leaf cgroup)', eff.dir) : '';
  if (pred.procs > fitting) {
    return {
      id, severity: 'warning', evidence,
      title: msg('GOMAXPROCS={0} but the CPU quota is {1} CPUs{2}: the CFS quota throttles the process (tail latency)', pred.procs, round(quota), where),
      fix: msg('set GOMAXPROCS={0} in the service\'s environment (systemd: Environment=GOMAXPROCS={0}), or build with Go ≥ 1.25 and go.mod \'go 1.25\' with the quota on the service\'s own cgroup', fitting),
    };
  }
  if (pred.procs > Math.ceil(quota)) {
    return { id, severity: 'info', evidence, title: msg('GOMAXPROCS={0} for a quota of {1} CPUs{2}: Go\'s own floor of 2, some throttling is expected', pred.procs, round(quota), where) };
  }
  if (pred.procs < Math.floor(quota) && pred.procs < ncpu) {
    return { id, severity: 'info', evidence, title: msg('GOMAXPROCS={0} uses less than the CPU quota of {1} CPUs{2}', pred.procs, round(quota), where),
      fix: msg('raise GOMAXPROCS to {0}', Math.min(ncpu, Math.floor(quota))) };
  }
  return { id, severity: 'ok', evidence, title: msg('GOMAXPROCS={0} fits the CPU quota of {1} CPUs{2}', pred.procs, round(quota), where) };
}

/** `cpu-throttling`: the counters of every cgroup of the chain, before and after the window. */
export function checkThrottling(input: DoctorInput): Draft {
  const id = 'cpu-throttling';
  const chain = chainFor(input.ev, 'cpu');
  const evidence: DraftEvidence[] = [];
  let worst: { dir: string; ratio: number; throttled: number; periods: number } | null = null;
  let everThrottled = false;
  for (const d of chain?.dirs ?? []) {
    const path = `${d.dir}/cpu.stat`;
    const a = keyValues(d.files.get('cpu.stat'));
    const b = keyValues(input.ev.later.get(path));
    if (!a.has('nr_periods')) continue;
    if ((a.get('nr_throttled') ?? 0) > 0) everThrottled = true;
    if (!b.has('nr_periods')) continue;
    const periods = b.get('nr_periods')! - a.get('nr_periods')!;
    const throttled = b.get('nr_throttled')! - a.get('nr_throttled')!;
    const usec = b.has('throttled_usec') ? b.get('throttled_usec')! - a.get('throttled_usec')! : ((b.get('throttled_time') ?? 0) - (a.get('throttled_time') ?? 0)) / 1000;
    if (periods > 0) {
      evidence.push({ source: path, value: msg('{0} of {1} periods throttled ({2} ms) in {3} s', throttled, periods, Math.round(usec / 1000), input.windowSec) });
      const ratio = throttled / periods;
      if (!worst || ratio > worst.ratio) worst = { dir: d.dir, ratio, throttled, periods };
    }
  }
  const pressure = chain?.dirs[0].files.get('cpu.pressure');
  if (pressure) evidence.push({ source: `${chain!.dirs[0].dir}/cpu.pressure`, value: pressure.split('\n')[0] });
  if (input.windowSec <= 0 || !chain) {
    return { id, severity: 'info', evidence, title: msg('throttling not measured (no cpu cgroup or no window)') };
  }
  if (worst && worst.throttled > 0) {
    return {
      id, severity: 'warning', evidence,
      title: msg('throttled in {0}% of CFS periods over {1} s ({2})', Math.round(worst.ratio * 100), input.windowSec, worst.dir),
      fix: msg('lower GOMAXPROCS to the quota (see gomaxprocs-cpu-quota) or raise the quota (systemd: CPUQuota=)'),
    };
  }
  if (!evidence.length) return { id, severity: 'ok', evidence, title: msg('no CPU quota: nothing to throttle') };
  return { id, severity: 'ok', evidence, title: everThrottled ? msg('not throttled during the {0} s window (throttled before: see nr_throttled)', input.windowSec) : msg('not throttled during the {0} s window', input.windowSec) };
}

/** `gomemlimit-memory-limit`. */
export function checkGomemlimit(input: DoctorInput): Draft {
  const id = 'gomemlimit-memory-limit';
  const chain = chainFor(input.ev, 'memory');
  const limits = (chain?.dirs ?? []).flatMap(memLimitsOf);
  const evidence: DraftEvidence[] = limits.map((l) => limitEv(l, humanBytes(l.value)));
  evidence.push(envEvidence(input, 'GOMEMLIMIT'));
  const eff = lowest(limits);
  if (input.binary?.deps.includes('github.com/KimMachineGun/automemlimit')) {
    evidence.push({ source: msg('build info'), value: msg('github.com/KimMachineGun/automemlimit (sets GOMEMLIMIT from memory.max at start, ignores memory.high)') });
  }
  if (!chain) return { id, severity: 'info', evidence, title: msg('cannot tell: the process\'s memory cgroup was not readable') };
  if (!eff) return { id, severity: 'ok', evidence, title: msg('no memory limit on the process\'s cgroup or its ancestors') };
  const suggested = Math.floor((eff.value * 0.9) / 2 ** 20);
  const fix: Msg = msg('set GOMEMLIMIT={0}MiB (90% of the {1} limit; systemd: Environment=GOMEMLIMIT={0}MiB)', suggested, humanBytes(eff.value));
  if (input.env === null) return { id, severity: 'info', evidence, title: msg('memory limit {0} ({1}); GOMEMLIMIT unknown: environ not readable', humanBytes(eff.value), eff.source) };
  const gml = parseGomemlimit(input.env?.get('GOMEMLIMIT'));
  if (gml === undefined || gml === 'off') {
    if (input.binary?.deps.includes('github.com/KimMachineGun/automemlimit')) {
      return { id, severity: 'info', evidence, title: msg('memory limit {0}; automemlimit sets GOMEMLIMIT at start (check memory.high yourself)', humanBytes(eff.value)) };
    }
    return { id, severity: 'warning', evidence, fix, title: msg('memory limit {0} ({1}) without GOMEMLIMIT: the GC does not see the limit, the OOM killer does', humanBytes(eff.value), eff.source) };
  }
  if (gml > eff.value) {
    return { id, severity: 'warning', evidence, fix, title: msg('GOMEMLIMIT {0} is above the memory limit {1} ({2})', humanBytes(gml), humanBytes(eff.value), eff.source) };
  }
  return { id, severity: 'ok', evidence, title: msg('GOMEMLIMIT {0} is within the memory limit {1}', humanBytes(gml), humanBytes(eff.value)) };
}

/** `oom-kills`: the leaf memory cgroup's OOM kill counter (hierarchical in v2's memory.events). */
export function checkOomKills(input: DoctorInput): Draft {
  const id = 'oom-kills';
  const chain = chainFor(input.ev, 'memory');
  const leaf = chain?.dirs[0];
  const evidence: DraftEvidence[] = [];
  const restrict = input.ev.files.get('/proc/sys/kernel/dmesg_restrict')?.trim();
  const uid = input.ev.kv.get('uid')?.[0];
  const kernelLog: DraftEvidence = { source: msg('kernel log'), value: restrict === '1' && uid !== '0' ? msg('not read (needs root: dmesg_restrict=1)') : msg('not read') };
  if (!leaf) return { id, severity: 'info', evidence: [kernelLog], title: msg('cannot tell: the process\'s memory cgroup was not readable') };
  const file = leaf.files.has('memory.events') ? 'memory.events' : 'memory.oom_control';
  const kv = keyValues(leaf.files.get(file));
  const kills = kv.get('oom_kill');
  evidence.push({ source: `${leaf.dir}/${file}`, value: kills === undefined ? msg('no oom_kill counter (kernel < 4.13)') : `oom_kill ${kills}` }, kernelLog);
  if (kills === undefined) return { id, severity: 'info', evidence, title: msg('this kernel does not count OOM kills per cgroup') };
  if (kills > 0) {
    return { id, severity: 'warning', evidence, title: msg('{0} OOM kill(s) in the process\'s memory cgroup {1}', kills, leaf.dir),
      fix: msg('set GOMEMLIMIT below the limit (see gomemlimit-memory-limit) or raise the limit (systemd: MemoryMax=); see dmesg for the victims') };
  }
  return { id, severity: 'ok', evidence, title: msg('no OOM kills in the process\'s memory cgroup') };
}

/** A limit line of /proc/PID/limits: [soft, hard] ("unlimited" as Infinity). */
export function limitOf(limits: string | undefined, name: string): [number, number] | undefined {
  const line = (limits ?? '').split('\n').find((l) => l.startsWith(name));
  const m = line && /\s(\S+)\s+(\S+)\s+\S*\s*$/.exec(line.slice(name.length));
  if (!m) return undefined;
  const n = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  return [n(m[1]), n(m[2])];
}

/** Below this hard limit a busy server runs out of descriptors (RHEL's login default is 4096). */
const NOFILE_MIN = 16384;

/** `nofile`: Go raises the soft limit to the hard one, so only the hard limit counts. */
export function checkNofile(input: DoctorInput): Draft {
  const id = 'nofile';
  const source = `/proc/${input.pid}/limits`;
  const l = limitOf(input.ev.files.get(source), 'Max open files');
  if (!l) return { id, severity: 'info', evidence: [{ source, value: msg('not readable') }], title: msg('cannot tell the open-files limit') };
  const evidence: DraftEvidence[] = [{ source, value: `Max open files: soft ${l[0]}, hard ${l[1]}` }];
  if (l[1] < NOFILE_MIN) {
    return { id, severity: 'warning', evidence, title: msg('hard open-files limit is {0}: a busy server runs out of sockets (Go raises the soft limit only up to it)', l[1]),
      fix: msg('systemd: LimitNOFILE=65536 in the service unit ([Service]); elsewhere "* hard nofile 65536" in /etc/security/limits.conf') };
  }
  return { id, severity: 'ok', evidence, title: msg('hard open-files limit {0}', l[1]) };
}

/** `memlock`: only Go 1.14 on kernels 5.2–5.4 needs locked memory (signal stacks); otherwise informational. */
export function checkMemlock(input: DoctorInput): Draft {
  const id = 'memlock';
  const source = `/proc/${input.pid}/limits`;
  const l = limitOf(input.ev.files.get(source), 'Max locked memory');
  if (!l) return { id, severity: 'info', evidence: [{ source, value: msg('not readable') }], title: msg('cannot tell the locked-memory limit') };
  const evidence: DraftEvidence[] = [{ source, value: `Max locked memory: soft ${l[0]}, hard ${l[1]}` }, { source: 'uname -r', value: input.ev.kv.get('kernel')?.[0] ?? '?' }];
  const g = goVersionOf(input.binary?.goVersion);
  const k = /^(\d+)\.(\d+)/.exec(input.ev.kv.get('kernel')?.[0] ?? '');
  const affected = g && g[0] === 1 && g[1] === 14 && k && Number(k[1]) === 5 && Number(k[2]) >= 2 && Number(k[2]) <= 4;
  if (affected && l[1] < 2 ** 26) {
    return { id, severity: 'error', evidence, title: msg('Go 1.14 on kernel 5.2–5.4 mlocks signal stacks: "mlock failed" crashes with this memlock limit'),
      fix: msg('build with Go ≥ 1.15, or systemd: LimitMEMLOCK=infinity') };
  }
  return { id, severity: 'ok', evidence, title: l[1] === Infinity ? msg('locked-memory hard limit unlimited (Go does not need more)') : msg('locked-memory hard limit {0} (Go does not need more)', humanBytes(l[1])) };
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
