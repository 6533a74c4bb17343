// Source notes from a recorded Go 1.26 trace of tracesvc: runnable and blocked lines at the marked lines, group lenses, culprits.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTraceNotes, groupLens } from '../../src/core/annotations/traceNotes';
import type { PathResolver } from '../../src/core/annotations/model';
import { starvationReport } from '../../src/core/trace';
import { FIXTURE_DIR, REPO_ROOT, traceMarkerLines } from '../host/goServices';

/** tracesvc built by Go 1.26 with -trimpath, traced over the test sshd (test/fixtures/traces/README.md). */
const TRACE = path.join(REPO_ROOT, 'test', 'fixtures', 'traces', 'go1.26', 'tracesvc.trace');
const WAITS = path.join(FIXTURE_DIR, 'tracesvc', 'waits.go');

/** Maps the recorded tracesvc paths onto this checkout; the Go tree is stdlib; the rest unmapped. */
const mapper: PathResolver = {
  explain: (p) => {
    if (p.endsWith('/tracesvc/waits.go')) return { local: WAITS, reason: 'workspace' };
    if (p.startsWith('/usr/local/go/') || p.includes('/go/src/')) return { local: null, reason: 'stdlib' };
    return { local: null, reason: 'unmatched' };
  },
};

describe('trace notes (recorded tracesvc trace)', () => {
  const report = starvationReport(fs.readFileSync(TRACE));
  const marks = traceMarkerLines();
  const notes = buildTraceNotes(report, { mapper, minWaitMs: 1 });
  const file = notes.files.get(WAITS)!;

  it('marks the starved sleep loop’s resume line runnable, with count and max, and culprits in the detail', () => {
    assert.ok(file, `annotated files: ${[...notes.files.keys()]}`);
    const tick = file.runnable.find((n) => n.line === marks['tick-sleep'].line);
    assert.ok(tick, `runnable lines: ${file.runnable.map((n) => n.line)}`);
    assert.match(tick.label, /^runnable [\d.]+m?s · \d+× · max [\d.]+m?s$/);
    assert.match(tick.detail, /Ps were held by: .*`main\.cpuHog` \d+%/);
    assert.ok(file.runnable.every((n) => n.weight > 0 && n.weight <= 1));
    assert.equal(Math.max(...file.runnable.map((n) => n.weight)), 1);
  });

  it('marks block lines by reason, merging the reasons of one line', () => {
    const at = (m: keyof typeof marks) => file.blocked.find((n) => n.line === marks[m].line)?.label ?? '';
    assert.match(at('lock-wait'), /^blocked on sync /);
    assert.match(at('chan-recv'), /^blocked on chan /);
    assert.match(at('select-wait'), /^blocked on select /);
    assert.match(at('net-read'), /^blocked on network /);
    assert.match(at('syscall-read'), /^blocked on syscall /);
    assert.match(at('tick-sleep'), /^blocked on sleep /);
    const lines = file.blocked.map((n) => n.line);
    assert.equal(new Set(lines).size, lines.length, 'one blocked note per line');
  });

  it('leaves out lines below the threshold', () => {
    const strict = buildTraceNotes(report, { mapper, minWaitMs: 1000 });
    const n = strict.files.get(WAITS);
    const all = [...(n?.runnable ?? []), ...(n?.blocked ?? [])];
    assert.ok(all.length < file.runnable.length + file.blocked.length);
    for (const x of [...(n?.runnable ?? [])]) assert.ok(x.ns >= 1e9, `${x.label} under 1 s`);
  });

  it('summarises goroutine groups for lenses at their start functions', () => {
    const hog = notes.groups.find((g) => g.group.function === 'main.cpuHog');
    assert.ok(hog?.startIn && hog.startIn.local === WAITS);
    assert.match(hog.lens, /^3 goroutines · running [\d.]+m?s · runnable \d+% · blocked on sleep [\d.]+m?s$/);
    assert.equal(groupLens({ ...hog.group, blockedNs: { chan: 0, select: 0, sync: 0, net: 0, sleep: 0, syscall: 0, gc: 0, other: 0 } }).includes('blocked'), false);
    assert.ok(notes.groups.every((g) => g.startIn || g.createdAt), 'only groups with a local place');
    assert.ok(notes.mappedFiles >= 1);
    assert.ok(notes.unmappedFiles.some((f) => f.endsWith('/internal/fixture/fixture.go')), JSON.stringify(notes.unmappedFiles));
    assert.ok(notes.unmappedFiles.every((f) => !f.startsWith('/usr/local/go/')), 'the Go tree is not reported unmapped');
  });
});
