// What users read, pinned to golden files under test/golden/ (recorded inputs from test/fixtures; ANOLE_UPDATE_GOLDEN=1 rewrites them):
// the grouped goroutine report, profile and trace hovers, the CLI tables and the doctor's text report.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderReport } from '../../src/cli/commands/doctor';
import { hostSummary, judge } from '../../src/core/doctor/run';
import { parseDoctorOutput } from '../../src/core/doctor/script';
import { analyzeGoroutineDump } from '../../src/core/goroutines';
import { renderGroupedReport } from '../../src/core/goroutines/document';
import { hover } from '../../src/server/features';
import { readSettings } from '../../src/server/settings';
import { ProfileStore } from '../../src/server/store';
import { traceHoverParts } from '../../src/server/traceFeatures';
import { TraceStore } from '../../src/server/traceStore';
import { buildMapping } from '../../src/server/workspace';
import { FIXTURE_DIR, traceMarkerLines } from '../host/goServices';
import { runCli } from '../support/cli';
import { assertGolden, lineDiff } from '../support/golden';
import { FIXTURES as PROFILES, fixture, markLine } from '../fixtures/profiles/fixtures';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const text = (p: string) => fs.readFileSync(p, 'utf8');

describe('golden: the grouped goroutine report', () => {
  for (const dump of ['go1.26/goroutines.debug2.txt', 'go1.19/panic-all.txt', 'edge/minutes.txt']) {
    it(dump, () => {
      const report = analyzeGoroutineDump(fs.readFileSync(path.join(FIXTURES, 'dumps', dump)));
      const doc = renderGroupedReport(report, { source: `dumps/${dump}`, capturedAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), pauseMs: 12 });
      assertGolden(`goroutines/grouped-${dump.replace(/\//g, '-')}`, doc.text);
    });
  }
});

describe('golden: hover markdown', () => {
  it('profile: the hot line of the recorded Go 1.26 CPU profile, and a line of its function without samples', async () => {
    const gen = path.join(PROFILES, 'gen');
    const { mapper } = buildMapping({ folders: [gen], substitutions: [] });
    const store = new ProfileStore(mapper, { minPercent: 1, lensMinPercent: 2 });
    await store.load({ path: fixture('go1.26', 'cpu') });
    const file = path.join(gen, 'main.go');
    const value = (line0: number) => (hover(store, file, line0, text)?.contents as { value: string } | undefined)?.value ?? '(no hover)';
    const fn = text(file).split('\n').findIndex((l) => l.startsWith('func hotLoop(')) + 1;
    assertGolden('hover/profile-cpu-hot.md', `${value(markLine('hot') - 1)}\n`);
    assertGolden('hover/profile-cpu-in-function.md', `${value(fn)}\n`);
  });

  it('trace: the marked lines of tracesvc in the recorded Go 1.26 trace', async () => {
    const waits = path.join(FIXTURE_DIR, 'tracesvc', 'waits.go');
    const mapper = { explain: (p: string) => (p.endsWith('/tracesvc/waits.go') ? { local: waits, reason: 'workspace' as const } : { local: null, reason: 'unmatched' as const }) };
    const store = new TraceStore(mapper, 1);
    await store.load({ path: path.join(FIXTURES, 'traces', 'go1.26', 'tracesvc.trace') });
    const settings = readSettings(null).trace;
    const out: string[] = [];
    for (const [name, m] of Object.entries(traceMarkerLines())) {
      const parts = traceHoverParts(store, m.file, m.line - 1, text, settings);
      out.push(`## ${name} (line ${m.line})`, ...(parts.length > 0 ? parts : ['(no hover)']), '');
    }
    assertGolden('hover/trace-tracesvc.md', out.join('\n'));
  });
});

describe('golden: CLI tables', function () {
  this.timeout(60_000);
  const cases: Array<[string, string[]]> = [
    ['top-cpu.txt', ['top', fixture('go1.26', 'cpu')]],
    ['top-heap-lines.txt', ['top', fixture('go1.26', 'heap'), '--by', 'line', '--limit', '15']],
    ['locks-mutex.txt', ['locks', fixture('go1.26', 'mutex')]],
    ['diff-cpu.txt', ['diff', fixture('go1.19', 'cpu'), fixture('go1.26', 'cpu')]],
    ['goroutines.txt', ['goroutines', path.join(FIXTURES, 'dumps', 'go1.26', 'goroutines.debug2.txt')]],
    ['trace-report.txt', ['trace', 'report', path.join(FIXTURES, 'traces', 'go1.26', 'tracesvc.trace')]],
  ];
  for (const [name, args] of cases) {
    it(`anole ${args.map((a) => (path.isAbsolute(a) ? path.relative(FIXTURES, a) : a)).join(' ')}`, async () => {
      const r = await runCli(args, { env: { LANG: 'C.UTF-8', LC_ALL: '', NO_COLOR: '1' } });
      assertGolden(`cli/${name}`, `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
    });
  }

  it('anole doctor: the text report of a recorded Anolis 8 host (with and without --verbose)', () => {
    const ev = parseDoctorOutput(text(path.join(FIXTURES, 'doctor', 'anolis8-cgroupv2.txt')));
    const binary = { goVersion: 'go1.24.3', settings: {}, deps: [], hasDwarf: true, hasSymtab: true, glibcNeeds: [] };
    const report = { host: hostSummary(ev, 4242), process: { pid: 4242, exe: '/opt/api/bin/api', goVersion: 'go1.24.3' }, findings: judge({ ev, pid: 4242, env: new Map(), binary, windowSec: 2 }) };
    assertGolden('cli/doctor.txt', renderReport(report, false));
    assertGolden('cli/doctor-verbose.txt', renderReport(report, true));
  });
});

describe('golden files helper', () => {
  it('shows the differing lines with context, golden (-) then actual (+)', () => {
    assert.equal(lineDiff('a\nb\nc\nd\ne\n', 'a\nb\nC\nd\ne\n'), '@@ line 3 @@\n  a\n  b\n- c\n+ C\n  d\n  e');
    assert.equal(lineDiff('a\n', 'a\nb\n'), '@@ line 2 @@\n  a\n+ b\n  ');
  });
});
