// The debug=2 text rendered from a debugger's goroutines parses back to the same goroutines and groups.
import assert from 'node:assert/strict';
import { renderDebug2, type DumpGoroutine } from '../../src/core/debug/dump';
import { analyzeGoroutineDump, parseGoroutineDump } from '../../src/core/goroutines';

const SRC = '/src/hotsvc/problems.go';
const WAIT = [
  { function: 'runtime.gopark', file: '/usr/local/go/src/runtime/proc.go', line: 402 },
  { function: 'runtime.chanrecv', file: '/usr/local/go/src/runtime/chan.go', line: 583 },
  { function: 'runtime.chanrecv1', file: '/usr/local/go/src/runtime/chan.go', line: 442 },
  { function: 'main.leakyWorker', file: SRC, line: 78 },
];
const GO_STMT = { function: 'main.startLeaks', file: SRC, line: 70 };

const goroutines: DumpGoroutine[] = [
  { id: 1, state: 'running', frames: [{ function: 'main.main', file: '/src/hotsvc/main.go', line: 60 }] },
  { id: 7, state: 'chan receive', frames: WAIT, goStatement: GO_STMT },
  { id: 8, state: 'chan receive', frames: WAIT, goStatement: GO_STMT },
  { id: 9, state: 'sync.Mutex.Lock', frames: [{ function: 'main.(*T).m', file: '/src/hotsvc/t.go', line: 12 }, { function: 'main.main.func1.2', file: '/src/hotsvc/t.go', line: 30 }], goStatement: GO_STMT },
  { id: 10, state: 'select', frames: [{ function: 'runtime.gopark', file: '', line: 0 }] },
];

describe('renderDebug2 (goroutine dump through a debugger)', () => {
  it('prints Go\'s debug=2 layout', () => {
    const text = renderDebug2(goroutines.slice(1, 2));
    assert.equal(text, [
      'goroutine 7 [chan receive]:',
      'runtime.gopark(...)', '\t/usr/local/go/src/runtime/proc.go:402 +0x0',
      'runtime.chanrecv(...)', '\t/usr/local/go/src/runtime/chan.go:583 +0x0',
      'runtime.chanrecv1(...)', '\t/usr/local/go/src/runtime/chan.go:442 +0x0',
      'main.leakyWorker(...)', `\t${SRC}:78 +0x0`,
      'created by main.startLeaks', `\t${SRC}:70 +0x0`,
      '',
    ].join('\n'));
    assert.equal(renderDebug2([]), '');
  });

  it('parses back to the same ids, states, frames and creators', () => {
    const { goroutines: parsed, warnings } = parseGoroutineDump(renderDebug2(goroutines));
    assert.deepEqual(warnings, []);
    assert.deepEqual(parsed.map((g) => g.id), goroutines.map((g) => g.id));
    assert.deepEqual(parsed.map((g) => g.state), goroutines.map((g) => g.state));
    for (const [i, g] of goroutines.entries()) {
      const known = g.frames.map((f) => ({ function: f.function, file: f.file || '?', line: f.line }));
      assert.deepEqual(parsed[i].frames.map((f) => ({ function: f.function, file: f.file, line: f.line })), known, `goroutine ${g.id}`);
      assert.deepEqual(parsed[i].createdBy && { function: parsed[i].createdBy!.function, file: parsed[i].createdBy!.file, line: parsed[i].createdBy!.line }, g.goStatement ?? null);
      assert.equal(parsed[i].truncated, false);
    }
  });

  it('groups like a pprof dump: identical stacks together, at the user frame', () => {
    const report = analyzeGoroutineDump(renderDebug2(goroutines));
    assert.equal(report.format, 'debug=2');
    assert.equal(report.total, goroutines.length);
    const leak = report.groups.find((g) => g.frames.some((f) => f.function === 'main.leakyWorker' && f.line === 78));
    assert.ok(leak);
    assert.equal(leak.count, 2);
    assert.equal(leak.state, 'chan receive');
    assert.deepEqual(leak.ids, [7, 8]);
    assert.equal(leak.createdBy?.function, 'main.startLeaks');
  });
});
