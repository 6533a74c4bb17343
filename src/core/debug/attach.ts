// Picks a debugger for a process (dlv or gdb, after preflight) and attaches it: shared by the adapter and the CLI.
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import type { DebugBackend } from './backend';
import { DlvBackend } from './dlv/dlvBackend';
import { GdbBackend } from './gdb/gdbBackend';
import { runPreflight, type BackendChoice, type PreflightFinding } from './preflight';

/** Options for {@link attachBackend}. */
export interface AttachBackendOptions {
  /** Makes a sink for one backend's protocol lines ("dlv" or "gdb"), for a log. */
  trace?: (kind: 'dlv' | 'gdb') => (line: string) => void;
  /** Registered before attaching: called once if the backend dies on its own. */
  onDidEnd?: (reason: string) => void;
  /** Called right before the debugger attaches (after preflight): where the target's stop can begin. */
  onAttaching?: () => void;
}

/** One line per blocking finding, with its fix. */
export function findingsMessage(pid: number, findings: readonly PreflightFinding[]): string {
  const lines = findings.map((f) => `• ${f.message}${f.fix ? ` — fix: ${f.fix}` : ''}`);
  return `Cannot attach to process ${pid}:\n${lines.join('\n')}`;
}

/**
 * Runs preflight, throws AnoleError('REMOTE_COMMAND') naming every blocking finding, picks the
 * backend (`auto`: dlv when the host has it, else gdb) and attaches it to `pid`. The target is
 * stopped afterwards. If attaching fails the backend is detached (never killing the target)
 * before the error is rethrown. `findings` holds the non-blocking findings, to show the user.
 */
export async function attachBackend(
  host: RemoteHost,
  pid: number,
  choice: BackendChoice,
  opts: AttachBackendOptions = {},
): Promise<{ backend: DebugBackend; findings: PreflightFinding[] }> {
  const { facts, findings } = await runPreflight(host, pid, choice);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) throw new AnoleError('REMOTE_COMMAND', findingsMessage(pid, errors));
  const useGdb = choice === 'gdb' || (choice === 'auto' && !facts.dlv);
  const backend: DebugBackend = useGdb
    ? new GdbBackend(host, { gdbPath: facts.gdb, trace: opts.trace?.('gdb') })
    : new DlvBackend(host, { dlvPath: facts.dlv ?? 'dlv', trace: opts.trace?.('dlv') });
  if (opts.onDidEnd) backend.onDidEnd(opts.onDidEnd);
  try {
    opts.onAttaching?.();
    await backend.attach(pid);
  } catch (e) {
    await backend.detach().catch(() => undefined);
    throw e;
  }
  return { backend, findings: findings.filter((f) => f.severity !== 'error') };
}
