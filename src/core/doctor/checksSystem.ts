// Checks of the kernel and the binary: glibc needs of cgo builds, THP, clock source, ptrace, debug info, GODEBUG.
import { effectiveGodebug, type DoctorInput } from './facts';
import { assessPreflight, parsePreflightFacts } from './ptrace';
import type { Evidence, Finding, Severity } from './types';
import { worse } from './types';

/** Compares "2.28" with "2.34" numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** `glibc-cgo`: the newest GLIBC_x.y the binary needs against the host's glibc. */
export function checkGlibc(input: DoctorInput): Finding {
  const id = 'glibc-cgo';
  const b = input.binary;
  const hostRaw = input.ev.kv.get('glibc')?.[0] ?? '';
  const host = /(\d+\.\d+(?:\.\d+)?)/.exec(hostRaw)?.[1];
  const evidence: Evidence[] = [{ source: 'getconf GNU_LIBC_VERSION', value: hostRaw || 'unknown (no glibc?)' }];
  if (!b) return { id, severity: 'info', evidence, title: 'cannot tell: the executable was not readable' };
  if (!b.interp) return { id, severity: 'ok', evidence: [...evidence, { source: 'ELF PT_INTERP', value: 'none: statically linked' }], title: 'static binary: no glibc needed' };
  const needs = b.glibcNeeds.map((n) => n.replace(/^GLIBC_/, '')).filter((v) => /^\d+(\.\d+)*$/.test(v)).sort(compareVersions);
  const newest = needs[needs.length - 1];
  evidence.push({ source: 'ELF PT_INTERP', value: b.interp }, { source: 'ELF .dynstr', value: newest ? `needs GLIBC_${newest} (newest of ${needs.length})` : 'no GLIBC_ versions' });
  if (!host) return { id, severity: 'warning', evidence, title: `dynamic binary needs glibc ${newest ?? ''} but the host's glibc version is unknown` };
  if (newest && compareVersions(newest, host) > 0) {
    return { id, severity: 'error', evidence, title: `the binary needs GLIBC_${newest}, the host has glibc ${host}: it will not start ("version GLIBC_${newest} not found")`,
      fix: `build with CGO_ENABLED=0, or build on the oldest target (glibc ${host}, e.g. in an anolis 8 container)` };
  }
  return { id, severity: 'ok', evidence, title: `cgo binary needs glibc ${newest ?? '(any)'}, host has ${host}` };
}

function selected(text: string | undefined): string | undefined {
  return /\[([^\]]+)\]/.exec(text ?? '')?.[1];
}

/** `thp`: transparent huge pages: "defrag=always" stalls page faults; "enabled=always" can grow RSS. */
export function checkThp(input: DoctorInput): Finding {
  const id = 'thp';
  const e = '/sys/kernel/mm/transparent_hugepage/enabled';
  const d = '/sys/kernel/mm/transparent_hugepage/defrag';
  const enabled = selected(input.ev.files.get(e));
  const defrag = selected(input.ev.files.get(d));
  const evidence: Evidence[] = [{ source: e, value: input.ev.files.get(e) ?? 'missing' }, { source: d, value: input.ev.files.get(d) ?? 'missing' }];
  if (!enabled) return { id, severity: 'ok', evidence, title: 'no transparent huge pages on this kernel' };
  if (defrag === 'always') {
    return { id, severity: 'warning', evidence, title: 'THP defrag=always: page faults may stall in direct compaction (latency spikes)',
      fix: `echo defer+madvise | sudo tee ${d} (persist with a tuned profile or transparent_hugepage= on the kernel command line)` };
  }
  if (enabled === 'always') {
    return { id, severity: 'info', evidence, title: 'THP enabled=always: khugepaged may collapse sparse Go heap into huge pages and grow RSS',
      fix: `echo madvise | sudo tee ${e} if RSS is well above the Go heap` };
  }
  return { id, severity: 'ok', evidence, title: `THP enabled=${enabled}, defrag=${defrag ?? '?'}` };
}

/** `clocksource`: hpet and acpi_pm have no vDSO path, so every time.Now is a system call. */
export function checkClocksource(input: DoctorInput): Finding {
  const id = 'clocksource';
  const c = '/sys/devices/system/clocksource/clocksource0/current_clocksource';
  const a = '/sys/devices/system/clocksource/clocksource0/available_clocksource';
  const cur = input.ev.files.get(c)?.trim();
  const avail = input.ev.files.get(a)?.trim() ?? '';
  const evidence: Evidence[] = [{ source: c, value: cur ?? 'missing' }, { source: a, value: avail || 'missing' }];
  if (cur === 'hpet' || cur === 'acpi_pm') {
    const better = avail.split(/\s+/).find((s) => s === 'tsc' || s === 'kvm-clock');
    return { id, severity: 'warning', evidence, title: `clock source ${cur}: time.Now is a system call (slow timers, tracing, scheduling)`,
      fix: better ? `echo ${better} | sudo tee ${c} (persist: clocksource=${better} on the kernel command line)` : 'check why the TSC was marked unstable (dmesg | grep -i clocksource)' };
  }
  return { id, severity: 'ok', evidence, title: `clock source ${cur ?? 'unknown'}` };
}

/** `ptrace`: the debugger preflight's checks, run on the same facts. */
export function checkPtrace(input: DoctorInput): Finding {
  const id = 'ptrace';
  const facts = parsePreflightFacts(input.ev.preflight);
  const pid = input.pid;
  const host = pid === undefined;
  const judged = host ? { ...facts, tracerPid: 0, targetUid: facts.uid } : facts;
  const found = assessPreflight(judged, pid ?? 0, 'auto');
  const evidence: Evidence[] = [
    { source: '/proc/sys/kernel/yama/ptrace_scope', value: facts.ptraceScope === undefined ? 'missing (no Yama)' : String(facts.ptraceScope) },
    { source: 'getsebool deny_ptrace', value: facts.denyPtrace === undefined ? 'unknown (no SELinux tools or disabled)' : facts.denyPtrace ? 'on' : 'off' },
    { source: 'id -u', value: String(facts.uid ?? '?') },
  ];
  if (!host) evidence.push({ source: `/proc/${pid}/status`, value: facts.tracerPid === undefined ? 'unreadable' : `TracerPid: ${facts.tracerPid}, Uid: ${facts.targetUid}` });
  evidence.push({ source: 'command -v dlv gdb', value: `dlv=${facts.dlv ?? 'missing'} gdb=${facts.gdb ?? 'missing'}` });
  if (!found.length) return { id, severity: 'ok', evidence, title: host ? 'dlv/gdb may attach to processes of the SSH user' : `dlv/gdb can attach to process ${pid}` };
  let severity: Severity = 'ok';
  for (const f of found) severity = worse(severity, f.severity);
  const fixes = found.map((f) => f.fix).filter(Boolean);
  return { id, severity, evidence, title: found.map((f) => f.message).join('; '), ...(fixes.length ? { fix: fixes.join('; ') } : {}) };
}

/** `debug-info`: what stripping and -trimpath cost a debugger and the editor's annotations. */
export function checkDebugInfo(input: DoctorInput): Finding {
  const id = 'debug-info';
  const b = input.binary;
  if (!b) return { id, severity: 'info', evidence: [{ source: `/proc/${input.pid}/exe`, value: 'unreadable' }], title: 'cannot tell: the executable was not readable' };
  const evidence: Evidence[] = [
    { source: 'ELF sections', value: `${b.hasDwarf ? '.debug_info present' : 'no DWARF'}, ${b.hasSymtab ? '.symtab present' : 'no .symtab'}` },
  ];
  if (b.settings['-ldflags']) evidence.push({ source: 'build info -ldflags', value: b.settings['-ldflags'] });
  if (b.settings['-trimpath']) evidence.push({ source: 'build info -trimpath', value: b.settings['-trimpath'] });
  const rebuild = 'rebuild without -ldflags="-s -w" and without strip (keep a separate unstripped build for debugging if size matters)';
  if (!b.hasDwarf) {
    return { id, severity: 'warning', evidence, fix: rebuild,
      title: b.hasSymtab ? 'no DWARF: debuggers show no variables or source lines (profiles still symbolize)' : 'stripped: no DWARF and no symbol table: no variables, no lines, no breakpoints by name (profiles still symbolize)' };
  }
  if (b.settings['-trimpath'] === 'true') {
    return { id, severity: 'info', evidence, title: 'built with -trimpath: file paths are module paths, the editor needs a path mapping',
      fix: 'set a path mapping from the module path to your checkout (Anole maps go.mod modules automatically)' };
  }
  return { id, severity: 'ok', evidence, title: 'full debug info' };
}

/** GODEBUG settings that change behaviour in ways people do not expect, with what they cost. */
const SURPRISING: Record<string, (v: string) => string | undefined> = {
  containermaxprocs: (v) => (v === '0' ? 'GOMAXPROCS ignores the CPU quota' : undefined),
  updatemaxprocs: (v) => (v === '0' ? 'GOMAXPROCS is not updated when the quota changes' : undefined),
  asyncpreemptoff: (v) => (v === '1' ? 'tight loops cannot be preempted: GC and scheduling latency' : undefined),
  madvdontneed: (v) => (v === '0' ? 'freed memory returned lazily (MADV_FREE): RSS looks higher than the heap' : undefined),
  gctrace: (v) => (v !== '0' ? 'a GC trace line on stderr per cycle' : undefined),
  schedtrace: (v) => (v !== '0' ? 'scheduler traces on stderr' : undefined),
  invalidptr: (v) => (v === '0' ? 'bad pointers are no longer caught' : undefined),
  cgocheck: (v) => (v === '0' ? 'cgo pointer rules are not checked' : undefined),
  x509sha1: (v) => (v === '1' ? 'SHA-1 certificates accepted' : undefined),
  http2client: (v) => (v === '0' ? 'HTTP/2 off in clients' : undefined),
  http2server: (v) => (v === '0' ? 'HTTP/2 off in servers' : undefined),
  panicnil: (v) => (v === '1' ? 'panic(nil) is not a runtime error' : undefined),
};

/** `godebug`: the effective GODEBUG (DefaultGODEBUG from go.mod, then the environment) and its surprises. */
export function checkGodebug(input: DoctorInput): Finding {
  const id = 'godebug';
  const eff = effectiveGodebug(input);
  const evidence: Evidence[] = [
    { source: `/proc/${input.pid}/environ`, value: input.env === null ? 'unreadable (needs root or the process\'s uid)' : `GODEBUG=${input.env?.get('GODEBUG') ?? ''}` },
    { source: 'build info DefaultGODEBUG', value: input.binary?.settings.DefaultGODEBUG ?? '(none)' },
  ];
  const notes = [...eff].map(([k, { value, from }]) => ({ k, value, from, why: SURPRISING[k]?.(value) })).filter((n) => n.why);
  if (notes.length) {
    const fromMod = notes.some((n) => n.from === 'DefaultGODEBUG');
    return { id, severity: 'warning', evidence,
      title: notes.map((n) => `${n.k}=${n.value} (${n.from}): ${n.why}`).join('; '),
      fix: fromMod ? "raise the 'go' line of go.mod (DefaultGODEBUG follows it) or add //go:debug lines; unset the GODEBUG entries you did not mean" : 'remove these entries from GODEBUG in the service environment' };
  }
  if (eff.size) return { id, severity: 'info', evidence, title: `${eff.size} GODEBUG setting(s) differ from this Go version's defaults` };
  return { id, severity: 'ok', evidence, title: 'no GODEBUG settings' };
}
