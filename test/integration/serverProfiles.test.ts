// Loaded profiles' lifetimes in the real language server (dist/server.js over stdio): the annotating
// profile of a kind is replaced, profiles a view holds stay until released, and two CPU profiles diff.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  type DecorationsResult,
  type FlameGraphResult,
  type LoadProfileResult,
  Methods,
  type TopResultMessage,
  type UnloadResult,
} from '../../src/core/annotations/protocol';
import { REPO_ROOT } from '../host/goServices';
import { PROBLEMS_URI, PROFILES, type Server, ensureBundle, startFixtureServer, stopServer } from '../support/lspServer';

/** Two CPU profiles of the same service: the recorded hotsvc capture, and a Go 1.26 one. */
const CPU_A = path.join(PROFILES, 'cpu.pb.gz');
const CPU_B = path.join(REPO_ROOT, 'test', 'fixtures', 'profiles', 'go1.26', 'cpu.pb.gz');

describe('language server: loaded profiles live as long as something uses them', function () {
  this.timeout(60000);
  let srv: Server;
  const load = (p: object): Promise<LoadProfileResult> => srv.conn.sendRequest(Methods.loadProfile, p);
  const hold = (id: string, h: boolean): Promise<UnloadResult> => srv.conn.sendRequest(Methods.hold, { id, hold: h });
  const flame = (id: string, baseId?: string): Promise<FlameGraphResult> => srv.conn.sendRequest(Methods.flameGraph, { id, baseId });
  const hotLines = async (): Promise<number> =>
    ((await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI })) as DecorationsResult).hot.length;

  beforeEach(async () => {
    ensureBundle();
    srv = await startFixtureServer();
  });
  afterEach(async function () {
    await stopServer(srv, this.currentTest?.state === 'failed');
  });

  it('compares two CPU captures: the older one, held by a view, survives the newer one replacing it in the editor', async () => {
    const older = await load({ path: CPU_A, kind: 'cpu', label: 'first' });
    assert.deepEqual(older.replaced, []);
    const annotated = await hotLines();
    assert.ok(annotated > 0);
    // A flame graph panel shows the first capture: it holds it.
    assert.deepEqual(await hold(older.id, true), { unloaded: [] });
    const newer = await load({ path: CPU_B, kind: 'cpu', label: 'second' });
    assert.deepEqual(newer.replaced, [], 'the held capture is not unloaded');
    // The newer capture alone annotates now (it maps nothing in hotsvc: no hot lines left).
    assert.equal(await hotLines(), 0);
    // Compare Profiles: both ids answer, in both directions.
    const diff = await flame(newer.id, older.id);
    assert.equal(diff.baseTotal, older.total);
    assert.equal(diff.total, newer.total);
    const top: TopResultMessage = await srv.conn.sendRequest(Methods.top, { id: older.id, baseId: newer.id, by: 'function', limit: 5 });
    assert.ok(top.rows.length > 0);
    // A third capture replaces the second (nothing holds it): it is unloaded and the result says so.
    const third = await load({ path: CPU_A, kind: 'cpu', label: 'third' });
    assert.deepEqual(third.replaced, [newer.id]);
    await assert.rejects(flame(newer.id), new RegExp(`no loaded profile with id "${newer.id}" \\(loaded: ${older.id}, ${third.id}\\)`));
    assert.equal(await hotLines(), annotated, 'only the annotating capture decorates');
    // The panel closes: the first capture, no longer annotating, goes.
    assert.deepEqual(await hold(older.id, false), { unloaded: [older.id] });
    await assert.rejects(flame(older.id), /no loaded profile with id/);
    await assert.rejects(hold(older.id, true), /no loaded profile with id/);
    assert.ok((await flame(third.id)).total > 0);
  });

  it('keeps two CPU profiles opened for views (replace: false) until each is released, without touching the annotations', async () => {
    const annotating = await load({ path: CPU_A });
    const before = await hotLines();
    const a = await load({ path: CPU_A, replace: false });
    const b = await load({ path: CPU_B, replace: false });
    assert.deepEqual([a.replaced, b.replaced], [[], []]);
    assert.equal(await hotLines(), before, 'a view\'s profile does not annotate the source');
    const diff = await flame(b.id, a.id);
    assert.equal(diff.baseTotal, a.total);
    // A new annotating capture replaces only the annotating one.
    const next = await load({ path: CPU_A, kind: 'cpu' });
    assert.deepEqual(next.replaced, [annotating.id]);
    // Clear Annotations stops the annotating one; the views' profiles stay.
    assert.deepEqual(await srv.conn.sendRequest(Methods.clear, {}), { unloaded: [next.id] });
    assert.equal(await hotLines(), 0);
    assert.ok((await flame(b.id, a.id)).total > 0);
    assert.deepEqual(await hold(a.id, false), { unloaded: [a.id] });
    assert.deepEqual(await hold(b.id, false), { unloaded: [b.id] });
  });

  it('a profile editor\'s profile annotates and is held: a capture replacing it in the editor leaves it to the editor', async () => {
    const editor = await load({ path: CPU_A, replace: true, hold: true });
    assert.ok(await hotLines() > 0, 'the opened file annotates the source');
    const capture = await load({ path: CPU_B, kind: 'cpu' });
    assert.deepEqual(capture.replaced, [], 'the editor still holds it');
    assert.equal(await hotLines(), 0, 'only the capture annotates now');
    assert.ok((await flame(editor.id)).total > 0);
    assert.deepEqual(await hold(editor.id, false), { unloaded: [editor.id] });
  });
});
