// `npm run demo` as a newcomer runs it: the script starts the test host and code-server with Anole,
// prints a URL with a token; the browser gets in only with the token, profiles the sample service
// from the palette and sees the hot line; Ctrl-C (SIGINT) stops everything the demo started.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/demo.test.ts
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURE_DIR, markerLine } from '../host/goServices';
import { goToLine, profile, waitForLineDecoration } from './support/editor';
import { repoRoot, requireE2ePaths } from './support/paths';
import { openFile, openWorkbench, reportFailure, screenshot, waitForText, type Workbench } from './support/workbench';

const HOT_LINE = markerLine(path.join(FIXTURE_DIR, 'hotsvc/problems.go'), 'hot');

/** Whether process `pid` still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes whose command line contains `needle`. */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('e2e: npm run demo shows Anole in VS Code', function () {
  this.timeout(300_000);
  let demo: ChildProcess | undefined;
  let output = '';
  let wb: Workbench | undefined;
  let url = '';

  before(async function () {
    requireE2ePaths();
    // The demo script itself (scripts/demo.sh adds only the installs and the build that npm test did).
    demo = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['scripts/demo.ts'], {
      cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<never>((_, reject) =>
      demo!.once('exit', (code, signal) => reject(new Error(`the demo exited (${signal ?? code}) before it was ready:\n${output}`))));
    const ready = new Promise<string>((resolve) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const m = /^demo: ready (\S+)$/m.exec(output);
        if (m) resolve(m[1]);
      };
      demo!.stdout!.on('data', onData);
      demo!.stderr!.on('data', onData);
    });
    url = await Promise.race([ready, exited]);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await reportFailure(wb, undefined, `demo-${this.currentTest.title}-failed`);
      console.error(`demo output:\n${output.slice(-5000)}`);
    }
  });

  after(async function () {
    await wb?.close();
    if (demo?.pid && demo.exitCode === null) process.kill(-demo.pid, 'SIGKILL');
  });

  it('prints a loopback URL whose token is required', async function () {
    const u = new URL(url);
    assert.equal(u.hostname, '127.0.0.1');
    const token = u.searchParams.get('tkn');
    assert.ok(token && token.length >= 24, `no random token in ${url}`);
    const bare = `${u.origin}/`;
    assert.equal((await fetch(bare, { redirect: 'manual' })).status, 403, 'no token: refused');
    assert.equal((await fetch(`${bare}?tkn=${token.slice(1)}x`, { redirect: 'manual' })).status, 403, 'wrong token: refused');
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    assert.doesNotMatch(res.headers.get('location') ?? '', /tkn=/, 'the redirect drops the token from the address bar');
  });

  it('the URL opens VS Code with the sample service; Profile Remote Service shows the hot line', async function () {
    const workspace = new URL(url).searchParams.get('folder')!;
    wb = await openWorkbench({ url: new URL(url).origin, workspace }, { entryUrl: url, timeoutMs: 90_000 });
    const page = wb.page;
    await openFile(page, 'hotsvc/problems.go', 60_000); // quick open waits for the first file search
    await profile(page, 'cpu');
    await waitForText(page, /^CPU \d+(\.\d+)?% flat/, 90_000, '.editor-instance .monaco-editor .codelens-decoration');
    await goToLine(page, HOT_LINE);
    const heat = await waitForLineDecoration(page, HOT_LINE, /\d+(\.\d+)?%/);
    console.log(`      hot line ${HOT_LINE}: "${heat}"`);
    assert.ok(fs.statSync(await screenshot(page, 'demo-cpu')).size > 10_000);
  });

  it('Ctrl-C stops the test host, code-server and the proxy, and removes its files', async function () {
    await wb?.close();
    wb = undefined;
    const workspace = new URL(url).searchParams.get('folder')!;
    const demoDir = path.dirname(workspace);
    const svcPid = Number(/The sample service is pid (\d+)/.exec(output)?.[1]);
    const sshConfig = /ssh config is (\S+)/.exec(output)?.[1];
    assert.ok(svcPid > 0 && sshConfig, `the demo did not print the service pid and ssh config:\n${output}`);
    const sshdDir = path.dirname(sshConfig);
    const started = [svcPid, ...processesWith(demoDir), ...processesWith(sshdDir)].filter((p) => p !== demo!.pid);
    assert.ok(started.length >= 3, `expected the service, code-server and sshd among ${started.join(', ')}`);
    const exit = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));
    process.kill(-demo!.pid!, 'SIGINT'); // what Ctrl-C in a terminal sends: the whole foreground group
    assert.equal(await exit, 0, `the demo did not exit cleanly:\n${output.slice(-3000)}`);
    assert.ok(!fs.existsSync(demoDir), `${demoDir} is left behind`);
    assert.ok(!fs.existsSync(sshdDir), `${sshdDir} is left behind`);
    const left = started.filter(alive);
    assert.deepEqual(left, [], `processes left running: ${left.join(', ')}`);
    const origin = new URL(url).origin;
    await assert.rejects(fetch(origin, { signal: AbortSignal.timeout(5_000) }), 'the proxy still answers');
  });
});
