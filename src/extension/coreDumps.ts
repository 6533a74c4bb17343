// "Capture Core Dump" (gcore or dlv on the host, pause shown, fetched into the captures) and "Open Core Dump" (a debug session on it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { captureCoreDump, type CoreDumpResult, type CorePhase } from '../core/debug/coreDump';
import { CORE_KIND, type CaptureMeta, type CaptureStore } from './captureStore';
import { Commands, registerCommand, type CoreBackend } from './commands';
import type { Connections } from './connections';
import { DEBUG_TYPE } from './debug';
import type { HostsNode } from './hostsView';
import { describeProcess, type Profiler, type ProfileTarget } from './profile';
import { settings } from './settings';
import { formatBytes, showError, withCancellableProgress } from './ui';

interface CoreDumpDeps {
  log: vscode.LogOutputChannel;
  connections: Connections;
  store: CaptureStore;
  profiler: Profiler;
}

const PHASES = (): Record<CorePhase, string> => ({
  'preparing': vscode.l10n.t('checking the host…'),
  'fetching executable': vscode.l10n.t('fetching the executable…'),
  'writing core': vscode.l10n.t('writing the core (the process is paused)…'),
  'fetching core': vscode.l10n.t('fetching the core…'),
});

/** The debug configuration that opens a stored core dump with this machine's dlv or gdb. */
export function coreDebugConfiguration(c: CaptureMeta, backend: CoreBackend = 'auto'): vscode.DebugConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'attach',
    name: vscode.l10n.t('Core dump of {0} ({1})', c.host, c.pid ?? '?'),
    coreFilePath: c.file,
    program: c.executable,
    backend,
  };
}

/** Registers the core dump commands. */
export function register(context: vscode.ExtensionContext, deps: CoreDumpDeps): void {
  context.subscriptions.push(
    registerCommand(vscode.commands, Commands.captureCoreDump, (n) => captureCore(deps, n)),
    registerCommand(vscode.commands, Commands.openCoreDump, (m, backend) => openCore(deps, m, backend)),
  );
}

type ProcessTarget = ProfileTarget & { pid: number };

/** anole.captureCoreDump: asks for a process (unless a Hosts view node names one) and consent, captures, stores. */
async function captureCore(deps: CoreDumpDeps, n?: HostsNode): Promise<CaptureMeta | undefined> {
  const t = await pickProcess(deps, n);
  if (!t || !(await confirmCapture(t))) return undefined;
  const slot = reserveCore(deps.store);
  try {
    const r = await withCancellableProgress(
      vscode.l10n.t('Anole: Core dump of {0}', t.label),
      async (progress, signal) => {
        let last = '';
        const host = await deps.connections.get(t.host);
        return captureCoreDump(host, t.pid, {
          tool: settings.coreDumpTool(), coreFile: slot.file, executableFile: slot.executable, remoteDir: settings.coreDumpRemoteDirectory(), signal,
          onProgress: (phase, done, total) => {
            const pct = phase === 'fetching core' && done !== undefined && total ? ` ${Math.min(100, Math.round((done / total) * 100))}%` : '';
            const msg = PHASES()[phase] + pct;
            if (msg !== last) progress.report({ message: msg });
            last = msg;
          },
        });
      },
    );
    for (const f of r.findings) deps.log.warn(`${f.message}${f.fix ? ` (${f.fix})` : ''}`);
    if (r.fallback) deps.log.warn(`no snapshot of ${t.label}: ${r.fallback}; gcore wrote the core with the process stopped instead`);
    deps.log.info(`core dump of ${t.label} (pid ${t.pid} on ${t.host}) by ${r.tool}: ${formatBytes(r.coreBytes)} (${formatBytes(r.transferBytes)} transferred), process paused at most ${r.pauseMs} ms, in ${r.totalMs} ms`);
    const meta = saveCore(deps.store, slot, t, r);
    const open = vscode.l10n.t('Open');
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Core dump of {0}: {1}; the process was paused {2} ms.', t.label, formatBytes(r.coreBytes), r.pauseMs), open,
    ).then((a) => (a === open ? openCore(deps, meta, 'auto') : undefined));
    return meta;
  } catch (e) {
    discardCore(deps.store, slot);
    showError(deps.log, vscode.l10n.t('Core dump of {0} failed', t.label), e);
    return undefined;
  }
}

/** The process to dump: the Hosts view's node, else one the user picks; undefined (said why) if none. */
async function pickProcess(deps: CoreDumpDeps, n?: HostsNode): Promise<ProcessTarget | undefined> {
  let target: ProfileTarget | undefined;
  try {
    target = n?.type === 'process'
      ? { host: n.host, pid: n.process.pid, label: describeProcess(n.process).label }
      : await deps.profiler.pickTarget();
  } catch (e) {
    showError(deps.log, vscode.l10n.t('Choosing a service failed'), e);
    return undefined;
  }
  if (!target) return undefined;
  if (target.pid === undefined) {
    void vscode.window.showErrorMessage(vscode.l10n.t('A core dump needs a process: {0} names only a pprof URL. Set "pid" or "processName" in anole.targets.', target.label));
    return undefined;
  }
  return target as ProcessTarget;
}

/** Asks (modal) before pausing the process; true to go ahead. */
async function confirmCapture(t: ProcessTarget): Promise<boolean> {
  const go = vscode.l10n.t('Capture Core Dump');
  const ok = await vscode.window.showWarningMessage(
    vscode.l10n.t('Capture a core dump of {0} (PID {1}) on {2}?', t.label, t.pid, t.host),
    {
      modal: true,
      detail: vscode.l10n.t('The process is paused while the core is written (usually under a second or two; the time is reported) and is never killed. The core holds the process memory, secrets included: it is kept only in Anole\'s storage on this machine.'),
    },
    go,
  );
  return ok === go;
}

/** Where a new core dump and its executable go in the captures. */
interface CoreSlot {
  id: string;
  file: string;
  executable: string;
}

/** Storage: reserves the capture id and the files of a core dump. */
function reserveCore(store: CaptureStore): CoreSlot {
  const { id, file } = store.allocate(CORE_KIND, new Date(), '.core');
  return { id, file, executable: path.join(store.dir, `${id}.exe`) };
}

/** Storage: records a captured core dump in the captures. */
function saveCore(store: CaptureStore, slot: CoreSlot, t: ProcessTarget, r: CoreDumpResult): CaptureMeta {
  const meta: CaptureMeta = {
    id: slot.id, time: new Date().toISOString(), kind: CORE_KIND, host: t.host, pid: t.pid, url: `core dump by ${r.tool}`,
    size: r.coreBytes, file: slot.file, executable: slot.executable, pauseMs: r.pauseMs, tool: r.tool,
  };
  store.save(meta);
  return meta;
}

/** Cleanup: a failed or cancelled capture leaves no entry and no file behind. */
function discardCore(store: CaptureStore, slot: CoreSlot): void {
  store.delete(slot.id);
  for (const f of [slot.file, slot.executable]) fs.rmSync(f, { force: true });
}

/** anole.openCoreDump: a stored core dump (asked for when not given) in a dlv or gdb debug session. */
async function openCore(deps: CoreDumpDeps, m?: CaptureMeta, backend?: CoreBackend): Promise<boolean> {
  const c = m ?? (await pickCore(deps.store));
  if (!c) return false;
  if (!c.executable) {
    void vscode.window.showErrorMessage(vscode.l10n.t('The capture {0} has no executable to read the core with.', c.id));
    return false;
  }
  const using = backend ?? (await pickBackend());
  if (!using) return false;
  const folder = vscode.workspace.workspaceFolders?.[0];
  deps.log.info(`opening the core dump ${c.file} with ${using}`);
  return vscode.debug.startDebugging(folder, coreDebugConfiguration(c, using));
}

/** Asks which stored core dump to open (says so when there is none). */
async function pickCore(store: CaptureStore): Promise<CaptureMeta | undefined> {
  const cores = store.list().filter((x) => x.kind === CORE_KIND);
  if (!cores.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No core dumps yet: run "Anole: Capture Core Dump" first.'));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    cores.map((x) => ({ label: `${x.host} (${x.pid ?? '?'})`, description: `${new Date(x.time).toLocaleString()} · ${formatBytes(x.size)}`, x })),
    { title: vscode.l10n.t('Anole: Open Core Dump') },
  );
  return pick?.x;
}

/** Asks which debugger reads the core. */
async function pickBackend(): Promise<CoreBackend | undefined> {
  type Item = vscode.QuickPickItem & { value: CoreBackend };
  const items: Item[] = [
    { label: 'dlv', detail: vscode.l10n.t('Delve: every goroutine with its stack and variables.'), value: 'dlv' },
    { label: 'gdb', detail: vscode.l10n.t('gdb: every goroutine with its stack; variables of goroutines that were on a thread, and globals.'), value: 'gdb' },
  ];
  return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Open the core dump with…') }))?.value;
}
