// Runs the doctor on a host (one remote script, then ranged reads of the executable) and judges the evidence.
import { listGoProcesses } from '../discovery/processes';
import { mapLimit } from '../discovery/limit';
import { AnoleError, errorMessage } from '../errors';
import type { RemoteHost } from '../remote/host';
import { shellScript } from '../shell';
import { elfType, findSymbol, readBinaryFacts } from './binary';
import { cgroupLayout } from './cgroup';
import { checkGomaxprocs, checkGomemlimit, checkMemlock, checkNofile, checkOomKills, checkThrottling } from './checksResources';
import { checkCaRoots, checkDns, checkTzdata } from './checksNet';
import { checkClocksource, checkDebugInfo, checkGlibc, checkGodebug, checkPtrace, checkThp } from './checksSystem';
import { parseEnviron, type DoctorInput } from './facts';
import { msg, type Translate } from './msg';
import { DOCTOR_SCRIPT, kv1, parseDoctorOutput, type RawEvidence } from './script';
import { CHECK_IDS, PROCESS_CHECKS, renderFinding, worst, type CheckId, type DoctorReport, type Draft, type Finding, type HostSummary, type Severity } from './types';

const CHECKS: Record<CheckId, (input: DoctorInput) => Draft> = {
  'gomaxprocs-cpu-quota': checkGomaxprocs,
  'cpu-throttling': checkThrottling,
  'gomemlimit-memory-limit': checkGomemlimit,
  'oom-kills': checkOomKills,
  'dns-resolver': checkDns,
  'ca-roots': checkCaRoots,
  'glibc-cgo': checkGlibc,
  tzdata: checkTzdata,
  nofile: checkNofile,
  memlock: checkMemlock,
  thp: checkThp,
  clocksource: checkClocksource,
  ptrace: checkPtrace,
  'debug-info': checkDebugInfo,
  godebug: checkGodebug,
};

/**
 * Every check that applies (all of them for a process, the host-level ones without), in the order
 * of {@link CHECK_IDS}, its texts rendered by `t` (English by default).
 */
export function judge(input: DoctorInput, t?: Translate): Finding[] {
  return CHECK_IDS.filter((id) => input.pid !== undefined || !PROCESS_CHECKS.has(id)).map((id) => renderFinding(CHECKS[id](input), t));
}

/** The host line of the report. */
export function hostSummary(ev: RawEvidence, pid?: number): HostSummary {
  const osr = ev.files.get('/etc/os-release') ?? '';
  const name = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osr)?.[1] ?? 'unknown';
  return { os: name, kernel: kv1(ev, 'kernel') ?? 'unknown', cgroup: cgroupLayout(ev, pid !== undefined ? ev.files.get(`/proc/${pid}/cgroup`) : undefined) };
}

export interface DoctorOptions {
  pid?: number;
  /** Seconds to measure CPU throttling over (default 2; 0 skips it). */
  windowSec?: number;
  /** Read GOMAXPROCS from the live process (symbol table + /proc/PID/mem, ~0.5 MiB for a typical binary; default true). */
  readLive?: boolean;
  signal?: AbortSignal;
  /** Renders the findings' texts (English by default; the extension passes vscode.l10n). */
  translate?: Translate;
}

/** One Go process of the host-wide table, with its worst finding. */
export interface ProcessRow {
  pid: number;
  exe: string;
  goVersion: string;
  worst: Severity;
  /** The worst finding's id and title, when not ok. */
  finding?: { id: CheckId; title: string };
}

/** The report, plus (without a pid) the Go processes with their worst finding. */
export type FullReport = DoctorReport & { processes?: ProcessRow[] };

/** Gathers the evidence on `host` and judges it. Throws NOT_FOUND for a pid that does not exist. */
export async function runDoctor(host: RemoteHost, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const pid = opts.pid;
  const windowSec = pid === undefined ? 0 : Math.max(0, Math.trunc(opts.windowSec ?? 2));
  const res = await host.exec(shellScript(DOCTOR_SCRIPT, [pid === undefined ? '' : String(Math.trunc(pid)), String(windowSec)]), {
    timeoutMs: windowSec * 1000 + 30_000, signal: opts.signal,
  });
  let ev: RawEvidence;
  try {
    ev = parseDoctorOutput(res.stdout.toString('utf8'));
  } catch (e) {
    const err = res.stderr.toString('utf8').trim().split('\n').slice(-3).join(' | ');
    throw new AnoleError('REMOTE_COMMAND', `checking ${host.label} failed: ${errorMessage(e)}${err ? ` (stderr: ${err})` : ''}`,
      'the host needs a POSIX sh with cat, od, tr, sed and grep');
  }
  if (pid !== undefined && kv1(ev, 'gone')) {
    throw new AnoleError('NOT_FOUND', `process ${pid} does not exist on ${host.label}`, `list the Go processes with: anole ps ${host.label}`);
  }
  const input: DoctorInput = { ev, windowSec, ...(pid !== undefined ? { pid } : {}) };
  if (pid !== undefined) {
    const environ = ev.binary.get(`/proc/${pid}/environ`);
    input.env = environ ? parseEnviron(environ) : null;
    input.binary = await readBinaryFacts((o, l) => host.readRange(`/proc/${pid}/exe`, o, l), `/proc/${pid}/exe on ${host.label}`).catch(() => null);
    if (opts.readLive !== false && input.binary?.hasSymtab && input.binary.goVersion) input.gomaxprocs = await readLiveGomaxprocs(host, pid, opts.signal);
  }
  return {
    host: hostSummary(ev, pid),
    process: pid === undefined ? null : { pid, exe: kv1(ev, 'exe') ?? '', goVersion: input.binary?.goVersion ?? null },
    findings: judge(input, opts.translate),
  };
}

/** Host-level checks plus every visible Go process with its worst finding (no throttling window). */
export async function runHostDoctor(host: RemoteHost, opts: { signal?: AbortSignal; concurrency?: number; translate?: Translate } = {}): Promise<FullReport> {
  const [report, procs] = await Promise.all([runDoctor(host, { signal: opts.signal, translate: opts.translate }), listGoProcesses(host, { probePprof: false, signal: opts.signal })]);
  const rows: ProcessRow[] = [];
  await mapLimit(procs, opts.concurrency ?? 4, async (p) => {
    try {
      const r = await runDoctor(host, { pid: p.pid, windowSec: 0, readLive: false, signal: opts.signal, translate: opts.translate });
      const w = worst(r.findings);
      const f = r.findings.find((x) => x.severity === w);
      rows.push({ pid: p.pid, exe: p.exe, goVersion: p.goVersion, worst: w, ...(w !== 'ok' && f ? { finding: { id: f.id, title: f.title } } : {}) });
    } catch {
      // the process exited meanwhile
    }
  });
  rows.sort((a, b) => a.pid - b.pid);
  return { ...report, processes: rows };
}

/**
 * Reads runtime.gomaxprocs (an int32) from the live process: its address from the binary's symbol
 * table, the value from /proc/PID/mem (needs root or the process's uid). Fixed-address binaries only.
 */
export async function readLiveGomaxprocs(host: RemoteHost, pid: number, signal?: AbortSignal): Promise<DoctorInput['gomaxprocs']> {
  const read = (o: number, l: number) => host.readRange(`/proc/${pid}/exe`, o, l);
  const source = `/proc/${pid}/mem`;
  try {
    if ((await elfType(read)) !== 2) return { source, note: msg('not read: position-independent binary') };
    const sym = await findSymbol(read, `/proc/${pid}/exe on ${host.label}`, 'runtime.gomaxprocs');
    if (!sym) return { source, note: msg('not read: no runtime.gomaxprocs symbol') };
    const r = await host.exec(['dd', `if=/proc/${pid}/mem`, 'iflag=skip_bytes,count_bytes', `skip=${sym.addr}`, 'count=4', 'bs=4', 'status=none'], { timeoutMs: 10_000, signal });
    if (r.code !== 0 || r.stdout.length < 4) return { source, note: msg('not read (needs root or the process\'s uid)') };
    return { source: msg('{0} at runtime.gomaxprocs {1}', source, `0x${sym.addr.toString(16)}`), value: r.stdout.readInt32LE(0), note: msg('read from the running process') };
  } catch {
    return { source, note: msg('not read: the executable could not be read') };
  }
}
