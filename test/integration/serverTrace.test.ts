// The bundled language server loads a real runtime trace of tracesvc (recorded here over HTTP) and annotates its marked lines.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CodeLens,
  CodeLensRequest,
  DidChangeConfigurationNotification,
  ExitNotification,
  type Hover,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';
import {
  type DecorationsResult,
  type DidChangeSettingsParams,
  type LoadTraceResult,
  Methods,
  type ServerInitOptions,
  type StarvationResult,
  type TimelineResult,
} from '../../src/core/annotations/protocol';
import { FIXTURE_DIR, REPO_ROOT, type RunningService, buildFixture, findToolchain, traceMarkerLines, startService } from '../host/goServices';
import { PROBLEMS_URI, PROFILES, type Server, ensureBundle, funcLine, startServer } from '../support/lspServer';

const WAITS = path.join(FIXTURE_DIR, 'tracesvc', 'waits.go');
const WAITS_URI = pathToFileURL(WAITS).href;

/** Records `seconds` of runtime trace from a service's /debug/pprof/trace into `file`. */
async function recordTrace(svc: RunningService, seconds: number, file: string): Promise<void> {
  const res = await fetch(`${svc.pprofUrl}trace?seconds=${seconds}`);
  assert.equal(res.status, 200, `trace endpoint answered ${res.status}`);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
}

describe('language server: runtime traces (tracesvc, current Go)', function () {
  this.timeout(180000);
  const marks = traceMarkerLines();
  const line0 = (m: keyof typeof marks): number => marks[m].line - 1;
  let tmp: string;
  let tracePath: string;
  let svc: RunningService;
  let srv: Server;
  let loaded: LoadTraceResult;

  before(async () => {
    ensureBundle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-trace-lsp-'));
    tracePath = path.join(tmp, 'trace.out');
    const bin = await buildFixture(await findToolchain('current'), 'tracesvc');
    svc = await startService(bin, ['-procs', '2', '-hogs', '3']);
    await recordTrace(svc, 2, tracePath);
    await svc.stop();
    srv = startServer();
    const init: ServerInitOptions = { traceMinWaitMs: 1 };
    await srv.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: [{ uri: pathToFileURL(FIXTURE_DIR).href, name: 'fixtures' }],
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      initializationOptions: init,
    });
    await srv.conn.sendNotification(InitializedNotification.type, {});
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(`server log:\n${srv?.log.join('\n')}`);
  });

  after(async () => {
    await svc?.stop();
    if (srv && srv.child.exitCode === null) srv.child.kill('SIGKILL');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('loads the trace in the server and announces the annotated fixture file', async () => {
    const changed = srv.nextChange();
    loaded = await srv.conn.sendRequest(Methods.loadTrace, { path: tracePath, label: 'tracesvc trace' });
    assert.match(loaded.id, /^t\d+$/);
    assert.match(loaded.goVersion, /^go1\.\d+$/);
    assert.equal(loaded.gomaxprocs, 2);
    assert.ok(loaded.durationNs > 1e9, `duration ${loaded.durationNs}`);
    assert.ok(loaded.mappedFiles >= 1, JSON.stringify(loaded));
    assert.ok((await changed).uris?.includes(WAITS_URI), 'waits.go is among the changed documents');
  });

  it('decorates the starved sleep loop’s resume line as runnable, with count and max', async () => {
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: WAITS_URI });
    const tick = d.runnable?.find((a) => a.line === line0('tick-sleep'));
    assert.ok(tick, `runnable lines: ${d.runnable?.map((a) => `${a.line + 1} ${a.label}`).join('; ')}`);
    const m = /^runnable ([\d.]+)(m?s) · (\d+)× · max [\d.]+m?s$/.exec(tick.label);
    assert.ok(m, tick.label);
    assert.ok(Number(m[3]) >= 5, `only ${m[3]} runnable waits at the tick line`);
    assert.ok(tick.weight > 0 && tick.weight <= 1);
  });

  it('decorates each block line with its reason', async () => {
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: WAITS_URI });
    const at = (m: keyof typeof marks): string => d.blocked?.find((a) => a.line === line0(m))?.label ?? `(none; blocked: ${d.blocked?.map((a) => `${a.line + 1} ${a.label}`).join('; ')})`;
    assert.match(at('lock-wait'), /^blocked on .*sync [\d.]+m?s/);
    assert.match(at('chan-recv'), /^blocked on chan [\d.]+m?s/);
    assert.match(at('select-wait'), /^blocked on select [\d.]+m?s/);
    assert.match(at('net-read'), /^blocked on network [\d.]+m?s/);
    assert.match(at('syscall-read'), /^blocked on syscall [\d.]+m?s/);
    assert.match(at('tick-sleep'), /^blocked on sleep [\d.]+m?s/);
    assert.deepEqual(d.hot, [], 'no profile is loaded');
  });

  it('puts a group summary lens on each goroutine function, opening the report', async () => {
    const lenses: CodeLens[] = (await srv.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: WAITS_URI } })) ?? [];
    const src = fs.readFileSync(WAITS, 'utf8').split('\n');
    const funcLine0 = (re: RegExp): number => src.findIndex((l) => re.test(l));
    const hog = lenses.find((l) => l.range.start.line === funcLine0(/^func cpuHog\(/));
    assert.ok(hog, JSON.stringify(lenses.map((l) => [l.range.start.line, l.command?.title])));
    assert.match(hog.command!.title, /^3 goroutines · running [\d.]+m?s · runnable \d+%/);
    assert.equal(hog.command!.command, 'anole.showStarvationReport');
    assert.deepEqual(hog.command!.arguments, [{ traceId: loaded.id, function: 'main.cpuHog' }]);
    const tick = lenses.find((l) => l.range.start.line === funcLine0(/^func \(t \*tickLoop\) run\(/));
    assert.ok(tick, 'lens on the tick loop method');
    assert.match(tick.command!.title, /^1 goroutine · running .* · blocked on sleep /);
    const locker = lenses.find((l) => l.range.start.line === funcLine0(/^func locker\(/));
    assert.match(locker?.command?.title ?? '', /^4 goroutines · .*blocked on (sync|sleep) /);
  });

  it('puts "Profile CPU" on each runnable-wait line, for the process the trace came from', async () => {
    const lenses: CodeLens[] = (await srv.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: WAITS_URI } })) ?? [];
    const profile = lenses.filter((l) => l.command?.command === 'anole.trace.profileCpu');
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: WAITS_URI });
    assert.deepEqual(profile.map((l) => l.range.start.line).sort((x, y) => x - y), (d.runnable ?? []).map((a) => a.line).sort((x, y) => x - y));
    const tick = profile.find((l) => l.range.start.line === line0('tick-sleep'));
    assert.ok(tick, `Profile CPU lenses at ${profile.map((l) => l.range.start.line + 1).join(', ')}`);
    assert.equal(tick.command!.title, 'Profile CPU');
    assert.deepEqual(tick.command!.arguments, [{ traceId: loaded.id }]);
  });

  it('hovers a runnable line with the culprits holding the Ps', async () => {
    const h: Hover | null = await srv.conn.sendRequest(HoverRequest.type, { textDocument: { uri: WAITS_URI }, position: { line: line0('tick-sleep'), character: 4 } });
    assert.ok(h);
    const md = (h.contents as { value: string }).value;
    assert.match(md, /tracesvc trace/);
    assert.match(md, /\*\*Runnable [\d.]+m?s\*\* when `main\.\(\*tickLoop\)\.run` resumed here/);
    assert.match(md, /all 2 Ps were busy in \d+%/);
    assert.match(md, /Ps were held by: .*`main\.cpuHog` \d+%/);
  });

  it('serves the starvation report with workspace URIs', async () => {
    const r: StarvationResult = await srv.conn.sendRequest(Methods.starvation, { id: loaded.id });
    const hog = r.report.groups.find((g) => g.function === 'main.cpuHog');
    assert.ok(hog && hog.count === 3, JSON.stringify(r.report.groups.map((g) => g.function)));
    assert.equal(hog.localUri, WAITS_URI);
    // The Starvation tab's histograms come with the report: every runnable wait counted once.
    for (const g of r.report.groups) assert.equal(g.runnableHist?.counts.reduce((x, y) => x + y, 0), g.runnableCount, g.function);
    const tick = r.report.lines.find((l) => l.kind === 'runnable' && l.line === marks['tick-sleep'].line);
    assert.equal(tick?.localUri, WAITS_URI);
    await assert.rejects(srv.conn.sendRequest(Methods.starvation, { id: 't999' }), /no loaded trace with id "t999"/);
  });

  it('answers timeline windows: lanes per P and group, merged spans inside the window, sites mapped to the workspace', async () => {
    const all: TimelineResult = await srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 1000 });
    assert.equal(all.fromNs, 0);
    assert.equal(all.toNs, all.durationNs);
    assert.deepEqual(all.lanes.filter((l) => l.kind === 'p').map((l) => l.label), ['P0', 'P1']);
    const labels = all.lanes.map((l) => l.label);
    for (const fn of ['main.cpuHog', 'main.(*tickLoop).run', 'main.locker']) assert.ok(labels.includes(fn), labels.join(', '));
    assert.deepEqual(labels.slice(-2), ['GC', 'STW']);
    for (const l of all.lanes) assert.ok(l.spans.length <= 2002, `${l.label}: ${l.spans.length} spans for 1000 px`);
    // A 10 ms window in the middle, 500 px wide: everything clipped to it.
    const from = Math.round(all.durationNs / 2);
    const to = from + 10e6;
    const win: TimelineResult = await srv.conn.sendRequest(Methods.timeline, { id: loaded.id, fromNs: from, toNs: to, widthPx: 500 });
    let total = 0;
    for (const l of win.lanes) {
      for (const sp of l.spans) assert.ok(sp.s >= from && sp.e <= to && sp.e > sp.s, `${l.label} [${sp.s}, ${sp.e}]`);
      total += l.spans.length;
    }
    assert.ok(total > 0, 'nothing ran in the middle 10 ms');
    // The tick loop's waits point at its own lines in waits.go, mapped to the workspace file.
    const tick = all.lanes.find((l) => l.label === 'main.(*tickLoop).run')!;
    const sites = tick.spans.filter((sp) => sp.site !== undefined).map((sp) => all.sites[sp.site!]);
    assert.ok(sites.some((s) => s.localUri === WAITS_URI && s.function === 'main.(*tickLoop).run'), JSON.stringify(sites.slice(0, 5)));
    // Only the lanes asked for carry spans.
    const one: TimelineResult = await srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 200, lanes: ['p0'] });
    assert.ok(one.lanes.find((l) => l.id === 'p0')!.spans.length > 0);
    assert.ok(one.lanes.filter((l) => l.id !== 'p0').every((l) => l.spans.length === 0));
    await assert.rejects(srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 0 }), /widthPx must be an integer/);
    await assert.rejects(srv.conn.sendRequest(Methods.timeline, { id: 't999', widthPx: 10 }), /no loaded trace with id "t999"/);
  });

  it('expands a group lane to one lane per goroutine on request, with sites and a count of what the cap left out', async () => {
    const plain: TimelineResult = await srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 600 });
    const hog = plain.lanes.find((l) => l.label === 'main.cpuHog')!;
    const tick = plain.lanes.find((l) => l.label === 'main.(*tickLoop).run')!;
    assert.equal(hog.goroutines, 3);
    assert.ok(plain.lanes.every((l) => l.kind !== 'goroutine' && l.expanded === undefined), 'nothing expanded unless asked');
    const res: TimelineResult = await srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 600, expand: [hog.id, tick.id, 'g99999'] });
    const at = res.lanes.findIndex((l) => l.id === hog.id);
    assert.deepEqual(res.lanes[at].expanded, { hidden: 0 });
    const gs = res.lanes.slice(at + 1, at + 4);
    assert.ok(gs.every((l) => l.kind === 'goroutine' && l.parent === hog.id && l.id === `${hog.id}:${l.g}` && l.label === `G${l.g}`), JSON.stringify(gs.map((l) => l.id)));
    assert.notEqual(res.lanes[at + 4]?.parent, hog.id, 'three hogs, three goroutine lanes');
    assert.deepEqual(gs.map((l) => l.g), gs.map((l) => l.g!).sort((a, b) => a - b));
    // Each hog runs and waits runnable (3 hogs on 2 Ps); its spans are bounded by the width and carry the running time.
    for (const l of gs) {
      assert.ok(l.spans.length > 0 && l.spans.length <= 1202, `${l.label}: ${l.spans.length} spans`);
      assert.ok(l.spans.some((sp) => sp.run) && l.spans.some((sp) => sp.rbl), `${l.label} never both running and runnable`);
      assert.ok(l.spans.every((sp) => sp.busyNs !== undefined && sp.busyNs <= sp.e - sp.s + 1e-6));
    }
    // The same lane ids and order as without expansion, goroutine lanes aside.
    assert.deepEqual(res.lanes.filter((l) => l.kind !== 'goroutine').map((l) => l.id), plain.lanes.map((l) => l.id));
    // The tick loop's goroutine: its spans name its lines in waits.go, mapped to the workspace.
    const tg = res.lanes.filter((l) => l.parent === tick.id);
    assert.equal(tg.length, 1);
    const sites = tg[0].spans.filter((sp) => sp.site !== undefined).map((sp) => res.sites[sp.site!]);
    assert.ok(sites.some((x) => x.localUri === WAITS_URI && x.function === 'main.(*tickLoop).run'), JSON.stringify(sites.slice(0, 3)));
    // Only the lanes asked for carry spans (a goroutine lane can be asked by its own id).
    const one: TimelineResult = await srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 100, expand: [hog.id], lanes: [`${hog.id}:${gs[0].g}`] });
    const withSpans = one.lanes.filter((l) => l.spans.length > 0).map((l) => l.id);
    assert.deepEqual(withSpans, [`${hog.id}:${gs[0].g}`]);
    await assert.rejects(srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 10, expand: 'g0' }), /expand must be a list/);
    await assert.rejects(srv.conn.sendRequest(Methods.timeline, { id: loaded.id, widthPx: 10, expand: Array.from({ length: 101 }, (_, i) => `g${i}`) }), /at most 100/);
  });

  it('loads a trace for a view progressively: answers at once, draws the time read so far, then the whole report', async () => {
    const res: LoadTraceResult = await srv.conn.sendRequest(Methods.loadTrace, { path: tracePath, label: 'view', replace: false, progressive: true });
    assert.equal(res.loading, true);
    const [first, report] = await Promise.all([
      srv.conn.sendRequest(Methods.timeline, { id: res.id, widthPx: 800 }) as Promise<TimelineResult>,
      srv.conn.sendRequest(Methods.starvation, { id: res.id }) as Promise<StarvationResult>,
    ]);
    assert.ok(first.lanes.some((l) => l.kind === 'p' && l.spans.length > 0), 'the first answer has spans to draw');
    assert.ok(first.durationNs > 0 && first.durationNs <= loaded.durationNs, `${first.durationNs} of ${loaded.durationNs}`);
    const whole: StarvationResult = await srv.conn.sendRequest(Methods.starvation, { id: loaded.id });
    assert.deepEqual(report.report.groups.map((g) => [g.function, g.count, g.runnableNs]), whole.report.groups.map((g) => [g.function, g.count, g.runnableNs]));
    const done: TimelineResult = await srv.conn.sendRequest(Methods.timeline, { id: res.id, widthPx: 800 });
    assert.equal(done.loading, undefined);
    assert.equal(done.durationNs, loaded.durationNs);
    await srv.conn.sendRequest(Methods.hold, { id: res.id, hold: false });
  });

  it('turns decorations and lenses off by setting, live', async () => {
    const off: DidChangeSettingsParams = { settings: { anole: { traceDecorations: false, traceCodeLens: false, traceHovers: false } } };
    let changed = srv.nextChange();
    await srv.conn.sendNotification(DidChangeConfigurationNotification.type, off);
    await changed;
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: WAITS_URI });
    assert.deepEqual([d.runnable, d.blocked], [[], []]);
    const lenses: CodeLens[] = (await srv.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: WAITS_URI } })) ?? [];
    assert.deepEqual(lenses, []);
    const h = await srv.conn.sendRequest(HoverRequest.type, { textDocument: { uri: WAITS_URI }, position: { line: line0('tick-sleep'), character: 4 } });
    assert.equal(h, null);
    changed = srv.nextChange();
    await srv.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { anole: { traceMinWaitMs: 1 } } });
    await changed;
    const back: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: WAITS_URI });
    assert.ok((back.runnable?.length ?? 0) > 0);
  });

  it('refuses a non-trace file and a trace sent as a profile, and keeps serving', async () => {
    await assert.rejects(
      srv.conn.sendRequest(Methods.loadTrace, { path: path.join(REPO_ROOT, 'test', 'fixtures', 'profiles', 'hotsvc', 'cpu.pb.gz') }),
      /not a Go execution trace/,
    );
    await assert.rejects(srv.conn.sendRequest(Methods.loadProfile, { path: tracePath, kind: 'trace' }), /anole\/loadTrace/);
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: WAITS_URI });
    assert.ok((d.runnable?.length ?? 0) > 0);
  });

  it('clears the trace annotations and unloads the trace', async () => {
    const changed = srv.nextChange();
    const r = await srv.conn.sendRequest(Methods.clear, { kind: 'trace' });
    assert.deepEqual(r, { unloaded: [loaded.id] });
    assert.ok((await changed).uris?.includes(WAITS_URI));
    const d: DecorationsResult = await srv.conn.sendRequest(Methods.decorations, { uri: WAITS_URI });
    assert.deepEqual([d.runnable, d.blocked], [[], []]);
  });

  it('puts "Trace" next to a hot function\'s CPU lens, for the service the profile came from', async () => {
    const cpu = await srv.conn.sendRequest<{ id: string }>(Methods.loadProfile, { path: path.join(PROFILES, 'cpu.pb.gz') });
    const lenses: CodeLens[] = (await srv.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: PROBLEMS_URI } })) ?? [];
    const at = lenses.filter((l) => l.range.start.line === funcLine('burnCPU') - 1).map((l) => l.command);
    assert.deepEqual(at.map((c) => c?.title.replace(/^CPU .*/, 'CPU')), ['CPU', 'Trace']);
    assert.equal(at[1]?.command, 'anole.traceRemoteService');
    assert.deepEqual(at[1]?.arguments, [{ profileId: cpu.id, function: 'main.burnCPU' }]);
  });

  it('shuts down cleanly', async () => {
    await srv.conn.sendRequest(ShutdownRequest.type);
    await srv.conn.sendNotification(ExitNotification.type);
    assert.equal(await srv.exited, 0);
    srv.conn.dispose();
  });
});
