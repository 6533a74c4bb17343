// Typed reads of Anole's settings: the only place that knows their keys and defaults.
import * as vscode from 'vscode';
import { expandPathMappings, type NamedFolder } from '../core/pathmap/variables';
import { COMPARE_NORMALIZE, CORE_DUMP_TOOLS, PROFILE_KINDS, SECTION, SettingKeys, sanitizeBackends, sanitizeTargets, type BackendSetting, type CompareNormalizeSetting, type CoreDumpTool, type ProfileKind, type TargetSetting } from './settingsSchema';

export { PROFILE_KINDS, SECTION, SettingKeys, allSettingIds } from './settingsSchema';
export type { BackendSetting, ProfileKind, TargetSetting } from './settingsSchema';

export interface PathMapping {
  from: string;
  to: string;
}

export interface AnnotationSettings {
  enabled: boolean;
  minPercent: number;
  lensMinPercent: number;
  showLockHold: boolean;
  showBlockWait: boolean;
  /** How many of the hottest lines get an after-text label. */
  maxLabels: number;
}

/** The runtime-trace settings (`anole.trace.*`). */
export interface TraceSettings {
  seconds: number;
  decorations: boolean;
  codeLens: boolean;
  hovers: boolean;
  minWaitMs: number;
}

function cfg(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

function num(v: unknown, def: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : def;
}

/** Typed settings readers; each call reads the current value. */
export const settings = {
  /** Expanded ssh config path, or undefined for ~/.ssh/config. */
  sshConfigFile(): string | undefined {
    const v = cfg().get<string>(SettingKeys.sshConfigFile, '').trim();
    if (!v) return undefined;
    return v.startsWith('~/') ? `${process.env.HOME ?? ''}${v.slice(1)}` : v;
  },
  targets(): TargetSetting[] {
    return sanitizeTargets(cfg().get<unknown>(SettingKeys.targets, []));
  },
  /** The continuous-profiling servers of `anole.backends` (well-formed entries only). */
  backends(): BackendSetting[] {
    return sanitizeBackends(cfg().get<unknown>(SettingKeys.backends, []));
  },
  profileSeconds(): number {
    return Math.round(num(cfg().get(SettingKeys.profileSeconds), 10, 1, 600));
  },
  /** The kind to profile without asking, or 'ask'. */
  profileKind(): ProfileKind | 'ask' {
    const v = cfg().get<string>(SettingKeys.profileKind, 'ask');
    return (PROFILE_KINDS as readonly string[]).includes(v) ? (v as ProfileKind) : 'ask';
  },
  /** How Compare scales the baseline (total, per second, not at all), or 'ask'. */
  compareNormalize(): CompareNormalizeSetting {
    const v = cfg().get<string>(SettingKeys.compareNormalize, 'total');
    return (COMPARE_NORMALIZE as readonly string[]).includes(v) ? (v as CompareNormalizeSetting) : 'total';
  },
  coreDumpTool(): CoreDumpTool {
    const v = cfg().get<string>(SettingKeys.coreDumpTool, 'auto');
    return (CORE_DUMP_TOOLS as readonly string[]).includes(v) ? (v as CoreDumpTool) : 'auto';
  },
  /** Folder on the host for core dumps; undefined for $TMPDIR or /tmp. */
  coreDumpRemoteDirectory(): string | undefined {
    return cfg().get<string>(SettingKeys.coreDumpRemoteDirectory, '').trim() || undefined;
  },
  trace(): TraceSettings {
    const c = cfg();
    return {
      seconds: Math.round(num(c.get(SettingKeys.traceSeconds), 5, 1, 120)),
      decorations: c.get<boolean>(SettingKeys.traceDecorations, true) !== false,
      codeLens: c.get<boolean>(SettingKeys.traceCodeLens, true) !== false,
      hovers: c.get<boolean>(SettingKeys.traceHovers, true) !== false,
      minWaitMs: num(c.get(SettingKeys.traceMinWaitMs), 1, 0, 3.6e6),
    };
  },
  annotations(): AnnotationSettings {
    const c = cfg();
    return {
      enabled: c.get<boolean>(SettingKeys.annotationsEnabled, true) !== false,
      minPercent: num(c.get(SettingKeys.annotationsMinPercent), 1, 0, 100),
      lensMinPercent: num(c.get(SettingKeys.annotationsLensMinPercent), 2, 0, 100),
      showLockHold: c.get<boolean>(SettingKeys.annotationsShowLockHold, true) !== false,
      showBlockWait: c.get<boolean>(SettingKeys.annotationsShowBlockWait, true) !== false,
      maxLabels: Math.round(num(c.get(SettingKeys.annotationsMaxLabels), 5, 0, 100)),
    };
  },
  /**
   * `anole.pathMappings` with `${workspaceFolder}` (the folder whose settings hold the entry; the
   * first folder for workspace-wide settings) and `${workspaceFolder:name}` expanded. Entries that
   * cannot be expanded are left out and reported to `onProblem`.
   */
  pathMappings(onProblem?: (message: string) => void): PathMapping[] {
    const local = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const folders: NamedFolder[] = local.map((f) => ({ name: f.name, path: f.uri.fsPath }));
    const read = (scope?: vscode.Uri) => vscode.workspace.getConfiguration(SECTION, scope).get<unknown>(SettingKeys.pathMappings, []);
    const scopes = local.length > 0
      ? local.map((f, i) => ({ folder: folders[i], raw: read(f.uri) }))
      : [{ folder: undefined, raw: read() }];
    const out: PathMapping[] = [];
    const seen = new Set<string>();
    for (const { folder, raw } of scopes) {
      const { mappings, problems } = expandPathMappings(raw, { folder, folders });
      for (const p of problems) if (!seen.has(`!${p}`)) { seen.add(`!${p}`); onProblem?.(p); }
      for (const m of mappings) {
        const key = `${m.from}\u0000${m.to}`;
        if (!seen.has(key)) { seen.add(key); out.push(m); }
      }
    }
    return out;
  },
};

/** True when `e` touches one of `keys` (relative to `anole`). */
export function affects(e: vscode.ConfigurationChangeEvent, ...keys: string[]): boolean {
  return keys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
}
