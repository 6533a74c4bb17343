// Flame-graph (call tree) builder: root → callers → callees per sample type, with pruning and a diff variant.
import { AnoleError } from '../errors';
import { type NormalizeOption, baseScale, normalizeMode } from './diff';
import { type SampleOptions, chooseSampleType } from './analyze';
import { build, newSource } from './flameBuild';
import { type Profile } from './profile';
import { type SampleTypeChoice, selectSampleType } from './sampleType';

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
  /** Scale the base as {@link diff} does: to the new total (`total`/`true`) or duration (`per-second`). */
  normalize?: NormalizeOption;
}

/** The name of the node pruned paths are folded into. */
export { OTHER } from './flameBuild';

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
  const nameList: string[] = [];
  const src = newSource(profile, type, 0, new Map(), nameList);
  const total = src.total;
  const { root, pruned } = build([src], nameList, minFraction * total, false, 1);
  return { sampleType: type, total, root, pruned };
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
  const names = new Map<string, number>();
  const nameList: string[] = [];
  const baseSrc = newSource(base, bt, 1, names, nameList);
  const nextSrc = newSource(next, nt, 0, names, nameList);
  let baseTotal = baseSrc.total;
  const total = nextSrc.total;
  let scale = 1;
  if (normalizeMode(opts.normalize) !== 'none') {
    scale = baseScale(opts.normalize, { total: baseTotal, durationNanos: base.durationNanos }, { total, durationNanos: next.durationNanos });
    baseTotal = normalizeMode(opts.normalize) === 'total' && baseTotal !== 0 ? total : baseTotal * scale;
  }
  const { root, pruned } = build([baseSrc, nextSrc], nameList, minFraction * Math.max(total, baseTotal), true, scale);
  return { sampleType: nt, total, baseTotal, root, pruned };
}
