// The level-by-level flame tree builder behind flameGraph/diffFlameGraph: memory follows the pruned output, not the call tree.
import type { FlameTreeNode } from './flame';
import { type FrameIndex, frameIndex } from './frames';
import { type Profile } from './profile';
import { type SampleTypeChoice } from './sampleType';

/** The name of the node pruned paths are folded into. */
export const OTHER = '(other)';

/**
 * The tree is built one depth at a time, so that only the output is ever materialized: at each
 * level the samples still "live" (whose path so far runs through kept nodes) are grouped by
 * (kept parent, callee name) in a typed-array hash table; each parent's groups are sorted and
 * either kept (becoming output nodes and the parents of the next level) or folded into its
 * "(other)" node, and samples under a folded group are dropped. Memory is thus proportional to
 * the samples plus the widest level of kept nodes' children, never to the whole call tree.
 *
 * The result is exactly what building the whole tree and pruning it would give: every node's
 * sums are accumulated over the same samples in the same order, siblings reach the sort in the
 * order they were first met, and nodes take the file and line of the first frame that made them.
 */

/** One profile's samples as the builder walks them down, one frame per level. */
export interface Source {
  /** 0 adds to value/self, 1 to base/baseSelf. */
  slot: 0 | 1;
  functions: FrameIndex['functions'];
  frameFunc: Int32Array;
  locFrameStart: Uint32Array;
  stackStart: Uint32Array;
  stackLocs: Uint32Array | Uint16Array;
  values: Float64Array;
  /** Stride and offset of the chosen sample type in `values`. */
  nt: number;
  ti: number;
  /** Per-tree id of each `functions` entry's name, so two profiles' trees line up. */
  idOf: Int32Array;
  /** Sum of |value| over its samples. */
  total: number;
  /** Sum of values, and of values of samples without frames (their path ends at the root). */
  rootValue: number;
  rootSelf: number;
  /** The live samples, compacted after each level: their index, position in `stackLocs`, frame. */
  live: number;
  sample: Int32Array;
  pos: Int32Array;
  frame: Int32Array;
  /** Before a level: the kept parent (index into the previous level); after: the group, or -1 if the path ended. */
  node: Int32Array;
}

/** Prepares a profile's samples for the walk: totals, root sums, first frame of each sample. */
export function newSource(profile: Profile, type: SampleTypeChoice, slot: 0 | 1, names: Map<string, number>, nameList: string[]): Source {
  const fi = frameIndex(profile);
  const idOf = new Int32Array(fi.functions.length);
  fi.functions.forEach((f, i) => {
    let id = names.get(f.name);
    if (id === undefined) {
      names.set(f.name, (id = names.size));
      nameList.push(f.name);
    }
    idOf[i] = id;
  });
  const { count, stackStart, stackLocs, values } = profile.samples;
  const nt = profile.sampleTypes.length;
  const ti = type.index;
  const lfs = fi.locFrameStart;
  let live = 0;
  for (let i = 0; i < count; i++) if (values[i * nt + ti] !== 0) live++;
  const s: Source = {
    slot,
    functions: fi.functions,
    frameFunc: fi.frameFunc,
    locFrameStart: lfs,
    stackStart,
    stackLocs,
    values,
    nt,
    ti,
    idOf,
    total: 0,
    rootValue: 0,
    rootSelf: 0,
    live: 0,
    sample: new Int32Array(live),
    pos: new Int32Array(live),
    frame: new Int32Array(live),
    node: new Int32Array(live),
  };
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i * nt + ti];
    if (v === 0) continue;
    s.total += Math.abs(v);
    s.rootValue += v;
    // Frames from the outermost caller to the leaf: locations are leaf-first, inlined frames innermost-first.
    const first = stackStart[i];
    let k = stackStart[i + 1] - 1;
    while (k >= first && lfs[stackLocs[k] + 1] === lfs[stackLocs[k]]) k--;
    if (k < first) {
      s.rootSelf += v;
      continue;
    }
    s.sample[n] = i;
    s.pos[n] = k;
    s.frame[n] = lfs[stackLocs[k] + 1] - 1;
    s.node[n] = 0;
    n++;
  }
  s.live = n;
  return s;
}

/** The children met at one level: a hash table of (parent, name id) → group, with sums per group. */
class Groups {
  count = 0;
  private cap = 0;
  private mask = 0;
  private table: Int32Array = new Int32Array(0);
  private slotOf: Int32Array = new Int32Array(0);
  parent: Int32Array = new Int32Array(0);
  name: Int32Array = new Int32Array(0);
  /** Which source and function first made the group (its name, file and line). */
  src: Uint8Array = new Uint8Array(0);
  fn: Int32Array = new Int32Array(0);
  value: Float64Array = new Float64Array(0);
  self: Float64Array = new Float64Array(0);
  base: Float64Array = new Float64Array(0);
  baseSelf: Float64Array = new Float64Array(0);

  constructor() {
    this.grow(256);
  }

  /** The group of `name` under `parent`, made (with `src`, `fn`) if new. */
  get(parent: number, name: number, src: number, fn: number): number {
    const table = this.table;
    let h = (Math.imul(parent, 0x9e3779b1) ^ Math.imul(name + 0x7f4a7c15, 0x85ebca77)) & this.mask;
    for (;;) {
      const e = table[h];
      if (e === 0) break;
      const g = e - 1;
      if (this.parent[g] === parent && this.name[g] === name) return g;
      h = (h + 1) & this.mask;
    }
    if (this.count === this.cap) {
      this.grow(this.cap * 2);
      return this.get(parent, name, src, fn);
    }
    const g = this.count++;
    table[h] = g + 1;
    this.slotOf[g] = h;
    this.parent[g] = parent;
    this.name[g] = name;
    this.src[g] = src;
    this.fn[g] = fn;
    return g;
  }

  /** Empties the table for the next level (touching only the slots in use). */
  clear(): void {
    for (let g = 0; g < this.count; g++) this.table[this.slotOf[g]] = 0;
    this.value.fill(0, 0, this.count);
    this.self.fill(0, 0, this.count);
    this.base.fill(0, 0, this.count);
    this.baseSelf.fill(0, 0, this.count);
    this.count = 0;
  }

  private grow(cap: number): void {
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.cap = cap;
    this.slotOf = i32(this.slotOf);
    this.parent = i32(this.parent);
    this.name = i32(this.name);
    const src = new Uint8Array(cap);
    src.set(this.src);
    this.src = src;
    this.fn = i32(this.fn);
    this.value = f64(this.value);
    this.self = f64(this.self);
    this.base = f64(this.base);
    this.baseSelf = f64(this.baseSelf);
    // At most half full.
    this.table = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    for (let g = 0; g < this.count; g++) {
      let h = (Math.imul(this.parent[g], 0x9e3779b1) ^ Math.imul(this.name[g] + 0x7f4a7c15, 0x85ebca77)) & this.mask;
      while (this.table[h] !== 0) h = (h + 1) & this.mask;
      this.table[h] = g + 1;
      this.slotOf[g] = h;
    }
  }
}

/**
 * Builds the pruned tree of `sources` (a diff's base first): children whose size (max of |new|,
 * |base|) is below `limit` are folded into one "(other)" node per parent. In a diff,
 * `value`/`self` become new − base, and base sums are multiplied by `scale`.
 */
export function build(sources: Source[], nameList: string[], limit: number, diff: boolean, scale: number): { root: FlameTreeNode; pruned: number } {
  let rootValue = 0;
  let rootSelf = 0;
  let rootBase = 0;
  let rootBaseSelf = 0;
  for (const s of sources) {
    if (s.slot === 0) {
      rootValue += s.rootValue;
      rootSelf += s.rootSelf;
    } else {
      rootBase += s.rootValue;
      rootBaseSelf += s.rootSelf;
    }
  }
  if (scale !== 1) {
    rootBase *= scale;
    rootBaseSelf *= scale;
  }
  const root: FlameTreeNode = {
    name: 'root',
    file: '',
    line: 0,
    value: diff ? rootValue - rootBase : rootValue,
    self: diff ? rootSelf - rootBaseSelf : rootSelf,
    children: [],
  };
  if (diff) {
    root.base = rootBase;
    root.baseSelf = rootBaseSelf;
  }
  let pruned = 0;
  const groups = new Groups();
  let parents: FlameTreeNode[] = [root];
  let size = new Float64Array(0);
  let order = new Int32Array(0);
  let keptOf = new Int32Array(0);
  const kids: number[] = [];
  const bySize = (x: number, y: number): number => size[y] - size[x] || (nameList[groups.name[x]] < nameList[groups.name[y]] ? -1 : 1);
  while (sources.some((s) => s.live > 0)) {
    // Group the live samples' next frames by (kept parent, name), summing in sample order.
    groups.clear();
    sources.forEach((s, si) => {
      const { sample, pos, frame, node, values, nt, ti, stackStart, stackLocs, frameFunc, idOf } = s;
      const lfs = s.locFrameStart;
      const n = s.live;
      for (let j = 0; j < n; j++) {
        const i = sample[j];
        const v = values[i * nt + ti];
        let f = frame[j];
        const fn = frameFunc[f];
        const g = groups.get(node[j], idOf[fn], si, fn);
        if (s.slot === 0) groups.value[g] += v;
        else groups.base[g] += v;
        // Step to the next frame: the next inlined one, else the next location's outermost one.
        let k = pos[j];
        const first = stackStart[i];
        if (f > lfs[stackLocs[k]]) f--;
        else {
          k--;
          while (k >= first && lfs[stackLocs[k] + 1] === lfs[stackLocs[k]]) k--;
          if (k >= first) f = lfs[stackLocs[k] + 1] - 1;
        }
        if (k < first) {
          if (s.slot === 0) groups.self[g] += v;
          else groups.baseSelf[g] += v;
          node[j] = -1;
        } else {
          pos[j] = k;
          frame[j] = f;
          node[j] = g;
        }
      }
    });
    const count = groups.count;
    if (size.length < count) {
      size = new Float64Array(groups.value.length);
      order = new Int32Array(groups.value.length);
      keptOf = new Int32Array(groups.value.length);
    }
    const { value, self, base, baseSelf } = groups;
    for (let g = 0; g < count; g++) {
      if (scale !== 1) {
        base[g] *= scale;
        baseSelf[g] *= scale;
      }
      size[g] = Math.max(Math.abs(value[g]), Math.abs(base[g]));
    }
    // Each parent's groups in the order they were made (a stable counting sort by parent).
    const np = parents.length;
    const start = new Int32Array(np + 1);
    for (let g = 0; g < count; g++) start[groups.parent[g] + 1]++;
    for (let p = 0; p < np; p++) start[p + 1] += start[p];
    const at = start.slice(0, np);
    for (let g = 0; g < count; g++) order[at[groups.parent[g]]++] = g;
    const next: FlameTreeNode[] = [];
    for (let p = 0; p < np; p++) {
      if (start[p] === start[p + 1]) continue;
      kids.length = 0;
      for (let q = start[p]; q < start[p + 1]; q++) kids.push(order[q]);
      kids.sort(bySize);
      const out = parents[p];
      let other: FlameTreeNode | undefined;
      for (const c of kids) {
        if (size[c] >= limit && size[c] > 0) {
          const info = sources[groups.src[c]].functions[groups.fn[c]];
          const node: FlameTreeNode = {
            name: info.name,
            file: info.file,
            line: info.startLine,
            value: diff ? value[c] - base[c] : value[c],
            self: diff ? self[c] - baseSelf[c] : self[c],
            children: [],
          };
          if (diff) {
            node.base = base[c];
            node.baseSelf = baseSelf[c];
          }
          out.children.push(node);
          keptOf[c] = next.length;
          next.push(node);
          continue;
        }
        keptOf[c] = -1;
        pruned++;
        if (!other) {
          other = { name: OTHER, file: '', line: 0, value: 0, self: 0, children: [] };
          if (diff) other.base = other.baseSelf = 0;
        }
        const v = diff ? value[c] - base[c] : value[c];
        other.value += v;
        other.self += v;
        if (diff) {
          other.base! += base[c];
          other.baseSelf! += base[c];
        }
      }
      if (other) out.children.push(other);
    }
    // Keep the samples under kept groups, now with those as their parents.
    for (const s of sources) {
      const { sample, pos, frame, node } = s;
      let w = 0;
      for (let j = 0; j < s.live; j++) {
        const g = node[j];
        if (g < 0) continue;
        const kept = keptOf[g];
        if (kept < 0) continue;
        sample[w] = sample[j];
        pos[w] = pos[j];
        frame[w] = frame[j];
        node[w] = kept;
        w++;
      }
      s.live = w;
    }
    parents = next;
  }
  return { root, pruned };
}
