// Totals of a profile grouped by the value of one sample label (e.g. each replica's share of a merged profile).
import { type Profile } from './profile';

/** One label value's total. */
export interface LabelTotal {
  /** The label's value; `''` for samples without the label. */
  value: string;
  total: number;
}

/**
 * The total of sample type `sampleIndex` per value of string label `key`, largest first. Needs a
 * profile decoded with `{labels: true}`; samples without the label count under `''`.
 */
export function totalsByLabel(profile: Profile, key: string, sampleIndex: number): LabelTotal[] {
  const { count, values, labels } = profile.samples;
  const nt = profile.sampleTypes.length;
  const totals = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const v = labels?.[i]?.find((l) => l.key === key)?.str ?? '';
    totals.set(v, (totals.get(v) ?? 0) + Math.abs(values[i * nt + sampleIndex]));
  }
  return [...totals].map(([value, total]) => ({ value, total })).sort((a, b) => b.total - a.total || a.value.localeCompare(b.value));
}
