// Reading what the active Monaco editor renders on a source line (after-text decorations), for e2e tests.
import type { Page } from 'playwright-core';

/** After-texts (CSS ::after content) rendered on the editor line with 1-based number `line` (runs in the page). */
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
