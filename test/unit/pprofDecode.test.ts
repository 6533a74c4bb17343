// Decodes the recorded Go 1.26 and Go 1.19 profiles and cross-checks every field with pprof-format.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile as PfProfile } from 'pprof-format';
import { type Profile, decodeProfile, loadProfile, sampleLocationIds, sampleValues } from '../../src/core/pprof';
import { FIXTURES, GO_VERSIONS } from '../fixtures/profiles/fixtures';

const KINDS = ['cpu', 'heap', 'allocs', 'mutex', 'block', 'goroutine', 'mutex_empty', 'block_empty'];

/** Asserts that our model holds exactly what pprof-format decodes from the same bytes. */
function assertSameAsPprofFormat(ours: Profile, theirs: PfProfile): void {
  const s = theirs.stringTable.strings;
  const str = (i: number | bigint) => s[Number(i)];
  assert.deepEqual(ours.stringTable, s);
  assert.deepEqual(
    ours.sampleTypes,
    theirs.sampleType.map((t) => ({ type: str(t.type), unit: str(t.unit) })),
  );
  assert.equal(ours.defaultSampleType, str(theirs.defaultSampleType));
  assert.equal(ours.period, Number(theirs.period));
  assert.equal(ours.durationNanos, Number(theirs.durationNanos));
  assert.equal(ours.timeNanos, Number(theirs.timeNanos));
  assert.deepEqual(ours.periodType, theirs.periodType && { type: str(theirs.periodType.type), unit: str(theirs.periodType.unit) });
  assert.deepEqual(ours.comments, theirs.comment.map(str));
  assert.equal(ours.samples.count, theirs.sample.length);
  theirs.sample.forEach((sample, i) => {
    assert.deepEqual(sampleLocationIds(ours, i), sample.locationId.map(Number), `sample ${i} stack`);
    assert.deepEqual(sampleValues(ours, i), sample.value.map(Number), `sample ${i} values`);
  });
  assert.equal(ours.locations.length, theirs.location.length);
  theirs.location.forEach((loc, i) => {
    const mine = ours.locations[i];
    assert.equal(mine.id, Number(loc.id));
    assert.equal(mine.address, Number(loc.address));
    assert.equal(mine.mappingId, Number(loc.mappingId));
    assert.deepEqual(
      mine.lines.map((l) => [l.functionId, l.line]),
      loc.line.map((l) => [Number(l.functionId), Number(l.line)]),
    );
  });
  assert.deepEqual(
    ours.functions.map((f) => [f.id, f.name, f.systemName, f.filename, f.startLine]),
    theirs.function.map((f) => [Number(f.id), str(f.name), str(f.systemName), str(f.filename), Number(f.startLine)]),
  );
  assert.deepEqual(
    ours.mappings.map((m) => [m.id, m.memoryStart, m.memoryLimit, m.fileOffset, m.filename, m.buildId, m.hasFunctions]),
    theirs.mapping.map((m) => [
      Number(m.id),
      Number(m.memoryStart),
      Number(m.memoryLimit),
      Number(m.fileOffset),
      str(m.filename),
      str(m.buildId),
      m.hasFunctions,
    ]),
  );
}

describe('pprof decoder on recorded Go profiles', () => {
  for (const v of GO_VERSIONS) {
    for (const kind of KINDS) {
      it(`${v}/${kind}: decodes cleanly and agrees with pprof-format`, () => {
        const gz = readFileSync(join(FIXTURES, v, `${kind}.pb.gz`));
        const ours = decodeProfile(gz, { source: `${kind}.pb.gz` });
        assert.deepEqual(ours.warnings, []);
        assertSameAsPprofFormat(ours, PfProfile.decode(gunzipSync(gz)));
      });
    }

    it(`${v}: every profile has the sample types Go documents`, async () => {
      const types = async (k: string) => (await loadProfile(join(FIXTURES, v, `${k}.pb.gz`))).sampleTypes.map((t) => t.type);
      assert.deepEqual(await types('cpu'), ['samples', 'cpu']);
      assert.deepEqual(await types('heap'), ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
      assert.deepEqual(await types('mutex'), ['contentions', 'delay']);
      assert.deepEqual(await types('block'), ['contentions', 'delay']);
      assert.deepEqual(await types('goroutine'), ['goroutine']);
      const allocs = await loadProfile(join(FIXTURES, v, 'allocs.pb.gz'));
      assert.equal(allocs.defaultSampleType, 'alloc_space');
    });

    it(`${v}: records inlined frames innermost first`, async () => {
      const cpu = await loadProfile(join(FIXTURES, v, 'cpu.pb.gz'));
      const inlined = cpu.locations.find((l) => l.lines.length > 1 && cpu.functions[l.lines[0].function].name === 'main.mix');
      assert.ok(inlined, 'a location with main.mix inlined');
      assert.equal(cpu.functions[inlined.lines[inlined.lines.length - 1].function].name, 'main.mixLoop');
    });

    it(`${v}: heap samples carry labels that are skipped unless asked for`, async () => {
      const heap = await loadProfile(join(FIXTURES, v, 'heap.pb.gz'), { labels: true });
      assert.equal(heap.samples.hasLabels, true);
      assert.ok(heap.samples.labels?.some((ls) => ls?.some((l) => l.key === 'bytes' && typeof l.num === 'number')));
    });
  }

  it('loadProfile names the missing file', async () => {
    await assert.rejects(loadProfile(join(FIXTURES, 'nope.pb.gz')), (e: Error & { code?: string }) => {
      return e.code === 'NOT_FOUND' && /no such profile file: .*nope\.pb\.gz/.test(e.message);
    });
  });
});
