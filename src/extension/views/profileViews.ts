// Registers the profile views: flame graph / top table panels, profile comparison, and the
// read-only custom editor that opens .pb.gz / .pprof files from the Explorer.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { CompareRequest, type NormalizeMode, type RequestSender, type ShowFlameGraphArgs } from '../../core/annotations/protocol';
import { isNormalizeMode } from '../../core/pprof/normalize';
import type { ProfileTab } from '../../core/webview/messages';
import { Commands, registerCommand } from '../commands';
import { settings } from '../settings';
import { ProfileSession, type ViewTarget } from './profileSession';
import { createWebviewPanel, setupWebview } from './webviewHelper';

/** viewType of the read-only profile custom editor. */
export const PROFILE_EDITOR_VIEW_TYPE = 'anole.profileEditor';
/** viewType of the flame graph / top table panels. */
export const PROFILE_PANEL_VIEW_TYPE = 'anole.profileView';
/** The webview page (media/src/profile.ts → dist/webview/profile.js, media/profile.css). */
const ENTRY = 'profile';

/** What the views need from the rest of the extension. */
export interface ProfileViewDeps {
  /** The language client (anole/flameGraph, anole/top). */
  client: RequestSender;
  log: vscode.LogOutputChannel;
  /**
   * Loads a profile file into the server for a view (anole/loadProfile, held) and returns its id;
   * the caller holds it until it releases it with `holdProfile(id, false)`. With `annotate` it also
   * annotates the source (replacing the annotating profile of its kind).
   */
  loadProfile(path: string, label?: string, annotate?: boolean): Promise<{ id: string }>;
  /** Holds (`true`) or releases (`false`) a loaded profile while a view shows it (anole/hold). */
  holdProfile(id: string, hold: boolean): Promise<void>;
  /** The live profile for `id`: itself, or the newer one of its kind that replaced it (a CodeLens drawn before that capture). */
  liveId?(id: string): string;
  /** Profiles loaded elsewhere (captures, the load command), offered when a command asks which one. */
  listProfiles?(): readonly { id: string; label: string; path?: string }[];
  /** Stored captures (profile files), offered too: picking one loads it for the view. */
  listCaptures?(): readonly { file: string; label: string }[];
}

/**
 * Arguments of anole.showFlameGraph / anole.showTopTable: the CodeLens passes `ShowFlameGraphArgs`
 * (protocol.ts); a `vscode.Uri` (Explorer) loads that file; nothing asks which profile.
 */
export interface ShowProfileArgs {
  profileId: string;
  function?: string;
}

/** The argument of anole.showFlameGraph / anole.showTopTable: lens or programmatic args, or a profile file. */
export type ProfileViewArg = ShowFlameGraphArgs | ShowProfileArgs | vscode.Uri;

/** Arguments of anole.compareProfiles when called programmatically. */
export interface CompareArgs {
  baseId: string;
  profileId: string;
  /** How to scale the base (default: the setting anole.compare.normalize, asked when it says so). */
  normalize?: NormalizeMode;
  /** The caller holds both profiles and hands the holds to the view (released when it closes). */
  held?: boolean;
}

/**
 * How to scale the baseline: the setting anole.compare.normalize, or (`ask`, or `always`) a pick
 * with the setting's mode first. Undefined when the user cancels.
 */
export async function pickNormalize(always = false): Promise<NormalizeMode | undefined> {
  const configured = settings.compareNormalize();
  if (configured !== 'ask' && !always) return configured;
  const items = [
    { mode: 'total' as const, label: vscode.l10n.t('By total'), detail: vscode.l10n.t('Scale the baseline to the new total: compare shapes, not volumes') },
    { mode: 'per-second' as const, label: vscode.l10n.t('Per second'), detail: vscode.l10n.t('Scale the baseline by the two durations: compare rates of windows of different length') },
    { mode: 'none' as const, label: vscode.l10n.t('Raw values'), detail: vscode.l10n.t('Compare the values as they are') },
  ];
  const first = configured === 'ask' ? 'total' : configured;
  items.sort((a, b) => Number(b.mode === first) - Number(a.mode === first));
  return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Normalise the baseline') }))?.mode;
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
    registerCommand(vscode.commands, Commands.showFlameGraph, (arg?: unknown) => views.showCommand(arg, 'flame')),
    registerCommand(vscode.commands, Commands.showTopTable, (arg?: unknown) => views.showCommand(arg, 'top')),
    registerCommand(vscode.commands, Commands.compareProfiles, (arg?: unknown) => views.compareCommand(arg)),
    vscode.window.registerCustomEditorProvider(PROFILE_EDITOR_VIEW_TYPE, views, {
      webviewOptions: { retainContextWhenHidden: false },
      supportsMultipleEditorsPerDocument: true,
    }),
  );
  return views;
}

/** A profile a command picked; `held` when it was loaded for the view (the view then owns that hold). */
type Picked = ViewTarget & { held?: boolean };

/** Tracks open panels and sessions; also the custom editor provider. */
class ProfileViews implements vscode.CustomReadonlyEditorProvider<ProfileDocument>, vscode.Disposable {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; session: ProfileSession }>();
  private readonly editorSessions = new Set<ProfileSession>();
  /** Labels of profiles this module loaded from files (the pickers ask `listProfiles` which are live). */
  private readonly labels = new Map<string, string>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly deps: ProfileViewDeps) {}

  async showCommand(arg: unknown, tab: ProfileTab): Promise<void> {
    try {
      let target: Picked | undefined;
      let focus: string | undefined;
      if (arg instanceof vscode.Uri) {
        target = { ...(await this.loadFile(arg, undefined, true)), held: true };
      } else if (isShowArgs(arg)) {
        const id = await this.holdLive(arg.profileId);
        target = { id, label: this.labelOf(id), held: true };
        focus = arg.function;
      } else {
        target = await this.pickProfile(vscode.l10n.t('Profile to show'));
      }
      if (target) this.open(target, tab, focus, target.held ? [target.id] : []);
    } catch (err) {
      this.fail(err);
    }
  }

  async compareCommand(arg: unknown): Promise<void> {
    try {
      let base: Picked | undefined;
      let next: Picked | undefined;
      let normalize: NormalizeMode | undefined;
      if (isCompareArgs(arg)) {
        base = { id: arg.baseId, label: this.labelOf(arg.baseId), held: arg.held };
        next = { id: arg.profileId, label: this.labelOf(arg.profileId), held: arg.held };
        const configured = settings.compareNormalize();
        normalize = arg.normalize ?? (configured === 'ask' ? 'total' : configured);
      } else {
        base = await this.pickProfile(vscode.l10n.t('Base profile (before)'));
        if (!base) return;
        next = await this.pickProfile(vscode.l10n.t('New profile (after)'), base.id);
      }
      normalize ??= base && next ? await pickNormalize() : undefined;
      const held = [base, next].filter((t) => t?.held).map((t) => t!.id);
      if (!base || !next || !normalize) {
        this.release(held);
        return;
      }
      this.open({ id: next.id, baseId: base.id, normalize, label: `${next.label} − ${base.label}` }, 'flame', undefined, held);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Opens (or reveals) the panel of `target`. The panel holds its profiles (`held`: those already
   * held for it) while it is open, so a newer capture of the same kind does not unload them, and
   * releases them when it closes.
   */
  open(target: ViewTarget, tab: ProfileTab, focus?: string, held: string[] = []): void {
    const key = `${target.id}\u0000${target.baseId ?? ''}\u0000${target.normalize ?? ''}`;
    const existing = this.panels.get(key);
    if (existing) {
      this.release(held);
      existing.panel.reveal();
      existing.session.reveal(tab, focus);
      return;
    }
    const title = target.baseId ? vscode.l10n.t('Diff: {0}', target.label) : target.label;
    const { panel, view } = createWebviewPanel(this.extensionUri, PROFILE_PANEL_VIEW_TYPE, title, ENTRY, this.deps.log);
    const owned = [...held];
    let closed = false;
    let comparing = false;
    const acquire = async (): Promise<ViewTarget> => {
      for (const id of target.baseId === undefined ? [target.id] : [target.id, target.baseId]) {
        if (owned.includes(id)) continue;
        await this.deps.holdProfile(id, true);
        if (closed) this.release([id]);
        else owned.push(id);
      }
      if (target.baseId !== undefined && !closed && !comparing) {
        comparing = true;
        void this.compareInSource(target, true);
      }
      return target;
    };
    // Held now, not when the webview has booted (~1.5 s later): a capture of the same kind arriving
    // in between would otherwise unload a profile the view was opened for.
    let acquiring: Promise<ViewTarget> | undefined;
    const acquireOnce = (): Promise<ViewTarget> => (acquiring ??= acquire());
    acquireOnce().catch(() => undefined); // the view shows the error when it asks
    const session = new ProfileSession(view, this.deps, acquireOnce, { tab, focus });
    this.panels.set(key, { panel, session });
    panel.onDidDispose(() => {
      closed = true;
      session.dispose();
      this.panels.delete(key);
      // The source stops showing this comparison before its profiles go.
      const ids = owned.splice(0);
      void (comparing ? this.compareInSource(target, false) : Promise.resolve()).finally(() => this.release(ids));
    });
  }

  /** Starts or stops the "± vs baseline" decorations of a comparison in the source (anole/compare). */
  private async compareInSource(target: ViewTarget, active: boolean): Promise<void> {
    if (target.baseId === undefined) return;
    try {
      const res = await this.deps.client.sendRequest(CompareRequest, { id: target.id, baseId: target.baseId, normalize: target.normalize, active });
      if (active) this.deps.log.info(`compare ${target.id} vs baseline ${target.baseId} (${res.normalize}): ${res.lines} changed line(s) in ${res.files} file(s)`);
    } catch (err) {
      this.deps.log.warn(`compare ${target.id} vs ${target.baseId}: ${errorMessage(err)}`);
    }
  }

  /** Releases profiles a view held (the server unloads those nothing else needs). */
  private release(ids: string[]): void {
    for (const id of ids) {
      this.deps.holdProfile(id, false).catch((err: unknown) => this.deps.log.warn(`releasing profile ${id}: ${errorMessage(err)}`));
    }
  }

  openCustomDocument(uri: vscode.Uri): ProfileDocument {
    // A profile opened from the Explorer also annotates the source, like a capture.
    return new ProfileDocument(uri, () => this.loadFile(uri, undefined, true), (id) => this.release([id]));
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
  private async loadFile(uri: vscode.Uri, label = path.basename(uri.fsPath), annotate = false): Promise<ViewTarget> {
    if (uri.scheme !== 'file') throw new Error(vscode.l10n.t('Only local profile files can be opened ({0}).', uri.toString()));
    const { id } = await this.deps.loadProfile(uri.fsPath, label, annotate);
    this.labels.set(id, label);
    return { id, label };
  }

  /**
   * Holds the profile a CodeLens named at once, so a capture that arrives while the view opens cannot
   * unload it; when it is already gone (the lens was drawn before a newer capture of its kind replaced
   * it), holds and returns that newer profile.
   */
  private async holdLive(id: string): Promise<string> {
    try {
      await this.deps.holdProfile(id, true);
      return id;
    } catch (e) {
      const live = this.deps.liveId?.(id) ?? id;
      if (live === id) throw e;
      this.deps.log.info(`profile ${id} was replaced by ${live}: showing ${live}`);
      await this.deps.holdProfile(live, true);
      return live;
    }
  }

  private labelOf(id: string): string {
    return this.labels.get(id) ?? this.deps.listProfiles?.().find((p) => p.id === id)?.label ?? id;
  }

  /**
   * Asks for a loaded profile (only those still loaded), a stored capture not loaded (loaded now,
   * then `held`), or a file to load (`held` too).
   */
  private async pickProfile(title: string, exclude?: string): Promise<Picked | undefined> {
    const live = (this.deps.listProfiles?.() ?? []).filter((p) => p.id !== exclude);
    const loadedPaths = new Set(live.map((p) => p.path));
    const captures = (this.deps.listCaptures?.() ?? []).filter((c) => !loadedPaths.has(c.file));
    let file: { uri: vscode.Uri; label?: string } | undefined;
    if (live.length + captures.length > 0) {
      type Item = vscode.QuickPickItem & { id?: string; capture?: { file: string; label: string } };
      const items: Item[] = live.map((p) => {
        const label = this.labels.get(p.id) ?? p.label;
        return { label, description: p.id === label ? undefined : p.id, id: p.id };
      });
      if (captures.length > 0) items.push({ label: vscode.l10n.t('Captures'), kind: vscode.QuickPickItemKind.Separator });
      items.push(...captures.map((c) => ({ label: c.label, description: path.basename(c.file), capture: c })));
      items.push({ label: '$(folder-opened) ' + vscode.l10n.t('Open a profile file…') });
      const pick = await vscode.window.showQuickPick(items, { title, placeHolder: title });
      if (!pick) return undefined;
      if (pick.id) return { id: pick.id, label: this.labels.get(pick.id) ?? pick.label };
      if (pick.capture) file = { uri: vscode.Uri.file(pick.capture.file), label: pick.capture.label };
    }
    if (!file) {
      const files = await vscode.window.showOpenDialog({
        title, canSelectMany: false, canSelectFolders: false, filters: PROFILE_FILTERS, openLabel: vscode.l10n.t('Open profile'),
      });
      if (!files || files.length === 0) return undefined;
      file = { uri: files[0] };
    }
    const chosen = file;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Loading {0}…', path.basename(chosen.uri.fsPath)) },
      async () => ({ ...(await this.loadFile(chosen.uri, chosen.label)), held: true }),
    );
  }

  private fail(err: unknown): void {
    this.deps.log.error(`profile views: ${errorMessage(err)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Anole: {0}', errorMessage(err)));
  }

  dispose(): void {
    for (const { panel } of [...this.panels.values()]) panel.dispose();
    for (const s of [...this.editorSessions]) s.dispose();
    this.panels.clear();
    this.editorSessions.clear();
  }
}

/**
 * A profile file opened in the custom editor: loaded once, shared by its editors, released when the
 * last of them closes (VS Code disposes the document); a failed load is retried.
 */
class ProfileDocument implements vscode.CustomDocument {
  private loading: Promise<ViewTarget> | undefined;

  constructor(
    readonly uri: vscode.Uri,
    private readonly load: () => Promise<ViewTarget>,
    private readonly release: (id: string) => void,
  ) {}

  target(): Promise<ViewTarget> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  dispose(): void {
    const loading = this.loading;
    this.loading = undefined;
    void loading?.then((t) => this.release(t.id), () => undefined);
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
  return typeof o.baseId === 'string' && o.baseId !== '' && typeof o.profileId === 'string' && o.profileId !== '' &&
    (o.normalize === undefined || isNormalizeMode(o.normalize)) && (o.held === undefined || typeof o.held === 'boolean');
}
