// Starts a throwaway code-server (real VS Code server + web workbench) for e2e tests, and stops it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireE2ePaths, type E2ePaths } from './paths';

/** What to start code-server with. */
export interface CodeServerOptions {
  /** Folder the workbench opens (absolute path). */
  workspace: string;
  /** .vsix files installed first with `code-server --install-extension FILE`. */
  vsixPaths?: string[];
  /**
   * Unpacked extension folders (with a package.json) copied into the extensions dir as
   * `publisher.name-version`; VS Code picks them up at start. (extensionDevelopmentPath is no
   * option: code-server's built web client ignores it unless the smoke-test driver is on.)
   */
  extensionFolders?: string[];
  /** Extensions dir to use; default: a fresh temporary one. */
  extensionsDir?: string;
  /** User settings, merged over quiet defaults (no welcome page, telemetry, update checks). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for /healthz; default 60 s. */
  readyTimeoutMs?: number;
  /**
   * Listen on this Unix socket (created 0600) instead of 127.0.0.1:random, so only a process of
   * this user can reach the workbench (the demo puts a token-checking proxy in front of it).
   */
  socket?: string;
}

/** A running code-server. */
export interface CodeServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash); with `socket`, http://localhost. */
  url: string;
  /** The TCP port; 0 with `socket`. */
  port: number;
  /** The Unix socket it listens on, when started with `socket`. */
  socket?: string;
  /** Process id of code-server itself; the extension host and the rest are its descendants. */
  pid: number;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** VS Code's own log folder (extension host, server); worth attaching when a test fails. */
  logsDir: string;
  /** Kills code-server and all its children, then deletes the temporary dirs. Idempotent. */
  stop(): Promise<void>;
  /** code-server's stdout and stderr so far. */
  logs(): string;
}

/** Settings that keep a fresh profile from popping up pages, prompts or network checks. */
const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'editor.codeLens': true,
};

const MAX_LOG_CHARS = 1_000_000;
/** Running servers and their temporary dirs, for the exit hook. */
const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;

/**
 * Kills every still-running code-server process group and deletes its temporary dirs when the
 * test process exits without stop() (a crash, Ctrl+C: mocha exits through process.exit).
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, tmp] of live) {
      killGroup(child, 'SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/** Signals code-server's whole process group, even after the leader itself has exited. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the whole group: server, extension host, pty host, watcher
  } catch {
    /* already gone */
  }
}

/** The environment for code-server: ours, minus what would leak an outer VS Code or tsx into it. */
function childEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'NODE_OPTIONS') delete env[key];
  }
  return { ...env, ...extra };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${out}`));
      else resolve(out);
    });
  });
}

/** Copies an unpacked extension into `extensionsDir` under the folder name VS Code gives it. */
function copyExtensionFolder(src: string, extensionsDir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8')) as {
    publisher: string; name: string; version: string;
  };
  const dest = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.cpSync(src, dest, { recursive: true });
}

/**
 * Starts code-server on 127.0.0.1 with a port the OS picks (`--bind-addr 127.0.0.1:0`; the port
 * is read from its "HTTP server listening on" line, so there is no probe-then-bind race), with
 * auth off, no telemetry, update check or workspace trust, in a fresh user data dir. Resolves once
 * GET /healthz answers 200; rejects with code-server's output if it exits or the deadline passes.
 */
export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const paths: E2ePaths = requireE2ePaths();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-cs-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(tmp, 'extensions');
  const configFile = path.join(tmp, 'config.yaml');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Our own config file, so code-server never writes ~/.config/code-server/config.yaml.
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2));
  const env = childEnv(opts.env);
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const cleanupTmp = (): void => fs.rmSync(tmp, { recursive: true, force: true });
  try {
    for (const vsix of opts.vsixPaths ?? []) {
      await run(paths.node, [paths.codeServer, ...common, '--force', '--install-extension', vsix], env, 120_000);
    }
    for (const folder of opts.extensionFolders ?? []) copyExtensionFolder(folder, extensionsDir);
  } catch (err) {
    cleanupTmp();
    throw err;
  }

  const args = [
    paths.codeServer, ...common,
    ...(opts.socket ? ['--socket', opts.socket, '--socket-mode', '600'] : ['--bind-addr', '127.0.0.1:0']),
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  args.push(opts.workspace);

  installExitHook();
  // detached: its own process group, so stop() reaches the extension host and other children.
  const child = spawn(paths.node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.set(child, tmp);
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    killGroup(child, 'SIGTERM');
    const killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(killTimer);
    killGroup(child, 'SIGKILL'); // children that outlived the server's own exit
    live.delete(child);
    cleanupTmp();
  };

  try {
    const listening = await waitForListening(child, () => output, opts.readyTimeoutMs ?? 60_000);
    const url = opts.socket ? 'http://localhost' : listening;
    await waitForHealthz(url, child, () => output, opts.readyTimeoutMs ?? 60_000, opts.socket);
    return {
      url,
      port: opts.socket ? 0 : Number(new URL(url).port),
      socket: opts.socket,
      pid: child.pid!,
      workspace: opts.workspace,
      userDataDir,
      extensionsDir,
      logsDir: path.join(userDataDir, 'logs'),
      stop,
      logs: () => output,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves with the base URL (or socket path) once code-server prints where it listens. */
function waitForListening(child: ChildProcess, logs: () => string, timeoutMs: number): Promise<string> {
  const re = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+|\/\S+)/;
  return new Promise((resolve, reject) => {
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
      fn();
    };
    const check = (): void => {
      const m = re.exec(logs());
      if (m) done(() => resolve(m[1]));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      done(() => reject(new Error(`code-server exited (${signal ?? code}) before listening:\n${logs()}`)));
    const timer = setTimeout(() => done(() =>
      reject(new Error(`code-server did not listen within ${timeoutMs} ms:\n${logs()}`))), timeoutMs);
    child.stdout!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** Polls GET /healthz until it answers 200, failing fast if the server exits. */
async function waitForHealthz(url: string, child: ChildProcess, logs: () => string, timeoutMs: number, socket?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.signalCode ?? child.exitCode}) before /healthz answered:\n${logs()}`);
    }
    try {
      const status = socket ? await socketStatus(socket, '/healthz') : (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })).status;
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100)); // poll interval, bounded by the deadline
  }
  throw new Error(`code-server /healthz not ready within ${timeoutMs} ms (last: ${last}):\n${logs()}`);
}

/** The status code of GET `urlPath` over a Unix socket. */
function socketStatus(socket: string, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path: urlPath, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/**
 * The text of every log file named `name` under code-server's logs dir (e.g. 'Anole.log', the
 * file behind a LogOutputChannel), concatenated; '' while there is none.
 */
export function readLogs(server: Pick<CodeServer, 'logsDir'>, name: string): string {
  if (!fs.existsSync(server.logsDir)) return '';
  return (fs.readdirSync(server.logsDir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => path.basename(f) === name)
    .map((f) => fs.readFileSync(path.join(server.logsDir, f), 'utf8'))
    .join('\n');
}
