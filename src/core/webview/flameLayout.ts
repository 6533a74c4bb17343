// Pure flame-graph (icicle) geometry and queries: index a tree once, then lay out only the nodes
// that are visible at the current zoom and at least `minWidth` px wide. No DOM, no `vscode`.
import type { ViewFlameNode } from './messages';

/** A flattened tree: node ids are pre-order positions; id 0 is the root. */
export interface FlameIndex {
  nodes: ViewFlameNode[];
  parent: Int32Array;
  depth: Int32Array;
  /** Non-negative width weight (|value|, or max(new, base) in a diff). */
  weight: Float64Array;
  children: number[][];
  maxDepth: number;
  /** Weight of the root: 100 % of the width. */
  total: number;
}

/** Indexes a tree iteratively (deep stacks are common in Go profiles). */
export function indexFlame(root: ViewFlameNode): FlameIndex {
  const nodes: ViewFlameNode[] = [];
  const parents: number[] = [];
  const depths: number[] = [];
  const children: number[][] = [];
  const stack: { node: ViewFlameNode; parent: number; depth: number }[] = [{ node: root, parent: -1, depth: 0 }];
  let maxDepth = 0;
  while (stack.length > 0) {
    const { node, parent, depth } = stack.pop()!;
    const id = nodes.length;
    nodes.push(node);
    parents.push(parent);
    depths.push(depth);
    children.push([]);
    if (parent >= 0) children[parent].push(id);
    if (depth > maxDepth) maxDepth = depth;
    const kids = node.children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], parent: id, depth: depth + 1 });
  }
  const weight = new Float64Array(nodes.length);
  nodes.forEach((n, i) => { weight[i] = nodeWeight(n); });
  return {
    nodes, parent: Int32Array.from(parents), depth: Int32Array.from(depths), weight, children,
    maxDepth, total: weight[0] ?? 0,
  };
}

/** Width weight of one node: |value|, or in a diff the larger of its new and base value. */
export function nodeWeight(n: ViewFlameNode): number {
  if (typeof n.base === 'number') return Math.max(n.base + n.value, n.base, 0);
  return Math.abs(n.value);
}

/** One drawn rectangle: node id, x and width in px, row = depth. */
export interface FlameRect {
  id: number;
  x: number;
  w: number;
  depth: number;
}

/** Layout options. */
export interface LayoutOptions {
  /** Nodes narrower than this (px) are skipped with their subtrees. Default 1. */
  minWidth?: number;
  /** Only rows in [fromDepth, toDepth] are emitted (the scrolled viewport). */
  fromDepth?: number;
  toDepth?: number;
}

/**
 * Rectangles for the view zoomed on `focus`: its ancestors span the full width above it, it
 * spans the full width, and its descendants share it by weight (children whose weights exceed
 * their parent's, as in diffs, are scaled to fit). Only visible, wide enough nodes are returned.
 */
export function layoutFlame(idx: FlameIndex, focus: number, width: number, opts: LayoutOptions = {}): FlameRect[] {
  const minWidth = opts.minWidth ?? 1;
  const from = opts.fromDepth ?? 0;
  const to = opts.toDepth ?? Number.MAX_SAFE_INTEGER;
  const out: FlameRect[] = [];
  if (idx.nodes.length === 0 || focus < 0 || focus >= idx.nodes.length || width <= 0) return out;
  for (const a of ancestors(idx, focus)) {
    const d = idx.depth[a];
    if (d >= from && d <= to) out.push({ id: a, x: 0, w: width, depth: d });
  }
  const stack: { id: number; x: number; w: number }[] = [{ id: focus, x: 0, w: width }];
  while (stack.length > 0) {
    const { id, x, w } = stack.pop()!;
    const d = idx.depth[id];
    if (d >= from && d <= to) out.push({ id, x, w, depth: d });
    if (d >= to) continue;
    const kids = idx.children[id];
    if (kids.length === 0) continue;
    let sum = 0;
    for (const k of kids) sum += idx.weight[k];
    if (sum <= 0) continue;
    const own = idx.weight[id];
    const scale = w / Math.max(sum, own > 0 ? own : sum);
    let cx = x;
    for (const k of kids) {
      const kw = idx.weight[k] * scale;
      if (kw >= minWidth) stack.push({ id: k, x: cx, w: kw });
      cx += kw;
    }
  }
  return out;
}

/** Ids from the root down to, excluding, `id`. */
export function ancestors(idx: FlameIndex, id: number): number[] {
  const out: number[] = [];
  for (let p = idx.parent[id]; p >= 0; p = idx.parent[p]) out.push(p);
  return out.reverse();
}

/** The rectangle under (x, row), if any. */
export function hitTest(rects: readonly FlameRect[], x: number, depth: number): FlameRect | undefined {
  for (const r of rects) if (r.depth === depth && x >= r.x && x < r.x + r.w) return r;
  return undefined;
}

/** Search result: which nodes match and the share of the total they cover (nested matches once). */
export interface SearchResult {
  matched: Uint8Array;
  count: number;
  value: number;
  share: number;
}

/** Case-insensitive substring search on function names (and file paths). */
export function searchFlame(idx: FlameIndex, query: string): SearchResult {
  const matched = new Uint8Array(idx.nodes.length);
  const q = query.trim().toLowerCase();
  let count = 0;
  let value = 0;
  if (q === '') return { matched, count, value, share: 0 };
  // Pre-order ids: a parent's flag is set before its children are visited.
  const covered = new Uint8Array(idx.nodes.length);
  // The root is synthetic ("all"): it never matches.
  for (let i = 1; i < idx.nodes.length; i++) {
    const n = idx.nodes[i];
    const p = idx.parent[i];
    const inherited = p >= 0 && covered[p] === 1;
    if (n.name.toLowerCase().includes(q) || (n.file ?? '').toLowerCase().includes(q)) {
      matched[i] = 1;
      count++;
      if (!inherited) value += idx.weight[i];
      covered[i] = 1;
    } else if (inherited) {
      covered[i] = 1;
    }
  }
  return { matched, count, value, share: idx.total > 0 ? value / idx.total : 0 };
}

/** The heaviest node named exactly `name`, or -1. */
export function findHeaviest(idx: FlameIndex, name: string): number {
  let best = -1;
  for (let i = 1; i < idx.nodes.length; i++) {
    if (idx.nodes[i].name === name && (best < 0 || idx.weight[i] > idx.weight[best])) best = i;
  }
  return best;
}

/** Diff colouring: which way a node moved and how strongly (0..1, relative to its width weight). */
export function diffShade(n: ViewFlameNode): { dir: 'grew' | 'shrank' | 'same'; strength: number } {
  const w = nodeWeight(n);
  if (n.value === 0 || w === 0) return { dir: 'same', strength: 0 };
  const strength = Math.min(1, Math.abs(n.value) / w);
  return { dir: n.value > 0 ? 'grew' : 'shrank', strength };
}

/** A stable 0..1 hash of a name, to vary shades between neighbouring frames. */
export function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (h >>> 0) / 0xffffffff;
}
