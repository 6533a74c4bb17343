// Labels of the debugger's goroutine groups view.
import * as assert from 'node:assert/strict';
import { describeGroup } from '../../src/extension/goroutineGroupsModel';

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
