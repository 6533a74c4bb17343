// Benchmark: Anole inside a real VS Code (code-server + headless Chromium, the packaged .vsix):
// activation time as the extension logs it, and the memory of the extension host and of the
// language server before and after a ~50 MB (raw) heap profile is opened in Anole's profile editor.
// Run: npx tsx bench/vscodeBench.ts   (after `npm run build`; uses anole.vsix when it is newer than dist/)
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readLogs, startCodeServer, type CodeServer } from '../test/e2e/support/codeServer';
import { requireE2ePaths } from '../test/e2e/support/paths';
import { anoleServerPid, extensionHostPid, processMemory, type ProcessMemory as Mem } from '../test/e2e/support/processes';
import { anoleVsix } from '../test/e2e/support/vsix';
import { profileFrame } from '../test/e2e/support/webviewFrames';
import { openWorkbench, quickOpen, type Workbench } from '../test/e2e/support/workbench';
import { formatRows, run, runAsScript } from './util';

const ROOT = resolve(__dirname, '..');
/** Goal: activate() returns within this many milliseconds (as the extension logs it). */
export const ACTIVATION_GOAL_MS = 50;
/**
 * Goal: opening the big profile grows the extension host's RSS by at most this share of the
 * profile's raw size (the server holds the profile; the extension host only relays a pruned tree).
 */
export const RSS_GROWTH_GOAL_SHARE = 0.1;
/** heapgen arguments for a ~50 MB raw profile: 1.23 M distinct stacks, 21 frames deep. */
const BIG_PROFILE = { depth: 21, count: 1_230_000 };

export interface VscodeBenchFigures {
  vsix: string;
  codeServerVersion: string;
  /** `activated in N ms` from the Anole log. */
  activationMs: number;
  /** `language client ready N ms after activation began`. */
  clientReadyMs: number;
  profile: { rawMB: number; gzMB: number; samples: string };
  /** From Ctrl+P to the flame graph drawn in the custom editor. */
  openSmallMs: number;
  openBigMs: number;
  /** Extension host: after activation, after a small profile is shown (the baseline), after the big one. */
  extHost: { idle: Mem; small: Mem; big: Mem };
  server: { idle: Mem; small: Mem; big: Mem };
  activationOk: boolean;
  rssOk: boolean;
}

/** Polls `fn` (every 100 ms) until it returns a value, or fails after `timeoutMs`. */
async function poll<T>(what: string, fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens `file` (in the workspace) with Anole's profile editor and waits for its flame graph to show `fn`. */
async function openProfile(wb: Workbench, file: string, fn: string): Promise<number> {
  const t0 = performance.now();
  await quickOpen(wb.page, file, 30_000);
  const frame = await profileFrame(wb.page, file, 300_000);
  await frame.locator(`.flame-frames li[data-name="${fn}"]`).first().waitFor({ state: 'attached', timeout: 300_000 });
  const ms = performance.now() - t0;
  if ((await frame.locator('.error:not([hidden])').count()) > 0) {
    throw new Error(`the profile editor shows an error: ${await frame.locator('.error').innerText()}`);
  }
  return ms;
}

export async function runVscodeBench(opts: { log?: (l: string) => void } = {}): Promise<VscodeBenchFigures> {
  const log = opts.log ?? (() => undefined);
  const paths = requireE2ePaths();
  const dir = await mkdtemp(join(tmpdir(), 'anole-vscode-bench-'));
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  try {
    const vsix = anoleVsix(ROOT, dir);
    const workspace = join(dir, 'workspace');
    fs.mkdirSync(workspace);
    fs.writeFileSync(join(workspace, 'go.mod'), 'module example.com/bench\n\ngo 1.21\n');
    fs.writeFileSync(join(workspace, 'main.go'), 'package main\n\nfunc main() {}\n');
    fs.copyFileSync(join(ROOT, 'test/fixtures/profiles/hotsvc/cpu.pb.gz'), join(workspace, 'small.pb.gz'));
    log(`generating a heap profile (heapgen -depth ${BIG_PROFILE.depth} -count ${BIG_PROFILE.count})...`);
    const bin = join(dir, 'heapgen');
    await run('go', ['build', '-o', bin, '.'], join(__dirname, 'gen', 'heapgen'));
    const big = join(workspace, 'big.pb.gz');
    await run(bin, ['-out', big, '-depth', String(BIG_PROFILE.depth), '-count', String(BIG_PROFILE.count)]);
    const gz = fs.readFileSync(big);
    const profile = { rawMB: gunzipSync(gz).length / 1e6, gzMB: gz.length / 1e6, samples: `${BIG_PROFILE.count} distinct stacks` };

    log(`starting code-server ${paths.codeServerVersion} with ${vsix}...`);
    server = await startCodeServer({ workspace, vsixPaths: [vsix] });
    wb = await openWorkbench(server, { timeoutMs: 120_000 });
    // workspaceContains:**/go.mod activates Anole at startup; its LogOutputChannel is a file in the logs dir.
    const cs = server;
    const anoleLog = () => readLogs(cs, 'Anole.log');
    const activationMs = await poll('"activated in N ms" in the Anole log', () => {
      const m = /activated in (\d+) ms/.exec(anoleLog());
      return m ? Number(m[1]) : undefined;
    });
    const clientReadyMs = await poll('"language client ready" in the Anole log', () => {
      const m = /language client ready (\d+) ms after activation began/.exec(anoleLog());
      return m ? Number(m[1]) : undefined;
    });
    const extHostPid = extensionHostPid(server.pid);
    const serverPid = anoleServerPid(extHostPid);
    log(`activated in ${activationMs} ms; extension host pid ${extHostPid}, language server pid ${serverPid}`);
    const snap = () => ({ ext: processMemory(extHostPid), srv: processMemory(serverPid) });
    const idle = snap();

    log('opening a small profile (the baseline: webview and editor machinery)...');
    const openSmallMs = await openProfile(wb, 'small.pb.gz', 'main.burnCPU');
    const small = snap();
    log(`opening ${profile.rawMB.toFixed(1)} MB raw (${profile.gzMB.toFixed(1)} MB gz) profile...`);
    const openBigMs = await openProfile(wb, 'big.pb.gz', 'main.left');
    const bigMem = snap();
    const growth = bigMem.ext.rssMB - small.ext.rssMB;
    return {
      vsix,
      codeServerVersion: paths.codeServerVersion,
      activationMs,
      clientReadyMs,
      profile,
      openSmallMs,
      openBigMs,
      extHost: { idle: idle.ext, small: small.ext, big: bigMem.ext },
      server: { idle: idle.srv, small: small.srv, big: bigMem.srv },
      activationOk: activationMs <= ACTIVATION_GOAL_MS,
      rssOk: growth <= RSS_GROWTH_GOAL_SHARE * profile.rawMB,
    };
  } catch (e) {
    if (server) log(`code-server output (tail):\n${server.logs().slice(-3000)}`);
    throw e;
  } finally {
    await wb?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatVscodeBench(f: VscodeBenchFigures): string {
  const mb = (m: Mem) => `${m.rssMB.toFixed(0)} MB (peak ${m.hwmMB.toFixed(0)})`;
  const growth = f.extHost.big.rssMB - f.extHost.small.rssMB;
  return formatRows([
    ['VS Code', `code-server ${f.codeServerVersion}, headless Chromium, ${f.vsix.endsWith('/anole.vsix') && f.vsix.startsWith(ROOT) ? 'anole.vsix (npm run package)' : 'dist/ packaged by vsce'}`],
    ['activation (activate() as logged)', `${f.activationMs} ms; goal <= ${ACTIVATION_GOAL_MS} ms: ${f.activationOk ? 'MET' : 'NOT MET'}`],
    ['language client ready', `${f.clientReadyMs} ms after activation began (in the background)`],
    ['big profile', `heap, ${f.profile.samples}: ${f.profile.rawMB.toFixed(1)} MB raw, ${f.profile.gzMB.toFixed(1)} MB gz`],
    ['open in profile editor to flame drawn', `small ${f.openSmallMs.toFixed(0)} ms, big ${f.openBigMs.toFixed(0)} ms`],
    ['extension host RSS', `idle ${mb(f.extHost.idle)} → small profile ${mb(f.extHost.small)} → big ${mb(f.extHost.big)}`],
    ['language server RSS', `idle ${mb(f.server.idle)} → small profile ${mb(f.server.small)} → big ${mb(f.server.big)}`],
    ['extension host growth for the big one', `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB; goal <= ${(RSS_GROWTH_GOAL_SHARE * 100).toFixed(0)}% of the raw profile (${(RSS_GROWTH_GOAL_SHARE * f.profile.rawMB).toFixed(1)} MB): ${f.rssOk ? 'MET' : 'NOT MET'}`],
  ]);
}

if (require.main === module) runAsScript('vscode', runVscodeBench, formatVscodeBench, (f) => f.activationOk && f.rssOk);
