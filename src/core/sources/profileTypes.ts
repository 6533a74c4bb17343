// Profile-type ids of Parca and Pyroscope (`name:sample_type:sample_unit:period_type:period_unit`)
// read as Anole's capture kinds, and the wording shared by the backend sources.
import type { CaptureKind } from '../capture/kinds';
import type { SourceProfileType, TimeRange } from './source';

/** The parts of a Parca/Pyroscope profile-type id. */
export interface TypeParts {
  name: string;
  sampleType: string;
  sampleUnit: string;
  delta: boolean;
}

/** Splits an id such as `process_cpu:samples:count:cpu:nanoseconds:delta`. */
export function typeParts(id: string): TypeParts {
  const p = id.split(':');
  return { name: p[0] ?? id, sampleType: p[1] ?? '', sampleUnit: p[2] ?? '', delta: p[5] === 'delta' };
}

/** The capture kind a Go runtime profile type corresponds to, if any. */
export function kindOfType(id: string): CaptureKind | undefined {
  const { name, sampleType } = typeParts(id);
  switch (name) {
    case 'process_cpu':
    case 'cpu':
      return 'cpu';
    case 'memory':
      return sampleType.startsWith('alloc') ? 'allocs' : 'heap';
    case 'goroutine':
    case 'goroutines':
      return 'goroutine';
    case 'mutex':
      return 'mutex';
    case 'block':
      return 'block';
    default:
      return undefined;
  }
}

/** A picker entry for a profile-type id: `process_cpu — cpu (nanoseconds)`. */
export function sourceProfileType(id: string): SourceProfileType {
  const { name, sampleType, sampleUnit } = typeParts(id);
  return { id, kind: kindOfType(id), label: sampleType ? `${name} — ${sampleType} (${sampleUnit})` : name };
}

/** The kinds first, in capture order, CPU first; then the others by id. */
export function sortTypes(types: SourceProfileType[]): SourceProfileType[] {
  const rank = (t: SourceProfileType) => (t.kind ? ['cpu', 'heap', 'allocs', 'goroutine', 'mutex', 'block'].indexOf(t.kind) : 99);
  return [...types].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

/** `''` and `{}` both mean every series. */
export function normaliseSelector(selector: string): string {
  const s = selector.trim();
  return s === '' || /^\{\s*\}$/.test(s) ? '{}' : s;
}

/** A range as the user reads it: `2026-12-06 03:00–03:15 UTC`. */
export function describeRange(range: TimeRange): string {
  const from = new Date(range.fromMs).toISOString();
  const to = new Date(range.toMs).toISOString();
  const sameDay = from.slice(0, 10) === to.slice(0, 10);
  return `${from.slice(0, 10)} ${from.slice(11, 19)}–${sameDay ? '' : `${to.slice(0, 10)} `}${to.slice(11, 19)} UTC`;
}

/** The labels every series shares (name → value), from the label sets of the series merged. */
export function sharedLabels(sets: Record<string, string>[]): Record<string, string> {
  if (sets.length === 0) return {};
  const out: Record<string, string> = { ...sets[0] };
  for (const s of sets.slice(1)) {
    for (const k of Object.keys(out)) if (s[k] !== out[k]) delete out[k];
  }
  return out;
}
