// Benchmark: parse + group a debug=2 dump of 100,000 goroutines (goal ≤ 1 s), next to `go tool pprof -top`.
// Run: npx tsx bench/goroutinesBench.ts   (ANOLE_BENCH_GOROUTINES=20000 for a quick run)
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupGoroutines, parseGoroutineDump } from '../src/core/goroutines';
import { formatRows, median, medianTimes, nodeAsLaunched, processTimes, requireLauncher, run, runAsScript, timed, type ProcessTime } from './util';

/** Parse + group of the whole dump must take at most this long (median of the warm runs). */
export const GOAL_MS = 1000;
/** `anole goroutines DUMPFILE` as a whole process (start, read, parse, group, print) must take at most this long. */
export const WHOLE_GOAL_MS = 1000;

/** What the benchmark measured; times in milliseconds, sizes in bytes. */
export interface GoroutinesBenchFigures {
  goroutines: number;
  groups: number;
  dumpBytes: number;
  /** Anole parse + group from the file's bytes: first run in this process, then the warm runs. */
  coldMs: number;
  runsMs: number[];
  medianMs: number;
  /** CPU time (all threads, GC included) of the warm runs, median: steadier than wall time on a busy machine. */
  cpuMedianMs: number;
  /** The median split into its two steps. */
  parseMedianMs: number;
  groupMedianMs: number;
  /** Dump megabytes (10^6 bytes) per second at the median. */
  mbPerSec: number;
  meetsGoal: boolean;
  coldMeetsGoal: boolean;
  /** Floor for comparison: decoding the bytes and finding every line end, nothing else. */
  floorMs: number;
  /** go tool pprof -top on the proto goroutine profile written by the same process. */
  pprofFirstMs: number;
  pprofRunsMs: number[];
  pprofMedianMs: number;
  /** True if go tool pprof counts as many goroutines as Anole parsed. */
  totalsAgree: boolean;
  /** `anole goroutines DUMPFILE` (bin/anole) start to exit, and `node -e 0` as bin/anole starts node for it, timed in turns. */
  wholeRuns: ProcessTime[];
  whole: ProcessTime;
  node: ProcessTime;
  wholeMeetsGoal: boolean;
  /** The whole process printed the same total as the in-process parse. */
  wholeAgrees: boolean;
}



function countLines(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return n;
}


/** Builds the generator, writes a dump of `goroutines` goroutines, times Anole and pprof, returns the figures. */
export async function runGoroutinesBench(
  opts: { goroutines?: number; runs?: number; log?: (line: string) => void } = {},
): Promise<GoroutinesBenchFigures> {
  const n = opts.goroutines ?? Number(process.env.ANOLE_BENCH_GOROUTINES ?? 100_000);
  const runs = Math.max(5, opts.runs ?? 7);
  const log = opts.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'anole-goroutines-bench-'));
  try {
    const gen = join(__dirname, 'gen', 'dumpgen');
    const bin = join(dir, 'dumpgen');
    log(`building ${gen} and dumping ${n} goroutines...`);
    await run('go', ['build', '-o', bin, '.'], gen);
    await run(bin, ['-n', String(n), '-out', dir]);
    const dumpFile = join(dir, 'goroutines.debug2.txt');
    const protoFile = join(dir, 'goroutines.pb.gz');
    const dumpBytes = (await stat(dumpFile)).size;

    log('timing Anole parse + group (one cold run, then warm runs)...');
    const bytes = await readFile(dumpFile);
    let goroutines = 0;
    let groups = 0;
    let warnings: string[] = [];
    // Keeps only counts: holding on to a run's result would keep its 100 MB text alive too.
    const once = () => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const parsed = parseGoroutineDump(bytes);
      const t1 = performance.now();
      const grouped = groupGoroutines(parsed.goroutines);
      const t2 = performance.now();
      const cpu = process.cpuUsage(c0);
      goroutines = parsed.goroutines.length;
      groups = grouped.groups.length;
      warnings = parsed.warnings;
      return { parseMs: t1 - t0, groupMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    const cold = once();
    const coldMs = cold.parseMs + cold.groupMs;
    if (warnings.length) log(`warnings: ${warnings.slice(0, 3).join('; ')}`);
    const warm = Array.from({ length: runs }, once);
    const runsMs = warm.map((r) => r.parseMs + r.groupMs);

    const floors: number[] = [];
    for (let i = 0; i < 3; i++) floors.push((await timed(() => countLines(bytes.toString('latin1'))))[0]);

    log('timing go tool pprof -top on the proto profile (one warm-up run, then three)...');
    const pprofArgs = ['tool', 'pprof', '-top', protoFile];
    const [pprofFirstMs] = await timed(() => run('go', pprofArgs));
    const pprofRunsMs: number[] = [];
    let pprofText = '';
    for (let i = 0; i < 3; i++) {
      const [ms, out] = await timed(() => run('go', pprofArgs));
      pprofRunsMs.push(ms);
      pprofText = out;
    }
    // "Showing nodes accounting for 100001, 100% of 100001 total": the dump adds the goroutine
    // that wrote the profile (it is the same process, a moment later), so allow for that one.
    const total = /of (\d+) total/.exec(pprofText);
    const totalsAgree = total !== null && Math.abs(Number(total[1]) - goroutines) <= 1;

    log('timing anole goroutines as a whole process, in turns with node -e 0...');
    const anole = requireLauncher();
    const [wholeRuns, nodeRuns] = await processTimes([[anole, ['goroutines', dumpFile]], nodeAsLaunched(['-e', '0'])], 5);
    const printed = await run(anole, ['goroutines', dumpFile, '--limit', '1']);
    const wholeAgrees = printed.startsWith(`${goroutines} goroutines in ${groups} groups`);
    const whole = medianTimes(wholeRuns);

    const medianMs = median(runsMs);
    return {
      goroutines,
      groups,
      dumpBytes,
      coldMs,
      runsMs,
      medianMs,
      cpuMedianMs: median(warm.map((r) => r.cpuMs)),
      parseMedianMs: median(warm.map((r) => r.parseMs)),
      groupMedianMs: median(warm.map((r) => r.groupMs)),
      mbPerSec: dumpBytes / 1e6 / (medianMs / 1000),
      meetsGoal: medianMs <= GOAL_MS,
      coldMeetsGoal: coldMs <= GOAL_MS,
      floorMs: median(floors),
      pprofFirstMs,
      pprofRunsMs,
      pprofMedianMs: median(pprofRunsMs),
      totalsAgree,
      wholeRuns,
      whole,
      node: medianTimes(nodeRuns),
      wholeMeetsGoal: whole.wallMs <= WHOLE_GOAL_MS,
      wholeAgrees,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The figures as a small text table. */
export function formatGoroutinesBench(f: GoroutinesBenchFigures): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const rows: [string, string][] = [
    ['dump', `debug=2 text, ${(f.dumpBytes / 1e6).toFixed(1)} MB, ${f.goroutines} goroutines in ${f.groups} groups`],
    ['anole goroutines (whole process)', `${ms(f.whole.wallMs)} median of ${f.wholeRuns.length} (fastest ${ms(Math.min(...f.wholeRuns.map((r) => r.wallMs)))}), CPU ${ms(f.whole.cpuMs)}`],
    ['node -e 0, in turns with it', `${ms(f.node.wallMs)}, CPU ${ms(f.node.cpuMs)}`],
    ['whole process / in process', `${(f.whole.wallMs / f.medianMs).toFixed(2)} (CPU time ${(f.whole.cpuMs / f.cpuMedianMs).toFixed(2)}); whole goal <= ${WHOLE_GOAL_MS} ms: ${f.wholeMeetsGoal ? 'MET' : 'NOT MET'}; same totals: ${f.wholeAgrees ? 'yes' : 'NO'}`],
    ['anole parse+group (in process)', `${ms(f.medianMs)} median of ${f.runsMs.length} (parse ${ms(f.parseMedianMs)} + group ${ms(f.groupMedianMs)}); cold ${ms(f.coldMs)}`],
    ['throughput', `${f.mbPerSec.toFixed(0)} MB/s; CPU time ${ms(f.cpuMedianMs)} median`],
    ['goal', `<= ${GOAL_MS} ms: ${f.meetsGoal ? 'MET' : 'NOT MET'} (cold: ${f.coldMeetsGoal ? 'met' : 'not met'})`],
    ['floor: decode + find line ends', ms(f.floorMs)],
    ['go tool pprof -top (proto)', `${ms(f.pprofMedianMs)} median of ${f.pprofRunsMs.length} (first run ${ms(f.pprofFirstMs)})`],
    ['goroutine totals agree with pprof', f.totalsAgree ? 'yes' : 'NO'],
  ];
  return formatRows(rows);
}

if (require.main === module) runAsScript('goroutines', runGoroutinesBench, formatGoroutinesBench, (f) => f.meetsGoal && f.wholeMeetsGoal && f.totalsAgree && f.wholeAgrees);
