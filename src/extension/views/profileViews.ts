// Registers the profile views: flame graph / top table panels, profile comparison, and the
// read-only custom editor that opens .pb.gz / .pprof files from the Explorer.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands as LensCommands } from '../../core/annotations/protocol';
import type { ProfileTab } from '../../core/webview/messages';
import { ProfileSession, type ViewTarget } from './profileSession';
import { createWebviewPanel, errorText, setupWebview } from './webviewHelper';

/** Command ids contributed by the views (see CONTRIBUTES.md for the manifest entries). */
export const ViewCommands = {
  /** The server's CodeLens names this one (core/annotations/protocol.ts). */
  showFlameGraph: LensCommands.showFlameGraph,
  showTopTable: 'anole.showTopTable',
  compareProfiles: 'anole.compareProfiles',
} as const;

/** viewType of the read-only profile custom editor. */
export const PROFILE_EDITOR_VIEW_TYPE = 'anole.profileEditor';
/** viewType of the flame graph / top table panels. */
export const PROFILE_PANEL_VIEW_TYPE = 'anole.profileView';
/** The webview page (media/src/profile.ts → dist/webview/profile.js, media/profile.css). */
const ENTRY = 'profile';

/** What the views need from the rest of the extension. */
export interface ProfileViewDeps {
  /** The language client (anole/flameGraph, anole/top). */
  client: { sendRequest<R>(method: string, params: unknown): Promise<R> };
  log: vscode.LogOutputChannel;
  /** Loads a profile file into the server (anole/loadProfile) and returns its id. */
  loadProfile(path: string): Promise<{ id: string }>;
  /** Profiles loaded elsewhere (captures, the load command), offered when a command asks which one. */
  listProfiles?(): readonly { id: string; label: string }[];
}

/**
 * Arguments of anole.showFlameGraph / anole.showTopTable: the CodeLens passes `ShowFlameGraphArgs`
 * (protocol.ts); a `vscode.Uri` (Explorer) loads that file; nothing asks which profile.
 */
export interface ShowProfileArgs {
  profileId: string;
  function?: string;
}

/** Arguments of anole.compareProfiles when called programmatically. */
export interface CompareArgs {
  baseId: string;
  profileId: string;
}

const PROFILE_FILTERS = { [vscode.l10n.t('pprof profiles')]: ['gz', 'pprof', 'pb'] };

/**
 * Registers the commands and the custom editor; everything (and every open panel) is disposed
 * with `context.subscriptions`.
 */
export function registerProfileViews(context: vscode.ExtensionContext, deps: ProfileViewDeps): vscode.Disposable {
  const views = new ProfileViews(context.extensionUri, deps);
  context.subscriptions.push(
    views,
    vscode.commands.registerCommand(ViewCommands.showFlameGraph, (arg?: unknown) => views.showCommand(arg, 'flame')),
    vscode.commands.registerCommand(ViewCommands.showTopTable, (arg?: unknown) => views.showCommand(arg, 'top')),
    vscode.commands.registerCommand(ViewCommands.compareProfiles, (arg?: unknown) => views.compareCommand(arg)),
    vscode.window.registerCustomEditorProvider(PROFILE_EDITOR_VIEW_TYPE, views, {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    }),
  );
  return views;
}

/** Tracks open panels and sessions; also the custom editor provider. */
class ProfileViews implements vscode.CustomReadonlyEditorProvider<ProfileDocument>, vscode.Disposable {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; session: ProfileSession }>();
  private readonly editorSessions = new Set<ProfileSession>();
  /** Profiles this module loaded (files opened, compared), for the pickers. */
  private readonly loaded = new Map<string, string>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly deps: ProfileViewDeps) {}

  async showCommand(arg: unknown, tab: ProfileTab): Promise<void> {
    try {
      let target: ViewTarget | undefined;
      let focus: string | undefined;
      if (arg instanceof vscode.Uri) {
        target = await this.loadFile(arg);
      } else if (isShowArgs(arg)) {
        target = { id: arg.profileId, label: this.labelOf(arg.profileId) };
        focus = arg.function;
      } else {
        target = await this.pickProfile(vscode.l10n.t('Profile to show'));
      }
      if (target) this.open(target, tab, focus);
    } catch (err) {
      this.fail(err);
    }
  }

  async compareCommand(arg: unknown): Promise<void> {
    try {
      let base: ViewTarget | undefined;
      let next: ViewTarget | undefined;
      if (isCompareArgs(arg)) {
        base = { id: arg.baseId, label: this.labelOf(arg.baseId) };
        next = { id: arg.profileId, label: this.labelOf(arg.profileId) };
      } else {
        base = await this.pickProfile(vscode.l10n.t('Base profile (before)'));
        if (!base) return;
        next = await this.pickProfile(vscode.l10n.t('New profile (after)'), base.id);
      }
      if (!base || !next) return;
      this.open({ id: next.id, baseId: base.id, label: `${next.label} − ${base.label}` }, 'flame');
    } catch (err) {
      this.fail(err);
    }
  }

  /** Opens (or reveals) the panel of `target`. */
  open(target: ViewTarget, tab: ProfileTab, focus?: string): void {
    const key = `${target.id}\u0000${target.baseId ?? ''}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      existing.session.reveal(tab, focus);
      return;
    }
    const title = target.baseId ? vscode.l10n.t('Diff: {0}', target.label) : target.label;
    const { panel, view } = createWebviewPanel(this.extensionUri, PROFILE_PANEL_VIEW_TYPE, title, ENTRY, this.deps.log);
    const session = new ProfileSession(view, this.deps, async () => target, { tab, focus });
    this.panels.set(key, { panel, session });
    panel.onDidDispose(() => {
      session.dispose();
      this.panels.delete(key);
    });
  }

  openCustomDocument(uri: vscode.Uri): ProfileDocument {
    return new ProfileDocument(uri, () => this.loadFile(uri));
  }

  resolveCustomEditor(document: ProfileDocument, panel: vscode.WebviewPanel): void {
    const title = path.basename(document.uri.path);
    const view = setupWebview(panel.webview, this.extensionUri, ENTRY, title, this.deps.log);
    const session = new ProfileSession(view, this.deps, () => document.target());
    this.editorSessions.add(session);
    panel.onDidDispose(() => {
      session.dispose();
      this.editorSessions.delete(session);
    });
  }

  /** Loads a profile file through the language server. */
  private async loadFile(uri: vscode.Uri): Promise<ViewTarget> {
    if (uri.scheme !== 'file') throw new Error(vscode.l10n.t('Only local profile files can be opened ({0}).', uri.toString()));
    const { id } = await this.deps.loadProfile(uri.fsPath);
    const label = path.basename(uri.fsPath);
    this.loaded.set(id, label);
    return { id, label };
  }

  private labelOf(id: string): string {
    return this.loaded.get(id) ?? this.deps.listProfiles?.().find((p) => p.id === id)?.label ?? id;
  }

  /** Asks for a loaded profile, or a file to load. */
  private async pickProfile(title: string, exclude?: string): Promise<ViewTarget | undefined> {
    const known = new Map<string, string>(this.loaded);
    for (const p of this.deps.listProfiles?.() ?? []) known.set(p.id, p.label);
    known.delete(exclude ?? '');
    if (known.size > 0) {
      type Item = vscode.QuickPickItem & { id?: string };
      const items: Item[] = [...known].map(([id, label]) => ({ label, description: id === label ? undefined : id, id }));
      items.push({ label: '$(folder-opened) ' + vscode.l10n.t('Open a profile file…') });
      const pick = await vscode.window.showQuickPick(items, { title, placeHolder: title });
      if (!pick) return undefined;
      if (pick.id) return { id: pick.id, label: known.get(pick.id)! };
    }
    const files = await vscode.window.showOpenDialog({
      title, canSelectMany: false, canSelectFolders: false, filters: PROFILE_FILTERS, openLabel: vscode.l10n.t('Open profile'),
    });
    if (!files || files.length === 0) return undefined;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Loading {0}…', path.basename(files[0].fsPath)) },
      () => this.loadFile(files[0]),
    );
  }

  private fail(err: unknown): void {
    this.deps.log.error(`profile views: ${errorText(err)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Anole: {0}', errorText(err)));
  }

  dispose(): void {
    for (const { panel } of [...this.panels.values()]) panel.dispose();
    for (const s of [...this.editorSessions]) s.dispose();
    this.panels.clear();
    this.editorSessions.clear();
  }
}

/** A profile file opened in the custom editor: loaded once, shared by its editors; a failed load is retried. */
class ProfileDocument implements vscode.CustomDocument {
  private loading: Promise<ViewTarget> | undefined;

  constructor(readonly uri: vscode.Uri, private readonly load: () => Promise<ViewTarget>) {}

  target(): Promise<ViewTarget> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  dispose(): void {
    this.loading = undefined;
  }
}

function isShowArgs(v: unknown): v is ShowProfileArgs {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.profileId === 'string' && o.profileId !== '' && (o.function === undefined || typeof o.function === 'string');
}

function isCompareArgs(v: unknown): v is CompareArgs {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.baseId === 'string' && o.baseId !== '' && typeof o.profileId === 'string' && o.profileId !== '';
}
