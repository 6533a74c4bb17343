// Builds and runs the reference trace reader (test/traceref, golang.org/x/exp/trace) and types its `reference` JSON.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The reference reader's Go module (one program, subcommands `reference`, `summary`, `totals`). */
export const TRACEREF_DIR = path.resolve(__dirname, '..', 'traceref');

/** How the reference reader is built: this machine's `go`, its one dependency from the module proxy (go.sum pins it). */
const GO_ENV = { GOFLAGS: '', GOWORK: 'off', GOTOOLCHAIN: 'local' };

/** Builds the reference reader into `out` (a file path) with the current `go`; resolves to `out`. */
export async function buildTraceRef(out: string): Promise<string> {
  await run('go', ['build', '-o', out, '.'], { cwd: TRACEREF_DIR, env: { ...process.env, ...GO_ENV } });
  return out;
}

/** A frame of the reference output. */
export interface ReferenceFrame {
  function: string;
  file: string;
  line: number;
}

/** One goroutine's totals (see test/fixtures/traces/README.md for how they are computed). */
export interface ReferenceGoroutine {
  id: number;
  startFunction: string;
  startFrom: 'creation' | 'stack' | '';
  createdAt: ReferenceFrame | null;
  runningNs: number;
  runnableNs: number;
  waitingNs: number;
  syscallNs: number;
  waitingByReason: Record<string, number>;
  transitions: number;
}

/** What `traceref reference TRACE` prints (also recorded as NAME.reference.json beside each trace). */
export interface Reference {
  reader: string;
  events: number;
  firstNs: number;
  lastNs: number;
  windowNs: number;
  goroutines: ReferenceGoroutine[];
  totals: { runningNs: number; runnableNs: number; waitingNs: number; syscallNs: number };
  gc: { count: number; stwCount: number; stwTotalNs: number; stwMaxNs: number; assistCount: number; assistNs: number };
  /** Present when the trace could not be read to its end. */
  error?: string;
}

/** Reads `trace` with the reference reader's `reference` subcommand (built by the current `go` from the module proxy). */
export async function traceReference(trace: string): Promise<Reference> {
  const { stdout } = await run('go', ['run', '.', 'reference', path.resolve(trace)], {
    cwd: TRACEREF_DIR,
    maxBuffer: 64 << 20,
    env: { ...process.env, ...GO_ENV },
  });
  return JSON.parse(stdout) as Reference;
}
