// lockSites() and emptyProfileReason() on recorded mutex/block profiles and on synthetic stacks.
import assert from 'node:assert/strict';
import { type AnoleError } from '../../src/core/errors';
import { decodeProfile, emptyProfileReason, loadProfile, lockSites } from '../../src/core/pprof';
import { GEN_FILE, GO_VERSIONS, fixture, markLine } from '../fixtures/profiles/fixtures';
import { type SynthProfile, encodeProfile } from '../fixtures/profiles/synth';

describe('pprof lockSites on recorded profiles', function () {
  for (const v of GO_VERSIONS) {
    it(`${v}: a mutex profile charges the delay to the user-code Unlock line`, async () => {
      const file = fixture(v, 'mutex');
      const report = lockSites(await loadProfile(file), { kind: 'mutex' });
      assert.equal(report.empty, false);
      const first = report.rows[0];
      assert.deepEqual([first.function, first.file, first.line], ['main.lockedWork', GEN_FILE, markLine('unlock')]);
      assert.equal(first.systemOnly, false);
      assert.ok(first.percent > 99, `${first.percent}%`);
      assert.ok(first.contentions > 100);
    });

    it(`${v}: a block profile charges the wait to the user-code Lock line`, async () => {
      const report = lockSites(await loadProfile(fixture(v, 'block')), { kind: 'block' });
      const first = report.rows[0];
      assert.deepEqual([first.function, first.line], ['main.lockedWork', markLine('lock')]);
      assert.ok(report.rows.every((r, i) => i === 0 || report.rows[i - 1].delay >= r.delay), 'sorted by delay');
      const sum = report.rows.reduce((s, r) => s + r.delay, 0);
      assert.equal(sum, report.totalDelay);
    });

    it(`${v}: empty mutex and block profiles say which runtime call is missing`, async () => {
      const mutex = await loadProfile(fixture(v, 'mutex_empty'));
      const reason = emptyProfileReason(mutex, 'mutex');
      assert.match(reason ?? '', /^the mutex profile is empty: the service never called runtime\.SetMutexProfileFraction/);
      const report = lockSites(mutex, { kind: 'mutex' });
      assert.equal(report.empty, true);
      assert.equal(report.emptyReason, reason);
      assert.deepEqual(report.rows, []);
      const block = await loadProfile(fixture(v, 'block_empty'));
      assert.match(emptyProfileReason(block, 'block') ?? '', /the block profile is empty: .*runtime\.SetBlockProfileRate/);
      assert.equal(emptyProfileReason(await loadProfile(fixture(v, 'mutex')), 'mutex'), undefined);
      assert.equal(emptyProfileReason(await loadProfile(fixture(v, 'cpu')), 'cpu'), undefined);
    });
  }
});

describe('pprof lockSites attribution', () => {
  const profile = (samples: SynthProfile['samples'], locations: SynthProfile['locations']): SynthProfile => ({
    sampleTypes: [
      ['contentions', 'count'],
      ['delay', 'nanoseconds'],
    ],
    functions: [
      { id: 1, name: 'internal/sync.(*Mutex).unlockSlow', file: 'internal/sync/mutex.go' },
      { id: 2, name: 'internal/sync.(*Mutex).Unlock', file: 'internal/sync/mutex.go' },
      { id: 3, name: 'sync.(*Mutex).Unlock', file: 'sync/mutex.go' },
      { id: 4, name: 'example.com/svc/store.(*DB).Put', file: 'store/db.go' },
      { id: 5, name: 'main.main', file: 'main.go' },
      { id: 6, name: 'runtime.unlock', file: 'runtime/lock.go' },
      { id: 7, name: 'sync/atomic.(*Int32).Add', file: 'sync/atomic/type.go' },
      { id: 8, name: 'runtime.goexit', file: 'runtime/asm.s' },
    ],
    locations,
    samples,
  });

  it('skips runtime, sync, sync/atomic and internal frames, inlined ones too', () => {
    const p = decodeProfile(
      encodeProfile(
        profile(
          [
            { stack: [1, 2, 3], values: [2, 300] },
            { stack: [4, 3], values: [1, 100] },
          ],
          [
            { id: 1, lines: [[1, 10]] },
            // Unlock inlined twice into the user's Put, as Go 1.24+ records it.
            { id: 2, lines: [[2, 20], [3, 30], [4, 42]] },
            { id: 3, lines: [[5, 7]] },
            { id: 4, lines: [[7, 5], [4, 50]] },
          ],
        ),
      ),
    );
    const r = lockSites(p);
    assert.deepEqual(
      r.rows.map((x) => [x.function, x.line, x.delay, x.contentions]),
      [
        ['example.com/svc/store.(*DB).Put', 42, 300, 2],
        ['example.com/svc/store.(*DB).Put', 50, 100, 1],
      ],
    );
    assert.equal(r.totalDelay, 400);
    assert.equal(r.rows[0].percent, 75);
  });

  it('falls back to the leaf, flagged, when every frame is runtime code', () => {
    const p = decodeProfile(
      encodeProfile(profile([{ stack: [1, 2], values: [1, 50] }], [{ id: 1, lines: [[6, 3]] }, { id: 2, lines: [[8, 1]] }])),
    );
    const [row] = lockSites(p).rows;
    assert.deepEqual([row.function, row.systemOnly], ['runtime.unlock', true]);
  });

  it('refuses a profile without a delay sample type', async () => {
    await assert.rejects(
      async () => lockSites(await loadProfile(fixture('go1.26', 'cpu'))),
      (e: AnoleError) => e.code === 'BAD_INPUT' && /not a mutex or block profile.*samples, cpu/.test(e.message),
    );
  });

  it('an empty profile without a kind names both runtime calls', () => {
    const p = decodeProfile(encodeProfile(profile([], [])));
    const r = lockSites(p);
    assert.equal(r.empty, true);
    assert.match(r.emptyReason ?? '', /SetMutexProfileFraction.*SetBlockProfileRate/);
    assert.equal(emptyProfileReason(p), 'the profile has no samples');
  });
});
