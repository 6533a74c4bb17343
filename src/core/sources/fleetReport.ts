// What a fleet capture tells the user beyond the merged profile: each replica's share, outliers,
// differing builds and Go versions, and the replicas that failed (pure, unit-tested).

/** A replica whose profile arrived. */
export interface ReplicaShare {
  name: string;
  /** The replica's total of the merged profile's default sample type. */
  total: number;
  /** `total` / the sum over replicas (0 when everything is 0). */
  share: number;
  /** `total` / the median of the other replicas' totals (Infinity when that median is 0 and total is not). */
  ratio: number;
  /** Its ratio is 3× or more (as shown, to one decimal). */
  outlier: boolean;
}

/** A replica's total at this many times the median of the others' (as printed, one decimal) is flagged. */
export const OUTLIER_RATIO = 3;

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Each replica's share of the total, and whether it is an outlier: at ≥ {@link OUTLIER_RATIO}×
 * the median of the other replicas (needs two replicas or more; the ratio is compared as
 * printed, rounded to one decimal, so "3.0×" is always flagged).
 */
export function replicaShares(totals: readonly { name: string; total: number }[]): ReplicaShare[] {
  const sum = totals.reduce((s, t) => s + t.total, 0);
  return totals.map((t, i) => {
    const others = totals.filter((_, j) => j !== i).map((o) => o.total);
    const med = median(others);
    const ratio = others.length === 0 ? 1 : med > 0 ? t.total / med : t.total > 0 ? Infinity : 1;
    return { name: t.name, total: t.total, share: sum > 0 ? t.total / sum : 0, ratio, outlier: others.length > 0 && Math.round(ratio * 10) / 10 >= OUTLIER_RATIO };
  });
}

/** "3.1×" or "∞×" for a ratio. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : '∞×';
}

/**
 * A warning when replicas differ in `what` (build id, Go version): the values with the replicas
 * that have each, or undefined when they all agree. Replicas where it is unknown are left out.
 */
export function differenceWarning(what: string, byReplica: readonly { name: string; value?: string }[]): string | undefined {
  const groups = new Map<string, string[]>();
  for (const r of byReplica) {
    if (!r.value) continue;
    const g = groups.get(r.value);
    if (g) g.push(r.name);
    else groups.set(r.value, [r.name]);
  }
  if (groups.size < 2) return undefined;
  const parts = [...groups].map(([v, names]) => `${v} on ${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')}`);
  return `the replicas run different ${what}s: ${parts.join('; ')} (lines may not match the same source everywhere)`;
}

/** "7 of 8 replicas, 30 s" or "8 replicas, 30 s" (no seconds for an instant kind). */
export function fleetDescription(ok: number, total: number, seconds: number): string {
  const count = ok === total ? `${total} replica${total === 1 ? '' : 's'}` : `${ok} of ${total} replicas`;
  return seconds > 0 ? `${count}, ${seconds} s` : count;
}
