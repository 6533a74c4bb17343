// The bundled language server (dist/server.js) spawned over stdio with a real JSON-RPC LSP client, for integration tests.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  ShutdownRequest,
  type ProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { type DidChangeAnnotationsParams, Methods } from '../../src/core/annotations/protocol';
import { FIXTURE_DIR, REPO_ROOT } from '../host/goServices';

/** The bundled server. */
export const SERVER = path.join(REPO_ROOT, 'dist', 'server.js');
/** Recorded profiles of the hotsvc fixture. */
export const PROFILES = path.join(REPO_ROOT, 'test', 'fixtures', 'profiles', 'hotsvc');
/** The fixture file the hotsvc profiles map to, and its URI. */
export const PROBLEMS = path.join(FIXTURE_DIR, 'hotsvc', 'problems.go');
export const PROBLEMS_URI = pathToFileURL(PROBLEMS).href;

/** Rebuilds dist/ when the server bundle is missing or older than its sources. */
export function ensureBundle(): void {
  const newest = (dir: string): number =>
    (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).reduce(
      (m, f) => Math.max(m, fs.statSync(path.join(dir, f)).mtimeMs),
      0,
    );
  const src = Math.max(newest(path.join(REPO_ROOT, 'src', 'server')), newest(path.join(REPO_ROOT, 'src', 'core')));
  if (!fs.existsSync(SERVER) || fs.statSync(SERVER).mtimeMs < src) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}

/** The 1-based line of `func <name>(` in the fixture file. */
export function funcLine(name: string): number {
  const i = fs.readFileSync(PROBLEMS, 'utf8').split('\n').findIndex((l) => new RegExp(`^func ${name}\\(`).test(l));
  assert.ok(i >= 0, `func ${name} not found`);
  return i + 1;
}

/** A server child process and its protocol connection. */
export interface Server {
  child: ChildProcess;
  conn: ProtocolConnection;
  log: string[];
  changes: DidChangeAnnotationsParams[];
  refreshes: number;
  /** Resolves with the next didChangeAnnotations notification. */
  nextChange(): Promise<DidChangeAnnotationsParams>;
  exited: Promise<number | null>;
}

/** Spawns dist/server.js over stdio and records its log, notifications and CodeLens refreshes. */
export function startServer(): Server {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const log: string[] = [];
  const changes: DidChangeAnnotationsParams[] = [];
  const waiters: Array<(p: DidChangeAnnotationsParams) => void> = [];
  const s: Server = {
    child,
    conn,
    log,
    changes,
    refreshes: 0,
    nextChange: () => new Promise((resolve) => waiters.push(resolve)),
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stderr!.on('data', (d: Buffer) => log.push(`stderr: ${d.toString()}`));
  conn.onNotification(LogMessageNotification.method, (m: { message: string }) => {
    log.push(m.message);
  });
  conn.onNotification(Methods.didChangeAnnotations, (p: DidChangeAnnotationsParams) => {
    changes.push(p);
    waiters.shift()?.(p);
  });
  conn.onRequest('workspace/codeLens/refresh', () => {
    s.refreshes++;
    return null;
  });
  conn.listen();
  return s;
}

/** Spawns dist/server.js and initializes it on the fixture workspace with the tests' thresholds (minPercent 1, lensMinPercent 2). */
export async function startFixtureServer(): Promise<Server> {
  const srv = startServer();
  await srv.conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: [{ uri: pathToFileURL(FIXTURE_DIR).href, name: 'fixtures' }],
    capabilities: {},
    initializationOptions: { minPercent: 1, lensMinPercent: 2 },
  });
  await srv.conn.sendNotification(InitializedNotification.type, {});
  return srv;
}

/** For afterEach: prints the server's log when the test failed, then shuts it down (if it still runs), expecting exit code 0. */
export async function stopServer(srv: Server, failed: boolean): Promise<void> {
  if (failed) console.error(`server log:\n${srv.log.join('\n')}`);
  if (srv.child.exitCode === null) {
    await srv.conn.sendRequest(ShutdownRequest.type);
    await srv.conn.sendNotification(ExitNotification.type);
    assert.equal(await srv.exited, 0);
  }
  srv.conn.dispose();
}
