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

/** Values as every view formats them (core/units.ts): "1.21s", "3.00MB", "12.3k". */
export { formatBytes as bytes, formatDuration as nanos, formatValue as value } from '../core/units';

export function percent(p: number): string {
  return `${p.toFixed(2)}%`;
}
