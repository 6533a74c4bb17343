// Small helpers shared by the benchmarks: run a tool, time a call, take a median.
import { execFile } from 'node:child_process';

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
