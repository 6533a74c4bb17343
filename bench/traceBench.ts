// Benchmark: `anole trace report` (the built CLI) vs `go tool trace -pprof=sched` on the same ~60 MB Go trace:
// wall and CPU time, peak RSS of each whole process. Goals: ≤ 0.1× the time and ≤ half the memory.
// Run: npx tsx bench/traceBench.ts   (needs `npm run build`; ANOLE_BENCH_TRACE_EXCHANGES=1000000 for a ~15 MB trace)
// The trace is recorded once per generator source, Go version and size, and kept in ~/.cache/anole-bench.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatRows, LAUNCHER, run, runAsScript } from './util';

const CLI = resolve(__dirname, '..', 'dist', 'cli.js');

/** One measured process run. */
export interface ProcRun {
  wallMs: number;
  /** User + system CPU of the process and its waited-for children, ms. */
  cpuMs: number;
  /** Highest VmHWM seen in the process or a child, KiB. */
  peakKiB: number;
}

export interface TraceBenchFigures {
  traceBytes: number;
  /** Go version that recorded the trace ("go1.26.8"). */
  goVersion: string;
  anole: ProcRun;
  goTool: ProcRun;
  wallRatio: number;
  cpuRatio: number;
  memRatio: number;
  meetsGoal: boolean;
  groups: number;
}

function hwmKiB(pid: number): number {
  let best = 0;
  const pids = [pid];
  try {
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) if (c) pids.push(Number(c));
  } catch {
    /* exited */
  }
  for (const p of pids) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) best = Math.max(best, Number(m[1]));
    } catch {
      /* exited */
    }
  }
  return best;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command with its output discarded: wall time, CPU (user + system) and peak RSS of the whole process
 * from its rusage (GNU time's %M); without /usr/bin/time, CPU from bash's `time` and the peak polled
 * from VmHWM every 20 ms.
 */
async function measureWithCpu(cmd: string, args: string[]): Promise<ProcRun> {
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const exact = existsSync(GNU_TIME);
  const script = exact
    ? // Through `cat`: node's stdout pipe is a socket, which /dev/fd/3 cannot be opened on.
      `set -o pipefail; { ${GNU_TIME} -f '%U %S %M' -o /dev/fd/3 ${quoted} >/dev/null 2>/dev/null ; } 3>&1 | cat`
    : `TIMEFORMAT='%3U %3S'; { time ${quoted} >/dev/null 2>/dev/null ; } 2>&1`;
  let cpuMs = NaN;
  const r = await new Promise<ProcRun>((res, rej) => {
    const t0 = performance.now();
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GOTOOLCHAIN: 'local' } });
    let out = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const poll = setInterval(() => {
      peak = Math.max(peak, hwmKiB(child.pid!));
      try {
        for (const c of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)) if (c) peak = Math.max(peak, hwmKiB(Number(c)));
      } catch {
        /* exited */
      }
    }, 20);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearInterval(poll);
      const [u, s, maxKiB] = out.trim().split(/\s+/).map(Number);
      cpuMs = (u + s) * 1000;
      if (exact && maxKiB > 0) peak = maxKiB;
      if (code !== 0) rej(new Error(`${cmd} exited ${code}`));
      else res({ wallMs: performance.now() - t0, cpuMs, peakKiB: peak });
    });
  });
  return r;
}

/** Token passes the generator makes by default: about 60 MB of Go 1.26 trace (~15 bytes each). */
const DEFAULT_EXCHANGES = 4_000_000;

/**
 * The bench trace: recorded by bench/gen/tracegen, which stops after a fixed number of token passes (so the
 * size is stable run to run), and kept in ~/.cache/anole-bench under a key of the generator's source, the
 * Go version and the count, so later runs time the same file.
 */
export async function benchTrace(exchanges: number, dir: string, log: (l: string) => void): Promise<{ file: string; goVersion: string }> {
  const gen = join(__dirname, 'gen', 'tracegen');
  const goVersion = (await run('go', ['env', 'GOVERSION'])).trim();
  const key = createHash('sha256').update(readFileSync(join(gen, 'main.go'))).update(`${goVersion} ${exchanges}`).digest('hex').slice(0, 16);
  const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'anole-bench');
  const file = join(cacheDir, `busy-${key}.trace`);
  if (existsSync(file)) {
    log(`using the cached trace ${file}`);
    return { file, goVersion };
  }
  log(`building bench/gen/tracegen and recording ${exchanges} token passes (${goVersion})...`);
  const bin = join(dir, 'tracegen');
  await run('go', ['build', '-o', bin, '.'], gen);
  await mkdir(cacheDir, { recursive: true });
  const part = `${file}.${process.pid}.part`;
  await run(bin, [part, String(exchanges)]);
  await rename(part, file);
  return { file, goVersion };
}

/** Records (or reuses) the bench trace, then times both tools on it, each as a whole process. */
export async function runTraceBench(opts: { exchanges?: number; log?: (l: string) => void } = {}): Promise<TraceBenchFigures> {
  const exchanges = opts.exchanges ?? Number(process.env.ANOLE_BENCH_TRACE_EXCHANGES ?? DEFAULT_EXCHANGES);
  const log = opts.log ?? (() => undefined);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!(exchanges > 0)) throw new Error(`ANOLE_BENCH_TRACE_EXCHANGES must be a positive number, not ${process.env.ANOLE_BENCH_TRACE_EXCHANGES}`);
  const dir = await mkdtemp(join(tmpdir(), 'anole-trace-bench-'));
  try {
    const { file, goVersion } = await benchTrace(exchanges, dir, log);
    const traceBytes = (await stat(file)).size;
    log('go tool trace -pprof=sched (building the tool first, untimed)...');
    await run('go', ['build', '-o', join(dir, 'gotrace'), 'cmd/trace']);
    const goTool = await measureWithCpu(join(dir, 'gotrace'), ['-pprof=sched', file]);
    log('anole trace report --json...');
    const anole = await measureWithCpu(LAUNCHER, ['trace', 'report', file, '--json']);
    const report = JSON.parse(await run(LAUNCHER, ['trace', 'report', file, '--json'])) as { groups: unknown[] };
    const wallRatio = anole.wallMs / goTool.wallMs;
    const cpuRatio = anole.cpuMs / goTool.cpuMs;
    const memRatio = anole.peakKiB / goTool.peakKiB;
    return {
      traceBytes, goVersion, anole, goTool, wallRatio, cpuRatio, memRatio, groups: report.groups.length,
      meetsGoal: Math.min(wallRatio, cpuRatio) <= 0.1 && memRatio <= 0.5,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatTraceBench(f: TraceBenchFigures): string {
  const p = (r: ProcRun) => `${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU, ${(r.peakKiB / 1024).toFixed(0)} MiB peak`;
  return formatRows([
    ['trace', `${(f.traceBytes / 1e6).toFixed(1)} MB (${f.goVersion}), ${f.groups} groups`],
    ['anole trace report', p(f.anole)],
    ['go tool trace -pprof=sched', p(f.goTool)],
    ['time ratio anole / go tool', `${f.wallRatio.toFixed(3)}× wall, ${f.cpuRatio.toFixed(3)}× CPU (whole processes; goal ≤ 0.1×)`],
    ['peak RSS ratio anole / go tool', `${f.memRatio.toFixed(3)}× (whole processes; goal ≤ 0.5×)`],
    ['goal met', String(f.meetsGoal)],
  ]);
}

if (require.main === module) runAsScript('trace', runTraceBench, formatTraceBench, (f) => f.meetsGoal);
