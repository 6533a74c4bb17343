// Pins `anole trace report --json` of every recorded trace (whole, cut at 11 points, and with seeded byte damage) to golden digests, so speed work cannot change a report.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { starvationReport } from '../../src/core/trace';
import { GOLDEN_CHANGED, goldenJson } from '../support/golden';

const TRACES = join(__dirname, '..', 'fixtures', 'traces');
const CUTS = 12;

function traceFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? traceFiles(p) : n.endsWith('.trace') ? [p] : [];
    })
    .sort();
}

/** The report as JSON, or the error message for input it refuses. */
function reading(data: Uint8Array): string {
  try {
    return JSON.stringify(starvationReport(data));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** Whole, cut at CUTS-1 points, and 4 seeded 3-byte mutations of one trace: name → digest. */
function readings(file: string): Record<string, string> {
  const data = readFileSync(file);
  const out: Record<string, string> = { whole: digest(reading(data)) };
  for (let k = 1; k < CUTS; k++) {
    const cut = Math.floor((data.length * k) / CUTS);
    out[`cut@${cut}`] = digest(reading(data.subarray(0, cut)));
  }
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < 4; k++) {
    const m = Buffer.from(data);
    const at: number[] = [];
    for (let j = 0; j < 3; j++) {
      const i = 16 + Math.floor(rnd() * (m.length - 16));
      m[i] = Math.floor(rnd() * 256);
      at.push(i);
    }
    out[`mutated@${at.join(',')}`] = digest(reading(m));
  }
  return out;
}

describe('trace report golden digests (recorded traces)', () => {
  const files = traceFiles(TRACES);
  const actual: Record<string, Record<string, string>> = {};
  for (const f of files) actual[relative(TRACES, f)] = readings(f);
  // Digests of the reports in test/golden/trace-reports.json (ANOLE_UPDATE_GOLDEN=1 rewrites them after an intended change).
  const golden = goldenJson('trace-reports.json', actual);

  it('covers every recorded trace', () => {
    assert.ok(files.length >= 10, `${files.length} traces found under ${TRACES}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(golden).sort());
  });

  for (const name of Object.keys(golden)) {
    it(`reports ${name} as before (whole, cut, damaged)`, () => {
      assert.deepEqual(actual[name], golden[name], `the report ${GOLDEN_CHANGED}`);
    });
  }
});
