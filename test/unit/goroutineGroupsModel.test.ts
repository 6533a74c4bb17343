// Labels of the debugger's goroutine groups view.
import * as assert from 'node:assert/strict';
import { describeGroup, matchesGroupFilter } from '../../src/extension/debug/goroutineGroupsModel';

describe('goroutine groups view labels', () => {
  const frames = [
    { function: 'runtime.gopark', file: '/usr/local/go/src/runtime/proc.go', line: 435 },
    { function: 'runtime.chanrecv1', file: '/usr/local/go/src/runtime/chan.go', line: 489 },
    { function: 'main.leakyWorker', file: '/src/svc/hotsvc/problems.go', line: 78 },
  ];

  it('names the count, the state and where the group\'s own code waits', () => {
    assert.deepEqual(describeGroup({ count: 50, state: 'chan receive', waitMinutes: null, frames }), {
      label: '50 × chan receive',
      description: 'main.leakyWorker · problems.go:78',
    });
  });

  it('adds the wait, and falls back to the innermost frame when all are runtime frames', () => {
    const d = describeGroup({ count: 1, state: '', waitMinutes: 12, frames: frames.slice(0, 2) });
    assert.equal(d.label, '1 × unknown state, 12 min');
    assert.equal(d.description, 'runtime.gopark · proc.go:435');
  });
});

describe('goroutine groups filter', () => {
  const leak = {
    state: 'chan receive',
    frames: [
      { function: 'runtime.gopark', file: '/usr/local/go/src/runtime/proc.go', line: 463 },
      { function: 'main.leakyWorker', file: '/src/hotsvc/problems.go', line: 78 },
    ],
    createdBy: { function: 'main.startLeaks', file: '/src/hotsvc/problems.go', line: 70 },
  };
  const gc = { state: 'GC worker (idle)', frames: [{ function: 'runtime.gcBgMarkWorker', file: '/usr/local/go/src/runtime/mgc.go', line: 1463 }], createdBy: null };

  it('keeps groups containing every word, in state, frames or creator, ignoring case', () => {
    assert.equal(matchesGroupFilter(leak, ''), true);
    assert.equal(matchesGroupFilter(leak, 'CHAN leakyworker'), true);
    assert.equal(matchesGroupFilter(leak, 'problems.go:78'), true);
    assert.equal(matchesGroupFilter(leak, 'startLeaks'), true, 'the creator counts');
    assert.equal(matchesGroupFilter(leak, 'chan select'), false, 'every word must match');
    assert.equal(matchesGroupFilter(gc, 'leakyWorker'), false);
  });

  it('drops groups containing a -word', () => {
    assert.equal(matchesGroupFilter(gc, '-gcBgMarkWorker'), false);
    assert.equal(matchesGroupFilter(leak, '-gcBgMarkWorker'), true);
    assert.equal(matchesGroupFilter(leak, 'chan -mgc.go'), true);
  });
});
