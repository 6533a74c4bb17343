// The aggregation engine: flat and cum per node, counting each node once per sample like go tool pprof.
import { type FrameIndex, frameIndex } from './frames';
import { type Profile } from './profile';
import { type SampleTypeChoice, selectSampleType } from './sampleType';

/** What to group frames by: function name, function+file+line, or file+line only. */
export type Granularity = 'function' | 'line' | 'fileLine';

/** Options shared by the analyses: which sample type to read. */
export interface SampleOptions {
  /** Index into `profile.sampleTypes` (wins over `sampleType`). */
  sampleIndex?: number;
  /** Sample type by name, e.g. 'cpu' or 'inuse_space'; default as go tool pprof picks it. */
  sampleType?: string;
}

/** Per-node totals; node `n` is `frames.functions[n]`, `frames.lines[n]` or `frames.fileLines[n]`. */
export interface Aggregate {
  sampleType: SampleTypeChoice;
  granularity: Granularity;
  frames: FrameIndex;
  /** Sum of |value| over all samples: the 100% of percentages. */
  total: number;
  /** Value of samples whose leaf frame is the node. */
  flat: Float64Array;
  /** Value of samples with the node anywhere in the stack, once per sample. */
  cum: Float64Array;
}

/** Resolves `SampleOptions` to a sample type (by index, then by name, then the default). */
export function chooseSampleType(profile: Profile, opts: SampleOptions = {}): SampleTypeChoice {
  return selectSampleType(profile, opts.sampleIndex ?? opts.sampleType);
}

/**
 * Computes flat and cum for every node at the given granularity. Inlined frames count as frames;
 * a node met several times in one stack (recursion) adds to cum once.
 */
export function aggregate(profile: Profile, granularity: Granularity, opts: SampleOptions = {}): Aggregate {
  const sampleType = chooseSampleType(profile, opts);
  const frames = frameIndex(profile);
  const nodeOf = granularity === 'function' ? frames.frameFunc : granularity === 'line' ? frames.frameLine : frames.frameFileLine;
  const nNodes =
    granularity === 'function' ? frames.functions.length : granularity === 'line' ? frames.lines.length : frames.fileLines.length;
  const flat = new Float64Array(nNodes);
  const cum = new Float64Array(nNodes);
  const seen = new Uint32Array(nNodes);
  const { count, stackStart, stackLocs, values } = profile.samples;
  const locFrameStart = frames.locFrameStart;
  // The node of each location with exactly one frame (-1 for inlined or empty ones): the fast path.
  const nLocs = locFrameStart.length - 1;
  const single = new Int32Array(nLocs);
  for (let l = 0; l < nLocs; l++) single[l] = locFrameStart[l + 1] - locFrameStart[l] === 1 ? nodeOf[locFrameStart[l]] : -1;
  const nt = profile.sampleTypes.length;
  const si = sampleType.index;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i * nt + si];
    if (v === 0) continue;
    total += v < 0 ? -v : v;
    const s = stackStart[i];
    const e = stackStart[i + 1];
    if (s === e) continue;
    const stamp = i + 1;
    flat[nodeOf[locFrameStart[stackLocs[s]]]] += v;
    for (let k = s; k < e; k++) {
      const loc = stackLocs[k];
      const one = single[loc];
      if (one >= 0) {
        if (seen[one] !== stamp) {
          seen[one] = stamp;
          cum[one] += v;
        }
        continue;
      }
      const fe = locFrameStart[loc + 1];
      for (let f = locFrameStart[loc]; f < fe; f++) {
        const n = nodeOf[f];
        if (seen[n] !== stamp) {
          seen[n] = stamp;
          cum[n] += v;
        }
      }
    }
  }
  return { sampleType, granularity, frames, total, flat, cum };
}

/** `part` as a percentage of `total` (0 when the total is 0). */
export function percent(part: number, total: number): number {
  return total === 0 ? 0 : (part / total) * 100;
}
