// Builds the Go fixture services with both toolchains (cached by source hash) and runs them for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The Go module holding every fixture command. */
export const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'go');
/** Where built binaries are cached (see {@link buildFixture}). */
export const BIN_DIR = path.join(REPO_ROOT, '.anole-test', 'bin');

/**
 * The fixture commands: `hotsvc` serves pprof and has known problems; `tracesvc` serves pprof and
 * waits in known ways (for runtime traces); `nopprof` serves plain HTTP; `minimal` only prints a
 * line (cheap to cross-compile for other architectures).
 */
export type FixtureName = 'hotsvc' | 'tracesvc' | 'nopprof' | 'minimal';
export const FIXTURE_NAMES: readonly FixtureName[] = ['hotsvc', 'tracesvc', 'nopprof', 'minimal'];

/** Build variants beyond the default (full DWARF, host architecture). */
export interface VariantOptions {
  /** `-ldflags=-s -w`: no symbol table, no DWARF. */
  stripped?: boolean;
  /** `-trimpath`. */
  trimpath?: boolean;
  /** Cross-compile for this GOARCH (GOOS=linux). */
  goarch?: string;
}

/**
 * `current` is `go` on PATH; `go1.19` is Debian's old toolchain; the others are released
 * toolchains the `go` command downloads once from the module proxy (GOTOOLCHAIN=<version>) into
 * the module cache.
 */
export type ToolchainId = 'current' | 'go1.19' | 'go1.21' | 'go1.22' | 'go1.23' | 'go1.25';
/** Every toolchain the tests know. */
export const TOOLCHAIN_IDS: readonly ToolchainId[] = ['current', 'go1.19', 'go1.21', 'go1.22', 'go1.23', 'go1.25'];
/** The `go` binary of each toolchain, and the GOTOOLCHAIN it runs with ('local': itself). */
const TOOLCHAINS: Record<ToolchainId, { bin: string; gotoolchain: string }> = {
  current: { bin: 'go', gotoolchain: 'local' },
  'go1.19': { bin: '/usr/lib/go-1.19/bin/go', gotoolchain: 'local' },
  'go1.21': { bin: 'go', gotoolchain: 'go1.21.13' },
  'go1.22': { bin: 'go', gotoolchain: 'go1.22.12' },
  'go1.23': { bin: 'go', gotoolchain: 'go1.23.12' },
  'go1.25': { bin: 'go', gotoolchain: 'go1.25.14' },
};

/** A Go toolchain found on this machine. */
export interface Toolchain {
  id: ToolchainId;
  goBin: string;
  /** The GOTOOLCHAIN value `goBin` runs with. */
  gotoolchain: string;
  /** Full version as `go env GOVERSION` prints it, e.g. "go1.26.8". */
  version: string;
  /** Major.minor, e.g. "go1.26": the cache directory name. */
  tag: string;
}

export interface BuildOptions {
  /** Toolchains to build with (default both). */
  goVersions?: readonly ToolchainId[];
  /** Fixtures to build (default all). */
  names?: readonly FixtureName[];
  /** Also build `-ldflags=-s -w` variants. */
  stripped?: boolean;
  /** Cross-compile for this GOARCH (linux only); default the host's. */
  goarch?: string;
}

/** The binaries one toolchain built. */
export interface FixtureBuild {
  toolchain: Toolchain;
  goarch?: string;
  binaries: Partial<Record<FixtureName, string>>;
  /** Present when `stripped` was asked for. */
  stripped: Partial<Record<FixtureName, string>>;
}

/** The path of a fixture `build` produced; throws if it was not built. */
export function binaryOf(build: FixtureBuild, name: FixtureName, opts: { stripped?: boolean } = {}): string {
  const p = (opts.stripped ? build.stripped : build.binaries)[name];
  if (!p) throw new Error(`fixture ${name}${opts.stripped ? ' (stripped)' : ''} was not built with ${build.toolchain.version}`);
  return p;
}

const SETUP_HINT = 'run `bash scripts/setup.sh` to install the Go toolchains the tests need';
const toolchains = new Map<ToolchainId, Promise<Toolchain>>();
const builds = new Map<string, Promise<string>>();

/** Finds a toolchain and its version; throws (never skips) when it is missing. */
export function findToolchain(id: ToolchainId): Promise<Toolchain> {
  let p = toolchains.get(id);
  if (!p) {
    const { bin: goBin, gotoolchain } = TOOLCHAINS[id];
    p = run(goBin, ['env', 'GOVERSION'], FIXTURE_DIR, goEnv({ GOTOOLCHAIN: gotoolchain })).then(
      ({ stdout }) => {
        const version = stdout.trim();
        const m = /^go(\d+)\.(\d+)/.exec(version);
        if (!m) throw new Error(`${goBin} env GOVERSION printed ${JSON.stringify(version)}; ${SETUP_HINT}`);
        return { id, goBin, gotoolchain, version, tag: `go${m[1]}.${m[2]}` };
      },
      (e: Error) => {
        throw new Error(`Go toolchain ${goBin} (${id}, GOTOOLCHAIN=${gotoolchain}) is not usable: ${e.message}; ${SETUP_HINT}`);
      },
    );
    toolchains.set(id, p);
  }
  return p;
}

/** Builds the fixtures with each toolchain (rebuilding only when sources or flags changed). */
export async function buildFixtures(opts: BuildOptions = {}): Promise<FixtureBuild[]> {
  const ids = opts.goVersions ?? (['current', 'go1.19'] as const);
  const names = opts.names ?? FIXTURE_NAMES;
  return Promise.all(
    ids.map(async (id) => {
      const toolchain = await findToolchain(id);
      const out: FixtureBuild = { toolchain, goarch: opts.goarch, binaries: {}, stripped: {} };
      for (const name of names) {
        out.binaries[name] = await buildFixture(toolchain, name, { goarch: opts.goarch });
        if (opts.stripped) out.stripped[name] = await buildFixture(toolchain, name, { goarch: opts.goarch, stripped: true });
      }
      return out;
    }),
  );
}

/**
 * Builds one fixture into the cache (`<BIN_DIR>/<tag>[/linux_<goarch>]/<name>[-stripped][-trimpath]`)
 * and returns its path. Built with CGO_ENABLED=0 (static, runs on any Linux host) and full
 * DWARF unless `stripped`.
 */
export function buildFixture(toolchain: Toolchain, name: FixtureName, opts: VariantOptions = {}): Promise<string> {
  const dir = path.join(BIN_DIR, toolchain.tag, ...(opts.goarch ? [`linux_${opts.goarch}`] : []));
  const out = path.join(dir, name + (opts.stripped ? '-stripped' : '') + (opts.trimpath ? '-trimpath' : ''));
  let p = builds.get(out);
  if (!p) {
    p = (async () => {
      const args = ['build', ...(opts.stripped ? ['-ldflags=-s -w'] : []), ...(opts.trimpath ? ['-trimpath'] : []), '-o'];
      const stamp = hashSources([toolchain.version, opts.goarch ?? '', ...args].join('\0'));
      const stampFile = `${out}.stamp`;
      if (fs.existsSync(out) && readOr(stampFile) === stamp) return out;
      fs.mkdirSync(dir, { recursive: true });
      const tmp = `${out}.tmp-${process.pid}`;
      const env = goEnv({ GOTOOLCHAIN: toolchain.gotoolchain, ...(opts.goarch ? { GOOS: 'linux', GOARCH: opts.goarch } : {}) });
      try {
        await run(toolchain.goBin, [...args, tmp, `./${name}`], FIXTURE_DIR, env);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw new Error(`building fixture ${name} with ${toolchain.version} failed: ${(e as Error).message}`);
      }
      fs.renameSync(tmp, out);
      fs.writeFileSync(stampFile, stamp);
      return out;
    })();
    builds.set(out, p);
    p.catch(() => builds.delete(out));
  }
  return p;
}

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: '', CGO_ENABLED: '0', ...extra };
}

/** Hash of every file below FIXTURE_DIR (names and contents) plus `salt`. */
function hashSources(salt: string): string {
  const h = createHash('sha256').update(salt);
  const files = (fs.readdirSync(FIXTURE_DIR, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => fs.statSync(path.join(FIXTURE_DIR, f)).isFile())
    .sort();
  for (const f of files) h.update(`\0${f}\0`).update(fs.readFileSync(path.join(FIXTURE_DIR, f)));
  return h.digest('hex');
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Runs a command to completion; rejects with its stderr on failure. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/** A fixture service started by {@link startService}. */
export interface RunningService {
  pid: number;
  /** "host:port" it listens on (IPv6 as "[::1]:port"). */
  addr: string;
  /** The pprof index URL, or null for a service without pprof. */
  pprofUrl: string | null;
  binary: string;
  /** The full argv the process got, argv[0] included. */
  argv: string[];
  /** runtime.Version() of the service, e.g. "go1.19.8". */
  goVersion: string;
  /** Every "ANOLE_FIXTURE_<KEY> value" line it printed, by KEY (LISTEN, PPROF, EXTRA, INFO). */
  info: Record<string, string>;
  /** What it wrote on stderr so far (last 64 KiB). */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Give up waiting for the LISTEN line after this long (default 15 s). */
  timeoutMs?: number;
  /** Pass -watch-parent so the service exits if the test process dies (default true). */
  watchParent?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every service still running when the test process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Starts a fixture binary and resolves once it printed its LISTEN line. Rejects (with the
 * service's stderr) if it exits first or is not ready within the deadline.
 */
export function startService(binary: string, args: readonly string[] = [], opts: StartOptions = {}): Promise<RunningService> {
  installExitHook();
  const fullArgs = [...(opts.watchParent === false ? [] : ['-watch-parent']), ...args];
  const child = spawn(binary, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  live.add(child);
  const info: Record<string, string> = {};
  let stderr = '';
  let stdoutBuf = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-65536);
  });

  return new Promise<RunningService>((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 15000;
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      // Let stderr drain before reporting it.
      void exited.then(() => reject(new Error(`${path.basename(binary)} ${why}; stderr:\n${stderr.trim() || '(empty)'}`)));
    };
    const timer = setTimeout(() => fail(`printed no ANOLE_FIXTURE_LISTEN line within ${timeoutMs} ms`), timeoutMs);
    child.on('error', (e) => fail(`could not be started: ${e.message}`));
    child.on('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
    child.stdout!.on('data', (d: Buffer) => {
      stdoutBuf += d.toString();
      let nl: number;
      while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
        const line = stdoutBuf.slice(0, nl);
        stdoutBuf = stdoutBuf.slice(nl + 1);
        const m = /^ANOLE_FIXTURE_([A-Z]+) (.*)$/.exec(line);
        if (!m) continue;
        info[m[1]] = m[2];
        if (m[1] === 'LISTEN') ready();
      }
    });

    const ready = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      let stopping: Promise<void> | undefined;
      resolve({
        pid: child.pid!,
        addr: info.LISTEN,
        pprofUrl: info.PPROF ?? null,
        binary,
        argv: [binary, ...fullArgs],
        goVersion: /go=(\S+)/.exec(info.INFO ?? '')?.[1] ?? '',
        info,
        stderr: () => stderr,
        exited,
        stop: () => (stopping ??= stopChild(child, exited)),
      });
    };
  });
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The marked problem lines of hotsvc, by marker name. */
export const MARKERS = {
  hot: 'hotsvc/problems.go',
  unlock: 'hotsvc/problems.go',
  slowwork: 'hotsvc/problems.go',
  leak: 'hotsvc/problems.go',
  chansend: 'hotsvc/problems.go',
  idle: 'hotsvc/problems.go',
  heartbeat: 'hotsvc/problems.go',
} as const;
export type MarkerName = keyof typeof MARKERS;

/**
 * The 1-based line of `// MARK:<marker>` in a fixture source (`file` relative to FIXTURE_DIR or
 * absolute). Throws unless the marker occurs exactly once.
 */
export function markerLine(file: string, marker: string): number {
  const abs = path.isAbsolute(file) ? file : path.join(FIXTURE_DIR, file);
  const re = new RegExp(`//\\s*MARK:${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
  const hits = fs
    .readFileSync(abs, 'utf8')
    .split('\n')
    .flatMap((l, i) => (re.test(l) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`MARK:${marker} occurs ${hits.length} times in ${abs} (expected once)`);
  return hits[0];
}

/** Every marker of {@link MARKERS} with its absolute file and line. */
export function markerLines(): Record<MarkerName, { file: string; line: number }> {
  const out = {} as Record<MarkerName, { file: string; line: number }>;
  for (const [name, file] of Object.entries(MARKERS) as Array<[MarkerName, string]>) {
    out[name] = { file: path.join(FIXTURE_DIR, file), line: markerLine(file, name) };
  }
  return out;
}

/** The marked lines of tracesvc (all in tracesvc/waits.go): waits, and the `go` statements (go-*). */
export const TRACE_MARKERS = [
  'hog', 'hog-sleep', 'tick-sleep', 'lock-wait', 'chan-recv', 'select-wait', 'net-read', 'syscall-read', 'alloc', 'task',
  'go-hog', 'go-tick', 'go-locker', 'go-producer', 'go-consumer', 'go-select', 'go-netread', 'go-syscall', 'go-alloc', 'go-task',
] as const;
export type TraceMarkerName = (typeof TRACE_MARKERS)[number];
/** The tracesvc source holding every {@link TRACE_MARKERS} line. */
export const TRACE_MARKER_FILE = 'tracesvc/waits.go';

/** Every marker of {@link TRACE_MARKERS} with its absolute file and line. */
export function traceMarkerLines(): Record<TraceMarkerName, { file: string; line: number }> {
  const out = {} as Record<TraceMarkerName, { file: string; line: number }>;
  for (const name of TRACE_MARKERS) out[name] = { file: path.join(FIXTURE_DIR, TRACE_MARKER_FILE), line: markerLine(TRACE_MARKER_FILE, name) };
  return out;
}
