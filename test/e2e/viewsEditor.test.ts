// The profile views inside real VS Code (code-server + Chromium): a fixture extension bundles the
// real registerProfileViews with a canned language client, so the webview helper, CSP (with VS
// Code's own cspSource), custom editor, CodeLens command and openSource run as shipped.
// Run: npx mocha --config .mocharc.json --timeout 300000 test/e2e/viewsEditor.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { profileFrame } from './support/webviewFrames';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { requireE2ePaths } from './support/paths';
import { openWorkbench, runCommand, screenshot, waitForText, type Workbench, reportFailure } from './support/workbench';

const root = path.resolve(__dirname, '../..');

/** The fixture extension: the real views, a fake client answering from a canned tree. */
const ENTRY = `
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerProfileViews } from ${JSON.stringify(path.join(root, 'src/extension/views/profileViews'))};

function node(name, value, children = [], line = 10) {
  const self = value - children.reduce((s, c) => s + c.value, 0);
  return { name, file: '/build/hotsvc/main.go', line, value, self, children };
}

export function activate(context) {
  const log = vscode.window.createOutputChannel('Anole views e2e', { log: true });
  const folder = vscode.workspace.workspaceFolders[0].uri;
  const mainGo = vscode.Uri.joinPath(folder, 'main.go').toString();
  const flame = (id) => ({ id, sampleType: { type: 'cpu', unit: 'nanoseconds' }, total: 1e9,
    root: node('root', 1e9, [node('main.main', 1e9, [node('main.burnCPU', 7e8, [node('main.spin', 6e8, [], 7)]), node('main.serve', 3e8)])]) });
  registerProfileViews(context, {
    client: {
      async sendRequest(type, params) {
        const method = type.method;
        log.info('request ' + method + ' ' + JSON.stringify(params));
        if (method === 'anole/flameGraph') return flame(params.id);
        if (method === 'anole/top') return { id: params.id, sampleType: { type: 'cpu', unit: 'nanoseconds' }, total: 1e9, rows: [
          { function: 'main.spin', file: '/build/hotsvc/main.go', line: 7, flat: 6e8, cum: 6e8, flatPercent: 60, cumPercent: 60, localUri: mainGo },
          { function: 'main.burnCPU', file: '/build/hotsvc/main.go', line: 3, flat: 1e8, cum: 7e8, flatPercent: 10, cumPercent: 70 },
        ] };
        throw new Error('unexpected request ' + method);
      },
    },
    log,
    loadProfile: async (p) => ({ id: 'loaded:' + path.basename(p) }),
    holdProfile: async (id, hold) => log.info('hold ' + id + ' ' + hold),
  });
  context.subscriptions.push(
    vscode.commands.registerCommand('viewsE2e.openProfile', () =>
      vscode.commands.executeCommand('vscode.openWith', vscode.Uri.joinPath(folder, 'cpu.pprof'), 'anole.profileEditor')),
    vscode.commands.registerCommand('viewsE2e.lens', () =>
      vscode.commands.executeCommand('anole.showFlameGraph', { profileId: 'p1', function: 'main.spin' })),
  );
  // Tells the test the extension is active (its commands are registered).
  const ready = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left);
  ready.text = 'views-e2e-ready';
  ready.show();
  context.subscriptions.push(ready);
}
`;

const MANIFEST = {
  name: 'anole-views-e2e', displayName: 'Anole views (e2e fixture)', version: '0.0.1', publisher: 'anole-dev',
  license: 'MIT', private: true, engines: { vscode: '^1.95.0' }, main: './extension.js',
  activationEvents: ['onStartupFinished'],
  contributes: {
    commands: [
      { command: 'viewsE2e.openProfile', title: 'Open Profile', category: 'Views E2E' },
      { command: 'viewsE2e.lens', title: 'Lens', category: 'Views E2E' },
      { command: 'anole.showFlameGraph', title: 'Show Flame Graph', category: 'Anole' },
      { command: 'anole.showTopTable', title: 'Show Top Functions', category: 'Anole' },
      { command: 'anole.compareProfiles', title: 'Compare Profiles…', category: 'Anole' },
    ],
    customEditors: [{
      viewType: 'anole.profileEditor', displayName: 'Anole Profile Viewer',
      selector: [{ filenamePattern: '*.pb.gz' }, { filenamePattern: '*.pprof' }], priority: 'default',
    }],
  },
};

const MAIN_GO = 'package main\n\nfunc burnCPU() {\n\tspin()\n}\n\nfunc spin() {\n\tfor {\n\t}\n}\n\nfunc main() { burnCPU() }\n';

describe('e2e profile views in code-server', function () {
  this.timeout(300_000);
  let tmp: string;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async function () {
    requireE2ePaths();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-views-'));
    const ext = path.join(tmp, 'ext');
    fs.mkdirSync(path.join(ext, 'media'), { recursive: true });
    fs.writeFileSync(path.join(ext, 'package.json'), JSON.stringify(MANIFEST, null, 2));
    fs.writeFileSync(path.join(tmp, 'entry.ts'), ENTRY);
    await esbuild.build({
      entryPoints: [path.join(tmp, 'entry.ts')], outfile: path.join(ext, 'extension.js'),
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'silent',
    });
    await esbuild.build({
      entryPoints: [path.join(root, 'media/src/profile.ts')], outfile: path.join(ext, 'dist/webview/profile.js'),
      bundle: true, platform: 'browser', target: 'es2022', format: 'iife', logLevel: 'silent',
    });
    fs.copyFileSync(path.join(root, 'media/profile.css'), path.join(ext, 'media/profile.css'));
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    fs.writeFileSync(path.join(workspace, 'go.mod'), 'module example.com/hotsvc\n\ngo 1.21\n');
    fs.writeFileSync(path.join(workspace, 'main.go'), MAIN_GO);
    fs.writeFileSync(path.join(workspace, 'cpu.pprof'), Buffer.from([0x1f, 0x8b, 0, 0]));
    server = await startCodeServer({ workspace, extensionFolders: [ext] });
    wb = await openWorkbench(server);
    await waitForText(wb.page, 'views-e2e-ready', 120_000, '.statusbar');
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await reportFailure(wb, server, 'views-editor-failed');
  });

  after(async function () {
    await wb?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens a .pprof file in the custom editor and draws the hot function', async () => {
    const page = wb!.page;
    await runCommand(page, 'Views E2E: Open Profile');
    const frame = await profileFrame(page, 'cpu.pprof');
    await frame.locator('.flame-frames li[data-name="main.burnCPU"]').waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(await frame.locator('.error:not([hidden])').count(), 0);
    const csp = wb!.consoleErrors.filter((e) => /Content Security Policy/i.test(e));
    assert.deepEqual(csp, [], 'the page broke its own CSP');
    const shot = await screenshot(page, 'views-editor-flame');
    assert.ok(fs.statSync(shot).size > 10_000, `screenshot ${shot} looks empty`);
  });

  it('opens the mapped source at the line from a top-table row', async () => {
    const page = wb!.page;
    const frame = await profileFrame(page, 'cpu.pprof');
    await frame.locator('.tab', { hasText: 'Top' }).click();
    await frame.locator('.top-table tbody tr', { hasText: 'main.spin' }).click();
    await page.locator('.tabs-container .tab.active', { hasText: 'main.go' }).waitFor({ state: 'visible', timeout: 30_000 });
    await waitForText(page, 'Ln 7, Col 1', 15_000, '.statusbar');
  });

  it('shows the flame graph panel focused on the CodeLens function', async () => {
    const page = wb!.page;
    await runCommand(page, 'Views E2E: Lens');
    const frame = await profileFrame(page, 'p1');
    await frame.locator('.breadcrumb .crumb', { hasText: 'main.spin' }).waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('.search').inputValue(), 'main.spin');
    await screenshot(page, 'views-editor-lens');
  });
});
