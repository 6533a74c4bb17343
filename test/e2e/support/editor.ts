// Editor-level e2e steps shared by the workbench tests: run a picking command, profile from the
// palette, go to a line, and read the decorations rendered after a line.
import type { Page } from 'playwright-core';

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
export async function runPickingCommand(page: Page, title: string): Promise<void> {
  await page.locator('.monaco-workbench').focus();
  await page.keyboard.press('F1');
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible' });
  await widget.locator('input.input').fill(`>${title}`);
  const row = widget.locator('.monaco-list-row').filter({
    has: page.locator('.quick-input-list-label .label-name', { hasText: new RegExp(`^${title}$`) }),
  }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
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
