// The flame graph's pure geometry and queries: culling, zoom, hit-testing, search share, diff shades.
import * as assert from 'node:assert/strict';
import {
  ancestors, diffShade, findHeaviest, hitTest, indexFlame, layoutFlame, nameHash, searchFlame,
} from '../../src/core/webview/flameLayout';
import { formatPercent, formatValue } from '../../src/core/webview/format';
import type { ViewFlameNode } from '../../src/core/webview/messages';

function n(name: string, value: number, children: ViewFlameNode[] = [], extra: Partial<ViewFlameNode> = {}): ViewFlameNode {
  const self = value - children.reduce((s, c) => s + c.value, 0);
  return { name, file: `/src/${name}.go`, line: 1, value, self, children, ...extra };
}

// root(100) → main(100) → { hot(60) → leaf(60), cold(30) → hot(30) }, main self 10
const tree = (): ViewFlameNode => n('root', 100, [n('main', 100, [n('hot', 60, [n('leaf', 60)]), n('cold', 30, [n('hot', 30)])])]);

describe('flame layout', () => {
  it('indexes in pre-order with parents, depths and weights', () => {
    const idx = indexFlame(tree());
    assert.deepEqual(idx.nodes.map((x) => x.name), ['root', 'main', 'hot', 'leaf', 'cold', 'hot']);
    assert.deepEqual([...idx.parent], [-1, 0, 1, 2, 1, 4]);
    assert.deepEqual([...idx.depth], [0, 1, 2, 3, 2, 3]);
    assert.equal(idx.maxDepth, 3);
    assert.equal(idx.total, 100);
    assert.deepEqual(ancestors(idx, 3), [0, 1, 2]);
  });

  it('lays out children proportionally from the left', () => {
    const idx = indexFlame(tree());
    const rects = layoutFlame(idx, 0, 1000);
    const by = (id: number) => rects.find((r) => r.id === id)!;
    assert.deepEqual(by(0), { id: 0, x: 0, w: 1000, depth: 0 });
    assert.deepEqual(by(2), { id: 2, x: 0, w: 600, depth: 2 });
    assert.deepEqual(by(4), { id: 4, x: 600, w: 300, depth: 2 });
    assert.deepEqual(by(5), { id: 5, x: 600, w: 300, depth: 3 });
    assert.equal(hitTest(rects, 650, 3)?.id, 5);
    assert.equal(hitTest(rects, 950, 2), undefined, 'main\'s self share is empty space');
  });

  it('zooming gives the focus the full width and keeps its ancestors above it', () => {
    const idx = indexFlame(tree());
    const rects = layoutFlame(idx, 4, 300);
    assert.deepEqual(rects.map((r) => [r.id, r.x, r.w, r.depth]), [[0, 0, 300, 0], [1, 0, 300, 1], [4, 0, 300, 2], [5, 0, 300, 3]]);
  });

  it('culls nodes narrower than minWidth and rows outside the viewport', () => {
    const idx = indexFlame(tree());
    const ids = layoutFlame(idx, 0, 10, { minWidth: 4 }).map((r) => r.id).sort();
    assert.deepEqual(ids, [0, 1, 2, 3]); // cold and its child are 3 px wide
    const rows = layoutFlame(idx, 0, 1000, { fromDepth: 2, toDepth: 2 });
    assert.deepEqual(rows.map((r) => r.id).sort(), [2, 4]);
  });

  it('lays out a big tree (200 000 nodes) and emits only what fits', () => {
    // 200 000 nodes: a wide fan-out of deep chains.
    const kids: ViewFlameNode[] = [];
    for (let i = 0; i < 2000; i++) {
      let chain = n(`leaf${i}`, 1 + (i % 7));
      for (let d = 0; d < 99; d++) chain = n(`f${i}_${d}`, chain.value, [chain]);
      kids.push(chain);
    }
    const root = n('root', kids.reduce((s, k) => s + k.value, 0), kids);
    const idx = indexFlame(root);
    const rects = layoutFlame(idx, 0, 1200, { minWidth: 2, fromDepth: 0, toDepth: 60 });
    assert.equal(idx.nodes.length, 200_001);
    assert.ok(rects.length < 1200 / 2 * 61 + 1, `${rects.length} rects`);
    assert.ok(rects.every((r) => r.w >= 2 && r.depth <= 60));
  });

  it('handles a deep chain without recursion', () => {
    let chain = n('leaf', 1);
    for (let d = 0; d < 50_000; d++) chain = n(`f${d}`, 1, [chain]);
    const idx = indexFlame(chain);
    assert.equal(idx.maxDepth, 50_000);
    assert.equal(layoutFlame(idx, 0, 100, { toDepth: 10 }).length, 11);
  });

  it('scales diff children that outweigh their parent to fit', () => {
    const root = n('root', 0, [], { base: 10 });
    root.children = [n('a', 10, [], { base: 0 }), n('b', -10, [], { base: 10 })];
    const idx = indexFlame(root);
    assert.deepEqual([...idx.weight], [10, 10, 10]);
    const rects = layoutFlame(idx, 0, 100);
    const a = rects.find((r) => r.id === 1)!;
    const b = rects.find((r) => r.id === 2)!;
    assert.equal(a.w + b.w, 100);
    assert.deepEqual(diffShade(idx.nodes[1]), { dir: 'grew', strength: 1 });
    assert.deepEqual(diffShade(idx.nodes[2]), { dir: 'shrank', strength: 1 });
    assert.equal(diffShade(n('c', 0, [], { base: 5 })).dir, 'same');
  });

  it('search counts nested matches once in the matched share', () => {
    const idx = indexFlame(tree());
    const s = searchFlame(idx, 'HOT');
    assert.equal(s.count, 2);
    assert.equal(s.value, 90);
    assert.equal(s.share, 0.9);
    const nested = searchFlame(idx, '.go'); // matches every file: only the top-most node counts
    assert.equal(nested.value, 100);
    assert.equal(searchFlame(idx, '  ').count, 0);
    assert.equal(findHeaviest(idx, 'hot'), 2);
    assert.equal(findHeaviest(idx, 'absent'), -1);
  });

  it('hashes names stably into 0..1', () => {
    assert.equal(nameHash('main.main'), nameHash('main.main'));
    for (const s of ['', 'a', 'runtime.mallocgc']) assert.ok(nameHash(s) >= 0 && nameHash(s) <= 1);
  });

  it('formats values by unit', () => {
    assert.equal(formatValue(1_210_000_000, 'nanoseconds'), '1.21s');
    assert.equal(formatValue(-25_000_000, 'nanoseconds'), '-25.0ms');
    assert.equal(formatValue(3 * 1024 * 1024, 'bytes'), '3.00MB');
    assert.equal(formatValue(512, 'bytes'), '512B');
    assert.equal(formatValue(12_345, 'count'), '12.3k');
    assert.equal(formatPercent(1, 200), '0.50%');
    assert.equal(formatPercent(50, 200), '25.0%');
    assert.equal(formatPercent(1, 0), '0%');
  });
});
