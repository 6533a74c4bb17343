// Drives code-server's VS Code workbench in headless Debian Chromium through playwright-core.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { artifactDir, requireE2ePaths } from './paths';

/** A browser showing one workbench. */
export interface Workbench {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (attach them when a test fails). */
  consoleErrors: string[];
  /** Closes the page, context and browser. Idempotent. */
  close(): Promise<void>;
}

/**
 * Flags for Chromium in this closed network: without the background-networking ones Chromium
 * keeps opening connections that are refused, and the workbench is slower to settle.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Launches headless Chromium (a fresh temporary profile: playwright's launch() makes one per
 * browser), opens `server.url/?folder=WORKSPACE` and waits until the workbench shows the
 * explorer's root folder, i.e. the window has loaded and connected to the server.
 */
export async function openWorkbench(
  server: Pick<CodeServer, 'url' | 'workspace'>,
  opts: { timeoutMs?: number; entryUrl?: string } = {},
): Promise<Workbench> {
  const { chromium: executablePath } = requireE2ePaths();
  const timeout = opts.timeoutMs ?? 60_000;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await browser.close().catch(() => undefined);
  };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(opts.entryUrl ?? `${server.url}/?folder=${encodeURIComponent(server.workspace)}`, { timeout });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
    // The explorer lists the folder once the remote file system is connected.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout });
    return { browser, context, page, consoleErrors, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The quick input (command palette / quick open) once it is shown. */
async function quickInput(page: Page, timeout: number) {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout });
  return widget;
}

/**
 * Opens the quick input with `key`, types `text` and clicks the first row whose label matches
 * `label`; returns the widget (the click's effect is the caller's to wait for).
 *
 * Why the retry: a webview that finishes loading while the quick input is up can take the focus,
 * which closes the widget before its row is clicked, and nothing runs (seen in CI just after a
 * profile view opened). Only the steps up to the click are retried, up to three tries, so nothing
 * runs twice; the last try waits the whole `timeout`.
 */
export async function pickFromQuickInput(page: Page, key: 'F1' | 'Control+P', text: string,
  label: { selector: string; name: RegExp }, timeout: number): Promise<Locator> {
  for (let attempt = 1; ; attempt++) {
    const wait = attempt === 3 ? timeout : Math.min(timeout, 10_000);
    try {
      await page.locator('.monaco-workbench').focus();
      await page.keyboard.press(key);
      const widget = await quickInput(page, timeout);
      await widget.locator('input.input').fill(text, { timeout: wait });
      const row = widget.locator('.monaco-list-row').filter({ has: page.locator(label.selector, { hasText: label.name }) }).first();
      await row.waitFor({ state: 'visible', timeout: wait });
      await row.click({ timeout: wait });
      return widget;
    } catch (e) {
      if (attempt === 3) throw e;
      console.log(`      (quick input "${text}": no row clicked on try ${attempt}: ${(e as Error).message.split('\n')[0]}; again)`);
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * Runs a command by its palette title (e.g. 'Hello E2E: Annotate'): F1, type the title, wait for
 * the row whose label is exactly that title, select it. Fails if no such command appears.
 */
export async function runCommand(page: Page, title: string, timeout = 15_000): Promise<void> {
  const widget = await pickFromQuickInput(page, 'F1', `>${title}`,
    { selector: '.quick-input-list-label .label-name', name: new RegExp(`^${escapeRegExp(title)}$`) }, timeout);
  await widget.waitFor({ state: 'hidden', timeout });
}

/**
 * Opens a workspace file through quick open (Ctrl+P) and waits until its tab is the active one
 * and an editor shows text.
 */
export async function openFile(page: Page, relPath: string, timeout = 30_000): Promise<void> {
  await quickOpen(page, relPath, timeout);
  await page.locator('.editor-instance .monaco-editor .view-lines .view-line').first().waitFor({ state: 'visible', timeout });
}

/**
 * Opens a workspace file through quick open (Ctrl+P) with its default editor (a custom editor, if
 * one claims it) and waits until its tab is the active one; returns the file's base name.
 */
export async function quickOpen(page: Page, relPath: string, timeout = 30_000): Promise<string> {
  const base = path.posix.basename(relPath);
  const activeTab = page.locator('.tabs-container .tab.active', { hasText: base });
  // Opening a file twice is harmless, so unlike runCommand the whole open is retried: a focus taken
  // by a webview as its row is clicked can also close the widget with nothing opened (seen once in CI).
  for (let attempt = 1; ; attempt++) {
    try {
      const widget = await pickFromQuickInput(page, 'Control+P', relPath,
        { selector: '.label-name', name: new RegExp(`^${escapeRegExp(base)}$`) }, timeout);
      await widget.waitFor({ state: 'hidden', timeout });
      await activeTab.waitFor({ state: 'visible', timeout: attempt === 2 ? timeout : 10_000 });
      return base;
    } catch (e) {
      if (attempt === 2) throw e;
      console.log(`      (quick open of ${relPath} opened nothing: ${(e as Error).message.split('\n')[0]}; again)`);
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * Waits until visible text appears. `target` is either text (a string is matched as a substring,
 * or a RegExp) searched inside `within` (default: the whole workbench), or a CSS selector when
 * prefixed with `css=`, which must become visible.
 */
export async function waitForText(page: Page, target: string | RegExp, timeout = 15_000,
  within = '.monaco-workbench'): Promise<void> {
  const locator = typeof target === 'string' && target.startsWith('css=')
    ? page.locator(target)
    : page.locator(within).getByText(target).first();
  await locator.waitFor({ state: 'visible', timeout });
}

/**
 * Waits until some element of the editors renders `text` as CSS generated content.
 *
 * Why: `before`/`after` text decorations (`createTextEditorDecorationType({ after: { contentText
 * } })`) are not DOM text. VS Code renders an empty `<span class="ced-…">` inside the line and
 * adds a stylesheet rule `.ced-…::after { content: "…" }`, so getByText() never finds them. We
 * therefore poll (in the page, on animation frames) every span in the editors' view lines and
 * compare `getComputedStyle(span, '::after' | '::before').content` (a quoted CSS string) with the
 * text. This asserts what the user sees: the rule exists *and* applies to a rendered line.
 */
export async function waitForDecorationText(page: Page, text: string, timeout = 15_000,
  pseudo: '::after' | '::before' = '::after'): Promise<void> {
  await page.waitForFunction(findDecoration, { text, pseudo }, { timeout, polling: 'raf' });
}

/** Whether an editor renders `text` as CSS generated content right now (see waitForDecorationText). */
export async function hasDecorationText(page: Page, text: string,
  pseudo: '::after' | '::before' = '::after'): Promise<boolean> {
  return page.evaluate(findDecoration, { text, pseudo });
}

/** Runs in the page (tsconfig has no DOM lib, hence the small structural types). */
function findDecoration({ text, pseudo }: { text: string; pseudo: string }): boolean {
  type El = object;
  const g = globalThis as unknown as {
    document: { querySelectorAll(sel: string): ArrayLike<El> };
    getComputedStyle(el: El, pseudo: string): { content: string };
  };
  const spans = g.document.querySelectorAll('.monaco-editor .view-lines .view-line span');
  for (let i = 0; i < spans.length; i++) {
    const content = g.getComputedStyle(spans[i], pseudo).content;
    if (content && content !== 'none' && content !== 'normal') {
      // content is a CSS string: "anole-e2e-ok" with quotes, and with escapes for odd characters.
      const unquoted = content.replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1');
      if (unquoted === text) return true;
    }
  }
  return false;
}

/** Texts of the notification toasts shown now (not the ones already hidden in the centre). */
export async function readNotifications(page: Page): Promise<string[]> {
  const messages = page.locator('.notifications-toasts .notification-toast .notification-list-item-message');
  return (await messages.allTextContents()).map((t) => t.trim());
}

/** Saves a full-window PNG as test-artifacts/e2e/NAME.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactDir, { recursive: true });
  const file = path.join(artifactDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  return file;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What a failed e2e test prints: a screenshot named `name`, the browser console errors and the
 * tail of code-server's output. Never throws (it runs in afterEach of a failure).
 */
export async function reportFailure(wb: Workbench | undefined, server: CodeServer | undefined, name: string): Promise<void> {
  if (wb) {
    const shot = await screenshot(wb.page, name).catch(() => undefined);
    if (shot) console.error(`screenshot: ${shot}`);
    if (wb.consoleErrors.length) console.error(`browser console errors:\n${wb.consoleErrors.slice(-20).join('\n')}`);
  }
  if (server) console.error(`code-server output (tail):\n${server.logs().slice(-5000)}`);
}
