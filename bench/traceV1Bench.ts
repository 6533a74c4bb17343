// Benchmark: read a big Go 1.19 trace with Anole's old-format reader, next to golang.org/x/exp/trace and go tool trace -pprof=sched.
// Run: npx tsx bench/traceV1Bench.ts   (ANOLE_BENCH_TRACEV1_MS=3000 for a quick run; a file: ANOLE_BENCH_TRACEV1_FILE=x.trace)
// Each reader runs in its own process, so its peak memory (maxrss, from /usr/bin/time when present) is its own.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceTables } from '../src/core/trace/model';
import { parseV1Trace } from '../src/core/trace/v1';
import { formatRows, run, runAsScript } from './util';

const ROOT = join(__dirname, '..');
const TIME = '/usr/bin/time';

/** One reader's cost: wall and CPU seconds, peak resident memory in MB (NaN if unmeasured). */
export interface ReaderCost {
  wallS: number;
  cpuS: number;
  peakMb: number;
}

/** What the benchmark measured. */
export interface TraceV1BenchFigures {
  traceMb: number;
  events: number;
  anole: ReaderCost;
  xexp: ReaderCost;
  goTool: ReaderCost;
  /** Anole's events and warnings count match a clean read. */
  clean: boolean;
  /** Goal: Anole at most half the time and half the memory of go tool trace -pprof=sched. */
  meetsGoal: boolean;
}

/** Runs argv under /usr/bin/time -f and returns the cost (peak NaN without /usr/bin/time). */
function measure(argv: string[], env: Record<string, string> = {}): Promise<{ cost: ReaderCost; stdout: string }> {
  const timed = existsSync(TIME);
  const [cmd, ...args] = timed ? [TIME, '-f', '@@%e %U %S %M', ...argv] : argv;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`));
      const m = /@@([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      const wallS = (performance.now() - t0) / 1000;
      resolve({
        stdout,
        cost: m ? { wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), peakMb: Number(m[4]) / 1024 } : { wallS, cpuS: NaN, peakMb: NaN },
      });
    });
  });
}

/** Records (or takes) the trace, runs the three readers, returns the figures. */
export async function runTraceV1Bench(o: { log: (l: string) => void }): Promise<TraceV1BenchFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'anole-bench-tracev1-'));
  try {
    let file = process.env.ANOLE_BENCH_TRACEV1_FILE ?? '';
    if (!file) {
      file = join(dir, 'big.trace');
      const ms = process.env.ANOLE_BENCH_TRACEV1_MS ?? '20000';
      o.log(`recording a Go 1.19 trace for ${ms} ms (400 ping-pong pairs)`);
      await run('/usr/lib/go-1.19/bin/go', ['build', '-trimpath', '-o', join(dir, 'gen'), '.'], join(ROOT, 'test', 'fixtures', 'traces', 'v1', 'gen'));
      await run(join(dir, 'gen'), ['-out', file, '-ms', ms, '-pingpong', '400']);
    }
    const traceMb = (await stat(file)).size / 1e6;
    await run('go', ['build', '-o', join(dir, 'ref'), '.'], join(ROOT, 'test', 'traceref'));
    o.log(`reading ${traceMb.toFixed(1)} MB with anole, x/exp/trace, go tool trace -pprof=sched`);
    const anoleRun = await measure([process.execPath, '--require', require.resolve('tsx/cjs'), __filename, '--child', file]);
    const child = JSON.parse(anoleRun.stdout) as { events: number; warnings: string[] };
    const xexp = (await measure([join(dir, 'ref'), 'summary', file])).cost;
    const goTool = (await measure(['go', 'tool', 'trace', '-pprof=sched', file], { GOTOOLCHAIN: 'local' })).cost;
    const anole = anoleRun.cost;
    const meetsGoal = anole.cpuS <= goTool.cpuS / 2 && !(anole.peakMb > goTool.peakMb / 2);
    return { traceMb, events: child.events, anole, xexp, goTool, clean: child.warnings.length === 0, meetsGoal };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The figures as a small text table, with ratios to go tool trace. */
export function formatTraceV1Bench(f: TraceV1BenchFigures): string {
  const cost = (c: ReaderCost) =>
    `${c.cpuS.toFixed(2)} s CPU (${c.wallS.toFixed(2)} s wall), peak ${Number.isNaN(c.peakMb) ? 'n/a' : `${c.peakMb.toFixed(0)} MB`}` +
    `  [${(c.cpuS / f.goTool.cpuS).toFixed(2)}x CPU, ${(c.peakMb / f.goTool.peakMb).toFixed(2)}x memory of go tool trace]`;
  return formatRows([
    ['trace', `Go 1.19 format, ${f.traceMb.toFixed(1)} MB, ${f.events} events${f.clean ? '' : ' (WITH WARNINGS)'}`],
    ['anole old-format reader', cost(f.anole)],
    ['golang.org/x/exp/trace (read all)', cost(f.xexp)],
    ['go tool trace -pprof=sched', cost(f.goTool)],
    ['goal', `<= 0.5x CPU and memory of go tool trace: ${f.meetsGoal ? 'MET' : 'NOT MET'}`],
  ]);
}

/** Child mode: read the file once, print events and warnings as JSON. */
function child(file: string): void {
  readFile(file).then((data) => {
    let events = 0;
    const r = parseV1Trace(data, new TraceTables(), { event: () => void events++ });
    console.log(JSON.stringify({ events, warnings: r.warnings }));
  }, (e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  });
}

if (require.main === module) {
  if (process.argv[2] === '--child') child(process.argv[3]);
  else runAsScript('tracev1', runTraceV1Bench, formatTraceV1Bench, (f) => f.meetsGoal && f.clean);
}
