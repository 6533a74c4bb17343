// Decides which listening socket of a process serves net/http/pprof, by GETting /debug/pprof/ through a tunnel.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { mapLimit } from './limit';
import { connectTargets, formatHostPort, type ListenSocket } from './procNet';
import { scanProcesses } from './procScan';

export interface ProbeOptions {
  /** Give up on one address after this many milliseconds (default 2000). */
  timeoutMs?: number;
  /** Sockets probed at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
}

const INDEX_PATH = '/debug/pprof/';
const MAX_BODY = 64 << 10;

/** The pprof index URL as the remote host sees it: "http://127.0.0.1:6060/debug/pprof/". */
export function pprofIndexUrl(host: string, port: number): string {
  return `http://${formatHostPort(host, port)}${INDEX_PATH}`;
}

/** True if a response is net/http/pprof's index page (any Go version since 1.0). */
export function looksLikePprofIndex(status: number, body: string): boolean {
  if (status !== 200 || !body.includes('goroutine')) return false;
  return body.includes('Types of profiles available') || body.includes(INDEX_PATH);
}

/**
 * GETs /debug/pprof/ at host:port (as the remote host sees it) through `remote.forward` and says
 * whether pprof answered. Never throws: refused, timed out or non-HTTP all mean false.
 */
export async function probePprof(remote: RemoteHost, target: { host: string; port: number }, opts: ProbeOptions = {}): Promise<boolean> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 2000);
  const onAbort = (): void => ac.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let stream: Duplex | undefined;
  try {
    stream = await untilAborted(remote.forward(target.host, target.port), ac.signal);
    if (!stream) return false;
    const s = stream;
    return await new Promise<boolean>((resolve) => {
      const req = http.request(
        {
          method: 'GET',
          host: target.host,
          port: target.port,
          path: INDEX_PATH,
          agent: false,
          createConnection: () => s as Socket,
          headers: { host: formatHostPort(target.host, target.port), 'user-agent': 'anole-discovery', accept: 'text/html' },
          signal: ac.signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            res.destroy();
            return resolve(false);
          }
          let body = '';
          res.setEncoding('latin1');
          res.on('data', (c: string) => {
            body += c;
            if (body.length >= MAX_BODY) res.destroy();
          });
          res.on('close', () => resolve(looksLikePprofIndex(status, body)));
          res.on('error', () => resolve(looksLikePprofIndex(status, body)));
        },
      );
      req.on('error', () => resolve(false));
      req.end();
    });
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    stream?.destroy();
  }
}

/** Resolves with p's value, or undefined once `signal` aborts (a late value is destroyed). */
function untilAborted(p: Promise<Duplex>, signal: AbortSignal): Promise<Duplex | undefined> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      void p.then((s) => s.destroy(), () => undefined);
      return resolve(undefined);
    }
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (s) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) s.destroy();
        else resolve(s);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The pprof URL served on one of `sockets` (probed in parallel; the first in list order that
 * answers wins), or null. A wildcard socket is tried through its loopback addresses.
 */
export async function findPprofOnSockets(remote: RemoteHost, sockets: readonly ListenSocket[], opts: ProbeOptions = {}): Promise<string | null> {
  const found = await mapLimit(sockets, opts.concurrency ?? 4, async (sock) => {
    for (const t of connectTargets(sock)) {
      if (opts.signal?.aborted) return null;
      if (await probePprof(remote, t, opts)) return pprofIndexUrl(t.host, t.port);
    }
    return null;
  });
  return found.find((u) => u !== null) ?? null;
}

/**
 * The pprof index URL of process `pid` on `remote` (as the remote host sees it), or null if none
 * of its listening sockets serves pprof. Throws NOT_FOUND if the process is not visible.
 */
export async function findPprofUrl(remote: RemoteHost, pid: number, opts: ProbeOptions = {}): Promise<string | null> {
  const scan = await scanProcesses(remote, { pids: [pid], signal: opts.signal });
  const proc = scan.processes.find((p) => p.pid === pid);
  if (!proc) {
    throw new AnoleError('NOT_FOUND', `process ${pid} is not running on ${remote.label} (or this user may not inspect it)`, 'list the Go processes with `anole ps HOST`');
  }
  const inodes = new Set(proc.socketInodes);
  return findPprofOnSockets(remote, scan.listen.filter((s) => inodes.has(s.inode)), opts);
}
