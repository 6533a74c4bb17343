// Proves the e2e harness: real VS Code (code-server) in Chromium loads a throwaway extension whose
// CodeLens and decoration we can see, installed both as a .vsix (how users get Anole) and as a
// copied folder (the fast path while iterating).
// Run: npx mocha --config .mocharc.json --timeout 300000 test/e2e/smoke.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireE2ePaths } from './support/paths';
import { startCodeServer, type CodeServer, type CodeServerOptions } from './support/codeServer';
import { hasDecorationText, openFile, openWorkbench, readNotifications, runCommand, screenshot, waitForDecorationText, waitForText, type Workbench, reportFailure } from './support/workbench';
import { packageVsix } from './support/vsix';

const HELLO_EXT = path.join(__dirname, 'fixtures', 'hello-ext');

type Mode = 'vsix' | 'folder';

async function extensionOptions(mode: Mode, tmp: string): Promise<Partial<CodeServerOptions>> {
  return mode === 'vsix'
    ? { vsixPaths: [await packageVsix(HELLO_EXT, tmp)] }
    : { extensionFolders: [HELLO_EXT] };
}

for (const mode of ['vsix', 'folder'] as const) {
  describe(`e2e smoke (${mode}): code-server + chromium + hello extension`, function () {
    let tmp: string;
    let server: CodeServer | undefined;
    let wb: Workbench | undefined;

    before(async function () {
      requireE2ePaths(); // fails first, saying to run scripts/setup-e2e.sh, when not installed
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-smoke-'));
      const workspace = path.join(tmp, 'workspace');
      fs.mkdirSync(workspace);
      fs.writeFileSync(path.join(workspace, 'go.mod'), 'module example.com/hello\n\ngo 1.21\n');
      fs.writeFileSync(path.join(workspace, 'main.go'),
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello")\n}\n');
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

    it('shows the extension\'s CodeLens on a Go file', async function () {
      await openFile(wb!.page, 'main.go');
      await waitForText(wb!.page, 'E2E lens', 60_000, '.editor-instance .monaco-editor');
    });

    it('runs the command from the palette and renders its after-decoration', async function () {
      assert.equal(await hasDecorationText(wb!.page, 'anole-e2e-ok'), false, 'decoration shown before the command ran');
      await runCommand(wb!.page, 'Hello E2E: Annotate');
      await waitForDecorationText(wb!.page, 'anole-e2e-ok');
      await waitForText(wb!.page, 'Hello E2E: annotated line 1');
      assert.ok((await readNotifications(wb!.page)).includes('Hello E2E: annotated line 1'));
      const shot = await screenshot(wb!.page, `smoke-${mode}`);
      assert.ok(fs.statSync(shot).size > 10_000, `screenshot ${shot} looks empty`);
    });
  });
}
