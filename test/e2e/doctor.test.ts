// End to end in a real VS Code (code-server): Anole: Check Host runs the doctor on a live Go service and shows findings, evidence and a copyable fix.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURE_DIR } from '../host/goServices';
import { startTestHost, type TestHost } from '../host/testHost';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { repoRoot, requireE2ePaths } from './support/paths';
import { anoleVsix } from './support/vsix';
import { openWorkbench, reportFailure, runCommand, screenshot, waitForText, type Workbench } from './support/workbench';

describe('e2e: Anole: Check Host', function () {
  this.timeout(300_000);
  let tmp: string;
  let host: TestHost | undefined;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async function () {
    requireE2ePaths();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-doctor-'));
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(FIXTURE_DIR, workspace, { recursive: true });
    host = await startTestHost({ toolchains: ['current'], serviceArgs: ['-cpu-duty', '20'] });
    const svc = host.services[0].service;
    server = await startCodeServer({
      workspace,
      vsixPaths: [anoleVsix(repoRoot, tmp)],
      settings: {
        'anole.sshConfigFile': host.sshd.configFile,
        'anole.targets': [{ name: 'test', host: host.sshd.alias, pid: svc.pid }],
      },
    });
    wb = await openWorkbench(server);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await reportFailure(wb, server, `doctor-${this.currentTest.title}-failed`);
  });

  after(async function () {
    await wb?.close();
    await server?.stop();
    await host?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('checks the target process from the palette: findings by severity, evidence, a fix copied with one click, a badge in Hosts', async function () {
    const page = wb!.page;
    const pid = host!.services[0].service.pid;
    // The extension's contributions reach the palette once its view container shows in the activity bar.
    await waitForText(page, 'css=.part.activitybar a.action-label[aria-label^="Anole"]', 90_000);
    await runCommand(page, 'Anole: Check Host', 30_000);
    const sidebar = '.part.sidebar';
    // The fixture's go.mod is old, so its DefaultGODEBUG holds containermaxprocs=0: a real warning.
    await waitForText(page, new RegExp(` · ${pid}$`), 90_000, sidebar);
    await waitForText(page, /^Warnings \(\d+\)$/, 10_000, sidebar);
    await waitForText(page, /^OK \(\d+\)$/, 10_000, sidebar);
    await page.locator(sidebar).getByText(/^godebug$/).first().click();
    const fix = page.locator(sidebar).getByText(/^Fix: raise the 'go' line of go\.mod/).first();
    await fix.waitFor({ state: 'visible', timeout: 10_000 });
    await waitForText(page, /^build info DefaultGODEBUG$/, 10_000, sidebar);
    await fix.hover();
    await page.locator(`${sidebar} .monaco-list-row.focused .action-label[aria-label="Copy Fix"], ${sidebar} .monaco-list-row:hover .action-label[aria-label="Copy Fix"]`).first().click();
    await waitForText(page, 'Fix copied to the clipboard', 10_000);
    // The Hosts tree marks the checked process with the worst severity found.
    await page.locator(sidebar).getByText(/^anole-test$/).first().click();
    await waitForText(page, /^⚠ /, 60_000, sidebar);
    await screenshot(page, 'doctor-view');
  });
});
