// Checks of a process's resources: GOMAXPROCS vs the CPU quota, throttling, GOMEMLIMIT vs the memory limit, OOM kills, rlimits.
import { chainFor, countCpuList, cpuLimitOf, keyValues, lowest, memLimitsOf, type DirLimit } from './cgroup';
import { effectiveGodebug, envEvidence, goAtLeast, goVersionOf, humanBytes, parseGomemlimit, statusField, type DoctorInput } from './facts';
import type { Evidence, Finding } from './types';

const limitEv = (l: DirLimit, what: string): Evidence => ({ source: l.source, value: `${l.raw} → ${what}` });

/** What GOMAXPROCS the process runs with, predicted from Go's own rules for its version. */
export interface GomaxprocsPrediction {
  procs: number;
  how: string;
}

/**
 * Replays runtime/cgroup_linux.go: GOMAXPROCS in the environment wins; automaxprocs takes the
 * floor of the quota (min 1); Go ≥ 1.25 without containermaxprocs=0 takes min(CPUs, max(2,
 * ceil(leaf quota))), reading the leaf cgroup only; older Go uses the CPUs it may run on.
 */
export function predictGomaxprocs(input: DoctorInput, ncpu: number, leaf: DirLimit | null): GomaxprocsPrediction {
  const env = input.env?.get('GOMAXPROCS');
  if (env !== undefined && /^\d+$/.test(env) && Number(env) > 0) return { procs: Number(env), how: 'GOMAXPROCS in the environment' };
  if (input.binary?.deps.includes('go.uber.org/automaxprocs')) {
    return { procs: leaf ? Math.max(1, Math.floor(leaf.value)) : ncpu, how: 'go.uber.org/automaxprocs (floor of the leaf quota, at least 1)' };
  }
  const goVersion = input.binary?.goVersion;
  const cmp = effectiveGodebug(input).get('containermaxprocs');
  if (goAtLeast(goVersion, 25) && cmp?.value !== '0') {
    return { procs: leaf ? Math.min(ncpu, Math.max(2, Math.ceil(leaf.value))) : ncpu, how: `${goVersion} container-aware default (reads only the leaf cgroup, at least 2)` };
  }
  if (goAtLeast(goVersion, 25)) return { procs: ncpu, how: `containermaxprocs=0 (from ${cmp?.from}): the quota is ignored` };
  return { procs: ncpu, how: `${goVersion ?? 'this Go version'} ignores CPU quotas: GOMAXPROCS = CPUs allowed` };
}

/** `gomaxprocs-cpu-quota`. */
export function checkGomaxprocs(input: DoctorInput): Finding {
  const id = 'gomaxprocs-cpu-quota';
  const status = input.ev.files.get(`/proc/${input.pid}/status`);
  const cpus = statusField(status, 'Cpus_allowed_list');
  const ncpu = countCpuList(cpus ?? '') ?? 0;
  const chain = chainFor(input.ev, 'cpu');
  const evidence: Evidence[] = [{ source: `/proc/${input.pid}/status`, value: `Cpus_allowed_list: ${cpus ?? '?'} (${ncpu} CPUs)` }];
  if (!chain || !ncpu) {
    return { id, severity: 'info', title: 'cannot tell: the process\'s cpu cgroup or CPU list was not readable', evidence };
  }
  const limits = chain.dirs.map(cpuLimitOf).filter((l): l is DirLimit => l !== null);
  for (const l of limits) evidence.push(limitEv(l, `${round(l.value)} CPUs`));
  if (!limits.length) evidence.push({ source: `${chain.dirs[0].dir}`, value: `no CPU quota here or in ${chain.dirs.length - 1} ancestors (cgroup ${chain.version})` });
  const leaf = cpuLimitOf(chain.dirs[0]);
  const eff = lowest(limits);
  evidence.push(envEvidence(input, 'GOMAXPROCS'));
  const predicted = predictGomaxprocs(input, ncpu, leaf);
  evidence.push({ source: 'prediction (not read from the process)', value: `GOMAXPROCS=${predicted.procs}: ${predicted.how}` });
  const live = input.gomaxprocs;
  if (live) evidence.push({ source: live.source, value: live.value !== undefined ? `GOMAXPROCS=${live.value} (${live.note})` : live.note });
  const pred = live?.value !== undefined && live.value > 0 ? { procs: live.value, how: 'read from the process' } : predicted;
  const dg = input.binary?.settings.DefaultGODEBUG;
  if (dg) evidence.push({ source: 'build info DefaultGODEBUG', value: dg });
  if (!eff) return { id, severity: 'ok', title: `no CPU quota; GOMAXPROCS=${pred.procs} for ${ncpu} CPUs`, evidence };
  const quota = eff.value;
  const fitting = Math.max(2, Math.ceil(quota));
  const onAncestor = eff.dir !== chain.dirs[0].dir;
  const where = onAncestor ? ` (set on ancestor ${eff.dir}; Go reads only the leaf cgroup)` : '';
  if (pred.procs > fitting) {
    return {
      id, severity: 'warning', evidence,
      title: `GOMAXPROCS=${pred.procs} but the CPU quota is ${round(quota)} CPUs${where}: the CFS quota throttles the process (tail latency)`,
      fix: `set GOMAXPROCS=${fitting} in the service's environment (systemd: Environment=GOMAXPROCS=${fitting}), or build with Go ≥ 1.25 and go.mod 'go 1.25' with the quota on the service's own cgroup`,
    };
  }
  if (pred.procs > Math.ceil(quota)) {
    return { id, severity: 'info', evidence, title: `GOMAXPROCS=${pred.procs} for a quota of ${round(quota)} CPUs${where}: Go's own floor of 2, some throttling is expected` };
  }
  if (pred.procs < Math.floor(quota) && pred.procs < ncpu) {
    return { id, severity: 'info', evidence, title: `GOMAXPROCS=${pred.procs} uses less than the CPU quota of ${round(quota)} CPUs${where}`,
      fix: `raise GOMAXPROCS to ${Math.min(ncpu, Math.floor(quota))}` };
  }
  return { id, severity: 'ok', evidence, title: `GOMAXPROCS=${pred.procs} fits the CPU quota of ${round(quota)} CPUs${where}` };
}

/** `cpu-throttling`: the counters of every cgroup of the chain, before and after the window. */
export function checkThrottling(input: DoctorInput): Finding {
  const id = 'cpu-throttling';
  const chain = chainFor(input.ev, 'cpu');
  const evidence: Evidence[] = [];
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
      evidence.push({ source: path, value: `${throttled} of ${periods} periods throttled (${Math.round(usec / 1000)} ms) in ${input.windowSec} s` });
      const ratio = throttled / periods;
      if (!worst || ratio > worst.ratio) worst = { dir: d.dir, ratio, throttled, periods };
    }
  }
  const pressure = chain?.dirs[0].files.get('cpu.pressure');
  if (pressure) evidence.push({ source: `${chain!.dirs[0].dir}/cpu.pressure`, value: pressure.split('\n')[0] });
  if (input.windowSec <= 0 || !chain) {
    return { id, severity: 'info', evidence, title: 'throttling not measured (no cpu cgroup or no window)' };
  }
  if (worst && worst.throttled > 0) {
    return {
      id, severity: 'warning', evidence,
      title: `throttled in ${Math.round(worst.ratio * 100)}% of CFS periods over ${input.windowSec} s (${worst.dir})`,
      fix: 'lower GOMAXPROCS to the quota (see gomaxprocs-cpu-quota) or raise the quota (systemd: CPUQuota=)',
    };
  }
  if (!evidence.length) return { id, severity: 'ok', evidence, title: 'no CPU quota: nothing to throttle' };
  return { id, severity: 'ok', evidence, title: `not throttled during the ${input.windowSec} s window${everThrottled ? ' (throttled before: see nr_throttled)' : ''}` };
}

/** `gomemlimit-memory-limit`. */
export function checkGomemlimit(input: DoctorInput): Finding {
  const id = 'gomemlimit-memory-limit';
  const chain = chainFor(input.ev, 'memory');
  const limits = (chain?.dirs ?? []).flatMap(memLimitsOf);
  const evidence: Evidence[] = limits.map((l) => limitEv(l, humanBytes(l.value)));
  evidence.push(envEvidence(input, 'GOMEMLIMIT'));
  const eff = lowest(limits);
  if (input.binary?.deps.includes('github.com/KimMachineGun/automemlimit')) {
    evidence.push({ source: 'build info', value: 'github.com/KimMachineGun/automemlimit (sets GOMEMLIMIT from memory.max at start, ignores memory.high)' });
  }
  if (!chain) return { id, severity: 'info', evidence, title: 'cannot tell: the process\'s memory cgroup was not readable' };
  if (!eff) return { id, severity: 'ok', evidence, title: 'no memory limit on the process\'s cgroup or its ancestors' };
  const suggested = Math.floor((eff.value * 0.9) / 2 ** 20);
  const fix = `set GOMEMLIMIT=${suggested}MiB (90% of the ${humanBytes(eff.value)} limit; systemd: Environment=GOMEMLIMIT=${suggested}MiB)`;
  if (input.env === null) return { id, severity: 'info', evidence, title: `memory limit ${humanBytes(eff.value)} (${eff.source}); GOMEMLIMIT unknown: environ not readable` };
  const gml = parseGomemlimit(input.env?.get('GOMEMLIMIT'));
  if (gml === undefined || gml === 'off') {
    if (input.binary?.deps.includes('github.com/KimMachineGun/automemlimit')) {
      return { id, severity: 'info', evidence, title: `memory limit ${humanBytes(eff.value)}; automemlimit sets GOMEMLIMIT at start (check memory.high yourself)` };
    }
    return { id, severity: 'warning', evidence, fix, title: `memory limit ${humanBytes(eff.value)} (${eff.source}) without GOMEMLIMIT: the GC does not see the limit, the OOM killer does` };
  }
  if (gml > eff.value) {
    return { id, severity: 'warning', evidence, fix, title: `GOMEMLIMIT ${humanBytes(gml)} is above the memory limit ${humanBytes(eff.value)} (${eff.source})` };
  }
  return { id, severity: 'ok', evidence, title: `GOMEMLIMIT ${humanBytes(gml)} is within the memory limit ${humanBytes(eff.value)}` };
}

/** `oom-kills`: the leaf memory cgroup's OOM kill counter (hierarchical in v2's memory.events). */
export function checkOomKills(input: DoctorInput): Finding {
  const id = 'oom-kills';
  const chain = chainFor(input.ev, 'memory');
  const leaf = chain?.dirs[0];
  const evidence: Evidence[] = [];
  const restrict = input.ev.files.get('/proc/sys/kernel/dmesg_restrict')?.trim();
  const uid = input.ev.kv.get('uid')?.[0];
  const kernelLog: Evidence = { source: 'kernel log', value: restrict === '1' && uid !== '0' ? 'not read (needs root: dmesg_restrict=1)' : 'not read' };
  if (!leaf) return { id, severity: 'info', evidence: [kernelLog], title: 'cannot tell: the process\'s memory cgroup was not readable' };
  const file = leaf.files.has('memory.events') ? 'memory.events' : 'memory.oom_control';
  const kv = keyValues(leaf.files.get(file));
  const kills = kv.get('oom_kill');
  evidence.push({ source: `${leaf.dir}/${file}`, value: kills === undefined ? 'no oom_kill counter (kernel < 4.13)' : `oom_kill ${kills}` }, kernelLog);
  if (kills === undefined) return { id, severity: 'info', evidence, title: 'this kernel does not count OOM kills per cgroup' };
  if (kills > 0) {
    return { id, severity: 'warning', evidence, title: `${kills} OOM kill(s) in the process's memory cgroup ${leaf.dir}`,
      fix: 'set GOMEMLIMIT below the limit (see gomemlimit-memory-limit) or raise the limit (systemd: MemoryMax=); see dmesg for the victims' };
  }
  return { id, severity: 'ok', evidence, title: 'no OOM kills in the process\'s memory cgroup' };
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
export function checkNofile(input: DoctorInput): Finding {
  const id = 'nofile';
  const source = `/proc/${input.pid}/limits`;
  const l = limitOf(input.ev.files.get(source), 'Max open files');
  if (!l) return { id, severity: 'info', evidence: [{ source, value: 'not readable' }], title: 'cannot tell the open-files limit' };
  const evidence = [{ source, value: `Max open files: soft ${l[0]}, hard ${l[1]}` }];
  if (l[1] < NOFILE_MIN) {
    return { id, severity: 'warning', evidence, title: `hard open-files limit is ${l[1]}: a busy server runs out of sockets (Go raises the soft limit only up to it)`,
      fix: 'systemd: LimitNOFILE=65536 in the service unit ([Service]); elsewhere "* hard nofile 65536" in /etc/security/limits.conf' };
  }
  return { id, severity: 'ok', evidence, title: `hard open-files limit ${l[1]}` };
}

/** `memlock`: only Go 1.14 on kernels 5.2–5.4 needs locked memory (signal stacks); otherwise informational. */
export function checkMemlock(input: DoctorInput): Finding {
  const id = 'memlock';
  const source = `/proc/${input.pid}/limits`;
  const l = limitOf(input.ev.files.get(source), 'Max locked memory');
  if (!l) return { id, severity: 'info', evidence: [{ source, value: 'not readable' }], title: 'cannot tell the locked-memory limit' };
  const evidence = [{ source, value: `Max locked memory: soft ${l[0]}, hard ${l[1]}` }, { source: 'uname -r', value: input.ev.kv.get('kernel')?.[0] ?? '?' }];
  const g = goVersionOf(input.binary?.goVersion);
  const k = /^(\d+)\.(\d+)/.exec(input.ev.kv.get('kernel')?.[0] ?? '');
  const affected = g && g[0] === 1 && g[1] === 14 && k && Number(k[1]) === 5 && Number(k[2]) >= 2 && Number(k[2]) <= 4;
  if (affected && l[1] < 2 ** 26) {
    return { id, severity: 'error', evidence, title: 'Go 1.14 on kernel 5.2–5.4 mlocks signal stacks: "mlock failed" crashes with this memlock limit',
      fix: 'build with Go ≥ 1.15, or systemd: LimitMEMLOCK=infinity' };
  }
  return { id, severity: 'ok', evidence, title: `locked-memory hard limit ${l[1] === Infinity ? 'unlimited' : humanBytes(l[1])} (Go does not need more)` };
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
