// The debug=2 dump parser: headers, frame forms, cut and dirty input, errors, and agreement with a plain reference.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { isAnoleError } from '../../src/core/errors';
import { detectDumpFormat, groupGoroutines, parseGoroutineDump, parseHeaderAttrs, parseLabels, type Goroutine } from '../../src/core/goroutines';

/** A dump from lines joined with "\n" (tabs written as \t). */
const dump = (...lines: string[]): string => lines.join('\n') + '\n';

function only(text: string): Goroutine {
  const { goroutines, warnings } = parseGoroutineDump(text);
  assert.deepEqual(warnings, []);
  assert.equal(goroutines.length, 1);
  return goroutines[0];
}

function badDump(input: string | Uint8Array): { message: string; hint?: string } {
  try {
    parseGoroutineDump(input);
  } catch (e) {
    assert.ok(isAnoleError(e), String(e));
    assert.equal(e.code, 'BAD_DUMP');
    assert.ok(!e.message.includes('\n'));
    return { message: e.message, hint: e.hint };
  }
  assert.fail('expected BAD_DUMP');
}

const LEAK = dump(
  'goroutine 7 [chan receive, 12 minutes]:',
  'main.leak(0xc000012345)',
  '\t/home/me/app/main.go:37 +0x1b',
  'created by main.startLeaks in goroutine 1',
  '\t/home/me/app/main.go:43 +0x37',
);

describe('goroutine dump headers', () => {
  it('reads id, state, minutes and locked to thread', () => {
    const g = only(LEAK);
    assert.equal(g.id, 7);
    assert.equal(g.state, 'chan receive');
    assert.equal(g.waitMinutes, 12);
    assert.equal(g.lockedToThread, false);
    assert.deepEqual(g.extra, []);
    const locked = only(dump('goroutine 18446744 [select, 1 minutes, locked to thread]:', 'main.f()', '\tx.go:1 +0x1'));
    assert.equal(locked.id, 18446744);
    assert.equal(locked.state, 'select');
    assert.equal(locked.waitMinutes, 1);
    assert.equal(locked.lockedToThread, true);
  });

  it('tolerates blanks pasted after a header', () => {
    assert.equal(only(dump('goroutine 3 [select]:  \t', 'main.f()', '\tx.go:1')).state, 'select');
  });

  it('keeps states with parentheses and dots whole', () => {
    for (const state of ['chan send (nil chan)', 'select (no cases)', 'sync.RWMutex.RLock', 'GC worker (idle)', 'IO wait', 'chan receive (durable)']) {
      assert.equal(only(dump(`goroutine 3 [${state}]:`, 'main.f()', '\tx.go:1')).state, state);
    }
  });

  it('sets aside "(scan)", "(leaked)", synctest bubbles, gp= and unknown attributes', () => {
    const g = only(dump('goroutine 9 gp=0xc000102000 m=nil [chan receive (leaked) (scan), 3 minutes, synctest bubble 4, some future thing]:', 'main.f()', '\tx.go:1'));
    assert.equal(g.state, 'chan receive');
    assert.equal(g.leaked, true);
    assert.equal(g.waitMinutes, 3);
    assert.deepEqual(g.extra, ['gp=0xc000102000 m=nil', '(scan)', '(leaked)', 'synctest bubble 4', 'some future thing']);
    // Go adds " (durable)" to idle states inside a synctest bubble; it stays part of the state.
    assert.equal(only(dump('goroutine 9 [sleep (durable), synctest bubble 1]:', 'time.Sleep(0x1)', '\tx.go:1')).state, 'sleep (durable)');
  });

  it('reads goroutine labels (GODEBUG=tracebacklabels=1), even with brackets and commas in values', () => {
    const g = only(dump('goroutine 5 [select, locked to thread labels:{"handler": "/api/x, y]:", "tab": "a\\tb\\x01\\u00e9"}]:', 'main.f()', '\tx.go:1'));
    assert.equal(g.state, 'select');
    assert.equal(g.lockedToThread, true);
    assert.deepEqual(g.labels, { handler: '/api/x, y]:', tab: 'a\tb\x01é' });
    assert.equal(only(LEAK).labels, null);
    assert.equal(parseLabels('{"a": "b"'), null);
    assert.deepEqual(parseHeaderAttrs('', 'running labels:{broken').extra, ['labels:{broken']);
  });
});

describe('goroutine dump frames', () => {
  it('splits function, arguments, file, line and PC offset', () => {
    const g = only(LEAK);
    assert.deepEqual(g.frames, [{ function: 'main.leak', args: '0xc000012345', file: '/home/me/app/main.go', line: 37, pcOffset: '+0x1b' }]);
    assert.deepEqual(g.createdBy, { function: 'main.startLeaks', file: '/home/me/app/main.go', line: 43, goroutineId: 1 });
    assert.equal(g.elided, false);
    assert.equal(g.truncated, false);
  });

  it('reads receivers, generics, closures, inlined and panic frames', () => {
    const g = only(
      dump(
        'goroutine 12 [running]:',
        'panic({0x4a5b60?, 0xc00009e030?})',
        '\t/usr/local/go/src/runtime/panic.go:770 +0x132',
        'main.(*Server).handle(...)',
        '\t/src/app/server.go:88',
        'main.Map[...](0x1, {0xc0000b2000, 0x3, 0x4}, ...)',
        '\t/src/app/gen.go:12 +0x45',
        'example.com/pkg/v2.(*List[...]).Push(0x0?)',
        '\t/src/pkg/list.go:7 +0x9',
        'main.main.func1.2()',
        '\t/src/app/main.go:30 +0x25',
        'created by main.main.func1 in goroutine 1',
        '\t/src/app/main.go:28 +0x7f',
      ),
    );
    assert.deepEqual(
      g.frames.map((f) => [f.function, f.args, f.line, f.pcOffset]),
      [
        ['panic', '{0x4a5b60?, 0xc00009e030?}', 770, '+0x132'],
        ['main.(*Server).handle', '...', 88, null],
        ['main.Map[...]', '0x1, {0xc0000b2000, 0x3, 0x4}, ...', 12, '+0x45'],
        ['example.com/pkg/v2.(*List[...]).Push', '0x0?', 7, '+0x9'],
        ['main.main.func1.2', '', 30, '+0x25'],
      ],
    );
    assert.equal(g.createdBy?.function, 'main.main.func1');
  });

  it('reads paths with spaces and colons, Windows paths and fp/sp/pc suffixes', () => {
    const g = only(
      dump(
        'goroutine 1 gp=0xc000002380 m=0 mp=0x5a3c20 [running]:',
        'main.a()',
        '\t/home/me/my project/main.go:10 +0x1d',
        'main.b()',
        '\tC:/Program Files/Go/src/runtime/proc.go:250 +0xd6',
        'main.c()',
        '\tC:\\Users\\me\\src\\app\\x: y.go:7',
        'main.d(0x1)',
        '\t/src/main.go:3 +0x2f fp=0xc000047f70 sp=0xc000047f50 pc=0x4b3d0f',
        'main.e()',
        '\t/src/main.go:5 fp=0xc000047f78 sp=0xc000047f70 pc=0x4b3d40',
      ),
    );
    assert.deepEqual(
      g.frames.map((f) => [f.file, f.line, f.pcOffset]),
      [
        ['/home/me/my project/main.go', 10, '+0x1d'],
        ['C:/Program Files/Go/src/runtime/proc.go', 250, '+0xd6'],
        ['C:\\Users\\me\\src\\app\\x: y.go', 7, null],
        ['/src/main.go', 3, '+0x2f'],
        ['/src/main.go', 5, null],
      ],
    );
  });

  it('reads "created by" without a goroutine (Go < 1.21)', () => {
    const g = only(dump('goroutine 21 [chan receive]:', 'main.leak(0x0?)', '\tmain.go:37 +0x1b', 'created by main.startLeaks', '\tmain.go:43 +0x34'));
    assert.deepEqual(g.createdBy, { function: 'main.startLeaks', file: 'main.go', line: 43 });
  });

  it('marks stacks the runtime elided, in both spellings', () => {
    for (const note of ['...additional frames elided...', '...51 frames elided...']) {
      const g = only(dump('goroutine 4 [chan receive]:', 'main.deep(0x0)', '\tmain.go:9 +0x1', note, 'main.deep(0x5)', '\tmain.go:9 +0x1', 'created by main.start', '\tmain.go:2 +0x1'));
      assert.equal(g.elided, true);
      assert.equal(g.frames.length, 2);
      assert.equal(g.createdBy?.function, 'main.start');
    }
  });

  it('shares equal frames between goroutines but never mixes their arguments', () => {
    const text = [1, 2, 3].map((id) => dump(`goroutine ${id} [select]:`, `main.serve(0xc00000${id === 3 ? 1 : 0}000, 0x0?)`, '\t/src/main.go:9 +0x1', 'main.run()', '\t/src/main.go:4 +0x2')).join('\n');
    const [a, b, c] = parseGoroutineDump(text).goroutines;
    assert.equal(a.frames[0], b.frames[0]);
    assert.equal(a.frames[1], c.frames[1]);
    assert.equal(c.frames[0].args, '0xc000001000, 0x0?');
    assert.equal(a.frames[0].args, '0xc000000000, 0x0?');
    assert.equal(c.frames[0].function, a.frames[0].function);
  });

  it('skips ancestor stacks (GODEBUG=tracebackancestors) and unavailable stacks', () => {
    const { goroutines, warnings } = parseGoroutineDump(
      dump(
        'goroutine 8 [running]:',
        '\tgoroutine running on other thread; stack unavailable',
        '',
        'goroutine 9 [chan receive]:',
        'main.f()',
        '\tmain.go:5 +0x1',
        'created by main.g in goroutine 7',
        '\tmain.go:9 +0x2',
        '[originating from goroutine 7]:',
        'main.g(...)',
        '\tmain.go:9 +0x2',
        'created by main.main',
        '\tmain.go:20 +0x3',
      ),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(goroutines.map((g) => [g.id, g.frames.length, g.truncated]), [[8, 0, false], [9, 1, false]]);
    assert.equal(goroutines[1].createdBy?.function, 'main.g');
  });
});

describe('goroutine dumps that are cut, dirty or not dumps at all', () => {
  it('reads CRLF, a BOM, and Buffer input like a plain string', () => {
    const plain = parseGoroutineDump(LEAK);
    assert.deepEqual(parseGoroutineDump(LEAK.replace(/\n/g, '\r\n')), plain);
    assert.deepEqual(parseGoroutineDump(Buffer.from('\ufeff' + LEAK)), plain);
    const utf8 = LEAK.replace('/home/me/', '/home/zoë/');
    assert.equal(parseGoroutineDump(Buffer.from(utf8)).goroutines[0].frames[0].file, '/home/zoë/app/main.go');
  });

  it('skips a panic message before and an exit status right after the last goroutine', () => {
    const { goroutines, warnings } = parseGoroutineDump('panic: boom\n\n' + LEAK + 'exit status 2\n');
    assert.deepEqual(warnings, []);
    assert.equal(goroutines.length, 1);
    assert.equal(goroutines[0].truncated, false);
    assert.equal(goroutines[0].frames.length, 1);
  });

  it('marks a goroutine cut inside a frame line', () => {
    const text = LEAK.slice(0, LEAK.indexOf('main.leak(') + 7);
    const { goroutines, warnings } = parseGoroutineDump(text);
    assert.equal(goroutines[0].truncated, true);
    assert.deepEqual(goroutines[0].frames, []);
    assert.deepEqual(warnings, ['the dump ends inside goroutine 7: its stack is incomplete']);
  });

  it('marks a goroutine cut after a function line, inside a location, or after its header', () => {
    const afterFunction = LEAK.slice(0, LEAK.indexOf('\t/home'));
    assert.equal(parseGoroutineDump(afterFunction).goroutines[0].truncated, true);
    const insideLocation = LEAK.slice(0, LEAK.indexOf(':37') + 2); // "main.go:3" of "main.go:37"
    const g = parseGoroutineDump(insideLocation).goroutines[0];
    assert.equal(g.truncated, true);
    assert.equal(g.frames[0].function, 'main.leak');
    const afterHeader = LEAK.slice(0, LEAK.indexOf('\n') + 1);
    assert.equal(parseGoroutineDump(afterHeader).goroutines[0].truncated, true);
    // A complete last line without its newline is not a cut.
    assert.equal(parseGoroutineDump(LEAK.trimEnd()).goroutines[0].truncated, false);
  });

  it('keeps a goroutine whose header was cut off, in an unknown state', () => {
    const { goroutines, warnings } = parseGoroutineDump(LEAK + '\ngoroutine 8 [chan rec');
    assert.deepEqual(goroutines.map((g) => [g.id, g.state, g.truncated]), [[7, 'chan receive', false], [8, 'unknown', true]]);
    assert.equal(warnings.length, 1);
  });

  it('warns about unreadable locations and caps the warnings', () => {
    const bad = (id: number): string => dump(`goroutine ${id} [select]:`, 'main.f()', '\tno line number here');
    const text = Array.from({ length: 60 }, (_, i) => bad(i + 1)).join('\n');
    const { goroutines, warnings } = parseGoroutineDump(text);
    assert.equal(goroutines.length, 60);
    assert.deepEqual(goroutines[0].frames[0], { function: 'main.f', args: '', file: '', line: 0, pcOffset: null });
    assert.equal(warnings.length, 51);
    assert.equal(warnings[0], 'goroutine 1: cannot read file:line from "no line number here"');
    assert.equal(warnings[50], '…and 10 more warnings');
    assert.equal(parseGoroutineDump(text, { maxWarnings: 2 }).warnings.length, 3);
  });

  it('refuses empty input and text without goroutines, saying to fetch debug=2', () => {
    for (const empty of ['', '  \n\n', Buffer.alloc(0)]) assert.match(badDump(empty).message, /^no goroutines found: the dump is empty$/);
    const other = badDump('<html><body>404 page not found</body></html>\n');
    assert.match(other.message, /^no goroutines found: this is not a Go goroutine dump \(debug=2\)/);
    assert.match(other.hint ?? '', /debug=2/);
  });

  it('recognises a gzipped pprof profile and other binary data', () => {
    assert.match(badDump(gzipSync(Buffer.from('not really a profile'))).message, /binary pprof profile \(gzip\)/);
    assert.match(badDump(Buffer.from([0x0a, 0x00, 0x12, 0x05, 0x01, 0x02])).message, /binary data/);
    assert.equal(detectDumpFormat(gzipSync(Buffer.from('x'))), 'gzip');
    assert.equal(detectDumpFormat(gzipSync(Buffer.from('x')).toString('latin1')), 'binary');
  });

  it('recognises a debug=1 profile and points at debug=2', () => {
    const debug1 = 'goroutine profile: total 2\n2 @ 0x43a8d6 0x4068ec\n#\t0x4b3b04\tmain.leak+0x24\t/src/main.go:20\n\n';
    const e = badDump(debug1);
    assert.match(e.message, /debug=1 goroutine profile/);
    assert.match(e.hint ?? '', /\/debug\/pprof\/goroutine\?debug=2/);
    assert.equal(detectDumpFormat(debug1), 'debug=1');
    assert.equal(detectDumpFormat(LEAK), 'debug=2');
  });
});

describe('goroutine dump parser against a plain reference', () => {
  /** Deterministic pseudo-random numbers (mulberry32). */
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** A dump where stacks, arguments and creators repeat in some places and differ in others. */
  function synthetic(n: number, seed: number): string {
    const rand = rng(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const fns = ['main.a', 'main.(*S).b', 'main.c[...]', 'main.d.func1', 'example.com/x/y.E', 'net/http.(*conn).serve'];
    const out: string[] = [];
    for (let id = 1; id <= n; id++) {
      out.push(`goroutine ${id} [${pick(['chan receive', 'select', 'IO wait, 3 minutes', 'sync.Mutex.Lock'])}]:`);
      const depth = 1 + Math.floor(rand() * 6);
      for (let d = 0; d < depth; d++) {
        const fn = fns[(d + (rand() < 0.2 ? 1 : 0)) % fns.length];
        const args = pick(['...', '0x0?', `0xc000${Math.floor(rand() * 1e6).toString(16)}, 0x1`, '', '{0x1, 0x2}']);
        out.push(`${fn}(${args})`);
        out.push(`\t/src/app/${d % 3}.go:${10 + d + (rand() < 0.1 ? 1 : 0)}${args === '...' ? '' : ` +0x${(16 + d).toString(16)}`}`);
      }
      if (rand() < 0.9) out.push(`created by main.spawn${rand() < 0.5 ? ` in goroutine ${1 + Math.floor(rand() * 3)}` : ''}`, `\t/src/app/main.go:${rand() < 0.5 ? 5 : 6} +0x2a`);
      out.push('');
    }
    return out.join('\n');
  }

  /** A slow, obvious parser for well-formed dumps. */
  function reference(text: string): unknown[] {
    return text.split('\n\n').filter((b) => b.trim()).map((block) => {
      const lines = block.split('\n').filter((l) => l !== '');
      const [, id, attrs] = /^goroutine (\d+) \[(.*)\]:$/.exec(lines[0])!;
      const frames = [];
      let createdBy = null;
      for (let i = 1; i < lines.length; i += 2) {
        const [, file, line, pc] = /^\t(.*):(\d+)(?: (\+0x[0-9a-f]+))?$/.exec(lines[i + 1])!;
        const created = /^created by (.*?)(?: in goroutine (\d+))?$/.exec(lines[i]);
        if (created) {
          createdBy = { function: created[1], file, line: Number(line), ...(created[2] ? { goroutineId: Number(created[2]) } : {}) };
        } else {
          const [, fn, args] = /^(.*)\((.*)\)$/.exec(lines[i])!;
          frames.push({ function: fn, args, file, line: Number(line), pcOffset: pc ?? null });
        }
      }
      const [state, minutes] = attrs.split(', ');
      return { id: Number(id), state, waitMinutes: minutes ? parseInt(minutes, 10) : null, frames, createdBy };
    });
  }

  const project = (gs: Goroutine[]): unknown[] =>
    gs.map((g) => ({ id: g.id, state: g.state, waitMinutes: g.waitMinutes, frames: g.frames.map((f) => ({ ...f })), createdBy: g.createdBy && { ...g.createdBy } }));

  for (const seed of [1, 2, 3]) {
    it(`agrees with it on a synthetic dump with repeating and unique arguments (seed ${seed})`, () => {
      const text = synthetic(3000, seed);
      const { goroutines, warnings } = parseGoroutineDump(text);
      assert.deepEqual(warnings, []);
      assert.deepEqual(project(goroutines), reference(text));
      assert.deepEqual(project(parseGoroutineDump(text.replace(/\n/g, '\r\n')).goroutines), reference(text));
    });
  }

  it('groups the synthetic dump as a plain grouping by key does', () => {
    const { goroutines } = parseGoroutineDump(synthetic(3000, 4));
    const key = (g: Goroutine): string =>
      JSON.stringify([g.state, g.createdBy && [g.createdBy.function, g.createdBy.file, g.createdBy.line], g.frames.map((f) => [f.function, f.file, f.line])]);
    const expected = new Map<string, number[]>();
    for (const g of goroutines) expected.set(key(g), [...(expected.get(key(g)) ?? []), g.id]);
    const { total, groups } = groupGoroutines(goroutines);
    assert.equal(total, 3000);
    assert.equal(groups.length, expected.size);
    for (const group of groups) {
      const k = JSON.stringify([group.state, group.createdBy && [group.createdBy.function, group.createdBy.file, group.createdBy.line], group.frames.map((f) => [f.function, f.file, f.line])]);
      assert.deepEqual(group.ids, expected.get(k));
    }
    for (let i = 1; i < groups.length; i++) assert.ok(groups[i - 1].count >= groups[i].count);
  });

  it('never throws anything but BAD_DUMP on a dump cut anywhere', () => {
    const text = synthetic(40, 9);
    const rand = rng(42);
    for (let i = 0; i < 300; i++) {
      const cut = text.slice(0, Math.floor(rand() * text.length));
      try {
        const { goroutines } = parseGoroutineDump(cut);
        const whole = (reference(text) as Array<{ id: number }>).slice(0, goroutines.length).map((g) => String(g.id));
        const ids = goroutines.map((g) => String(g.id));
        // A header cut inside its id ("goroutine 4" of "goroutine 40 [...]") is read as far as it goes.
        const lastId = ids.pop()!;
        if (goroutines[goroutines.length - 1].truncated) assert.ok(whole[ids.length].startsWith(lastId));
        else assert.equal(lastId, whole[ids.length]);
        assert.deepEqual(ids, whole.slice(0, ids.length));
        assert.ok(goroutines.slice(0, -1).every((g) => !g.truncated));
      } catch (e) {
        assert.ok(isAnoleError(e) && e.code === 'BAD_DUMP', String(e));
      }
    }
  });
});
