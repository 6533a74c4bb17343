// Anole in a real VS Code (code-server + Chromium): a recorded tracesvc trace opened from the workspace shows the trace viewer's
// Timeline tab with lanes per P, per goroutine group, GC and STW; clicking a span of a group lane reveals its source line;
// a group lane expands to one lane per goroutine (click, →/←, Space) and a goroutine's span reveals its line.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/traceTimeline.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { repoRoot } from './support/paths';
import { useAnoleSession } from './support/session';
import { webviewFrame } from './support/webviewFrames';
import { quickOpen, screenshot, waitForText } from './support/workbench';

/** The trace report webview frame (it has the Timeline tab). */
const reportFrame = (page: Page): Promise<Frame> => webviewFrame(page, '.timeline .tl-body', 'trace report webview');

describe('e2e: the trace viewer timeline', function () {
  this.timeout(300_000);
  const session = useAnoleSession({
    name: 'timeline',
    prepare: ({ workspace }) => {
      fs.copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'traces', 'go1.26', 'tracesvc.trace'), path.join(workspace, 'trace.out'));
    },
  });

  it('shows lanes per P, per goroutine group, GC and STW; a group span reveals its line', async function () {
    const page = session().page;
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

  it('expands a goroutine group to one lane per goroutine by click and keyboard; a goroutine\'s span reveals its line', async function () {
    const page = session().page;
    const frame = await reportFrame(page);
    await frame.locator('.tabs .tab', { hasText: 'Timeline' }).click();
    const lanesNow = () => frame.locator('.tl-labels .tl-label').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { lane?: string } }).dataset.lane ?? ''));
    // Click: the three CPU hogs each get a lane under their group, named by goroutine id.
    const hog = frame.locator('.tl-label.tl-group', { hasText: 'main.cpuHog' });
    await hog.click();
    await frame.locator('.tl-label.tl-group[aria-expanded="true"]', { hasText: 'main.cpuHog' }).waitFor({ timeout: 30_000 });
    const hogId = (await hog.getAttribute('data-lane'))!;
    const hogLanes = frame.locator(`.tl-label.tl-goroutine[data-lane^="${hogId}:"]`);
    await hogLanes.nth(2).waitFor({ timeout: 30_000 });
    assert.equal(await hogLanes.count(), 3);
    for (const t of await hogLanes.allInnerTexts()) assert.match(t, /^G\d+$/);
    let lanes = await lanesNow();
    assert.deepEqual(lanes.slice(lanes.indexOf(hogId) + 1, lanes.indexOf(hogId) + 4).map((l) => l.split(':')[0]), [hogId, hogId, hogId], lanes.join(', '));
    // Keyboard: → on the tick loop's label expands it; its goroutine's widest span, clicked, opens its line.
    const tick = frame.locator('.tl-label.tl-group', { hasText: 'main.(*tickLoop).run' });
    const tickId = (await tick.getAttribute('data-lane'))!;
    await tick.focus();
    await tick.press('ArrowRight');
    const tg = frame.locator(`.tl-label.tl-goroutine[data-lane^="${tickId}:"]`);
    await tg.first().waitFor({ timeout: 30_000 });
    const x = Number(await tg.first().getAttribute('data-span-x'));
    assert.ok(Number.isFinite(x) && x >= 0, `data-span-x ${x}`);
    lanes = await lanesNow();
    const row = lanes.indexOf((await tg.first().getAttribute('data-lane'))!);
    const canvas = frame.locator('canvas.tl-canvas');
    await canvas.hover({ position: { x, y: row * 22 + 11 } });
    const tip = frame.locator('.tl-tip');
    await tip.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await tip.innerText();
    const m = /main\.\(\*tickLoop\)\.run waits\.go:(\d+)/.exec(text);
    assert.ok(m && /^G\d+ · /.test(text), `tooltip: ${text}`);
    await canvas.click({ position: { x, y: row * 22 + 11 } });
    await waitForText(page, new RegExp(`^Ln ${m[1]}, Col 1$`), 30_000, '.statusbar');
    await screenshot(page, 'trace-timeline-expanded');
    // ← on a goroutine's label folds its group (focus back on the group); Space on the hogs' label folds them too.
    await tg.first().focus();
    await tg.first().press('ArrowLeft');
    await tg.first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await frame.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent), 'main.(*tickLoop).run');
    await hog.press(' ');
    await hogLanes.first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await frame.locator('.tl-label.tl-goroutine').count(), 0);
  });

  it('zooms with the keyboard and asks for the narrower window', async function () {
    const page = session().page;
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
