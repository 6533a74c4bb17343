// Helpers for driving dist/adapter.js with DebugClient against real services, with DAP traces for failures.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RunningService } from '../host/goServices';

export const ADAPTER = path.resolve(__dirname, '../../dist/adapter.js');

/** Calls `each` with the body of every DAP message (Content-Length framed) that passes through `stream`. */
function onMessages(stream: Readable, each: (body: string) => void): void {
  let buf = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const sep = buf.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const length = /Content-Length: *(\d+)/i.exec(buf.subarray(0, sep).toString('ascii'));
      const end = sep + 4 + Number(length?.[1] ?? 0);
      if (buf.length < end) return;
      if (length) each(buf.subarray(sep + 4, end).toString('utf8'));
      buf = buf.subarray(end);
    }
  });
}

/**
 * A DebugClient that starts dist/adapter.js itself, so that it owns the adapter process and sees the
 * DAP traffic on the wire, both ways: it records it into `trace` (dump it when a test fails) and
 * passes each message from the adapter to `onMessage` listeners.
 */
export class TracedDebugClient extends DebugClient {
  /** The adapter's process, once started. */
  adapter: ChildProcess | undefined;
  private readonly messageListeners: Array<(m: DebugProtocol.ProtocolMessage) => void> = [];

  constructor(private readonly trace: string[]) {
    super(process.execPath, ADAPTER, 'anole', { stdio: ['pipe', 'pipe', 'pipe'] }, true);
  }

  /** Calls `listener` with every message the adapter sends from now on. */
  onMessage(listener: (m: DebugProtocol.ProtocolMessage) => void): void {
    this.messageListeners.push(listener);
  }

  /** Starts the adapter as a child process (this client never connects to a port). */
  override start(port?: number): Promise<void> {
    if (port !== undefined) return Promise.reject(new Error('TracedDebugClient runs dist/adapter.js itself; it does not connect to a port'));
    const child = spawn(process.execPath, [ADAPTER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.adapter = child;
    child.stderr.on('data', (d: Buffer) => console.log(d.toString().replace(/\r?\n$/gm, '')));
    const cut = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}… (${s.length} chars)` : s);
    onMessages(child.stdout, (body) => {
      this.trace.push(`${new Date().toISOString()} ← ${cut(body)}`);
      const m = JSON.parse(body) as DebugProtocol.ProtocolMessage;
      for (const l of this.messageListeners) l(m);
    });
    const toAdapter = new PassThrough();
    toAdapter.pipe(child.stdin);
    onMessages(toAdapter, (body) => {
      const m = JSON.parse(body) as DebugProtocol.Request;
      this.trace.push(`${new Date().toISOString()} → ${m.command} ${cut(JSON.stringify(m.arguments ?? {}))}`);
    });
    this.connect(child.stdout, toAdapter);
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  /** Disconnects (when the adapter still answers), then kills the adapter. */
  override async stop(): Promise<void> {
    try {
      await this.disconnectRequest();
    } catch {
      // the adapter may be gone already: killing it below is what matters
    }
    this.adapter?.kill();
  }
}

/** A client on the built adapter that records the DAP traffic into `trace` (dump it when a test fails). */
export function tracedClient(trace: string[]): TracedDebugClient {
  if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run \`npm run build\` first`);
  return new TracedDebugClient(trace);
}

/** Collects the adapter's responses to `command` (DebugClient rejects an error response with its message only, dropping url and urlLabel). */
export function responsesTo(dc: TracedDebugClient, command: string): DebugProtocol.Response[] {
  const out: DebugProtocol.Response[] = [];
  dc.onMessage((m) => {
    if (m.type === 'response' && (m as DebugProtocol.Response).command === command) out.push(m as DebugProtocol.Response);
  });
  return out;
}

/** The adapter's child process behind a client (undefined before it started). */
export function adapterProcess(dc: TracedDebugClient): ChildProcess | undefined {
  return dc.adapter;
}

/** Empties `clients` and stops those whose adapter process still runs (a test's clean-up). */
export async function stopLiveClients(clients: TracedDebugClient[]): Promise<void> {
  const live = clients.splice(0).filter((dc) => { const p = adapterProcess(dc); return p && p.exitCode === null && p.signalCode === null; });
  await Promise.all(live.map((dc) => dc.stop().catch(() => undefined)));
}

/** Whether the fixture service answers /healthz within a second. */
export async function healthy(svc: RunningService): Promise<boolean> {
  try {
    const r = await fetch(`http://${svc.addr}/healthz`, { signal: AbortSignal.timeout(1000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Longest stall of the fixture service since the last reset, in ms (its heartbeat goroutine); resets the window. */
export async function heartbeatGap(svc: RunningService): Promise<number> {
  const r = await fetch(`http://${svc.addr}/heartbeat?reset=1`, { signal: AbortSignal.timeout(5000) });
  return ((await r.json()) as { maxGapMs: number }).maxGapMs;
}

/**
 * Polls `check` until it holds or the deadline passes; resolves to the time it took. The default
 * deadline is what a clean-up needs on a 2-core machine at load average ~30 (a fresh-clone run
 * there saw a dlv watchdog's dir removed after more than 10 s); the property is "eventually", and a
 * test that needs a bound on the time passes its own.
 */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 30_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < deadlineMs) {
    if (await check()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${deadlineMs} ms`);
}

/** The pid tracing `pid` (0: none, -1: no such process). */
export function tracerPid(pid: number): number {
  try {
    const m = /^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** Whether `pid` is a live (non-zombie) process. */
export function isLive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
