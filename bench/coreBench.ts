// Benchmark: core dumps of a Go service with 10,000 goroutines, written by dlv's dump and by gcore over the loopback sshd:
// the pause Anole reports next to the service's real longest stall (its heartbeat), the core's size, and the offline read.
// Run: npm run build && npx tsx bench/coreBench.ts   (needs sshd, dlv, gdb and Go like the integration tests)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureCoreDump } from '../src/core/debug/coreDump';
import { dumpGoroutinesFromCore } from '../src/core/debug/dump';
import { LocalHost } from '../src/core/remote/localHost';
import { SshHost } from '../src/core/ssh/sshHost';
import { startTestHost } from '../test/host/testHost';
import { heartbeatGap } from '../test/support/dap';
import { runAsScript } from './util';

/** One capture and its offline read. */
export interface CoreRun {
  tool: 'dlv' | 'gcore';
  toolchain: string;
  /** What Anole reported (an upper bound). */
  reportedPauseMs: number;
  /** The service's longest heartbeat gap during the capture. */
  realStallMs: number;
  coreMB: number;
  transferMB: number;
  totalMs: number;
  reader: 'dlv' | 'gdb';
  readMs: number;
  goroutinesRead: number;
}

export interface CoreBenchFigures {
  goroutines: number;
  runs: CoreRun[];
  /** Every reported pause covered the real stall (the figure users see is never too low). */
  reportsHonest: boolean;
}

/** Leeway for the heartbeat's own tick and scheduling when comparing the real stall with the report. */
const TICK_SLACK_MS = 50;

export async function runCoreBench(opts: { goroutines?: number; log?: (line: string) => void } = {}): Promise<CoreBenchFigures> {
  const n = opts.goroutines ?? 10_000;
  const log = opts.log ?? (() => undefined);
  const th = await startTestHost({ serviceArgs: ['-goroutines', String(n)] });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-core-bench-'));
  const host = await SshHost.connect(th.sshd.alias, { resolve: { configFile: th.sshd.configFile } });
  const local = new LocalHost();
  const figures: CoreBenchFigures = { goroutines: n, runs: [], reportsHonest: true };
  try {
    for (const tool of ['dlv', 'gcore'] as const) for (const s of th.services) {
      const coreFile = path.join(out, `${tool}-${s.tag}.core`);
      await heartbeatGap(s.service);
      const r = await captureCoreDump(host, s.service.pid, { tool, coreFile, executableFile: `${coreFile}.exe` });
      const realStallMs = await heartbeatGap(s.service);
      const reader = tool === 'dlv' ? 'gdb' : 'dlv';
      const t0 = performance.now();
      const dump = await dumpGoroutinesFromCore(local, { core: r.core, executable: r.executable }, { backend: reader });
      const run: CoreRun = {
        tool, toolchain: s.tag, reportedPauseMs: r.pauseMs, realStallMs, coreMB: r.coreBytes / 1e6, transferMB: r.transferBytes / 1e6,
        totalMs: r.totalMs, reader, readMs: performance.now() - t0, goroutinesRead: dump.goroutines.length,
      };
      figures.runs.push(run);
      if (realStallMs > r.pauseMs + TICK_SLACK_MS) figures.reportsHonest = false;
      log(`${tool} ${s.tag}: reported ${r.pauseMs} ms, real stall ${realStallMs.toFixed(0)} ms, core ${run.coreMB.toFixed(0)} MB`);
      fs.rmSync(coreFile, { force: true });
      fs.rmSync(`${coreFile}.exe`, { force: true });
    }
  } finally {
    await local.close();
    await host.close();
    await th.stop();
    fs.rmSync(out, { recursive: true, force: true });
  }
  return figures;
}

export function formatCoreBench(f: CoreBenchFigures): string {
  const lines = [`hotsvc with ${f.goroutines} extra goroutines; core written on the host, fetched gzip -1 over the loopback sshd`];
  for (const r of f.runs) {
    lines.push(`  ${r.tool.padEnd(5)} ${r.toolchain.padEnd(6)} pause reported ${String(r.reportedPauseMs).padStart(5)} ms (real stall ${r.realStallMs.toFixed(0).padStart(5)} ms)`
      + `  core ${r.coreMB.toFixed(0).padStart(5)} MB, ${r.transferMB.toFixed(1)} MB sent, ${(r.totalMs / 1000).toFixed(1)} s in all`
      + `  | read offline by ${r.reader}: ${r.goroutinesRead} goroutines in ${(r.readMs / 1000).toFixed(1)} s`);
  }
  lines.push(`reported pauses cover the real stalls: ${f.reportsHonest ? 'yes' : 'NO'}`);
  return lines.join('\n');
}

if (require.main === module) runAsScript('core', runCoreBench, formatCoreBench, (f) => f.reportsHonest);
