// The "top" report: heaviest functions or lines by flat (or cum) value, as go tool pprof -top prints it.
import { type Aggregate, type SampleOptions, aggregate, percent } from './analyze';
import { type Profile } from './profile';
import { type SampleTypeChoice } from './sampleType';

/** Options for {@link top}. */
export interface TopOptions extends SampleOptions {
  /** Group by function (default) or by function and source line. */
  by?: 'function' | 'line';
  /** Keep only this many rows (default: all). */
  limit?: number;
  /** Order by flat (default, like `-top`) or by cum (like `-top -cum`). */
  sort?: 'flat' | 'cum';
}

/** One row of a top report. `line` is null when grouping by function. */
export interface TopRow {
  function: string;
  file: string;
  line: number | null;
  flat: number;
  cum: number;
  flatPercent: number;
  cumPercent: number;
}

/** A top report: rows plus what they are relative to. */
export interface TopResult {
  sampleType: SampleTypeChoice;
  by: 'function' | 'line';
  /** Sum of |value| over all samples (100%). */
  total: number;
  /** Rows before `limit` was applied (nodes with a non-zero flat or cum). */
  totalRows: number;
  rows: TopRow[];
}

/** Orders rows by flat desc, then cum desc, then name, file and line (or cum first with `sort: 'cum'`). */
export function compareRows(sort: 'flat' | 'cum' = 'flat'): (a: TopRow, b: TopRow) => number {
  return (a, b) => {
    const first = sort === 'flat' ? Math.abs(b.flat) - Math.abs(a.flat) : Math.abs(b.cum) - Math.abs(a.cum);
    if (first !== 0) return first;
    const second = sort === 'flat' ? Math.abs(b.cum) - Math.abs(a.cum) : Math.abs(b.flat) - Math.abs(a.flat);
    if (second !== 0) return second;
    if (a.function !== b.function) return a.function < b.function ? -1 : 1;
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    return (a.line ?? 0) - (b.line ?? 0);
  };
}

/** All non-empty rows of an aggregate, unsorted. */
export function rowsOf(agg: Aggregate): TopRow[] {
  const rows: TopRow[] = [];
  const { flat, cum, total, frames } = agg;
  for (let n = 0; n < flat.length; n++) {
    if (flat[n] === 0 && cum[n] === 0) continue;
    let fn: string;
    let file: string;
    let line: number | null;
    if (agg.granularity === 'line') {
      const node = frames.lines[n];
      fn = node.name;
      file = node.file;
      line = node.line;
    } else if (agg.granularity === 'function') {
      const node = frames.functions[n];
      fn = node.name;
      file = node.file;
      line = null;
    } else {
      const node = frames.fileLines[n];
      fn = '';
      file = node.file;
      line = node.line;
    }
    rows.push({
      function: fn,
      file,
      line,
      flat: flat[n],
      cum: cum[n],
      flatPercent: percent(flat[n], total),
      cumPercent: percent(cum[n], total),
    });
  }
  return rows;
}

/**
 * The heaviest functions (or lines) of a profile: flat is the value of samples whose leaf frame
 * is the row, cum the value of samples that contain it anywhere (once per sample). Matches
 * `go tool pprof -top` (`-lines` for `by: 'line'`, `-cum` for `sort: 'cum'`).
 */
export function top(profile: Profile, opts: TopOptions = {}): TopResult {
  return topOf(aggregate(profile, opts.by ?? 'function', opts), opts);
}

/** The top report of an aggregate by function or line (see {@link top}). */
export function topOf(agg: Aggregate, opts: TopOptions = {}): TopResult {
  const by = opts.by ?? 'function';
  const rows = rowsOf(agg).sort(compareRows(opts.sort));
  const limited = opts.limit !== undefined && opts.limit >= 0 ? rows.slice(0, opts.limit) : rows;
  return { sampleType: agg.sampleType, by, total: agg.total, totalRows: rows.length, rows: limited };
}
