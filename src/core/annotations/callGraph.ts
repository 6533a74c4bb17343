// Caller/callee edges between functions, each edge counted once per sample (for hovers and lenses).
import { frameIndex } from '../pprof/frames';
import { type Profile } from '../pprof/profile';
import { type SampleTypeChoice } from '../pprof/sampleType';

/** A neighbour of a function in the call graph, with the value flowing over the edge. */
export interface CallEdge {
  name: string;
  value: number;
}

/** Callers and callees of every function node (indexes into `frameIndex(profile).functions`). */
export interface CallGraph {
  callers(func: number, limit?: number): CallEdge[];
  callees(func: number, limit?: number): CallEdge[];
}

/**
 * Builds the function call graph of one sample type: for each sample, each adjacent pair of frames
 * (inlined frames included) adds the sample's value to the caller → callee edge once. Direct
 * recursion (a function calling itself) is left out.
 */
export function callGraph(profile: Profile, type: SampleTypeChoice): CallGraph {
  const fi = frameIndex(profile);
  const n = fi.functions.length;
  // caller * n + callee → value, and the last sample that added to it (to count each sample once).
  const edges = new Map<number, { value: number; stamp: number }>();
  const { count, stackStart, stackLocs, values } = profile.samples;
  const nt = profile.sampleTypes.length;
  for (let i = 0; i < count; i++) {
    const v = values[i * nt + type.index];
    if (v === 0) continue;
    let callee = -1;
    for (let k = stackStart[i]; k < stackStart[i + 1]; k++) {
      const loc = stackLocs[k];
      for (let f = fi.locFrameStart[loc]; f < fi.locFrameStart[loc + 1]; f++) {
        const fn = fi.frameFunc[f];
        if (callee >= 0 && callee !== fn) {
          const key = fn * n + callee;
          const e = edges.get(key);
          if (!e) edges.set(key, { value: v, stamp: i });
          else if (e.stamp !== i) {
            e.value += v;
            e.stamp = i;
          }
        }
        callee = fn;
      }
    }
  }
  const byCallee = new Map<number, CallEdge[]>();
  const byCaller = new Map<number, CallEdge[]>();
  for (const [key, { value }] of edges) {
    const caller = Math.floor(key / n);
    const callee = key - caller * n;
    push(byCallee, callee, { name: fi.functions[caller].name, value });
    push(byCaller, caller, { name: fi.functions[callee].name, value });
  }
  const sorted = (list: CallEdge[] | undefined, limit: number): CallEdge[] =>
    (list ?? [])
      .slice()
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || (a.name < b.name ? -1 : 1))
      .slice(0, limit);
  return {
    callers: (func, limit = 5) => sorted(byCallee.get(func), limit),
    callees: (func, limit = 5) => sorted(byCaller.get(func), limit),
  };
}

function push(m: Map<number, CallEdge[]>, k: number, e: CallEdge): void {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  l.push(e);
}
