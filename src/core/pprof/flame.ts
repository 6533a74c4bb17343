// Flame-graph (call tree) builder: root → callers → callees per sample type, with pruning and a diff variant.
import { AnoleError } from '../errors';
import { SampleOptions, chooseSampleType } from './analyze';
import { frameIndex } from './frames';
import { Profile } from './profile';
import { SampleTypeChoice, selectSampleType } from './sampleType';

/** A node of the call tree: one function on one call path (recursion gives nested nodes). */
export interface FlameTreeNode {
  name: string;
  /** Source file of the function as recorded ('' if unknown). */
  file: string;
  /** The function's start line (0 if unknown). */
  line: number;
  /** Value of every sample whose stack passes through this path (new − base in a diff). */
  value: number;
  /** Value of samples ending here (new − base in a diff). */
  self: number;
  /** Diff only: the base profile's value and self on this path. */
  base?: number;
  baseSelf?: number;
  children: FlameTreeNode[];
}

/** A flame graph: the tree and what its values are. */
export interface FlameGraph {
  sampleType: SampleTypeChoice;
  /** Sum of |value| over all samples (for a diff: of the new profile). */
  total: number;
  /** Diff only: the base profile's total (after normalization). */
  baseTotal?: number;
  /** Name "root"; its value is the sum of all sample values. */
  root: FlameTreeNode;
  /** Nodes folded into "(other)" nodes by pruning. */
  pruned: number;
}

/** Options for {@link flameGraph} and {@link diffFlameGraph}. */
export interface FlameOptions extends SampleOptions {
  /** Paths below this fraction of the total are folded into an "(other)" node (default 0.001). */
  minFraction?: number;
}

/** Options for {@link diffFlameGraph}. */
export interface DiffFlameOptions extends FlameOptions {
  /** Scale base values by newTotal / baseTotal (compare shapes, not volumes). */
  normalize?: boolean;
}

/** The name of the node pruned paths are folded into. */
export const OTHER = '(other)';

interface Building {
  name: string;
  file: string;
  line: number;
  value: number;
  self: number;
  base: number;
  baseSelf: number;
  children: Map<number, Building>;
}

function newNode(name: string, file: string, line: number): Building {
  return { name, file, line, value: 0, self: 0, base: 0, baseSelf: 0, children: new Map() };
}

/** Adds every sample of one type to the tree; `slot` 0 adds to value/self, 1 to base/baseSelf. */
function addProfile(root: Building, profile: Profile, type: SampleTypeChoice, slot: 0 | 1, names: Map<string, number>): number {
  const fi = frameIndex(profile);
  // Children are keyed by a per-tree id of the function name, so two profiles' trees line up.
  const idOf = fi.functions.map((f) => {
    let id = names.get(f.name);
    if (id === undefined) names.set(f.name, (id = names.size));
    return id;
  });
  const { count, stackStart, stackLocs, values } = profile.samples;
  const nt = profile.sampleTypes.length;
  let total = 0;
  const path: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = values[i * nt + type.index];
    if (v === 0) continue;
    total += Math.abs(v);
    // Frames from the outermost caller to the leaf: locations are leaf-first, inlined frames innermost-first.
    path.length = 0;
    for (let k = stackStart[i + 1] - 1; k >= stackStart[i]; k--) {
      const loc = stackLocs[k];
      for (let f = fi.locFrameStart[loc + 1] - 1; f >= fi.locFrameStart[loc]; f--) path.push(fi.frameFunc[f]);
    }
    let node = root;
    if (slot === 0) root.value += v;
    else root.base += v;
    for (const fn of path) {
      let child = node.children.get(idOf[fn]);
      if (!child) {
        const info = fi.functions[fn];
        node.children.set(idOf[fn], (child = newNode(info.name, info.file, info.startLine)));
      }
      node = child;
      if (slot === 0) node.value += v;
      else node.base += v;
    }
    if (slot === 0) node.self += v;
    else node.baseSelf += v;
  }
  return total;
}

/**
 * Converts a built tree, folding children whose size (max of |new|, |base|) is below `limit` into
 * one "(other)" node. In a diff, `value`/`self` become new − base.
 */
function finish(b: Building, limit: number, diff: boolean, counter: { pruned: number }): FlameTreeNode {
  const size = (n: Building) => Math.max(Math.abs(n.value), Math.abs(n.base));
  const out: FlameTreeNode = {
    name: b.name,
    file: b.file,
    line: b.line,
    value: diff ? b.value - b.base : b.value,
    self: diff ? b.self - b.baseSelf : b.self,
    children: [],
  };
  if (diff) {
    out.base = b.base;
    out.baseSelf = b.baseSelf;
  }
  let other: FlameTreeNode | undefined;
  const kids = [...b.children.values()].sort((x, y) => size(y) - size(x) || (x.name < y.name ? -1 : 1));
  for (const c of kids) {
    if (size(c) >= limit && size(c) > 0) {
      out.children.push(finish(c, limit, diff, counter));
      continue;
    }
    counter.pruned++;
    if (!other) {
      other = { name: OTHER, file: '', line: 0, value: 0, self: 0, children: [] };
      if (diff) other.base = other.baseSelf = 0;
    }
    const v = diff ? c.value - c.base : c.value;
    other.value += v;
    other.self += v;
    if (diff) {
      other.base! += c.base;
      other.baseSelf! += c.base;
    }
  }
  if (other) out.children.push(other);
  return out;
}

function checkFraction(f: number | undefined): number {
  const v = f ?? 0.001;
  if (!(v >= 0 && v < 1)) throw new AnoleError('BAD_INPUT', `minFraction must be in [0, 1), got ${f}`);
  return v;
}

/**
 * Builds the call tree of a profile as pprof's flame graph shows it: one child per callee
 * function name along each path, inlined frames expanded, recursion kept as nested nodes. A
 * node's value is the sum over samples passing through it, `self` over samples ending in it.
 * Children worth less than `minFraction` of the total are folded into one "(other)" node.
 */
export function flameGraph(profile: Profile, opts: FlameOptions = {}): FlameGraph {
  const minFraction = checkFraction(opts.minFraction);
  const type = chooseSampleType(profile, opts);
  const root = newNode('root', '', 0);
  const total = addProfile(root, profile, type, 0, new Map());
  const counter = { pruned: 0 };
  const tree = finish(root, minFraction * total, false, counter);
  return { sampleType: type, total, root: tree, pruned: counter.pruned };
}

/**
 * The difference of two profiles as one tree: `value`/`self` are new − base per call path and
 * `base`/`baseSelf` carry the base values. Both must have the sample type (by name and unit).
 * Pruning keeps a path if either side reaches `minFraction` of the larger total.
 */
export function diffFlameGraph(base: Profile, next: Profile, opts: DiffFlameOptions = {}): FlameGraph {
  const minFraction = checkFraction(opts.minFraction);
  const nt = chooseSampleType(next, opts);
  const bi = base.sampleTypes.findIndex((t) => t.type === nt.type && t.unit === nt.unit);
  if (bi < 0) {
    throw new AnoleError(
      'BAD_INPUT',
      `cannot compare the profiles: the base has no sample type "${nt.type}" in ${nt.unit}`,
      'compare two profiles of the same kind',
    );
  }
  const bt = selectSampleType(base, bi);
  const root = newNode('root', '', 0);
  const names = new Map<string, number>();
  let baseTotal = addProfile(root, base, bt, 1, names);
  const total = addProfile(root, next, nt, 0, names);
  if (opts.normalize && baseTotal !== 0) {
    const scale = total / baseTotal;
    const rescale = (n: Building): void => {
      n.base *= scale;
      n.baseSelf *= scale;
      n.children.forEach(rescale);
    };
    rescale(root);
    baseTotal = total;
  }
  const counter = { pruned: 0 };
  const tree = finish(root, minFraction * Math.max(total, baseTotal), true, counter);
  return { sampleType: nt, total, baseTotal, root: tree, pruned: counter.pruned };
}
