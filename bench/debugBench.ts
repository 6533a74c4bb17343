// Benchmark: how long a Go service with 10,000 goroutines stalls while Anole's adapter attaches, lists every goroutine and groups their stacks.
// Run: npm run build && npx tsx bench/debugBench.ts   (needs sshd, dlv and Go like the integration tests)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { AnoleAttachArguments } from '../src/adapter/attachArgs';
import { binaryOf, buildFixtures, startService, type ToolchainId } from '../test/host/goServices';
import { startSshd } from '../test/host/sshd';
import { runAsScript } from './util';

/** The longest stall of the service during the listing with stacks must be at most this. */
export const GOAL_STALL_MS = 1_000;
const ADAPTER = path.resolve(__dirname, '../dist/adapter.js');

/** One measured step: wall time and the service's longest heartbeat gap meanwhile (ms). */
export interface DebugStep {
  step: string;
  wallMs: number;
  maxGapMs: number;
}

/** What the benchmark measured, per Go toolchain. */
export interface DebugBenchFigures {
  goroutines: number;
  runs: Array<{ backend: string; toolchain: string; goVersion: string; threads: number; groups: number; steps: DebugStep[] }>;
  /** Longest stall of any listing (threads, groups) over all runs; compare with the baseline step. */
  worstListingStallMs: number;
  meetsGoal: boolean;
}

/** Attaches to hotsvc -goroutines N (both Go versions) through dist/adapter.js and measures each step's stall. */
export async function runDebugBench(opts: { goroutines?: number; toolchains?: ToolchainId[]; backends?: Array<'dlv' | 'gdb'>; log?: (line: string) => void } = {}): Promise<DebugBenchFigures> {
  const n = opts.goroutines ?? 10_000;
  const log = opts.log ?? (() => undefined);
  if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run \`npm run build\` first`);
  const toolchains = opts.toolchains ?? ['current', 'go1.19'];
  const [sshd, builds] = await Promise.all([startSshd(), buildFixtures({ goVersions: toolchains, names: ['hotsvc'] })]);
  const figures: DebugBenchFigures = { goroutines: n, runs: [], worstListingStallMs: 0, meetsGoal: false };
  try {
    for (const backend of opts.backends ?? (['dlv', 'gdb'] as const)) for (const build of builds) {
      const svc = await startService(binaryOf(build, 'hotsvc'), ['-goroutines', String(n)]);
      const dc = new DebugClient(process.execPath, ADAPTER, 'anole');
      try {
        const heartbeat = async (reset: boolean) => {
          const r = await fetch(`http://${svc.addr}/heartbeat${reset ? '?reset=1' : ''}`);
          return ((await r.json()) as { maxGapMs: number }).maxGapMs;
        };
        const steps: DebugStep[] = [];
        const measure = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
          await heartbeat(true);
          const t0 = performance.now();
          const v = await fn();
          const wallMs = performance.now() - t0;
          steps.push({ step, wallMs, maxGapMs: await heartbeat(false) });
          log(`${backend} ${build.toolchain.tag} ${step}: ${wallMs.toFixed(0)} ms, longest stall ${steps[steps.length - 1].maxGapMs.toFixed(0)} ms`);
          return v;
        };
        // The same service without a debugger: the stall the machine itself causes (load, GC).
        await measure('baseline: no debugger, 2 s', () => new Promise((r) => setTimeout(r, 2_000)));
        await dc.start();
        await dc.initializeRequest({ adapterID: 'anole', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
        const args: AnoleAttachArguments = { host: sshd.alias, sshConfigFile: sshd.configFile, processId: svc.pid, backend };
        await measure(`attach (preflight, ${backend} attach, resume)`, () => dc.attachRequest(args as DebugProtocol.AttachRequestArguments));
        const threads = await measure(`threads: all goroutines`, () => dc.threadsRequest());
        const groups = await measure('goroutine groups: all goroutines with stacks', () => dc.customRequest('anole/goroutineGroups'));
        // The idle worker listed last: dlv would otherwise scan the whole goroutine table to find it.
        const last = threads.body.threads.filter((t) => t.name.includes('main.idleWorker')).reduce((a, t) => (t.id > a.id ? t : a));
        await measure(`stack + locals of the last idle worker`, async () => {
          const st = await dc.stackTraceRequest({ threadId: last.id, startFrame: 0, levels: 20 });
          const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
          await dc.variablesRequest({ variablesReference: scopes.body.scopes[1].variablesReference });
        });
        await measure('disconnect (detach)', () => dc.disconnectRequest({}));
        log(`${backend} ${build.toolchain.tag} the adapter's longest stop while grouping: ${(groups.body as { longestStopMs: number }).longestStopMs} ms`);
        figures.runs.push({
          backend, toolchain: build.toolchain.tag, goVersion: svc.goVersion, threads: threads.body.threads.length,
          groups: (groups.body as { groups: unknown[] }).groups.length, steps,
        });
        figures.worstListingStallMs = Math.max(figures.worstListingStallMs, ...steps.filter((s) => !/baseline|attach|disconnect/.test(s.step)).map((s) => s.maxGapMs));
      } finally {
        await dc.stop().catch(() => undefined);
        await svc.stop();
      }
    }
  } finally {
    await sshd.stop();
  }
  figures.meetsGoal = figures.worstListingStallMs <= GOAL_STALL_MS;
  return figures;
}

/** The figures as a small text table. */
export function formatDebugBench(f: DebugBenchFigures): string {
  const lines: string[] = [];
  for (const r of f.runs) {
    lines.push(`${r.backend}, ${r.toolchain} (${r.goVersion}), ${f.goroutines} extra goroutines: ${r.threads} threads, ${r.groups} stack groups`);
    const w = Math.max(...r.steps.map((s) => s.step.length));
    for (const s of r.steps) lines.push(`  ${s.step.padEnd(w)}  ${s.wallMs.toFixed(0).padStart(6)} ms wall, longest stall ${s.maxGapMs.toFixed(0).padStart(5)} ms`);
  }
  lines.push(`worst stall while listing: ${f.worstListingStallMs.toFixed(0)} ms; goal <= ${GOAL_STALL_MS} ms: ${f.meetsGoal ? 'MET' : 'NOT MET'}`);
  return lines.join('\n');
}

if (require.main === module) runAsScript('debug', runDebugBench, formatDebugBench, (f) => f.meetsGoal);
