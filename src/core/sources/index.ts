// Opening a profiling-backend source by kind, and reading the time ranges users type.
import { AnoleError } from '../errors';
import type { ServerOptions } from './http';
import { ParcaSource } from './parca';
import { PyroscopeSource } from './pyroscope';
import type { ProfileSource, TimeRange } from './source';

export type { ServerOptions, SourceAuth } from './http';
export { isAuthError } from './http';
export { ParcaSource } from './parca';
export { PyroscopeSource } from './pyroscope';
export type * from './source';

/** The backends a URL can point at. */
export const BACKEND_KINDS = ['parca', 'pyroscope'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** Parses a backend kind typed by the user. */
export function parseBackendKind(s: string): BackendKind {
  const k = s.toLowerCase();
  if ((BACKEND_KINDS as readonly string[]).includes(k)) return k as BackendKind;
  throw new AnoleError('BAD_INPUT', `unknown backend '${s}'`, `use one of: ${BACKEND_KINDS.join(', ')}`);
}

/** A source for a Parca or Pyroscope server. */
export function openBackend(kind: BackendKind, options: ServerOptions): ProfileSource {
  return kind === 'parca' ? new ParcaSource(options) : new PyroscopeSource(options);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time typed by the user, in Unix ms: `now`, `now-15m`, `2h` (that long ago), an ISO
 * date (`2026-12-06T03:00:00Z`), or Unix seconds or milliseconds.
 */
export function parseTime(s: string, nowMs: number = Date.now()): number {
  const t = s.trim();
  if (t === 'now') return nowMs;
  const rel = /^(?:now-)?(\d+(?:\.\d+)?)([smhd])$/.exec(t);
  if (rel) return nowMs - Math.round(Number(rel[1]) * UNIT_MS[rel[2]]);
  if (/^\d{9,10}$/.test(t)) return Number(t) * 1000;
  if (/^\d{12,13}$/.test(t)) return Number(t);
  const d = Date.parse(t);
  if (!Number.isNaN(d) && /^\d{4}-\d\d-\d\d/.test(t)) return d;
  throw new AnoleError('BAD_INPUT', `'${s}' is not a time`, 'use now, now-15m, 2h (ago), an ISO date such as 2026-12-06T03:00:00Z, or Unix seconds');
}

/** A range from two user times (defaults: the last 15 minutes); BAD_INPUT when it is empty. */
export function parseRange(from: string | undefined, to: string | undefined, nowMs: number = Date.now()): TimeRange {
  const range = { fromMs: parseTime(from ?? 'now-15m', nowMs), toMs: parseTime(to ?? 'now', nowMs) };
  if (range.toMs <= range.fromMs) throw new AnoleError('BAD_INPUT', `the range is empty: --from (${from ?? 'now-15m'}) is not before --to (${to ?? 'now'})`);
  return range;
}
