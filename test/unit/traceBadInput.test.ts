// Bad trace input: a cut trace gives a partial report naming where it stopped, unknown versions and non-traces are
// refused with a clear error, and seeded mutations of real traces never crash the parser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAnoleError } from '../../src/core/errors';
import { TraceTables, parseTrace, sniffTraceVersion, starvationReport } from '../../src/core/trace';
import { rng } from '../support/rng';

const DIR = join(__dirname, '..', 'fixtures', 'traces', 'engine');
const VERSIONS = ['1.22', '1.23', '1.25', '1.26'];
const load = (v: string) => readFileSync(join(DIR, `go${v}.trace`));

function header(v: string): Buffer {
  const h = Buffer.alloc(16);
  h.write(`go ${v} trace`);
  return h;
}

function countEvents(data: Uint8Array) {
  let n = 0;
  const res = parseTrace(data, new TraceTables(), { event: () => void n++ });
  return { n, res };
}

describe('trace engine on bad input', () => {
  it('refuses a file that is not a Go trace', () => {
    for (const bytes of [Buffer.from('hello world, not a trace at all'), Buffer.alloc(0), Buffer.from('go 1.22 tr')]) {
      assert.throws(() => starvationReport(bytes), (e: unknown) => isAnoleError(e) && e.code === 'BAD_INPUT' && /not a Go execution trace/.test(e.message));
    }
    assert.equal(sniffTraceVersion(header('1.26')), 26);
    assert.equal(sniffTraceVersion(Buffer.from('go 1.26 trace\0\0X')), undefined);
  });

  it('names a format version newer than it knows', () => {
    const data = Buffer.concat([header('1.27'), load('1.26').subarray(16)]);
    assert.throws(() => starvationReport(data), (e: unknown) => isAnoleError(e) && /Go 1\.27/.test(e.message) && /newer/.test(e.message));
  });

  it('names a version that never had its own format (Go 1.24 writes 1.23\'s)', () => {
    const data = Buffer.concat([header('1.24'), load('1.23').subarray(16)]);
    assert.throws(() => starvationReport(data), (e: unknown) => isAnoleError(e) && /go 1\.24/.test(e.message));
  });

  it('hands Go 1.19–1.21 traces to the old-format reader (a clear error until it is merged)', () => {
    for (const v of ['1.19', '1.21']) {
      const data = Buffer.concat([header(v), Buffer.from([0, 1, 2, 3])]);
      try {
        const r = starvationReport(data);
        assert.ok(r.warnings.length > 0, 'a 4-byte body is incomplete');
      } catch (e) {
        assert.ok(isAnoleError(e), String(e));
        assert.match(e.message, new RegExp(v.replace('.', '\\.')));
      }
    }
  });

  for (const v of VERSIONS) {
    it(`Go ${v}: a trace cut anywhere gives a partial report with a warning naming where it stopped`, () => {
      const full = load(v);
      const whole = countEvents(full).n;
      const r = rng(Number(v.split('.')[1]));
      const cuts = [17, 20, 64, 200, full.length - 1, full.length - 2, ...Array.from({ length: 40 }, () => 16 + Math.floor(r() * (full.length - 16)))];
      let warned = 0;
      for (const cut of cuts) {
        const { n, res } = countEvents(full.subarray(0, cut));
        assert.ok(n <= whole);
        if (res.warnings.length) {
          warned++;
          assert.equal(res.complete, false);
          assert.match(res.warnings[0], /^trace stopped at (byte \d+|generation \d+)/);
          const report = starvationReport(full.subarray(0, cut));
          assert.deepEqual(report.warnings, res.warnings);
        } else {
          // Before Go 1.26 a cut exactly between two batches looks like a shorter trace (Go's reader cannot tell either).
          assert.ok(Number(v.split('.')[1]) < 26 && n < whole, `cut at ${cut} went unnoticed`);
        }
      }
      assert.ok(warned >= cuts.length - 3, `${warned} of ${cuts.length} cuts warned`);
    });

    it(`Go ${v}: seeded mutations never crash the parser`, function () {
      this.timeout(120000);
      const full = load(v);
      const r = rng(1000 + Number(v.split('.')[1]));
      let errors = 0;
      let partial = 0;
      for (let i = 0; i < 120; i++) {
        const d = Buffer.from(full);
        const kind = i % 4;
        const at = 16 + Math.floor(r() * (d.length - 16));
        let data: Buffer = d;
        if (kind === 0) for (let k = 0; k < 1 + Math.floor(r() * 8); k++) d[16 + Math.floor(r() * (d.length - 16))] = Math.floor(r() * 256);
        else if (kind === 1) data = Buffer.concat([d.subarray(0, at), d.subarray(at + 1 + Math.floor(r() * 64))]);
        else if (kind === 2) data = Buffer.concat([d.subarray(0, at), d.subarray(at - Math.floor(r() * 200), at), d.subarray(at)]);
        else d.fill(0xff, at, Math.min(d.length, at + 1 + Math.floor(r() * 16)));
        try {
          const rep = starvationReport(data);
          if (rep.warnings.length) partial++;
          assert.ok(Number.isFinite(rep.durationNs));
        } catch (e) {
          assert.ok(isAnoleError(e), `mutation ${i} (kind ${kind}) crashed: ${(e as Error).stack}`);
          errors++;
        }
      }
      assert.ok(partial > 60, `${partial} of 120 mutations were noticed`);
      assert.equal(errors, 0, 'a body mutation is a partial report, not an error');
    });
  }
});
