// Messages from the (untrusted) profile webview are checked before the extension acts on them.
import * as assert from 'node:assert/strict';
import { MAX_FIELD_LENGTH, parseWebviewMessage, sampleTypeChoices } from '../../src/core/webview/messages';
import { bestSuffixMatch, isInside, sharedSuffixSegments } from '../../src/core/webview/sourcePaths';

describe('webview messages', () => {
  it('accepts each well-formed message and keeps only known fields', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'ready', bootMs: 412 }), { type: 'ready', bootMs: 412 });
    for (const bootMs of [-1, Infinity, NaN, '412', 1e9]) assert.deepEqual(parseWebviewMessage({ type: 'ready', bootMs }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'openSource', file: '/src/a.go', line: 12, evil: 'x' }),
      { type: 'openSource', file: '/src/a.go', line: 12 });
    assert.deepEqual(
      parseWebviewMessage({ type: 'openSource', file: 'a.go', line: 0, function: 'main.f', localUri: 'file:///w/a.go' }),
      { type: 'openSource', file: 'a.go', line: 0, function: 'main.f', localUri: 'file:///w/a.go' });
    assert.deepEqual(parseWebviewMessage({ type: 'setSampleType', sampleType: 'cpu' }), { type: 'setSampleType', sampleType: 'cpu' });
    assert.deepEqual(parseWebviewMessage({ type: 'setTopBy', by: 'line' }), { type: 'setTopBy', by: 'line' });
    assert.deepEqual(parseWebviewMessage({ type: 'error', message: '' }), { type: 'error', message: '' });
    assert.deepEqual(parseWebviewMessage({ type: 'timeline', seq: 3, fromNs: 0, toNs: 1.5e9, widthPx: 900, lanes: ['x'] }),
      { type: 'timeline', seq: 3, fromNs: 0, toNs: 1.5e9, widthPx: 900 });
    assert.deepEqual(parseWebviewMessage({ type: 'timeline', seq: 4, fromNs: 0, toNs: 10, widthPx: 9, expand: ['g0', 'g12'] }),
      { type: 'timeline', seq: 4, fromNs: 0, toNs: 10, widthPx: 9, expand: ['g0', 'g12'] });
    for (const action of ['dumpGoroutines', 'attachDebugger', 'profileCpu'] as const) {
      assert.deepEqual(parseWebviewMessage({ type: 'handoff', action, host: 'evil' }), { type: 'handoff', action });
    }
  });

  it('rejects unknown types, wrong field types and out-of-range values', () => {
    const bad: unknown[] = [
      null, undefined, 'ready', 42, [], ['ready'], {}, { type: 'nope' }, { type: 'init' }, { type: 'data' },
      { type: 'openSource' },
      { type: 'openSource', file: '', line: 1 },
      { type: 'openSource', file: 'a.go', line: '1' },
      { type: 'openSource', file: 'a.go', line: -1 },
      { type: 'openSource', file: 'a.go', line: 1.5 },
      { type: 'openSource', file: 'a.go', line: Number.NaN },
      { type: 'openSource', file: 'a.go', line: 1e12 },
      { type: 'openSource', file: { toString: () => 'a.go' }, line: 1 },
      { type: 'openSource', file: 'a.go', line: 1, localUri: 5 },
      { type: 'openSource', file: 'a.go', line: 1, function: null },
      { type: 'openSource', file: 'x'.repeat(MAX_FIELD_LENGTH + 1), line: 1 },
      { type: 'setSampleType' },
      { type: 'setSampleType', sampleType: '' },
      { type: 'setSampleType', sampleType: ['cpu'] },
      { type: 'setTopBy', by: 'file' },
      { type: 'error', message: 7 },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10 },
      { type: 'timeline', seq: -1, fromNs: 0, toNs: 10, widthPx: 10 },
      { type: 'timeline', seq: 1.5, fromNs: 0, toNs: 10, widthPx: 10 },
      { type: 'timeline', seq: 1, fromNs: 10, toNs: 10, widthPx: 10 },
      { type: 'timeline', seq: 1, fromNs: -5, toNs: 10, widthPx: 10 },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: Infinity, widthPx: 10 },
      { type: 'timeline', seq: 1, fromNs: '0', toNs: 10, widthPx: 10 },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 0 },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 20001 },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 10.5 },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 10, expand: 'g0' },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 10, expand: ['p0'] },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 10, expand: ['g0:12'] },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 10, expand: [3] },
      { type: 'timeline', seq: 1, fromNs: 0, toNs: 10, widthPx: 10, expand: Array.from({ length: 101 }, (_, i) => `g${i}`) },
      { type: 'handoff' },
      { type: 'handoff', action: 'rm -rf' },
      { type: 'handoff', action: ['profileCpu'] },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, `accepted ${JSON.stringify(m)}`);
  });

  it('offers the sample types of the same family, current first', () => {
    assert.deepEqual(sampleTypeChoices('cpu'), ['cpu', 'samples']);
    assert.deepEqual(sampleTypeChoices('alloc_space'), ['alloc_space', 'inuse_space', 'inuse_objects', 'alloc_objects']);
    assert.deepEqual(sampleTypeChoices('goroutine'), ['goroutine']);
  });
});

describe('webview source paths', () => {
  it('isInside refuses escapes', () => {
    assert.ok(isInside('/w', '/w/a/b.go'));
    assert.ok(isInside('/w', '/w'));
    assert.ok(!isInside('/w', '/w/../etc/passwd'));
    assert.ok(!isInside('/w', '/wx/a.go'));
    assert.ok(!isInside('/w', '/etc/passwd'));
  });

  it('picks the local file sharing the longest tail with the profile path', () => {
    assert.equal(sharedSuffixSegments('/build/src/pkg/a.go', '/w/pkg/a.go'), 2);
    const cands = ['/w/other/a.go', '/w/svc/pkg/a.go', '/w/vendor/x/svc/pkg/a.go'];
    assert.equal(bestSuffixMatch('/go/src/example.com/svc/pkg/a.go', cands), '/w/svc/pkg/a.go');
    assert.equal(bestSuffixMatch('/build/pkg/a.go', ['/w/b.go']), undefined);
    assert.equal(bestSuffixMatch('C:\\build\\pkg\\a.go', ['/w/pkg/a.go']), '/w/pkg/a.go');
  });
});
