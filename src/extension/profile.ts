// "Profile Remote Service" and "Profile Again": pick a target, process and kind, capture, annotate.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnnotationKind, LoadProfileParams } from '../core/annotations/protocol';
import { capture } from '../core/capture/capture';
import { effectiveSeconds, isTimed, type CaptureKind } from '../core/capture/kinds';
import { listGoProcesses, type GoProcess } from '../core/discovery/processes';
import { AnoleError, errorMessage } from '../core/errors';
import type { RemoteHost } from '../core/remote/host';
import { listSshHosts } from '../core/ssh/hostAliases';
import { resolveEndpoint } from '../core/workflow/endpoint';
import type { CaptureMeta, CaptureStore } from './captureStore';
import { Commands, ContextKeys, registerCommand } from './commands';
import type { Connections } from './connections';
import type { AnnotationServer } from './languageClient';
import { PROFILE_KINDS, settings, type ProfileKind, type TargetSetting } from './settings';
import { abortOn, formatBytes, guarded, showError, withCancellableProgress } from './ui';

/** The ssh config's Host aliases for a picker; an unreadable config is logged and gives none. */
export async function sshHostAliases(log: vscode.LogOutputChannel): Promise<string[]> {
  try {
    return await listSshHosts(settings.sshConfigFile());
  } catch (e) {
    log.warn(`cannot read the ssh config: ${errorMessage(e)}`);
    return [];
  }
}

/** A resolved thing to profile: a host and how to reach its pprof endpoint. */
export interface ProfileTarget {
  host: string;
  pid?: number;
  url?: string;
  /** For messages: target name or executable. */
  label: string;
}

/** A profile Anole loaded into the server, with what it takes to load it again. */
interface LoadedProfile {
  id: string;
  label: string;
  params: LoadProfileParams;
}

const LAST_KIND = 'anole.lastKind';
const LAST_TARGET = 'anole.lastTarget';

export interface ProfilerDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  connections: Connections;
  store: CaptureStore;
  /** The language server once it has started; undefined if it failed to start. */
  whenServer(): Promise<AnnotationServer | undefined>;
}

const KIND_LABELS = (): Record<ProfileKind, string> => ({
  cpu: vscode.l10n.t('CPU: where time is spent'),
  heap: vscode.l10n.t('Heap: live memory'),
  allocs: vscode.l10n.t('Allocs: memory allocated since start'),
  mutex: vscode.l10n.t('Mutex: lock contention (held locks)'),
  block: vscode.l10n.t('Block: where goroutines wait'),
  goroutine: vscode.l10n.t('Goroutine: where goroutines are'),
});

/** Lists the Go processes of a host with a progress notification. */
export async function discoverProcesses(deps: ProfilerDeps, host: string, token?: vscode.CancellationToken): Promise<GoProcess[]> {
  const remote = await deps.connections.get(host);
  const abort = abortOn(token);
  try {
    return await listGoProcesses(remote, { signal: abort.signal, onWarning: (m) => deps.log.warn(`${host}: ${m}`) });
  } finally {
    abort.dispose();
  }
}

/** One line describing a process in pickers and the tree. */
export function describeProcess(p: GoProcess): { label: string; description: string; detail: string } {
  return {
    label: `${path.posix.basename(p.exe.replace(/ \(deleted\)$/, ''))} (${p.pid})`,
    description: p.goVersion,
    detail: p.pprof ?? vscode.l10n.t('no pprof endpoint found'),
  };
}

/** The capture → annotate workflow, shared by the commands and the Anole view. */
export class Profiler {
  /** Profiles loaded into the server through Anole, newest first. */
  private loaded: LoadedProfile[] = [];
  /** Which profile replaced which: a lens drawn before the newer capture arrived still names the old id. */
  private readonly replacedBy = new Map<string, string>();

  constructor(private readonly deps: ProfilerDeps) {}

  /** Profiles loaded into the server through Anole (for pickers of other features), newest first. */
  listProfiles(): readonly { id: string; label: string; path: string }[] {
    return this.loaded.map(({ id, label, params }) => ({ id, label, path: params.path }));
  }

  /**
   * `id` while it is loaded; once a newer profile of its kind replaced it as the one annotating the
   * source, that newer one (following further replacements). Unknown ids come back as they are.
   */
  liveId(id: string): string {
    for (let hops = 0; hops < 100 && !this.loaded.some((p) => p.id === id); hops++) {
      const next = this.replacedBy.get(id);
      if (next === undefined) break;
      id = next;
    }
    return id;
  }

  /** Records that `by` replaced `ids` (see {@link liveId}) and forgets them. */
  private replaced(ids: readonly string[], by: string): void {
    for (const old of ids) this.replacedBy.set(old, by);
    this.forget(ids);
  }

  /** Forgets profiles the server no longer has (replaced, released or cleared), so pickers offer only live ids. */
  forget(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.loaded = this.loaded.filter((p) => !ids.includes(p.id));
    this.deps.log.info(`unloaded profile(s) ${ids.join(', ')}`);
  }

  /**
   * Loads a local profile file for a view (an editor, a panel, Compare); it stays loaded until the
   * caller releases it (`hold(id, false)`). With `annotate` it also becomes the profile annotating
   * the source for its kind (a file opened from the Explorer); otherwise it annotates nothing.
   */
  async loadFile(file: string, label = path.basename(file), annotate = false): Promise<{ id: string }> {
    const server = await this.deps.whenServer();
    if (!server) throw new AnoleError('BAD_INPUT', vscode.l10n.t('The Anole language server is not running.'));
    const params: LoadProfileParams = { path: file, label, replace: annotate, hold: true };
    const res = await server.loadProfile(params);
    this.remember(res.id, label.startsWith(`${res.kind} · `) ? label : `${label} (${res.kind})`, params);
    this.replaced(res.replaced, res.id);
    return { id: res.id };
  }

  /** A view holds (`true`) or releases (`false`) a loaded profile; the server unloads what nothing needs. */
  async hold(id: string, hold: boolean): Promise<void> {
    const server = await this.deps.whenServer();
    if (!server) throw new AnoleError('BAD_INPUT', vscode.l10n.t('The Anole language server is not running.'));
    const res = await server.hold({ id, hold });
    this.forget(res.unloaded);
  }

  /**
   * Asks for a target and process like Profile Remote Service, connects and resolves its pprof
   * endpoint (for features that fetch something else from it, e.g. goroutine dumps).
   */
  async pickEndpoint(preset?: ProfileTarget): Promise<{ host: RemoteHost; endpoint?: string; pid?: number; label: string } | undefined> {
    const target = preset ?? (await this.pickTarget());
    if (!target) return undefined;
    const host = await this.deps.connections.get(target.host);
    const label = target.pid ? `${target.label} · pid ${target.pid}` : target.label;
    try {
      const endpoint = await resolveEndpoint(host, { pid: target.pid, url: target.url });
      return { host, endpoint, pid: target.pid, label };
    } catch (e) {
      // A hung service may not answer pprof: with its pid, a debugger can still take the dump.
      if (target.pid === undefined) throw e;
      this.deps.log.warn(`no pprof endpoint for ${label}: ${errorMessage(e)}`);
      return { host, pid: target.pid, label };
    }
  }

  private remember(id: string, label: string, params: LoadProfileParams): void {
    this.loaded = [{ id, label, params }, ...this.loaded.filter((p) => p.id !== id)];
  }

  /** The target of the last capture through Profile Remote Service, if any. */
  lastTarget(): ProfileTarget | undefined {
    return this.deps.context.workspaceState.get<{ target: ProfileTarget }>(LAST_TARGET)?.target;
  }

  /** The full interactive flow: target, process, kind, then capture. */
  async profileInteractive(preset?: { target?: ProfileTarget; kind?: ProfileKind }): Promise<void> {
    const target = preset?.target ?? (await this.pickTarget());
    if (!target) return;
    const kind = preset?.kind ?? (await this.pickKind());
    if (!kind) return;
    await this.run(target, kind);
  }

  /** Re-runs the last target and kind without asking. */
  async profileAgain(): Promise<void> {
    const last = this.deps.context.workspaceState.get<{ target: ProfileTarget; kind: ProfileKind }>(LAST_TARGET);
    if (!last) {
      await this.profileInteractive();
      return;
    }
    await this.run(last.target, last.kind);
  }

  private async pickKind(): Promise<ProfileKind | undefined> {
    const fixed = settings.profileKind();
    if (fixed !== 'ask') return fixed;
    const last = this.deps.context.workspaceState.get<ProfileKind>(LAST_KIND, 'cpu');
    const labels = KIND_LABELS();
    const order = [last, ...PROFILE_KINDS.filter((k) => k !== last)];
    const items = order.map((k) => ({
      label: k,
      description: k === last ? vscode.l10n.t('last used') : undefined,
      detail: labels[k],
      value: k,
    }));
    const pick = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Anole: What to profile'),
      placeHolder: vscode.l10n.t('Profile kind'),
      matchOnDetail: true,
    });
    return pick?.value;
  }

  /** Configured targets first; otherwise ssh config hosts and "Enter host…"; then the process. */
  async pickTarget(): Promise<ProfileTarget | undefined> {
    const pick = await this.pickHost();
    if (!pick) return undefined;
    return pick.target ? this.targetFromSetting(pick.target) : this.pickProcess(pick.host);
  }

  /**
   * Asks only which host: a configured target (automatic when there is one) or an ssh host, or
   * one typed in. The process is asked separately (`pickProcess`).
   */
  async pickHost(): Promise<{ host: string; target?: TargetSetting } | undefined> {
    const targets = settings.targets();
    if (targets.length === 1) return { host: targets[0].host, target: targets[0] };
    type Item = vscode.QuickPickItem & { target?: TargetSetting; host?: string; enter?: boolean };
    const items: Item[] = targets.map((t) => ({
      label: `$(target) ${t.name}`, description: t.host,
      detail: t.pprofUrl ?? (t.pid ? `pid ${t.pid}` : t.processName), target: t,
    }));
    const hosts = await sshHostAliases(this.deps.log);
    if (items.length && hosts.length) items.push({ label: vscode.l10n.t('ssh hosts'), kind: vscode.QuickPickItemKind.Separator });
    items.push(...hosts.map((h) => ({ label: `$(remote) ${h}`, host: h })));
    items.push({ label: `$(edit) ${vscode.l10n.t('Enter host…')}`, enter: true });
    const pick = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Anole: Which host?'), placeHolder: vscode.l10n.t('A configured target or an ssh host'),
    });
    if (!pick) return undefined;
    if (pick.target) return { host: pick.target.host, target: pick.target };
    let host = pick.host;
    if (pick.enter) {
      host = (await vscode.window.showInputBox({
        title: vscode.l10n.t('Anole: Host'), prompt: vscode.l10n.t('An ssh config alias or [user@]host[:port]'), ignoreFocusOut: true,
        validateInput: (v) => (/^\S+$/.test(v.trim()) ? undefined : vscode.l10n.t('Enter one host')),
      }))?.trim();
    }
    return host ? { host } : undefined;
  }

  private async targetFromSetting(t: TargetSetting): Promise<ProfileTarget | undefined> {
    if (t.pprofUrl || t.pid) return { host: t.host, pid: t.pid, url: t.pprofUrl, label: t.name };
    return this.pickProcess(t.host, t.processName, t.name);
  }

  /** Discovers the host's Go processes and lets the user pick one (automatic for a unique name match). */
  async pickProcess(host: string, processName?: string, name?: string): Promise<ProfileTarget | undefined> {
    const procs = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Anole: Listing Go processes on {0}…', host), cancellable: true },
      (_p, token) => discoverProcesses(this.deps, host, token),
    );
    let candidates = procs;
    if (processName) {
      candidates = procs.filter((p) => p.exe === processName || path.posix.basename(p.exe.replace(/ \(deleted\)$/, '')) === processName);
      if (candidates.length === 0) {
        throw new AnoleError('NOT_FOUND', vscode.l10n.t('No Go process named {0} on {1}', processName, host));
      }
    }
    if (candidates.length === 0) throw new AnoleError('NOT_FOUND', vscode.l10n.t('No Go processes you may inspect on {0}', host));
    const toTarget = (p: GoProcess): ProfileTarget => ({ host, pid: p.pid, url: p.pprof ?? undefined, label: name ?? describeProcess(p).label });
    if (candidates.length === 1 && processName) return toTarget(candidates[0]);
    const pick = await vscode.window.showQuickPick(
      candidates.map((p) => ({ ...describeProcess(p), p })),
      { title: vscode.l10n.t('Anole: Which process on {0}?', host), matchOnDescription: true, matchOnDetail: true },
    );
    return pick && toTarget(pick.p);
  }

  /** Captures `kind` from `target` with progress and Cancel, stores it, and loads it into the server. */
  async run(target: ProfileTarget, kind: ProfileKind): Promise<CaptureMeta | undefined> {
    const { context, log } = this.deps;
    await context.workspaceState.update(LAST_KIND, kind);
    await context.workspaceState.update(LAST_TARGET, { target, kind });
    await vscode.commands.executeCommand('setContext', ContextKeys.hasLastProfile, true);
    try {
      return await this.captureWithProgress(target, kind, {
        seconds: settings.profileSeconds(),
        title: vscode.l10n.t('Anole: Profiling {0} ({1})', target.label, kind),
        cancelled: vscode.l10n.t('Profiling cancelled'),
        load: (m) => this.load(m),
      });
    } catch (e) {
      showError(log, vscode.l10n.t('Profiling {0} failed', target.label), e);
      return undefined;
    }
  }

  /**
   * Captures `kind` (a profile or a runtime trace) from `target` into the capture store, with a
   * progress notification (seconds left) and Cancel, then hands the saved capture to `load`.
   * Throws CANCELLED when cancelled; a failed or cancelled capture leaves no file behind.
   */
  async captureWithProgress(
    target: ProfileTarget,
    kind: CaptureKind,
    opts: { seconds: number; title: string; cancelled: string; ext?: string; load: (m: CaptureMeta) => Promise<void> },
  ): Promise<CaptureMeta> {
    const { log, store } = this.deps;
    const secs = effectiveSeconds({ kind, seconds: opts.seconds });
    return withCancellableProgress(
      opts.title,
      async (progress, signal, token) => {
        let timer: NodeJS.Timeout | undefined;
        let reserved: string | undefined;
        let saved = false;
        try {
          progress.report({ message: vscode.l10n.t('connecting to {0}…', target.host) });
          const remote = await this.deps.connections.get(target.host);
          const url = await resolveEndpoint(remote, { pid: target.pid, url: target.url }, signal);
          const { id, file } = store.allocate(kind, undefined, opts.ext);
          reserved = id;
          if (isTimed(kind)) {
            const end = Date.now() + secs * 1000;
            const tick = () => {
              const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
              progress.report({ message: vscode.l10n.t('{0} s left', left) });
            };
            tick();
            timer = setInterval(tick, 1000);
          } else {
            progress.report({ message: vscode.l10n.t('downloading…') });
          }
          log.info(`capturing ${kind} from ${target.host} ${url}${isTimed(kind) ? ` for ${secs} s` : ''}`);
          const res = await capture(remote, { kind, seconds: opts.seconds, url, outFile: file, signal });
          clearInterval(timer);
          if (token.isCancellationRequested) throw new AnoleError('CANCELLED', opts.cancelled);
          const m: CaptureMeta = {
            id, time: new Date().toISOString(), kind, host: target.host, pid: target.pid, url, size: res.bytes, file: res.file,
            seconds: isTimed(kind) ? secs : undefined,
          };
          store.save(m);
          saved = true;
          log.info(`saved ${res.file} (${formatBytes(res.bytes)}, ${(res.elapsedMs / 1000).toFixed(1)} s)`);
          progress.report({ message: vscode.l10n.t('annotating…') });
          await opts.load(m);
          return m;
        } catch (e) {
          if (reserved && !saved) store.delete(reserved);
          if (token.isCancellationRequested) throw new AnoleError('CANCELLED', opts.cancelled);
          throw e;
        } finally {
          clearInterval(timer);
        }
      },
    );
  }

  /** Sends a stored capture to the language server so annotations appear. */
  async load(m: CaptureMeta): Promise<void> {
    const server = await this.deps.whenServer();
    if (!server) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Saved {0}, but the Anole language server is not running: no annotations.', m.file));
      return;
    }
    const label = captureLabel(m, false);
    const params: LoadProfileParams = { path: m.file, kind: m.kind as AnnotationKind, label };
    const res = await server.loadProfile(params);
    this.remember(res.id, captureLabel(m), params);
    this.replaced(res.replaced, res.id);
    this.deps.log.info(`loaded ${m.id}: ${res.sampleType.type}/${res.sampleType.unit}, ${res.mappedFiles} file(s) mapped, ${res.unmappedFiles.length} not`);
    for (const w of res.warnings) this.deps.log.warn(w);
    await vscode.commands.executeCommand('setContext', ContextKeys.hasAnnotations, true);
    if (res.warnings.length) void vscode.window.showWarningMessage(res.warnings[0]);
    else if (res.mappedFiles === 0) {
      const mappings = vscode.l10n.t('Path Mappings');
      void vscode.window.showWarningMessage(
        vscode.l10n.t('The profile has no functions in this workspace\'s files ({0} unmapped).', res.unmappedFiles.length), mappings,
      ).then((a) => a === mappings && vscode.commands.executeCommand('workbench.action.openSettings', 'anole.pathMappings'));
    }
  }
}

/** How pickers name a capture: "cpu · api-1 pid 4242, 12:03:04" (without the kind for CodeLens and hovers). */
export function captureLabel(m: CaptureMeta, withKind = true): string {
  const label = `${m.source ?? `${m.host}${m.pid ? ` pid ${m.pid}` : ''}`}, ${new Date(m.time).toLocaleTimeString()}`;
  return withKind ? `${m.kind} · ${label}` : label;
}

/** Registers the profiling commands. */
export function register(context: vscode.ExtensionContext, deps: ProfilerDeps): Profiler {
  const profiler = new Profiler(deps);
  const guard = <A extends unknown[]>(what: string, fn: (...a: A) => Promise<unknown>) => guarded(deps.log, what, fn);
  context.subscriptions.push(
    registerCommand(vscode.commands, Commands.profileRemoteService,
      // With `{ target, kind }` (a hand-off from a trace of that process) nothing is asked.
      guard(vscode.l10n.t('Profile Remote Service'), (preset?: unknown) => profiler.profileInteractive(asPreset(preset)))),
    registerCommand(vscode.commands, Commands.profileAgain, guard(vscode.l10n.t('Profile Again'), () => profiler.profileAgain())),
  );
  void vscode.commands.executeCommand('setContext', ContextKeys.hasLastProfile, context.workspaceState.get(LAST_TARGET) !== undefined);
  return profiler;
}

/** A target as another feature hands it over (checked: commands can be invoked with anything). */
export function asProfileTarget(v: unknown): ProfileTarget | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as Record<string, unknown>;
  if (typeof t.host !== 'string' || !t.host || typeof t.label !== 'string') return undefined;
  if (t.pid !== undefined && !(typeof t.pid === 'number' && Number.isInteger(t.pid) && t.pid > 0)) return undefined;
  if (t.url !== undefined && typeof t.url !== 'string') return undefined;
  return { host: t.host, label: t.label, ...(t.pid !== undefined ? { pid: t.pid as number } : {}), ...(t.url ? { url: t.url as string } : {}) };
}

function asPreset(v: unknown): { target?: ProfileTarget; kind?: ProfileKind } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p = v as { target?: unknown; kind?: unknown };
  const target = asProfileTarget(p.target);
  return target ? { target, ...(p.kind === 'cpu' ? { kind: 'cpu' as const } : {}) } : undefined;
}
