// The Anole view's "Hosts" tree: hosts (ssh config + targets) → Go processes → profile actions.
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { GoProcess } from '../core/discovery/processes';
import { listSshHosts } from '../core/ssh/hostAliases';
import { Commands, Views, registerCommand } from './commands';
import { lastChecks, onDidCheck } from './doctorView';
import { describeProcess, discoverProcesses, type Profiler, type ProfilerDeps, type ProfileTarget } from './profile';
import { affects, PROFILE_KINDS, settings, SettingKeys, type ProfileKind } from './settings';

/** A node of the Hosts tree (the argument of its context-menu commands). */
export type HostsNode = Node;
type Node =
  | { type: 'host'; host: string; name?: string }
  | { type: 'process'; host: string; process: GoProcess }
  | { type: 'action'; target: ProfileTarget; kind: ProfileKind }
  | { type: 'message'; text: string; error?: boolean };

class HostsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly deps: ProfilerDeps) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  getTreeItem(n: Node): vscode.TreeItem {
    switch (n.type) {
      case 'host': {
        const item = new vscode.TreeItem(n.name ?? n.host, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = withCheck(n.name && n.name !== n.host ? n.host : undefined, lastChecks.get(n.host));
        item.iconPath = new vscode.ThemeIcon('remote');
        item.contextValue = 'anole.host';
        return item;
      }
      case 'process': {
        const d = describeProcess(n.process);
        const item = new vscode.TreeItem(d.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = withCheck(d.description, lastChecks.get(`${n.host} ${n.process.pid}`));
        item.tooltip = `${n.process.exe}\n${n.process.goVersion}\n${d.detail}\n${n.process.listen.join(', ')}`;
        item.iconPath = new vscode.ThemeIcon(n.process.pprof ? 'pulse' : 'circle-slash');
        item.contextValue = n.process.pprof ? 'anole.process' : 'anole.process.noPprof';
        return item;
      }
      case 'action': {
        const item = new vscode.TreeItem(vscode.l10n.t('Profile {0}', n.kind), vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(n.kind === 'cpu' ? 'flame' : n.kind === 'mutex' || n.kind === 'block' ? 'lock' : 'graph');
        item.command = { command: Commands.processProfile, title: vscode.l10n.t('Profile'), arguments: [n] };
        item.contextValue = 'anole.action';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(n.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(n.error ? 'error' : 'info');
        return item;
      }
    }
  }

  async getChildren(n?: Node): Promise<Node[]> {
    if (!n) {
      const targets = settings.targets().map((t) => ({ type: 'host' as const, host: t.host, name: t.name }));
      let hosts: string[] = [];
      try {
        hosts = await listSshHosts(settings.sshConfigFile());
      } catch (e) {
        return [...targets, { type: 'message', text: errorMessage(e), error: true }];
      }
      const nodes: Node[] = [...targets, ...hosts.filter((h) => !targets.some((t) => t.name === h)).map((h) => ({ type: 'host' as const, host: h }))];
      return nodes;
    }
    if (n.type === 'host') {
      try {
        const procs = await discoverProcesses(this.deps, n.host);
        if (procs.length === 0) return [{ type: 'message', text: vscode.l10n.t('No Go processes you may inspect') }];
        return procs.map((p) => ({ type: 'process', host: n.host, process: p }));
      } catch (e) {
        return [{ type: 'message', text: errorMessage(e), error: true }];
      }
    }
    if (n.type === 'process') {
      if (!n.process.pprof) return [{ type: 'message', text: vscode.l10n.t('no pprof endpoint found') }];
      const target: ProfileTarget = { host: n.host, pid: n.process.pid, url: n.process.pprof, label: describeProcess(n.process).label };
      return PROFILE_KINDS.map((kind) => ({ type: 'action', target, kind }));
    }
    return [];
  }
}

/** Prefixes a ⚠/✖ badge when the last Check Host found warnings or errors. */
function withCheck(description: string | undefined, severity: string | undefined): string | undefined {
  const badge = severity === 'error' ? '✖' : severity === 'warning' ? '⚠' : '';
  return badge ? `${badge} ${description ?? ''}`.trim() : description;
}

/** Registers the Hosts tree and its commands. */
export function register(context: vscode.ExtensionContext, deps: ProfilerDeps & { profiler: Profiler }): void {
  const tree = new HostsTree(deps);
  context.subscriptions.push(
    tree,
    vscode.window.createTreeView(Views.hosts, { treeDataProvider: tree, showCollapseAll: true }),
    registerCommand(vscode.commands, Commands.hostsRefresh, () => tree.refresh()),
    onDidCheck(() => tree.refresh()),
    registerCommand(vscode.commands, Commands.processProfile, async (n?: Node) => {
      if (n?.type === 'action') return deps.profiler.run(n.target, n.kind);
      if (n?.type === 'process') {
        const target: ProfileTarget = { host: n.host, pid: n.process.pid, url: n.process.pprof ?? undefined, label: describeProcess(n.process).label };
        return deps.profiler.profileInteractive({ target });
      }
      return deps.profiler.profileInteractive();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, SettingKeys.targets, SettingKeys.sshConfigFile)) tree.refresh();
    }),
  );
}
