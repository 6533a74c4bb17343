// Memory and time of flameGraph on one profile: peak RSS (Linux VmHWM, reset after decoding) and time.
// Run: node --expose-gc --import tsx bench/flameMem.ts /tmp/heap.pb.gz [minFraction] [diff]
//   (write the profile first: cd bench/gen/heapgen && go run . -depth 21 -count 1230000 -out /tmp/heap.pb.gz)
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeProfile } from '../src/core/pprof';
import { diffFlameGraph, flameGraph, type FlameTreeNode } from '../src/core/pprof/flame';

const MB = 1024 * 1024;

/** Peak and current RSS of this process in bytes, from /proc/self/status. */
function rss(): { peak: number; now: number } {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function count(n: FlameTreeNode): number {
  return n.children.reduce((s, c) => s + count(c), 1);
}

const [file, frac = '0.001', mode = ''] = process.argv.slice(2);
const minFraction = Number(frac);
const t0 = performance.now();
const profile = decodeProfile(readFileSync(file));
const base = mode === 'diff' ? decodeProfile(readFileSync(file)) : undefined;
const decodeMs = performance.now() - t0;
gc();
const before = rss();
const heapBefore = process.memoryUsage().heapUsed;
// Reset the peak RSS so VmHWM measures the flame graph build alone (on top of the decoded profile).
writeFileSync('/proc/self/clear_refs', '5');
const t1 = performance.now();
const g = base ? diffFlameGraph(base, profile, { minFraction, normalize: true }) : flameGraph(profile, { minFraction });
const flameMs = performance.now() - t1;
const after = rss();
gc();
const heapAfter = process.memoryUsage().heapUsed;
console.log(
  [
    `samples ${profile.samples.count}, decode ${decodeMs.toFixed(0)} ms${base ? ' (×2)' : ''}`,
    `${base ? 'diffFlameGraph' : 'flameGraph'} minFraction ${minFraction}: ${flameMs.toFixed(0)} ms, ${count(g.root)} nodes, pruned ${g.pruned}`,
    `RSS after decode ${(before.now / MB).toFixed(0)} MB; peak RSS during flame ${(after.peak / MB).toFixed(0)} MB (growth ${(Math.max(0, after.peak - before.now) / MB).toFixed(0)} MB)`,
    `JS heap after decode ${(heapBefore / MB).toFixed(0)} MB; retained after flame ${(heapAfter / MB).toFixed(0)} MB`,
  ].join('\n'),
);
