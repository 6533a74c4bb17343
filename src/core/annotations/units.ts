// Human-readable values for annotations: values as core/units.ts formats them, described for their sample type, and shares.
import { formatValue } from '../units';

export { formatBytes, formatCount, formatDuration, formatValue } from '../units';

/** A percentage with one decimal: "23.4%" ("<0.1%" for tiny non-zero shares). */
export function formatPercent(p: number): string {
  if (p !== 0 && Math.abs(p) < 0.05) return p < 0 ? '>-0.1%' : '<0.1%';
  return `${p.toFixed(1)}%`;
}

/**
 * A value described for its sample type: "1.21s" (cpu), "alloc 1.12GB" (alloc_space),
 * "inuse 332kB", "alloc 12.3k objects", "12 goroutines", "45 samples".
 */
export function describeValue(value: number, type: string, unit: string): string {
  const v = formatValue(value, unit);
  const m = /^(alloc|inuse)_(space|objects)$/.exec(type);
  if (m) return m[2] === 'space' ? `${m[1]} ${v}` : `${m[1]} ${v} objects`;
  if (type === 'space') return `inuse ${v}`;
  if (type === 'objects') return `inuse ${v} objects`;
  if (unit === 'count' && type) return `${v} ${type === 'goroutine' ? 'goroutines' : type}`;
  return v;
}
