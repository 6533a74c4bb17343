// Anole's settings change live in a real VS Code (code-server + Chromium, the packaged .vsix): a
// changed threshold reaches the running language server (same process, no restart), the hot-line
// decoration follows it, and a profile view opened before keeps answering with its profile id.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/settingsLive.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { readLogs } from './support/codeServer';
import { repoRoot } from './support/paths';
import { anoleServerPid, extensionHostPid } from './support/processes';
import { useAnoleSession } from './support/session';
import { profileFrame } from './support/webviewFrames';
import { openFile, quickOpen, screenshot } from './support/workbench';

/** The heat label of a hot line, e.g. "61.3% · 1.21s". */
const HEAT = /^\d+\.\d% · [\d.]+m?s$/;

/** Every after-text (CSS ::after content) rendered in the editors now. */
function afterTexts(): string[] {
  type El = object;
  const g = globalThis as unknown as {
    document: { querySelectorAll(sel: string): ArrayLike<El> };
    getComputedStyle(el: El, pseudo: string): { content: string };
  };
  const out: string[] = [];
  const spans = g.document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line span');
  for (let i = 0; i < spans.length; i++) {
    const c = g.getComputedStyle(spans[i], '::after').content;
    if (c && c !== 'none' && c !== 'normal') out.push(c.replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1'));
  }
  return out;
}

/** Polls the rendered editor until `ok(afterTexts)` holds. */
async function waitForAfterTexts(page: Page, ok: (texts: string[]) => boolean, what: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await page.evaluate(afterTexts);
    if (ok(last)) return;
    await page.waitForTimeout(250); // polling the rendered DOM; bounded by the deadline
  }
  throw new Error(`${what}; after-texts: ${JSON.stringify(last)}`);
}

describe('e2e: Anole settings change live (no language server restart)', function () {
  this.timeout(300_000);
  const session = useAnoleSession({
    name: 'settings',
    prepare: ({ workspace }) => {
      // The fixture module (go.mod "anole.test/fixtures"), which the recorded hotsvc profile maps to.
      fs.copyFileSync(path.join(repoRoot, 'test/fixtures/profiles/hotsvc/cpu.pb.gz'), path.join(workspace, 'cpu.pb.gz'));
      fs.mkdirSync(path.join(workspace, '.vscode'));
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), '{}');
      return { 'workbench.editor.enablePreview': false };
    },
  });

  before(async function () {
    const deadline = Date.now() + 120_000;
    while (!/language client ready/.test(readLogs(session().server, 'Anole.log'))) {
      if (Date.now() > deadline) throw new Error(`Anole's language client did not start:\n${readLogs(session().server, 'Anole.log')}`);
      await new Promise((r) => setTimeout(r, 200)); // polling the log file; bounded by the deadline
    }
  });

  it('a changed threshold reconfigures the running server; the profile view opened before keeps working', async () => {
    const page = session().page;
    await quickOpen(page, 'cpu.pb.gz');
    let frame = await profileFrame(page, 'cpu.pb.gz');
    await frame.locator('.flame-frames li[data-name="main.burnCPU"]').first().waitFor({ state: 'attached', timeout: 60_000 });
    const serverPid = anoleServerPid(extensionHostPid(session().server.pid));

    await openFile(page, 'hotsvc/problems.go');
    await waitForAfterTexts(page, (t) => t.some((x) => HEAT.test(x)), 'the hot line of problems.go is not decorated');
    const settings = path.join(session().workspace, '.vscode', 'settings.json');
    // Only lines holding ≥ 99% of the profile stay decorated: none of this CPU profile's.
    fs.writeFileSync(settings, JSON.stringify({ 'anole.annotations.minPercent': 99 }));
    await waitForAfterTexts(page, (t) => !t.some((x) => HEAT.test(x)), 'problems.go is still decorated after minPercent 99');
    assert.equal(anoleServerPid(extensionHostPid(session().server.pid)), serverPid, 'the language server was restarted');
    assert.match(readLogs(session().server, 'Anole.log'), /language server reconfigured/);

    // The profile editor asks the same server for its profile id again: by-line top rows.
    await page.locator('.tabs-container .tab', { hasText: 'cpu.pb.gz' }).click();
    frame = await profileFrame(page, 'cpu.pb.gz');
    await frame.locator('.tab', { hasText: 'Top' }).click();
    await frame.locator('.by', { hasText: 'By line' }).click();
    await frame.locator('.top-table tbody tr td.loc', { hasText: /problems\.go:\d+$/ }).first().waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('.error:not([hidden])').count(), 0);
    await screenshot(page, 'settings-live-top');

    fs.writeFileSync(settings, '{}');
    await page.locator('.tabs-container .tab', { hasText: 'problems.go' }).click();
    await waitForAfterTexts(page, (t) => t.some((x) => HEAT.test(x)), 'the hot line did not come back after the threshold was reset');
  });
});
