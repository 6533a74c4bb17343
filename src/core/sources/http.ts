// HTTP for the profiling-backend sources: a server URL with its credentials kept apart, requests with
// a 10 s limit to the first byte and Cancel, and failures turned into messages that say what to do.
import { AnoleError, errorMessage } from '../errors';

/** How to authenticate to a backend; never logged, never part of a source's name or a message. */
export type SourceAuth = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

/** Where a backend is and how to reach it. */
export interface ServerOptions {
  /** The server's base URL (Parca's HTTP port, Pyroscope's, or a Grafana datasource-proxy URL). */
  url: string;
  auth?: SourceAuth;
  /** Pyroscope's tenant (`X-Scope-OrgID`), for a multi-tenant server. */
  tenant?: string;
  /** The limit to the first byte of each answer, in ms (default and maximum 10 000). */
  timeoutMs?: number;
}

/** The default and largest wait for the first byte of an answer. */
export const FIRST_BYTE_TIMEOUT_MS = 10_000;

/** A server's base URL: http(s) only, without credentials (user:password@ in the URL become basic auth). */
export interface ServerUrl {
  base: URL;
  /** The URL as shown to the user: no credentials, no query. */
  display: string;
  /** Basic auth taken from the URL, if it had any. */
  auth?: SourceAuth;
}

/** Parses the base URL of a backend; BAD_INPUT when it is not an http(s) URL. */
export function parseServerUrl(url: string): ServerUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AnoleError('BAD_INPUT', `'${redactUrl(url)}' is not a URL`, 'give the server as http(s)://host:port, e.g. http://127.0.0.1:7070');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new AnoleError('BAD_INPUT', `unsupported URL scheme '${u.protocol}' for a profiling server`, 'use http:// or https://');
  }
  let auth: SourceAuth | undefined;
  if (u.username || u.password) {
    auth = { kind: 'basic', user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
  }
  u.search = '';
  u.hash = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return { base: u, display: u.href.replace(/\/$/, ''), auth };
}

/** `url` with any user:password@ removed, for messages about a string that may not even parse. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@\s]*@/, '//');
}

/** The request headers that carry `auth` and `tenant`. */
export function authHeaders(auth: SourceAuth | undefined, tenant: string | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  if (auth?.kind === 'bearer') h.authorization = `Bearer ${auth.token}`;
  else if (auth?.kind === 'basic') h.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  if (tenant) h['x-scope-orgid'] = tenant;
  return h;
}

/** An answer read in full. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** One request to a backend. */
export interface HttpRequest {
  url: URL;
  /** What the user asked for, for messages (e.g. `Parca at http://…: profile types`). */
  what: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Sends a request and reads the whole answer. Fails with TIMEOUT when no answer starts within the
 * limit, CANCELLED when `signal` aborts, SSH_CONNECT-like NOT_FOUND when nothing listens there.
 */
export async function httpRequest(req: HttpRequest): Promise<HttpAnswer> {
  if (req.signal?.aborted) throw cancelled(req.what);
  const limit = Math.min(req.timeoutMs ?? FIRST_BYTE_TIMEOUT_MS, FIRST_BYTE_TIMEOUT_MS);
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, limit);
  const onAbort = () => ctl.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method ?? 'GET',
        headers: req.headers,
        body: req.body as NonNullable<Parameters<typeof fetch>[1]>['body'],
        signal: ctl.signal,
        redirect: 'follow',
      });
    } catch (e) {
      throw fetchError(req, e, timedOut, limit);
    } finally {
      clearTimeout(timer);
    }
    try {
      return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
    } catch (e) {
      throw fetchError(req, e, false, limit);
    }
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
}

function cancelled(what: string): AnoleError {
  return new AnoleError('CANCELLED', `${what}: cancelled`);
}

function fetchError(req: HttpRequest, e: unknown, timedOut: boolean, limit: number): AnoleError {
  if (req.signal?.aborted) return cancelled(req.what);
  const where = `${req.url.protocol}//${req.url.host}`;
  if (timedOut) {
    return new AnoleError('TIMEOUT', `${req.what}: no answer from ${where} within ${limit / 1000} s`, 'check that the server is up and not overloaded, or narrow the time range');
  }
  const code = errorCode(e);
  switch (code) {
    case 'ECONNREFUSED':
      return new AnoleError('NOT_FOUND', `${req.what}: nothing is listening at ${where} (connection refused)`, 'is the server running, and is this its HTTP port?');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AnoleError('NOT_FOUND', `${req.what}: the host '${req.url.hostname}' is not known`, 'check the server URL');
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return new AnoleError('PPROF', `${req.what}: ${where} closed the connection`, 'the server may have stopped or restarted; try again');
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new AnoleError('TIMEOUT', `${req.what}: could not connect to ${where}`, 'check the URL and that the server is reachable from here');
    default:
      if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) {
        return new AnoleError('PPROF', `${req.what}: TLS failed for ${where} (${code})`, 'check the certificate, or use the URL the server presents a certificate for');
      }
      return new AnoleError('PPROF', `${req.what}: request to ${where} failed: ${code ?? errorMessage(e)}`);
  }
}

/** The system error code inside a fetch failure (undici wraps it in `cause`). */
function errorCode(e: unknown): string | undefined {
  for (let c: unknown = e, i = 0; c && i < 4; c = (c as { cause?: unknown }).cause, i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The error for an HTTP status that means the credentials are wrong or missing. */
export function authError(what: string, status: number, detail: string, hasAuth: boolean): AnoleError {
  if (status === 401) {
    return new AnoleError(
      'PPROF',
      `${what}: the server refused the credentials (HTTP 401${detail ? `: ${detail}` : ''})`,
      hasAuth ? 'the token or password is wrong or expired: set it again' : 'this server needs a token or a user and password',
      { httpStatus: 401 },
    );
  }
  return new AnoleError(
    'PPROF',
    `${what}: access denied (HTTP 403${detail ? `: ${detail}` : ''})`,
    'the credentials are valid but may not read this data (check the token\'s role or the tenant)',
    { httpStatus: 403 },
  );
}

/** True for the error of a server that refused the credentials (HTTP 401 or 403). */
export function isAuthError(e: unknown): boolean {
  const status = (e as { details?: { httpStatus?: unknown } } | undefined)?.details?.httpStatus;
  return status === 401 || status === 403;
}

/** What every backend source keeps of its server: the base URL, its display name, auth, tenant, time limit. */
export abstract class ServerConnection {
  readonly name: string;
  protected readonly base: URL;
  protected readonly auth?: SourceAuth;
  protected readonly tenant?: string;
  protected readonly timeoutMs?: number;

  constructor(options: ServerOptions) {
    const url = parseServerUrl(options.url);
    this.base = url.base;
    this.name = url.display;
    this.auth = options.auth ?? url.auth;
    this.tenant = options.tenant || undefined;
    this.timeoutMs = options.timeoutMs;
  }
}

/** A short, single-line excerpt of an error body for a message. */
export function bodyExcerpt(body: Uint8Array): string {
  const s = Buffer.from(body.subarray(0, 400)).toString('utf8').replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
