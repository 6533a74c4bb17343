// Anole in a real VS Code (code-server + Chromium): Trace Remote Service records a runtime trace of tracesvc over a real sshd,
// the language server decorates the fixture's marked wait lines, and the group CodeLens opens the starvation report; its
// hand-offs run on the traced process: Dump goroutines, Profile CPU (hot-line decoration), Attach debugger (then detach).
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/trace.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFixture, findToolchain, startService, traceMarkerLines, type RunningService } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { readLogs, type CodeServer } from './support/codeServer';
import { clickCodeLens, goToLine, waitForLineDecoration } from './support/editor';
import { repoRoot } from './support/paths';
import { useAnoleSession } from './support/session';
import { traceReportFrame } from './support/webviewFrames';
import { openFile, quickOpen, runCommand, screenshot, waitForText } from './support/workbench';

describe('e2e: Trace Remote Service annotates where goroutines wait', function () {
  this.timeout(300_000);
  const marks = traceMarkerLines();
  let sshd: TestSshd | undefined;
  let svc: RunningService | undefined;
  const session = useAnoleSession({
    name: 'trace',
    prepare: async ({ workspace }) => {
      fs.copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'traces', 'go1.26', 'tracesvc.trace'), path.join(workspace, 'trace.out'));
      const [s, bin] = await Promise.all([startSshd(), findToolchain('current').then((t) => buildFixture(t, 'tracesvc'))]);
      sshd = s;
      svc = await startService(bin, ['-procs', '2', '-hogs', '3']);
      assert.ok(svc.pprofUrl, 'tracesvc has no pprof URL');
      return {
        'anole.sshConfigFile': sshd.configFile,
        'anole.targets': [{ name: 'traced', host: sshd.alias, pid: svc.pid, pprofUrl: svc.pprofUrl }],
        'anole.trace.seconds': 2,
        'anole.profile.seconds': 2,
      };
    },
    cleanup: async () => {
      await svc?.stop();
      await sshd?.stop();
    },
  });

  it('traces from the palette: runnable on the starved sleep line, blocked by reason on the wait lines', async function () {
    const page = session().page;
    await openFile(page, 'tracesvc/waits.go', 60_000);
    await runCommand(page, 'Anole: Trace Remote Service');
    await goToLine(page, marks['tick-sleep'].line);
    const tick = await waitForLineDecoration(page, marks['tick-sleep'].line, /^runnable [\d.]+m?s · \d+× · max [\d.]+m?s$/, 120_000);
    await goToLine(page, marks['lock-wait'].line);
    const lock = await waitForLineDecoration(page, marks['lock-wait'].line, /^blocked on .*sync [\d.]+m?s/, 30_000);
    await goToLine(page, marks['chan-recv'].line);
    const chan = await waitForLineDecoration(page, marks['chan-recv'].line, /^blocked on chan [\d.]+m?s/, 30_000);
    console.log(`      tick-sleep: "${tick}"; lock-wait: "${lock}"; chan-recv: "${chan}"`);
    await screenshot(page, 'trace-decorations');
  });

  it('lists the trace under Captures', async function () {
    const page = session().page;
    await runCommand(page, 'View: Show Anole');
    await waitForText(page, /^trace · anole-test/, 30_000, '.part.sidebar');
  });

  it('the group CodeLens opens the starvation report; a wait row reveals its line', async function () {
    const page = session().page;
    await openFile(page, 'tracesvc/waits.go', 60_000);
    const hogFunc = fs.readFileSync(marks.hog.file, 'utf8').split('\n').findIndex((l) => /^func cpuHog\(/.test(l)) + 1;
    assert.ok(hogFunc > 0, 'func cpuHog not found');
    await goToLine(page, hogFunc); // the lens sits above it: scroll it into view
    const lens = page.locator('.editor-instance .codelens-decoration a', { hasText: /^3 goroutines · running / }).first();
    const frame = await clickCodeLens(lens, (ms) => traceReportFrame(page, ms));
    await frame.locator('tr.selected', { hasText: 'main.cpuHog' }).waitFor({ timeout: 60_000 });
    const row = frame.locator('tbody tr', { hasText: `waits.go:${marks['tick-sleep'].line}` }).filter({ hasText: /^runnable/ }).first();
    await row.click();
    await waitForText(page, new RegExp(`^Ln ${marks['tick-sleep'].line}, Col 1$`), 30_000, '.statusbar');
    await screenshot(page, 'trace-report');
  });

  it('hands the traced process over: the report names it, Dump goroutines runs on the capture\'s pid', async function () {
    const page = session().page;
    const target = `${escape(sshd!.alias)} pid ${svc!.pid}`;
    const frame = await traceReportFrame(page);
    const bar = frame.locator('.handoff');
    await bar.waitFor({ timeout: 30_000 });
    assert.match(await bar.innerText(), new RegExp(`${sshd!.alias} · pid ${svc!.pid}`));
    // Dump goroutines: the existing command on the capture's process (its pprof endpoint: no pause).
    await frame.locator('button.handoff-dumpGoroutines').click();
    await waitForLog(session().server, new RegExp(`trace t\\d+: dumpGoroutines on ${target} \\(http`));
    const source = page.locator('.quick-input-widget .quick-input-list-row', { hasText: 'pprof endpoint' }).first();
    await source.waitFor({ timeout: 30_000 });
    await source.click();
    await waitForLog(session().server, new RegExp(`goroutine dump of ${escape(sshd!.alias)} · pid ${svc!.pid} \\(`), 60_000);
    // The dump opens in an editor after that line: wait for its tab, or its opening could close the next test's palette.
    await page.locator('.tabs-container .tab', { hasText: '(grouped).goroutines' }).first().waitFor({ timeout: 30_000 });
  });

  it('hands the traced process to Profile CPU from a runnable-wait line: its CPU profile marks the hogs\' hot line', async function () {
    const page = session().page;
    const alias = escape(sshd!.alias);
    await runCommand(page, 'View: Close All Editor Groups');
    await openFile(page, 'tracesvc/waits.go', 60_000);
    await goToLine(page, marks['tick-sleep'].line);
    // The lens sits over the runnable-wait line (another, on a line scrolled away, may be in the DOM but hidden).
    const lens = page.locator('.editor-instance .codelens-decoration a:visible', { hasText: /^Profile CPU$/ }).first();
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    // The hand-off names the capture's process and endpoint; the CPU profile is taken from that same endpoint.
    const handoff = await waitForLog(session().server, new RegExp(`trace t\\d+: profileCpu on ${alias} pid ${svc!.pid} \\((http\\S+)\\)`));
    await waitForLog(session().server, new RegExp(`capturing cpu from ${alias} ${escape(handoff[1])} for 2 s`), 30_000);
    await goToLine(page, marks.hog.line);
    const hot = await waitForLineDecoration(page, marks.hog.line, /\d+(\.\d+)?%/, 120_000);
    console.log(`      hog line after Profile CPU: "${hot}"`);
    await screenshot(page, 'trace-handoff-profile');
  });

  it('hands the traced process to Attach debugger: a session on its pid lists its goroutines, then detaches and leaves it running', async function () {
    const page = session().page;
    const pid = svc!.pid;
    const tracer = () => Number(/^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? -1);
    assert.equal(tracer(), 0, 'nothing traces the service before the attach');
    await runCommand(page, 'View: Close All Editor Groups');
    await runCommand(page, 'Anole: Show Goroutine Starvation Report');
    const frame = await traceReportFrame(page, 60_000);
    await frame.locator('button.handoff-attachDebugger').click();
    await waitForLog(session().server, new RegExp(`trace t\\d+: attachDebugger on ${escape(sshd!.alias)} pid ${pid}`));
    await waitForLog(session().server, new RegExp(`debug: attaching to ${escape(sshd!.alias)} pid ${pid} `), 30_000);
    // Attached and running: the Goroutine Groups view groups the process's goroutines.
    await runCommand(page, 'View: Show Run and Debug');
    const header = page.locator('.pane-header').filter({ hasText: 'Goroutine Groups' }).first();
    await header.waitFor({ timeout: 60_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await waitForText(page, /^\d+ × \S/, 120_000);
    assert.ok(tracer() > 0, 'no debugger traces the service while the session shows its goroutines');
    // The session's threads are those goroutines, user code first, named by their user function; Pause stops them all.
    await waitForText(page, /^#\d+ main\.\S+ · /, 60_000, '.debug-call-stack');
    await page.locator('.debug-toolbar [aria-label^="Pause"]').first().click();
    await page.locator('.debug-toolbar [aria-label^="Continue"]').first().waitFor({ timeout: 60_000 });
    // Paused, the Call Stack expands the thread VS Code focuses (often #1, whose function is in a
    // fixture package, not main), which can push the other threads out of the pane: any goroutine thread.
    await waitForText(page, /^#\d+ \S+ · /, 60_000, '.debug-call-stack');
    await screenshot(page, 'trace-handoff-attached');
    await runCommand(page, 'Debug: Disconnect');
    await until(() => tracer() === 0, 30_000, 'the debugger did not detach');
    // Detached, not killed: the process is the same and still serves.
    assert.equal(fs.existsSync(`/proc/${pid}`), true, 'the traced process is gone after the detach');
    assert.equal((await fetch(`${svc!.pprofUrl}cmdline`)).status, 200, 'the service answers after the detach');
  });

  it('opens trace.out from the workspace in the starvation report editor', async function () {
    const page = session().page;
    await runCommand(page, 'View: Close All Editor Groups');
    await quickOpen(page, 'trace.out', 60_000);
    const frame = await traceReportFrame(page, 60_000, /^trace\.out/);
    // The file is read progressively: the page opens on the Timeline, the Starvation tab fills when the read ends.
    await frame.locator('.tabs .tab', { hasText: 'Starvation' }).click();
    await frame.locator('tbody tr', { hasText: 'main.cpuHog' }).first().waitFor({ timeout: 60_000 });
    const header = await frame.locator('.summary').innerText();
    assert.match(header, /trace\.out — go1\.26, [\d.]+ s, GOMAXPROCS 2/);
    await screenshot(page, 'trace-editor');
  });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Polls Anole's log until a line matches (the hand-offs log what they run on); returns the match. */
async function waitForLog(server: CodeServer, re: RegExp, timeout = 15_000): Promise<RegExpExecArray> {
  let m: RegExpExecArray | null = null;
  await until(() => (m = re.exec(readLogs(server, 'Anole.log'))) !== null, timeout, `no log line matching ${re}`);
  return m!;
}

/** Polls `ok` every 200 ms until it holds or `timeout` ms pass. */
async function until(ok: () => boolean, timeout: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 200)); // polling a file; bounded by the deadline
  }
}
