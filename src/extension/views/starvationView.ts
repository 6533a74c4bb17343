// The trace report webview (a panel, or the custom editor of *.trace / trace.out): the starvation tables and the timeline; spans and rows open source.
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { StarvationResult, TimelineParams, TimelineResult } from '../../core/annotations/protocol';
import type { HandoffAction } from '../../core/webview/messages';
import { webviewStrings } from './profileSession';
import { setupWebview } from './webviewHelper';

/** What the report page needs from the extension. */
export interface StarvationViewDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** `anole/starvation` of a loaded trace. */
  starvation(id: string): Promise<StarvationResult>;
  /** `anole/timeline`: the lanes' merged spans of a window (the Timeline tab). */
  timeline(params: TimelineParams): Promise<TimelineResult>;
  /** The process the trace came from, as the report names it, if known. */
  target?(id: string): string | undefined;
  /** Runs a hand-off on that process. */
  handoff?(id: string, action: HandoffAction): Promise<void>;
}

/** A trace the server is loading for a view: its id, and whether it is read progressively (the page then opens on the timeline, which fills first). */
export interface LoadingTrace {
  id: string;
  progressive: boolean;
}

/**
 * Shows the report of trace `trace` in `webview` (the page asks with `ready`, also after a reload).
 * `trace` may still be loading: the page boots meanwhile, and shows the load's error if it fails.
 * Only workspace files the server mapped are opened. Returns what to dispose with the panel.
 */
export function showStarvation(
  webview: vscode.Webview, deps: StarvationViewDeps, trace: string | Promise<LoadingTrace>, title: string, focus?: string,
): vscode.Disposable {
  // An already loaded trace (the report command): the page opens on its report.
  const loaded = typeof trace === 'string' ? Promise.resolve({ id: trace, progressive: false }) : trace;
  loaded.catch(() => undefined); // the page shows the error when it asks
  const view = setupWebview(webview, deps.extensionUri, 'starvation', title, deps.log);
  const mapped = new Set<string>();
  const opened = Date.now();
  let painted = false;
  // When the page booted and first asked for spans, for the first-paint log line.
  let readyAt: number | undefined;
  let bootMs: number | undefined;
  let firstAskAt: number | undefined;
  view.onMessage(async (m) => {
    switch (m.type) {
      case 'ready': {
        readyAt ??= Date.now() - opened;
        bootMs ??= m.bootMs;
        try {
          const { id, progressive } = await loaded;
          void view.post({ type: 'loading', message: vscode.l10n.t('Loading the starvation report…'), preferTimeline: progressive });
          const r = await deps.starvation(id);
          for (const x of [...r.report.groups, ...r.report.lines]) if (x.localUri) mapped.add(x.localUri);
          const target = deps.target?.(id);
          void view.post({ type: 'starvation', title, report: r.report, focus, strings: webviewStrings(), ...(target ? { target } : {}) });
        } catch (e) {
          void view.post({ type: 'error', message: errorMessage(e) });
        }
        return;
      }
      case 'timeline': {
        const asked = Date.now();
        firstAskAt ??= asked - opened;
        try {
          const { id } = await loaded;
          const data = await deps.timeline({ id, fromNs: m.fromNs, toNs: m.toNs, widthPx: m.widthPx, ...(m.expand ? { expand: m.expand } : {}) });
          for (const s of data.sites) if (s.localUri) mapped.add(s.localUri);
          if (!painted && data.lanes.some((l) => l.spans.length > 0)) {
            painted = true;
            deps.log.info(
              `timeline ${id}: first spans to draw ${Date.now() - opened} ms after the view opened (${data.loading ? `${Math.round(data.loading.fraction * 100)}% of the trace read` : 'whole trace'}; ` +
                `page ready at ${readyAt ?? '?'} ms (its own load ${bootMs ?? '?'} ms), first asked at ${firstAskAt} ms, this answer took ${Date.now() - asked} ms)`,
            );
          }
          void view.post({ type: 'timeline', seq: m.seq, data });
        } catch (e) {
          void view.post({ type: 'error', message: errorMessage(e) });
        }
        return;
      }
      case 'openSource': {
        if (!m.localUri || !mapped.has(m.localUri)) {
          void vscode.window.showInformationMessage(vscode.l10n.t('{0} is not in the workspace.', m.file));
          return;
        }
        const pos = new vscode.Position(Math.max(0, m.line - 1), 0);
        await vscode.window.showTextDocument(vscode.Uri.parse(m.localUri, true), {
          selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.Beside, preview: true,
        });
        return;
      }
      case 'handoff':
        await deps.handoff?.((await loaded).id, m.action);
        return;
      case 'error':
        deps.log.error(`starvation view: ${m.message}`);
        return;
      default:
        return;
    }
  });
  return view;
}
