// Editor-level e2e steps shared by the workbench tests: run a picking command, profile from the
// palette, go to a line, read the decorations rendered after a line, and put back the settings
// and profiles a test needs, so each test sets up its own state.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { escapeRegExp, openFile, pickFromQuickInput, runCommand } from './workbench';

/** After-texts (CSS ::after content) rendered on the editor line with 1-based number `line`. */
export function lineAfterTexts({ line }: { line: number }): string[] | null {
  type El = { textContent: string | null; style: { top: string }; querySelectorAll(s: string): ArrayLike<El>; parentElement: El | null };
  const g = globalThis as unknown as {
    document: { querySelectorAll(sel: string): ArrayLike<El> };
    getComputedStyle(el: El, pseudo: string): { content: string };
  };
  const editor = g.document.querySelectorAll('.editor-instance .monaco-editor')[0] as unknown as El | undefined;
  if (!editor) return null;
  let top: string | undefined;
  const numbers = editor.querySelectorAll('.margin-view-overlays .line-numbers');
  for (let i = 0; i < numbers.length; i++) {
    if (numbers[i].textContent?.trim() === String(line)) top = numbers[i].parentElement?.style.top;
  }
  if (top === undefined) return null;
  const lines = editor.querySelectorAll('.view-lines .view-line');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].style.top !== top) continue;
    const out: string[] = [];
    const spans = lines[i].querySelectorAll('span');
    for (let j = 0; j < spans.length; j++) {
      const c = g.getComputedStyle(spans[j], '::after').content;
      if (c && c !== 'none' && c !== 'normal') out.push(c.replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1'));
    }
    return out;
  }
  return null;
}

/** Waits until line `line` of the active editor shows an after-text matching `re`; returns it. */
export async function waitForLineDecoration(page: Page, line: number, re: RegExp, timeout = 60_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last: string[] | null = null;
  while (Date.now() < deadline) {
    last = await page.evaluate(lineAfterTexts, { line });
    const hit = last?.find((t) => re.test(t));
    if (hit) return hit;
    await page.waitForTimeout(250); // polling the rendered DOM; bounded by the deadline
  }
  throw new Error(`line ${line}: no decoration matching ${re} (saw ${JSON.stringify(last)})`);
}

/** Go to line `line` (Ctrl+G) so it is rendered. */
export async function goToLine(page: Page, line: number): Promise<void> {
  await page.locator('.editor-instance .monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+G');
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible' });
  await widget.locator('input.input').fill(`:${line}`);
  await page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden' });
}

/**
 * Runs a palette command whose own quick pick follows at once (so, unlike runCommand, it does
 * not wait for the palette to close).
 */
export async function runPickingCommand(page: Page, title: string, timeout = 30_000): Promise<void> {
  await pickFromQuickInput(page, 'F1', `>${title}`,
    { selector: '.quick-input-list-label .label-name', name: new RegExp(`^${escapeRegExp(title)}$`) }, timeout);
}

/** Runs Profile Remote Service and answers the kind picker with `kind`. */
export async function profile(page: Page, kind: string): Promise<void> {
  await runPickingCommand(page, 'Anole: Profile Remote Service');
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title', { hasText: 'Anole: What to profile' }).waitFor({ state: 'visible', timeout: 30_000 });
  await widget.locator('input.input').fill(kind);
  const row = widget.locator('.monaco-list-row').filter({
    has: page.locator('.quick-input-list-label .label-name', { hasText: new RegExp(`^${kind}$`) }),
  }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
  await widget.waitFor({ state: 'hidden' });
}

/**
 * Drops the workspace settings a test wrote (.vscode/settings.json), so the user settings' single
 * target is back and Profile Remote Service asks no host; waits until the Anole view no longer
 * lists the targets those workspace settings added.
 */
export async function restoreUserSettings(page: Page, workspace: string): Promise<void> {
  const file = path.join(workspace, '.vscode', 'settings.json');
  if (!fs.existsSync(file)) return;
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { 'anole.targets'?: Array<{ name: string }> };
  fs.writeFileSync(file, '{}\n');
  await runCommand(page, 'View: Show Anole');
  for (const { name } of written['anole.targets'] ?? []) {
    if (name === 'test') continue;
    await page.locator('.part.sidebar').getByText(new RegExp(`^${name}$`)).first().waitFor({ state: 'detached', timeout: 30_000 });
  }
}

/** Opens `file` and profiles `kind` of the only target, waiting until the profile annotates the source. */
export async function profileAndWait(page: Page, file: string, kind: 'cpu' | 'mutex', line: number): Promise<void> {
  await openFile(page, file);
  await profile(page, kind);
  await goToLine(page, line);
  await waitForLineDecoration(page, line, kind === 'cpu' ? /\d+(\.\d+)?%/ : /^held /, 90_000);
}

/**
 * Clicks a CodeLens and returns what `opened` waits for (given at most `perTryMs`). VS Code drops a lens's
 * command when it re-renders the lenses just as the lens is clicked ("Actual command not found",
 * microsoft/vscode#84153), and the click then does nothing. So the lens is found and clicked again, up to three times.
 */
export async function clickCodeLens<T>(lens: Locator, opened: (timeoutMs: number) => Promise<T>, perTryMs = 20_000): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    try {
      return await opened(perTryMs);
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}
