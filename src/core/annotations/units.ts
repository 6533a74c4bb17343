// Human-readable values for annotations: durations (s/ms/µs), sizes (kB/MB/GB), counts and percentages.

function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}

/** A duration in nanoseconds: "1.21s", "340ms", "12µs", "800ns". */
export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  const sign = ns < 0 ? '-' : '';
  if (a >= 1e9) return `${sign}${trim(a / 1e9, a >= 1e11 ? 0 : 2)}s`;
  if (a >= 1e6) return `${sign}${trim(a / 1e6, a >= 1e8 ? 0 : 1)}ms`;
  if (a >= 1e3) return `${sign}${trim(a / 1e3, a >= 1e5 ? 0 : 1)}µs`;
  return `${sign}${Math.round(a)}ns`;
}

/** A size in bytes, decimal units: "1.2 GB", "340 kB", "12 B". */
export function formatBytes(bytes: number): string {
  const a = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '';
  const units: Array<[number, string]> = [
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [f, u] of units) if (a >= f) return `${sign}${trim(a / f, a / f >= 100 ? 0 : 1)} ${u}`;
  return `${sign}${Math.round(a)} B`;
}

/** A count: "12", "1.2k", "3.4M". */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  const sign = n < 0 ? '-' : '';
  if (a >= 1e6) return `${sign}${trim(a / 1e6, 1)}M`;
  if (a >= 1e4) return `${sign}${trim(a / 1e3, 0)}k`;
  if (a >= 1e3) return `${sign}${trim(a / 1e3, 1)}k`;
  return `${sign}${trim(a, a % 1 === 0 ? 0 : 1)}`;
}

/** A percentage with one decimal: "23.4%" ("<0.1%" for tiny non-zero shares). */
export function formatPercent(p: number): string {
  if (p !== 0 && Math.abs(p) < 0.05) return p < 0 ? '>-0.1%' : '<0.1%';
  return `${p.toFixed(1)}%`;
}

/** A value in a pprof unit ("nanoseconds", "bytes", "count", ...) without a sample-type prefix. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'nanoseconds') return formatDuration(value);
  if (unit === 'microseconds') return formatDuration(value * 1e3);
  if (unit === 'milliseconds') return formatDuration(value * 1e6);
  if (unit === 'seconds') return formatDuration(value * 1e9);
  if (unit === 'bytes') return formatBytes(value);
  return formatCount(value);
}

/**
 * A value described for its sample type: "1.21s" (cpu), "alloc 1.2 GB" (alloc_space),
 * "inuse 340 kB", "alloc 1.2k objects", "12 goroutines", "45 samples".
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
