// The unit tier's guard (a mocha root-hook plugin): a unit test that runs a tool the integration tier owns (go, gdb, dlv, sshd, ssh…) fails.
// On when every spec file of the run is under test/unit, or ANOLE_TIER=unit. Unit tests may run node and the POSIX shell that runs
// Anole's host scripts; anything else is a real part and belongs to test/integration.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Context, RootHookObject, Suite } from 'mocha';

/** The programs a unit test must not run, in this process or in a child it starts. */
export const INTEGRATION_TOOLS = [
  'go', 'gofmt', 'gdb', 'gcore', 'dlv', 'sshd', 'ssh', 'ssh-keygen', 'ssh-keyscan', 'ssh-agent', 'scp', 'sftp', 'setpriv', 'code-server',
] as const;

const UNIT_DIR = `${path.sep}test${path.sep}unit${path.sep}`;
const HINT = 'the unit tier runs no Go toolchain, debugger or OpenSSH program: move this test to test/integration (or use a recorded output under test/fixtures)';

const violations: string[] = [];
let shimDir: string | undefined;
let shimLog: string | undefined;

/** The integration tool a command line starts, if any (by base name, so absolute paths count too). */
export function integrationTool(file: string): string | undefined {
  const base = path.basename(file.trim().split(/\s+/)[0] ?? '');
  return (INTEGRATION_TOOLS as readonly string[]).includes(base) ? base : undefined;
}

/** Whether the guard is on in this run. */
export function guardActive(): boolean {
  return shimDir !== undefined;
}

/** Takes (and forgets) what unit tests tried to run since the last call, here and in children. */
export function takeViolations(): string[] {
  const out = violations.splice(0);
  if (shimLog && fs.existsSync(shimLog)) {
    out.push(...fs.readFileSync(shimLog, 'utf8').split('\n').filter(Boolean));
    fs.writeFileSync(shimLog, '');
  }
  return out;
}

type Patched = 'spawn' | 'spawnSync' | 'execFile' | 'execFileSync' | 'exec' | 'execSync';
type Launcher = ((file: string, ...rest: unknown[]) => unknown) & { [promisify.custom]?: (file: string, ...rest: unknown[]) => unknown };

/** Throws (and records the attempt) when the guard is on and `file` is an integration tool. */
function check(file: unknown, how: string): void {
  const tool = guardActive() && typeof file === 'string' ? integrationTool(file) : undefined;
  if (!tool) return;
  violations.push(`${tool} (child_process.${how})`);
  throw new Error(`unit tier: a test ran \`${file}\`; ${HINT}`);
}

/**
 * Wraps the child_process functions, at load time so that spec files binding them early (promisify)
 * get the wrapper too; the wrappers only check once the guard is on.
 */
function patchChildProcess(): void {
  const cp = require('node:child_process') as Record<Patched, Launcher>;
  for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync'] as const) {
    const original = cp[name];
    const wrapper: Launcher = function (this: unknown, file: string, ...rest: unknown[]) {
      check(file, name);
      return original.call(this, file, ...rest);
    };
    const custom = original[promisify.custom];
    if (custom) {
      wrapper[promisify.custom] = function (this: unknown, file: string, ...rest: unknown[]) {
        try {
          check(file, name);
        } catch (e) {
          return Promise.reject(e as Error);
        }
        return custom.call(this, file, ...rest);
      };
    }
    cp[name] = wrapper;
  }
}
patchChildProcess();

/** Puts stand-ins for the integration tools first on PATH: a child that runs one records it and fails with the hint. */
function installShims(): void {
  shimDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-unit-guard-'));
  shimLog = path.join(shimDir, 'ran.log');
  fs.writeFileSync(shimLog, '');
  for (const tool of INTEGRATION_TOOLS) {
    fs.writeFileSync(path.join(shimDir, tool), `#!/bin/sh\necho "${tool} (run by a child process)" >> '${shimLog}'\necho 'unit tier: a test ran ${tool}; ${HINT}' >&2\nexit 127\n`, { mode: 0o755 });
  }
  process.env.PATH = `${shimDir}${path.delimiter}${process.env.PATH ?? ''}`;
}

function specFiles(suite: Suite, out: Set<string>): Set<string> {
  if (suite.file) out.add(suite.file);
  for (const t of suite.tests) if (t.file) out.add(t.file);
  for (const s of suite.suites) specFiles(s, out);
  return out;
}

export const mochaHooks: RootHookObject = {
  beforeAll(this: Context) {
    const root = this.test?.parent;
    const files = root ? [...specFiles(root, new Set())] : [];
    const unitRun = process.env.ANOLE_TIER === 'unit' || (files.length > 0 && files.every((f) => path.resolve(f).includes(UNIT_DIR)));
    if (!unitRun || guardActive()) return;
    installShims();
  },
  afterEach(this: Context) {
    if (!guardActive()) return;
    const ran = takeViolations();
    if (ran.length > 0) throw new Error(`unit tier: "${this.currentTest?.fullTitle()}" ran ${ran.join(', ')}; ${HINT}`);
  },
  afterAll() {
    if (shimDir) fs.rmSync(shimDir, { recursive: true, force: true });
  },
};
