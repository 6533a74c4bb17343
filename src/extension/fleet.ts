// "Anole: Profile Fleet": pick replicas, kind and seconds, capture them all at once, load the merged profile.
import * as vscode from 'vscode';
import { AnoleError } from '../core/errors';
import { isHostPattern } from '../core/ssh/hostAliases';
import { formatRatio } from '../core/sources/fleetReport';
import type { FleetSpec } from '../core/sources/fleetReplicas';
import { captureFleet, FLEET_KINDS, type FleetCapture, type FleetKind, type FleetProgress } from '../core/sources/sshFleet';
import type { CaptureMeta, CaptureStore } from './captureStore';
import { Commands, registerCommand } from './commands';
import type { Connections } from './connections';
import { sshHostAliases, type Profiler } from './profile';
import { settings, type TargetSetting } from './settings';
import { formatBytes, showError, withCancellableProgress } from './ui';

/** What the command may be given instead of asking (tests, keybindings, other features). */
export interface FleetRequest extends FleetSpec {
  kind?: FleetKind;
  seconds?: number;
}

interface FleetDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  connections: Connections;
  store: CaptureStore;
  profiler: Profiler;
}

const LAST_FLEET = 'anole.lastFleet';

/** Targets that describe several replicas: a `hosts` list or a Host pattern. */
function fleetTargets(): TargetSetting[] {
  return settings.targets().filter((t) => (t.hosts?.length ?? 0) > 1 || isHostPattern(t.host) || (t.hosts?.length === 1 && isHostPattern(t.hosts[0])));
}

/** "api-*, db-1" → ["api-*", "db-1"]. */
function splitHosts(text: string): string[] {
  return text.split(',').map((h) => h.trim()).filter(Boolean);
}

async function pickHosts(log: vscode.LogOutputChannel, last?: FleetRequest): Promise<{ hosts: string[]; target?: TargetSetting } | undefined> {
  type Item = vscode.QuickPickItem & { target?: TargetSetting; choose?: boolean; enter?: boolean };
  const items: Item[] = fleetTargets().map((t) => ({
    label: `$(target) ${t.name}`, description: (t.hosts ?? [t.host]).join(', '), detail: t.processName ?? t.pprofUrl, target: t,
  }));
  items.push(
    { label: `$(list-selection) ${vscode.l10n.t('Choose ssh hosts…')}`, choose: true },
    { label: `$(edit) ${vscode.l10n.t('Enter hosts or Host patterns…')}`, description: last?.hosts.join(', '), enter: true },
  );
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Which replicas?'), placeHolder: vscode.l10n.t('A fleet target, ssh hosts, or a Host pattern such as api-*') });
  if (!pick) return undefined;
  if (pick.target) return { hosts: pick.target.hosts ?? [pick.target.host], target: pick.target };
  if (pick.choose) {
    const aliases = await sshHostAliases(log);
    if (aliases.length === 0) throw new AnoleError('NOT_FOUND', vscode.l10n.t('The ssh config has no Host aliases to choose from.'));
    const chosen = await vscode.window.showQuickPick(aliases.map((a) => ({ label: a, picked: last?.hosts.includes(a) })), {
      title: vscode.l10n.t('Anole: Which replicas?'), canPickMany: true,
    });
    return chosen?.length ? { hosts: chosen.map((c) => c.label) } : undefined;
  }
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Anole: Replicas'), prompt: vscode.l10n.t('ssh hosts or Host patterns, separated by commas, e.g. api-*, db-1'),
    value: last?.hosts.join(', '), ignoreFocusOut: true,
    validateInput: (v) => (splitHosts(v).length ? undefined : vscode.l10n.t('Enter at least one host')),
  });
  return text ? { hosts: splitHosts(text) } : undefined;
}

async function pickService(last?: FleetRequest): Promise<Pick<FleetSpec, 'processName' | 'url'> | undefined> {
  const text = (await vscode.window.showInputBox({
    title: vscode.l10n.t('Anole: Which service on each host?'),
    prompt: vscode.l10n.t('The executable name of the Go service, or its pprof URL as each host sees it'),
    value: last?.processName ?? last?.url, ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Enter a process name or a URL')),
  }))?.trim();
  if (!text) return undefined;
  return /^https?:\/\//.test(text) ? { url: text } : { processName: text };
}

async function pickKind(last?: FleetKind): Promise<FleetKind | undefined> {
  const fixed = settings.profileKind();
  if (fixed !== 'ask' && (FLEET_KINDS as readonly string[]).includes(fixed)) return fixed as FleetKind;
  const order = last ? [last, ...FLEET_KINDS.filter((k) => k !== last)] : [...FLEET_KINDS];
  return (await vscode.window.showQuickPick(order.map((k) => ({ label: k, value: k })), { title: vscode.l10n.t('Anole: What to profile') }))?.value;
}

async function pickSeconds(): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Anole: Seconds'), prompt: vscode.l10n.t('How long to profile every replica (the same window for all)'),
    value: String(settings.profileSeconds()), ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 600 ? undefined : vscode.l10n.t('Enter whole seconds from 1 to 600')),
  });
  return text ? Number(text) : undefined;
}

/** Asks for whatever `preset` leaves open. */
async function ask(deps: FleetDeps, preset: Partial<FleetRequest> = {}): Promise<FleetRequest | undefined> {
  const last = deps.context.workspaceState.get<FleetRequest>(LAST_FLEET);
  let hosts = preset.hosts;
  let service: Pick<FleetSpec, 'processName' | 'url'> = { processName: preset.processName, url: preset.url };
  if (!hosts?.length) {
    const picked = await pickHosts(deps.log, last);
    if (!picked) return undefined;
    hosts = picked.hosts;
    if (picked.target?.processName || picked.target?.pprofUrl) service = { processName: picked.target.processName, url: picked.target.pprofUrl };
  }
  if (!service.processName && !service.url) {
    const s = await pickService(last);
    if (!s) return undefined;
    service = s;
  }
  const kind = preset.kind ?? (await pickKind(last?.kind));
  if (!kind) return undefined;
  const seconds = kind === 'cpu' ? (preset.seconds ?? (await pickSeconds())) : undefined;
  if (kind === 'cpu' && seconds === undefined) return undefined;
  return { hosts, ...service, kind, seconds };
}

function progressMessage(p: FleetProgress, end: { at: number }): string {
  switch (p.phase) {
    case 'resolve': return vscode.l10n.t('finding the replicas on {0} host(s)…', p.hosts);
    case 'capture':
      end.at = Date.now() + p.seconds * 1000;
      return vscode.l10n.t('capturing {0} replicas…', p.replicas);
    case 'captured': return vscode.l10n.t('{0} of {1} replicas done', p.done, p.replicas);
    case 'merge': return vscode.l10n.t('merging…');
  }
}

/** Shows each replica's share, outliers first, with failed replicas below. */
export async function showReplicaShares(m: CaptureMeta, failures: readonly { name: string; reason: string }[] = []): Promise<void> {
  const rows = [...(m.replicas ?? [])].sort((a, b) => Number(b.outlier) - Number(a.outlier) || b.share - a.share);
  const items: vscode.QuickPickItem[] = rows.map((r) => ({
    label: `${r.outlier ? '$(warning)' : '$(server)'} ${r.name}`,
    description: vscode.l10n.t('{0}% of the total · {1} the others\' median', (r.share * 100).toFixed(1), formatRatio(r.ratio ?? Infinity)),
    detail: r.outlier ? vscode.l10n.t('Outlier: at 3× or more of the other replicas') : undefined,
  }));
  for (const f of failures) items.push({ label: `$(error) ${f.name}`, description: vscode.l10n.t('failed'), detail: f.reason });
  await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: Replica shares ({0})', m.source ?? m.host) });
}

/** Captures the fleet with progress and Cancel, stores the merged profile and loads it. */
async function run(deps: FleetDeps, req: FleetRequest): Promise<CaptureMeta | undefined> {
  const { log, store, connections } = deps;
  await deps.context.workspaceState.update(LAST_FLEET, req);
  const res = await withCancellableProgress(
    vscode.l10n.t('Anole: Profiling the fleet {0} ({1})', req.hosts.join(', '), req.kind ?? 'cpu'),
    async (progress, signal, token) => {
      const end = { at: 0 };
      let last = '';
      const timer = setInterval(() => {
        if (end.at > Date.now()) progress.report({ message: `${last} ${vscode.l10n.t('{0} s left', Math.ceil((end.at - Date.now()) / 1000))}` });
      }, 1000);
      try {
        return await captureFleet(req, req.kind ?? 'cpu', req.seconds, {
          connect: (h) => connections.get(h),
          sshConfigFile: settings.sshConfigFile(),
          signal,
          onProgress: (p) => {
            last = progressMessage(p, end);
            progress.report({ message: last });
          },
        });
      } catch (e) {
        if (token.isCancellationRequested) throw new AnoleError('CANCELLED', vscode.l10n.t('Profiling cancelled'));
        throw e;
      } finally {
        clearInterval(timer);
      }
    },
  );
  const m = save(store, req, res);
  log.info(`fleet ${req.hosts.join(' ')}: ${res.description}, ${formatBytes(m.size)} in ${res.elapsedMs} ms (capture ${res.captureMs} ms)`);
  for (const r of res.replicas) log.info(`  ${r.name}: ${(r.share * 100).toFixed(1)}%, ${formatRatio(r.ratio)}${r.outlier ? ' (outlier)' : ''}${r.buildId ? `, build ${r.buildId}` : ''}`);
  for (const w of res.warnings) log.warn(w);
  await deps.profiler.load(m);
  const shares = vscode.l10n.t('Replica Shares');
  const text = vscode.l10n.t('Fleet profile loaded: {0}.', res.description);
  const note = res.warnings.length ? vscode.window.showWarningMessage(`${text} ${res.warnings[0]}`, shares) : vscode.window.showInformationMessage(text, shares);
  void note.then((a) => (a === shares ? showReplicaShares(m, res.failures) : undefined));
  return m;
}

/** Writes the merged profile into the capture store with its replicas. */
function save(store: CaptureStore, req: FleetRequest, res: FleetCapture): CaptureMeta {
  return store.add(res.kind, res.pprof, {
    host: req.hosts.join(', '), url: req.url ?? req.processName ?? '',
    seconds: res.seconds || undefined,
    source: vscode.l10n.t('fleet: {0}', res.description),
    replicas: res.replicas.map((r) => ({ name: r.name, share: r.share, ratio: Number.isFinite(r.ratio) ? r.ratio : null, outlier: r.outlier })),
  });
}

/** Registers "Anole: Profile Fleet". It takes an optional {@link FleetRequest} and then asks only for what is missing. */
export function register(context: vscode.ExtensionContext, deps: Omit<FleetDeps, 'context'>): void {
  const all: FleetDeps = { context, ...deps };
  context.subscriptions.push(
    registerCommand(vscode.commands, Commands.profileFleet, async (preset?: Partial<FleetRequest>) => {
      try {
        const req = await ask(all, preset);
        return req ? await run(all, req) : undefined;
      } catch (e) {
        showError(deps.log, vscode.l10n.t('Profile Fleet'), e);
        return undefined;
      }
    }),
  );
}
