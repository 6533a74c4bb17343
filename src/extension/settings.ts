// Typed reads of Anole's settings: the only place that knows their keys and defaults.
import * as vscode from 'vscode';
import { CORE_DUMP_TOOLS, PROFILE_KINDS, SECTION, SettingKeys, sanitizeTargets, type CoreDumpTool, type ProfileKind, type TargetSetting } from './settingsSchema';

export { PROFILE_KINDS, SECTION, SettingKeys, allSettingIds } from './settingsSchema';
export type { ProfileKind, TargetSetting } from './settingsSchema';

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
  profileSeconds(): number {
    return Math.round(num(cfg().get(SettingKeys.profileSeconds), 10, 1, 600));
  },
  /** The kind to profile without asking, or 'ask'. */
  profileKind(): ProfileKind | 'ask' {
    const v = cfg().get<string>(SettingKeys.profileKind, 'ask');
    return (PROFILE_KINDS as readonly string[]).includes(v) ? (v as ProfileKind) : 'ask';
  },
  coreDumpTool(): CoreDumpTool {
    const v = cfg().get<string>(SettingKeys.coreDumpTool, 'auto');
    return (CORE_DUMP_TOOLS as readonly string[]).includes(v) ? (v as CoreDumpTool) : 'auto';
  },
  /** Folder on the host for core dumps; undefined for $TMPDIR or /tmp. */
  coreDumpRemoteDirectory(): string | undefined {
    return cfg().get<string>(SettingKeys.coreDumpRemoteDirectory, '').trim() || undefined;
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
  pathMappings(): PathMapping[] {
    const raw = cfg().get<unknown>(SettingKeys.pathMappings, []);
    if (!Array.isArray(raw)) return [];
    return raw.filter((m): m is PathMapping => !!m && typeof m.from === 'string' && typeof m.to === 'string');
  },
};

/** True when `e` touches one of `keys` (relative to `anole`). */
export function affects(e: vscode.ConfigurationChangeEvent, ...keys: string[]): boolean {
  return keys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
}
