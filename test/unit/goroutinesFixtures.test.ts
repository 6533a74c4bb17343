// Goroutine dumps recorded from a real Go program (Go 1.26 and 1.19): the parser finds what it started.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAnoleError } from '../../src/core/errors';
import {
  analyzeGoroutineDump,
  groupGoroutines,
  innermostUserFrame,
  parseGoroutineDump,
  type GoroutineGroup,
  type GroupedGoroutines,
} from '../../src/core/goroutines';

const DUMPS = path.join(__dirname, '..', 'fixtures', 'dumps');
const SOURCE = fs.readFileSync(path.join(DUMPS, 'gen', 'main.go'), 'utf8');

/** Line numbers of the "// MARK:name" comments in the generator, and the constants marked so. */
const marks = new Map<string, number>();
const counts = new Map<string, number>();
SOURCE.split('\n').forEach((line, i) => {
  const m = /\/\/ MARK:(\w+)/.exec(line);
  if (!m) return;
  marks.set(m[1], i + 1);
  const value = /^\s*(\w+)\s*=\s*(\d+)/.exec(line);
  if (value && value[1] === m[1]) counts.set(m[1], Number(value[2]));
});

function mark(name: string): number {
  const line = marks.get(name);
  assert.ok(line, `no MARK:${name} in gen/main.go`);
  return line;
}

function count(name: string): number {
  const n = counts.get(name);
  assert.ok(n, `no constant marked MARK:${name} in gen/main.go`);
  return n;
}

/** The line of the generator that matches `re` (there must be one). */
function sourceLine(re: RegExp): number {
  const lines = SOURCE.split('\n');
  const at = lines.findIndex((l) => re.test(l));
  assert.ok(at >= 0 && lines.findIndex((l, i) => i > at && re.test(l)) < 0, `one line of gen/main.go matches ${re}`);
  return at + 1;
}

function read(...parts: string[]): Buffer {
  return fs.readFileSync(path.join(DUMPS, ...parts));
}

/** The groups whose innermost user frame is the marked line. */
function groupsAt(grouped: GroupedGoroutines, name: string, skipStdlib = false): GoroutineGroup[] {
  const line = mark(name);
  return grouped.groups.filter((g) => {
    const f = innermostUserFrame(g.frames, { skipStdlib });
    return f !== undefined && f.line === line && f.file.endsWith('main.go');
  });
}

function groupAt(grouped: GroupedGoroutines, name: string, skipStdlib = false): GoroutineGroup {
  const found = groupsAt(grouped, name, skipStdlib);
  assert.equal(found.length, 1, `expected one group waiting at MARK:${name} (line ${mark(name)})`);
  return found[0];
}

function expectBadDump(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAnoleError(e), `not an AnoleError: ${String(e)}`);
    assert.equal(e.code, 'BAD_DUMP');
    assert.match(e.message, /^no goroutines found: /);
    assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    return true;
  });
}

for (const version of ['go1.26', 'go1.19'] as const) {
  const modern = version === 'go1.26';

  describe(`goroutine dumps recorded with ${version}`, () => {
    const parsed = parseGoroutineDump(read(version, 'goroutines.debug2.txt'));
    const grouped = groupGoroutines(parsed.goroutines);

    it('parses every goroutine without warnings', () => {
      assert.deepEqual(parsed.warnings, []);
      // main + everything start() counted (see the generator) + the listener's accept.
      const started = count('numLeaks') + count('numSenders') + count('numMutex') + count('numGeneric') + 5 + 3 + 1;
      assert.equal(parsed.goroutines.length, started + 1);
      assert.equal(grouped.total, parsed.goroutines.length);
      assert.ok(parsed.goroutines.every((g) => !g.truncated && g.frames.length > 0));
    });

    it('finds the leaked goroutines as the biggest group, waiting at the marked line', () => {
      const leak = groupAt(grouped, 'leak');
      assert.equal(leak, grouped.groups[0]);
      assert.equal(leak.count, count('numLeaks'));
      assert.equal(leak.ids.length, count('numLeaks'));
      assert.equal(leak.state, 'chan receive');
      assert.equal(leak.waitMinutes, null);
      assert.equal(innermostUserFrame(leak.frames)?.function, 'main.leak');
      assert.equal(leak.createdBy?.function, 'main.startLeaks');
      assert.equal(leak.createdBy?.line, sourceLine(/\bgo leak\(ch\)/));
    });

    it('reads "created by", with the creating goroutine only where Go prints it', () => {
      const leaked = parsed.goroutines.filter((g) => g.createdBy?.function === 'main.startLeaks');
      assert.equal(leaked.length, count('numLeaks'));
      for (const g of leaked) {
        assert.equal(g.createdBy!.goroutineId, modern ? 1 : undefined);
        assert.ok(g.createdBy!.file.endsWith('dumpgen/main.go'));
      }
      const main = parsed.goroutines.find((g) => g.id === 1)!;
      assert.equal(main.state, 'running');
      assert.equal(main.createdBy, null);
    });

    it('reads the states of blocked goroutines', () => {
      const expect: Array<[string, string, number]> = [
        ['send', 'chan send', count('numSenders')],
        ['mutex', modern ? 'sync.Mutex.Lock' : 'semacquire', count('numMutex')],
        ['select', 'select', 1],
        ['sleep', 'sleep', 1],
        ['nilchan', 'chan receive (nil chan)', 1],
        ['wg', modern ? 'sync.WaitGroup.Wait' : 'semacquire', 1],
        ['generic', 'chan receive', count('numGeneric')],
        ['closure', 'chan receive', 1],
        ['panicking', 'chan receive', 1],
        ['deep', 'chan receive', 1],
      ];
      for (const [name, state, n] of expect) {
        const g = groupAt(grouped, name);
        assert.equal(g.state, state, `state at MARK:${name}`);
        assert.equal(g.count, n, `count at MARK:${name}`);
      }
    });

    it('marks the goroutine locked to its thread', () => {
      const g = groupAt(grouped, 'locked');
      assert.equal(g.lockedToThread, 1);
      const locked = parsed.goroutines.filter((x) => x.lockedToThread);
      assert.deepEqual(locked.map((x) => x.frames[0].function), ['main.lockedToThread']);
    });

    it('reads generic, closure, method and panic frames', () => {
      assert.equal(innermostUserFrame(groupAt(grouped, 'generic').frames)?.function, 'main.waitOn[...]');
      assert.match(innermostUserFrame(groupAt(grouped, 'closure').frames)!.function, /^main\.closures\.func\d+(\.\d+)?$/);
      assert.equal(innermostUserFrame(groupAt(grouped, 'wg').frames)?.function, 'main.(*worker).run');
      const panicking = groupAt(grouped, 'panicking');
      assert.deepEqual(
        panicking.frames.map((f) => f.function),
        ['main.panicking.func1', 'panic', 'main.panicking'],
      );
      const g = parsed.goroutines.find((x) => x.frames[1]?.function === 'panic')!;
      assert.match(g.frames[1].args, /^\{0x[0-9a-f]+\??, 0x[0-9a-f]+\??\}$/);
      assert.equal(g.frames[1].pcOffset?.startsWith('+0x'), true);
    });

    it('finds the accepting goroutine in main once the standard library is skipped', () => {
      const g = groupAt(grouped, 'accept', true);
      assert.equal(g.state, 'IO wait');
      assert.equal(innermostUserFrame(g.frames)?.function, 'net.(*netFD).accept');
    });

    it('keeps the frames of the deep recursion that the runtime printed', () => {
      const g = groupAt(grouped, 'deep');
      assert.ok(g.frames.length >= 90, `${g.frames.length} frames`);
      assert.ok(g.frames.slice(1).every((f) => f.function === 'main.deep'));
      // Go ≥ 1.21 elides the middle of stacks over 100 frames and says so.
      assert.equal(g.elided, modern);
    });

    it('reads the debug=1 profile of the same process into the same groups', () => {
      const report = analyzeGoroutineDump(read(version, 'goroutines.debug1.txt'));
      assert.equal(report.format, 'debug=1');
      assert.equal(report.total, parsed.goroutines.length);
      assert.deepEqual(report.warnings, []);
      const leak = groupAt(report, 'leak');
      assert.equal(leak.count, count('numLeaks'));
      assert.equal(leak.state, '');
      assert.deepEqual(leak.ids, []);
      assert.equal(groupAt(report, 'mutex').count, count('numMutex'));
    });

    it('reads panic tracebacks at GOTRACEBACK=all and =system', () => {
      for (const file of ['panic-all.txt', 'panic-system.txt']) {
        const report = analyzeGoroutineDump(read(version, file));
        assert.deepEqual(report.warnings, [], file);
        assert.equal(groupAt(report, 'leak').count, count('numLeaks'), file);
        assert.equal(groupAt(report, 'mutex').count, count('numMutex'), file);
        const running = report.groups.find((g) => g.state === 'running')!;
        assert.equal(running.frames.find((f) => f.function === 'main.main')?.file.endsWith('main.go'), true);
      }
      const system = parseGoroutineDump(read(version, 'panic-system.txt'));
      // "system" adds runtime goroutines, and (since Go 1.23) gp=/m= in headers and fp/sp/pc after locations.
      assert.ok(system.goroutines.some((g) => g.state === 'GC sweep wait'));
      assert.ok(system.goroutines.every((g) => g.frames.every((f) => f.line > 0)));
      if (modern) assert.ok(system.goroutines.every((g) => g.extra.some((x) => x.startsWith('gp=0x'))));
    });

    it('refuses the binary (gzipped protobuf) profile of the same process, saying what it is', () => {
      expectBadDump(() => parseGoroutineDump(read(version, 'goroutines.pb.gz')), /binary pprof profile \(gzip\)/);
      expectBadDump(() => analyzeGoroutineDump(read(version, 'goroutines.pb.gz')), /binary pprof profile/);
    });

    it('refuses a debug=1 profile in parseGoroutineDump, pointing at debug=2', () => {
      assert.throws(
        () => parseGoroutineDump(read(version, 'goroutines.debug1.txt')),
        (e: unknown) => isAnoleError(e) && /debug=1/.test(e.message) && /debug=2/.test(e.hint ?? ''),
      );
    });
  });
}

describe('goroutine dumps derived from a real one (edge/)', () => {
  const original = groupGoroutines(parseGoroutineDump(read('go1.26', 'goroutines.debug2.txt')).goroutines);
  const summary = (g: GroupedGoroutines): unknown =>
    g.groups.map((x) => [x.count, x.state, x.frames.map((f) => `${f.function} ${f.file}:${f.line}`), x.createdBy]);

  it('refuses an empty file', () => {
    expectBadDump(() => parseGoroutineDump(read('edge', 'empty.txt')), /empty/);
    expectBadDump(() => analyzeGoroutineDump(read('edge', 'empty.txt')), /empty/);
  });

  it('reads CRLF line endings like LF', () => {
    const parsed = parseGoroutineDump(read('edge', 'crlf.txt'));
    assert.deepEqual(parsed.warnings, []);
    assert.deepEqual(summary(groupGoroutines(parsed.goroutines)), summary(original));
    assert.ok(parsed.goroutines.every((g) => g.frames.every((f) => !/\r/.test(f.file + f.args + (f.pcOffset ?? '')))));
  });

  it('skips log lines before and a shell message after the dump', () => {
    const parsed = parseGoroutineDump(read('edge', 'junk.txt'));
    assert.deepEqual(parsed.warnings, []);
    assert.deepEqual(summary(groupGoroutines(parsed.goroutines)), summary(original));
  });

  it('keeps what is there of a dump cut mid-goroutine, and says where it was cut', () => {
    const parsed = parseGoroutineDump(read('edge', 'cut.txt'));
    const last = parsed.goroutines[parsed.goroutines.length - 1];
    assert.equal(last.truncated, true);
    assert.equal(last.state, 'sync.WaitGroup.Wait');
    assert.deepEqual(last.frames.map((f) => f.function), ['sync.runtime_SemacquireWaitGroup']);
    assert.deepEqual(parsed.warnings, [`the dump ends inside goroutine ${last.id}: its stack is incomplete`]);
    assert.ok(parsed.goroutines.slice(0, -1).every((g) => !g.truncated));
    const grouped = groupGoroutines(parsed.goroutines);
    assert.equal(groupAt(grouped, 'leak').count, count('numLeaks'));
    assert.equal(grouped.groups.filter((g) => g.truncated).length, 1);
  });

  it('reads how long goroutines have waited', () => {
    const parsed = parseGoroutineDump(read('edge', 'minutes.txt'));
    assert.deepEqual(
      parsed.goroutines.filter((g) => g.waitMinutes !== null).map((g) => g.waitMinutes),
      [11, 12, 13, 7],
    );
    const grouped = groupGoroutines(parsed.goroutines);
    const leak = groupAt(grouped, 'leak');
    assert.equal(leak.count, count('numLeaks'));
    assert.equal(leak.waitMinutes, 13);
    assert.equal(leak.minWaitMinutes, 0);
    const locked = groupAt(grouped, 'locked');
    assert.equal(locked.waitMinutes, 7);
    assert.equal(locked.minWaitMinutes, 7);
    assert.equal(locked.lockedToThread, 1);
    // Equal counts sort by the longer wait: the locked goroutine now leads the groups of one.
    assert.equal(grouped.groups.find((g) => g.count === 1), locked);
  });
});
