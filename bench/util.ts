// Small helpers shared by the benchmarks: run a tool, time a call, take a median.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Runs `cmd args` (Go tools with the local toolchain only) and resolves with its stdout. */
export function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' } },
      (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)),
    );
  });
}

/** The median of `xs` (mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` and resolves with [milliseconds, result]. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

/** Two aligned columns: label, then value. */
export function formatRows(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/** Runs one benchmark as a script: prints its figures, exits 1 when a goal is missed or it fails. */
export function runAsScript<F>(name: string, run: (o: { log: (l: string) => void }) => Promise<F>, format: (f: F) => string, ok: (f: F) => boolean): void {
  run({ log: (l) => console.error(l) })
    .then((f) => {
      console.log(format(f));
      if (!ok(f)) process.exitCode = 1;
    })
    .catch((e: Error) => {
      console.error(`${name} bench failed: ${e.message}`);
      process.exitCode = 1;
    });
}

/** The built CLI the whole-process figures run (`npm run build` first). */
export const BUILT_CLI = join(__dirname, '..', 'dist', 'cli.js');

/** Fails clearly when the CLI has not been built. */
export function requireBuiltCli(): string {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  return BUILT_CLI;
}

/** The package's `anole` command as users run it: bin/anole, which starts dist/cli.js with the node on PATH. */
export const LAUNCHER = join(__dirname, '..', 'bin', 'anole');

/** Fails clearly when the CLI has not been built; the `anole` command. */
export function requireLauncher(): string {
  requireBuiltCli();
  return LAUNCHER;
}

/**
 * `node ARGS` as the launcher starts node for a command that reads only local files: the node on PATH,
 * without NODE_EXTRA_CA_CERTS (see bin/anole). The fair floor for those commands' whole-process times.
 */
export function nodeAsLaunched(args: string[]): [string, string[]] {
  return ['env', ['-u', 'NODE_EXTRA_CA_CERTS', 'node', ...args]];
}

/** One whole-process run: wall time start to exit, and the CPU time (user + system) it used. */
export interface ProcessTime {
  wallMs: number;
  cpuMs: number;
}

/** Reads bash's `times` output (shell, then children: "0m0.012s 0m0.004s") into the children's CPU ms. */
function childCpuMs(times: string): number {
  const lines = times.trim().split('\n');
  const secs = [...(lines[lines.length - 1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`cannot read CPU times from: ${times}`);
  return (secs[0] + secs[1]) * 1000;
}

/**
 * Whole processes, start to exit (stdout to /dev/null): `runs` rounds, each running every command once
 * in turn, so a burst of load from elsewhere hits all of them alike. Each runs under bash, whose
 * `times` gives its CPU time: steadier than wall time when other work shares the cores.
 */
export async function processTimes(cmds: [string, string[]][], runs: number): Promise<ProcessTime[][]> {
  const times = cmds.map((): ProcessTime[] => []);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < cmds.length; i++) {
      const [cmd, args] = cmds[i];
      const [wallMs, out] = await timed(() => run('bash', ['-c', '"$@" >/dev/null; times', 'bash', cmd, ...args]));
      times[i].push({ wallMs, cpuMs: childCpuMs(out) });
    }
  }
  return times;
}

/** Median wall and CPU times of some runs. */
export function medianTimes(runs: ProcessTime[]): ProcessTime {
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)) };
}
