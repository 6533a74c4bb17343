// "Anole: Compare Fleet/Backend Profiles": two time ranges of one backend selector, two label sets
// (the canary vs the rest), or a backend range vs a fresh SSH (fleet) capture, opened in Compare
// with "± vs baseline" in the source. Reuses the backend pickers and the fleet/profile commands.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NormalizeMode } from '../core/annotations/protocol';
import { AnoleError } from '../core/errors';
import { withTimeWindow } from '../core/pprof';
import { isNormalizeMode } from '../core/pprof/normalize';
import { describeRange } from '../core/sources/profileTypes';
import type { TimeRange } from '../core/sources';
import { type BackendChoice, type BackendProfiles, pickRange } from './backends';
import type { CaptureMeta } from './captureStore';
import { Commands, registerCommand } from './commands';
import { captureLabel, type Profiler } from './profile';
import { PROFILE_KINDS, type ProfileKind } from './settings';
import { pickNormalize } from './views/profileViews';
import { showError, withCancellableProgress } from './ui';

/** What to compare. */
export type CompareSourcesMode = 'ranges' | 'labels' | 'capture' | 'fleet';

/** What the command may be given instead of asking (tests, keybindings). */
export interface CompareSourcesPreset {
  mode?: CompareSourcesMode;
  normalize?: NormalizeMode;
}

interface Deps {
  log: vscode.LogOutputChannel;
  backends: BackendProfiles;
  profiler: Profiler;
  /** Loads a profile file for a view (held by the caller until the view takes the hold). */
  loadProfile(file: string, label: string): Promise<{ id: string }>;
  holdProfile(id: string, hold: boolean): Promise<void>;
}

/** One side of the comparison: a stored profile file and its label. */
interface Side {
  file: string;
  label: string;
}

const MODES: readonly CompareSourcesMode[] = ['ranges', 'labels', 'capture', 'fleet'];

class CompareSources {
  /** Copies of fleet captures with their wall-clock window (see `wallClock`), removed on dispose. */
  private tmp: string | undefined;

  constructor(private readonly deps: Deps) {}

  async run(preset: CompareSourcesPreset = {}): Promise<void> {
    const mode = preset.mode ?? (await pickMode());
    if (!mode) return;
    const choice = await this.deps.backends.pickServerAndType();
    if (!choice) return;
    const baseline = vscode.l10n.t('baseline');
    const newer = vscode.l10n.t('new');
    let sides: [Side, Side] | undefined;
    if (mode === 'ranges') {
      const base = await pickRange(Date.now(), baseline);
      if (!base) return;
      const next = await pickRange(Date.now(), newer);
      if (!next) return;
      const selector = await this.deps.backends.pickSelector(choice.source, choice.type, next);
      if (selector === undefined) return;
      sides = pair(await this.query(choice, [{ selector, range: base }, { selector, range: next }]));
    } else if (mode === 'labels') {
      const range = await pickRange();
      if (!range) return;
      const base = await this.deps.backends.pickSelector(choice.source, choice.type, range, vscode.l10n.t('baseline, e.g. the rest'));
      if (base === undefined) return;
      const next = await this.deps.backends.pickSelector(choice.source, choice.type, range, vscode.l10n.t('new, e.g. the canary'));
      if (next === undefined) return;
      sides = pair(await this.query(choice, [{ selector: base, range }, { selector: next, range }]));
    } else {
      const range = await pickRange(Date.now(), baseline);
      if (!range) return;
      const selector = await this.deps.backends.pickSelector(choice.source, choice.type, range, baseline);
      if (selector === undefined) return;
      const [base] = (await this.query(choice, [{ selector, range }])) ?? [];
      if (!base) return;
      const capture = await this.capture(mode, choice);
      if (!capture) return;
      sides = [base, capture];
    }
    if (!sides) return;
    const normalize = preset.normalize ?? (await pickNormalize(true));
    if (!normalize) return;
    await this.open(sides, normalize);
  }

  /** Queries each side (in parallel), saves them as captures; undefined (and a message) when one has no data. */
  private async query(c: BackendChoice, sides: Array<{ selector: string; range: TimeRange }>): Promise<Side[] | undefined> {
    const got = await withCancellableProgress(vscode.l10n.t('Anole: Merging {0} profiles from {1}…', c.type.kind ?? c.type.id, c.backend.name), (_p, s) =>
      Promise.all(sides.map((q) => this.deps.backends.fetch(c, q.selector, q.range, s))),
    );
    const out: Side[] = [];
    for (const [i, g] of got.entries()) {
      const what = `${sides[i].selector} ${describeRange(sides[i].range)}`;
      if (g.kind === 'empty') {
        void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to compare: {0}: {1}', what, g.message));
        return undefined;
      }
      out.push({ file: g.meta.file, label: what });
    }
    return out;
  }

  /** A fresh capture of the same kind: one service over SSH, or the fleet (with its wall-clock window). */
  private async capture(mode: 'capture' | 'fleet', c: BackendChoice): Promise<Side | undefined> {
    const kind = c.type.kind;
    if (!kind || !(PROFILE_KINDS as readonly string[]).includes(kind)) throw new AnoleError('BAD_INPUT', vscode.l10n.t('{0} is not a Go runtime profile: a capture cannot match it', c.type.id));
    let meta: CaptureMeta | undefined;
    if (mode === 'fleet') {
      meta = await vscode.commands.executeCommand<CaptureMeta | undefined>(Commands.profileFleet, { kind });
      if (meta) return { file: this.wallClock(meta), label: captureLabel(meta, false) };
    } else {
      const target = await this.deps.profiler.pickTarget();
      if (!target) return undefined;
      meta = await this.deps.profiler.run(target, kind as ProfileKind);
      if (meta) return { file: meta.file, label: captureLabel(meta, false) };
    }
    return undefined;
  }

  /**
   * A merged fleet capture records the sum of its replicas' durations (as `go tool pprof` merges);
   * a backend range is as long as the range. For "per second" to compare like with like, the copy
   * compared carries the capture's wall-clock window.
   */
  private wallClock(m: CaptureMeta): string {
    if (!m.seconds) return m.file;
    this.tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'anole-compare-'));
    const end = Date.parse(m.time);
    const file = path.join(this.tmp, path.basename(m.file));
    fs.writeFileSync(file, withTimeWindow(fs.readFileSync(m.file), { fromMs: end - m.seconds * 1000, toMs: end }, m.file), { mode: 0o600 });
    return file;
  }

  /** Loads both sides for the view and opens Compare, which takes over their holds. */
  private async open([base, next]: [Side, Side], normalize: NormalizeMode): Promise<void> {
    const b = await this.deps.loadProfile(base.file, base.label);
    let n: { id: string };
    try {
      n = await this.deps.loadProfile(next.file, next.label);
    } catch (e) {
      await this.deps.holdProfile(b.id, false).catch(() => undefined);
      throw e;
    }
    this.deps.log.info(`compare sources: ${next.label} (${n.id}) vs baseline ${base.label} (${b.id}), ${normalize}`);
    await vscode.commands.executeCommand(Commands.compareProfiles, { baseId: b.id, profileId: n.id, normalize, held: true });
  }

  dispose(): void {
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

function pair(s: Side[] | undefined): [Side, Side] | undefined {
  return s && s.length === 2 ? [s[0], s[1]] : undefined;
}

async function pickMode(): Promise<CompareSourcesMode | undefined> {
  const items: Array<vscode.QuickPickItem & { mode: CompareSourcesMode }> = [
    { mode: 'ranges', label: `$(history) ${vscode.l10n.t('Two time ranges')}`, detail: vscode.l10n.t('The same service earlier (baseline) and later, from a profiling server') },
    { mode: 'labels', label: `$(split-horizontal) ${vscode.l10n.t('Two label sets')}`, detail: vscode.l10n.t('E.g. the rest (baseline) vs the canary, over the same range') },
    { mode: 'capture', label: `$(flame) ${vscode.l10n.t('Backend range vs a fresh capture')}`, detail: vscode.l10n.t('Baseline from the profiling server, new from one service over SSH') },
    { mode: 'fleet', label: `$(server-environment) ${vscode.l10n.t('Backend range vs a fresh fleet capture')}`, detail: vscode.l10n.t('Baseline from the profiling server, new from every replica over SSH') },
  ];
  return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Anole: What to compare?') }))?.mode;
}

function asPreset(v: unknown): CompareSourcesPreset {
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  return {
    mode: (MODES as readonly unknown[]).includes(o.mode) ? (o.mode as CompareSourcesMode) : undefined,
    normalize: isNormalizeMode(o.normalize) ? o.normalize : undefined,
  };
}

/** Registers "Anole: Compare Fleet/Backend Profiles". */
export function register(context: vscode.ExtensionContext, deps: Deps): void {
  const flow = new CompareSources(deps);
  context.subscriptions.push(
    flow,
    registerCommand(vscode.commands, Commands.compareSources, async (preset?: unknown) => {
      try {
        await flow.run(asPreset(preset));
      } catch (e) {
        showError(deps.log, vscode.l10n.t('Compare Fleet/Backend Profiles'), e);
      }
    }),
  );
}
