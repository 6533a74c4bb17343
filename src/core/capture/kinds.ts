// The profile kinds Anole captures from a Go pprof endpoint, and the URL for each.
import { AnoleError } from '../errors';
import { defaultTraceSeconds } from './traceCapture';

/** Kinds a user asks for; `goroutine` with `text` gives the debug=2 dump instead of the proto. */
export const CAPTURE_KINDS = ['cpu', 'heap', 'allocs', 'goroutine', 'mutex', 'block', 'threadcreate', 'trace'] as const;
export type CaptureKind = (typeof CAPTURE_KINDS)[number];

/** Kinds that run for a duration on the server (the request lasts `seconds`). */
export function isTimed(kind: CaptureKind): boolean {
  return kind === 'cpu' || kind === 'trace';
}

export function parseKind(s: string): CaptureKind {
  const k = s.toLowerCase() === 'profile' ? 'cpu' : s.toLowerCase();
  if ((CAPTURE_KINDS as readonly string[]).includes(k)) return k as CaptureKind;
  throw new AnoleError('BAD_INPUT', `unknown capture kind '${s}'`, `use one of: ${CAPTURE_KINDS.join(', ')}`);
}

/**
 * The pprof index URL (ending in /debug/pprof/) for a URL the user gave: the index itself, one of
 * its profile URLs, or a bare http://host:port (the default mount point is assumed).
 */
export function pprofBase(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AnoleError('BAD_INPUT', `'${url}' is not a URL`, 'give the pprof endpoint, e.g. http://127.0.0.1:6060/debug/pprof/');
  }
  if (u.protocol !== 'http:') {
    throw new AnoleError('BAD_INPUT', `unsupported URL scheme '${u.protocol}' in ${url}`, 'the pprof endpoint is reached over an SSH tunnel with plain http://');
  }
  const at = u.pathname.indexOf('/debug/pprof');
  if (at >= 0) u.pathname = u.pathname.slice(0, at) + '/debug/pprof/';
  else if (u.pathname === '/' || u.pathname === '') u.pathname = '/debug/pprof/';
  else if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.search = '';
  u.hash = '';
  return u;
}

export interface CaptureRequest {
  kind: CaptureKind;
  /** Duration for cpu and trace (default 10 s for cpu; 5 s for trace, 2 s from Go < 1.21). */
  seconds?: number;
  /** The service's Go version when known (e.g. "go1.19.8"): it sets a trace's default length. */
  goVersion?: string;
  /** For goroutine: the debug=2 text dump instead of the proto profile. */
  text?: boolean;
}

/**
 * The URL that captures `req` from the endpoint at `base`. Never asks for debug=1 heap text:
 * on a large heap that is hundreds of MB and a minute of the server's time.
 */
export function captureUrl(base: string, req: CaptureRequest): URL {
  const u = pprofBase(base);
  const secs = effectiveSeconds(req);
  const name = req.kind === 'cpu' ? 'profile' : req.kind;
  u.pathname += name;
  if (isTimed(req.kind)) u.searchParams.set('seconds', String(secs));
  if (req.kind === 'goroutine' && req.text) u.searchParams.set('debug', '2');
  return u;
}

/** The seconds a timed capture lasts (0 for instant kinds). */
export function effectiveSeconds(req: CaptureRequest): number {
  if (!isTimed(req.kind)) return 0;
  const s = req.seconds ?? (req.kind === 'cpu' ? 10 : defaultTraceSeconds(req.goVersion));
  if (!Number.isFinite(s) || s <= 0 || s > 3600 || Math.floor(s) !== s) {
    throw new AnoleError('BAD_INPUT', `--seconds must be a whole number from 1 to 3600, not '${req.seconds}'`);
  }
  return s;
}
