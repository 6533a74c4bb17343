// Grouping goroutines by stack, finding where a group waits, and reading debug=1 profiles.
import assert from 'node:assert/strict';
import {
  analyzeGoroutineDump,
  groupGoroutines,
  innermostUserFrame,
  isStdlibFunction,
  isSystemFrame,
  parseDebug1Dump,
  parseGoroutineDump,
  type Goroutine,
} from '../../src/core/goroutines';

/** One goroutine's text: header attributes, frames as [function(args), file:line +pc], creator. */
function goroutine(id: number, attrs: string, frames: Array<[string, string]>, creator = 'created by main.main in goroutine 1\n\t/src/main.go:50 +0x1'): string {
  return [`goroutine ${id} [${attrs}]:`, ...frames.flatMap(([fn, loc]) => [fn, `\t${loc}`]), creator].join('\n') + '\n';
}

const WAIT: Array<[string, string]> = [
  ['runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)', '/go/src/runtime/proc.go:402 +0xce'],
  ['runtime.chanrecv1(0xc000012000?, 0x0?)', '/go/src/runtime/chan.go:489 +0x12'],
  ['main.worker(0xc000100000)', '/src/main.go:20 +0x25'],
];

function parse(...texts: string[]): Goroutine[] {
  const { goroutines, warnings } = parseGoroutineDump(texts.join('\n'));
  assert.deepEqual(warnings, []);
  return goroutines;
}

describe('grouping goroutines by stack', () => {
  it('groups equal stacks whatever their arguments and PC offsets, biggest group first', () => {
    const other: Array<[string, string]> = [['main.other()', '/src/main.go:30 +0x1']];
    const gs = parse(
      goroutine(1, 'select', other),
      goroutine(2, 'chan receive', WAIT),
      goroutine(3, 'chan receive', WAIT.map(([fn, loc]) => [fn.replace(/0x[0-9a-f]+/g, '0xdead'), loc.replace(/\+0x\w+$/, '+0x99')])),
      goroutine(4, 'chan receive', WAIT),
    );
    const { total, groups } = groupGoroutines(gs);
    assert.equal(total, 4);
    assert.deepEqual(groups.map((g) => [g.count, g.state, g.ids]), [[3, 'chan receive', [2, 3, 4]], [1, 'select', [1]]]);
    assert.deepEqual(groups[0].frames[2], { function: 'main.worker', file: '/src/main.go', line: 20 });
    assert.deepEqual(groups[0].createdBy, { function: 'main.main', file: '/src/main.go', line: 50 });
  });

  it('splits groups by state, by any frame, and by creator', () => {
    const gs = parse(
      goroutine(1, 'chan receive', WAIT),
      goroutine(2, 'chan receive (nil chan)', WAIT),
      goroutine(3, 'chan receive', [...WAIT.slice(0, 2), ['main.worker(0x1)', '/src/main.go:21 +0x25']]),
      goroutine(4, 'chan receive', [...WAIT.slice(0, 2), ['main.helper(0x1)', '/src/main.go:20 +0x25']]),
      goroutine(5, 'chan receive', WAIT.slice(0, 2)),
      goroutine(6, 'chan receive', WAIT, 'created by main.spawn in goroutine 1\n\t/src/main.go:60 +0x1'),
      goroutine(7, 'chan receive', WAIT, 'created by main.main in goroutine 9\n\t/src/main.go:50 +0x1'),
    );
    const { groups } = groupGoroutines(gs);
    // Only goroutine 7 joins 1: the creating goroutine's id does not split groups.
    assert.deepEqual(groups.map((g) => g.ids), [[1, 7], [2], [3], [4], [5], [6]]);
  });

  it('keeps the longest and shortest wait, counts locked goroutines, and sorts ties by wait', () => {
    const gs = parse(
      goroutine(1, 'chan receive', WAIT),
      goroutine(2, 'chan receive, 5 minutes', WAIT),
      goroutine(3, 'chan receive, 12 minutes, locked to thread', WAIT),
      goroutine(4, 'select, 2 minutes', [['main.a()', '/src/a.go:1 +0x1']]),
      goroutine(5, 'select, 9 minutes', [['main.b()', '/src/b.go:1 +0x1']]),
      goroutine(6, 'select', [['main.c()', '/src/c.go:1 +0x1']]),
      goroutine(7, 'select, 4 minutes', [['main.d()', '/src/d.go:1 +0x1']]),
      goroutine(8, 'select, 6 minutes', [['main.d()', '/src/d.go:1 +0x1']]),
    );
    const { groups } = groupGoroutines(gs);
    assert.deepEqual(
      groups.map((g) => [g.ids, g.waitMinutes, g.minWaitMinutes, g.lockedToThread]),
      [
        [[1, 2, 3], 12, 0, 1],
        [[7, 8], 6, 4, 0],
        [[5], 9, 9, 0],
        [[4], 2, 2, 0],
        [[6], null, null, 0],
      ],
    );
  });

  it('caps the ids it lists but never the count', () => {
    const gs = parse(...Array.from({ length: 30 }, (_, i) => goroutine(i + 100, 'chan receive', WAIT)));
    const [group] = groupGoroutines(gs, { maxIds: 10 }).groups;
    assert.equal(group.count, 30);
    assert.deepEqual(group.ids, Array.from({ length: 10 }, (_, i) => i + 100));
    assert.equal(groupGoroutines(gs).groups[0].ids.length, 30);
  });

  it('groups goroutines that have no frames or no creator', () => {
    const gs = parse('goroutine 1 [running]:\n\tgoroutine running on other thread; stack unavailable\n', goroutine(2, 'chan receive', WAIT, ''), goroutine(3, 'chan receive', WAIT, ''));
    const { groups } = groupGoroutines(gs);
    assert.deepEqual(groups.map((g) => [g.ids, g.frames.length, g.createdBy]), [[[2, 3], 3, null], [[1], 0, null]]);
  });

  it('returns no groups for no goroutines', () => {
    assert.deepEqual(groupGoroutines([]), { total: 0, groups: [] });
  });
});

describe('where a group waits', () => {
  const frame = (fn: string, file = '/src/app/main.go') => ({ function: fn, file, line: 1 });

  it('skips runtime, sync and internal frames to the first frame of the program', () => {
    const frames = [
      frame('runtime.gopark', '/go/src/runtime/proc.go'),
      frame('internal/sync.runtime_SemacquireMutex', '/go/src/runtime/sema.go'),
      frame('sync.(*Mutex).Lock', '/go/src/sync/mutex.go'),
      frame('main.(*cache).get'),
      frame('main.main'),
    ];
    assert.equal(innermostUserFrame(frames), frames[3]);
    assert.equal(innermostUserFrame(frames.slice(0, 3)), undefined);
    assert.equal(innermostUserFrame([]), undefined);
  });

  it('skips what the runtime implements under another name: time.Sleep, panic', () => {
    assert.equal(isSystemFrame(frame('time.Sleep', '/usr/local/go/src/runtime/time.go')), true);
    assert.equal(isSystemFrame(frame('time.Sleep', 'runtime/time.go')), true);
    assert.equal(isSystemFrame(frame('panic', '/go/src/runtime/panic.go')), true);
    assert.equal(isSystemFrame(frame('sync/atomic.(*Int64).Add')), true);
    assert.equal(isSystemFrame(frame('runtime/pprof.writeGoroutineStacks')), true);
    assert.equal(isSystemFrame(frame('net/http.(*conn).serve', '/go/src/net/http/server.go')), false);
    assert.equal(isSystemFrame(frame('github.com/acme/runtime.Run', '/src/runtime/run.go')), false);
  });

  it('skips the whole standard library when asked', () => {
    const frames = [frame('internal/poll.(*FD).Accept'), frame('net.(*TCPListener).Accept'), frame('github.com/acme/srv.(*S).loop'), frame('main.main')];
    assert.equal(innermostUserFrame(frames)?.function, 'net.(*TCPListener).Accept');
    assert.equal(innermostUserFrame(frames, { skipStdlib: true })?.function, 'github.com/acme/srv.(*S).loop');
    for (const fn of ['net/http.(*conn).serve', 'time.Sleep', 'os.(*File).Read', 'vendor/golang.org/x/net/http2.(*Framer).ReadFrame', 'go/parser.ParseFile', 'panic']) {
      assert.equal(isStdlibFunction(fn), true, fn);
    }
    for (const fn of ['main.main', 'go.uber.org/zap.New', 'github.com/x/net.Dial', 'gopkg.in/yaml.v3.Unmarshal', 'myapp/internal/db.Query']) {
      assert.equal(isStdlibFunction(fn), false, fn);
    }
  });
});

describe('debug=1 goroutine profiles', () => {
  const DEBUG1 = [
    'goroutine profile: total 7',
    '5 @ 0x43a8d6 0x4068ec 0x406558 0x4b3b05 0x46a6c1',
    '# labels: {"handler":"/x"}',
    '#\t0x4b3b04\tmain.leak+0x24\t\t/home/me/my app/main.go:20',
    '#\t0x4b3c10\tmain.(*S).run[...]+0x10\tC:/src/s.go:7',
    '',
    '2 @ 0x43a8d6 0x46a6c1',
    '#\t0x43a8d5\truntime.gopark+0xce\t/go/src/runtime/proc.go:402',
    '',
  ].join('\r\n');

  it('reads counts and stacks, without ids, states or waits', () => {
    const r = parseDebug1Dump(DEBUG1);
    assert.equal(r.total, 7);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(
      r.groups.map((g) => [g.count, g.state, g.ids, g.waitMinutes, g.frames]),
      [
        [5, '', [], null, [
          { function: 'main.leak', file: '/home/me/my app/main.go', line: 20 },
          { function: 'main.(*S).run[...]', file: 'C:/src/s.go', line: 7 },
        ]],
        [2, '', [], null, [{ function: 'runtime.gopark', file: '/go/src/runtime/proc.go', line: 402 }]],
      ],
    );
  });

  it('warns when the records do not add up to the total (a cut profile)', () => {
    const r = parseDebug1Dump(DEBUG1.replace('total 7', 'total 9'));
    assert.deepEqual(r.warnings, ['the profile says 9 goroutines but its records add up to 7; it may be cut off']);
  });

  it('is what analyzeGoroutineDump reads when it is given one', () => {
    const r = analyzeGoroutineDump(Buffer.from(DEBUG1));
    assert.equal(r.format, 'debug=1');
    assert.equal(r.groups[0].count, 5);
    const r2 = analyzeGoroutineDump(goroutine(1, 'select', WAIT), { maxIds: 1 });
    assert.equal(r2.format, 'debug=2');
    assert.equal(r2.total, 1);
  });
});
