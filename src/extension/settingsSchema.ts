// Anole's setting keys, profile kinds and the `anole.targets` shape with its validation (pure, no vscode).

/** Kinds a user can profile from the UI (the pprof endpoint names them). */
export const PROFILE_KINDS = ['cpu', 'heap', 'allocs', 'mutex', 'block', 'goroutine'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** Setting keys, relative to the `anole` section. */
export const SettingKeys = {
  sshConfigFile: 'sshConfigFile',
  targets: 'targets',
  profileSeconds: 'profile.seconds',
  profileKind: 'profile.kind',
  annotationsEnabled: 'annotations.enabled',
  annotationsMinPercent: 'annotations.minPercent',
  annotationsLensMinPercent: 'annotations.lensMinPercent',
  annotationsShowLockHold: 'annotations.showLockHold',
  annotationsShowBlockWait: 'annotations.showBlockWait',
  annotationsMaxLabels: 'annotations.maxLabels',
  pathMappings: 'pathMappings',
  coreDumpTool: 'coreDump.tool',
  coreDumpRemoteDirectory: 'coreDump.remoteDirectory',
  traceSeconds: 'trace.seconds',
  traceDecorations: 'trace.decorations',
  traceCodeLens: 'trace.codeLens',
  traceHovers: 'trace.hovers',
  traceMinWaitMs: 'trace.minWaitMs',
  backends: 'backends',
  compareNormalize: 'compare.normalize',
} as const;

/** How Compare scales the baseline; `ask` asks at every comparison. */
export const COMPARE_NORMALIZE = ['total', 'per-second', 'none', 'ask'] as const;
export type CompareNormalizeSetting = (typeof COMPARE_NORMALIZE)[number];

/** What writes a core dump on the host. */
export const CORE_DUMP_TOOLS = ['auto', 'dlv', 'gcore', 'snapshot'] as const;
export type CoreDumpTool = (typeof CORE_DUMP_TOOLS)[number];

export const SECTION = 'anole';

/** Full ids (`anole.…`) of every setting, for the manifest test and `affectsConfiguration`. */
export const allSettingIds = (): string[] => Object.values(SettingKeys).map((k) => `${SECTION}.${k}`);

/** A configured service to profile: an ssh destination and, optionally, which process on it. */
export interface TargetSetting {
  name: string;
  /** ssh config alias or [user@]host[:port] (or a Host pattern such as `api-*`: a fleet). */
  host: string;
  /** Several replicas: ssh destinations or Host patterns, profiled together by Profile Fleet. */
  hosts?: string[];
  pid?: number;
  /** Matched against the executable's base name (or path) of the host's Go processes. */
  processName?: string;
  /** pprof endpoint as the remote host sees it, e.g. http://127.0.0.1:6060/debug/pprof/. */
  pprofUrl?: string;
}

/** Drops malformed entries (a settings.json edited by hand) instead of failing later. */
export function sanitizeTargets(raw: unknown): TargetSetting[] {
  if (!Array.isArray(raw)) return [];
  const out: TargetSetting[] = [];
  for (const t of raw) {
    if (!t || typeof t !== 'object') continue;
    const r = t as Record<string, unknown>;
    const hosts = Array.isArray(r.hosts) ? r.hosts.filter((h): h is string => typeof h === 'string' && h.trim() !== '').map((h) => h.trim()) : [];
    const host = typeof r.host === 'string' && r.host.trim() ? r.host.trim() : hosts[0];
    if (!host) continue;
    out.push({
      name: typeof r.name === 'string' && r.name.trim() ? r.name : host,
      host,
      pid: typeof r.pid === 'number' && Number.isInteger(r.pid) && r.pid > 0 ? r.pid : undefined,
      processName: typeof r.processName === 'string' && r.processName ? r.processName : undefined,
      pprofUrl: typeof r.pprofUrl === 'string' && r.pprofUrl ? r.pprofUrl : undefined,
      ...(hosts.length ? { hosts } : {}),
    });
  }
  return out;
}

/** A continuous-profiling server (Parca or Grafana Pyroscope); its credentials live in SecretStorage. */
export interface BackendSetting {
  name: string;
  kind: 'parca' | 'pyroscope';
  /** Base URL: Parca's HTTP port, Pyroscope's, or a Grafana datasource-proxy URL. */
  url: string;
  /** Pyroscope's tenant (X-Scope-OrgID). */
  tenant?: string;
}

/** Drops malformed `anole.backends` entries and any URL that carries a password (credentials go to SecretStorage). */
export function sanitizeBackends(raw: unknown): BackendSetting[] {
  if (!Array.isArray(raw)) return [];
  const out: BackendSetting[] = [];
  for (const b of raw) {
    if (!b || typeof b !== 'object') continue;
    const r = b as Record<string, unknown>;
    if (r.kind !== 'parca' && r.kind !== 'pyroscope') continue;
    if (typeof r.url !== 'string' || !/^https?:\/\/[^@\s]+$/.test(r.url.trim())) continue;
    out.push({
      name: typeof r.name === 'string' && r.name.trim() ? r.name.trim() : r.url.trim(),
      kind: r.kind,
      url: r.url.trim(),
      tenant: typeof r.tenant === 'string' && r.tenant.trim() ? r.tenant.trim() : undefined,
    });
  }
  return out;
}
