// Turns a fleet spec (hosts or Host patterns, and which service on each) into replicas with their pprof endpoints.
import * as path from 'node:path';
import { listGoProcesses } from '../discovery/processes';
import { mapLimit } from '../discovery/limit';
import { AnoleError, errorMessage } from '../errors';
import type { RemoteHost } from '../remote/host';
import { expandHostPatterns } from '../ssh/hostAliases';
import { resolveEndpoint } from '../workflow/endpoint';

/** Which replicas to profile: the hosts, and which service on each. */
export interface FleetSpec {
  /** ssh destinations and Host patterns (`api-*`, `web-* !web-canary`) over the ssh config's aliases. */
  hosts: readonly string[];
  /** Every Go process with this executable name (base name or full path) on each host is a replica. */
  processName?: string;
  /** The pprof endpoint as each host sees it (the same on every host), e.g. http://127.0.0.1:6060/debug/pprof/. */
  url?: string;
}

/** One replica: where it runs and its pprof endpoint. */
export interface Replica {
  /** Its `replica` label: the host, or `host/pid` when a host runs several. */
  name: string;
  host: string;
  pid?: number;
  /** The pprof index URL as the host sees it. */
  url: string;
  /** The Go version that built it, when discovery read it. */
  goVersion?: string;
}

/** A replica (or a whole host) that could not be profiled, and why. */
export interface ReplicaFailure {
  name: string;
  host: string;
  reason: string;
}

/** What resolving needs: pooled connections, the ssh config, a concurrency bound. */
export interface ResolveDeps {
  /** A connected host for a destination; the caller's pool keeps one connection per host. */
  connect(destination: string): Promise<RemoteHost>;
  sshConfigFile?: string;
  /** Hosts worked on at once (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Checks a spec before anything connects: hosts given, and exactly one way of finding the service. */
export function checkFleetSpec(spec: FleetSpec): void {
  if (spec.hosts.length === 0) throw new AnoleError('BAD_INPUT', 'no replicas: give one or more hosts or Host patterns');
  if (!spec.processName && !spec.url) {
    throw new AnoleError('BAD_INPUT', 'say which service runs on each host: a process name or the pprof URL',
      'e.g. --process api, or --url http://127.0.0.1:6060/debug/pprof/');
  }
  if (spec.processName && spec.url) throw new AnoleError('BAD_INPUT', 'give a process name or a pprof URL, not both');
}

function matchesName(exe: string, name: string): boolean {
  const clean = exe.replace(/ \(deleted\)$/, '');
  return clean === name || path.posix.basename(clean) === name;
}

/**
 * The replicas of `spec`: Host patterns are expanded, every host is connected (at most
 * `concurrency` at once), and its service's endpoint found (the given URL, or each process named
 * `processName` with the pprof endpoint discovery finds on its sockets). A host that cannot be
 * reached or runs no such service becomes a failure with its reason, not an error.
 */
export async function resolveReplicas(spec: FleetSpec, deps: ResolveDeps): Promise<{ replicas: Replica[]; failures: ReplicaFailure[] }> {
  checkFleetSpec(spec);
  const hosts = await expandHostPatterns(spec.hosts, deps.sshConfigFile);
  const perHost = await mapLimit(hosts, deps.concurrency ?? 16, async (host) => {
    try {
      deps.signal?.throwIfAborted();
      const remote = await deps.connect(host);
      const where = remote.label;
      if (spec.url) return { replicas: [{ name: host, host, where, url: await resolveEndpoint(remote, { url: spec.url }) }], failures: [] };
      const name = spec.processName!;
      const procs = (await listGoProcesses(remote, { signal: deps.signal })).filter((p) => matchesName(p.exe, name));
      if (procs.length === 0) return { replicas: [], failures: [{ name: host, host, reason: `no Go process named ${name} on ${host}` }] };
      const replicas: (Replica & { where: string })[] = [];
      const failures: ReplicaFailure[] = [];
      for (const p of procs) {
        const replicaName = procs.length === 1 ? host : `${host}/${p.pid}`;
        if (p.pprof) replicas.push({ name: replicaName, host, where, pid: p.pid, url: p.pprof, goVersion: p.goVersion });
        else failures.push({ name: replicaName, host, reason: `process ${p.pid} on ${host} serves no /debug/pprof/ endpoint on any socket it listens on` });
      }
      return { replicas, failures };
    } catch (e) {
      if (deps.signal?.aborted) throw new AnoleError('CANCELLED', 'fleet profiling cancelled');
      return { replicas: [], failures: [{ name: host, host, reason: errorMessage(e) }] };
    }
  });
  // Two aliases of one machine reach the same process: profile it once.
  const seen = new Set<string>();
  const replicas = perHost.flatMap((h) => h.replicas).filter((r) => {
    const key = `${r.where} ${r.url} ${r.pid ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { replicas: replicas.map(({ where: _, ...r }) => r), failures: perHost.flatMap((h) => h.failures) };
}
