// How a comparison scales its baseline: the modes, one list of them, and a check of untrusted values (CLI, protocol, commands).

/** Not at all, to the new profile's total, or to its duration. */
export type NormalizeMode = 'none' | 'total' | 'per-second';

/** Every {@link NormalizeMode}. */
export const NORMALIZE_MODES: readonly NormalizeMode[] = ['total', 'per-second', 'none'];

/** Whether `v` (from outside: an argument, a message) is a {@link NormalizeMode}. */
export function isNormalizeMode(v: unknown): v is NormalizeMode {
  return (NORMALIZE_MODES as readonly unknown[]).includes(v);
}
