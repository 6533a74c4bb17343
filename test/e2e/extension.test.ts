// Anole in a real VS Code (code-server + Chromium): the packaged .vsix profiles a Go service on a real
// sshd and annotates the source: CPU CodeLens and heat on the hot line, then lock-hold on the Unlock line.
// Each test sets up what it needs (settings, captures), so any of them runs alone: --grep 'Clear Annotations'.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/extension.test.ts
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURE_DIR, markerLine } from '../host/goServices';
import { startTestHost, type TestHost } from '../host/testHost';
import { readLogs } from './support/codeServer';
import { repoRoot } from './support/paths';
import { useAnoleSession } from './support/session';
import { openFile, runCommand, screenshot, waitForText } from './support/workbench';
import { profileFrame } from './support/webviewFrames';
import { clickCodeLens, goToLine, lineAfterTexts, profile, profileAndWait, restoreUserSettings, runPickingCommand, waitForLineDecoration } from './support/editor';

const PROBLEMS = path.join(FIXTURE_DIR, 'hotsvc/problems.go');
const MAX_VSIX_BYTES = 8 * 1024 * 1024;

/** Packages the repository with the local vsce (dist/ must be built) and checks what ships. */
function packageAnole(outDir: string): string {
  for (const f of ['dist/extension.js', 'dist/server.js']) {
    if (!fs.existsSync(path.join(repoRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  // The bundles need nothing from node_modules at run time but vscode and ssh2's optional addons.
  const builtin = new Set(builtinModules);
  for (const f of ['dist/extension.js', 'dist/server.js']) {
    const code = fs.readFileSync(path.join(repoRoot, f), 'utf8');
    const external = [...new Set([...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]))]
      .filter((m) => !builtin.has(m.replace(/^node:/, '')) && m !== 'vscode' && m !== 'cpu-features' && !m.endsWith('.node'));
    assert.deepEqual(external, [], `${f} requires modules that are not bundled`);
  }
  const out = path.join(outDir, 'anole.vsix');
  execFileSync(path.join(repoRoot, 'node_modules/.bin/vsce'),
    ['package', '--no-dependencies', '--allow-missing-repository', '--out', out],
    { cwd: repoRoot, stdio: 'pipe', timeout: 120_000 });
  const size = fs.statSync(out).size;
  assert.ok(size < MAX_VSIX_BYTES, `the .vsix is ${size} bytes (limit ${MAX_VSIX_BYTES})`);
  const entries = execFileSync('unzip', ['-Z1', out], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const bad = entries.filter((e) => /^extension\/(src|test|node_modules|media\/src)\//.test(e) || e.endsWith('.map'));
  assert.deepEqual(bad, [], 'the .vsix ships sources, tests or maps');
  for (const need of ['extension/dist/extension.js', 'extension/dist/server.js', 'extension/package.nls.zh-cn.json', 'extension/l10n/bundle.l10n.zh-cn.json']) {
    assert.ok(entries.includes(need), `${need} is not in the .vsix`);
  }
  return out;
}

describe('e2e: Anole extension profiles a remote Go service', function () {
  this.timeout(300_000);
  let host: TestHost | undefined;
  const hotLine = markerLine(PROBLEMS, 'hot');
  const unlockLine = markerLine(PROBLEMS, 'unlock');
  const session = useAnoleSession({
    name: 'extension',
    prepare: async () => {
      host = await startTestHost({ toolchains: ['current'], serviceArgs: ['-cpu-duty', '60'] });
      const svc = host.services[0].service;
      assert.ok(svc.pprofUrl, 'the fixture service has no pprof URL');
      return {
        'anole.sshConfigFile': host.sshd.configFile,
        'anole.targets': [{ name: 'test', host: host.sshd.alias, pprofUrl: svc.pprofUrl }],
        'anole.profile.seconds': 2,
      };
    },
    vsix: packageAnole,
    cleanup: async () => host?.stop(),
  });

  it('profiles CPU from the palette: CodeLens on main.burnCPU and heat on the hot line', async function () {
    const page = session().page;
    await restoreUserSettings(page, session().server.workspace);
    await openFile(page, 'hotsvc/problems.go');
    await profile(page, 'cpu');
    await waitForText(page, /^CPU \d+(\.\d+)?% flat/, 90_000, '.editor-instance .monaco-editor .codelens-decoration');
    // The lens sits over `func burnCPU`.
    const lens = (await page.locator('.editor-instance .codelens-decoration').allTextContents()).join(' | ');
    assert.match(lens, /CPU \d+(\.\d+)?% flat/);
    await goToLine(page, hotLine);
    const heat = await waitForLineDecoration(page, hotLine, /\d+(\.\d+)?%/);
    console.log(`      hot line ${hotLine}: "${heat}"; lens: "${lens}"`);
    const shot = await screenshot(page, 'extension-cpu');
    assert.ok(fs.statSync(shot).size > 10_000);
  });

  it('the CodeLens opens the flame graph of the capture, drawn from the language server', async function () {
    const page = session().page;
    await restoreUserSettings(page, session().server.workspace);
    await profileAndWait(page, 'hotsvc/problems.go', 'cpu', hotLine);
    const lens = page.locator('.editor-instance .codelens-decoration a', { hasText: /^CPU \d/ }).first();
    const frame = await clickCodeLens(lens, (ms) => profileFrame(page, undefined, ms));
    await frame.locator('.flame-frames li[data-name="main.burnCPU"]').waitFor({ state: 'attached', timeout: 60_000 });
    assert.equal(await frame.locator('.error:not([hidden])').count(), 0, 'the view shows no error');
    await screenshot(page, 'extension-flame');
    await runCommand(page, 'View: Close All Editor Groups');
  });

  it('Compare Profiles diffs two CPU captures of the same process: the older one, replaced in the editor, still loads', async function () {
    const page = session().page;
    const cpuLoads = () => [...readLogs(session().server, 'Anole.log').matchAll(/loaded \S+: cpu\//g)].length;
    await restoreUserSettings(page, session().server.workspace);
    await openFile(page, 'hotsvc/problems.go');
    const before = cpuLoads();
    // Two captures: the second replaces the first in the editor; each loads exactly once.
    for (const n of [1, 2]) {
      await profile(page, 'cpu');
      const deadline = Date.now() + 90_000;
      while (cpuLoads() < before + n) {
        if (Date.now() > deadline) throw new Error(`CPU capture ${n} was not loaded`);
        await page.waitForTimeout(250); // polling the extension's log file; bounded by the deadline
      }
      assert.equal(cpuLoads(), before + n);
    }
    await runPickingCommand(page, 'Anole: Compare Profiles…');
    const widget = page.locator('.quick-input-widget');
    const pickRow = async (title: string, description: RegExp) => {
      await widget.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 30_000 });
      const row = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-description', { hasText: description }) }).first();
      await row.waitFor({ state: 'visible' });
      const label = (await row.locator('.label-name').first().innerText()).trim();
      await row.click();
      return label;
    };
    // Base: the first capture, no longer loaded (the second replaced it in the editor), offered from the stored captures.
    const base = await pickRow('Base profile (before)', /\.pb\.gz$/);
    // New: the second capture, the one annotating the source (listed by its live id).
    const next = await pickRow('New profile (after)', /^p\d+$/);
    assert.match(base, /^cpu · /);
    assert.match(next, /^cpu · /);
    assert.notEqual(base, next);
    const frame = await profileFrame(page);
    await frame.locator('.flame-frames li[data-name="main.burnCPU"]').waitFor({ state: 'attached', timeout: 60_000 });
    assert.equal(await frame.title(), `${next} − ${base}`);
    assert.equal(await frame.locator('body.diff').count(), 1, 'the view shows a diff');
    assert.equal(await frame.locator('.error:not([hidden])').count(), 0, 'the view shows no error');
    await screenshot(page, 'extension-compare');
    await runCommand(page, 'View: Close All Editor Groups');
    await openFile(page, 'hotsvc/problems.go');
    // The CodeLens of the newer capture still annotates the source.
    await waitForText(page, /^CPU \d+(\.\d+)?% flat/, 30_000, '.editor-instance .monaco-editor .codelens-decoration');
  });

  it('profiles mutex: lock-hold decoration "held …" on the Unlock line', async function () {
    const page = session().page;
    await restoreUserSettings(page, session().server.workspace);
    await openFile(page, 'hotsvc/problems.go');
    await profile(page, 'mutex');
    await goToLine(page, unlockLine);
    const held = await waitForLineDecoration(page, unlockLine, /^held /, 90_000);
    console.log(`      unlock line ${unlockLine}: "${held}"`);
    await screenshot(page, 'extension-mutex');
    const activated = /activated in (\d+) ms/.exec(readLogs(session().server, 'Anole.log'));
    if (activated) console.log(`      activate() took ${activated[1]} ms`);
  });

  it('the Anole view lists the target, its live Go process and the captures; Profile Again adds one', async function () {
    const page = session().page;
    await restoreUserSettings(page, session().server.workspace);
    // A CPU and then a mutex capture of the target (Profile Again repeats the last one).
    await profileAndWait(page, 'hotsvc/problems.go', 'cpu', hotLine);
    await profileAndWait(page, 'hotsvc/problems.go', 'mutex', unlockLine);
    await runCommand(page, 'View: Show Anole');
    const sidebar = '.part.sidebar';
    await waitForText(page, /^mutex · anole-test/, 30_000, sidebar);
    await waitForText(page, /^cpu · anole-test/, 30_000, sidebar);
    await page.locator(sidebar).getByText(/^test$/).first().click();
    const pid = host!.services[0].service.pid;
    await waitForText(page, new RegExp(`\\(${pid}\\)$`), 60_000, sidebar);
    // Profile Again re-runs the last target and kind (mutex) without asking: a second mutex capture.
    const mutexCaptures = await page.locator(sidebar).getByText(/^mutex · anole-test/).count();
    await runCommand(page, 'Anole: Profile Again');
    await page.locator(sidebar).getByText(/^mutex · anole-test/).nth(mutexCaptures).waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page, 'extension-view');
  });

  it('asks before trusting an unknown host key and for a key passphrase (kept out of the log)', async function () {
    const page = session().page;
    const sshd = host!.sshd;
    const svc = host!.services[0].service;
    // A second alias for the same sshd: empty known_hosts and the passphrase-protected key.
    const knownHosts = path.join(session().tmp, 'fresh_known_hosts');
    fs.writeFileSync(knownHosts, '');
    const base = fs.readFileSync(sshd.configFile, 'utf8');
    const block = /Host anole-test\n((?:  .*\n?)+)/.exec(base)![1]
      // `localhost`, so the pool does not reuse the live connection to user@127.0.0.1:port.
      .replace(/HostName .*/, 'HostName localhost')
      .replace(/IdentityFile .*/, `IdentityFile ${sshd.encryptedClientKey}`)
      .replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${knownHosts}`);
    const config = path.join(session().tmp, 'ssh_config_fresh');
    fs.writeFileSync(config, `${base}\nHost anole-fresh\n${block}\n`);
    // Workspace settings (the workspace folder is watched; the user settings file is not, in code-server).
    fs.mkdirSync(path.join(session().server.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(session().server.workspace, '.vscode', 'settings.json'), JSON.stringify({
      'anole.sshConfigFile': config,
      'anole.targets': [
        { name: 'test', host: sshd.alias, pprofUrl: svc.pprofUrl },
        { name: 'fresh', host: 'anole-fresh', pprofUrl: svc.pprofUrl },
      ],
    }, null, 2));
    await runCommand(page, 'View: Show Anole');
    await waitForText(page, /^fresh$/, 30_000, '.part.sidebar'); // the settings change reached the extension

    await runPickingCommand(page, 'Anole: Profile Remote Service');
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: 'Anole: Which host?' }).waitFor({ state: 'visible', timeout: 30_000 });
    await widget.locator('input.input').fill('fresh');
    await widget.locator('.monaco-list-row', { hasText: 'fresh' }).first().click();
    await widget.locator('.quick-input-title', { hasText: 'Anole: What to profile' }).waitFor({ state: 'visible', timeout: 30_000 });
    await widget.locator('input.input').fill('heap');
    await widget.locator('.monaco-list-row', { hasText: /^heap/ }).first().click();

    const fingerprint = execFileSync('ssh-keygen', ['-lf', sshd.hostKeys.ed25519], { encoding: 'utf8' }).split(' ')[1];
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    assert.ok(text.includes(fingerprint), `the dialog does not show ${fingerprint}:\n${text}`);
    assert.match(text, /ssh-ed25519/);
    assert.equal(fs.readFileSync(knownHosts, 'utf8'), '', 'known_hosts written before the user agreed');
    await screenshot(page, 'extension-hostkey');
    await dialog.locator('.monaco-button', { hasText: 'Trust and connect' }).click();

    await widget.locator('input[type="password"]').waitFor({ state: 'visible', timeout: 30_000 });
    await widget.locator('input[type="password"]').fill(sshd.passphrase);
    await page.keyboard.press('Enter');
    await page.locator('.part.sidebar').getByText(/^heap · anole-fresh/).first().waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(fs.readFileSync(knownHosts, 'utf8'), new RegExp(`^\\[localhost\\]:${sshd.port} ssh-ed25519 `));
    const log = readLogs(session().server, 'Anole.log');
    assert.ok(log && !log.includes(sshd.passphrase), 'the passphrase reached the log');
  });
  it('a changed threshold reconfigures the server live: decorations follow, the profiles stay loaded', async function () {
    const page = session().page;
    await restoreUserSettings(page, session().server.workspace);
    await profileAndWait(page, 'hotsvc/problems.go', 'cpu', hotLine);
    await profileAndWait(page, 'hotsvc/problems.go', 'mutex', unlockLine);
    await goToLine(page, hotLine);
    await waitForLineDecoration(page, hotLine, /%/);
    const file = path.join(session().server.workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const ws = (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {}) as Record<string, unknown>;
    // Only lines holding ≥ 99% of their profile stay: the unlock line (all the mutex delay), not the hot line.
    fs.writeFileSync(file, JSON.stringify({ ...ws, 'anole.annotations.minPercent': 99 }, null, 2));
    const deadline = Date.now() + 30_000;
    while (JSON.stringify(await page.evaluate(lineAfterTexts, { line: hotLine })) !== '[]') {
      if (Date.now() > deadline) throw new Error(`line ${hotLine} is still decorated after minPercent 99`);
      await page.waitForTimeout(250); // polling the rendered DOM; bounded by the deadline
    }
    await goToLine(page, unlockLine);
    await waitForLineDecoration(page, unlockLine, /^held /, 30_000); // same profiles, new threshold
    assert.match(readLogs(session().server, 'Anole.log'), /language server reconfigured/);
    fs.writeFileSync(file, JSON.stringify(ws, null, 2));
    await goToLine(page, hotLine);
    await waitForLineDecoration(page, hotLine, /%/, 30_000);
  });

  it('Clear Annotations removes the decorations and the CodeLens', async function () {
    const page = session().page;
    await restoreUserSettings(page, session().server.workspace);
    await profileAndWait(page, 'hotsvc/problems.go', 'cpu', hotLine);
    await waitForText(page, /^CPU \d+(\.\d+)?% flat/, 30_000, '.editor-instance .monaco-editor .codelens-decoration');
    await profileAndWait(page, 'hotsvc/problems.go', 'mutex', unlockLine);
    await goToLine(page, unlockLine);
    await waitForLineDecoration(page, unlockLine, /^held /);
    await runCommand(page, 'Anole: Clear Annotations');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } })
      .document.querySelectorAll('.editor-instance .codelens-decoration').length === 0, undefined, { timeout: 30_000 });
    assert.deepEqual(await page.evaluate(lineAfterTexts, { line: unlockLine }), []);
  });

  for (const backend of ['dlv', 'gdb'] as const) it(`attaches the anole debugger (${backend}) from launch.json: goroutine groups shown, detached on stop`, async function () {
    const page = session().page;
    const svc = host!.services[0].service;
    fs.mkdirSync(path.join(session().server.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(session().server.workspace, '.vscode', 'launch.json'), JSON.stringify({
      version: '0.2.0',
      configurations: [{
        type: 'anole', request: 'attach', name: 'Attach hotsvc', host: host!.sshd.alias,
        sshConfigFile: host!.sshd.configFile, processId: svc.pid, backend,
      }],
    }, null, 2));
    await runCommand(page, 'View: Show Run and Debug');
    // The ▶ of the Run and Debug view starts the selected configuration ("Attach hotsvc").
    const start = page.locator('[aria-label^="Start Debugging"]').first();
    await start.waitFor({ timeout: 30_000 });
    await start.click();
    // Expand the Goroutine Groups view (collapsed under Breakpoints), then it lists the 50 leaked
    // goroutines as one group, at the line where they wait.
    const header = page.locator('.pane-header').filter({ hasText: 'Goroutine Groups' }).first();
    await header.waitFor({ timeout: 30_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await waitForText(page, /^50 × chan receive$/, 90_000);
    await waitForText(page, /main\.leakyWorker · problems\.go:\d+/, 30_000);
    await screenshot(page, backend === 'dlv' ? 'extension-debug' : 'extension-debug-gdb');
    const tracer = () => Number(/^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${svc.pid}/status`, 'utf8'))?.[1] ?? -1);
    assert.ok(tracer() > 0, `${backend} is attached`);
    await runCommand(page, 'Debug: Disconnect');
    const deadline = Date.now() + 30_000;
    while (tracer() !== 0) {
      if (Date.now() > deadline) throw new Error('the debugger did not detach after Debug: Stop');
      await page.waitForTimeout(200); // polling /proc; bounded by the deadline
    }
    const health = await fetch(`http://${svc.addr}/healthz`);
    assert.equal(health.status, 200, 'the service answers after the debug session');
  });
  it('captures a core dump from the palette (pause shown) and opens it offline with gdb: goroutine groups from the core', async function () {
    const page = session().page;
    const sshd = host!.sshd;
    const svc = host!.services[0].service;
    await openFile(page, 'hotsvc/problems.go'); // a Go file: Anole is active
    fs.mkdirSync(path.join(session().server.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(session().server.workspace, '.vscode', 'settings.json'), JSON.stringify({
      'anole.sshConfigFile': sshd.configFile,
      'anole.targets': [{ name: 'core-target', host: sshd.alias, pid: svc.pid }],
      'anole.coreDump.tool': 'dlv',
    }, null, 2));
    await runCommand(page, 'View: Show Anole');
    await waitForText(page, /^core-target$/, 30_000, '.part.sidebar');

    await runCommand(page, 'Anole: Capture Core Dump');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await dialog.innerText(), new RegExp(`Capture a core dump of core-target \\(PID ${svc.pid}\\)`));
    await dialog.getByRole('button', { name: 'Capture Core Dump' }).click();
    await waitForText(page, /^Core dump of core-target: [\d.]+(B|kB|MB|GB); the process was paused \d+ ms\.$/, 120_000);
    const tracer = () => Number(/^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${svc.pid}/status`, 'utf8'))?.[1] ?? -1);
    assert.equal(tracer(), 0, 'dlv detached after writing the core');
    assert.equal((await fetch(`http://${svc.addr}/healthz`)).status, 200, 'the service answers after the core dump');
    await waitForText(page, /^core · anole-test \(\d+\)$/, 30_000, '.part.sidebar'); // listed under Captures

    await runPickingCommand(page, 'Anole: Open Core Dump');
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: 'Anole: Open Core Dump' }).waitFor({ state: 'visible', timeout: 30_000 });
    await widget.locator('.monaco-list-row').first().click();
    await widget.locator('.quick-input-title', { hasText: 'Anole: Open the core dump with…' }).waitFor({ state: 'visible', timeout: 30_000 });
    await widget.locator('.monaco-list-row', { hasText: /^gdb/ }).first().click();
    await runCommand(page, 'View: Show Run and Debug');
    const header = page.locator('.pane-header').filter({ hasText: 'Goroutine Groups' }).first();
    await header.waitFor({ timeout: 30_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await waitForText(page, /^50 × chan receive$/, 90_000);
    await waitForText(page, /main\.leakyWorker · problems\.go:\d+/, 30_000);
    await waitForText(page, /Paused on core dump/i, 30_000); // the Call Stack's state of the session
    await screenshot(page, 'extension-core-gdb');
    // Filter the groups: only the leaked goroutines' group stays. The main goroutine (parked in
    // fixture.WaitForExit) is a group that is always there to disappear and come back.
    const mainGroup = /WaitForExit · fixture\.go:\d+$/;
    await waitForText(page, mainGroup, 30_000);
    await runPickingCommand(page, 'Anole: Filter Goroutine Groups');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('leakyWorker');
    await page.keyboard.press('Enter');
    await waitForText(page, /filter "leakyWorker": 1 of \d+ groups/, 30_000);
    await page.getByText(mainGroup).first().waitFor({ state: 'detached', timeout: 15_000 });
    await waitForText(page, /^50 × chan receive$/, 15_000);
    await runCommand(page, 'Anole: Clear Goroutine Groups Filter');
    await waitForText(page, mainGroup, 30_000);
    assert.equal(tracer(), 0, 'opening the core never touches the process');
    const gdbs = () => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
      try { return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('anole-gdb.'); } catch { return false; }
    });
    assert.ok(gdbs().length > 0, 'gdb runs on the core (under its watchdog)');
    await runCommand(page, 'Debug: Disconnect');
    const deadline = Date.now() + 30_000;
    while (gdbs().length > 0) {
      if (Date.now() > deadline) throw new Error('gdb is still running after Debug: Disconnect');
      await page.waitForTimeout(200); // polling /proc; bounded by the deadline
    }
  });
});
