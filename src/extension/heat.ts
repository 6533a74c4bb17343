// Pure helpers for heat decorations: weight buckets and which lines get a label (no vscode).
import type { LineAnnotation } from '../core/annotations/protocol';

/** Heat buckets by weight (lower bound), hottest first; each has its own theme colour. */
export const HEAT_BUCKETS = [
  { min: 0.66, color: 'anole.hotLineBackground' },
  { min: 0.33, color: 'anole.warmLineBackground' },
  { min: 0, color: 'anole.mildLineBackground' },
] as const;

/** The bucket index for a weight in 0..1. */
export function heatBucket(weight: number): number {
  const i = HEAT_BUCKETS.findIndex((b) => weight >= b.min);
  return i < 0 ? HEAT_BUCKETS.length - 1 : i;
}

/** The lines of `rows` that get an after-text label: the `max` heaviest (ties by line). */
export function labelledLines(rows: readonly LineAnnotation[], max: number): Set<number> {
  return new Set([...rows].sort((a, b) => b.weight - a.weight || a.line - b.line).slice(0, max).map((r) => r.line));
}
