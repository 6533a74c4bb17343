// A pure hotspot index (file → line → weights, plus functions) for editor annotations, free of editor types.
import { type SampleOptions, aggregate } from './analyze';
import { type Profile } from './profile';
import { type SampleTypeChoice } from './sampleType';

/** Weights of one source line: flat (leaf) and cum (anywhere in the stack, once per sample). */
export interface LineWeight {
  flat: number;
  cum: number;
}

/** A function with its position and weights. */
export interface FunctionHotspot {
  name: string;
  file: string;
  startLine: number;
  flat: number;
  cum: number;
}

/** Everything an annotator needs: weights per file and line, and per function. */
export interface HotspotIndex {
  sampleType: SampleTypeChoice;
  /** Sum of |value| over all samples, to turn weights into percentages. */
  total: number;
  /** File path as recorded in the profile → 1-based line → weights. */
  byFile: Map<string, Map<number, LineWeight>>;
  /** Functions with a non-zero weight, heaviest cum first. */
  functions: FunctionHotspot[];
}

/**
 * Builds the hotspot index of a profile for one sample type. A line's cum counts each sample
 * once even if the line appears several times in its stack. Frames without a file are left out.
 */
export function buildHotspotIndex(profile: Profile, opts: SampleOptions = {}): HotspotIndex {
  const lines = aggregate(profile, 'fileLine', opts);
  const funcs = aggregate(profile, 'function', opts);
  const byFile = new Map<string, Map<number, LineWeight>>();
  lines.frames.fileLines.forEach((node, n) => {
    if (!node.file || (lines.flat[n] === 0 && lines.cum[n] === 0)) return;
    let perLine = byFile.get(node.file);
    if (!perLine) byFile.set(node.file, (perLine = new Map()));
    perLine.set(node.line, { flat: lines.flat[n], cum: lines.cum[n] });
  });
  const functions: FunctionHotspot[] = [];
  funcs.frames.functions.forEach((f, n) => {
    if (funcs.flat[n] === 0 && funcs.cum[n] === 0) return;
    functions.push({ name: f.name, file: f.file, startLine: f.startLine, flat: funcs.flat[n], cum: funcs.cum[n] });
  });
  functions.sort((a, b) => b.cum - a.cum || b.flat - a.flat || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { sampleType: lines.sampleType, total: lines.total, byFile, functions };
}

function components(path: string): string[] {
  return path.replace(/\\/g, '/').split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Finds the profile file that corresponds to a local path: an exact match, else the recorded
 * path sharing the longest run of trailing path components (profiles often hold module paths
 * such as "example.com/svc/main.go" or a build machine's absolute paths). Needs at least
 * `minComponents` (default 2) shared components unless only one file has that base name; an
 * ambiguous best match returns undefined.
 */
export function matchProfileFile(index: HotspotIndex, localPath: string, minComponents = 2): string | undefined {
  if (index.byFile.has(localPath)) return localPath;
  const local = components(localPath);
  let best: string | undefined;
  let bestLen = 0;
  let tie = false;
  let sameBase = 0;
  for (const file of index.byFile.keys()) {
    const rec = components(file);
    let k = 0;
    while (k < rec.length && k < local.length && rec[rec.length - 1 - k] === local[local.length - 1 - k]) k++;
    if (k >= 1) sameBase++;
    if (k > bestLen) {
      best = file;
      bestLen = k;
      tie = false;
    } else if (k === bestLen && k > 0) tie = true;
  }
  if (!best || tie) return undefined;
  if (bestLen >= minComponents || sameBase === 1) return best;
  return undefined;
}
