// The profile webview page in real Chromium, under the exact HTML and CSP the extension serves:
// our nonce'd script runs and inline script is refused; the flame graph draws the hot function,
// zooms, searches and shows a tooltip; the top table sorts and asks to open source; diffs colour.
// Run: npx mocha --config .mocharc.json --timeout 120000 test/e2e/viewsWebview.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FlameNode } from '../../src/core/annotations/protocol';
import { makeNonce, renderHtml } from '../../src/core/webview/csp';
import type { HostToWebview, WebviewToHost } from '../../src/core/webview/messages';
import { WEBVIEW_STRINGS } from '../../src/core/webview/strings';
import { requireE2ePaths } from './support/paths';
import { CHROMIUM_ARGS, screenshot } from './support/workbench';

const root = path.resolve(__dirname, '../..');
const ROW_H = 18; // media/src/profile.ts

/** Stands in for VS Code's webview host: records what the page posts. */
/** What the page-side callbacks below touch (the root tsconfig has no DOM lib, and must not get one). */
interface PageGlobals {
  __posted: { type: string }[];
  document: { querySelector(sel: string): { textContent: string | null } | null };
}
/** Serialised into the page: must not reference anything outside itself. */
const matchInfoEmpty = (): boolean =>
  (globalThis as unknown as PageGlobals).document.querySelector('.match-info')?.textContent === '';

const STUB = `window.__posted = [];
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });`;

/** A few theme variables, as VS Code sets them on <html> (dark theme). */
const THEME = `html { --vscode-foreground:#cccccc; --vscode-editor-background:#1e1e1e; --vscode-editor-foreground:#d4d4d4;
  --vscode-charts-orange:#d18616; --vscode-charts-yellow:#cca700; --vscode-charts-red:#f14c4c; --vscode-charts-green:#89d185;
  --vscode-font-family:sans-serif; --vscode-editor-font-family:monospace; --vscode-button-background:#0e639c;
  --vscode-button-foreground:#ffffff; --vscode-button-secondaryBackground:#3a3d41; --vscode-button-secondaryForeground:#cccccc;
  --vscode-input-background:#3c3c3c; --vscode-input-foreground:#cccccc; --vscode-editorHoverWidget-background:#252526;
  --vscode-editorHoverWidget-border:#454545; --vscode-textLink-foreground:#3794ff; --vscode-descriptionForeground:#9d9d9d;
  --vscode-panel-border:#444444; --vscode-focusBorder:#007fd4; }`;

function node(name: string, value: number, children: FlameNode[] = [], extra: Partial<FlameNode> = {}): FlameNode {
  const self = value - children.reduce((s, c) => s + c.value, 0);
  return { name, file: `/build/hotsvc/${name.split('.')[0]}.go`, line: 10, value, self, children, ...extra };
}

/** root → main.main → { main.burnCPU (70 %), main.serve (30 %) → many small handlers }. */
function fixture(): FlameNode {
  const handlers = Array.from({ length: 300 }, (_, i) => node(`net/http.handler${i}`, 1e6));
  return node('root', 1e9, [node('main.main', 1e9, [
    node('main.burnCPU', 7e8, [node('main.spin', 6e8)]),
    node('main.serve', 3e8, handlers),
  ])]);
}

describe('e2e profile webview page (chromium, real CSP)', function () {
  this.timeout(120_000);
  let tmp: string;
  let browser: Browser | undefined;
  let page: Page;
  const errors: string[] = [];
  const violations: string[] = [];

  // page.evaluate takes strings (CDP evaluation); waitForFunction takes functions: a string would be
  // eval'd inside the page, which our CSP forbids.
  const post = (m: HostToWebview): Promise<void> => page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
  const posted = (): Promise<WebviewToHost[]> => page.evaluate('window.__posted') as Promise<WebviewToHost[]>;
  const waitPosted = (type: WebviewToHost['type']): Promise<unknown> =>
    page.waitForFunction((t) => (globalThis as unknown as PageGlobals).__posted.some((m) => m.type === t), type);
  const canvasBox = async () => (await page.locator('canvas.flame-canvas').boundingBox())!;

  before(async function () {
    const { chromium: executablePath } = requireE2ePaths();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-webview-'));
    await esbuild.build({
      entryPoints: [path.join(root, 'media', 'src', 'profile.ts')], outfile: path.join(tmp, 'profile.js'),
      bundle: true, platform: 'browser', target: 'es2022', format: 'iife', logLevel: 'silent',
    });
    fs.copyFileSync(path.join(root, 'media', 'profile.css'), path.join(tmp, 'profile.css'));
    fs.writeFileSync(path.join(tmp, 'stub.js'), STUB);
    fs.writeFileSync(path.join(tmp, 'theme.css'), THEME);
    // Same renderer as the extension; `'self' file:` plays the part of webview.cspSource.
    fs.writeFileSync(path.join(tmp, 'index.html'), renderHtml({
      cspSource: `'self' file:`, nonce: makeNonce(), title: 'cpu hotsvc',
      scripts: ['stub.js', 'profile.js'], styles: ['theme.css', 'profile.css'],
    }));
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.exposeFunction('__violation', (d: string) => violations.push(d));
    await page.addInitScript(`document.addEventListener('securitypolicyviolation',
      (e) => window.__violation(e.violatedDirective + ' ' + e.blockedURI))`);
    await page.goto(`file://${path.join(tmp, 'index.html')}`);
    await waitPosted('ready');
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !browser) return;
    const shot = await screenshot(page, 'views-webview-failed').catch(() => undefined);
    if (shot) console.error(`screenshot: ${shot}`);
    if (errors.length) console.error(`page errors:\n${errors.join('\n')}`);
  });

  after(async function () {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs the nonce\'d scripts and refuses inline script', async () => {
    assert.equal(errors.length, 0, errors.join('\n'));
    assert.equal(violations.length, 0, violations.join('\n'));
    const ran = await page.evaluate(`(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      return window.__inlineRan === true;
    })()`);
    assert.equal(ran, false, 'an inline script without the nonce ran');
    await assertEventually(() => violations.some((v) => v.startsWith('script-src')), 'no script-src violation reported');
    assert.ok(errors.every((e) => e.includes('Content Security Policy')), errors.join('\n'));
    errors.length = 0; // the refusal is logged as a console error; later tests expect none
  });

  it('draws the flame graph with the hot function', async () => {
    await post({ type: 'init', title: 'cpu hotsvc', tab: 'flame', diff: false, sampleTypes: ['cpu', 'samples'] });
    await post({
      type: 'data',
      flame: { id: 'p1', sampleType: { type: 'cpu', unit: 'nanoseconds' }, total: 1e9, root: fixture() },
      top: {
        by: 'function', total: 1e9, rows: [
          { function: 'main.spin', file: '/build/hotsvc/main.go', line: 42, flat: 6e8, cum: 6e8, flatPercent: 60, cumPercent: 60, localUri: 'file:///w/main.go' },
          { function: 'main.burnCPU', file: '/build/hotsvc/main.go', line: 30, flat: 1e8, cum: 7e8, flatPercent: 10, cumPercent: 70 },
        ],
      },
    });
    await page.locator('.flame-frames li[data-name="main.burnCPU"]').waitFor({ state: 'attached' });
    const painted = await page.evaluate(`(() => {
      const c = document.querySelector('canvas.flame-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    })()`) as number;
    assert.ok(painted > 10_000, `only ${painted} pixels painted`);
    // 300 handlers of 0.1 % each are under the 2 px minimum at this width: culled, not drawn.
    assert.equal(await page.locator('.flame-frames li[data-name^="net/http.handler"]').count(), 0);
    const shot = await screenshot(page, 'views-flame');
    assert.ok(fs.statSync(shot).size > 5_000);
  });

  it('shows a tooltip on hover and zooms on click', async () => {
    const box = await canvasBox();
    const at = { x: box.x + box.width * 0.2, y: box.y + 2 * ROW_H + ROW_H / 2 }; // depth 2, left: main.burnCPU
    await page.mouse.move(at.x, at.y);
    await page.locator('.tooltip:not([hidden])').waitFor();
    const tip = await page.locator('.tooltip').innerText();
    assert.match(tip, /main\.burnCPU/);
    assert.match(tip, /700ms · 70\.0% of total/);
    assert.match(tip, /\/build\/hotsvc\/main\.go:10/);
    await page.mouse.click(at.x, at.y);
    await page.locator('.breadcrumb .crumb:has-text("main.burnCPU")').waitFor();
    assert.equal(await page.locator('.reset').isDisabled(), false);
    await page.click('.reset');
    await page.locator('.reset:disabled').waitFor();
  });

  it('highlights search matches and shows their share', async () => {
    await page.fill('.search', 'spin');
    await page.locator('.match-info:has-text("1 match · 60.0% of total")').waitFor();
    await page.fill('.search', '');
    await page.waitForFunction(matchInfoEmpty);
  });

  it('opens source from a top-table row and from Ctrl+click on a frame', async () => {
    await page.click('.tab:has-text("Top")');
    await page.locator('.top-table tbody tr').first().waitFor();
    assert.equal(await page.locator('.top-table tbody tr').count(), 2);
    await page.click('.top-table tbody tr:has-text("main.spin")');
    await page.click('.top-table th:has-text("Function")');
    assert.equal(await page.locator('.top-table tbody tr td.fn').first().innerText(), 'main.burnCPU');
    await screenshot(page, 'views-top');
    await page.click('.tab:has-text("Flame graph")');
    const box = await canvasBox();
    await page.keyboard.down('Control');
    await page.mouse.click(box.x + box.width * 0.2, box.y + 3 * ROW_H + ROW_H / 2); // main.spin, depth 3
    await page.keyboard.up('Control');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.filter((m) => m.type === 'openSource').length === 2);
    await page.click('.tab:has-text("Top")');
    await page.click('.by:has-text("By line")');
    await page.selectOption('.sample-type', 'samples');
    const sent = (await posted()).filter((m) => m.type !== 'ready');
    assert.deepEqual(sent, [
      { type: 'openSource', file: '/build/hotsvc/main.go', line: 42, function: 'main.spin', localUri: 'file:///w/main.go' },
      { type: 'openSource', file: '/build/hotsvc/main.go', line: 10, function: 'main.spin' },
      { type: 'setTopBy', by: 'line' },
      { type: 'setSampleType', sampleType: 'samples' },
    ]);
  });

  it('focuses a function the extension names (CodeLens)', async () => {
    await post({ type: 'focus', function: 'main.spin' });
    await page.locator('.breadcrumb .crumb:has-text("main.spin")').waitFor();
    assert.equal(await page.locator('.search').inputValue(), 'main.spin');
    await page.click('.reset');
    await page.fill('.search', '');
    await page.waitForFunction(matchInfoEmpty);
  });

  it('colours a diff red where it grew and green where it shrank', async () => {
    const grew = node('main.burnCPU', 4e8, [], { base: 1e8 });
    const shrank = node('main.serve', -2e8, [], { base: 4e8 });
    const diffRoot = node('root', 2e8, [node('main.main', 2e8, [grew, shrank], { base: 5e8 })], { base: 5e8 });
    await post({ type: 'init', title: 'diff', tab: 'flame', diff: true, sampleTypes: [] });
    await post({ type: 'data', flame: { id: 'p2', baseId: 'p1', sampleType: { type: 'cpu', unit: 'nanoseconds' }, total: 7e8, root: diffRoot } });
    // main.serve is 4 of 7 units wide in the diff (it was 30 % before): wait for the redraw.
    await page.locator('.flame-frames li[data-name="main.serve"]:has-text("57.1%")').waitFor({ state: 'attached' });
    const box = await canvasBox();
    const pixel = (x: number): Promise<number[]> => page.evaluate(`(() => {
      const c = document.querySelector('canvas.flame-canvas');
      const k = window.devicePixelRatio || 1;
      return [...c.getContext('2d').getImageData(Math.floor(${x} * k), Math.floor(${2 * ROW_H + 3} * k), 1, 1).data];
    })()`) as Promise<number[]>;
    // widths: grew max(5,1)=5, shrank max(2,4)=4 → burnCPU on the left, serve on the right
    const [r1, g1] = await pixel(box.width * 0.1);
    const [r2, g2] = await pixel(box.width * 0.9);
    assert.ok(r1 > g1, `grown frame is not red: ${r1},${g1}`);
    assert.ok(g2 > r2, `shrunk frame is not green: ${r2},${g2}`);
    await screenshot(page, 'views-diff');
    // The diff's top table groups by line too: the toggle stays enabled and asks the host for it.
    await page.click('.tab:has-text("Top")');
    await page.click('.by:has-text("By line")');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.filter((m) => m.type === 'setTopBy').length === 2);
    await post({ type: 'data', top: { by: 'line', total: 7e8, rows: [
      { function: 'main.burnCPU', file: '/build/hotsvc/main.go', line: 31, flat: 3e8, cum: 3e8, flatPercent: 300 / 7, cumPercent: 300 / 7, baseFlat: 1e8, baseCum: 1e8 },
    ] } });
    await page.locator('.top-table tbody tr td.loc:has-text("/build/hotsvc/main.go:31")').waitFor();
    assert.deepEqual([await page.locator('.by.active').innerText(), await page.locator('.top-table th').first().innerText()], ['By line', 'Δ Flat']);
    await page.click('.tab:has-text("Flame graph")');
    assert.equal(errors.length, 0, errors.join('\n'));
  });

  it('shows the strings the extension sends in init (the display language), English without them', async () => {
    const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
    const zh = Object.fromEntries(Object.entries(WEBVIEW_STRINGS).map(([id, en]) => [id, bundle[en]]));
    const labels = () => page.evaluate(`[...document.querySelectorAll('.tab, .by, .reset, .top-table th')].map((e) => e.textContent)
      .concat([document.querySelector('.search').placeholder])`) as Promise<string[]>;
    await post({ type: 'init', title: 'cpu', tab: 'top', diff: false, sampleTypes: [], strings: zh });
    await page.locator('.tab:has-text("火焰图")').waitFor();
    assert.deepEqual(await labels(), ['火焰图', '排行', '重置缩放', '按函数', '按行', '自身', '自身 %', '累计', '累计 %', '函数', '位置', '搜索函数…']);
    await post({ type: 'init', title: 'cpu', tab: 'flame', diff: false, sampleTypes: [] });
    await page.locator('.tab:has-text("Flame graph")').waitFor();
    assert.deepEqual((await labels()).slice(0, 5), ['Flame graph', 'Top', 'Reset zoom', 'By function', 'By line']);
    assert.equal(errors.length, 0, errors.join('\n'));
  });
});

async function assertEventually(check: () => boolean, message: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(message);
    await new Promise((r) => setImmediate(r));
  }
}
