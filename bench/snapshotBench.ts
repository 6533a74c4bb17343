// Benchmark: the service's pause for a full goroutine dump per method — fork snapshot vs gdb and dlv stop-the-world — on 10k and
// 100k goroutines (Go 1.19 and current), and the snapshot's pause against the service's resident memory (100 MB, 1 GB, 4 GB).
// Run: npm run build && npx tsx bench/snapshotBench.ts   (needs sshd, gdb, dlv and Go like the integration tests)
// ANOLE_SNAPSHOT_BENCH_COUNTS=10000, ANOLE_SNAPSHOT_BENCH_METHODS=snapshot,dlv and ANOLE_SNAPSHOT_BENCH_RSS_MB=100,1024 narrow the run
// (gdb's stop-the-world read of 100k goroutines stops the service for minutes).
import { dumpGoroutinesViaDebugger, type DebuggerDump } from '../src/core/debug/dump';
import { takeSnapshot } from '../src/core/debug/snapshot';
import { dumpGoroutinesViaSnapshot } from '../src/core/debug/snapshotDump';
import { SshHost } from '../src/core/ssh/sshHost';
import { binaryOf, buildFixtures, startService, type ToolchainId } from '../test/host/goServices';
import { startSshd } from '../test/host/sshd';
import { heartbeatGap } from '../test/support/dap';
import { runAsScript } from './util';

/** The goal: a full dump with the service paused at most this long. */
export const GOAL_PAUSE_MS = 100;

type Method = 'snapshot' | 'gdb' | 'dlv';

/** One dump: what Anole reported, the service's longest heartbeat gap, and the dump's wall time. */
export interface SnapshotRun {
  method: Method;
  toolchain: string;
  goroutines: number;
  reportedPauseMs: number;
  realStallMs: number;
  /** The heartbeat gap over 2 s without any tool: the machine's own noise. */
  baselineStallMs: number;
  goroutinesRead: number;
  totalMs: number;
}

/** The snapshot's pause for one resident size (the copy is removed at once, not read). */
export interface RssRun {
  rssMB: number;
  pauseMs: number;
  forkMs: number;
  realStallMs: number;
}

export interface SnapshotBenchFigures {
  runs: SnapshotRun[];
  rss: RssRun[];
  /** Every snapshot dump kept the real stall minus the machine's noise within the goal. */
  meetsGoal: boolean;
}

function listEnv(name: string, fallback: number[]): number[] {
  const v = process.env[name];
  return v ? v.split(',').map(Number).filter((n) => n > 0) : fallback;
}

export async function runSnapshotBench(opts: { toolchains?: ToolchainId[]; log?: (line: string) => void } = {}): Promise<SnapshotBenchFigures> {
  const log = opts.log ?? (() => undefined);
  const toolchains = opts.toolchains ?? ['current', 'go1.19'];
  const [sshd, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: toolchains, names: ['hotsvc'] })]);
  const host = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
  const figures: SnapshotBenchFigures = { runs: [], rss: [], meetsGoal: true };
  const methods = (process.env.ANOLE_SNAPSHOT_BENCH_METHODS?.split(',') ?? ['snapshot', 'gdb', 'dlv']).filter((m): m is Method => ['snapshot', 'gdb', 'dlv'].includes(m));
  try {
    for (const n of listEnv('ANOLE_SNAPSHOT_BENCH_COUNTS', [10_000, 100_000])) for (const build of builds) {
      const svc = await startService(binaryOf(build, 'hotsvc'), ['-goroutines', String(n)]);
      try {
        await heartbeatGap(svc);
        await new Promise((r) => setTimeout(r, 2_000));
        const baselineStallMs = await heartbeatGap(svc);
        for (const method of methods) {
          await heartbeatGap(svc);
          const dump: DebuggerDump = method === 'snapshot'
            ? await dumpGoroutinesViaSnapshot(host, svc.pid, { fallback: false })
            : await dumpGoroutinesViaDebugger(host, svc.pid, { backend: method });
          const realStallMs = await heartbeatGap(svc);
          const run: SnapshotRun = {
            method, toolchain: build.toolchain.tag, goroutines: n, reportedPauseMs: dump.pauseMs, realStallMs, baselineStallMs,
            goroutinesRead: dump.goroutines.length, totalMs: dump.totalMs,
          };
          figures.runs.push(run);
          if (method === 'snapshot' && realStallMs - baselineStallMs > GOAL_PAUSE_MS) figures.meetsGoal = false;
          log(`${method} ${run.toolchain} ${n}: reported ${dump.pauseMs} ms, real stall ${realStallMs.toFixed(0)} ms (noise ${baselineStallMs.toFixed(0)} ms), `
            + `${run.goroutinesRead} goroutines in ${(dump.totalMs / 1000).toFixed(1)} s`);
        }
      } finally {
        await svc.stop();
      }
    }
    for (const mb of listEnv('ANOLE_SNAPSHOT_BENCH_RSS_MB', [100, 1024, 4096])) {
      const svc = await startService(binaryOf(builds[0], 'hotsvc'), ['-ballast-mb', String(mb)], { timeoutMs: 120_000 });
      try {
        await heartbeatGap(svc);
        const snap = await takeSnapshot(host, svc.pid, 'hold');
        const realStallMs = await heartbeatGap(svc);
        await snap.close();
        figures.rss.push({ rssMB: snap.report.rssKb / 1024, pauseMs: snap.report.pauseMs, forkMs: snap.report.forkMs, realStallMs });
        log(`snapshot of ${(snap.report.rssKb / 1024).toFixed(0)} MB resident: pause ${snap.report.pauseMs} ms (fork ${snap.report.forkMs} ms), real stall ${realStallMs.toFixed(0)} ms`);
      } finally {
        await svc.stop();
      }
    }
  } finally {
    await host.close();
    await sshd.stop();
  }
  return figures;
}

export function formatSnapshotBench(f: SnapshotBenchFigures): string {
  const lines = ['hotsvc (CPU burner, lock contention) with N extra goroutines; every dump reads every stack; stall = the service\'s longest heartbeat gap'];
  for (const r of f.runs) {
    lines.push(`  ${r.method.padEnd(8)} ${r.toolchain.padEnd(6)} ${String(r.goroutines).padStart(6)} goroutines: pause reported ${r.reportedPauseMs.toFixed(0).padStart(6)} ms,`
      + ` real stall ${r.realStallMs.toFixed(0).padStart(6)} ms (noise ${r.baselineStallMs.toFixed(0)} ms); ${r.goroutinesRead} read in ${(r.totalMs / 1000).toFixed(1)} s`);
  }
  for (const r of f.rss) {
    lines.push(`  snapshot pause vs resident memory: ${r.rssMB.toFixed(0).padStart(5)} MB → ${r.pauseMs.toFixed(0)} ms (fork ${r.forkMs.toFixed(0)} ms), real stall ${r.realStallMs.toFixed(0)} ms`);
  }
  lines.push(`snapshot stall minus noise ≤ ${GOAL_PAUSE_MS} ms on every dump: ${f.meetsGoal ? 'yes' : 'NO'}`);
  return lines.join('\n');
}

if (require.main === module) runAsScript('snapshot', runSnapshotBench, formatSnapshotBench, (f) => f.meetsGoal);
