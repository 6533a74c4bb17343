// Plain-text rendering for the CLI: aligned tables and human units.

/** Renders rows as left/right-aligned columns (numbers right-aligned), two spaces apart. */
export function table(header: string[], rows: (string | number)[][], rightAligned: boolean[] = []): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  '),
    )
    .join('\n');
}

/** 1234567 ns → "1.23ms"; units as go tool pprof prints them. */
export function nanos(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(2)}s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(2)}ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(2)}us`;
  return `${ns}ns`;
}

/** 1536 → "1.50kB" (powers of 1024, pprof's unit names). */
export function bytes(n: number): string {
  const a = Math.abs(n);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = a;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${n < 0 ? '-' : ''}${i === 0 ? v : v.toFixed(2)}${units[i]}`;
}

/** A value in the profile's unit, readable. */
export function value(v: number, unit: string): string {
  if (unit === 'nanoseconds') return nanos(v);
  if (unit === 'bytes') return bytes(v);
  return String(v);
}

export function percent(p: number): string {
  return `${p.toFixed(2)}%`;
}
