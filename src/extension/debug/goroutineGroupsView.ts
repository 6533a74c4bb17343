// The "Goroutine Groups" view of an Anole debug session: every goroutine grouped by identical stack.
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { GoroutineGroup, GroupedGoroutines, StackFrame } from '../../core/goroutines';
import { Commands, ContextKeys, Views, registerCommand } from '../commands';
import { describeGroup, matchesGroupFilter } from './goroutineGroupsModel';
import { DEBUG_TYPE } from './index';
import type { WorkspacePathMapper } from '../pathMapping';

type Node = { kind: 'group'; group: GoroutineGroup } | { kind: 'frame'; frame: StackFrame } | { kind: 'note'; text: string };

/**
 * Asks the active `anole` session for `anole/goroutineGroups` after attach and each stop (seen
 * through a debug adapter tracker) or on refresh, and shows groups → frames; a frame opens its
 * source through the workspace path mapping.
 */
class GoroutineGroupsProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: Node[] = [];
  private groups: GoroutineGroup[] = [];
  private filter = '';
  /** Set once the tree view exists: shows the filter and how many groups it keeps. */
  view?: vscode.TreeView<Node>;

  constructor(private readonly paths: WorkspacePathMapper, private readonly log: vscode.LogOutputChannel) {}

  get currentFilter(): string {
    return this.filter;
  }

  /** Shows only the groups matching `filter` (see matchesGroupFilter); "" shows all. */
  setFilter(filter: string): void {
    this.filter = filter.trim();
    void vscode.commands.executeCommand('setContext', ContextKeys.goroutineGroupsFiltered, this.filter !== '');
    this.show();
  }

  private show(): void {
    const kept = this.groups.filter((g) => matchesGroupFilter(g, this.filter));
    if (this.groups.length) this.nodes = kept.map((group) => ({ kind: 'group', group }));
    if (this.view) {
      this.view.description = this.filter
        ? vscode.l10n.t('filter "{0}": {1} of {2} groups', this.filter, kept.length, this.groups.length)
        : undefined;
    }
    this.changed.fire();
  }

  /** Bumped by every refresh and clear: an answer that arrives after a newer one is dropped. */
  private generation = 0;

  /**
   * Reads the groups of `session` again. The groups shown stay until the new ones arrive (a slow
   * answer does not blank the view), and a late answer never replaces a newer one.
   */
  async refresh(session = vscode.debug.activeDebugSession): Promise<void> {
    const gen = ++this.generation;
    if (!session || session.type !== DEBUG_TYPE) {
      this.groups = [];
      this.nodes = [];
      this.show();
      return;
    }
    this.log.debug(`goroutine groups: reading (session ${session.id})`);
    let groups: GroupedGoroutines['groups'] = [];
    let nodes: Node[] = [];
    try {
      const res = (await session.customRequest('anole/goroutineGroups')) as GroupedGoroutines & { longestStopMs?: number };
      groups = res.groups;
      this.log.info(`goroutine groups: ${res.total} goroutines in ${res.groups.length} groups (longest stop ${res.longestStopMs ?? '?'} ms)`);
    } catch (e) {
      nodes = [{ kind: 'note', text: vscode.l10n.t('Could not read the goroutines: {0}', errorMessage(e)) }];
    }
    if (gen !== this.generation) return;
    this.groups = groups;
    this.nodes = nodes;
    this.show();
  }

  clear(): void {
    this.generation++;
    this.groups = [];
    this.nodes = [];
    this.show();
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.nodes;
    return node.kind === 'group' ? node.group.frames.map((frame) => ({ kind: 'frame', frame })) : [];
  }

  /** Frames resolve their source through the workspace scan, which runs once in the background. */
  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    if (node.kind === 'note') return new vscode.TreeItem(node.text);
    if (node.kind === 'group') {
      const { label, description } = describeGroup(node.group);
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = description;
      item.tooltip = node.group.ids.length ? vscode.l10n.t('goroutines {0}', node.group.ids.slice(0, 20).join(', ')) : undefined;
      return item;
    }
    const f = node.frame;
    const item = new vscode.TreeItem(f.function);
    item.description = `${f.file}:${f.line}`;
    const uri = await this.paths.toUri(f.file).catch((e: unknown) => {
      this.log.warn(`mapping ${f.file} failed: ${errorMessage(e)}`);
      return undefined;
    });
    if (uri && f.line > 0) {
      const line = f.line - 1;
      item.command = { title: 'open', command: 'vscode.open', arguments: [uri, { selection: new vscode.Range(line, 0, line, 0) }] };
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Registers the view, its refresh command and the tracker that refreshes it after attach and stops. */
export function register(context: vscode.ExtensionContext, deps: { paths: WorkspacePathMapper; log: vscode.LogOutputChannel }): void {
  const provider = new GoroutineGroupsProvider(deps.paths, deps.log);
  let timer: NodeJS.Timeout | undefined;
  const soon = (session: vscode.DebugSession) => {
    clearTimeout(timer);
    timer = setTimeout(() => void provider.refresh(session), 300);
  };
  context.subscriptions.push(
    provider,
    { dispose: () => clearTimeout(timer) },
    (provider.view = vscode.window.createTreeView(Views.goroutineGroups, { treeDataProvider: provider, showCollapseAll: true })),
    registerCommand(vscode.commands, Commands.refreshGoroutineGroups, () => provider.refresh()),
    registerCommand(vscode.commands, Commands.filterGoroutineGroups, async (text?: string) => {
      const filter = typeof text === 'string' ? text : await vscode.window.showInputBox({
        title: vscode.l10n.t('Anole: Filter Goroutine Groups'),
        prompt: vscode.l10n.t('Words each group must contain in its state or stack (function, file:line); -word excludes. Empty shows all.'),
        value: provider.currentFilter,
        placeHolder: vscode.l10n.t('e.g. chan receive leakyWorker -runtime.'),
      });
      if (filter !== undefined) provider.setFilter(filter);
    }),
    registerCommand(vscode.commands, Commands.clearGoroutineGroupsFilter, () => provider.setFilter('')),
    vscode.debug.onDidTerminateDebugSession((s) => s.type === DEBUG_TYPE && provider.clear()),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; command?: string; event?: string; success?: boolean }) => {
          if ((m.type === 'response' && m.command === 'attach' && m.success) || (m.type === 'event' && (m.event === 'stopped' || m.event === 'continued'))) {
            soon(session);
          }
        },
      }),
    }),
  );
}
