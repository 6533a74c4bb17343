// The doctor's vocabulary: check ids, findings with evidence and a fix, and the report shape the CLI prints as JSON.
import { render, type Text, type Translate } from './msg';

/** Every check the doctor runs; each is always reported, so a missing one is visible. */
export const CHECK_IDS = [
  'gomaxprocs-cpu-quota',
  'cpu-throttling',
  'gomemlimit-memory-limit',
  'oom-kills',
  'dns-resolver',
  'ca-roots',
  'glibc-cgo',
  'tzdata',
  'nofile',
  'memlock',
  'thp',
  'clocksource',
  'ptrace',
  'debug-info',
  'godebug',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/** Checks that look at a process; without a pid only the others run. */
export const PROCESS_CHECKS: ReadonlySet<CheckId> = new Set<CheckId>([
  'gomaxprocs-cpu-quota', 'cpu-throttling', 'gomemlimit-memory-limit', 'oom-kills', 'glibc-cgo', 'nofile', 'memlock', 'debug-info', 'godebug',
]);

export type Severity = 'ok' | 'info' | 'warning' | 'error';

/** Severities from best to worst. */
export const SEVERITY_ORDER: readonly Severity[] = ['ok', 'info', 'warning', 'error'];

/** A file (or command) the doctor read, and the value it found there. */
export interface Evidence {
  source: string;
  value: string;
}

/** One verdict of one check. */
export interface Finding {
  id: CheckId;
  severity: Severity;
  title: string;
  evidence: Evidence[];
  /** What to change, concretely; absent when nothing needs changing. */
  fix?: string;
}

/** Evidence as a check builds it: a path or value as is, or a translatable note. */
export interface DraftEvidence {
  source: Text;
  value: Text;
}

/** A finding as a check builds it, its texts not yet rendered (see {@link renderFinding}). */
export interface Draft {
  id: CheckId;
  severity: Severity;
  title: Text;
  evidence: DraftEvidence[];
  fix?: Text;
}

/** A draft with its texts rendered by `t` (English by default). */
export function renderFinding(d: Draft, t?: Translate): Finding {
  const f: Finding = { id: d.id, severity: d.severity, title: render(d.title, t), evidence: d.evidence.map((e) => ({ source: render(e.source, t), value: render(e.value, t) })) };
  if (d.fix !== undefined) f.fix = render(d.fix, t);
  return f;
}

/** What the doctor learned about the host itself. */
export interface HostSummary {
  os: string;
  kernel: string;
  cgroup: 'v1' | 'v2' | 'hybrid' | 'none';
}

/** The process the report is about. */
export interface ProcessSummary {
  pid: number;
  exe: string;
  goVersion: string | null;
}

/** The whole report (`anole doctor --json` prints exactly this). */
export interface DoctorReport {
  host: HostSummary;
  process: ProcessSummary | null;
  findings: Finding[];
}

/** The worse of two severities. */
export function worse(a: Severity, b: Severity): Severity {
  return SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b) ? a : b;
}

/** The worst severity among findings ('ok' for none). */
export function worst(findings: readonly Finding[]): Severity {
  return findings.reduce<Severity>((s, f) => worse(s, f.severity), 'ok');
}
