// The SSH fleet source: captures every replica of a service at once over pooled SSH connections,
// in the same window, and merges their profiles into one tagged with a `replica` label.
import { effectiveSeconds, isTimed, type CaptureKind } from '../capture/kinds';
import { mapLimit } from '../discovery/limit';
import { AnoleError, errorMessage } from '../errors';
import { decodeProfile, emptyProfileReason, selectSampleType, sampleTotal, type Profile } from '../pprof';
import { encodeProfile } from '../pprof/encode';
import { REPLICA_LABEL, mergeProfiles } from '../pprof/merge';
import { fetchCapture } from '../workflow/endpoint';
import { differenceWarning, fleetDescription, formatRatio, replicaShares, type ReplicaShare } from './fleetReport';
import { resolveReplicas, type FleetSpec, type Replica, type ReplicaFailure, type ResolveDeps } from './fleetReplicas';
import type { LabelQuery, ProfileSource, SourceProfileType, SourceQuery, SourceResult } from './source';

/** Kinds a fleet can be profiled for (proto profiles that merge; not traces or text dumps). */
export const FLEET_KINDS = ['cpu', 'heap', 'allocs', 'goroutine', 'mutex', 'block'] as const satisfies readonly CaptureKind[];
export type FleetKind = (typeof FLEET_KINDS)[number];

/** Progress of a fleet capture, for a progress bar. */
export type FleetProgress =
  | { phase: 'resolve'; hosts: number }
  | { phase: 'capture'; replicas: number; seconds: number }
  | { phase: 'captured'; done: number; replicas: number }
  | { phase: 'merge' };

/** What a fleet capture needs besides the spec. */
export interface FleetDeps extends ResolveDeps {
  onProgress?(p: FleetProgress): void;
  /** Extra time allowed per replica beyond the capture's seconds (default 30 s). */
  graceMs?: number;
}

/** A replica that answered: its raw profile bytes, share and build. */
export interface CapturedReplica extends Replica, ReplicaShare {
  bytes: Uint8Array;
  buildId?: string;
}

/** The outcome of profiling a fleet. */
export interface FleetCapture {
  kind: FleetKind;
  seconds: number;
  /** The merged profile (every sample labelled `replica`) and its gzipped encoding. */
  profile: Profile;
  pprof: Uint8Array;
  replicas: CapturedReplica[];
  failures: ReplicaFailure[];
  /** "7 of 8 replicas, 30 s". */
  description: string;
  /** Failed replicas with their reasons, differing builds and Go versions, outliers. */
  warnings: string[];
  /** Milliseconds from the first connection to the merged profile, and of the capture phase alone. */
  elapsedMs: number;
  captureMs: number;
}

/** The build id of a profile's main binary (its first mapping), when Go recorded one. */
function mainBuildId(p: Profile): string | undefined {
  return p.mappings[0]?.buildId || undefined;
}

/** Checks `kind` is one a fleet merges. */
export function parseFleetKind(kind: string): FleetKind {
  const k = kind.toLowerCase() === 'profile' ? 'cpu' : kind.toLowerCase();
  if ((FLEET_KINDS as readonly string[]).includes(k)) return k as FleetKind;
  throw new AnoleError('BAD_INPUT', `a fleet cannot be profiled for '${kind}'`, `use one of: ${FLEET_KINDS.join(', ')}`);
}

/**
 * Profiles every replica of `spec` for `kind`: resolves them (hosts and Host patterns, the
 * service on each), then starts every capture at once (the same `seconds=` window, at most
 * `concurrency` at a time over the caller's pooled connections), decodes and merges what came
 * back. A replica that fails is reported with its reason; only when none answers is it an error.
 */
export async function captureFleet(spec: FleetSpec, kind: FleetKind, seconds: number | undefined, deps: FleetDeps): Promise<FleetCapture> {
  const started = Date.now();
  effectiveSeconds({ kind, seconds });
  deps.onProgress?.({ phase: 'resolve', hosts: spec.hosts.length });
  const { replicas, failures } = await resolveReplicas(spec, deps);
  return captureReplicas(replicas, failures, kind, seconds, deps, started);
}

/** Captures resolved `replicas` at once and merges them; `failures` are replicas that failed to resolve. */
export async function captureReplicas(
  replicas: readonly Replica[],
  failures: readonly ReplicaFailure[],
  kind: FleetKind,
  seconds: number | undefined,
  deps: FleetDeps,
  started = Date.now(),
): Promise<FleetCapture> {
  const secs = effectiveSeconds({ kind, seconds });
  const cancelled = () => new AnoleError('CANCELLED', 'fleet profiling cancelled');
  if (deps.signal?.aborted) throw cancelled();
  if (replicas.length === 0) throw noReplicas(failures);
  const limit = deps.concurrency ?? 16;
  deps.onProgress?.({ phase: 'capture', replicas: replicas.length, seconds: secs });
  const captureStart = Date.now();
  let done = 0;
  const results = await mapLimit(replicas, limit, async (r) => {
    try {
      const host = await deps.connect(r.host);
      const bytes = await fetchCapture(host, r.url, { kind, seconds: secs || undefined }, {
        timeoutMs: secs * 1000 + (deps.graceMs ?? 30_000),
        signal: deps.signal,
      });
      // Heap and allocs label every sample with its allocation size, which nothing here reads and
      // which would make merging several times slower: those stay in the per-replica profiles.
      const profile = decodeProfile(bytes, { labels: kind !== 'heap' && kind !== 'allocs', source: `the ${kind} profile of ${r.name}` });
      return { r, bytes, profile };
    } catch (e) {
      if (deps.signal?.aborted) throw cancelled();
      return { r, error: errorMessage(e) };
    } finally {
      deps.onProgress?.({ phase: 'captured', done: ++done, replicas: replicas.length });
    }
  });
  const captureMs = Date.now() - captureStart;
  const ok = results.flatMap((x) => (x.profile ? [{ ...x, profile: x.profile, bytes: x.bytes }] : []));
  const allFailures = [...failures, ...results.flatMap((x) => (x.error !== undefined ? [{ name: x.r.name, host: x.r.host, reason: x.error }] : []))];
  if (ok.length === 0) throw noReplicas(allFailures);
  deps.onProgress?.({ phase: 'merge' });
  const profile = mergeProfiles(ok.map((x) => ({ name: x.r.name, profile: x.profile })));
  const index = selectSampleType(profile).index;
  const shares = replicaShares(ok.map((x) => ({ name: x.r.name, total: sampleTotal(x.profile, index) })));
  const captured: CapturedReplica[] = ok.map((x, i) => ({ ...x.r, ...shares[i], bytes: x.bytes, buildId: mainBuildId(x.profile) }));
  const total = replicas.length + failures.length;
  const warnings = fleetWarnings(captured, allFailures, total, replicas.length > limit && isTimed(kind) ? limit : undefined);
  const empty = emptyProfileReason(profile, kind);
  if (empty) warnings.push(empty);
  return {
    kind, seconds: secs, profile, pprof: encodeProfile(profile), replicas: captured, failures: allFailures,
    description: fleetDescription(captured.length, total, secs), warnings,
    elapsedMs: Date.now() - started, captureMs,
  };
}

function noReplicas(failures: readonly ReplicaFailure[]): AnoleError {
  const why = failures.slice(0, 3).map((f) => `${f.name}: ${f.reason}`).join('; ');
  return new AnoleError('NOT_FOUND', `no replica could be profiled${why ? ` (${why}${failures.length > 3 ? '; ...' : ''})` : ''}`,
    'check the hosts and the service name or URL, e.g. with anole ps HOST');
}

/** The user-facing notes on a fleet capture: failed replicas, differing builds, outliers, waves. */
function fleetWarnings(ok: CapturedReplica[], failures: ReplicaFailure[], total: number, wave?: number): string[] {
  const w: string[] = [];
  if (failures.length) {
    w.push(`${ok.length} of ${total} replicas profiled; missing: ${failures.map((f) => `${f.name} (${f.reason})`).join('; ')}`);
  }
  const builds = differenceWarning('build id', ok.map((r) => ({ name: r.name, value: r.buildId })));
  if (builds) w.push(builds);
  const versions = differenceWarning('Go version', ok.map((r) => ({ name: r.name, value: r.goVersion })));
  if (versions) w.push(versions);
  for (const r of ok.filter((x) => x.outlier)) {
    w.push(`${r.name} is an outlier: ${formatRatio(r.ratio)} the median of the other replicas (${(r.share * 100).toFixed(1)}% of the total)`);
  }
  if (wave !== undefined) w.push(`more replicas than ${wave} captures at once: later ones were profiled in a later window`);
  return w;
}

/** Parses the one selector a fleet understands: `{}`, `{replica="a"}` or `{replica=~"api-.*"}`. */
export function replicaFilter(selector: string): (name: string) => boolean {
  const s = selector.trim();
  if (s === '' || s === '{}') return () => true;
  const m = /^\{\s*replica\s*(=~|=|!=|!~)\s*"((?:[^"\\]|\\.)*)"\s*\}$/.exec(s);
  if (!m) {
    throw new AnoleError('BAD_INPUT', `an SSH fleet understands only a replica selector, not '${selector}'`, 'use {} or {replica="host"} or {replica=~"api-.*"}');
  }
  const value = m[2].replace(/\\(.)/g, '$1');
  if (m[1] === '=') return (n) => n === value;
  if (m[1] === '!=') return (n) => n !== value;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${value})$`);
  } catch (e) {
    throw new AnoleError('BAD_INPUT', `'${value}' in the selector is not a regular expression: ${errorMessage(e)}`);
  }
  return m[1] === '=~' ? (n) => re.test(n) : (n) => !re.test(n);
}

/**
 * An SSH fleet as a {@link ProfileSource}: profile types are the kinds a fleet merges, the one
 * label is `replica`, and a query profiles the replicas now for the range's length (a live
 * capture: the range's start is not in the past, it is now).
 */
export class SshFleetSource implements ProfileSource {
  readonly kind = 'ssh-fleet';
  readonly name: string;
  /** The last capture's details (shares, failures), for views that show more than the merged profile. */
  lastCapture?: FleetCapture;

  constructor(private readonly spec: FleetSpec, private readonly deps: FleetDeps) {
    this.name = spec.hosts.join(' ');
  }

  profileTypes(): Promise<SourceProfileType[]> {
    return Promise.resolve(FLEET_KINDS.map((k) => ({ id: k, kind: k, label: k })));
  }

  labelNames(): Promise<string[]> {
    return Promise.resolve([REPLICA_LABEL]);
  }

  async labelValues(name: string, _query: LabelQuery, signal?: AbortSignal): Promise<string[]> {
    if (name !== REPLICA_LABEL) return [];
    const { replicas } = await resolveReplicas(this.spec, { ...this.deps, signal: signal ?? this.deps.signal });
    return replicas.map((r) => r.name);
  }

  async query(query: SourceQuery, signal?: AbortSignal): Promise<SourceResult> {
    const kind = parseFleetKind(query.type);
    const keep = replicaFilter(query.selector);
    const seconds = isTimed(kind) ? Math.max(1, Math.round((query.range.toMs - query.range.fromMs) / 1000)) : undefined;
    const deps = { ...this.deps, signal: signal ?? this.deps.signal };
    const started = Date.now();
    const { replicas, failures } = await resolveReplicas(this.spec, deps);
    const chosen = replicas.filter((r) => keep(r.name));
    if (chosen.length === 0) return { kind: 'empty', message: `no replica matches ${query.selector}` };
    const res = await captureReplicas(chosen, failures.filter((f) => keep(f.name)), kind, seconds, deps, started);
    this.lastCapture = res;
    return { kind: 'profile', pprof: res.pprof, description: res.description, warnings: res.warnings, labels: {} };
  }
}
