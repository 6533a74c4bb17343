// Heat, lock-hold, block-wait, runtime-trace (runnable, blocked) and comparison (± vs baseline) decorations
// for visible Go editors, from `anole/decorations`.
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { DecorationsResult, LineAnnotation } from '../core/annotations/protocol';
import { Commands, ContextKeys, registerCommand } from './commands';
import type { AnnotationServer } from './languageClient';
import { Disposable } from './dispose';
import { HEAT_BUCKETS, heatBucket, labelledLines } from './heat';
import { affects, settings, type AnnotationSettings } from './settings';
import { showError } from './ui';

const DEBOUNCE_MS = 150;

/** Owns the decoration types and keeps visible Go editors in step with the server. */
export class AnnotationDecorations extends Disposable {
  private readonly heat: vscode.TextEditorDecorationType[];
  private readonly lockHold: vscode.TextEditorDecorationType;
  private readonly blockWait: vscode.TextEditorDecorationType;
  private readonly runnable: vscode.TextEditorDecorationType;
  private readonly blocked: vscode.TextEditorDecorationType;
  /** An open comparison: lines that got worse (red) or better (green) than the baseline. */
  private readonly worse: vscode.TextEditorDecorationType;
  private readonly better: vscode.TextEditorDecorationType;
  private timer?: NodeJS.Timeout;
  private pending = new Set<string>();
  private all = false;
  private generation = 0;

  constructor(private readonly server: () => AnnotationServer | undefined, private readonly log: vscode.LogOutputChannel) {
    super();
    const after = { color: new vscode.ThemeColor('anole.annotationForeground'), margin: '0 0 0 2em', fontStyle: 'italic' };
    this.heat = HEAT_BUCKETS.map((b, i) => vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor(b.color),
      overviewRulerColor: i === 0 ? new vscode.ThemeColor('anole.hotLineOverviewRuler') : undefined,
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      after,
    }));
    this.lockHold = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('anole.lockHoldBackground'),
      borderColor: new vscode.ThemeColor('anole.lockHoldBorder'),
      borderStyle: 'solid',
      borderWidth: '0 0 0 3px',
      overviewRulerColor: new vscode.ThemeColor('anole.lockHoldOverviewRuler'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
      after: { ...after, color: new vscode.ThemeColor('anole.lockHoldForeground') },
    });
    this.blockWait = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('anole.blockWaitBackground'),
      borderColor: new vscode.ThemeColor('anole.blockWaitBorder'),
      borderStyle: 'dashed',
      borderWidth: '0 0 0 3px',
      overviewRulerColor: new vscode.ThemeColor('anole.blockWaitOverviewRuler'),
      overviewRulerLane: vscode.OverviewRulerLane.Center,
      after: { ...after, color: new vscode.ThemeColor('anole.blockWaitForeground') },
    });
    this.runnable = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('anole.runnableBackground'),
      borderColor: new vscode.ThemeColor('anole.runnableBorder'),
      borderStyle: 'solid',
      borderWidth: '0 0 0 3px',
      overviewRulerColor: new vscode.ThemeColor('anole.runnableOverviewRuler'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      after: { ...after, color: new vscode.ThemeColor('anole.runnableForeground') },
    });
    this.blocked = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('anole.blockedBackground'),
      borderColor: new vscode.ThemeColor('anole.blockedBorder'),
      borderStyle: 'dotted',
      borderWidth: '0 0 0 3px',
      overviewRulerColor: new vscode.ThemeColor('anole.blockedOverviewRuler'),
      overviewRulerLane: vscode.OverviewRulerLane.Center,
      after: { ...after, color: new vscode.ThemeColor('anole.blockedForeground') },
    });
    const compared = (name: 'Worse' | 'Better', lane: vscode.OverviewRulerLane) => vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor(`anole.compare${name}Background`),
      overviewRulerColor: new vscode.ThemeColor(`anole.compare${name}Foreground`),
      overviewRulerLane: lane,
      after: { ...after, color: new vscode.ThemeColor(`anole.compare${name}Foreground`) },
    });
    this.worse = compared('Worse', vscode.OverviewRulerLane.Right);
    this.better = compared('Better', vscode.OverviewRulerLane.Left);
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()));
    this._register(vscode.workspace.onDidSaveTextDocument((d) => this.schedule([d.uri.toString()])));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, 'annotations')) this.schedule();
    }));
  }

  /** Listens to the server's change notifications (call once the client has started). */
  attach(server: AnnotationServer): void {
    this._register(server.onDidChangeAnnotations((p) => this.schedule(p.uris)));
    this.schedule();
  }

  /** Re-requests decorations for `uris` (default: every visible Go editor), debounced. */
  schedule(uris?: string[]): void {
    if (uris) for (const u of uris) this.pending.add(u);
    else this.all = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  /** Removes every decoration now. */
  clearAll(): void {
    this.generation++;
    for (const ed of vscode.window.visibleTextEditors) this.apply(ed, undefined, settings.annotations());
  }

  private async flush(): Promise<void> {
    const all = this.all;
    const pending = this.pending;
    this.all = false;
    this.pending = new Set();
    const gen = this.generation;
    const cfg = settings.annotations();
    const editors = vscode.window.visibleTextEditors.filter((ed) =>
      ed.document.languageId === 'go' && ed.document.uri.scheme === 'file' && (all || pending.has(ed.document.uri.toString())));
    const server = this.server();
    const byUri = new Map<string, vscode.TextEditor[]>();
    for (const ed of editors) byUri.set(ed.document.uri.toString(), [...(byUri.get(ed.document.uri.toString()) ?? []), ed]);
    await Promise.all([...byUri].map(async ([uri, eds]) => {
      let res: DecorationsResult | undefined;
      if (server && cfg.enabled) {
        try {
          res = await server.decorations({ uri });
        } catch (e) {
          this.log.warn(`anole/decorations ${uri}: ${errorMessage(e)}`);
          return;
        }
      }
      if (gen !== this.generation) return; // cleared meanwhile
      for (const ed of eds) this.apply(ed, res, cfg);
    }));
  }

  private apply(ed: vscode.TextEditor, res: DecorationsResult | undefined, cfg: AnnotationSettings): void {
    const doc = ed.document;
    const opts = (rows: LineAnnotation[], labelled: Set<number> | 'all'): vscode.DecorationOptions[] =>
      rows.filter((r) => r.line >= 0 && r.line < doc.lineCount).map((r) => {
        // No hoverMessage: the server's hover already explains the line.
        const o: vscode.DecorationOptions = { range: doc.lineAt(r.line).range };
        if (labelled === 'all' || labelled.has(r.line)) o.renderOptions = { after: { contentText: r.label } };
        return o;
      });
    const hot = res?.hot ?? [];
    const labels = labelledLines(hot, cfg.maxLabels);
    this.heat.forEach((type, i) => ed.setDecorations(type, opts(hot.filter((r) => heatBucket(r.weight) === i), labels)));
    ed.setDecorations(this.lockHold, cfg.showLockHold ? opts(res?.lockHold ?? [], 'all') : []);
    ed.setDecorations(this.blockWait, cfg.showBlockWait ? opts(res?.blockWait ?? [], 'all') : []);
    // The server leaves these empty when anole.trace.decorations is off.
    ed.setDecorations(this.runnable, opts(res?.runnable ?? [], 'all'));
    ed.setDecorations(this.blocked, opts(res?.blocked ?? [], 'all'));
    // After the heat types: a compared line shows its "± vs baseline" label rather than its heat label.
    const compare = res?.compare ?? [];
    ed.setDecorations(this.worse, opts(compare.filter((r) => r.worse), 'all'));
    ed.setDecorations(this.better, opts(compare.filter((r) => !r.worse), 'all'));
  }

  override dispose(): void {
    clearTimeout(this.timer);
    super.dispose();
    for (const t of [...this.heat, this.lockHold, this.blockWait, this.runnable, this.blocked, this.worse, this.better]) t.dispose();
  }
}

/** Creates the decorations and the Clear Annotations command. */
export function register(
  context: vscode.ExtensionContext,
  deps: { server: () => AnnotationServer | undefined; log: vscode.LogOutputChannel; onCleared?: (unloaded: string[]) => void },
): AnnotationDecorations {
  const decorations = new AnnotationDecorations(deps.server, deps.log);
  context.subscriptions.push(
    decorations,
    registerCommand(vscode.commands, Commands.clearAnnotations, async () => {
      try {
        const res = await deps.server()?.clear({});
        decorations.clearAll();
        deps.onCleared?.(res?.unloaded ?? []);
        await vscode.commands.executeCommand('setContext', ContextKeys.hasAnnotations, false);
      } catch (e) {
        showError(deps.log, vscode.l10n.t('Clear Annotations'), e);
      }
    }),
  );
  return decorations;
}
