// Proves the e2e harness on Anole itself: real VS Code (code-server) in Chromium installs Anole as a .vsix (how users get it)
// and as an unpacked folder of what the .vsix ships (the fast path while iterating); a Go workspace activates it, and the
// palette offers every command it contributes to the palette.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/smoke.test.ts
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, requireE2ePaths } from './support/paths';
import { readLogs, startCodeServer, type CodeServer, type CodeServerOptions } from './support/codeServer';
import { openFile, openWorkbench, runCommand, screenshot, waitForText, type Workbench, reportFailure } from './support/workbench';
import { anoleVsix } from './support/vsix';

type Mode = 'vsix' | 'folder';

interface Manifest {
  contributes: { commands: Array<{ command: string; title: string; category: string; enablement?: string }>; menus: { commandPalette?: Array<{ command: string; when?: string }> } };
}

/** "Category: Title" of each command the palette offers without a context (no `when` clause hides it, no `enablement` disables it), in English. */
function paletteTitles(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  const nls = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8')) as Record<string, string>;
  const hidden = new Set((pkg.contributes.menus.commandPalette ?? []).filter((m) => m.when).map((m) => m.command));
  const text = (s: string) => s.replace(/^%(.*)%$/, (_, k: string) => nls[k] ?? s);
  return pkg.contributes.commands.filter((c) => !hidden.has(c.command) && !c.enablement).map((c) => `${text(c.category)}: ${text(c.title)}`);
}

async function extensionOptions(mode: Mode, tmp: string): Promise<Partial<CodeServerOptions>> {
  const vsix = anoleVsix(repoRoot, tmp);
  if (mode === 'vsix') return { vsixPaths: [vsix] };
  const unpacked = path.join(tmp, 'unpacked');
  execFileSync('unzip', ['-q', vsix, 'extension/*', '-d', unpacked]);
  return { extensionFolders: [path.join(unpacked, 'extension')] };
}

for (const mode of ['vsix', 'folder'] as const) {
  describe(`e2e smoke (${mode}): code-server + chromium + Anole`, function () {
    let tmp: string;
    let server: CodeServer | undefined;
    let wb: Workbench | undefined;

    before(async function () {
      requireE2ePaths(); // fails first, saying to run scripts/setup-e2e.sh, when not installed
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-smoke-'));
      const workspace = path.join(tmp, 'workspace');
      fs.mkdirSync(workspace);
      fs.writeFileSync(path.join(workspace, 'go.mod'), 'module example.com/hello\n\ngo 1.21\n');
      fs.writeFileSync(path.join(workspace, 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello")\n}\n');
      server = await startCodeServer({ workspace, ...await extensionOptions(mode, tmp) });
      wb = await openWorkbench(server);
    });

    afterEach(async function () {
      if (this.currentTest?.state !== 'failed') return;
      await reportFailure(wb, server, `smoke-${mode}-failed`);
    });

    after(async function () {
      await wb?.close();
      await server?.stop();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('activates in a Go workspace: its log says so', async function () {
      await openFile(wb!.page, 'main.go');
      const deadline = Date.now() + 60_000;
      while (!/activated in \d+ ms/.test(readLogs(server!, 'Anole.log'))) {
        if (Date.now() > deadline) throw new Error(`Anole did not log its activation within 60 s; extension host log:\n${readLogs(server!, 'remoteexthost.log').slice(-3000)}`);
        await wb!.page.waitForTimeout(250); // polling the extension's log file; bounded by the deadline
      }
    });

    it('offers every command it contributes in the palette, and runs one (Anole: Show Log)', async function () {
      const page = wb!.page;
      await page.locator('.monaco-workbench').focus();
      await page.keyboard.press('F1');
      const widget = page.locator('.quick-input-widget');
      await widget.waitFor({ state: 'visible' });
      const want = paletteTitles();
      assert.ok(want.length >= 15, `palette commands in package.json: ${want.length}`);
      const missing: string[] = [];
      for (const title of want) {
        await widget.locator('input.input').fill(`>${title}`);
        const row = widget.locator('.monaco-list-row .quick-input-list-label .label-name').filter({ hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
        try {
          await row.first().waitFor({ state: 'visible', timeout: 10_000 });
        } catch {
          missing.push(title);
        }
      }
      await page.keyboard.press('Escape');
      assert.deepEqual(missing, [], 'contributed commands the palette does not offer');
      await runCommand(page, 'Anole: Show Log');
      await waitForText(page, /activated\sin\s\d+\sms/, 30_000, '.part.panel'); // the editor renders spaces as U+00A0
      const shot = await screenshot(page, `smoke-${mode}`);
      assert.ok(fs.statSync(shot).size > 10_000, `screenshot ${shot} looks empty`);
    });
  });
}
