// The Grafana Pyroscope source: querier.v1.QuerierService over the Connect protocol. The pickers use
// JSON; the merged profile is asked for in protobuf (SelectMergeStacktraces with PROFILE_FORMAT_PPROF,
// v2.2+, else SelectMergeProfile on older servers), so the pprof arrives as bytes, uncompressed.
// Works against Pyroscope itself or through a Grafana datasource-proxy URL; tenant in X-Scope-OrgID.
import { AnoleError } from '../errors';
import { authError, authHeaders, bodyExcerpt, httpRequest, ServerConnection } from './http';
import { describeRange, normaliseSelector, sharedLabels, sortTypes, sourceProfileType } from './profileTypes';
import { readMessage, readSpan } from './protoRead';
import { ProtoWriter } from '../pprof/wireWrite';
import type { LabelQuery, ProfileSource, SourceProfileType, SourceQuery, SourceResult, TimeRange } from './source';

const SERVICE = 'querier.v1.QuerierService';
const PROFILE_FORMAT_PPROF = 4;
/**
 * How far back "does this tenant have anything at all" looks when a query comes back empty: Pyroscope
 * refuses longer ranges by default (`max_query_length` 1d; a real v1.13 answered a 30-day probe with
 * invalid_argument).
 */
const TENANT_PROBE_MS = 24 * 3600 * 1000;

/** A Pyroscope server (or a Grafana datasource proxy to one). */
export class PyroscopeSource extends ServerConnection implements ProfileSource {
  readonly kind = 'pyroscope';
  /** False once the server answered SelectMergeStacktraces without a pprof (before v2.2): ask SelectMergeProfile directly. */
  private pprofFormat = true;

  async profileTypes(signal?: AbortSignal, range?: TimeRange): Promise<SourceProfileType[]> {
    const body = range ? { start: range.fromMs, end: range.toMs } : {};
    const res = (await this.json('ProfileTypes', 'profile types', body, signal)) as { profileTypes?: { ID?: string }[] };
    const ids = (res.profileTypes ?? []).map((t) => t.ID ?? '').filter((id) => id);
    return sortTypes([...new Set(ids)].map(sourceProfileType));
  }

  async labelNames(query: LabelQuery, signal?: AbortSignal): Promise<string[]> {
    const res = (await this.json('LabelNames', 'label names', { matchers: matchers(query), start: query.range.fromMs, end: query.range.toMs }, signal)) as { names?: string[] };
    return (res.names ?? []).filter((n) => !n.startsWith('__')).sort();
  }

  async labelValues(name: string, query: LabelQuery, signal?: AbortSignal): Promise<string[]> {
    const res = (await this.json('LabelValues', `values of label '${name}'`, { name, matchers: matchers(query), start: query.range.fromMs, end: query.range.toMs }, signal)) as {
      names?: string[];
    };
    return (res.names ?? []).sort();
  }

  /** The label sets of the series a query merges. */
  async series(query: SourceQuery, signal?: AbortSignal): Promise<Record<string, string>[]> {
    const res = (await this.json('Series', 'series', { matchers: [seriesMatcher(query)], start: query.range.fromMs, end: query.range.toMs }, signal)) as {
      labelsSet?: { labels?: { name: string; value: string }[] }[];
    };
    return (res.labelsSet ?? []).map((s) => Object.fromEntries((s.labels ?? []).filter((l) => !l.name.startsWith('__')).map((l) => [l.name, l.value])));
  }

  async query(query: SourceQuery, signal?: AbortSignal): Promise<SourceResult> {
    if (!query.type) throw new AnoleError('BAD_INPUT', 'say which profile type to query', 'list them with `anole source types pyroscope URL`');
    const selector = normaliseSelector(query.selector);
    const common = (w: ProtoWriter) => w.string(1, query.type).string(2, selector).uint(3, query.range.fromMs).uint(4, query.range.toMs);
    let pprof: Uint8Array | undefined;
    if (this.pprofFormat) {
      const res = await this.proto('SelectMergeStacktraces', 'merged profile', common(new ProtoWriter()).uint(6, PROFILE_FORMAT_PPROF).finish(), signal);
      readMessage('SelectMergeStacktraces', res, (f, wt, r) => {
        const outer = f === 5 ? readSpan(wt, r) : undefined;
        if (!outer) return;
        // A v2.2+ answer: the pprof field is there even when the profile in it is empty (no data).
        pprof = new Uint8Array(0);
        readMessage('PprofProfile', res, (pf, pwt, pr) => {
          const inner = pf === 1 ? readSpan(pwt, pr) : undefined;
          if (inner) pprof = res.subarray(inner[0], inner[1]);
        }, outer[0], outer[1]);
      });
      // Servers before v2.2 ignore the format and answer with a flame graph only (v1.13 does).
      if (!pprof) this.pprofFormat = false;
    }
    const warnings: string[] = [];
    if (!pprof) {
      pprof = await this.proto('SelectMergeProfile', 'merged profile', common(new ProtoWriter()).finish(), signal);
      warnings.push('this Pyroscope server predates v2.2: the profile came from SelectMergeProfile');
    }
    if (!hasSamples(pprof)) return this.emptyResult(query.range, signal);
    const series = await this.series(query, signal);
    return {
      kind: 'profile',
      pprof,
      description: `Pyroscope ${this.name}${this.tenant ? ` (tenant ${this.tenant})` : ''}: ${series.length === 1 ? '1 series' : `${series.length} series`}, ${describeRange(query.range)}`,
      warnings,
      labels: sharedLabels(series),
    };
  }

  /**
   * "No data in this range", or, when the tenant has no profiles in the last 24 hours either, a message
   * about the tenant. The probe only refines the message: if it fails, the plain message stands.
   */
  private async emptyResult(range: TimeRange, signal?: AbortSignal): Promise<SourceResult> {
    const now = Date.now();
    const any = await this.profileTypes(signal, { fromMs: now - TENANT_PROBE_MS, toMs: now }).catch((e: unknown) => {
      if (signal?.aborted) throw e;
      return undefined;
    });
    if (any?.length === 0) {
      const who = this.tenant ? `tenant '${this.tenant}'` : 'the default tenant (no X-Scope-OrgID)';
      return { kind: 'empty', message: `no profiles match in ${describeRange(range)}, and Pyroscope ${this.name} has none at all for ${who} in the last 24 hours: check the tenant` };
    }
    return { kind: 'empty', message: `no profiles match in ${describeRange(range)}: try a wider range or another selector` };
  }

  private headers(contentType: string): Record<string, string> {
    return { 'content-type': contentType, 'connect-protocol-version': '1', ...authHeaders(this.auth, this.tenant) };
  }

  private async json(method: string, what: string, body: object, signal?: AbortSignal): Promise<unknown> {
    const res = await this.post(method, what, 'application/json', JSON.stringify(body), signal);
    try {
      return JSON.parse(Buffer.from(res).toString('utf8')) as unknown;
    } catch {
      throw new AnoleError('PPROF', `Pyroscope ${this.name}: ${what}: the answer is not JSON`, 'is this the URL of a Pyroscope server or a Grafana datasource proxy to one?');
    }
  }

  private proto(method: string, what: string, body: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return this.post(method, what, 'application/proto', body, signal);
  }

  /** One Connect unary call; a Connect error (JSON `{code, message}`) becomes an AnoleError. */
  private async post(method: string, what: string, contentType: string, body: Uint8Array | string, signal?: AbortSignal): Promise<Uint8Array> {
    const label = `Pyroscope ${this.name}: ${what}`;
    const res = await httpRequest({ url: new URL(`${SERVICE}/${method}`, this.base), what: label, method: 'POST', headers: this.headers(contentType), body, timeoutMs: this.timeoutMs, signal });
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 200 && type.startsWith(contentType)) return res.body;
    const e = type.startsWith('application/json') ? connectErrorOf(Buffer.from(res.body).toString('utf8')) : undefined;
    throw this.connectError(label, res.status, e?.code ?? '', e?.message || bodyExcerpt(res.body));
  }

  private connectError(label: string, status: number, code: string, message: string): AnoleError {
    const hasAuth = this.auth !== undefined;
    if (/no org id/i.test(message)) {
      return new AnoleError('PPROF', `${label}: the server is multi-tenant and no tenant was given (${message})`, 'set the tenant (X-Scope-OrgID)');
    }
    if (code === 'unauthenticated' || status === 401) return authError(label, 401, message, hasAuth);
    if (code === 'permission_denied' || status === 403) return authError(label, 403, message, hasAuth);
    if (/max_query_length/.test(message)) {
      return new AnoleError('BAD_INPUT', `${label}: the range is longer than the server allows (${message})`, 'narrow the time range: Pyroscope allows 1 day per query unless its max_query_length is raised');
    }
    if (code === 'invalid_argument' || status === 400) {
      return new AnoleError('BAD_INPUT', `${label}: the server rejected the query: ${message}`, 'check the profile type and the selector, e.g. {service_name="api"}');
    }
    if (code === 'unimplemented' || status === 404) {
      return new AnoleError('PPROF', `${label}: the server has no ${SERVICE} here (HTTP ${status})`, 'give the Pyroscope URL (e.g. http://pyroscope:4040) or a Grafana datasource-proxy URL');
    }
    return new AnoleError('PPROF', `${label}: the server failed (HTTP ${status}${code ? `, ${code}` : ''}): ${message}`);
  }
}

/**
 * The code and innermost message of a Connect error body. Pyroscope's query frontend wraps the
 * querier's error: a real v1.13 answers `{"code":"invalid_argument","message":"{\"code\":…,
 * \"message\":\"rpc error: code = InvalidArgument desc = profile-type selection must be…\"}"}`, and
 * without a tenant `{"code":"unauthenticated","message":"invalid_argument: no org id"}`.
 */
export function connectErrorOf(body: string): { code: string; message: string } | undefined {
  let outer: { code?: unknown; message?: unknown };
  try {
    outer = JSON.parse(body) as typeof outer;
  } catch {
    return undefined;
  }
  if (typeof outer !== 'object' || outer === null) return undefined;
  const code = typeof outer.code === 'string' ? outer.code : '';
  let message = typeof outer.message === 'string' ? outer.message : '';
  for (let depth = 0; depth < 4; depth++) {
    let inner: unknown;
    try {
      inner = JSON.parse(message);
    } catch {
      break;
    }
    const m = (inner as { message?: unknown } | null)?.message;
    if (typeof m !== 'string') break;
    message = m;
  }
  message = message.replace(/^rpc error: code = \w+ desc = /, '').replace(/^[a-z_]+: (?=\S)/, (p) => (CONNECT_CODES.has(p.slice(0, -2)) ? '' : p));
  return { code, message };
}

const CONNECT_CODES = new Set([
  'canceled', 'unknown', 'invalid_argument', 'deadline_exceeded', 'not_found', 'already_exists', 'permission_denied', 'resource_exhausted',
  'failed_precondition', 'aborted', 'out_of_range', 'unimplemented', 'internal', 'unavailable', 'data_loss', 'unauthenticated',
]);

function matchers(query: LabelQuery): string[] {
  const sel = query.selector ? normaliseSelector(query.selector) : '{}';
  if (!query.type) return sel === '{}' ? [] : [sel];
  return [seriesMatcher({ type: query.type, selector: sel })];
}

/** A selector that also picks the profile type, as Pyroscope's Series wants: `{__profile_type__="…",…}`. */
function seriesMatcher(query: { type: string; selector: string }): string {
  const inner = normaliseSelector(query.selector).slice(1, -1).trim();
  const typeMatcher = `__profile_type__="${query.type.replace(/["\\]/g, '\\$&')}"`;
  return `{${inner ? `${inner},` : ''}${typeMatcher}}`;
}

/** True when a pprof Profile message has at least one sample (field 2) with a non-zero value. */
function hasSamples(pprof: Uint8Array): boolean {
  let found = false;
  readMessage('Profile', pprof, (f, wt, r) => {
    if (found || f !== 2) return;
    const span = readSpan(wt, r);
    if (!span) return;
    readMessage('Sample', pprof, (sf, swt, sr) => {
      if (sf !== 2) return;
      // values: packed (bytes) or one varint
      const packed = readSpan(swt, sr);
      if (packed) {
        for (let i = packed[0]; i < packed[1]; i++) if (pprof[i] !== 0) found = true;
      } else if (sr.int64() !== 0) found = true;
    }, span[0], span[1]);
  });
  return found;
}
