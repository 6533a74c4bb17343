// cgroup evidence judged the way the kernel and Go see it: the chain Go reads, per-directory CPU and memory limits, the effective minimum.
import type { CgroupDir, RawEvidence } from './script';

/** v1 "max" values are huge numbers: at or above this, a memory limit means "none". */
const V1_UNLIMITED = 2 ** 62;

/** A limit one directory sets, with the file that says so. */
export interface DirLimit {
  dir: string;
  /** The file and its raw content. */
  source: string;
  raw: string;
  value: number;
}

/** The directories of the hierarchy that holds `controller` for the process, leaf first. */
export function chainFor(ev: RawEvidence, controller: 'cpu' | 'memory' | 'cpuset'): { version: 'v1' | 'v2'; dirs: CgroupDir[] } | null {
  const v1 = ev.cgroups.filter((c) => c.hierarchy !== '0' && c.controllers.split(',').includes(controller));
  if (v1.length) return { version: 'v1', dirs: v1 };
  const v2 = ev.cgroups.filter((c) => c.hierarchy === '0');
  return v2.length ? { version: 'v2', dirs: v2 } : null;
}

/** CPU limit (in CPUs) one directory sets, or null for none. Follows Go's ReadCPULimit. */
export function cpuLimitOf(dir: CgroupDir): DirLimit | null {
  const max = dir.files.get('cpu.max');
  if (max !== undefined) {
    const m = /^(\S+)\s+(\d+)/.exec(max.trim());
    if (!m || m[1] === 'max' || !/^\d+$/.test(m[1])) return null;
    return { dir: dir.dir, source: `${dir.dir}/cpu.max`, raw: max.trim(), value: Number(m[1]) / Number(m[2]) };
  }
  const quota = dir.files.get('cpu.cfs_quota_us');
  const period = dir.files.get('cpu.cfs_period_us');
  if (quota === undefined || period === undefined) return null;
  const q = Number(quota.trim());
  const p = Number(period.trim());
  if (!Number.isFinite(q) || q < 0 || !(p > 0)) return null;
  return { dir: dir.dir, source: `${dir.dir}/cpu.cfs_quota_us`, raw: `${q} (period ${p})`, value: q / p };
}

/** Memory limit (bytes) one directory sets: v2 the lower of memory.max and memory.high, v1 limit_in_bytes. */
export function memLimitsOf(dir: CgroupDir): DirLimit[] {
  const out: DirLimit[] = [];
  for (const name of ['memory.max', 'memory.high', 'memory.limit_in_bytes']) {
    const raw = dir.files.get(name)?.trim();
    if (raw === undefined || !/^\d+$/.test(raw)) continue;
    const value = Number(raw);
    if (value >= V1_UNLIMITED) continue;
    out.push({ dir: dir.dir, source: `${dir.dir}/${name}`, raw, value });
  }
  return out;
}

/** The lowest of several limits, or null. */
export function lowest(limits: readonly DirLimit[]): DirLimit | null {
  return limits.reduce<DirLimit | null>((a, b) => (a === null || b.value < a.value ? b : a), null);
}

/** Counts the CPUs of a list like "0-3,8,10-11". */
export function countCpuList(list: string): number | undefined {
  let n = 0;
  for (const part of list.trim().split(',')) {
    if (!part) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    n += m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
  }
  return n || undefined;
}

/** Values of a "key value" file (cpu.stat, memory.events, memory.oom_control). */
export function keyValues(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** The host's cgroup layout from the process's /proc/PID/cgroup or, failing that, what the script saw. */
export function cgroupLayout(ev: RawEvidence, procCgroup?: string): 'v1' | 'v2' | 'hybrid' | 'none' {
  const text = procCgroup ?? ev.files.get('/proc/self/cgroup') ?? '';
  const lines = text.split('\n').filter((l) => /^\d+:/.test(l));
  const v2 = lines.some((l) => l.startsWith('0::'));
  const v1 = lines.some((l) => !l.startsWith('0::'));
  if (v1 && v2) return 'hybrid';
  if (v1) return 'v1';
  if (v2) return 'v2';
  const hiers = new Set(ev.cgroups.map((c) => (c.hierarchy === '0' ? 'v2' : 'v1')));
  return hiers.size === 2 ? 'hybrid' : hiers.has('v1') ? 'v1' : hiers.has('v2') ? 'v2' : 'none';
}
