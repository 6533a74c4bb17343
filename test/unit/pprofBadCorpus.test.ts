// Every file of the bad-input corpus yields a clear BAD_PROFILE error or a result with warnings — never a crash.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isAnoleError } from '../../src/core/errors';
import { type Profile, buildHotspotIndex, decodeProfile, top } from '../../src/core/pprof';
import { FIXTURES } from '../fixtures/profiles/fixtures';
import type { BadCaseExpectation } from '../fixtures/profiles/makeBadCorpus';

const dir = join(FIXTURES, 'bad');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, BadCaseExpectation>;
const files = readdirSync(dir).filter((f) => f !== 'manifest.json');

const decoded = new Map<string, Profile>();
function decode(file: string): Profile {
  let p = decoded.get(file);
  if (!p) decoded.set(file, (p = decodeProfile(readFileSync(join(dir, file)), { source: file })));
  return p;
}

describe('pprof decoder on the bad-input corpus', () => {
  it('has an expectation for every file and a file for every expectation', () => {
    assert.deepEqual([...files].sort(), Object.keys(manifest).sort());
    assert.ok(files.length >= 20);
  });

  for (const file of files) {
    const exp = manifest[file];
    it(`${file}: ${exp.expect}${exp.match ? ` /${exp.match}/` : ''} (${exp.why})`, () => {
      if (exp.expect === 'error') {
        assert.throws(
          () => decode(file),
          (e: unknown) => {
            assert.ok(isAnoleError(e), `expected an AnoleError, got ${String(e)}`);
            assert.equal(e.code, 'BAD_PROFILE');
            assert.match(e.message, new RegExp(exp.match ?? ''));
            assert.ok(e.message.startsWith(file), 'the message names the file');
            assert.ok(!e.message.includes('\n'), 'one line');
            assert.doesNotMatch(e.message, /could not be decoded/, 'not the catch-all for decoder bugs');
            return true;
          },
        );
        return;
      }
      const p = decode(file);
      if (exp.expect === 'warnings') {
        assert.ok(
          p.warnings.some((w) => new RegExp(exp.match ?? '').test(w)),
          `warnings ${JSON.stringify(p.warnings)} should match /${exp.match}/`,
        );
      } else {
        assert.deepEqual(p.warnings, []);
        assert.ok(p.samples.count >= (exp.minSamples ?? 0));
      }
      // The best-effort result must be usable by the analyses.
      const t = top(p, { limit: 5, sampleIndex: 0 });
      assert.ok(t.rows.length > 0);
      assert.ok(t.rows.every((r) => Number.isFinite(r.flat) && Number.isFinite(r.cum) && typeof r.function === 'string'));
      buildHotspotIndex(p);
    });
  }

  it('huge-valid: the repeated sample adds up exactly', () => {
    const p = decode('huge-valid.pb.gz');
    const repeated = manifest['huge-valid.pb.gz'].minSamples ?? 0;
    const t = top(p, { sampleType: 'samples' });
    const original = decodeProfile(readFileSync(join(FIXTURES, 'go1.26', 'cpu.pb.gz')));
    const firstValue = original.samples.values[0];
    assert.equal(t.total, top(original, { sampleType: 'samples' }).total + repeated * firstValue);
  });

  it('survives thousands of random mutations of a real profile (fuzz, fixed seed)', () => {
    const raw = gunzipSync(readFileSync(join(FIXTURES, 'go1.26', 'block.pb.gz')));
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let errors = 0;
    for (let round = 0; round < 3000; round++) {
      let bytes = Uint8Array.from(raw);
      const kind = round % 3;
      if (kind === 0) for (let k = 0; k <= rand(4); k++) bytes[rand(bytes.length)] = rand(256);
      else if (kind === 1) bytes = bytes.subarray(0, rand(bytes.length));
      else {
        const at = rand(bytes.length);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...Array.from({ length: 1 + rand(8) }, () => rand(256)), ...bytes.subarray(at)]);
      }
      try {
        const p = decodeProfile(bytes, { source: 'fuzz' });
        for (let t = 0; t < p.sampleTypes.length; t++) top(p, { sampleIndex: t, by: 'line' });
        buildHotspotIndex(p);
      } catch (e) {
        errors++;
        assert.ok(isAnoleError(e), `round ${round}: ${(e as Error).stack}`);
        assert.doesNotMatch(e.message, /could not be decoded/, `round ${round}`);
      }
    }
    assert.ok(errors > 100, `${errors} mutations were refused`);
  });

  it('missing-functions: frames keep their lines under a placeholder name', () => {
    const t = top(decode('missing-functions.pb.gz'));
    assert.match(t.rows[0].function, /^<unknown function #\d+>$/);
  });
});
