// Pure path checks for opening a profile's source file locally: containment and best suffix match.
import * as path from 'node:path';

/** True when `file` is `root` or inside it (after normalisation; no `..` escapes). */
export function isInside(root: string, file: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Number of trailing path segments `a` and `b` share (either separator). */
export function sharedSuffixSegments(a: string, b: string): number {
  const sa = a.split(/[\\/]+/).filter(Boolean);
  const sb = b.split(/[\\/]+/).filter(Boolean);
  let n = 0;
  while (n < sa.length && n < sb.length && sa[sa.length - 1 - n] === sb[sb.length - 1 - n]) n++;
  return n;
}

/**
 * The candidate (a local path) that shares the longest tail with the profile's path, at least
 * the file name; ties go to the shorter candidate path. Undefined when none shares the name.
 */
export function bestSuffixMatch(profilePath: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = 0;
  for (const c of candidates) {
    const score = sharedSuffixSegments(profilePath, c);
    if (score > bestScore || (score === bestScore && score > 0 && best !== undefined && c.length < best.length)) {
      best = c;
      bestScore = score;
    }
  }
  return bestScore > 0 ? best : undefined;
}
