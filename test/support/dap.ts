// Helpers for driving dist/adapter.js with DebugClient against real services, with DAP traces for failures.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RunningService } from '../host/goServices';

export const ADAPTER = path.resolve(__dirname, '../../dist/adapter.js');

/** A DebugClient on the built adapter that records the DAP traffic into `trace` (dump it when a test fails). */
export function tracedClient(trace: string[]): DebugClient {
  if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run \`npm run build\` first`);
  const dc = new DebugClient(process.execPath, ADAPTER, 'anole', { stdio: ['pipe', 'pipe', 'pipe'] }, true);
  const cut = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}… (${s.length} chars)` : s);
  const raw = dc as unknown as { dispatch(body: string): void; send(command: string, args?: unknown): Promise<unknown> };
  const dispatch = raw.dispatch.bind(dc);
  raw.dispatch = (body: string) => {
    trace.push(`${new Date().toISOString()} ← ${cut(body)}`);
    dispatch(body);
  };
  const send = raw.send.bind(dc);
  raw.send = (command: string, args?: unknown) => {
    trace.push(`${new Date().toISOString()} → ${command} ${cut(JSON.stringify(args ?? {}))}`);
    return send(command, args);
  };
  return dc;
}

/** Collects the adapter's responses to `command` (DebugClient rejects an error response with its message only, dropping url and urlLabel). */
export function responsesTo(dc: DebugClient, command: string): DebugProtocol.Response[] {
  const out: DebugProtocol.Response[] = [];
  const raw = dc as unknown as { dispatch(body: string): void };
  const dispatch = raw.dispatch.bind(dc);
  raw.dispatch = (body: string) => {
    const m = JSON.parse(body) as DebugProtocol.ProtocolMessage;
    if (m.type === 'response' && (m as DebugProtocol.Response).command === command) out.push(m as DebugProtocol.Response);
    dispatch(body);
  };
  return out;
}

/** The adapter's child process behind a DebugClient. */
export function adapterProcess(dc: DebugClient): ChildProcess {
  return (dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
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

/** Polls `check` until it holds or the deadline passes; resolves to the time it took. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<number> {
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
