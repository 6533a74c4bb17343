// "Capture Core Dump" (gcore or dlv on the host, pause shown, fetched into the captures) and "Open Core Dump" (a debug session on it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { captureCoreDump, type CorePhase } from '../core/debug/coreDump';
import type { GoProcess } from '../core/discovery/processes';
import { CORE_KIND, type CaptureMeta, type CaptureStore } from './captureStore';
import { Commands } from './commands';
import type { Connections } from './connections';
import { DEBUG_TYPE } from './debug';
import { describeProcess, type Profiler, type ProfileTarget } from './profile';
import { settings } from './settings';
import { formatBytes, showError } from './ui';

interface CoreDumpDeps {
  log: vscode.LogOutputChannel;
  connections: Connections;
  store: CaptureStore;
  profiler: Profiler;
}

/** A process node of the Hosts view (the argument of its context menu). */
interface ProcessNode {
  type: 'process';
  host: string;
  process: GoProcess;
}

const PHASES = (): Record<CorePhase, string> => ({
  'preparing': vscode.l10n.t('checking the host…'),
  'fetching executable': vscode.l10n.t('fetching the executable…'),
  'writing core': vscode.l10n.t('writing the core (the process is paused)…'),
  'fetching core': vscode.l10n.t('fetching the core…'),
});

/** The debug configuration that opens a stored core dump with this machine's dlv or gdb. */
export function coreDebugConfiguration(c: CaptureMeta, backend: 'auto' | 'dlv' | 'gdb' = 'auto'): vscode.DebugConfiguration {
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
  const { log, store } = deps;

  const capture = async (n?: ProcessNode): Promise<CaptureMeta | undefined> => {
    let target: ProfileTarget | undefined;
    try {
      target = n?.type === 'process'
        ? { host: n.host, pid: n.process.pid, label: describeProcess(n.process).label }
        : await deps.profiler.pickTarget();
    } catch (e) {
      showError(log, vscode.l10n.t('Choosing a service failed'), e);
      return undefined;
    }
    if (!target) return undefined;
    if (target.pid === undefined) {
      void vscode.window.showErrorMessage(vscode.l10n.t('A core dump needs a process: {0} names only a pprof URL. Set "pid" or "processName" in anole.targets.', target.label));
      return undefined;
    }
    const t = target as ProfileTarget & { pid: number };
    const go = vscode.l10n.t('Capture Core Dump');
    const ok = await vscode.window.showWarningMessage(
      vscode.l10n.t('Capture a core dump of {0} (PID {1}) on {2}?', t.label, t.pid, t.host),
      {
        modal: true,
        detail: vscode.l10n.t('The process is paused while the core is written (usually under a second or two; the time is reported) and is never killed. The core holds the process memory, secrets included: it is kept only in Anole\'s storage on this machine.'),
      },
      go,
    );
    if (ok !== go) return undefined;
    const tool = settings.coreDumpTool();
    const { id, file } = store.allocate(CORE_KIND, new Date(), '.core');
    const executable = path.join(store.dir, `${id}.exe`);
    const ac = new AbortController();
    try {
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Anole: Core dump of {0}', t.label), cancellable: true },
        async (progress, token) => {
          const sub = token.onCancellationRequested(() => ac.abort());
          let last = '';
          try {
            const host = await deps.connections.get(t.host);
            return await captureCoreDump(host, t.pid, {
              tool, coreFile: file, executableFile: executable, remoteDir: settings.coreDumpRemoteDirectory(), signal: ac.signal,
              onProgress: (phase, done, total) => {
                const pct = phase === 'fetching core' && done !== undefined && total ? ` ${Math.min(100, Math.round((done / total) * 100))}%` : '';
                const msg = PHASES()[phase] + pct;
                if (msg !== last) progress.report({ message: msg });
                last = msg;
              },
            });
          } finally {
            sub.dispose();
          }
        },
      );
      for (const f of r.findings) log.warn(`${f.message}${f.fix ? ` (${f.fix})` : ''}`);
      if (r.fallback) log.warn(`no snapshot of ${t.label}: ${r.fallback}; gcore wrote the core with the process stopped instead`);
      log.info(`core dump of ${t.label} (pid ${t.pid} on ${t.host}) by ${r.tool}: ${formatBytes(r.coreBytes)} (${formatBytes(r.transferBytes)} transferred), process paused at most ${r.pauseMs} ms, in ${r.totalMs} ms`);
      const meta: CaptureMeta = {
        id, time: new Date().toISOString(), kind: CORE_KIND, host: t.host, pid: t.pid, url: `core dump by ${r.tool}`,
        size: r.coreBytes, file, executable, pauseMs: r.pauseMs, tool: r.tool,
      };
      store.save(meta);
      const open = vscode.l10n.t('Open');
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Core dump of {0}: {1}; the process was paused {2} ms.', t.label, formatBytes(r.coreBytes), r.pauseMs), open,
      ).then((a) => (a === open ? openCore(meta, 'auto') : undefined));
      return meta;
    } catch (e) {
      store.delete(id);
      for (const f of [file, executable]) fs.rmSync(f, { force: true });
      showError(log, vscode.l10n.t('Core dump of {0} failed', t.label), e);
      return undefined;
    }
  };

  const openCore = async (m?: CaptureMeta, backend?: 'auto' | 'dlv' | 'gdb'): Promise<boolean> => {
    let c = m;
    if (!c) {
      const cores = store.list().filter((x) => x.kind === CORE_KIND);
      if (!cores.length) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No core dumps yet: run "Anole: Capture Core Dump" first.'));
        return false;
      }
      const pick = await vscode.window.showQuickPick(
        cores.map((x) => ({ label: `${x.host} (${x.pid ?? '?'})`, description: `${new Date(x.time).toLocaleString()} · ${formatBytes(x.size)}`, x })),
        { title: vscode.l10n.t('Anole: Open Core Dump') },
      );
      c = pick?.x;
    }
    if (!c) return false;
    if (!c.executable) {
      void vscode.window.showErrorMessage(vscode.l10n.t('The capture {0} has no executable to read the core with.', c.id));
      return false;
    }
    let using = backend;
    if (!using) {
      type Item = vscode.QuickPickItem & { value: 'auto' | 'dlv' | 'gdb' };
      const items: Item[] = [
        { label: 'dlv', detail: vscode.l10n.t('Delve: every goroutine with its stack and variables.'), value: 'dlv' },
        { label: 'gdb', detail: vscode.l10n.t('gdb: every goroutine with its stack; variables of goroutines that were on a thread, and globals.'), value: 'gdb' },
      ];
      using = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Open the core dump with…') }))?.value;
      if (!using) return false;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    log.info(`opening the core dump ${c.file} with ${using}`);
    return vscode.debug.startDebugging(folder, coreDebugConfiguration(c, using));
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.captureCoreDump, capture),
    vscode.commands.registerCommand(Commands.openCoreDump, (m?: CaptureMeta, backend?: 'auto' | 'dlv' | 'gdb') => openCore(m, backend)),
  );
}
