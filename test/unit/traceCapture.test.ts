// Trace capture helpers: default length by Go version, the trace header of every recorded trace, flight-recorder URLs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureUrl, effectiveSeconds } from '../../src/core/capture/kinds';
import { checkFlightRecorderVersion, defaultTraceSeconds, flightRecorderUrl, goMinor, looksLikeTrace } from '../../src/core/capture/traceCapture';
import { AnoleError } from '../../src/core/errors';

const TRACES = path.resolve(__dirname, '../fixtures/traces');
const isBadInput = (re: RegExp) => (e: unknown) => e instanceof AnoleError && e.code === 'BAD_INPUT' && re.test(e.oneLine);

describe('trace capture helpers', () => {
  it('reads the minor version of Go version strings', () => {
    assert.equal(goMinor('go1.19.8'), 19);
    assert.equal(goMinor('go1.26rc1'), 26);
    assert.equal(goMinor('devel go1.27-abc123 Tue'), 27);
    assert.equal(goMinor('gccgo'), null);
    assert.equal(goMinor(undefined), null);
  });

  it('traces Go < 1.21 for 2 s and newer or unknown versions for 5 s, unless told', () => {
    assert.equal(defaultTraceSeconds('go1.19.8'), 2);
    assert.equal(defaultTraceSeconds('go1.20.14'), 2);
    assert.equal(defaultTraceSeconds('go1.21.13'), 5);
    assert.equal(defaultTraceSeconds('go1.26.8'), 5);
    assert.equal(defaultTraceSeconds(undefined), 5);
    assert.equal(effectiveSeconds({ kind: 'trace', goVersion: 'go1.19.8' }), 2);
    assert.equal(effectiveSeconds({ kind: 'trace', goVersion: 'go1.19.8', seconds: 7 }), 7);
    assert.equal(effectiveSeconds({ kind: 'cpu', goVersion: 'go1.19.8' }), 10);
    assert.equal(captureUrl('http://127.0.0.1:6060/', { kind: 'trace', goVersion: 'go1.19.8' }).href, 'http://127.0.0.1:6060/debug/pprof/trace?seconds=2');
  });

  it('recognises the header of every recorded trace, from Go 1.19 to the current Go', () => {
    const files = fs.readdirSync(TRACES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.trace'));
    assert.ok(files.length >= 6, `recorded traces: ${files.join(', ')}`);
    for (const f of files) assert.ok(looksLikeTrace(fs.readFileSync(path.join(TRACES, f)).subarray(0, 16)), f);
  });

  it('refuses bodies that are not traces', () => {
    assert.equal(looksLikeTrace(Buffer.from('<html><body>404 page not found')), false);
    assert.equal(looksLikeTrace(Buffer.from([0x1f, 0x8b, 8, 0])), false);
    assert.equal(looksLikeTrace(Buffer.from('go 1.22 trac')), false);
    assert.equal(looksLikeTrace(Buffer.alloc(0)), false);
  });

  it('takes a flight-recorder URL whole, or as a path on the service', () => {
    assert.equal(flightRecorderUrl('http://127.0.0.1:6060/debug/fr').href, 'http://127.0.0.1:6060/debug/fr');
    assert.equal(flightRecorderUrl('/debug/fr?x=1', 'http://[::1]:7070/debug/pprof/').href, 'http://[::1]:7070/debug/fr?x=1');
    assert.throws(() => flightRecorderUrl('/debug/fr'), isBadInput(/is a path.*--pid/));
    assert.throws(() => flightRecorderUrl('https://h/fr'), isBadInput(/scheme 'https:'/));
    assert.throws(() => flightRecorderUrl('not a url'), isBadInput(/not a URL/));
  });

  it('refuses a flight recorder from a binary older than Go 1.25, and allows unknown versions', () => {
    assert.throws(() => checkFlightRecorderVersion('go1.23.12', 'process 7'), isBadInput(/process 7 was built with go1\.23\.12.*Go >= 1\.25/));
    checkFlightRecorderVersion('go1.25.14', 'process 7');
    checkFlightRecorderVersion(undefined, 'process 7');
  });
});
