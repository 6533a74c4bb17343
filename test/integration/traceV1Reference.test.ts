// Fresh Go 1.19 and Go 1.21 traces, read by Anole's old-format reader and by golang.org/x/exp/trace (test/traceref summary), agree.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TraceEvent, TraceTables } from '../../src/core/trace/model';
import { parseV1Trace } from '../../src/core/trace/v1';
import { buildTraceRef } from '../support/traceRef';
import { compareSummaries, type Reference, summarize } from '../support/traceSummary';

const ROOT = join(__dirname, '..', '..');
const GEN = join(ROOT, 'test', 'fixtures', 'traces', 'v1', 'gen');

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}

describe('old-format trace reader against golang.org/x/exp/trace on fresh traces', function () {
  this.timeout(600000);
  const tmp = mkdtempSync(join(tmpdir(), 'anole-tracev1-'));
  let refBin = '';
  before(async () => {
    refBin = await buildTraceRef(join(tmp, 'traceref'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const toolchains: [string, string, Record<string, string>][] = [
    ['Go 1.19 (Debian)', '/usr/lib/go-1.19/bin/go', {}],
    ['Go 1.21 (module proxy)', 'go', { GOTOOLCHAIN: 'go1.21.13' }],
  ];
  for (const [label, goBin, env] of toolchains) {
    it(`${label}: per-goroutine state totals, event kinds and GC ranges agree (with 20 ping-pong pairs)`, async () => {
      const bin = join(tmp, `gen-${label.replace(/\W+/g, '')}`);
      const out = `${bin}.trace`;
      await run(goBin, ['build', '-trimpath', '-o', bin, '.'], { cwd: GEN, env });
      await run(bin, ['-out', out, '-ms', '500', '-pingpong', '20']);
      const ref = JSON.parse(await run(refBin, ['summary', out])) as Reference;
      const events: TraceEvent[] = [];
      const result = parseV1Trace(readFileSync(out), new TraceTables(), { event: (ev) => void events.push({ ...ev }) });
      assert.deepEqual(result.warnings, []);
      assert.ok(ref.goroutines.length > 40, `${ref.goroutines.length} goroutines`);
      assert.deepEqual(compareSummaries(summarize(events), ref), []);
    });
  }
});
