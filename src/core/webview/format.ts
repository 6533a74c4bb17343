// Human-readable values and percentages for the profile webview (pprof units: nanoseconds, bytes, counts).

/** Formats `v` in `unit` compactly, e.g. 1.21s, 34.5MB, 12.3k. Keeps the sign. */
export function formatValue(v: number, unit: string): string {
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  const fix = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (unit === 'nanoseconds') {
    if (a >= 1e9) return `${sign}${fix(a / 1e9)}s`;
    if (a >= 1e6) return `${sign}${fix(a / 1e6)}ms`;
    if (a >= 1e3) return `${sign}${fix(a / 1e3)}µs`;
    return `${sign}${a}ns`;
  }
  if (unit === 'bytes') {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let x = a;
    let i = 0;
    while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
    return `${sign}${i === 0 ? x : fix(x)}${units[i]}`;
  }
  if (a >= 1e9) return `${sign}${fix(a / 1e9)}G`;
  if (a >= 1e6) return `${sign}${fix(a / 1e6)}M`;
  if (a >= 1e4) return `${sign}${fix(a / 1e3)}k`;
  return `${sign}${Number.isInteger(a) ? a : fix(a)}`;
}

/** `part` as a percentage of `total`, e.g. "12.3%" (two decimals below 1 %). */
export function formatPercent(part: number, total: number): string {
  if (!total) return '0%';
  const p = (100 * part) / Math.abs(total);
  return `${Math.abs(p) < 1 && p !== 0 ? p.toFixed(2) : p.toFixed(1)}%`;
}
