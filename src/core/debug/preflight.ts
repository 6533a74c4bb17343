// Finds what would block attaching a debugger to a process (ptrace policy, tracers, missing tools or DWARF) and how to fix it.
import { CachingReader, readElf } from '../discovery/elf';
import type { RemoteHost } from '../remote/host';
import { shellScript } from '../shell';
import type { Translate } from '../doctor/msg';
import { assessPreflight, parsePreflightFacts, PREFLIGHT_SCRIPT, sectionsHaveDwarf, type BackendChoice, type PreflightFacts, type PreflightFinding } from '../doctor/ptrace';

export {
  assessPreflight, FIND_DEBUGGERS_SH, parsePreflightFacts, PREFLIGHT_SCRIPT, sectionsHaveDwarf,
  type BackendChoice, type PreflightFacts, type PreflightFinding,
} from '../doctor/ptrace';

/** Runs the checks for attaching to `pid` on `host`; `t` renders the findings (English by default). */
export async function runPreflight(host: RemoteHost, pid: number, backend: BackendChoice, t?: Translate): Promise<{ facts: PreflightFacts; findings: PreflightFinding[] }> {
  const r = await host.exec(shellScript(PREFLIGHT_SCRIPT, [String(pid)]), { timeoutMs: 15_000 });
  const facts = parsePreflightFacts(r.stdout.toString('utf8'));
  let hasDwarf: boolean | undefined;
  if (facts.tracerPid !== undefined) {
    try {
      const elf = await readElf(new CachingReader((o, l) => host.readRange(`/proc/${pid}/exe`, o, l)), `/proc/${pid}/exe`);
      hasDwarf = sectionsHaveDwarf(elf.sections.map((s) => s.name));
    } catch {
      hasDwarf = undefined; // unreadable binary: the debugger will say more
    }
  }
  return { facts, findings: assessPreflight(facts, pid, backend, hasDwarf, t) };
}
