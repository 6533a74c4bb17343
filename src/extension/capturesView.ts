// The Anole view's "Captures" list: profiles kept in storage; open (annotate), reveal, delete.
import * as vscode from 'vscode';
import { describeRange } from '../core/sources/profileTypes';
import { CORE_KIND, type CaptureMeta, type CaptureStore } from './captureStore';
import { Commands, Views, registerCommand, runCommand } from './commands';
import type { Profiler } from './profile';
import { formatBytes, showError } from './ui';

/** A fleet capture's replicas with their shares, one per line, outliers marked. */
function replicaLines(m: CaptureMeta): string {
  return (m.replicas ?? []).map((r) => `\n${r.outlier ? '⚠ ' : ''}${r.name}: ${(r.share * 100).toFixed(1)}%`).join('');
}

class CapturesTree implements vscode.TreeDataProvider<CaptureMeta> {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: CaptureStore) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  getTreeItem(m: CaptureMeta): vscode.TreeItem {
    const item = new vscode.TreeItem(`${m.kind} · ${m.source ?? `${m.host}${m.pid ? ` (${m.pid})` : ''}`}`, vscode.TreeItemCollapsibleState.None);
    item.description = m.backend
      ? `${m.backend.selector} · ${describeRange({ fromMs: m.backend.fromMs, toMs: m.backend.toMs })} · ${formatBytes(m.size)}`
      : `${m.source ? `${m.host} · ` : ''}${new Date(m.time).toLocaleString()} · ${formatBytes(m.size)}`;
    item.tooltip = m.kind === CORE_KIND
      ? `${m.file}\n${m.executable ?? ''}\n${vscode.l10n.t('paused {0} ms by {1}', m.pauseMs ?? '?', m.tool ?? '?')}`
      : m.backend
        ? `${m.backend.description}\n${m.backend.profileType}${m.backend.selector}\n${m.file}`
        : `${m.file}\n${m.url}${replicaLines(m)}`;
    item.iconPath = new vscode.ThemeIcon(m.kind === CORE_KIND ? 'debug-alt' : m.kind === 'trace' ? 'pulse' : m.backend ? 'cloud' : 'file-binary');
    item.contextValue = m.kind === CORE_KIND ? 'anole.capture.core' : 'anole.capture';
    item.command = { command: Commands.capturesOpen, title: vscode.l10n.t('Open'), arguments: [m] };
    return item;
  }

  getChildren(m?: CaptureMeta): CaptureMeta[] {
    return m ? [] : this.store.list();
  }
}

/** Registers the Captures list and its commands. */
export function register(
  context: vscode.ExtensionContext,
  deps: { store: CaptureStore; profiler: Profiler; log: vscode.LogOutputChannel; openTrace?: (m: CaptureMeta) => Promise<void> },
): void {
  const tree = new CapturesTree(deps.store);
  const pick = async (m?: CaptureMeta): Promise<CaptureMeta | undefined> => {
    if (m) return m;
    const items = deps.store.list().map((c) => ({ label: `${c.kind} · ${c.source ?? c.host}`, description: new Date(c.time).toLocaleString(), c }));
    return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Captures') }))?.c;
  };
  context.subscriptions.push(
    tree,
    deps.store.onDidChange(() => tree.refresh()),
    vscode.window.createTreeView(Views.captures, { treeDataProvider: tree }),
    registerCommand(vscode.commands, Commands.capturesRefresh, () => tree.refresh()),
    registerCommand(vscode.commands, Commands.capturesOpen, async (m?: CaptureMeta) => {
      const c = await pick(m);
      if (!c) return;
      if (c.kind === CORE_KIND) {
        await runCommand(vscode.commands, Commands.openCoreDump, c);
        return;
      }
      try {
        if (c.kind === 'trace' && deps.openTrace) await deps.openTrace(c);
        else await deps.profiler.load(c);
      } catch (e) {
        showError(deps.log, vscode.l10n.t('Opening {0} failed', c.id), e);
      }
    }),
    registerCommand(vscode.commands, Commands.capturesReveal, async (m?: CaptureMeta) => {
      const c = await pick(m);
      if (c) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(c.file));
    }),
    registerCommand(vscode.commands, Commands.capturesDelete, async (m?: CaptureMeta) => {
      const c = await pick(m);
      if (!c) return;
      const del = vscode.l10n.t('Delete');
      const ok = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the capture {0}?', c.id), { modal: true }, del);
      if (ok === del) deps.store.delete(c.id);
    }),
  );
}
