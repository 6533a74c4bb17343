// Human-readable values and percentages for the profile webview (pprof units: nanoseconds, bytes, counts).

/** Values as every view formats them (core/units.ts): 1.21s, 3.00MB, 12.3k. */
export { formatValue } from '../units';

/** `part` as a percentage of `total`, e.g. "12.3%" (two decimals below 1 %). */
export function formatPercent(part: number, total: number): string {
  if (!total) return '0%';
  const p = (100 * part) / Math.abs(total);
  return `${Math.abs(p) < 1 && p !== 0 ? p.toFixed(2) : p.toFixed(1)}%`;
}
