// Benchmark: `anole trace report` (the built CLI) vs `go tool trace -pprof=sched` on the same ~60 MB Go trace:
// wall and CPU time, peak RSS (Linux VmHWM, polled). Goals: ≤ 0.1× the time and ≤ half the memory.
// Run: npx tsx bench/traceBench.ts   (ANOLE_BENCH_TRACE_MB=20 for a quick run; needs `npm run build`)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatRows, run, runAsScript } from './util';

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

/** Runs a command with its output discarded: wall time, CPU from bash's `time` (children's rusage), peak RSS polled every 20 ms. */
async function measureWithCpu(cmd: string, args: string[]): Promise<ProcRun> {
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `TIMEFORMAT='%3U %3S'; { time ${quoted} >/dev/null 2>/dev/null ; } 2>&1`;
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
      const [u, s] = out.trim().split(/\s+/).map(Number);
      cpuMs = (u + s) * 1000;
      if (code !== 0) rej(new Error(`${cmd} exited ${code}`));
      else res({ wallMs: performance.now() - t0, cpuMs, peakKiB: peak });
    });
  });
  return r;
}

/** Records a busy trace of about `mb` MB, then times both tools on it. */
export async function runTraceBench(opts: { mb?: number; log?: (l: string) => void } = {}): Promise<TraceBenchFigures> {
  const mb = opts.mb ?? Number(process.env.ANOLE_BENCH_TRACE_MB ?? 60);
  const log = opts.log ?? (() => undefined);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dir = await mkdtemp(join(tmpdir(), 'anole-trace-bench-'));
  try {
    const bin = join(dir, 'tracegen');
    const file = join(dir, 'busy.trace');
    log(`building bench/gen/tracegen and recording a ~${mb} MB trace...`);
    await run('go', ['build', '-o', bin, '.'], join(__dirname, 'gen', 'tracegen'));
    await run(bin, [file, '120000', String(mb * 1e6)]);
    const traceBytes = (await stat(file)).size;
    log('go tool trace -pprof=sched (building the tool first, untimed)...');
    await run('go', ['build', '-o', join(dir, 'gotrace'), 'cmd/trace']);
    const goTool = await measureWithCpu(join(dir, 'gotrace'), ['-pprof=sched', file]);
    log('anole trace report --json...');
    const anole = await measureWithCpu(process.execPath, [CLI, 'trace', 'report', file, '--json']);
    const report = JSON.parse(await run(process.execPath, [CLI, 'trace', 'report', file, '--json'])) as { groups: unknown[] };
    const wallRatio = anole.wallMs / goTool.wallMs;
    const cpuRatio = anole.cpuMs / goTool.cpuMs;
    const memRatio = anole.peakKiB / goTool.peakKiB;
    return {
      traceBytes, anole, goTool, wallRatio, cpuRatio, memRatio, groups: report.groups.length,
      meetsGoal: Math.min(wallRatio, cpuRatio) <= 0.1 && memRatio <= 0.5,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatTraceBench(f: TraceBenchFigures): string {
  const p = (r: ProcRun) => `${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU, ${(r.peakKiB / 1024).toFixed(0)} MiB peak`;
  return formatRows([
    ['trace', `${(f.traceBytes / 1e6).toFixed(1)} MB (Go ${process.env.GOVERSION ?? 'current'}), ${f.groups} groups`],
    ['anole trace report', p(f.anole)],
    ['go tool trace -pprof=sched', p(f.goTool)],
    ['ratio anole / go tool', `time ${f.wallRatio.toFixed(3)}× wall, ${f.cpuRatio.toFixed(3)}× CPU (goal ≤ 0.1×); memory ${f.memRatio.toFixed(3)}× (goal ≤ 0.5×)`],
    ['goal met', String(f.meetsGoal)],
  ]);
}

if (require.main === module) runAsScript('trace', runTraceBench, formatTraceBench, (f) => f.meetsGoal);
