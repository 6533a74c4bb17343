// One open profile view (panel or custom editor): fetches flame graph and top table from the
// language server, answers the page's messages, and opens source files it may open.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import {
  FlameGraphRequest, TopRequest, type FlameGraphParams, type NormalizeMode, type RequestSender, type TopResultMessage,
} from '../../core/annotations/protocol';
import { sampleTypeChoices, type ProfileTab, type TopBy, type ViewFlameGraph, type WebviewToHost } from '../../core/webview/messages';
import { bestSuffixMatch, isInside } from '../../core/webview/sourcePaths';
import { WEBVIEW_STRINGS, type WebviewStrings } from '../../core/webview/strings';
import { Disposable } from '../dispose';
import type { TypedWebview } from './webviewHelper';

/** What a view shows: a profile, or the diff of `id` (new) against `baseId`, the base scaled as `normalize` says. */
export interface ViewTarget {
  id: string;
  baseId?: string;
  normalize?: NormalizeMode;
  label: string;
}

/** What a session needs from the extension. */
export interface SessionDeps {
  /** The language client (anole/flameGraph, anole/top). */
  client: RequestSender;
  log: vscode.LogOutputChannel;
}

/** Controller of one webview showing one profile (or diff). */
export class ProfileSession extends Disposable {
  private sampleType: string | undefined;
  private by: TopBy = 'function';
  private focus: string | undefined;
  private tab: ProfileTab;
  private target: ViewTarget | undefined;
  /** Local files the server mapped (file URI strings), and profile path → mapped URI. */
  private readonly mapped = new Set<string>();
  private readonly mappedByPath = new Map<string, string>();
  private generation = 0;
  private cache: { key: string; flame: ViewFlameGraph; topRes: TopResultMessage } | undefined;

  constructor(
    readonly view: TypedWebview,
    private readonly deps: SessionDeps,
    /** Resolves the profile to show (loads a file first for custom editors). */
    private readonly resolveTarget: () => Promise<ViewTarget>,
    opts: { tab?: ProfileTab; focus?: string } = {},
  ) {
    super();
    this.tab = opts.tab ?? 'flame';
    this.focus = opts.focus;
    this._register(view.onMessage((m) => this.onMessage(m)));
  }

  /** Shows `tab` and, optionally, focuses a function (on a page that is already running). */
  reveal(tab: ProfileTab, focus?: string): void {
    this.tab = tab;
    void this.view.post({ type: 'showTab', tab });
    if (focus) {
      this.focus = focus;
      void this.view.post({ type: 'focus', function: focus });
    }
  }

  private async onMessage(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.refresh(true);
      case 'setSampleType':
        this.sampleType = m.sampleType;
        return this.refresh(false);
      case 'setTopBy':
        this.by = m.by;
        return this.refresh(false);
      case 'openSource':
        return this.openSource(m.file, m.line, m.localUri);
      case 'error':
        this.deps.log.error(`profile view: ${m.message}`);
        return;
    }
  }

  /** Fetches the data and posts it; `initial` also sends `init` (the page has just (re)loaded). */
  private async refresh(initial: boolean): Promise<void> {
    const gen = ++this.generation;
    const view = this.view;
    try {
      void view.post({ type: 'loading', message: vscode.l10n.t('Loading profile…') });
      this.target ??= await this.resolveTarget();
      const t = this.target;
      const diff = t.baseId !== undefined;
      const key = `${this.sampleType ?? ''}\u0000${this.by}`;
      let fetched = this.cache?.key === key ? this.cache : undefined;
      if (!fetched) {
        const flameParams: FlameGraphParams = { id: t.id, sampleType: this.sampleType, baseId: t.baseId, normalize: t.normalize };
        const flameP = this.deps.client.sendRequest(FlameGraphRequest, flameParams);
        // A diff's table is the CLI's diff (new − base per function or line), not derived from the pruned tree.
        const topP = this.deps.client.sendRequest(TopRequest,
          { id: t.id, by: this.by, sampleType: this.sampleType, limit: 5000, baseId: t.baseId, normalize: t.normalize });
        const [f, tr] = await Promise.all([flameP, topP]);
        fetched = { key, flame: f, topRes: tr };
      }
      if (gen !== this.generation) return; // a newer request superseded this one
      // Kept so that showing a hidden view again (the page reloads) needs no round trip.
      this.cache = fetched;
      const { flame, topRes } = fetched;
      const flameOut: ViewFlameGraph = diff ? { ...flame, baseId: t.baseId } : flame;
      const rows = topRes.rows;
      for (const r of rows) {
        if (r.localUri && r.localUri.startsWith('file:')) {
          this.mapped.add(r.localUri);
          this.mappedByPath.set(r.file, r.localUri);
        }
      }
      if (initial) {
        void view.post({
          type: 'init',
          title: t.label,
          tab: this.tab,
          diff,
          sampleTypes: sampleTypeChoices(flame.sampleType.type),
          strings: webviewStrings(),
        });
      }
      await view.post({
        type: 'data',
        flame: flameOut,
        top: { by: this.by, total: topRes.total, rows },
      });
      if (initial && this.focus) {
        void view.post({ type: 'focus', function: this.focus });
        this.focus = undefined; // once: a reloaded page restores the user's own zoom
      }
    } catch (err) {
      if (gen !== this.generation) return;
      this.deps.log.error(`profile view: ${errorMessage(err)}`);
      void view.post({ type: 'error', message: vscode.l10n.t('Could not load the profile: {0}', errorMessage(err)) });
    }
  }

  /**
   * Opens a source file the page asked for, only if it is a file URI the server mapped, or a
   * file inside the workspace (the profile's own path, or the workspace file sharing its tail).
   */
  private async openSource(file: string, line: number, localUri: string | undefined): Promise<void> {
    const uri = await this.resolveSource(file, localUri);
    if (!uri) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} is not in the workspace.', path.basename(file)));
      return;
    }
    const pos = new vscode.Position(Math.max(0, line - 1), 0);
    try {
      await vscode.window.showTextDocument(uri, {
        selection: new vscode.Range(pos, pos),
        viewColumn: vscode.ViewColumn.Beside,
        preview: true,
      });
    } catch (err) {
      this.deps.log.error(`profile view: opening ${uri.toString()} failed: ${errorMessage(err)}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Opening {0} failed', uri.fsPath));
    }
  }

  private async resolveSource(file: string, localUri: string | undefined): Promise<vscode.Uri | undefined> {
    if (localUri && this.mapped.has(localUri)) return vscode.Uri.parse(localUri, true);
    const known = this.mappedByPath.get(file);
    if (known) return vscode.Uri.parse(known, true);
    const folders = vscode.workspace.workspaceFolders ?? [];
    const local = folders.filter((f) => f.uri.scheme === 'file');
    if (path.isAbsolute(file)) {
      for (const f of local) if (isInside(f.uri.fsPath, file)) return vscode.Uri.file(path.resolve(file));
    }
    const base = path.basename(file.replace(/\\/g, '/'));
    if (!base || local.length === 0 || /[*?{}[\]]/.test(base)) return undefined;
    const found = await vscode.workspace.findFiles(`**/${base}`, '**/{node_modules,.git}/**', 200);
    const best = bestSuffixMatch(file, found.filter((u) => u.scheme === 'file').map((u) => u.fsPath));
    if (!best || !local.some((f) => isInside(f.uri.fsPath, best))) return undefined;
    return vscode.Uri.file(best);
  }

  override dispose(): void {
    this.generation++;
    super.dispose();
    this.view.dispose();
  }
}

/** The page's strings in VS Code's display language (l10n bundle); the `{n}` placeholders stay for the page to fill. */
export function webviewStrings(): WebviewStrings {
  const out = {} as WebviewStrings;
  for (const [id, english] of Object.entries(WEBVIEW_STRINGS) as Array<[keyof WebviewStrings, string]>) {
    out[id] = vscode.l10n.t(english, '{0}', '{1}', '{2}');
  }
  return out;
}
