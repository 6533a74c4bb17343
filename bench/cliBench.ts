// Benchmark: `anole --help` as a whole process next to a bare `node -e 0`, run in turns (goal ≤ 1.25×).
// Run: npm run build && npx tsx bench/cliBench.ts
import { formatRows, medianTimes, processTimes, requireBuiltCli, runAsScript, type ProcessTime } from './util';

/** `anole --help` may take at most this multiple of a bare Node start. */
export const GOAL_RATIO = 1.25;

/** What the benchmark measured; times in milliseconds. */
export interface CliBenchFigures {
  nodeRuns: ProcessTime[];
  node: ProcessTime;
  helpRuns: ProcessTime[];
  help: ProcessTime;
  /** help / node by median wall time (the goal), and by median CPU time (steadier on a busy machine). */
  ratio: number;
  cpuRatio: number;
  meetsGoal: boolean;
}

/** Times `node -e 0` and `node dist/cli.js --help` in turns and returns the figures. */
export async function runCliBench(opts: { runs?: number; log?: (line: string) => void } = {}): Promise<CliBenchFigures> {
  const cli = requireBuiltCli();
  const runs = opts.runs ?? 21;
  const cmds: [string, string[]][] = [[process.execPath, ['-e', '0']], [process.execPath, [cli, '--help']]];
  opts.log?.(`timing node -e 0 and anole --help in turns, ${runs} rounds...`);
  await processTimes(cmds, 2); // warm the page cache
  const [nodeRuns, helpRuns] = await processTimes(cmds, runs);
  const node = medianTimes(nodeRuns);
  const help = medianTimes(helpRuns);
  const ratio = help.wallMs / node.wallMs;
  return { nodeRuns, node, helpRuns, help, ratio, cpuRatio: help.cpuMs / node.cpuMs, meetsGoal: ratio <= GOAL_RATIO };
}

/** The figures as a small text table. */
export function formatCliBench(f: CliBenchFigures): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const row = (t: ProcessTime, runs: ProcessTime[]) =>
    `${ms(t.wallMs)} median of ${runs.length} (fastest ${ms(Math.min(...runs.map((r) => r.wallMs)))}), CPU ${ms(t.cpuMs)}`;
  const rows: [string, string][] = [
    ['node -e 0 (whole process)', row(f.node, f.nodeRuns)],
    ['anole --help (whole process)', row(f.help, f.helpRuns)],
    ['ratio anole/node', `${f.ratio.toFixed(2)} (CPU time ${f.cpuRatio.toFixed(2)}); goal <= ${GOAL_RATIO}: ${f.meetsGoal ? 'MET' : 'NOT MET'}`],
  ];
  return formatRows(rows);
}

if (require.main === module) runAsScript('cli', runCliBench, formatCliBench, (f) => f.meetsGoal);
