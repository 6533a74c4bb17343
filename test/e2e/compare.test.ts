// Anole in a real VS Code (code-server + Chromium): Compare Profiles on two profile files of hotsvc, the
// second with the hot line costing 3×, puts "+200% vs baseline" after the hot line of problems.go,
// and closing the comparison takes it away again.
// Run after `npm run build`: npx mocha --config .mocharc.json --timeout 300000 test/e2e/compare.test.ts
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeProfile, encodeProfile, type Profile } from '../../src/core/pprof';
import { FIXTURE_DIR, markerLine } from '../host/goServices';
import { PROFILES } from '../support/lspServer';
import { readLogs } from './support/codeServer';
import { goToLine, lineAfterTexts, runPickingCommand, waitForLineDecoration } from './support/editor';
import { useAnoleSession } from './support/session';
import { profileFrame } from './support/webviewFrames';
import { openFile, quickOpen, runCommand, screenshot } from './support/workbench';

/** A copy of `p` whose samples with a leaf at `line` of problems.go count three times. */
function tripled(p: Profile, line: number): Profile {
  const values = Float64Array.from(p.samples.values);
  const n = p.sampleTypes.length;
  for (let i = 0; i < p.samples.count; i++) {
    const frame = p.locations[p.samples.stackLocs[p.samples.stackStart[i]]].lines[0];
    if (frame?.line === line && p.functions[frame.function].filename.endsWith('hotsvc/problems.go')) {
      for (let t = 0; t < n; t++) values[i * n + t] *= 3;
    }
  }
  return { ...p, samples: { ...p.samples, values } };
}

describe('e2e: Compare shows "± vs baseline" in the source', function () {
  this.timeout(300_000);
  const hotLine = markerLine(path.join(FIXTURE_DIR, 'hotsvc/problems.go'), 'hot');
  const session = useAnoleSession({
    name: 'compare',
    prepare: ({ workspace }) => {
      const dir = path.join(workspace, 'compare');
      fs.mkdirSync(dir);
      const base = path.join(PROFILES, 'cpu.pb.gz');
      fs.copyFileSync(base, path.join(dir, 'before.pb.gz'));
      fs.writeFileSync(path.join(dir, 'after.pb.gz'), encodeProfile(tripled(decodeProfile(fs.readFileSync(base)), hotLine)));
      // Raw values: the tripled line is exactly +200%.
      return { 'anole.compare.normalize': 'none' };
    },
  });

  it('Compare Profiles: "+200% vs baseline" after the hot line, gone when the comparison closes', async function () {
    const page = session().page;
    // Opening each file in Anole's profile editor loads it (the editor holds it while open).
    for (const name of ['before.pb.gz', 'after.pb.gz']) {
      await quickOpen(page, `compare/${name}`);
      const frame = await profileFrame(page, name);
      await frame.locator('.flame-frames li[data-name="main.burnCPU"]').waitFor({ state: 'attached', timeout: 60_000 });
    }
    await runPickingCommand(page, 'Anole: Compare Profiles…');
    const widget = page.locator('.quick-input-widget');
    const pick = async (title: string, label: string) => {
      await widget.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 30_000 });
      const row = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace('.', '\\.')}$`) }) }).first();
      await row.waitFor({ state: 'visible' });
      await row.click();
    };
    await pick('Base profile (before)', 'before.pb.gz');
    await pick('New profile (after)', 'after.pb.gz');
    const diff = await profileFrame(page, 'after.pb.gz − before.pb.gz');
    await diff.locator('.flame-frames li[data-name="main.burnCPU"]').waitFor({ state: 'attached', timeout: 60_000 });

    await openFile(page, 'hotsvc/problems.go');
    await goToLine(page, hotLine);
    const label = await waitForLineDecoration(page, hotLine, /vs baseline/, 60_000);
    assert.equal(label, '+200% vs baseline');
    assert.match(readLogs(session().server, 'Anole.log'), /compare p\d+ vs baseline p\d+ \(none\): 1 changed line\(s\) in 1 file\(s\)/);
    await screenshot(page, 'compare-vs-baseline');

    // Closing everything closes the comparison: the label goes (the server announces the change).
    await runCommand(page, 'View: Close All Editor Groups');
    await openFile(page, 'hotsvc/problems.go');
    await goToLine(page, hotLine);
    const deadline = Date.now() + 30_000;
    let seen: string[] | null = null;
    for (;;) {
      seen = await page.evaluate(lineAfterTexts, { line: hotLine });
      if (seen && !seen.some((t) => /vs baseline/.test(t))) break;
      if (Date.now() > deadline) assert.fail(`the comparison label stayed after the compare panel closed: ${JSON.stringify(seen)}`);
      await page.waitForTimeout(250); // polling the rendered DOM; bounded by the deadline
    }
  });
});
