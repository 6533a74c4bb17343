// Anole in a real VS Code (code-server + Chromium): Profile Fleet captures two replicas of hotsvc over a
// real sshd at once, and the merged profile heats the hot line and is listed as "fleet: 2 replicas".
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/fleet.test.ts
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fleetSshConfig, startFleet, type TestFleet } from '../host/fleet';
import { FIXTURE_DIR, binaryOf, buildFixtures, markerLine } from '../host/goServices';
import { startSshd, type TestSshd } from '../host/sshd';
import { readLogs } from './support/codeServer';
import { goToLine, runPickingCommand, waitForLineDecoration } from './support/editor';
import { useAnoleSession } from './support/session';
import { openFile, runCommand, screenshot, waitForText } from './support/workbench';

describe('e2e: Profile Fleet merges replicas into one annotated profile', function () {
  this.timeout(300_000);
  const hotLine = markerLine(path.join(FIXTURE_DIR, 'hotsvc/problems.go'), 'hot');
  let sshd: TestSshd | undefined;
  let fleet: TestFleet | undefined;
  const session = useAnoleSession({
    name: 'fleet',
    prepare: async () => {
      const [s, [build]] = await Promise.all([startSshd(), buildFixtures({ goVersions: ['current'], names: ['hotsvc'] })]);
      sshd = s;
      fleet = await startFleet(binaryOf(build, 'hotsvc'), [['-cpu-duty', '40', '-lock=false'], ['-cpu-duty', '40', '-lock=false']]);
      return {
        // Two aliases of the test sshd: a Host pattern picks both, and their replicas are profiled once.
        'anole.sshConfigFile': fleetSshConfig(sshd, ['replica-a', 'replica-b']),
        'anole.targets': [{ name: 'fleet', host: 'replica-*', processName: fleet.name }],
        'anole.profile.seconds': 2,
        'anole.profile.kind': 'cpu',
      };
    },
    cleanup: async () => {
      await fleet?.stop();
      await sshd?.stop();
    },
  });

  it('profiles the fleet from the palette: heat on the hot line, "fleet: 2 replicas" in Captures', async function () {
    const page = session().page;
    await openFile(page, 'hotsvc/problems.go');
    await runPickingCommand(page, 'Anole: Profile Fleet');
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: 'Anole: Which replicas?' }).waitFor({ state: 'visible', timeout: 30_000 });
    await widget.locator('.monaco-list-row', { hasText: 'replica-*' }).first().click();
    await widget.locator('.quick-input-title', { hasText: 'Anole: Seconds' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await widget.locator('input.input').inputValue(), '2');
    await page.keyboard.press('Enter');
    await waitForText(page, /Fleet profile loaded: 2 replicas, 2 s\./, 120_000, '.notifications-toasts');
    await goToLine(page, hotLine);
    const heat = await waitForLineDecoration(page, hotLine, /\d+(\.\d+)?%/, 60_000);
    console.log(`      hot line ${hotLine}: "${heat}"`);
    await runCommand(page, 'View: Show Anole');
    await waitForText(page, /^cpu · fleet: 2 replicas, 2 s$/, 30_000, '.part.sidebar');
    const log = readLogs(session().server, 'Anole.log');
    assert.match(log, /fleet replica-\*: 2 replicas, 2 s/);
    assert.match(log, new RegExp(`replica-a/\\d+: \\d+\\.\\d%`));
    await screenshot(page, 'fleet-cpu');
  });
});
