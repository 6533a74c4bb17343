// Benchmark: the trace viewer's first paint on the ~60 MB bench trace (bench/traceBench.ts records and caches it):
// through the real language server (dist/server.js over stdio, the requests the Timeline tab sends) and, when
// code-server is installed, in the real webview. Side by side in the same run: the time to read the whole trace.
// Goal: first paint ≤ 3 s. Run: npx tsx bench/timelineBench.ts   (after `npm run build`)
import * as fs from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InitializeRequest, InitializedNotification, ShutdownRequest, ExitNotification } from 'vscode-languageserver-protocol/node';
import { type LoadTraceResult, Methods, type TimelineResult } from '../src/core/annotations/protocol';
import { errorMessage } from '../src/core/errors';
import { readLogs, startCodeServer, type CodeServer } from '../test/e2e/support/codeServer';
import { requireE2ePaths } from '../test/e2e/support/paths';
import { anoleVsix } from '../test/e2e/support/vsix';
import { webviewFrame } from '../test/e2e/support/webviewFrames';
import { openWorkbench, quickOpen, runCommand, type Workbench } from '../test/e2e/support/workbench';
import { ensureBundle, startServer } from '../test/support/lspServer';
import { benchTrace } from './traceBench';
import { formatRows, runAsScript } from './util';

const ROOT = resolve(__dirname, '..');
/** Goal: the timeline's first spans drawn within this many ms of opening the trace. */
export const FIRST_PAINT_GOAL_MS = 3000;
/** The canvas width the requests ask for (a maximised editor on a 1080p screen, less the labels). */
const WIDTH_PX = 1600;
/** The page's poll while the trace is read (media/src/_timeline.ts). */
const POLL_MS = 300;

export interface TimelineBenchFigures {
  traceBytes: number;
  goVersion: string;
  server: {
    /** loadTrace (progressive) to the first timeline answer with spans. */
    firstPaintMs: number;
    /** CPU time (user + system) the server spent from loadTrace to that answer: less skewed by other load than wall time. */
    firstPaintCpuMs: number;
    /** Share of the file read at that answer. */
    firstFraction: number;
    /** loadTrace to the first answer of the whole trace (the page polling as it does). */
    wholeMs: number;
    /** The slowest of the page's polls while the trace is read: how long the server can keep a request waiting. */
    longestAnswerMs: number;
    /** The biggest group expanded, whole trace and a 1% window: ms, lanes, hidden. */
    expand: { group: string; goroutines: number; wholeMs: number; windowMs: number; lanes: number; hidden: number };
    /** The server's peak RSS (VmHWM), MB. */
    peakMB: number;
  };
  /** In code-server's webview (undefined: not installed, see `webviewSkipped`). */
  webview?: {
    codeServerVersion: string;
    /**
     * A small trace opened twice first, once the session has settled: the browser's first two webviews (the first
     * installs VS Code's webview service worker).
     */
    firstWebviewsMs: number[];
    firstPaintMs: number;
    loggedMs: number;
    /** What VS Code's webview host (pre/index.html) waited for its service worker before writing our page, from its perf marks. */
    workerWaitMs: number;
    wholeMs: number;
  };
  webviewSkipped?: string;
  loadAvg: number[];
  meetsGoal: boolean;
}

/** User + system CPU ms of a process so far. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function hwmMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The Timeline tab's requests against dist/server.js. */
async function throughServer(file: string): Promise<TimelineBenchFigures['server']> {
  ensureBundle();
  const srv = startServer();
  try {
    await srv.conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: {} });
    await srv.conn.sendNotification(InitializedNotification.type, {});
    const pid = srv.child.pid!;
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    const res: LoadTraceResult = await srv.conn.sendRequest(Methods.loadTrace, { path: file, label: 'bench', replace: false, progressive: true });
    const ask = (extra: object = {}): Promise<TimelineResult> => srv.conn.sendRequest(Methods.timeline, { id: res.id, widthPx: WIDTH_PX, ...extra });
    let r = await ask();
    while (!r.lanes.some((l) => l.spans.length > 0)) r = await ask();
    const firstPaintMs = performance.now() - t0;
    const firstPaintCpuMs = cpuMs(pid) - cpu0;
    const firstFraction = r.loading?.fraction ?? 1;
    let longestAnswerMs = 0;
    while (r.loading) {
      await new Promise((ok) => setTimeout(ok, POLL_MS));
      const asked = performance.now();
      r = await ask();
      longestAnswerMs = Math.max(longestAnswerMs, performance.now() - asked);
    }
    const wholeMs = performance.now() - t0;
    const big = r.lanes.filter((l) => l.kind === 'group').sort((a, b) => (b.goroutines ?? 0) - (a.goroutines ?? 0))[0];
    let t1 = performance.now();
    const whole = await ask({ expand: [big.id] });
    const expandWholeMs = performance.now() - t1;
    t1 = performance.now();
    const from = r.durationNs * 0.5;
    await ask({ expand: [big.id], fromNs: from, toNs: from + r.durationNs / 100 });
    const windowMs = performance.now() - t1;
    const lane = whole.lanes.find((l) => l.id === big.id)!;
    const peakMB = hwmMB(srv.child.pid!);
    return {
      firstPaintMs, firstPaintCpuMs, firstFraction, wholeMs, longestAnswerMs, peakMB,
      expand: {
        group: big.label, goroutines: big.goroutines ?? 0, wholeMs: expandWholeMs, windowMs,
        lanes: whole.lanes.filter((l) => l.parent === big.id).length, hidden: lane.expanded?.hidden ?? 0,
      },
    };
  } finally {
    await srv.conn.sendRequest(ShutdownRequest.type).catch(() => undefined);
    await srv.conn.sendNotification(ExitNotification.type).catch(() => undefined);
    srv.conn.dispose();
    if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
  }
}

/** Waits until no frame of the page has `selector` (a closed webview is gone). */
async function waitForNoFrame(page: Workbench['page'], selector: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let found = false;
    for (const f of page.frames()) if ((await f.locator(selector).count().catch(() => 0)) > 0) found = true;
    if (!found) return;
    if (Date.now() > deadline) throw new Error(`a closed webview (${selector}) was still there after ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** How long the browser session settles before the first webview opens (see inWebview). */
const SETTLE_MS = 10_000;

/** Opens the trace from the workspace in code-server: Ctrl+P to the Timeline tab's lane labels drawn. */
async function inWebview(file: string, dir: string, log: (l: string) => void): Promise<NonNullable<TimelineBenchFigures['webview']>> {
  const paths = requireE2ePaths();
  const workspace = join(dir, 'workspace');
  fs.mkdirSync(workspace);
  fs.writeFileSync(join(workspace, 'go.mod'), 'module example.com/bench\n\ngo 1.21\n');
  fs.copyFileSync(file, join(workspace, 'trace.out'));
  fs.copyFileSync(join(ROOT, 'test', 'fixtures', 'traces', 'go1.26', 'tracesvc.trace'), join(workspace, 'small.trace'));
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  try {
    log(`starting code-server ${paths.codeServerVersion}...`);
    server = await startCodeServer({ workspace, vsixPaths: [anoleVsix(ROOT, dir)] });
    wb = await openWorkbench(server, { timeoutMs: 120_000 });
    const cs = server;
    const deadline = Date.now() + 120_000;
    while (!/language client ready/.test(readLogs(cs, 'Anole.log'))) {
      if (Date.now() > deadline) throw new Error('Anole\'s language client never became ready');
      await new Promise((ok) => setTimeout(ok, 100));
    }
    // A user's VS Code installed its webview service worker long ago and has settled before they open a trace.
    // Here the browser session is new: its first webview installs the worker, and every webview opened in the
    // first seconds of the session waits ~2 s for the worker's update check (chromium's net log shows the
    // check's fetch of service-worker.js starting ~2.2 s after the webview asks, not a slow fetch; the
    // workbench's main thread is idle meanwhile). Opened 10 s after the session starts, webviews wait ~20 ms.
    // So the session settles first, then a small trace opens twice, timed apart, and the measured one opens
    // as every later webview does. The worker's wait is still measured and printed.
    await new Promise((ok) => setTimeout(ok, SETTLE_MS));
    const firstWebviewsMs: number[] = [];
    for (let i = 0; i < 2; i++) {
      log('opening small.trace (warming up the browser session\'s webviews)...');
      const w0 = performance.now();
      await quickOpen(wb.page, 'small.trace', 60_000);
      await webviewFrame(wb.page, '.tabs .tab', 'the small trace\'s webview', 120_000);
      firstWebviewsMs.push(performance.now() - w0);
      await runCommand(wb.page, 'View: Close All Editors', 10_000); // retries a palette a loading webview closed
      await waitForNoFrame(wb.page, '.tabs .tab', 30_000);
    }
    log('opening trace.out...');
    const t0 = performance.now();
    await quickOpen(wb.page, 'trace.out', 60_000);
    // The page opens on the Timeline while the trace is read; its labels appear with the first answer.
    const frame = await webviewFrame(wb.page, '.timeline .tl-body', 'trace report webview', 60_000);
    await frame.locator('.tl-label.tl-p').first().waitFor({ timeout: 120_000 });
    const firstPaintMs = performance.now() - t0;
    // VS Code's webview host marks when it got our page ('content/started') and when its service worker was ready for it.
    let workerWaitMs = NaN;
    for (const f of wb.page.frames()) {
      if (!/\/webview\/browser\/pre\/index\.html/.test(f.url()) || (await f.locator('iframe').count().catch(() => 0)) === 0) continue;
      const marks = await f.evaluate(() => performance.getEntriesByType('mark').map((m) => [m.name, m.startTime] as [string, number])).catch(() => []);
      const at = (name: string) => marks.find(([n]) => n.endsWith(name))?.[1];
      const started = at('content/started');
      const ready = at('content/workerReady');
      if (started !== undefined && ready !== undefined) workerWaitMs = ready - started;
    }
    await frame.locator('.timeline:not(.loading) .tl-label.tl-p').first().waitFor({ timeout: 300_000 });
    const wholeMs = performance.now() - t0;
    const m = [...readLogs(cs, 'Anole.log').matchAll(/first spans to draw (\d+) ms after the view opened.*/g)].pop();
    if (m) log(`extension log: ${m[0]}`);
    return { codeServerVersion: paths.codeServerVersion, firstWebviewsMs, firstPaintMs, wholeMs, loggedMs: m ? Number(m[1]) : NaN, workerWaitMs };
  } finally {
    await wb?.close();
    await server?.stop();
  }
}

export async function runTimelineBench(opts: { log?: (l: string) => void } = {}): Promise<TimelineBenchFigures> {
  const log = opts.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'anole-timeline-bench-'));
  try {
    const { file, goVersion } = await benchTrace(Number(process.env.ANOLE_BENCH_TRACE_EXCHANGES ?? 4_000_000), dir, log);
    const traceBytes = (await stat(file)).size;
    log(`the Timeline tab's requests to dist/server.js on ${(traceBytes / 1e6).toFixed(1)} MB...`);
    const server = await throughServer(file);
    let webview: TimelineBenchFigures['webview'];
    let webviewSkipped: string | undefined;
    try {
      requireE2ePaths();
    } catch (e) {
      webviewSkipped = errorMessage(e);
    }
    if (!webviewSkipped) webview = await inWebview(file, dir, log);
    const loadAvg = loadavg();
    // The goal is the real viewer's: unmeasured (no code-server) is not met.
    const meetsGoal = server.firstPaintMs <= FIRST_PAINT_GOAL_MS && webview !== undefined && webview.firstPaintMs <= FIRST_PAINT_GOAL_MS;
    return { traceBytes, goVersion, server, webview, webviewSkipped, loadAvg, meetsGoal };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatTimelineBench(f: TimelineBenchFigures): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const x = f.server.expand;
  return formatRows([
    ['trace', `${(f.traceBytes / 1e6).toFixed(1)} MB (${f.goVersion})`],
    ['server: first paint', `${s(f.server.firstPaintMs)} wall, ${s(f.server.firstPaintCpuMs)} server CPU (${(f.server.firstFraction * 100).toFixed(0)}% of the file read); goal ≤ ${s(FIRST_PAINT_GOAL_MS)}`],
    ['server: whole trace drawn', `${s(f.server.wholeMs)}; first paint / whole = ${(f.server.firstPaintMs / f.server.wholeMs).toFixed(3)}×`],
    ['server: longest answer while reading', `${f.server.longestAnswerMs.toFixed(0)} ms (the slowest of the page's polls, every ${POLL_MS} ms)`],
    ['server: expand the biggest group', `${x.group} (${x.goroutines} goroutines): whole trace ${x.wholeMs.toFixed(0)} ms, 1% window ${x.windowMs.toFixed(0)} ms; ${x.lanes} lanes, ${x.hidden} hidden`],
    ['server: peak RSS', `${f.server.peakMB.toFixed(0)} MB`],
    ['webview (code-server): first paint', f.webview
      ? `${s(f.webview.firstPaintMs)} from Ctrl+P to the lane labels (extension log: ${f.webview.loggedMs} ms after the view opened); whole trace ${s(f.webview.wholeMs)}; ` +
        `of which VS Code's webview host waited ${Number.isNaN(f.webview.workerWaitMs) ? '?' : s(f.webview.workerWaitMs)} for its service worker before writing the page`
      : `not measured: ${f.webviewSkipped}`],
    ...(f.webview
      ? [['webview (code-server): warm-up', `the browser session's first two webviews (a small trace): ${f.webview.firstWebviewsMs.map(s).join(', ')} from Ctrl+P to the page, opened after the session settled ${SETTLE_MS / 1000} s (the first installs VS Code's webview service worker)`] as [string, string]]
      : []),
    ['load average', f.loadAvg.map((l) => l.toFixed(1)).join(' ')],
    ['goal met', String(f.meetsGoal)],
  ]);
}

if (require.main === module) runAsScript('timeline', runTimelineBench, formatTimelineBench, (f) => f.meetsGoal);
