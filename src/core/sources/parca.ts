// The Parca source: parca.query.v1alpha1.QueryService over gRPC-web on Parca's HTTP port. Query in
// MODE_MERGE with REPORT_TYPE_PPROF gives the merged profile as gzipped pprof; ProfileTypes, Labels
// and Values feed the pickers; QueryRange gives the series merged (their labels and totals).
import { AnoleError } from '../errors';
import { authError, authHeaders, bodyExcerpt, httpRequest, ServerConnection } from './http';
import { describeRange, normaliseSelector, sharedLabels, sortTypes, sourceProfileType } from './profileTypes';
import { readInt, readMessage, readSpan, readString, repeatedStrings } from './protoRead';
import { ProtoWriter } from '../pprof/wireWrite';
import type { LabelQuery, ProfileSource, SourceProfileType, SourceQuery, SourceResult, TimeRange } from './source';

const SERVICE = 'parca.query.v1alpha1.QueryService';
/** QueryRequest.Mode and ReportType values. */
const MODE_MERGE = 2;
const REPORT_TYPE_PPROF = 1;

/** gRPC status codes the source tells apart. */
const GRPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** One series of a query: its labels and its total over the range. */
export interface SeriesTotal {
  labels: Record<string, string>;
  total: number;
}

/** A Parca server. */
export class ParcaSource extends ServerConnection implements ProfileSource {
  readonly kind = 'parca';

  async profileTypes(signal?: AbortSignal): Promise<SourceProfileType[]> {
    const res = await this.call('ProfileTypes', 'profile types', new Uint8Array(), signal);
    const ids: string[] = [];
    readMessage('ProfileTypes', res, (f, wt, r) => {
      const span = f === 1 ? readSpan(wt, r) : undefined;
      if (span) ids.push(profileTypeId(res, span));
    });
    return sortTypes([...new Set(ids)].map(sourceProfileType));
  }

  async labelNames(query: LabelQuery, signal?: AbortSignal): Promise<string[]> {
    const req = new ProtoWriter();
    matchers(req, 1, query);
    req.timestamp(2, query.range.fromMs).timestamp(3, query.range.toMs);
    if (query.type) req.string(4, query.type, true);
    const res = await this.call('Labels', 'label names', req.finish(), signal);
    return repeatedStrings('Labels', res, 1).sort();
  }

  async labelValues(name: string, query: LabelQuery, signal?: AbortSignal): Promise<string[]> {
    const req = new ProtoWriter().string(1, name, true);
    matchers(req, 2, query);
    req.timestamp(3, query.range.fromMs).timestamp(4, query.range.toMs);
    if (query.type) req.string(5, query.type, true);
    const res = await this.call('Values', `values of label '${name}'`, req.finish(), signal);
    return repeatedStrings('Values', res, 1).sort();
  }

  async query(query: SourceQuery, signal?: AbortSignal): Promise<SourceResult> {
    const q = parcaQuery(query);
    const req = new ProtoWriter()
      .uint(1, MODE_MERGE)
      .message(3, (m) => m.string(1, q).timestamp(2, query.range.fromMs).timestamp(3, query.range.toMs))
      .uint(5, REPORT_TYPE_PPROF)
      .finish();
    const res = await this.call('Query', 'merged profile', req, signal, true);
    if (!res) return empty(query.range);
    let pprof: Uint8Array | undefined;
    readMessage('Query', res, (f, wt, r) => {
      const span = f === 6 ? readSpan(wt, r) : undefined;
      if (span) pprof = res.subarray(span[0], span[1]);
    });
    if (!pprof || pprof.length === 0) return empty(query.range);
    // Parca v0.28 answers a range without data with a pprof that has no samples: no series is "empty".
    const series = await this.series(query, signal);
    if (series.length === 0) return empty(query.range);
    const labels = sharedLabels(series.map((s) => s.labels));
    return {
      kind: 'profile',
      pprof,
      description: `Parca ${this.name}: ${series.length === 1 ? '1 series' : `${series.length} series`}, ${describeRange(query.range)}`,
      warnings: [],
      labels,
    };
  }

  /**
   * The series a query merges, each with its labels and its total over the range (QueryRange, one
   * step). Parca sums delta profiles (CPU) over every label not in `sum_by`, so the request names
   * all the label names the query's profiles carry: one series per label set.
   */
  async series(query: SourceQuery, signal?: AbortSignal): Promise<SeriesTotal[]> {
    const q = parcaQuery(query);
    const names = await this.labelNames(query, signal);
    const stepMs = Math.max(1000, query.range.toMs - query.range.fromMs);
    const req = new ProtoWriter()
      .string(1, q)
      .timestamp(2, query.range.fromMs)
      .timestamp(3, query.range.toMs)
      .message(5, (d) => d.uint(1, Math.floor(stepMs / 1000)).uint(2, (stepMs % 1000) * 1e6));
    for (const name of names) req.string(6, name, true);
    const res = await this.call('QueryRange', 'series', req.finish(), signal, true);
    return res ? seriesTotals(res) : [];
  }

  /**
   * One gRPC-web call; resolves to the answer message, or to undefined for NOT_FOUND when
   * `notFoundIsEmpty` (Parca's "no data found for the query").
   */
  private async call(method: string, what: string, message: Uint8Array, signal: AbortSignal | undefined, notFoundIsEmpty: true): Promise<Uint8Array | undefined>;
  private async call(method: string, what: string, message: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  private async call(method: string, what: string, message: Uint8Array, signal?: AbortSignal, notFoundIsEmpty = false): Promise<Uint8Array | undefined> {
    const label = `Parca ${this.name}: ${what}`;
    const body = new Uint8Array(5 + message.length);
    new DataView(body.buffer).setUint32(1, message.length);
    body.set(message, 5);
    const res = await httpRequest({
      url: new URL(`${SERVICE}/${method}`, this.base),
      what: label,
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', accept: 'application/grpc-web+proto', 'x-grpc-web': '1', ...authHeaders(this.auth, undefined) },
      body,
      timeoutMs: this.timeoutMs,
      signal,
    });
    if (res.status === 401 || res.status === 403) throw authError(label, res.status, bodyExcerpt(res.body), this.auth !== undefined);
    const type = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !type.startsWith('application/grpc-web')) {
      throw new AnoleError('PPROF', `${label}: not a Parca answer (HTTP ${res.status}, ${type || 'no content type'})`, 'give the URL of Parca\'s HTTP port, e.g. http://parca:7070');
    }
    const { data, trailers } = grpcWebFrames(label, res.body);
    const status = Number(res.headers.get('grpc-status') ?? trailers['grpc-status'] ?? 0);
    const msg = decodeURIComponent(res.headers.get('grpc-message') ?? trailers['grpc-message'] ?? '');
    if (status === 0) return data ?? new Uint8Array();
    if (status === GRPC.NOT_FOUND && notFoundIsEmpty) return undefined;
    throw grpcError(label, status, msg, this.auth !== undefined);
  }
}

/** The PromQL-like query Parca reads: the type followed by the selector. */
function parcaQuery(query: SourceQuery): string {
  if (!query.type) throw new AnoleError('BAD_INPUT', 'say which profile type to query', 'list them with `anole source types parca URL`');
  return `${query.type}${normaliseSelector(query.selector)}`;
}

/**
 * The selector's matchers for Labels/Values: Parca wraps them in braces itself (`type{` + match
 * joined by commas + `}`), so they go without theirs.
 */
function matchers(w: ProtoWriter, field: number, query: LabelQuery): void {
  const inner = normaliseSelector(query.selector ?? '').replace(/^\{([^]*)\}$/, '$1').trim();
  if (inner) w.string(field, inner);
}

function empty(range: TimeRange): SourceResult {
  return { kind: 'empty', message: `no profiles match in ${describeRange(range)}: try a wider range or another selector` };
}

/** `name:sample_type:sample_unit:period_type:period_unit[:delta]` from a ProfileType message. */
function profileTypeId(buf: Uint8Array, [start, end]: [number, number]): string {
  const p = ['', '', '', '', ''];
  let delta = false;
  readMessage('ProfileType', buf, (f, wt, r) => {
    if (f >= 1 && f <= 5) p[f - 1] = readString(wt, r) ?? '';
    else if (f === 6) delta = readInt(wt, r) === 1;
  }, start, end);
  return p.join(':') + (delta ? ':delta' : '');
}

/**
 * The series of a QueryRangeResponse, one per label set (a series cut in two by a step boundary is
 * added up).
 */
export function seriesTotals(res: Uint8Array): SeriesTotal[] {
  const bySet = new Map<string, SeriesTotal>();
  readMessage('QueryRange', res, (f, wt, r) => {
    const span = f === 1 ? readSpan(wt, r) : undefined;
    if (!span) return;
    const s = metricsSeries(res, span);
    const key = JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const seen = bySet.get(key);
    if (seen) seen.total += s.total;
    else bySet.set(key, s);
  });
  return [...bySet.values()];
}

/** A MetricsSeries: its label set and the sum of its samples' values. */
function metricsSeries(buf: Uint8Array, [start, end]: [number, number]): SeriesTotal {
  const labels: Record<string, string> = {};
  let total = 0;
  readMessage('MetricsSeries', buf, (f, wt, r) => {
    const span = f === 1 || f === 2 ? readSpan(wt, r) : undefined;
    if (!span) return;
    if (f === 1) {
      readMessage('LabelSet', buf, (lf, lwt, lr) => {
        const ls = lf === 1 ? readSpan(lwt, lr) : undefined;
        if (!ls) return;
        let name = '';
        let value = '';
        readMessage('Label', buf, (nf, nwt, nr) => {
          if (nf === 1) name = readString(nwt, nr) ?? '';
          else if (nf === 2) value = readString(nwt, nr) ?? '';
        }, ls[0], ls[1]);
        labels[name] = value;
      }, span[0], span[1]);
    } else {
      readMessage('MetricsSample', buf, (sf, swt, sr) => {
        if (sf === 2) total += readInt(swt, sr) ?? 0;
      }, span[0], span[1]);
    }
  }, start, end);
  return { labels, total };
}

/** The data message and the trailers of a gRPC-web answer. */
function grpcWebFrames(label: string, body: Uint8Array): { data?: Uint8Array; trailers: Record<string, string> } {
  let data: Uint8Array | undefined;
  const trailers: Record<string, string> = {};
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let at = 0; at < body.length; ) {
    if (at + 5 > body.length) throw new AnoleError('BAD_PROFILE', `${label}: the answer is cut short`);
    const flags = body[at];
    const len = view.getUint32(at + 1);
    const end = at + 5 + len;
    if (end > body.length) throw new AnoleError('BAD_PROFILE', `${label}: the answer is cut short`);
    const frame = body.subarray(at + 5, end);
    if (flags & 0x80) {
      for (const line of Buffer.from(frame).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
    } else {
      data = frame;
    }
    at = end;
  }
  return { data, trailers };
}

function grpcError(label: string, status: number, msg: string, hasAuth: boolean): AnoleError {
  switch (status) {
    case GRPC.UNAUTHENTICATED:
      return authError(label, 401, msg, hasAuth);
    case GRPC.PERMISSION_DENIED:
      return authError(label, 403, msg, hasAuth);
    case GRPC.INVALID_ARGUMENT:
      return new AnoleError('BAD_INPUT', `${label}: the server rejected the query: ${msg}`, 'check the profile type and the selector, e.g. {job="api"}');
    case GRPC.UNIMPLEMENTED:
      return new AnoleError('PPROF', `${label}: the server does not implement this call (${msg})`, 'is this a Parca server (v0.20 or later)?');
    case GRPC.UNAVAILABLE:
      return new AnoleError('PPROF', `${label}: the server is unavailable: ${msg}`, 'try again in a moment');
    default:
      return new AnoleError('PPROF', `${label}: the server failed (gRPC status ${status}): ${msg}`);
  }
}
