// End to end in a real VS Code (code-server): Anole: Check Host runs the doctor on a live Go service and shows findings, evidence and a copyable fix;
// a debug attach refused by preflight opens the same report from its error dialog.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestHost, type TestHost } from '../host/testHost';
import { useAnoleSession } from './support/session';
import { runCommand, screenshot, waitForText } from './support/workbench';

describe('e2e: Anole: Check Host', function () {
  this.timeout(300_000);
  let host: TestHost | undefined;
  const session = useAnoleSession({
    name: 'doctor',
    prepare: async () => {
      host = await startTestHost({ toolchains: ['current'], serviceArgs: ['-cpu-duty', '20'] });
      const svc = host.services[0].service;
      return {
        'anole.sshConfigFile': host.sshd.configFile,
        'anole.targets': [{ name: 'test', host: host.sshd.alias, pid: svc.pid }],
      };
    },
    cleanup: async () => host?.stop(),
  });

  it('checks the target process from the palette: findings by severity, evidence, a fix copied with one click, a badge in Hosts', async function () {
    const page = session().page;
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

  it('a debug attach refused by preflight (a gdb already traces the service) offers Check Host, which shows the ptrace error for that process', async function () {
    const page = session().page;
    const svc = host!.services[0].service;
    const tracer = () => Number(/^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${svc.pid}/status`, 'utf8'))?.[1] ?? -1);
    // A real tracer holds the service until its stdin closes (gdb then detaches and exits).
    const gdb = spawn('gdb', ['-q', '-nx', '-batch', '-p', String(svc.pid), '-ex', 'shell read line'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise<void>((resolve) => gdb.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + 30_000;
      while (tracer() <= 0) {
        if (Date.now() > deadline) throw new Error('gdb did not attach to the service');
        await page.waitForTimeout(200); // polling /proc; bounded by the deadline
      }
      fs.mkdirSync(path.join(session().server.workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(session().server.workspace, '.vscode', 'launch.json'), JSON.stringify({
        version: '0.2.0',
        configurations: [{ type: 'anole', request: 'attach', name: 'Attach traced hotsvc', host: host!.sshd.alias, sshConfigFile: host!.sshd.configFile, processId: svc.pid }],
      }, null, 2));
      await runCommand(page, 'View: Show Run and Debug');
      const start = page.locator('[aria-label^="Start Debugging"]').first();
      await start.waitFor({ timeout: 30_000 });
      await start.click();
      // VS Code's error dialog shows the refusal and the adapter's button.
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.getByText(new RegExp(`Cannot attach to process ${svc.pid}`)).first().waitFor({ timeout: 60_000 });
      await dialog.getByText(/already being traced by gdb/).first().waitFor({ timeout: 5_000 });
      await screenshot(page, 'doctor-debug-refused');
      await dialog.getByRole('button', { name: 'Check Host' }).click();
      const sidebar = '.part.sidebar';
      await waitForText(page, `${host!.sshd.alias} · ${svc.pid}`, 90_000, sidebar);
      await waitForText(page, /^Errors \(\d+\)$/, 10_000, sidebar);
      await waitForText(page, /already being traced by gdb/, 10_000, sidebar);
      await screenshot(page, 'doctor-from-debug');
    } finally {
      gdb.stdin.end();
      await exited;
    }
    const deadline = Date.now() + 30_000;
    while (tracer() !== 0) {
      if (Date.now() > deadline) throw new Error('gdb did not detach');
      await page.waitForTimeout(200); // polling /proc; bounded by the deadline
    }
  });
});
