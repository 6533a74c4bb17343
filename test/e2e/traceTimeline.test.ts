// Anole in a real VS Code (code-server + Chromium): a recorded tracesvc trace opened from the workspace shows the trace viewer's
// Timeline tab with lanes per P, per goroutine group, GC and STW; clicking a span of a group lane reveals its source line.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/traceTimeline.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { FIXTURE_DIR } from '../host/goServices';
import { startCodeServer, readLogs, type CodeServer } from './support/codeServer';
import { repoRoot, requireE2ePaths } from './support/paths';
import { anoleVsix } from './support/vsix';
import { webviewFrame } from './support/webviewFrames';
import { openWorkbench, quickOpen, reportFailure, screenshot, waitForText, type Workbench } from './support/workbench';

/** The trace report webview frame (it has the Timeline tab). */
const reportFrame = (page: Page): Promise<Frame> => webviewFrame(page, '.timeline .tl-body', 'trace report webview');

describe('e2e: the trace viewer timeline', function () {
  this.timeout(300_000);
  let tmp: string;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async function () {
    requireE2ePaths();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-timeline-'));
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(FIXTURE_DIR, workspace, { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'traces', 'go1.26', 'tracesvc.trace'), path.join(workspace, 'trace.out'));
    server = await startCodeServer({ workspace, vsixPaths: [anoleVsix(repoRoot, tmp)], settings: {} });
    wb = await openWorkbench(server);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await reportFailure(wb, server, `timeline-${this.currentTest.title}-failed`);
    if (server) for (const name of ['Anole.log', 'Anole Language Server.log']) console.error(`--- ${name}:\n${readLogs(server, name).slice(-5000)}`);
  });

  after(async function () {
    await wb?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows lanes per P, per goroutine group, GC and STW; a group span reveals its line', async function () {
    const page = wb!.page;
    await quickOpen(page, 'trace.out', 60_000);
    const frame = await reportFrame(page);
    const t0 = Date.now();
    await frame.locator('.tabs .tab', { hasText: 'Timeline' }).click();
    const tick = frame.locator('.tl-label.tl-group', { hasText: 'main.(*tickLoop).run' });
    await tick.waitFor({ timeout: 60_000 });
    console.log(`      timeline first paint ${Date.now() - t0} ms after the tab click (small trace)`);
    const labels = await frame.locator('.tl-label').allInnerTexts();
    assert.deepEqual(labels.slice(0, 2), ['P0', 'P1'], labels.join(', '));
    for (const fn of ['main.cpuHog', 'main.(*tickLoop).run', 'main.locker']) assert.ok(labels.includes(fn), labels.join(', '));
    assert.deepEqual(labels.slice(-2), ['GC', 'STW']);
    // The tick loop's lane names the x of its widest span with a site; hover it to read the line, click it to open it.
    const x = Number(await tick.getAttribute('data-span-x'));
    assert.ok(Number.isFinite(x) && x >= 0, `data-span-x ${x}`);
    const row = labels.indexOf('main.(*tickLoop).run');
    const canvas = frame.locator('canvas.tl-canvas');
    await canvas.hover({ position: { x: Math.max(0, x), y: row * 22 + 11 } });
    const tip = frame.locator('.tl-tip');
    await tip.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await tip.innerText();
    const m = /main\.\(\*tickLoop\)\.run waits\.go:(\d+)/.exec(text);
    assert.ok(m, `tooltip: ${text}`);
    await canvas.click({ position: { x: Math.max(0, x), y: row * 22 + 11 } });
    await waitForText(page, new RegExp(`^Ln ${m[1]}, Col 1$`), 30_000, '.statusbar');
    await screenshot(page, 'trace-timeline');
  });

  it('zooms with the keyboard and asks for the narrower window', async function () {
    const page = wb!.page;
    const frame = await reportFrame(page);
    await frame.locator('.tabs .tab', { hasText: 'Timeline' }).click();
    await waitForInfo(frame, /^0 ns – [\d.]+ s \([\d.]+ s shown\)$/);
    await frame.locator('.timeline').press('+');
    await frame.locator('.timeline').press('+');
    const zoomed = await waitForInfo(frame, /\(([\d.]+) ms shown\)$/);
    assert.match(zoomed, /ms shown/);
    await frame.locator('.timeline').press('0');
    await waitForInfo(frame, /^0 ns – [\d.]+ s \([\d.]+ s shown\)$/);
  });
});

/** Waits until the window line matches (it changes on each view change); returns its text. */
async function waitForInfo(frame: Frame, re: RegExp, timeout = 15_000): Promise<string> {
  const info = frame.locator('.tl-info', { hasText: re });
  await info.waitFor({ timeout });
  return info.innerText();
}
