// Anole in a real VS Code (code-server + Chromium) against a real Parca (v0.28.0) on loopback scraping two
// hotsvc replicas, the canary running the hot loop 3x as long: "Compare Fleet/Backend Profiles…", two
// label sets, puts "+N% vs baseline" (about +200%) after the hot line of problems.go.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/backends/compareBackend.test.ts
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURE_DIR, binaryOf, buildFixtures, markerLine, startService, type RunningService } from '../host/goServices';
import { parcaBinary, startParca, waitForCpuSeries, type TestParca } from '../host/parca';
import { readLogs } from '../e2e/support/codeServer';
import { goToLine, runPickingCommand, waitForLineDecoration } from '../e2e/support/editor';
import { useAnoleSession } from '../e2e/support/session';
import { profileFrame } from '../e2e/support/webviewFrames';
import { openFile, screenshot } from '../e2e/support/workbench';

const TRACKS = [
  { track: 'stable', duty: 10 },
  { track: 'canary', duty: 30 },
];

describe('e2e: Compare Fleet/Backend Profiles, two label sets of a real Parca', function () {
  this.timeout(300_000);
  const hotLine = markerLine(path.join(FIXTURE_DIR, 'hotsvc/problems.go'), 'hot');
  let parca: TestParca | undefined;
  const services: RunningService[] = [];
  let t0 = 0;
  const session = useAnoleSession({
    name: 'compare-backend',
    prepare: async () => {
      const bin = parcaBinary();
      const [build] = await buildFixtures({ goVersions: ['current'], names: ['hotsvc'] });
      for (const t of TRACKS) {
        services.push(await startService(binaryOf(build, 'hotsvc'), ['-cpu-duty', String(t.duty), '-lock=false', '-leak', '0', '-chansend=false']));
      }
      t0 = Date.now();
      parca = await startParca(bin, TRACKS.map((t, i) => ({ job: 'hotsvc', addr: services[i].addr, labels: { track: t.track } })), { intervalS: 4 });
      return { 'anole.backends': [{ name: 'parca-test', kind: 'parca', url: parca.url }] };
    },
    // code-server starts while Parca gathers its first scrapes.
    alongside: () => waitForCpuSeries(parca!, '{job="hotsvc"}', TRACKS.length, t0),
    cleanup: async () => {
      await parca?.stop();
      parca?.cleanup();
      await Promise.all(services.map((s) => s.stop()));
    },
  });

  it('stable (baseline) vs canary from the palette: the hot line is marked about +200% vs baseline', async function () {
    const page = session().page;
    const widget = page.locator('.quick-input-widget');
    const title = (text: string) => widget.locator('.quick-input-title', { hasText: text }).waitFor({ state: 'visible', timeout: 30_000 });
    const pickRow = async (label: RegExp) => {
      const row = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      await row.click();
    };
    /** The label picker, then the value of `track`, then the selector box it fills (accepted as is). */
    const pickTrack = async (purpose: string, value: string) => {
      await title(`Anole: Which service? Pick a label (${purpose})`);
      await pickRow(/^track$/);
      await title('Anole: Which track?');
      await pickRow(new RegExp(`^${value}$`));
      await title(`Anole: Label selector (${purpose})`);
      assert.equal(await widget.locator('input.input').inputValue(), `{track="${value}"}`);
      await page.keyboard.press('Enter');
    };

    await openFile(page, 'hotsvc/problems.go');
    await runPickingCommand(page, 'Anole: Compare Fleet/Backend Profiles…');
    await title('Anole: What to compare?');
    await pickRow(/Two label sets/);
    // The only configured server is taken without asking; then the type, the range and the two selectors.
    await title('Anole: Which profile type?');
    await widget.locator('input.input').fill('process_cpu:cpu:nanoseconds');
    await pickRow(/^cpu$/);
    await title('Anole: Which time range?');
    await pickRow(/^Last 15 minutes$/);
    await pickTrack('baseline, e.g. the rest', 'stable');
    await pickTrack('new, e.g. the canary', 'canary');
    await title('Anole: Normalise the baseline');
    await pickRow(/^Raw values$/);

    const frame = await profileFrame(page);
    await frame.locator('.flame-frames li[data-name="main.burnCPU"]').waitFor({ state: 'attached', timeout: 60_000 });
    assert.equal(await frame.locator('body.diff').count(), 1, 'the view shows a diff');

    await openFile(page, 'hotsvc/problems.go');
    await goToLine(page, hotLine);
    const label = await waitForLineDecoration(page, hotLine, /vs baseline/, 60_000);
    console.log(`      hot line ${hotLine}: "${label}"`);
    const m = /^\+(\d+)% vs baseline$/.exec(label);
    assert.ok(m, `the hot line got worse: ${label}`);
    // 3x the duty cycle: +200%, give or take what 2 shared cores do to CPU time.
    assert.ok(Number(m[1]) > 100 && Number(m[1]) < 350, label);
    assert.match(readLogs(session().server, 'Anole.log'), /compare sources: \{track="canary"\} .* vs baseline \{track="stable"\} .*, none/);
    await screenshot(page, 'compare-backend-labels');
  });
});
