// Benchmark: `anole --help` as a whole process next to a bare `node -e 0`, run in turns (goal ≤ 1.25×).
// Run: npm run build && npx tsx bench/cliBench.ts
import { formatRows, medianTimes, nodeAsLaunched, processTimes, requireLauncher, runAsScript, type ProcessTime } from './util';

/** `anole --help` may take at most this multiple of a bare Node start. */
export const GOAL_RATIO = 1.25;

/** What the benchmark measured; times in milliseconds. */
export interface CliBenchFigures {
  /** `node -e 0` started as the launcher starts node for --help (without NODE_EXTRA_CA_CERTS): the goal's floor. */
  nodeRuns: ProcessTime[];
  node: ProcessTime;
  /** `anole --help` through the package's launcher (bin/anole), as users run it. */
  helpRuns: ProcessTime[];
  help: ProcessTime;
  /** help / node by median wall time (the goal), and by median CPU time (steadier on a busy machine). */
  ratio: number;
  cpuRatio: number;
  meetsGoal: boolean;
  /**
   * When this machine sets NODE_EXTRA_CA_CERTS: a bare `node -e 0` with it, as any Node program here starts
   * (Node reads that CA file first). Information: the goal above is judged against the faster floor.
   */
  withExtraCa?: { variable: string; node: ProcessTime };
}

/** Times `node -e 0` and `anole --help` in turns and returns the figures. */
export async function runCliBench(opts: { runs?: number; log?: (line: string) => void } = {}): Promise<CliBenchFigures> {
  const anole = requireLauncher();
  const runs = opts.runs ?? 21;
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const cmds: [string, string[]][] = [nodeAsLaunched(['-e', '0']), [anole, ['--help']]];
  if (extraCa) cmds.push(['node', ['-e', '0']]);
  opts.log?.(`timing node -e 0 and anole --help in turns, ${runs} rounds...`);
  await processTimes(cmds, 2); // warm the page cache
  const [nodeRuns, helpRuns, caRuns] = await processTimes(cmds, runs);
  const node = medianTimes(nodeRuns);
  const help = medianTimes(helpRuns);
  const ratio = help.wallMs / node.wallMs;
  return {
    nodeRuns, node, helpRuns, help, ratio, cpuRatio: help.cpuMs / node.cpuMs, meetsGoal: ratio <= GOAL_RATIO,
    ...(extraCa && caRuns ? { withExtraCa: { variable: extraCa, node: medianTimes(caRuns) } } : {}),
  };
}

/** The figures as a small text table. */
export function formatCliBench(f: CliBenchFigures): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const row = (t: ProcessTime, runs: ProcessTime[]) =>
    `${ms(t.wallMs)} median of ${runs.length} (fastest ${ms(Math.min(...runs.map((r) => r.wallMs)))}), CPU ${ms(t.cpuMs)}`;
  const rows: [string, string][] = [
    ['node -e 0 (whole process)', `${row(f.node, f.nodeRuns)}${f.withExtraCa ? ', without NODE_EXTRA_CA_CERTS as bin/anole starts it for --help' : ''}`],
    ['anole --help (whole process)', row(f.help, f.helpRuns)],
    ['ratio anole/node', `${f.ratio.toFixed(2)} (CPU time ${f.cpuRatio.toFixed(2)}); goal <= ${GOAL_RATIO}: ${f.meetsGoal ? 'MET' : 'NOT MET'}`],
    ...(f.withExtraCa
      ? [['node -e 0 with NODE_EXTRA_CA_CERTS', `${ms(f.withExtraCa.node.wallMs)} (CPU ${ms(f.withExtraCa.node.cpuMs)}): this machine sets it (${f.withExtraCa.variable}), so any other Node program starts this slowly here (information)`] as [string, string]]
      : []),
  ];
  return formatRows(rows);
}

if (require.main === module) runAsScript('cli', runCliBench, formatCliBench, (f) => f.meetsGoal);
