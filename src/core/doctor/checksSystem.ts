// Checks of the kernel and the binary: glibc needs of cgo builds, THP, clock source, ptrace, debug info, GODEBUG.
import { effectiveGodebug, type DoctorInput } from './facts';
import { list, msg, type Msg } from './msg';
import { preflightDrafts, parsePreflightFacts } from './ptrace';
import type { Draft, DraftEvidence, Severity } from './types';
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
export function checkGlibc(input: DoctorInput): Draft {
  const id = 'glibc-cgo';
  const b = input.binary;
  const hostRaw = input.ev.kv.get('glibc')?.[0] ?? '';
  const host = /(\d+\.\d+(?:\.\d+)?)/.exec(hostRaw)?.[1];
  const evidence: DraftEvidence[] = [{ source: 'getconf GNU_LIBC_VERSION', value: hostRaw || msg('unknown (no glibc?)') }];
  if (!b) return { id, severity: 'info', evidence, title: msg('cannot tell: the executable was not readable') };
  if (!b.interp) return { id, severity: 'ok', evidence: [...evidence, { source: 'ELF PT_INTERP', value: msg('none: statically linked') }], title: msg('static binary: no glibc needed') };
  const needs = b.glibcNeeds.map((n) => n.replace(/^GLIBC_/, '')).filter((v) => /^\d+(\.\d+)*$/.test(v)).sort(compareVersions);
  const newest = needs[needs.length - 1];
  evidence.push({ source: 'ELF PT_INTERP', value: b.interp }, { source: 'ELF .dynstr', value: newest ? msg('needs GLIBC_{0} (newest of {1})', newest, needs.length) : msg('no GLIBC_ versions') });
  if (!host) return { id, severity: 'warning', evidence, title: msg('dynamic binary needs glibc {0} but the host\'s glibc version is unknown', newest ?? '') };
  if (newest && compareVersions(newest, host) > 0) {
    return { id, severity: 'error', evidence, title: msg('the binary needs GLIBC_{0}, the host has glibc {1}: it will not start ("version GLIBC_{0} not found")', newest, host),
      fix: msg('build with CGO_ENABLED=0, or build on the oldest target (glibc {0}, e.g. in an anolis 8 container)', host) };
  }
  return { id, severity: 'ok', evidence, title: newest ? msg('cgo binary needs glibc {0}, host has {1}', newest, host) : msg('cgo binary needs glibc (any), host has {0}', host) };
}

function selected(text: string | undefined): string | undefined {
  return /\[([^\]]+)\]/.exec(text ?? '')?.[1];
}

/** `thp`: transparent huge pages: "defrag=always" stalls page faults; "enabled=always" can grow RSS. */
export function checkThp(input: DoctorInput): Draft {
  const id = 'thp';
  const e = '/sys/kernel/mm/transparent_hugepage/enabled';
  const d = '/sys/kernel/mm/transparent_hugepage/defrag';
  const enabled = selected(input.ev.files.get(e));
  const defrag = selected(input.ev.files.get(d));
  const evidence: DraftEvidence[] = [{ source: e, value: input.ev.files.get(e) ?? msg('missing') }, { source: d, value: input.ev.files.get(d) ?? msg('missing') }];
  if (!enabled) return { id, severity: 'ok', evidence, title: msg('no transparent huge pages on this kernel') };
  if (defrag === 'always') {
    return { id, severity: 'warning', evidence, title: msg('THP defrag=always: page faults may stall in direct compaction (latency spikes)'),
      fix: msg('echo defer+madvise | sudo tee {0} (persist with a tuned profile or transparent_hugepage= on the kernel command line)', d) };
  }
  if (enabled === 'always') {
    return { id, severity: 'info', evidence, title: msg('THP enabled=always: khugepaged may collapse sparse Go heap into huge pages and grow RSS'),
      fix: msg('echo madvise | sudo tee {0} if RSS is well above the Go heap', e) };
  }
  return { id, severity: 'ok', evidence, title: `THP enabled=${enabled}, defrag=${defrag ?? '?'}` };
}

/** `clocksource`: hpet and acpi_pm have no vDSO path, so every time.Now is a system call. */
export function checkClocksource(input: DoctorInput): Draft {
  const id = 'clocksource';
  const c = '/sys/devices/system/clocksource/clocksource0/current_clocksource';
  const a = '/sys/devices/system/clocksource/clocksource0/available_clocksource';
  const cur = input.ev.files.get(c)?.trim();
  const avail = input.ev.files.get(a)?.trim() ?? '';
  const evidence: DraftEvidence[] = [{ source: c, value: cur ?? msg('missing') }, { source: a, value: avail || msg('missing') }];
  if (cur === 'hpet' || cur === 'acpi_pm') {
    const better = avail.split(/\s+/).find((s) => s === 'tsc' || s === 'kvm-clock');
    return { id, severity: 'warning', evidence, title: msg('clock source {0}: time.Now is a system call (slow timers, tracing, scheduling)', cur),
      fix: better ? msg('echo {0} | sudo tee {1} (persist: clocksource={0} on the kernel command line)', better, c) : msg('check why the TSC was marked unstable (dmesg | grep -i clocksource)') };
  }
  return { id, severity: 'ok', evidence, title: cur ? msg('clock source {0}', cur) : msg('clock source unknown') };
}

/** `ptrace`: the debugger preflight's checks, run on the same facts. */
export function checkPtrace(input: DoctorInput): Draft {
  const id = 'ptrace';
  const facts = parsePreflightFacts(input.ev.preflight);
  const pid = input.pid;
  const host = pid === undefined;
  const judged = host ? { ...facts, tracerPid: 0, targetUid: facts.uid } : facts;
  const found = preflightDrafts(judged, pid ?? 0, 'auto');
  const evidence: DraftEvidence[] = [
    { source: '/proc/sys/kernel/yama/ptrace_scope', value: facts.ptraceScope === undefined ? msg('missing (no Yama)') : String(facts.ptraceScope) },
    { source: 'getsebool deny_ptrace', value: facts.denyPtrace === undefined ? msg('unknown (no SELinux tools or disabled)') : facts.denyPtrace ? 'on' : 'off' },
    { source: 'id -u', value: String(facts.uid ?? '?') },
  ];
  if (!host) evidence.push({ source: `/proc/${pid}/status`, value: facts.tracerPid === undefined ? msg('unreadable') : `TracerPid: ${facts.tracerPid}, Uid: ${facts.targetUid}` });
  evidence.push({ source: 'command -v dlv gdb', value: msg('dlv={0} gdb={1}', facts.dlv ?? msg('missing'), facts.gdb ?? msg('missing')) });
  if (!found.length) return { id, severity: 'ok', evidence, title: host ? msg('dlv/gdb may attach to processes of the SSH user') : msg('dlv/gdb can attach to process {0}', pid) };
  let severity: Severity = 'ok';
  for (const f of found) severity = worse(severity, f.severity);
  const fixes = found.map((f) => f.fix).filter((x): x is Msg => !!x);
  return { id, severity, evidence, title: list(found.map((f) => f.message)), ...(fixes.length ? { fix: list(fixes) } : {}) };
}

/** `debug-info`: what stripping and -trimpath cost a debugger and the editor's annotations. */
export function checkDebugInfo(input: DoctorInput): Draft {
  const id = 'debug-info';
  const b = input.binary;
  if (!b) return { id, severity: 'info', evidence: [{ source: `/proc/${input.pid}/exe`, value: msg('unreadable') }], title: msg('cannot tell: the executable was not readable') };
  const evidence: DraftEvidence[] = [
    { source: msg('ELF sections'), value: msg('{0}, {1}', b.hasDwarf ? msg('.debug_info present') : msg('no DWARF'), b.hasSymtab ? msg('.symtab present') : msg('no .symtab')) },
  ];
  if (b.settings['-ldflags']) evidence.push({ source: msg('build info -ldflags'), value: b.settings['-ldflags'] });
  if (b.settings['-trimpath']) evidence.push({ source: msg('build info -trimpath'), value: b.settings['-trimpath'] });
  const rebuild = msg('rebuild without -ldflags="-s -w" and without strip (keep a separate unstripped build for debugging if size matters)');
  if (!b.hasDwarf) {
    return { id, severity: 'warning', evidence, fix: rebuild,
      title: b.hasSymtab ? msg('no DWARF: debuggers show no variables or source lines (profiles still symbolize)') : msg('stripped: no DWARF and no symbol table: no variables, no lines, no breakpoints by name (profiles still symbolize)') };
  }
  if (b.settings['-trimpath'] === 'true') {
    return { id, severity: 'info', evidence, title: msg('built with -trimpath: file paths are module paths, the editor needs a path mapping'),
      fix: msg('set a path mapping from the module path to your checkout (Anole maps go.mod modules automatically)') };
  }
  return { id, severity: 'ok', evidence, title: msg('full debug info') };
}

/** GODEBUG settings that change behaviour in ways people do not expect, with what they cost. */
const SURPRISING: Record<string, (v: string) => Msg | undefined> = {
  containermaxprocs: (v) => (v === '0' ? msg('GOMAXPROCS ignores the CPU quota') : undefined),
  updatemaxprocs: (v) => (v === '0' ? msg('GOMAXPROCS is not updated when the quota changes') : undefined),
  asyncpreemptoff: (v) => (v === '1' ? msg('tight loops cannot be preempted: GC and scheduling latency') : undefined),
  madvdontneed: (v) => (v === '0' ? msg('freed memory returned lazily (MADV_FREE): RSS looks higher than the heap') : undefined),
  gctrace: (v) => (v !== '0' ? msg('a GC trace line on stderr per cycle') : undefined),
  schedtrace: (v) => (v !== '0' ? msg('scheduler traces on stderr') : undefined),
  invalidptr: (v) => (v === '0' ? msg('bad pointers are no longer caught') : undefined),
  cgocheck: (v) => (v === '0' ? msg('cgo pointer rules are not checked') : undefined),
  x509sha1: (v) => (v === '1' ? msg('SHA-1 certificates accepted') : undefined),
  http2client: (v) => (v === '0' ? msg('HTTP/2 off in clients') : undefined),
  http2server: (v) => (v === '0' ? msg('HTTP/2 off in servers') : undefined),
  panicnil: (v) => (v === '1' ? msg('panic(nil) is not a runtime error') : undefined),
};

/** `godebug`: the effective GODEBUG (DefaultGODEBUG from go.mod, then the environment) and its surprises. */
export function checkGodebug(input: DoctorInput): Draft {
  const id = 'godebug';
  const eff = effectiveGodebug(input);
  const evidence: DraftEvidence[] = [
    { source: `/proc/${input.pid}/environ`, value: input.env === null ? msg('unreadable (needs root or the process\'s uid)') : `GODEBUG=${input.env?.get('GODEBUG') ?? ''}` },
    { source: msg('build info DefaultGODEBUG'), value: input.binary?.settings.DefaultGODEBUG ?? msg('(none)') },
  ];
  const notes = [...eff].map(([k, { value, from }]) => ({ k, value, from, why: SURPRISING[k]?.(value) })).filter((n): n is typeof n & { why: Msg } => !!n.why);
  if (notes.length) {
    const fromMod = notes.some((n) => n.from === 'DefaultGODEBUG');
    return { id, severity: 'warning', evidence,
      title: list(notes.map((n) => msg('{0}={1} ({2}): {3}', n.k, n.value, n.from, n.why))),
      fix: fromMod ? msg('raise the \'go\' line of go.mod (DefaultGODEBUG follows it) or add //go:debug lines; unset the GODEBUG entries you did not mean') : msg('remove these entries from GODEBUG in the service environment') };
  }
  if (eff.size) return { id, severity: 'info', evidence, title: msg('{0} GODEBUG setting(s) differ from this Go version\'s defaults', eff.size) };
  return { id, severity: 'ok', evidence, title: msg('no GODEBUG settings') };
}
