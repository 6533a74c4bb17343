// The one formatter of profile values (hover, CodeLens, flame graph, top table, CLI): sizes in powers
// of 1024 with pprof's unit names (B, kB, MB, GB, TB), as `go tool pprof` prints them, durations
// (ns, µs, ms, s) and counts (k, M, G), all with three significant digits: "1.21s", "25.0ms",
// "3.00MB", "332kB", "12.3k". Pure: the webview bundles it too.

/** Three significant digits (integers below 100 as they are). */
function sig3(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function small(x: number): string {
  return Number.isInteger(x) ? String(x) : sig3(x);
}

/** A duration in nanoseconds: "1.21s", "340ms", "12.3µs", "800ns". */
export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  const sign = ns < 0 ? '-' : '';
  if (a >= 1e9) return `${sign}${sig3(a / 1e9)}s`;
  if (a >= 1e6) return `${sign}${sig3(a / 1e6)}ms`;
  if (a >= 1e3) return `${sign}${sig3(a / 1e3)}µs`;
  return `${sign}${small(a)}ns`;
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** A size in bytes, powers of 1024 as pprof prints them: "3.00MB", "332kB", "512B". */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let x = Math.abs(bytes);
  let i = 0;
  while (x >= 1024 && i < BYTE_UNITS.length - 1) {
    x /= 1024;
    i++;
  }
  return `${sign}${i === 0 ? small(x) : sig3(x)}${BYTE_UNITS[i]}`;
}

/** A count: "1200", "12.3k", "3.40M", "1.00G". */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  const sign = n < 0 ? '-' : '';
  if (a >= 1e9) return `${sign}${sig3(a / 1e9)}G`;
  if (a >= 1e6) return `${sign}${sig3(a / 1e6)}M`;
  if (a >= 1e4) return `${sign}${sig3(a / 1e3)}k`;
  return `${sign}${small(a)}`;
}

/** A value in a pprof unit ("nanoseconds", "bytes", "count", ...). Keeps the sign. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'nanoseconds') return formatDuration(value);
  if (unit === 'microseconds') return formatDuration(value * 1e3);
  if (unit === 'milliseconds') return formatDuration(value * 1e6);
  if (unit === 'seconds') return formatDuration(value * 1e9);
  if (unit === 'bytes') return formatBytes(value);
  return formatCount(value);
}
