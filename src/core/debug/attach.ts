// Picks a debugger for a process (dlv or gdb, after preflight) and attaches it: shared by the adapter and the CLI.
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import type { CoreTarget, DebugBackend } from './backend';
import { DlvBackend } from './dlv/dlvBackend';
import { GdbBackend } from './gdb/gdbBackend';
import { FIND_DEBUGGERS_SH, parsePreflightFacts, runPreflight, type BackendChoice, type PreflightFacts, type PreflightFinding } from './preflight';
import { shellScript } from '../shell';
import { msg, render, type Translate } from '../doctor/msg';

/** Options for {@link attachBackend}. */
export interface AttachBackendOptions {
  /** Makes a sink for one backend's protocol lines ("dlv" or "gdb"), for a log. */
  trace?: (kind: 'dlv' | 'gdb') => (line: string) => void;
  /** Registered before attaching: called once if the backend dies on its own. */
  onDidEnd?: (reason: string) => void;
  /** Called right before the debugger stops the target (after preflight and the debugger's set-up): where the pause begins. */
  onAttaching?: () => void;
  /** Let evaluated expressions call functions inside the target (off: refused with a message naming `allowFunctionCalls`). */
  allowFunctionCalls?: boolean;
  /** Renders preflight's messages (English by default). */
  translate?: Translate;
}

/** One line per blocking finding, with its fix. */
export function findingsMessage(pid: number, findings: readonly PreflightFinding[], t?: Translate): string {
  const lines = findings.map((f) => `• ${f.fix ? render(msg('{0} — fix: {1}', f.message, f.fix), t) : f.message}`);
  return `${render(msg('Cannot attach to process {0}:', pid), t)}\n${lines.join('\n')}`;
}

/** `details` of the AnoleError a preflight failure throws: the process whose host report explains it. */
export interface PreflightFailure {
  preflightPid: number;
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
  const { facts, findings } = await runPreflight(host, pid, choice, opts.translate);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) {
    const details: PreflightFailure = { preflightPid: pid };
    throw new AnoleError('REMOTE_COMMAND', findingsMessage(pid, errors, opts.translate),
      render(msg('the whole report with evidence: Anole: Check Host, or {0}', `anole doctor ${host.label} --pid ${pid}`), opts.translate), { ...details });
  }
  const backend = await startBackend(host, usesGdb(choice, facts), facts, opts, (b) => {
    return b.attach(pid, { onStopping: opts.onAttaching });
  });
  return { backend, findings: findings.filter((f) => f.severity !== 'error') };
}

/** `auto` means dlv when the host has it. */
function usesGdb(choice: BackendChoice, facts: PreflightFacts): boolean {
  return choice === 'gdb' || (choice === 'auto' && !facts.dlv);
}

/** Makes the chosen backend and runs `start` on it (attach or open a core); on failure detaches it (never killing a target) and rethrows. */
async function startBackend(
  host: RemoteHost,
  useGdb: boolean,
  facts: PreflightFacts,
  opts: Pick<AttachBackendOptions, 'trace' | 'onDidEnd' | 'allowFunctionCalls'>,
  start: (b: DebugBackend) => Promise<void>,
): Promise<DebugBackend> {
  const allowFunctionCalls = opts.allowFunctionCalls === true;
  const backend: DebugBackend = useGdb
    ? new GdbBackend(host, { gdbPath: facts.gdb, trace: opts.trace?.('gdb'), allowFunctionCalls })
    : new DlvBackend(host, { dlvPath: facts.dlv ?? 'dlv', trace: opts.trace?.('dlv'), allowFunctionCalls });
  if (opts.onDidEnd) backend.onDidEnd(opts.onDidEnd);
  try {
    await start(backend);
  } catch (e) {
    await backend.detach().catch(() => undefined);
    throw e;
  }
  return backend;
}

/**
 * Opens a core dump (and the executable that wrote it; both paths on `host`, which may be this
 * machine) with dlv or gdb (`auto`: dlv when installed, else gdb). No process is involved, so no
 * ptrace checks: only that the debugger exists and both files are readable.
 */
export async function openCoreBackend(
  host: RemoteHost,
  target: CoreTarget,
  choice: BackendChoice,
  opts: Pick<AttachBackendOptions, 'trace' | 'onDidEnd'> = {},
): Promise<DebugBackend> {
  const script = `${FIND_DEBUGGERS_SH}for f in "$1" "$2"; do [ -r "$f" ] || printf 'unreadable=%s\\n' "$f"; done`;
  const r = await host.exec(shellScript(script, [target.core, target.executable]), { timeoutMs: 15_000 });
  const out = r.stdout.toString('utf8');
  const facts = parsePreflightFacts(out);
  const unreadable = out.split('\n').filter((l) => l.startsWith('unreadable=')).map((l) => l.slice('unreadable='.length));
  if (unreadable.length) throw new AnoleError('NOT_FOUND', `cannot read ${unreadable.join(' and ')} on ${host.label}`);
  const useGdb = usesGdb(choice, facts);
  if (useGdb && !facts.gdb) {
    throw new AnoleError('NOT_FOUND', `${choice === 'auto' ? 'neither dlv nor gdb' : 'gdb'} is installed on ${host.label}`,
      'install delve (go install github.com/go-delve/delve/cmd/dlv@latest) or gdb');
  }
  if (!useGdb && !facts.dlv) throw new AnoleError('NOT_FOUND', `dlv is not installed on ${host.label}`, 'go install github.com/go-delve/delve/cmd/dlv@latest');
  return startBackend(host, useGdb, facts, opts, (b) => b.openCore(target));
}
