// Line-level comparison notes: for an active Compare, each workspace line whose flat share changed
// against the baseline gets "+12% vs baseline" (worse) or "−30% vs baseline" (better).
import { type NormalizeOption, diff, normalizeMode, relativeChange } from '../pprof/diff';
import { type Profile } from '../pprof/profile';
import type { PathResolver } from './model';
import { describeValue, formatPercent } from './units';

/** One compared line of a local file (1-based `line`). */
export interface CompareNote {
  line: number;
  /** Relative change of the line's (normalised) value in percent; null when the baseline has none. */
  change: number | null;
  /** More cost than the baseline (red); less is better (green). */
  worse: boolean;
  /** The line's value in the baseline (after normalisation) and in the new profile. */
  base: number;
  next: number;
  /** 0..1: the size of the change relative to the biggest change of the comparison. */
  weight: number;
  /** After-text, e.g. "+12% vs baseline". */
  label: string;
  /** Markdown for hovers: both values and shares. */
  detail: string;
}

/** The comparison's notes per local file, and what it compared. */
export interface CompareAnnotations {
  files: Map<string, CompareNote[]>;
  sampleType: { type: string; unit: string };
  normalize: 'none' | 'total' | 'per-second';
  /** Totals (the baseline's after normalisation). */
  baseTotal: number;
  nextTotal: number;
  lines: number;
}

/** Options for {@link buildCompareNotes}. */
export interface CompareNoteOptions {
  mapper: PathResolver;
  normalize?: NormalizeOption;
  sampleType?: string;
  /** Lines below this share of the total in both profiles are left out (percent, default 1). */
  minPercent?: number;
  /** Changes smaller than this are left out (percent of the baseline value, default 5). */
  minChangePercent?: number;
  /** Names for hovers (default "baseline" / "new"). */
  baseLabel?: string;
  label?: string;
}

/** "+12%", "−30%" (a real minus sign), rounded to whole percent; "new" when the baseline had nothing. */
export function formatChange(change: number | null): string {
  if (change === null) return 'new';
  const r = Math.round(change);
  return r > 0 ? `+${r}%` : r < 0 ? `\u2212${-r}%` : `${change > 0 ? '+' : '\u2212'}<1%`;
}

const NORMALIZED: Record<CompareAnnotations['normalize'], string> = {
  none: 'raw values',
  total: 'baseline scaled to the same total',
  'per-second': 'baseline scaled to the same duration (per second)',
};

/**
 * Compares the new profile with the baseline line by line (flat value at each file:line, as the
 * hot-line decorations weigh lines), maps the lines to workspace files, and keeps those that
 * reach `minPercent` of the total in either profile and changed by at least `minChangePercent`.
 */
export function buildCompareNotes(base: Profile, next: Profile, opts: CompareNoteOptions): CompareAnnotations {
  const mode = normalizeMode(opts.normalize);
  const d = diff(base, next, { by: 'line', normalize: mode, sampleType: opts.sampleType });
  const minPercent = opts.minPercent ?? 1;
  const minChange = opts.minChangePercent ?? 5;
  const baseName = opts.baseLabel ?? 'baseline';
  const nextName = opts.label ?? 'new';
  const mapped = new Map<string, string | null>();
  const local = (file: string): string | null => {
    let l = mapped.get(file);
    if (l === undefined) mapped.set(file, (l = opts.mapper.explain(file).local));
    return l;
  };
  // Inlined functions can share a file:line: sum them per local line.
  const perLine = new Map<string, Map<number, { base: number; next: number }>>();
  for (const r of d.rows) {
    if (r.line === null || r.line <= 0 || !r.file) continue;
    const l = local(r.file);
    if (!l) continue;
    let lines = perLine.get(l);
    if (!lines) perLine.set(l, (lines = new Map()));
    const v = lines.get(r.line) ?? { base: 0, next: 0 };
    v.base += r.baseFlat;
    v.next += r.nextFlat;
    lines.set(r.line, v);
  }
  const share = (v: number, total: number) => (total !== 0 ? (100 * v) / Math.abs(total) : 0);
  const what = (v: number) => describeValue(v, d.sampleType.type, d.sampleType.unit);
  const kept: Array<{ file: string; note: CompareNote }> = [];
  for (const [file, lines] of perLine) {
    for (const [line, v] of lines) {
      const baseShare = share(v.base, d.baseTotal);
      const nextShare = share(v.next, d.nextTotal);
      if (Math.max(Math.abs(baseShare), Math.abs(nextShare)) < minPercent) continue;
      const change = relativeChange(v.base, v.next);
      if (change !== null && Math.abs(change) < minChange) continue;
      const label = `${formatChange(change)} vs baseline`;
      const detail =
        `**${label}** (${NORMALIZED[mode]}): ${what(v.base)} (${formatPercent(baseShare)}) in *${baseName}* → ` +
        `${what(v.next)} (${formatPercent(nextShare)}) in *${nextName}*`;
      kept.push({ file, note: { line, change, worse: v.next > v.base, base: v.base, next: v.next, weight: 0, label, detail } });
    }
  }
  const biggest = kept.reduce((m, k) => Math.max(m, Math.abs(k.note.next - k.note.base)), 0);
  const files = new Map<string, CompareNote[]>();
  for (const { file, note } of kept) {
    note.weight = biggest > 0 ? Math.abs(note.next - note.base) / biggest : 0;
    const list = files.get(file) ?? [];
    list.push(note);
    files.set(file, list);
  }
  for (const list of files.values()) list.sort((a, b) => a.line - b.line);
  return {
    files, normalize: mode, sampleType: { type: d.sampleType.type, unit: d.sampleType.unit },
    baseTotal: d.baseTotal, nextTotal: d.nextTotal, lines: kept.length,
  };
}
