// "Open Profiles from Backend": a merged profile from the Parca or Grafana Pyroscope server a team
// already runs, picked by server, profile type, time range and label selector, loaded like a capture.
import * as vscode from 'vscode';
import { AnoleError } from '../core/errors';
import { withTimeWindow } from '../core/pprof';
import { compareGitRef, workspaceHead } from '../core/sources/gitRef';
import { isAuthError, openBackend, parseTime, type ProfileSource, type SourceAuth, type SourceProfileType, type TimeRange } from '../core/sources';
import { describeRange } from '../core/sources/profileTypes';
import type { CaptureMeta, CaptureStore } from './captureStore';
import { Commands, registerCommand } from './commands';
import type { Profiler } from './profile';
import { settings, type BackendSetting } from './settings';
import { showError, withCancellableProgress } from './ui';

const SECRET_PREFIX = 'anole.backend:';
const LAST_SELECTOR = 'anole.backend.lastSelector';
/** Labels that usually name the service, offered first. */
const SERVICE_LABELS = ['service_name', 'job', 'app', 'service'];

export interface BackendDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  store: CaptureStore;
  profiler: Profiler;
}

/** A server picked and connected, and the profile type picked on it. */
export interface BackendChoice {
  backend: BackendSetting;
  source: ProfileSource;
  type: SourceProfileType;
}

/**
 * The pickers and the query of "Open Profiles from Backend" (Compare reuses them), with the server's
 * credentials kept in SecretStorage under the server's kind and URL.
 */
export class BackendProfiles {
  constructor(private readonly deps: BackendDeps) {}

  async open(): Promise<void> {
    const choice = await this.pickServerAndType();
    if (!choice) return;
    const range = await pickRange();
    if (!range) return;
    const selector = await this.pickSelector(choice.source, choice.type, range);
    if (selector === undefined) return;
    const got = await withCancellableProgress(vscode.l10n.t('Anole: Merging {0} profiles from {1}…', choice.type.kind ?? choice.type.id, choice.backend.name), (_p, s) =>
      this.fetch(choice, selector, range, s),
    );
    if (got.kind === 'empty') {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0}: {1}', choice.backend.name, got.message));
      return;
    }
    await this.deps.profiler.load(got.meta);
    this.checkSourceVersion(got.labels);
  }

  /** A server (asking for credentials when it refuses), then one of its profile types. */
  async pickServerAndType(): Promise<BackendChoice | undefined> {
    const backend = await this.pickBackend();
    if (!backend) return undefined;
    let source = await this.sourceFor(backend);
    let types: SourceProfileType[];
    try {
      types = await withCancellableProgress(vscode.l10n.t('Anole: Reading profile types from {0}…', backend.name), (_p, s) => source.profileTypes(s));
    } catch (e) {
      if (!isAuthError(e) || !(await this.askCredentials(backend, e))) throw e;
      source = await this.sourceFor(backend);
      types = await withCancellableProgress(vscode.l10n.t('Anole: Reading profile types from {0}…', backend.name), (_p, s) => source.profileTypes(s));
    }
    const type = await this.pickType(types, backend);
    return type ? { backend, source, type } : undefined;
  }

  /**
   * Queries the merged profile and saves it in the capture store with the range it covers (so a
   * per-second comparison can use it); "no data in this range" comes back as a message.
   */
  async fetch(c: BackendChoice, selector: string, range: TimeRange, signal: AbortSignal): Promise<{ kind: 'profile'; meta: CaptureMeta; labels: Record<string, string> } | { kind: 'empty'; message: string }> {
    const res = await c.source.query({ type: c.type.id, selector, range }, signal);
    if (res.kind === 'empty') return res;
    const meta = this.deps.store.add(c.type.kind ?? 'cpu', withTimeWindow(res.pprof, range, c.source.name), {
      host: c.backend.name, url: c.source.name,
      backend: { kind: c.backend.kind, profileType: c.type.id, selector, fromMs: range.fromMs, toMs: range.toMs, description: res.description },
    });
    this.deps.log.info(`saved ${meta.file} from ${res.description}`);
    for (const w of res.warnings) this.deps.log.warn(`${c.backend.name}: ${w}`);
    return { kind: 'profile', meta, labels: res.labels };
  }

  /** Says so when the profile's service_git_ref is not the workspace's HEAD (a notification). */
  private checkSourceVersion(labels: Record<string, string>): void {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    const match = compareGitRef(labels, folder && workspaceHead(folder.uri.fsPath));
    if (match.kind !== 'differs') return;
    const repo = match.repository ? ` (${match.repository})` : '';
    void vscode.window.showWarningMessage(
      vscode.l10n.t('The profile was taken from commit {0}{1}, but the workspace is at {2}: annotated lines may have moved.', match.profileRef.slice(0, 12), repo, match.headRef.slice(0, 12)),
    );
  }

  private async pickBackend(): Promise<BackendSetting | undefined> {
    const configured = settings.backends();
    type Item = vscode.QuickPickItem & { backend?: BackendSetting };
    const items: Item[] = configured.map((b) => ({ label: `$(server) ${b.name}`, description: b.kind, detail: b.tenant ? `${b.url} · ${b.tenant}` : b.url, backend: b }));
    items.push({ label: `$(edit) ${vscode.l10n.t('Enter a server URL…')}` });
    const pick = configured.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Which profiling server?'), placeHolder: vscode.l10n.t('Servers come from the setting anole.backends') });
    if (!pick) return undefined;
    if (pick.backend) return pick.backend;
    const kind = await vscode.window.showQuickPick(
      [{ label: 'Parca', value: 'parca' as const }, { label: 'Grafana Pyroscope', value: 'pyroscope' as const }],
      { title: vscode.l10n.t('Anole: Which kind of server?') },
    );
    if (!kind) return undefined;
    const url = (await vscode.window.showInputBox({
      title: vscode.l10n.t('Anole: Server URL'), prompt: vscode.l10n.t('e.g. http://parca:7070, http://pyroscope:4040 or a Grafana datasource-proxy URL'), ignoreFocusOut: true,
      validateInput: (v) => (/^https?:\/\/[^@\s]+$/.test(v.trim()) ? undefined : vscode.l10n.t('An http(s) URL without credentials (they are asked for separately)')),
    }))?.trim();
    return url ? { name: url, kind: kind.value, url } : undefined;
  }

  private async sourceFor(b: BackendSetting): Promise<ProfileSource> {
    const raw = await this.deps.context.secrets.get(SECRET_PREFIX + `${b.kind}:${b.url}`);
    let auth: SourceAuth | undefined;
    try {
      auth = raw ? (JSON.parse(raw) as SourceAuth) : undefined;
    } catch {
      auth = undefined;
    }
    return openBackend(b.kind, { url: b.url, auth, tenant: b.tenant });
  }

  /** After a refusal: asks for a token or a user and password and stores them; false when the user declines. */
  private async askCredentials(b: BackendSetting, e: unknown): Promise<boolean> {
    const set = vscode.l10n.t('Set Credentials');
    const msg = e instanceof AnoleError ? e.oneLine : String(e);
    if ((await vscode.window.showWarningMessage(msg, set)) !== set) return false;
    const how = await vscode.window.showQuickPick(
      [{ label: vscode.l10n.t('Bearer token'), value: 'bearer' as const }, { label: vscode.l10n.t('User and password'), value: 'basic' as const }],
      { title: vscode.l10n.t('Anole: Credentials for {0}', b.name) },
    );
    if (!how) return false;
    let auth: SourceAuth;
    if (how.value === 'bearer') {
      const token = await vscode.window.showInputBox({ title: vscode.l10n.t('Anole: Token for {0}', b.name), password: true, ignoreFocusOut: true });
      if (!token) return false;
      auth = { kind: 'bearer', token };
    } else {
      const user = await vscode.window.showInputBox({ title: vscode.l10n.t('Anole: User for {0}', b.name), ignoreFocusOut: true });
      if (!user) return false;
      const password = await vscode.window.showInputBox({ title: vscode.l10n.t('Anole: Password for {0}', b.name), password: true, ignoreFocusOut: true });
      if (password === undefined) return false;
      auth = { kind: 'basic', user, password };
    }
    await this.deps.context.secrets.store(SECRET_PREFIX + `${b.kind}:${b.url}`, JSON.stringify(auth));
    return true;
  }

  private async pickType(types: SourceProfileType[], b: BackendSetting): Promise<SourceProfileType | undefined> {
    const usable = types.filter((t) => t.kind);
    if (usable.length === 0) throw new AnoleError('NOT_FOUND', vscode.l10n.t('{0} has no Go runtime profiles (CPU, heap, allocs, goroutine, mutex, block)', b.name));
    const pick = await vscode.window.showQuickPick(
      usable.map((t) => ({ label: t.kind ?? t.id, description: t.label, detail: t.id, t })),
      { title: vscode.l10n.t('Anole: Which profile type?'), matchOnDetail: true },
    );
    return pick?.t;
  }

  /** A label, then one of its values, then the selector they make, editable; `{}` for every series. */
  async pickSelector(source: ProfileSource, type: SourceProfileType, range: TimeRange, purpose?: string): Promise<string | undefined> {
    const names = await withCancellableProgress(vscode.l10n.t('Anole: Reading labels…'), (_p, s) => source.labelNames({ type: type.id, range }, s));
    const ordered = [...SERVICE_LABELS.filter((n) => names.includes(n)), ...names.filter((n) => !SERVICE_LABELS.includes(n))];
    type Item = vscode.QuickPickItem & { name?: string; all?: boolean };
    const last = this.deps.context.workspaceState.get<string>(LAST_SELECTOR);
    const items: Item[] = [
      ...(last ? [{ label: `$(history) ${last}`, description: vscode.l10n.t('last used'), name: undefined, all: false }] : []),
      ...ordered.map((n) => ({ label: n, name: n })),
      { label: '$(list-flat) {}', description: vscode.l10n.t('every series'), all: true },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: withPurpose(vscode.l10n.t('Anole: Which service? Pick a label'), purpose) });
    if (!pick) return undefined;
    let initial = pick.all ? '{}' : last ?? '{}';
    if (pick.name) {
      const name = pick.name;
      const values = await withCancellableProgress(vscode.l10n.t('Anole: Reading values of {0}…', name), (_p, s) => source.labelValues(name, { type: type.id, range }, s));
      const value = await vscode.window.showQuickPick(values, { title: vscode.l10n.t('Anole: Which {0}?', name) });
      if (value === undefined) return undefined;
      initial = `{${name}="${value.replace(/["\\]/g, '\\$&')}"}`;
    }
    const selector = await vscode.window.showInputBox({
      title: withPurpose(vscode.l10n.t('Anole: Label selector'), purpose), value: initial, ignoreFocusOut: true,
      prompt: vscode.l10n.t('Edit to narrow it, e.g. {0}', '{job="api",env="prod"}'),
      validateInput: (v) => (/^\s*\{.*\}\s*$/.test(v) ? undefined : vscode.l10n.t('A selector in braces, e.g. {0}', '{job="api"}')),
    });
    if (selector !== undefined) await this.deps.context.workspaceState.update(LAST_SELECTOR, selector.trim());
    return selector?.trim();
  }
}

/** "Anole: Label selector (baseline)": a title with what the pick is for, in a compare flow. */
function withPurpose(title: string, purpose: string | undefined): string {
  return purpose ? `${title} (${purpose})` : title;
}

/** Last 15 min, 1 h, 24 h, or a custom range typed as two times; `purpose` goes into the titles. */
export async function pickRange(now = Date.now(), purpose?: string): Promise<TimeRange | undefined> {
  const presets = [
    { label: vscode.l10n.t('Last 15 minutes'), ms: 15 * 60_000 },
    { label: vscode.l10n.t('Last hour'), ms: 3600_000 },
    { label: vscode.l10n.t('Last 24 hours'), ms: 24 * 3600_000 },
  ];
  const items = [...presets.map((p) => ({ ...p, description: describeRange({ fromMs: now - p.ms, toMs: now }) })), { label: vscode.l10n.t('Custom…'), ms: 0, description: '' }];
  const pick = await vscode.window.showQuickPick(items, { title: withPurpose(vscode.l10n.t('Anole: Which time range?'), purpose) });
  if (!pick) return undefined;
  if (pick.ms) return { fromMs: now - pick.ms, toMs: now };
  const valid = (v: string) => {
    try {
      parseTime(v, now);
      return undefined;
    } catch (e) {
      return e instanceof AnoleError ? e.oneLine : String(e);
    }
  };
  const from = await vscode.window.showInputBox({ title: withPurpose(vscode.l10n.t('Anole: From'), purpose), value: 'now-2h', prompt: vscode.l10n.t('now-2h, 2h (ago), or an ISO date such as {0}', new Date(now - 7200_000).toISOString()), validateInput: valid });
  if (!from) return undefined;
  const to = await vscode.window.showInputBox({ title: withPurpose(vscode.l10n.t('Anole: To'), purpose), value: 'now', validateInput: valid });
  if (!to) return undefined;
  const range = { fromMs: parseTime(from, now), toMs: parseTime(to, now) };
  if (range.toMs <= range.fromMs) throw new AnoleError('BAD_INPUT', vscode.l10n.t('The range is empty: {0} is not before {1}', from, to));
  return range;
}

/** Registers "Open Profiles from Backend". */
export function register(context: vscode.ExtensionContext, deps: BackendDeps): BackendProfiles {
  const flow = new BackendProfiles(deps);
  context.subscriptions.push(
    registerCommand(vscode.commands, Commands.openFromBackend, async () => {
      try {
        await flow.open();
      } catch (e) {
        showError(deps.log, vscode.l10n.t('Open Profiles from Backend'), e);
      }
    }),
  );
  return flow;
}
