// Finds Anole's profile webview inside the workbench (webviews are nested iframes).
import type { Frame, Page } from 'playwright-core';

/** The profile webview frame (flame graph/top table), optionally the one whose page title is `title`. */
export async function profileFrame(page: Page, title?: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      const has = await f.locator('.flame-frames').count().catch(() => 0);
      if (has > 0 && (title === undefined || (await f.title().catch(() => '')) === title)) return f;
    }
    if (Date.now() > deadline) throw new Error(`no profile webview${title ? ` titled ${title}` : ''}; frames: ${page.frames().map((f) => f.url()).join(', ')}`);
    await page.waitForEvent('framenavigated', { timeout: 1_000 }).catch(() => undefined);
  }
}
