// Registers Anole's `anole` debugger: the adapter process, attach defaults and a remote process picker.
// This folder is the debugger's side of the extension: this registration, and the Goroutine Groups view of
// a debug session (goroutineGroupsView.ts; its labels, pure, in goroutineGroupsModel.ts). The adapter itself
// is src/adapter; goroutine dumps opened as documents are src/extension/goroutines.
import * as vscode from 'vscode';
import type { AnoleAttachArguments } from '../../adapter/attachArgs';
import { AttachPicks } from '../attachPicks';
import { Commands, registerCommand } from '../commands';
import type { Profiler } from '../profile';
import { settings } from '../settings';

export const DEBUG_TYPE = 'anole';

interface DebugDeps {
  log: vscode.LogOutputChannel;
  profiler: Profiler;
}

export type AttachConfig = vscode.DebugConfiguration & Partial<AnoleAttachArguments>;

/**
 * The debugger: `dist/adapter.js` runs as its own process (DAP over stdio); the configuration
 * provider fills in the ssh config file and asks for a host and process when they are missing.
 */
export function register(context: vscode.ExtensionContext, deps: DebugDeps): void {
  const adapter = context.asAbsolutePath('dist/adapter.js');
  const picks = new AttachPicks({
    host: async () => {
      const c = await deps.profiler.pickHost();
      return c && { host: c.host, pid: c.target?.pid, processName: c.target?.processName };
    },
    process: async (host, processName) => (await deps.profiler.pickProcess(host, processName))?.pid,
  });
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterExecutable(process.execPath, [adapter]),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      provideDebugConfigurations: () => [
        { type: DEBUG_TYPE, request: 'attach', name: vscode.l10n.t('Anole: Attach to remote Go process'), host: '${command:anole.pickRemoteHost}', processId: '${command:anole.pickRemoteProcess}', backend: 'auto' },
      ],
      // Called before the ${command:…} variables are resolved, and after: one debug start's picks in between.
      resolveDebugConfiguration: (folder, config: AttachConfig) => {
        picks.begin();
        return resolveAttach(folder, config, deps);
      },
      resolveDebugConfigurationWithSubstitutedVariables: (_folder, config) => {
        picks.begin();
        return config;
      },
    }),
    registerCommand(vscode.commands, Commands.pickRemoteHost, () => picks.host()),
    registerCommand(vscode.commands, Commands.pickRemoteProcess, (config?: AttachConfig) => picks.processId(config)),
  );
}

/** Fills defaults; an empty launch.json (F5 with no configuration) asks for host and process. */
async function resolveAttach(folder: vscode.WorkspaceFolder | undefined, config: AttachConfig, deps: DebugDeps): Promise<vscode.DebugConfiguration | undefined> {
  // Stack frames map to workspace files through its go.mod files unless substitutePath says otherwise.
  const root = folder ?? vscode.workspace.workspaceFolders?.[0];
  if (!config.cwd && root?.uri.scheme === 'file') config.cwd = root.uri.fsPath;
  if (!config.type && !config.request && !config.name) {
    const target = await deps.profiler.pickTarget();
    if (!target) return undefined;
    Object.assign(config, { type: DEBUG_TYPE, request: 'attach', name: target.label, host: target.host, processId: target.pid });
  }
  if (config.coreFilePath) {
    if (!config.program) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Set "program" (the executable that wrote the core dump) in the launch configuration.'));
      return undefined;
    }
    config.sshConfigFile ??= settings.sshConfigFile();
    deps.log.info(`debug: opening the core dump ${config.coreFilePath} on ${config.host ?? 'this machine'} (${config.backend ?? 'auto'})`);
    return config;
  }
  if (config.request !== 'attach') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Anole only attaches to running processes: use "request": "attach".'));
    return undefined;
  }
  if (!config.host) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Set "host" (an ssh config alias or [user@]host[:port]) in the launch configuration.'));
    return undefined;
  }
  if (config.processId === undefined && !config.processName) {
    const picked = await deps.profiler.pickProcess(config.host);
    if (picked?.pid === undefined) return undefined;
    config.processId = picked.pid;
  }
  config.sshConfigFile ??= settings.sshConfigFile();
  deps.log.info(`debug: attaching to ${config.host} pid ${config.processId ?? config.processName} (${config.backend ?? 'auto'})`);
  return config;
}
