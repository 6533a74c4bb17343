// "Anole: Check Host": runs the doctor on a host or process and shows its findings by severity, with evidence and a copyable fix.
import * as vscode from 'vscode';
import type { GoProcess } from '../core/discovery/processes';
import { runDoctor, runHostDoctor, type FullReport } from '../core/doctor/run';
import type { Translate } from '../core/doctor/msg';
import { worst, type Finding, type Severity } from '../core/doctor/types';
import { Commands, Views, registerCommand } from './commands';
import type { Connections } from './connections';
import type { Profiler } from './profile';
import { showError, withCancellableProgress } from './ui';

/** A node of the Host Check tree (the argument of its context-menu commands). */
export type DoctorNode = Node;
type Node =
  | { type: 'header'; report: FullReport }
  | { type: 'group'; severity: Severity; findings: Finding[] }
  | { type: 'finding'; finding: Finding }
  | { type: 'evidence'; source: string; value: string }
  | { type: 'fix'; fix: string }
  | { type: 'process'; row: NonNullable<FullReport['processes']>[number]; host: string };

const ORDER: Severity[] = ['error', 'warning', 'info', 'ok'];
const ICONS: Record<Severity, vscode.ThemeIcon> = {
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  info: new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground')),
  ok: new vscode.ThemeIcon('pass'),
};

/** The doctor's texts in VS Code's display language (zh-cn from l10n/bundle.l10n.zh-cn.json). */
const translate: Translate = (template, args) => vscode.l10n.t(template, ...args);

function severityLabel(s: Severity): string {
  switch (s) {
    case 'error': return vscode.l10n.t('Errors');
    case 'warning': return vscode.l10n.t('Warnings');
    case 'info': return vscode.l10n.t('Notes');
    case 'ok': return vscode.l10n.t('OK');
  }
}

/** The last report as a tree: header, severity groups, findings, their evidence and fix. */
class DoctorTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  report: FullReport | undefined;
  host = '';

  show(host: string, report: FullReport): void {
    this.host = host;
    this.report = report;
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  getTreeItem(n: Node): vscode.TreeItem {
    switch (n.type) {
      case 'header': {
        const r = n.report;
        const label = r.process ? `${this.host} · ${r.process.pid}` : this.host;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
        item.description = `${r.host.os}, ${r.host.kernel}, cgroup ${r.host.cgroup}${r.process ? ` · ${r.process.exe} ${r.process.goVersion ?? ''}` : ''}`;
        item.iconPath = new vscode.ThemeIcon(r.process ? 'symbol-event' : 'remote');
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(`${severityLabel(n.severity)} (${n.findings.length})`,
          n.severity === 'ok' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = ICONS[n.severity];
        return item;
      }
      case 'finding': {
        const item = new vscode.TreeItem(n.finding.id, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = n.finding.title;
        item.tooltip = n.finding.fix ? `${n.finding.title}\n\n${n.finding.fix}` : n.finding.title;
        item.iconPath = ICONS[n.finding.severity];
        return item;
      }
      case 'evidence': {
        const item = new vscode.TreeItem(n.source, vscode.TreeItemCollapsibleState.None);
        item.description = n.value;
        item.tooltip = `${n.source}\n${n.value}`;
        item.iconPath = new vscode.ThemeIcon('file');
        return item;
      }
      case 'fix': {
        const item = new vscode.TreeItem(vscode.l10n.t('Fix: {0}', n.fix), vscode.TreeItemCollapsibleState.None);
        item.tooltip = n.fix;
        item.iconPath = new vscode.ThemeIcon('lightbulb');
        item.contextValue = 'anole.doctor.fix';
        return item;
      }
      case 'process': {
        const item = new vscode.TreeItem(`${n.row.pid} ${n.row.exe}`, vscode.TreeItemCollapsibleState.None);
        item.description = n.row.finding ? `${n.row.finding.id}: ${n.row.finding.title}` : n.row.goVersion;
        item.iconPath = ICONS[n.row.worst];
        item.command = { command: Commands.checkHost, title: vscode.l10n.t('Check Process'), arguments: [{ host: n.host, pid: n.row.pid }] };
        return item;
      }
    }
  }

  getChildren(n?: Node): Node[] {
    const r = this.report;
    if (!r) return [];
    if (!n) {
      const groups = ORDER.map((severity) => ({ type: 'group' as const, severity, findings: r.findings.filter((f) => f.severity === severity) }))
        .filter((g) => g.findings.length > 0);
      const procs = (r.processes ?? []).map((row) => ({ type: 'process' as const, row, host: this.host }));
      return [{ type: 'header', report: r }, ...groups, ...procs];
    }
    if (n.type === 'group') return n.findings.map((finding) => ({ type: 'finding', finding }));
    if (n.type === 'finding') {
      const ev: Node[] = n.finding.evidence.map((e) => ({ type: 'evidence', source: e.source, value: e.value }));
      return n.finding.fix ? [{ type: 'fix', fix: n.finding.fix }, ...ev] : ev;
    }
    return [];
  }
}

/** Worst severity of the last check of each host ("host") and process ("host pid"), for the Hosts tree's badges. */
export const lastChecks = new Map<string, Severity>();
const checked = new vscode.EventEmitter<void>();
/** Fires when {@link lastChecks} changed. */
export const onDidCheck = checked.event;

/** What the command accepts: a Hosts tree node, a {host, pid} pair, or nothing (then it asks). */
/** The argument of `anole.checkHost`: a Hosts view node, or a host and pid. */
export type CheckArg = { type?: string; host?: string; pid?: number; process?: GoProcess } | undefined;

/** Registers the Host Check view, `anole.checkHost` and the fix's copy action. */
export function register(context: vscode.ExtensionContext, deps: { log: vscode.LogOutputChannel; connections: Connections; profiler: Profiler }): void {
  const tree = new DoctorTree();
  const view = vscode.window.createTreeView(Views.doctor, { treeDataProvider: tree });
  const check = async (arg: CheckArg) => {
    let host = arg?.host;
    let pid = arg?.process?.pid ?? arg?.pid;
    if (!host) {
      const t = await deps.profiler.pickTarget();
      if (!t) return;
      [host, pid] = [t.host, t.pid];
    }
    const where = pid !== undefined ? `${host} · ${pid}` : host;
    try {
      const report: FullReport = await withCancellableProgress(
        vscode.l10n.t('Anole: Checking {0}…', where),
        async (_p, signal) => {
          const remote = await deps.connections.get(host!);
          return pid !== undefined ? runDoctor(remote, { pid, signal, translate }) : runHostDoctor(remote, { signal, translate });
        },
      );
      tree.show(host, report);
      lastChecks.set(pid !== undefined ? `${host} ${pid}` : host, worst(report.findings));
      for (const row of report.processes ?? []) lastChecks.set(`${host} ${row.pid}`, row.worst);
      checked.fire();
      const bad = report.findings.filter((f) => f.severity === 'warning' || f.severity === 'error').length;
      view.badge = bad ? { value: bad, tooltip: vscode.l10n.t('{0} warnings or errors on {1}', bad, where) } : undefined;
      await vscode.commands.executeCommand(`${Views.doctor}.focus`);
    } catch (e) {
      showError(deps.log, vscode.l10n.t('Checking {0} failed', where), e);
    }
  };
  context.subscriptions.push(
    tree,
    view,
    checked,
    registerCommand(vscode.commands, Commands.checkHost, (arg?: CheckArg) => check(arg)),
    registerCommand(vscode.commands, Commands.doctorCopyFix, async (n?: Node) => {
      if (n?.type !== 'fix') return;
      await vscode.env.clipboard.writeText(n.fix);
      void vscode.window.showInformationMessage(vscode.l10n.t('Fix copied to the clipboard'));
    }),
  );
}
