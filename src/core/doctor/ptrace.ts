// The ptrace checks (Yama, SELinux deny_ptrace, tracers, uids, debuggers, DWARF): shared by the doctor and the debugger preflight.
import { msg, render, type Msg, type Translate } from './msg';

/** One thing preflight found; `error` blocks the attach. */
export interface PreflightFinding {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** What to run or change on the host, when we know. */
  fix?: string;
}

/** A preflight finding before rendering: its texts translatable. */
export interface PreflightDraft {
  severity: PreflightFinding['severity'];
  message: Msg;
  fix?: Msg;
}

/** Raw facts gathered on the host by {@link PREFLIGHT_SCRIPT}. */
export interface PreflightFacts {
  /** /proc/sys/kernel/yama/ptrace_scope; undefined without Yama. */
  ptraceScope?: number;
  /** SELinux boolean deny_ptrace; undefined when getsebool is missing or the boolean unknown. */
  denyPtrace?: boolean;
  /** TracerPid of the target; undefined when /proc/PID/status is unreadable (process gone?). */
  tracerPid?: number;
  /** Name of the tracer process, when traced. */
  tracerName?: string;
  /** Effective uid of the session and real uid of the target. */
  uid?: number;
  targetUid?: number;
  /** Absolute paths of the debuggers, when found. */
  dlv?: string;
  gdb?: string;
}

/** Which debugger the attach will use. */
export type BackendChoice = 'dlv' | 'gdb' | 'auto';

/**
 * Shell lines printing `dlv=` and `gdb=` (absolute paths, empty when missing). dlv is also looked
 * for where `go install` puts it, since a login shell's PATH rarely holds ~/go/bin.
 */
export const FIND_DEBUGGERS_SH = `d=$(command -v dlv 2>/dev/null)
if [ -z "$d" ]; then for p in "$HOME/go/bin/dlv" /usr/local/bin/dlv /usr/bin/dlv; do if [ -x "$p" ]; then d="$p"; break; fi; done; fi
printf 'dlv=%s\\n' "$d"
printf 'gdb=%s\\n' "$(command -v gdb 2>/dev/null)"
`;

/** Gathers the facts in one round trip; $1 is the PID. Prints key=value lines. */
export const PREFLIGHT_SCRIPT = `pid="$1"
printf 'ptrace_scope=%s\\n' "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null)"
if command -v getsebool >/dev/null 2>&1; then printf 'deny_ptrace=%s\\n' "$(getsebool deny_ptrace 2>/dev/null)"; fi
printf 'uid=%s\\n' "$(id -u)"
if [ -r "/proc/$pid/status" ]; then
  t=$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$pid/status")
  printf 'tracer_pid=%s\\n' "$t"
  printf 'target_uid=%s\\n' "$(sed -n 's/^Uid:[[:space:]]*\\([0-9]*\\).*/\\1/p' "/proc/$pid/status")"
  if [ -n "$t" ] && [ "$t" != 0 ]; then printf 'tracer_name=%s\\n' "$(cat "/proc/$t/comm" 2>/dev/null)"; fi
fi
${FIND_DEBUGGERS_SH}`;

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** Parses the output of {@link PREFLIGHT_SCRIPT}; unknown or empty values stay undefined. */
export function parsePreflightFacts(text: string): PreflightFacts {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const facts: PreflightFacts = {
    ptraceScope: int(kv.get('ptrace_scope')),
    tracerPid: int(kv.get('tracer_pid')),
    uid: int(kv.get('uid')),
    targetUid: int(kv.get('target_uid')),
    dlv: kv.get('dlv') || undefined,
    gdb: kv.get('gdb') || undefined,
    tracerName: kv.get('tracer_name') || undefined,
  };
  // getsebool prints "deny_ptrace --> on"; "Error getting active value" when SELinux is off.
  const deny = /-->\s*(on|off)\b/.exec(kv.get('deny_ptrace') ?? '');
  if (deny) facts.denyPtrace = deny[1] === 'on';
  return facts;
}

/** Turns facts into findings, rendered by `t` (English by default). `hasDwarf` is undefined when the binary could not be read. */
export function assessPreflight(facts: PreflightFacts, pid: number, backend: BackendChoice, hasDwarf?: boolean, t?: Translate): PreflightFinding[] {
  return preflightDrafts(facts, pid, backend, hasDwarf).map((d) => ({ severity: d.severity, message: render(d.message, t), ...(d.fix ? { fix: render(d.fix, t) } : {}) }));
}

/** {@link assessPreflight}'s findings with their texts as templates. */
export function preflightDrafts(facts: PreflightFacts, pid: number, backend: BackendChoice, hasDwarf?: boolean): PreflightDraft[] {
  const out: PreflightDraft[] = [];
  const root = facts.uid === 0;
  if (facts.tracerPid === undefined) {
    out.push({ severity: 'error', message: msg('process {0} does not exist on the host (or its /proc entry is not readable)', pid) });
    return out;
  }
  if (facts.tracerPid !== 0) {
    const who = facts.tracerName ? `${facts.tracerName} (PID ${facts.tracerPid})` : `PID ${facts.tracerPid}`;
    out.push({ severity: 'error', message: msg('process {0} is already being traced by {1}; only one debugger can attach', pid, who),
      fix: msg('detach or stop {0} first (a leftover debugger: kill -TERM {1} makes dlv detach)', who, facts.tracerPid) });
  }
  const scope = facts.ptraceScope;
  if (scope === 3) {
    out.push({ severity: 'error', message: msg('kernel.yama.ptrace_scope is 3: ptrace is disabled on this host until reboot'),
      fix: msg('set kernel.yama.ptrace_scope=0 (or 1) in /etc/sysctl.d/ and reboot') });
  } else if (scope === 2 && !root) {
    out.push({ severity: 'error', message: msg('kernel.yama.ptrace_scope is 2: only root (CAP_SYS_PTRACE) may attach a debugger'),
      fix: msg('connect as root, or run: sudo sysctl kernel.yama.ptrace_scope=0') });
  } else if (scope === 1 && !root) {
    out.push({ severity: 'error', message: msg('kernel.yama.ptrace_scope is 1: a debugger may attach only to its own child processes'),
      fix: msg('run: sudo sysctl kernel.yama.ptrace_scope=0 (persist in /etc/sysctl.d/10-ptrace.conf), or connect as root') });
  }
  if (facts.denyPtrace) {
    out.push({ severity: 'error', message: msg('SELinux boolean deny_ptrace is on: ptrace is denied to every process, root included'),
      fix: msg('run: sudo setsebool deny_ptrace off (add -P to persist)') });
  }
  if (!root && facts.targetUid !== undefined && facts.uid !== undefined && facts.targetUid !== facts.uid) {
    out.push({ severity: 'error', message: msg('process {0} runs as uid {1}, the SSH user is uid {2}', pid, facts.targetUid, facts.uid),
      fix: msg('connect as the user running the service, or as root') });
  }
  const needDlv = backend === 'dlv' || (backend === 'auto' && !facts.gdb);
  if (!facts.dlv && needDlv) {
    out.push({ severity: 'error', message: backend === 'auto' ? msg('neither dlv nor gdb is installed on the host') : msg('dlv is not installed on the host'),
      fix: msg('run: sudo dnf install delve gdb (or: go install github.com/go-delve/delve/cmd/dlv@latest)') });
  } else if (!facts.dlv && backend === 'auto') {
    out.push({ severity: 'warning', message: msg('dlv is not installed on the host: using gdb, which knows less about goroutines'),
      fix: msg('run: sudo dnf install delve') });
  }
  if (backend === 'gdb' && !facts.gdb) {
    out.push({ severity: 'error', message: msg('gdb is not installed on the host'), fix: msg('run: sudo dnf install gdb') });
  }
  if (hasDwarf === false) {
    out.push({ severity: 'error', message: msg('the binary of process {0} has no DWARF debug info (built with -ldflags="-s -w" or stripped): no stacks with lines, no variables', pid),
      fix: msg('rebuild without -s -w in -ldflags and without strip, and deploy that build') });
  }
  return out;
}

/** True if the ELF sections include DWARF debug info (plain or compressed). */
export function sectionsHaveDwarf(names: readonly string[]): boolean {
  return names.some((n) => n === '.debug_info' || n === '.zdebug_info');
}
