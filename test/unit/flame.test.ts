// Flame graphs (call trees) of recorded profiles: totals, nesting, recursion, inlining, pruning, diff.
import assert from 'node:assert/strict';
import { loadProfile, top } from '../../src/core/pprof';
import { type FlameTreeNode, OTHER, diffFlameGraph, flameGraph } from '../../src/core/pprof/flame';
import { GO_VERSIONS, fixture } from '../fixtures/profiles/fixtures';

function walk(n: FlameTreeNode, fn: (n: FlameTreeNode, depth: number, parent?: FlameTreeNode) => void, depth = 0, parent?: FlameTreeNode): void {
  fn(n, depth, parent);
  for (const c of n.children) walk(c, fn, depth + 1, n);
}

/** Sum of `value` over the outermost nodes with this name (nested recursive nodes counted once). */
function cumOf(root: FlameTreeNode, name: string): number {
  let sum = 0;
  const visit = (n: FlameTreeNode): void => {
    if (n.name === name) sum += n.value;
    else n.children.forEach(visit);
  };
  visit(root);
  return sum;
}

describe('pprof flame graph', () => {
  for (const v of GO_VERSIONS) {
    it(`${v}: root value is the total and children never exceed their parent`, async () => {
      const cpu = await loadProfile(fixture(v, 'cpu'));
      const g = flameGraph(cpu);
      assert.equal(g.sampleType.type, 'cpu');
      assert.equal(g.root.name, 'root');
      assert.equal(g.root.value, g.total);
      assert.equal(g.total, top(cpu).total);
      walk(g.root, (n) => {
        const kids = n.children.reduce((s, c) => s + c.value, 0);
        assert.ok(kids <= n.value + 1e-6, `${n.name}: children ${kids} > ${n.value}`);
        assert.ok(Math.abs(kids + n.self - n.value) < 1e-6, `${n.name}: value = self + children`);
      });
    });

    it(`${v}: the hot function has its cum share, recursion nests, inlined frames expand`, async () => {
      const cpu = await loadProfile(fixture(v, 'cpu'));
      const g = flameGraph(cpu, { minFraction: 0 });
      const rows = top(cpu, { sort: 'cum' }).rows;
      const hot = rows.find((r) => r.function === 'main.hotLoop')!;
      assert.ok(hot.cumPercent > 5, `hotLoop is ${hot.cumPercent}%`);
      assert.equal(cumOf(g.root, 'main.hotLoop'), hot.cum);
      let fibDepth = 0;
      let mixUnderLoop = false;
      walk(g.root, (n, _d, parent) => {
        if (n.name === 'main.fib' && parent?.name === 'main.fib') fibDepth++;
        if (n.name === 'main.mix' && parent?.name === 'main.mixLoop') mixUnderLoop = true;
      });
      assert.ok(fibDepth > 0, 'fib → fib nodes');
      assert.ok(mixUnderLoop, 'inlined mix under mixLoop');
      assert.equal(cumOf(g.root, 'main.mix'), rows.find((r) => r.function === 'main.mix')!.cum);
    });
  }

  it('folds small paths into "(other)" and keeps the sums', async () => {
    const heap = await loadProfile(fixture('go1.26', 'allocs'));
    const full = flameGraph(heap, { minFraction: 0, sampleType: 'alloc_space' });
    const pruned = flameGraph(heap, { minFraction: 0.05, sampleType: 'alloc_space' });
    assert.equal(pruned.root.value, full.root.value);
    assert.ok(pruned.pruned > 0);
    let nodes = 0;
    let fullNodes = 0;
    walk(full.root, () => fullNodes++);
    walk(pruned.root, (n) => {
      nodes++;
      if (n.name !== OTHER && n !== pruned.root) assert.ok(n.value >= 0.05 * pruned.total, `${n.name} ${n.value}`);
      const kids = n.children.reduce((s, c) => s + c.value, 0);
      assert.ok(Math.abs(kids + n.self - n.value) < 1e-6);
    });
    assert.ok(nodes < fullNodes);
    assert.throws(() => flameGraph(heap, { minFraction: 2 }), /minFraction/);
  });

  it('diff: new − base per path, base values carried along', async () => {
    const a = await loadProfile(fixture('go1.19', 'cpu'));
    const b = await loadProfile(fixture('go1.26', 'cpu'));
    const same = diffFlameGraph(b, b, { minFraction: 0 });
    walk(same.root, (n) => {
      assert.equal(n.value, 0);
      assert.equal(n.self, 0);
    });
    assert.equal(same.root.base, same.total);
    const d = diffFlameGraph(a, b, { minFraction: 0 });
    assert.equal(d.root.value, d.total - d.baseTotal!);
    assert.equal(d.root.base, d.baseTotal);
    assert.equal(cumOf(d.root, 'main.hotLoop'), cumOf(flameGraph(b, { minFraction: 0 }).root, 'main.hotLoop') - cumOf(flameGraph(a, { minFraction: 0 }).root, 'main.hotLoop'));
    const norm = diffFlameGraph(a, b, { normalize: true });
    assert.ok(Math.abs(norm.root.value) < 1e-6 * norm.total);
    const heap = await loadProfile(fixture('go1.26', 'heap'));
    assert.throws(() => diffFlameGraph(heap, b), /cannot compare/);
  });
});
