// Finds Anole's webviews inside the workbench (webviews are nested iframes): the profile view and the trace report.
import type { Frame, Page } from 'playwright-core';

/**
 * The first frame that has an element matching `selector` and that `accept` (if given) takes, waiting for
 * frames to navigate until `timeoutMs`; the error names `what` and lists the frames seen.
 */
export async function webviewFrame(page: Page, selector: string, what: string, timeoutMs = 60_000, accept?: (f: Frame) => Promise<boolean>): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      const has = await f.locator(selector).count().catch(() => 0);
      if (has > 0 && (!accept || (await accept(f)))) return f;
    }
    if (Date.now() > deadline) throw new Error(`no ${what}; frames: ${page.frames().map((f) => f.url()).join(', ')}`);
    await page.waitForEvent('framenavigated', { timeout: 1_000 }).catch(() => undefined);
  }
}

/** The profile webview frame (flame graph/top table), optionally the one whose page title is `title`. */
export function profileFrame(page: Page, title?: string, timeoutMs = 60_000): Promise<Frame> {
  const accept = title === undefined ? undefined : async (f: Frame) => (await f.title().catch(() => '')) === title;
  return webviewFrame(page, '.flame-frames', `profile webview${title ? ` titled ${title}` : ''}`, timeoutMs, accept);
}

/**
 * The trace report webview frame (groups table, Timeline tab), optionally the one whose summary matches `title`:
 * a report closed a moment ago may linger among the frames.
 */
export function traceReportFrame(page: Page, timeoutMs = 60_000, title?: RegExp): Promise<Frame> {
  const accept = title && (async (f: Frame) => title.test(await f.locator('.summary').innerText({ timeout: 1_000 }).catch(() => '')));
  return webviewFrame(page, 'table.report', 'starvation report webview', timeoutMs, accept);
}
