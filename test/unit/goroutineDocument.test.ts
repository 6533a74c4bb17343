// The grouped and raw goroutine documents, and their file:line index, on the recorded dumps.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeGoroutineDump, type GoroutineGroup, type GoroutineReport } from '../../src/core/goroutines';
import {
  indexDumpLocations,
  indexGroupHeaders,
  renderGroupedReport,
  renderRawDump,
  sortGroups,
  type DumpLocation,
  type RenderedDump,
} from '../../src/core/goroutines/document';

const DUMPS = path.resolve(__dirname, '../fixtures/dumps');
const read = (rel: string) => fs.readFileSync(path.join(DUMPS, rel));
const RECORDED = ['go1.26', 'go1.19'].flatMap((v) =>
  ['goroutines.debug2.txt', 'panic-all.txt', 'panic-system.txt', 'goroutines.debug1.txt'].map((f) => `${v}/${f}`),
);

/** Every location points at "<file>:<line>" in the text, exactly where the index says. */
function assertLocationsMatchText(doc: RenderedDump, what: string): void {
  const lines = doc.text.split(/\r?\n/);
  for (const loc of doc.locations) {
    const line = lines[loc.line];
    assert.equal(line.slice(loc.start, loc.end), loc.file, `${what}: path of line ${loc.line}`);
    assert.ok(line.startsWith(`:${loc.sourceLine}`, loc.end), `${what}: line number after the path on line ${loc.line}: ${line}`);
  }
}

/** The group headers of a grouped document, by regular expression (independent of the renderer). */
function headerLines(text: string): string[] {
  return text.split('\n').filter((l) => /^# \d+ goroutines? · /.test(l));
}

describe('goroutine document: grouped view', () => {
  for (const rel of RECORDED) {
    it(`renders every group of ${rel}, counts adding up to the total`, () => {
      const report = analyzeGoroutineDump(read(rel));
      const doc = renderGroupedReport(report);
      const first = doc.text.split('\n')[0];
      assert.equal(first, `# Anole goroutine report · ${report.total} goroutines in ${report.groups.length} groups · ${report.format}`);
      assert.equal(doc.groups.length, report.groups.length);
      assert.equal(headerLines(doc.text).length, report.groups.length);
      assert.equal(doc.groups.reduce((n, g) => n + g.count, 0), report.total);
      // Biggest first; longest wait first among equal counts.
      for (let i = 1; i < doc.groups.length; i++) assert.ok(doc.groups[i - 1].count >= doc.groups[i].count, `order at ${i}`);
      const frames = report.groups.reduce((n, g) => n + g.frames.filter((f) => f.file && f.line > 0).length + (g.createdBy?.line ? 1 : 0), 0);
      assert.equal(doc.locations.length, frames, 'one link per frame and creator with a location');
      assertLocationsMatchText(doc, rel);
      assert.deepEqual(indexDumpLocations(doc.text), doc.locations, 'the renderer and the text index agree');
      assert.deepEqual(indexGroupHeaders(doc.text), doc.groups, 'headers re-read from the text agree');
    });
  }

  it('writes the wait, locked threads and ids in the group header (edge/minutes.txt)', () => {
    const doc = renderGroupedReport(analyzeGoroutineDump(read('edge/minutes.txt')), { maxIds: 5 });
    const lines = doc.text.split('\n');
    const headers = headerLines(doc.text);
    assert.equal(headers[0], '# 25 goroutines · chan receive · up to 13 minutes');
    assert.equal(lines[doc.groups[0].line + 1], '#   ids 22 23 24 25 26 … (+20 more)');
    assert.equal(lines[doc.groups[0].line + 2], 'main.leak');
    assert.equal(lines[doc.groups[0].line + 3], '\tanole.test/dumpgen/main.go:37');
    assert.equal(lines[doc.groups[0].line + 4], 'created by main.startLeaks');
    assert.ok(headers.includes('# 1 goroutine · chan receive · 7 minutes · 1 locked to thread'), headers.join('\n'));
    assert.deepEqual(
      { count: doc.groups[0].count, state: doc.groups[0].state, detail: doc.groups[0].detail },
      { count: 25, state: 'chan receive', detail: 'up to 13 minutes' },
    );
  });

  it('says where the dump came from and what capturing it cost, only when told', () => {
    const report = analyzeGoroutineDump(read('go1.26/goroutines.debug2.txt'));
    const head = renderGroupedReport(report, {
      source: 'me@build-7:22 · pid 4242\n(http://127.0.0.1:6060/debug/pprof/)',
      capturedAt: new Date(Date.UTC(2026, 10, 25, 2, 30, 5, 120)),
      pauseMs: 12.4,
    }).text.split('\n');
    assert.equal(head[1], '# source: me@build-7:22 · pid 4242 (http://127.0.0.1:6060/debug/pprof/)');
    assert.equal(head[2], '# captured 2026-11-25 02:30:05 UTC · pause ≤ 12 ms while the dump was written');
    const bare = renderGroupedReport(report).text.split('\n');
    assert.equal(bare[1], '', 'no source, time or pause lines when none is given');
    assert.match(renderGroupedReport(report, { pauseMs: 2345 }).text, /pause ≤ 2\.35 s/);
  });

  it('sorts groups by count, then longest wait, whatever order they come in', () => {
    const g = (count: number, waitMinutes: number | null, state: string): GoroutineGroup => ({
      count, state, waitMinutes, minWaitMinutes: waitMinutes, lockedToThread: 0, frames: [], createdBy: null, ids: [], elided: false, truncated: false,
    });
    const report: GoroutineReport = {
      format: 'debug=2', total: 9, warnings: ['1 line skipped'],
      groups: [g(1, null, 'a'), g(3, 2, 'b'), g(3, 9, 'c'), g(1, 4, 'd'), g(1, null, 'e')],
    };
    assert.deepEqual(sortGroups(report.groups).map((x) => x.state), ['c', 'b', 'd', 'a', 'e']);
    const doc = renderGroupedReport(report);
    assert.deepEqual(doc.groups.map((x) => x.state), ['c', 'b', 'd', 'a', 'e']);
    assert.match(doc.text, /^# warning: 1 line skipped$/m);
    assert.match(doc.text, /^# 3 goroutines · c · 9 minutes$/m);
  });

  it('keeps "created by" without a creating goroutine (Go 1.19) and marks elided stacks', () => {
    const old = renderGroupedReport(analyzeGoroutineDump(read('go1.19/goroutines.debug2.txt'))).text;
    assert.match(old, /^created by main\.startLeaks$/m);
    assert.doesNotMatch(old, /in goroutine/);
    const deep = renderGroupedReport(analyzeGoroutineDump(read('go1.26/goroutines.debug2.txt'))).text;
    assert.match(deep, /^\.\.\.additional frames elided\.\.\.$/m);
  });

  it('says what debug=1 lacks instead of inventing states', () => {
    const doc = renderGroupedReport(analyzeGoroutineDump(read('go1.26/goroutines.debug1.txt')));
    assert.match(doc.text, /^# debug=1 carries counts and stacks only/m);
    assert.ok(headerLines(doc.text).every((h) => h.includes(' · no state in debug=1')));
    assert.doesNotMatch(doc.text, /#   ids/);
  });

  it('flags a group cut off by the end of the dump (edge/cut.txt)', () => {
    const doc = renderGroupedReport(analyzeGoroutineDump(read('edge/cut.txt')));
    assert.ok(doc.groups.some((g) => g.detail.includes('cut off by the end of the dump')));
    assertLocationsMatchText(doc, 'cut');
  });
});

describe('goroutine document: raw view and location index', () => {
  it('keeps the dump text as fetched and links every location line (go1.26 debug=2)', () => {
    const bytes = read('go1.26/goroutines.debug2.txt');
    const doc = renderRawDump(bytes);
    assert.equal(doc.text, bytes.toString('utf8'));
    assert.deepEqual(doc.groups, []);
    const expected = doc.text.split('\n').filter((l) => /^\t.+:\d+( |$)/.test(l)).length;
    assert.ok(expected > 100);
    assert.equal(doc.locations.length, expected);
    assert.deepEqual(doc.locations[0], { line: 2, start: 1, end: 23, file: 'runtime/pprof/pprof.go', sourceLine: 819 });
    assertLocationsMatchText(doc, 'debug2');
  });

  it('stops the path before the PC offset and the fp/sp/pc registers (GOTRACEBACK=system)', () => {
    const doc = renderRawDump(read('go1.26/panic-system.txt'));
    assertLocationsMatchText(doc, 'panic-system');
    const main = doc.locations.find((l) => l.file === 'anole.test/dumpgen/main.go' && l.sourceLine === 197);
    assert.ok(main, 'main.go:197 (the panic) is linked');
    assert.ok(doc.locations.every((l) => !/[ +=]/.test(l.file)), 'no offset or register in a path');
  });

  it('indexes CRLF dumps with columns that exclude the carriage return', () => {
    const crlf = renderRawDump(read('edge/crlf.txt'));
    const lf = renderRawDump(read('edge/crlf.txt').toString('utf8').replace(/\r\n/g, '\n'));
    assert.ok(crlf.locations.length > 0);
    assert.deepEqual(crlf.locations, lf.locations);
  });

  it('indexes debug=1 frames ("#\\t0x..\\tfn+0x..\\tfile:line")', () => {
    const doc = renderRawDump(read('go1.26/goroutines.debug1.txt'));
    assert.ok(doc.locations.length > 20);
    assertLocationsMatchText(doc, 'debug1');
    const lines = doc.text.split('\n');
    assert.ok(doc.locations.every((l) => lines[l.line].startsWith('#\t')));
  });

  it('reads paths with spaces and colons, and skips lines that are not locations', () => {
    const text = [
      'goroutine 1 [running]:',
      'main.main()',
      '\tC:/Program Files/svc/main.go:12 +0x1d',
      'main.f(...)',
      '\t/srv/a:b/x.go:7',
      '\tno location here',
      'created by main.g in goroutine 3',
      '\t/srv/x.go:0',
      'main.h()',
      '\t',
      '# 3 goroutines · chan receive',
      '',
    ].join('\n');
    const got: DumpLocation[] = indexDumpLocations(text);
    assert.deepEqual(got, [
      { line: 2, start: 1, end: 29, file: 'C:/Program Files/svc/main.go', sourceLine: 12 },
      { line: 4, start: 1, end: 14, file: '/srv/a:b/x.go', sourceLine: 7 },
    ]);
    assert.deepEqual(indexDumpLocations(''), []);
  });

  it('refuses binary input with BAD_DUMP', () => {
    assert.throws(() => renderRawDump(read('go1.26/goroutines.pb.gz')), (e: Error & { code?: string }) => e.code === 'BAD_DUMP');
  });
});
