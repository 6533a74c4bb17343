// One code-server with Anole installed from its .vsix, over a copy of the Go test fixtures, and a
// Chromium page on it, shared by the tests of one describe block: the set-up, the report of a failed
// test and the clean-up that each e2e suite used to write out for itself.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { FIXTURE_DIR } from '../../host/goServices';
import { readLogs, startCodeServer, type CodeServer } from './codeServer';
import { artifactDir, repoRoot, requireE2ePaths } from './paths';
import { anoleVsix } from './vsix';
import { openWorkbench, reportFailure, type Workbench } from './workbench';

export interface AnoleSession {
  /** The suite's temp folder (removed after the suite). */
  readonly tmp: string;
  /** The workspace code-server opened: `tmp/workspace`, a copy of test/fixtures/go. */
  readonly workspace: string;
  readonly server: CodeServer;
  readonly wb: Workbench;
  readonly page: Page;
}

export interface AnoleSessionOptions {
  /** Names the temp folder (`anole-e2e-NAME-…`), the failure screenshots and the saved log. */
  name: string;
  /**
   * Runs with the workspace in place, before code-server starts: adds files, starts hosts and
   * services. Returns code-server's user settings.
   */
  prepare?: (dirs: { tmp: string; workspace: string }) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** The .vsix to install, made while `prepare` runs (default: anoleVsix). */
  vsix?: (tmp: string) => string;
  /** Awaited while code-server starts, before the page opens (e.g. a backend's first scrapes). */
  alongside?: () => Promise<unknown>;
  /**
   * Runs after the page and code-server have stopped, also when the set-up failed half way: stops
   * what `prepare` started.
   */
  cleanup?: () => Promise<unknown>;
}

/**
 * Registers the describe block's before / afterEach / after hooks (so call it before the block's
 * own hooks) and returns the session's getter for the tests.
 */
export function useAnoleSession(opts: AnoleSessionOptions): () => AnoleSession {
  let session: AnoleSession | undefined;
  let tmp: string | undefined;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async function () {
    requireE2ePaths();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `anole-e2e-${opts.name}-`));
    tmp = dir;
    const workspace = path.join(dir, 'workspace');
    fs.cpSync(FIXTURE_DIR, workspace, { recursive: true });
    // prepare runs up to its first await (its hosts start), then the .vsix is packaged; both settle
    // before anything throws, so `cleanup` sees all that was started.
    const prepared = Promise.resolve(opts.prepare?.({ tmp: dir, workspace }));
    const packaged = Promise.resolve().then(() => (opts.vsix ?? ((t: string) => anoleVsix(repoRoot, t)))(dir));
    const [settings, vsix] = await settleAll(prepared, packaged);
    const started = startCodeServer({ workspace, vsixPaths: [vsix], settings: settings ?? {} }).then((cs) => (server = cs));
    const [s] = await settleAll(started, Promise.resolve().then(() => opts.alongside?.()));
    wb = await openWorkbench(s);
    session = { tmp: dir, workspace, server: s, wb, page: wb.page };
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await reportFailure(wb, server, `${opts.name}-${this.currentTest.title}-failed`);
    if (!server) return;
    for (const name of ['Anole.log', 'Anole Language Server.log', 'remoteexthost.log']) {
      const log = readLogs(server, name);
      if (log) console.error(`--- ${name}:\n${log.slice(-5000)}`);
    }
  });

  after(async function () {
    if (server) {
      const log = readLogs(server, 'Anole.log');
      if (log) {
        fs.mkdirSync(artifactDir, { recursive: true });
        fs.writeFileSync(path.join(artifactDir, `${opts.name}-Anole.log`), log);
      }
    }
    await wb?.close();
    await server?.stop();
    await opts.cleanup?.();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  return () => {
    if (!session) throw new Error(`the ${opts.name} e2e session did not start (see its before hook)`);
    return session;
  };
}

/** Both values, once both promises have settled; the first rejection, if any, after both settled. */
async function settleAll<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}
