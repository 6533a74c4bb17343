// The level-by-level flame graph builder gives exactly what building the whole call tree and pruning
// it afterwards gave (kept below as the reference): same nodes, values, order, keys and pruned count.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AnoleError } from '../../src/core/errors';
import { type Profile, decodeProfile, loadProfile } from '../../src/core/pprof';
import { type SampleOptions, chooseSampleType } from '../../src/core/pprof/analyze';
import { type DiffFlameOptions, type FlameGraph, type FlameOptions, type FlameTreeNode, OTHER, diffFlameGraph, flameGraph } from '../../src/core/pprof/flame';
import { frameIndex } from '../../src/core/pprof/frames';
import { type SampleTypeChoice, selectSampleType } from '../../src/core/pprof/sampleType';
import { FIXTURES } from '../fixtures/profiles/fixtures';
import { type SynthProfile, encodeProfile } from '../fixtures/profiles/synth';
import { rng } from '../support/rng';

// ---- Reference: the previous builder (whole tree first, then pruned), verbatim. ----

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

function addProfile(root: Building, profile: Profile, type: SampleTypeChoice, slot: 0 | 1, names: Map<string, number>): number {
  const fi = frameIndex(profile);
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

function referenceFlameGraph(profile: Profile, opts: FlameOptions = {}): FlameGraph {
  const minFraction = checkFraction(opts.minFraction);
  const type = chooseSampleType(profile, opts as SampleOptions);
  const root = newNode('root', '', 0);
  const total = addProfile(root, profile, type, 0, new Map());
  const counter = { pruned: 0 };
  const tree = finish(root, minFraction * total, false, counter);
  return { sampleType: type, total, root: tree, pruned: counter.pruned };
}

function referenceDiffFlameGraph(base: Profile, next: Profile, opts: DiffFlameOptions = {}): FlameGraph {
  const minFraction = checkFraction(opts.minFraction);
  const nt = chooseSampleType(next, opts);
  const bi = base.sampleTypes.findIndex((t) => t.type === nt.type && t.unit === nt.unit);
  if (bi < 0) throw new AnoleError('BAD_INPUT', `cannot compare the profiles: the base has no sample type "${nt.type}" in ${nt.unit}`);
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

// ---- Comparison helpers. ----

function nodes(n: FlameTreeNode): number {
  return n.children.reduce((s, c) => s + nodes(c), 1);
}

/** Asserts two trees are identical: same keys in the same order, numbers equal by Object.is (-0 too). */
function assertSameNode(got: FlameTreeNode, want: FlameTreeNode, path: string): void {
  const keys = Object.keys(want);
  assert.deepEqual(Object.keys(got), keys, `${path}: keys`);
  for (const k of keys) {
    if (k === 'children') continue;
    const g = (got as unknown as Record<string, unknown>)[k];
    const w = (want as unknown as Record<string, unknown>)[k];
    if (!Object.is(g, w)) assert.fail(`${path}: ${k} is ${String(g)}, want ${String(w)}`);
  }
  assert.equal(got.children.length, want.children.length, `${path}: number of children`);
  for (let i = 0; i < want.children.length; i++) assertSameNode(got.children[i], want.children[i], `${path} > ${want.children[i].name}`);
}

/** Identical graphs: every field, the tree node by node (order, keys, exact numbers) and the pruned count. */
function assertSame(got: FlameGraph, want: FlameGraph, what: string): void {
  assert.deepStrictEqual({ ...got, root: undefined }, { ...want, root: undefined }, what);
  assert.deepEqual(Object.keys(got), Object.keys(want), what);
  assertSameNode(got.root, want.root, `${what}: root`);
}

const FRACTIONS = [0, 0.0001, 0.001, 0.01, 0.05, 0.3, 0.9];

/** Every recorded profile under test/fixtures/profiles (go1.19, go1.26, hotsvc). */
function recordedProfiles(): string[] {
  const out: string[] = [];
  for (const dir of ['go1.19', 'go1.26', 'hotsvc']) {
    for (const f of readdirSync(join(FIXTURES, dir)).sort()) if (f.endsWith('.pb.gz')) out.push(join(dir, f));
  }
  return out;
}

// ---- A synthetic profile with many distinct deep stacks. ----


/**
 * Many distinct stacks, 1 to ~60 frames deep: binary left/right recursion like bench/gen/heapgen,
 * runs of a recursive function, inlined locations, unsymbolized ones, two functions of one name in
 * different files, empty stacks, zero and (when `negative`) negative values, skewed weights.
 * Files and start lines depend on `seed`, so a diff's two profiles disagree on them.
 */
function synthProfile(seed: number, samples: number, negative = false): Profile {
  const r = rng(seed);
  const names = ['main.main', 'runtime.main', 'main.left', 'main.right', 'main.leaf', 'main.fib', 'runtime.mallocgc', 'main.inl'];
  for (let i = 0; i < 24; i++) names.push(`pkg${i % 5}.F${i}`);
  const functions: SynthProfile['functions'] = names.map((name, i) => ({ id: i + 1, name, file: `f${(i + seed) % 7}.go`, startLine: 10 + i + seed }));
  // Same name as main.leaf, another file: the node keeps the first one met.
  functions.push({ id: names.length + 1, name: 'main.leaf', file: 'other.go', startLine: 99 });
  const nf = functions.length;
  const locations: SynthProfile['locations'] = functions.map((f) => ({ id: f.id, lines: [[f.id, f.startLine! + 1]] }));
  // Inlined: main.inl inlined into each of a few functions (innermost first).
  for (let i = 0; i < 6; i++) locations.push({ id: 100 + i, lines: [[8, 3], [9 + i, 7]] });
  // Unsymbolized locations, with and without a mapping.
  locations.push({ id: 200, lines: [], address: 0x1000, mappingId: 1 });
  locations.push({ id: 201, lines: [], address: 0x2000 });
  const locIds = locations.map((l) => l.id);
  const out: SynthProfile['samples'] = [];
  for (let s = 0; s < samples; s++) {
    const stack: number[] = []; // outermost first, reversed below
    if (r() < 0.01) {
      // An empty stack.
    } else {
      stack.push(2, 1); // runtime.main → main.main
      const depth = 1 + Math.floor(r() * r() * 40);
      let bits = Math.floor(r() * 2 ** 30);
      for (let d = 0; d < depth; d++) {
        const x = r();
        if (x < 0.6) stack.push(bits & 1 ? 4 : 3);
        else if (x < 0.7) for (let k = Math.floor(r() * 5); k >= 0; k--) stack.push(6);
        else stack.push(locIds[Math.floor(r() * locIds.length)]);
        bits >>>= 1;
      }
      stack.push(r() < 0.5 ? 5 : nf, 7);
    }
    const weight = (): number => {
      const w = Math.floor(2 ** (r() * 20));
      const z = r() < 0.03 ? 0 : w;
      return negative && r() < 0.2 ? -z : z;
    };
    out.push({ stack: stack.reverse(), values: [weight(), weight()] });
  }
  return decodeProfile(
    encodeProfile({
      sampleTypes: [
        ['alloc_space', 'bytes'],
        ['inuse_space', 'bytes'],
      ],
      functions,
      locations,
      mappings: [{ id: 1, file: '/usr/lib/libfoo.so' }],
      samples: out,
    }),
  );
}

describe('pprof flame graph: level-by-level builder = whole tree then pruned', () => {
  const files = recordedProfiles();

  it('recorded profiles: every sample type and pruning fraction', async () => {
    assert.ok(files.length >= 15, `found ${files.length} recorded profiles`);
    let compared = 0;
    for (const f of files) {
      const p = await loadProfile(join(FIXTURES, f));
      for (let sampleIndex = 0; sampleIndex < p.sampleTypes.length; sampleIndex++) {
        for (const minFraction of FRACTIONS) {
          const want = referenceFlameGraph(p, { sampleIndex, minFraction });
          assertSame(flameGraph(p, { sampleIndex, minFraction }), want, `${f} #${sampleIndex} ${minFraction}`);
          compared++;
        }
      }
      assertSame(flameGraph(p), referenceFlameGraph(p), `${f} default options`);
    }
    assert.ok(compared > 100);
  });

  it('recorded profiles: diffs of every pair of the same kind, plain and normalized', async () => {
    const byKind = new Map<string, Profile[]>();
    const labels = new Map<Profile, string>();
    for (const f of files) {
      const p = await loadProfile(join(FIXTURES, f));
      const kind = f.split('/')[1].replace(/_empty|\.pb\.gz/g, '');
      byKind.set(kind, [...(byKind.get(kind) ?? []), p]);
      labels.set(p, f);
    }
    let compared = 0;
    for (const ps of byKind.values()) {
      for (const a of ps) {
        for (const b of ps) {
          for (let sampleIndex = 0; sampleIndex < b.sampleTypes.length; sampleIndex++) {
            for (const minFraction of [0, 0.001, 0.05]) {
              for (const normalize of [false, true]) {
                const opts = { sampleIndex, minFraction, normalize };
                const what = `${labels.get(a)} → ${labels.get(b)} ${JSON.stringify(opts)}`;
                let want: FlameGraph;
                try {
                  want = referenceDiffFlameGraph(a, b, opts);
                } catch {
                  assert.throws(() => diffFlameGraph(a, b, opts), /cannot compare/, what);
                  continue;
                }
                assertSame(diffFlameGraph(a, b, opts), want, what);
                compared++;
              }
            }
          }
        }
      }
    }
    assert.ok(compared > 100, `${compared} diffs compared`);
  });

  it('synthetic profile with many distinct deep stacks: flame graph', function () {
    this.timeout(120_000);
    const p = synthProfile(1, 6000);
    const full = referenceFlameGraph(p, { minFraction: 0 });
    assert.ok(nodes(full.root) > 30000, `${nodes(full.root)} nodes`);
    for (const sampleIndex of [0, 1]) {
      for (const minFraction of FRACTIONS) {
        const want = referenceFlameGraph(p, { sampleIndex, minFraction });
        const got = flameGraph(p, { sampleIndex, minFraction });
        if (minFraction === 0.001) assert.ok(want.pruned > 100 && nodes(want.root) > 100);
        assertSame(got, want, `#${sampleIndex} ${minFraction}`);
      }
    }
    // Negative values (allowed in pprof diffs) and sizes that cancel out to zero.
    const neg = synthProfile(2, 2000, true);
    for (const minFraction of FRACTIONS) assertSame(flameGraph(neg, { minFraction }), referenceFlameGraph(neg, { minFraction }), `negative ${minFraction}`);
  });

  it('synthetic profiles: diff, plain and normalized (non-integer base values)', function () {
    this.timeout(120_000);
    const a = synthProfile(3, 2500);
    const b = synthProfile(4, 3500, true);
    for (const [x, y] of [
      [a, b],
      [b, a],
      [a, a],
    ]) {
      for (const minFraction of [0, 0.001, 0.01, 0.3]) {
        for (const normalize of [false, true]) {
          const opts = { minFraction, normalize, sampleType: 'inuse_space' };
          assertSame(diffFlameGraph(x, y, opts), referenceDiffFlameGraph(x, y, opts), JSON.stringify(opts));
        }
      }
    }
  });

  it('rejects a bad minFraction as before', () => {
    const p = synthProfile(5, 10);
    for (const minFraction of [-0.1, 1, 2, NaN]) {
      assert.throws(() => flameGraph(p, { minFraction }), /minFraction/);
      assert.throws(() => diffFlameGraph(p, p, { minFraction }), /minFraction/);
    }
  });
});
