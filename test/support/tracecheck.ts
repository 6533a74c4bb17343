// Runs the reference trace reader (test/tracecheck, golang.org/x/exp/trace) and types its JSON.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The reference reader's Go module. */
export const TRACECHECK_DIR = path.resolve(__dirname, '..', 'tracecheck');

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

/** What `tracecheck TRACE` prints (also recorded as NAME.reference.json beside each trace). */
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

/** Reads `trace` with the reference reader (built by the current `go` from the module proxy). */
export async function tracecheck(trace: string): Promise<Reference> {
  const { stdout } = await run('go', ['run', '.', path.resolve(trace)], {
    cwd: TRACECHECK_DIR,
    maxBuffer: 64 << 20,
    env: { ...process.env, GOFLAGS: '', GOWORK: 'off', GOTOOLCHAIN: 'local' },
  });
  return JSON.parse(stdout) as Reference;
}
