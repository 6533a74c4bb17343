// Compare two label sets of a real Parca (v0.28.0) on loopback: a replica that runs the hot loop 3x as
// long per period against one that does not. The ± decoration the real language server puts on the hot
// line says about +200% vs baseline, and `anole diff --normalize per-second` of two `anole source
// query` files shows the same 3x.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ExitNotification, InitializeRequest, InitializedNotification, ShutdownRequest } from 'vscode-languageserver-protocol/node';
import { type CompareResult, type DecorationsResult, type LoadProfileResult, Methods } from '../../src/core/annotations/protocol';
import { decodeProfile, withTimeWindow } from '../../src/core/pprof';
import { ParcaSource, type TimeRange } from '../../src/core/sources';
import { runCli } from '../support/cli';
import { PROBLEMS_URI, ensureBundle, startServer, type Server } from '../support/lspServer';
import { FIXTURE_DIR, binaryOf, buildFixtures, markerLine, startService, type RunningService } from '../host/goServices';
import { parcaBinary, startParca, waitForCpuSeries, type TestParca } from '../host/parca';

const REPLICAS = [
  { name: 'stable', duty: 10 },
  { name: 'canary', duty: 30 },
];
const HOT_LINE = markerLine('hotsvc/problems.go', 'hot');

describe('Compare two label sets of a real Parca: the canary\'s 3x hot line', function () {
  let parca: TestParca;
  const services: RunningService[] = [];
  let source: ParcaSource;
  let cpuType: string;
  let range: TimeRange;
  let tmp: string;

  before(async function () {
    this.timeout(5 * 60_000);
    const bin = parcaBinary();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-parca-compare-'));
    const [build] = await buildFixtures({ goVersions: ['current'], names: ['hotsvc'] });
    for (const r of REPLICAS) {
      services.push(await startService(binaryOf(build, 'hotsvc'), ['-cpu-duty', String(r.duty), '-lock=false', '-leak', '0', '-chansend=false']));
    }
    const t0 = Date.now();
    parca = await startParca(bin, REPLICAS.map((r, i) => ({ job: 'hotsvc', addr: services[i].addr, labels: { track: r.name } })), { intervalS: 4 });
    source = new ParcaSource({ url: parca.url });
    cpuType = await waitForCpuSeries(parca, '{job="hotsvc"}', REPLICAS.length, t0);
    range = { fromMs: t0, toMs: Date.now() - 10_000 };
  });

  after(async () => {
    await parca?.stop();
    parca?.cleanup();
    await Promise.all(services.map((s) => s.stop()));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The merged profile of a selector, as "Compare Fleet/Backend Profiles" stores it (with its range). */
  async function saved(selector: string): Promise<string> {
    const res = await source.query({ type: cpuType, selector, range });
    assert.equal(res.kind, 'profile', `no profile for ${selector}`);
    const file = path.join(tmp, `${selector.replace(/\W+/g, '_')}.pb.gz`);
    fs.writeFileSync(file, withTimeWindow(res.kind === 'profile' ? res.pprof : new Uint8Array(), range));
    assert.equal(decodeProfile(fs.readFileSync(file)).durationNanos, (range.toMs - range.fromMs) * 1e6, 'the file records the range');
    return file;
  }

  it('the language server marks the hot line about +200% vs baseline (red), by raw value and per second', async function () {
    this.timeout(60_000);
    ensureBundle();
    const [stable, canary] = await Promise.all([saved('{track="stable"}'), saved('{track="canary"}')]);
    const srv: Server = startServer();
    try {
      await srv.conn.sendRequest(InitializeRequest.type, {
        processId: process.pid, rootUri: null, capabilities: {},
        workspaceFolders: [{ uri: pathToFileURL(FIXTURE_DIR).href, name: 'fixtures' }],
        initializationOptions: { minPercent: 1, lensMinPercent: 2 },
      });
      await srv.conn.sendNotification(InitializedNotification.type, {});
      const b: LoadProfileResult = await srv.conn.sendRequest(Methods.loadProfile, { path: stable, replace: false, label: 'stable' });
      const n: LoadProfileResult = await srv.conn.sendRequest(Methods.loadProfile, { path: canary, replace: false, label: 'canary' });
      const hot = async () => {
        const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: PROBLEMS_URI });
        return (d.compare ?? []).find((a) => a.line === HOT_LINE - 1);
      };
      for (const normalize of ['none', 'per-second'] as const) {
        const res: CompareResult = await srv.conn.sendRequest(Methods.compare, { id: n.id, baseId: b.id, normalize, active: true });
        assert.ok(res.lines > 0, `${normalize}: no changed line`);
        const note = await hot();
        assert.ok(note, `${normalize}: no ± decoration on the hot line ${HOT_LINE}; server log:\n${srv.log.join('\n')}`);
        assert.equal(note.worse, true);
        // 3x the duty cycle: +200%, give or take what 2 shared cores do to CPU time.
        assert.ok(note.change !== null && note.change > 100 && note.change < 350, `${normalize}: ${note.label}`);
        assert.match(note.label, /^\+\d+% vs baseline$/);
        console.log(`      ${normalize}: hot line ${HOT_LINE}: "${note.label}"`);
      }
      await srv.conn.sendRequest(Methods.compare, { id: n.id, baseId: b.id, active: false });
      assert.equal(await hot(), undefined, 'closing the comparison clears it');
    } finally {
      await srv.conn.sendRequest(ShutdownRequest.type);
      await srv.conn.sendNotification(ExitNotification.type);
      srv.conn.dispose();
    }
  });

  it('anole source query writes the range into each file; anole diff --normalize per-second shows the hot line at ~3x', async function () {
    this.timeout(60_000);
    const from = new Date(range.fromMs).toISOString();
    const to = new Date(range.toMs).toISOString();
    const files: string[] = [];
    for (const track of ['stable', 'canary']) {
      const out = path.join(tmp, `cli-${track}.pb.gz`);
      const q = await runCli(['source', 'query', 'parca', parca.url, '--type', cpuType, '--selector', `{track="${track}"}`, '--from', from, '--to', to, '-o', out]);
      assert.equal(q.code, 0, q.stderr);
      files.push(out);
    }
    const d = await runCli(['diff', files[0], files[1], '--by', 'line', '--normalize', 'per-second', '--json']);
    assert.equal(d.code, 0, d.stderr);
    const rows = JSON.parse(d.stdout) as Array<{ file: string; line: number; baseFlat: number; nextFlat: number }>;
    const hot = rows.filter((r) => r.file.endsWith('hotsvc/problems.go') && r.line === HOT_LINE);
    const base = hot.reduce((s, r) => s + r.baseFlat, 0);
    const next = hot.reduce((s, r) => s + r.nextFlat, 0);
    assert.ok(base > 0, 'the stable replica runs the hot line too');
    const ratio = next / base;
    assert.ok(ratio > 2 && ratio < 4.5, `canary / stable on the hot line = ${ratio.toFixed(2)}, expected ~3`);
  });
});
