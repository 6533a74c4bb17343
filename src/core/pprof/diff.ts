// Compares two profiles of the same kind: per-function or per-line deltas of flat and cum.
import { AnoleError } from '../errors';
import { aggregate } from './analyze';
import { type Profile } from './profile';
import { type SampleTypeChoice, selectSampleType } from './sampleType';
import { type TopRow, rowsOf } from './top';
import type { NormalizeMode } from './normalize';

export type { NormalizeMode };

/** Options for {@link diff}. */
export interface DiffOptions {
  /** Group by function (default) or by function and line. */
  by?: 'function' | 'line';
  /** Sample type by name; default: the default of `next`, which `base` must also have. */
  sampleType?: string;
  /** Rank by the change of flat (default) or of cum. */
  sort?: 'flat' | 'cum';
  /**
   * Scale the base before subtracting: `total` (or `true`) by nextTotal / baseTotal (compare
   * shapes, not volumes); `per-second` by the new profile's duration / the base's (compare rates
   * of two windows of different length). Default: no scaling.
   */
  normalize?: NormalizeOption;
  /** Keep only this many rows. */
  limit?: number;
}

/** One row: values in base and next, their differences and relative changes (null when base is 0). */
export interface DiffRow {
  function: string;
  file: string;
  line: number | null;
  baseFlat: number;
  nextFlat: number;
  deltaFlat: number;
  flatChangePercent: number | null;
  baseCum: number;
  nextCum: number;
  deltaCum: number;
  cumChangePercent: number | null;
}

/** A diff report. */
export interface DiffResult {
  sampleType: SampleTypeChoice;
  by: 'function' | 'line';
  baseTotal: number;
  nextTotal: number;
  /** Rows before `limit`. */
  totalRows: number;
  rows: DiffRow[];
}

/** A {@link NormalizeMode}, or the older boolean (`true` = `total`). */
export type NormalizeOption = NormalizeMode | boolean | undefined;

/** The mode a {@link NormalizeOption} means. */
export function normalizeMode(n: NormalizeOption): NormalizeMode {
  return n === true ? 'total' : n === false || n === undefined ? 'none' : n;
}

/**
 * The factor base values are multiplied by before they are compared with the new profile's:
 * 1 when totals are 0 (nothing to scale). Per second needs both profiles' durations.
 */
export function baseScale(
  mode: NormalizeOption,
  base: { total: number; durationNanos: number },
  next: { total: number; durationNanos: number },
): number {
  switch (normalizeMode(mode)) {
    case 'none':
      return 1;
    case 'total':
      return base.total !== 0 ? next.total / base.total : 1;
    case 'per-second': {
      const missing = [base.durationNanos > 0 ? '' : 'base', next.durationNanos > 0 ? '' : 'new'].filter(Boolean);
      if (missing.length > 0) {
        throw new AnoleError(
          'BAD_INPUT',
          `cannot normalise per second: the ${missing.join(' and the ')} profile${missing.length > 1 ? 's record' : ' records'} no duration`,
          'normalise by total instead, or compare profiles that record how long they ran (CPU captures, backend queries, fleet captures)',
        );
      }
      return next.durationNanos / base.durationNanos;
    }
  }
}

/** The change from `base` to `next` in percent of |base|; null when base is 0. */
export function relativeChange(base: number, next: number): number | null {
  return base === 0 ? null : ((next - base) / Math.abs(base)) * 100;
}

function keyOf(r: TopRow): string {
  return r.line === null ? r.function : `${r.function}\0${r.file}\0${r.line}`;
}

/** Picks the same sample type in both profiles, or explains why they cannot be compared. */
function pairTypes(base: Profile, next: Profile, wanted?: string): [SampleTypeChoice, SampleTypeChoice] {
  const n = selectSampleType(next, wanted);
  const names = (p: Profile) => p.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ');
  const bi = base.sampleTypes.findIndex((t) => t.type === n.type);
  if (bi < 0) {
    throw new AnoleError(
      'BAD_INPUT',
      `cannot compare the profiles: the new one is measured in "${n.type}" but the base has only ${names(base)}`,
      'compare two profiles of the same kind (e.g. two CPU profiles)',
    );
  }
  const b = selectSampleType(base, bi);
  if (b.unit !== n.unit) {
    throw new AnoleError('BAD_INPUT', `cannot compare the profiles: "${n.type}" is in ${b.unit} in the base but in ${n.unit} in the new one`);
  }
  return [b, n];
}

/**
 * Differences between a base and a new profile per function (or line), sorted by the size of
 * the change in flat (or cum). Functions present in only one profile count as 0 in the other.
 */
export function diff(base: Profile, next: Profile, opts: DiffOptions = {}): DiffResult {
  const by = opts.by ?? 'function';
  const [bt, nt] = pairTypes(base, next, opts.sampleType);
  const baseAgg = aggregate(base, by, { sampleIndex: bt.index });
  const nextAgg = aggregate(next, by, { sampleIndex: nt.index });
  const scale = baseScale(opts.normalize, { total: baseAgg.total, durationNanos: base.durationNanos }, { total: nextAgg.total, durationNanos: next.durationNanos });
  const rows = new Map<string, DiffRow>();
  const row = (r: TopRow): DiffRow => {
    const k = keyOf(r);
    let d = rows.get(k);
    if (!d) {
      d = {
        function: r.function,
        file: r.file,
        line: r.line,
        baseFlat: 0,
        nextFlat: 0,
        deltaFlat: 0,
        flatChangePercent: null,
        baseCum: 0,
        nextCum: 0,
        deltaCum: 0,
        cumChangePercent: null,
      };
      rows.set(k, d);
    }
    return d;
  };
  for (const r of rowsOf(baseAgg)) {
    const d = row(r);
    d.baseFlat = r.flat * scale;
    d.baseCum = r.cum * scale;
  }
  for (const r of rowsOf(nextAgg)) {
    const d = row(r);
    d.nextFlat = r.flat;
    d.nextCum = r.cum;
  }
  const all = [...rows.values()];
  for (const d of all) {
    d.deltaFlat = d.nextFlat - d.baseFlat;
    d.deltaCum = d.nextCum - d.baseCum;
    d.flatChangePercent = relativeChange(d.baseFlat, d.nextFlat);
    d.cumChangePercent = relativeChange(d.baseCum, d.nextCum);
  }
  const cum = opts.sort === 'cum';
  all.sort((a, b) => {
    const x = cum ? Math.abs(b.deltaCum) - Math.abs(a.deltaCum) : Math.abs(b.deltaFlat) - Math.abs(a.deltaFlat);
    if (x !== 0) return x;
    const y = cum ? Math.abs(b.deltaFlat) - Math.abs(a.deltaFlat) : Math.abs(b.deltaCum) - Math.abs(a.deltaCum);
    if (y !== 0) return y;
    if (a.function !== b.function) return a.function < b.function ? -1 : 1;
    return (a.line ?? 0) - (b.line ?? 0);
  });
  const limited = opts.limit !== undefined && opts.limit >= 0 ? all.slice(0, opts.limit) : all;
  const baseTotal = normalizeMode(opts.normalize) === 'total' && baseAgg.total !== 0 ? nextAgg.total : baseAgg.total * scale;
  return { sampleType: nt, by, baseTotal, nextTotal: nextAgg.total, totalRows: all.length, rows: limited };
}
