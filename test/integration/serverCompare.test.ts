// ± decorations of an active comparison in the real language server (dist/server.js over stdio): the
// recorded hotsvc CPU profile against a copy whose hot line costs 3×, by raw value, by total and per
// second; hovers with both values; the comparison ends when its view closes or its profiles go.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HoverRequest } from 'vscode-languageserver-protocol/node';
import {
  type CompareLineAnnotation,
  type CompareParams,
  type CompareResult,
  type DecorationsResult,
  type LoadProfileResult,
  Methods,
} from '../../src/core/annotations/protocol';
import { decodeProfile, encodeProfile, top, type Profile } from '../../src/core/pprof';
import { markerLine } from '../host/goServices';
import { PROBLEMS, PROBLEMS_URI, PROFILES, type Server, ensureBundle, startFixtureServer, stopServer } from '../support/lspServer';

const HOT = markerLine('hotsvc/problems.go', 'hot');

/** The flat value of a line of problems.go (1-based), and the profile's total. */
function lineValue(p: Profile, line: number): { value: number; total: number } {
  const t = top(p, { by: 'line' });
  const value = t.rows.filter((r) => r.file.endsWith('hotsvc/problems.go') && r.line === line).reduce((n, r) => n + r.flat, 0);
  return { value, total: t.total };
}

/** A copy of `p` whose samples with a leaf at `line` of problems.go count `factor` times, lasting `durationNanos`. */
function withHotLine(p: Profile, line: number, factor: number, durationNanos: number): Profile {
  const values = Float64Array.from(p.samples.values);
  const n = p.sampleTypes.length;
  for (let i = 0; i < p.samples.count; i++) {
    const leaf = p.locations[p.samples.stackLocs[p.samples.stackStart[i]]];
    const frame = leaf.lines[0];
    if (frame && frame.line === line && p.functions[frame.function].filename.endsWith('hotsvc/problems.go')) {
      for (let t = 0; t < n; t++) values[i * n + t] *= factor;
    }
  }
  return { ...p, samples: { ...p.samples, values }, durationNanos };
}

describe('language server: ± decorations of an active comparison', function () {
  this.timeout(60000);
  let srv: Server;
  let tmp: string;
  let baseFile: string;
  let tripleFile: string;
  let slowFile: string;
  let noDurationFile: string;
  let base: Profile;
  const load = (p: object): Promise<LoadProfileResult> => srv.conn.sendRequest(Methods.loadProfile, p);
  const compare = (p: CompareParams): Promise<CompareResult> => srv.conn.sendRequest(Methods.compare, p);
  const hold = (id: string, h: boolean): Promise<unknown> => srv.conn.sendRequest(Methods.hold, { id, hold: h });
  const compared = async (): Promise<CompareLineAnnotation[]> =>
    ((await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI })) as DecorationsResult).compare ?? [];
  const hotNote = async (): Promise<CompareLineAnnotation | undefined> => (await compared()).find((a) => a.line === HOT - 1);

  before(() => {
    ensureBundle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-compare-'));
    baseFile = path.join(PROFILES, 'cpu.pb.gz');
    base = decodeProfile(fs.readFileSync(baseFile));
    assert.ok(base.durationNanos > 0, 'the recorded CPU profile records its duration');
    assert.ok(lineValue(base, HOT).value > 0, 'the hot line has samples in the recorded profile');
    const write = (name: string, p: Profile) => {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, encodeProfile(p));
      return f;
    };
    tripleFile = write('triple.pb.gz', withHotLine(base, HOT, 3, base.durationNanos));
    slowFile = write('triple-4x-longer.pb.gz', withHotLine(base, HOT, 3, 4 * base.durationNanos));
    noDurationFile = write('no-duration.pb.gz', withHotLine(base, HOT, 3, 0));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  beforeEach(async () => {
    srv = await startFixtureServer();
  });
  afterEach(async function () {
    await stopServer(srv, this.currentTest?.state === 'failed');
  });

  it('marks the line that costs 3× with its change, red, by raw value and by total, and hovers both values', async () => {
    const b = await load({ path: baseFile, replace: false, label: 'before' });
    const n = await load({ path: tripleFile, replace: false, label: 'after' });
    assert.deepEqual(await compared(), [], 'no comparison, no ± decorations');

    const announced = srv.nextChange();
    const raw = await compare({ id: n.id, baseId: b.id, normalize: 'none', active: true });
    assert.deepEqual((await announced).uris, [PROBLEMS_URI], 'the server asks for the compared file\'s decorations again');
    assert.ok(raw.lines >= 1 && raw.files >= 1, JSON.stringify(raw));
    const rawHot = await hotNote();
    assert.ok(rawHot, `no ± decoration on the hot line ${HOT}: ${JSON.stringify(await compared())}`);
    assert.equal(rawHot.label, '+200% vs baseline');
    assert.equal(rawHot.worse, true);
    assert.equal(Math.round(rawHot.change!), 200);
    // Only the tripled line changed: with raw values, no other line differs.
    assert.deepEqual((await compared()).map((a) => a.line), [HOT - 1]);

    // By total: the baseline is scaled to the new total, so the hot line gains less and every other line loses share.
    const { value: v, total: t } = lineValue(base, HOT);
    const expected = Math.round(100 * ((3 * t) / (t + 2 * v) - 1));
    const byTotal = await compare({ id: n.id, baseId: b.id, active: true });
    assert.equal(byTotal.normalize, 'total', 'total is the default');
    const hot = await hotNote();
    assert.equal(hot?.label, `+${expected}% vs baseline`);
    const others = (await compared()).filter((a) => a.line !== HOT - 1);
    assert.ok(others.length > 0, 'other hot lines lost share against the new total');
    for (const o of others) {
      assert.equal(o.worse, false, `line ${o.line + 1} is better`);
      assert.match(o.label, /^\u2212\d+% vs baseline$/);
    }

    const h = await srv.conn.sendRequest(HoverRequest.type, { textDocument: { uri: PROBLEMS_URI }, position: { line: HOT - 1, character: 1 } });
    const text = h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
    assert.match(text, new RegExp(`\\*\\*\\+${expected}% vs baseline\\*\\* \\(baseline scaled to the same total\\): [\\d.]+m?s \\([\\d.]+%\\) in \\*before\\* → [\\d.]+m?s \\([\\d.]+%\\) in \\*after\\*`));

    const cleared = srv.nextChange();
    await compare({ id: n.id, baseId: b.id, active: false });
    assert.deepEqual((await cleared).uris, [PROBLEMS_URI]);
    assert.deepEqual(await compared(), [], 'closing the compare view clears the ± decorations');
    const after = await srv.conn.sendRequest(HoverRequest.type, { textDocument: { uri: PROBLEMS_URI }, position: { line: HOT - 1, character: 1 } });
    assert.doesNotMatch(JSON.stringify(after ?? ''), /vs baseline/);
  });

  it('per second scales the baseline by the durations, and says which profile records none', async () => {
    const b = await load({ path: baseFile, replace: false });
    const slow = await load({ path: slowFile, replace: false });
    // 3× the hot line over 4× the time: 3/4 of the baseline's rate, 25% better.
    await compare({ id: slow.id, baseId: b.id, normalize: 'per-second', active: true });
    const hot = await hotNote();
    assert.equal(hot?.label, '\u221225% vs baseline');
    assert.equal(hot?.worse, false);
    const none = await load({ path: noDurationFile, replace: false });
    await assert.rejects(compare({ id: none.id, baseId: b.id, normalize: 'per-second', active: true }), /cannot normalise per second: the new profile records no duration/);
    await assert.rejects(compare({ id: none.id, baseId: b.id, normalize: 'hourly' as never, active: true }), /normalize is none, total or per-second/);
    await assert.rejects(compare({ id: 'p99', baseId: b.id, active: true }), /no loaded profile with id "p99"/);
    assert.equal((await hotNote())?.label, '\u221225% vs baseline', 'a failed request leaves the active comparison');
    // The same pair again, now per second: it cannot be made, so the raw comparison stays.
    await compare({ id: none.id, baseId: b.id, normalize: 'none', active: true });
    await assert.rejects(compare({ id: none.id, baseId: b.id, normalize: 'per-second', active: true }), /records no duration/);
    assert.equal((await hotNote())?.label, '+200% vs baseline', 'a failed switch keeps the comparison as it was');
  });

  it('the newest comparison decorates; closing it brings back the one still open; unloading a profile ends its comparison', async () => {
    const b = await load({ path: baseFile, replace: false });
    const n = await load({ path: tripleFile, replace: false });
    const slow = await load({ path: slowFile, replace: false });
    await compare({ id: n.id, baseId: b.id, normalize: 'none', active: true });
    await compare({ id: slow.id, baseId: b.id, normalize: 'per-second', active: true });
    assert.equal((await hotNote())?.label, '\u221225% vs baseline');
    await compare({ id: slow.id, baseId: b.id, active: false });
    assert.equal((await hotNote())?.label, '+200% vs baseline');
    // The view's profiles are released without a compare: false (a crashed panel): the comparison goes with them.
    const gone = srv.nextChange();
    await hold(n.id, false);
    assert.deepEqual((await gone).uris, [PROBLEMS_URI]);
    assert.deepEqual(await compared(), []);
    assert.ok(fs.existsSync(PROBLEMS));
  });
});
