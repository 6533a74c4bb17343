// HTTP GET over a stream the remote host opened for us (an SSH tunnel), streamed to a sink.
import * as http from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { AnoleError, errorMessage } from '../errors';
import type { RemoteHost } from '../remote/host';

export interface TunnelGetOptions {
  /** Abort the whole request (connect, headers and body) after this many milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Stop reading after this many body bytes: the sink gets exactly the first `maxBytes`. */
  maxBytes?: number;
}

export interface TunnelResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Bytes written to the sink (the body). */
  bytes: number;
  /** The body was longer than `maxBytes` and was cut there (the connection was closed early). */
  capped: boolean;
}

/** Opens the tunnel for `url`'s host and port, as the remote host sees them. */
export async function openTunnel(host: RemoteHost, url: URL): Promise<Duplex> {
  const port = Number(url.port || 80);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  try {
    return await host.forward(hostname, port);
  } catch (e) {
    if (e instanceof AnoleError) throw e;
    throw new AnoleError(
      'PPROF',
      `${host.label} could not open a tunnel to ${hostname}:${port}: ${errorMessage(e)}`,
      'is the service running and listening there? `anole ps HOST` lists the Go processes and their endpoints',
    );
  }
}

/**
 * GETs `url` through `host`. A 200 body is piped into `sink`; any other status rejects with the
 * first bytes of the body in the message (Go's pprof handlers explain themselves there).
 */
export async function tunnelGet(host: RemoteHost, url: URL, sink: Writable, opts: TunnelGetOptions): Promise<TunnelResponse> {
  const cancelled = () => new AnoleError('CANCELLED', `capture from ${url.href} was cancelled`);
  if (opts.signal?.aborted) throw cancelled();
  // Listen before opening the tunnel: an abort while it opens must not be missed.
  const ac = new AbortController();
  const onAbort = () => ac.abort(cancelled());
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ac.abort(new AnoleError('TIMEOUT', `no complete answer from ${url.href} within ${Math.round(opts.timeoutMs / 1000)} s`)), opts.timeoutMs);
  let stream: Duplex | undefined;
  try {
    stream = await openTunnel(host, url);
    if (ac.signal.aborted) throw ac.signal.reason;
    const tunnel = stream;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(
        url,
        { createConnection: () => tunnel as unknown as import('node:net').Socket, agent: false, signal: ac.signal, headers: { 'user-agent': 'anole' } },
        resolve,
      );
      req.on('error', reject);
    });
    if (res.statusCode !== 200) {
      const body = await readSome(res, 2048);
      const why = body.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 300);
      throw new AnoleError('PPROF', `${url.pathname} answered HTTP ${res.statusCode}${why ? `: ${why}` : ''}`, hintForStatus(res.statusCode ?? 0, why));
    }
    if (opts.maxBytes !== undefined) {
      const { bytes, capped } = await copyCapped(res, sink, opts.maxBytes);
      return { status: 200, headers: res.headers, bytes, capped };
    }
    let bytes = 0;
    res.on('data', (c: Buffer) => (bytes += c.length));
    await pipeline(res, sink, { signal: ac.signal });
    return { status: 200, headers: res.headers, bytes, capped: false };
  } catch (e) {
    if (ac.signal.aborted) {
      const reason = ac.signal.reason;
      throw reason instanceof AnoleError ? reason : cancelled();
    }
    if (e instanceof AnoleError) throw e;
    throw new AnoleError('PPROF', `request to ${url.href} failed: ${errorMessage(e)}`);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    stream?.destroy();
  }
}

/**
 * Copies at most `max` bytes of `res` into `sink` and ends it. Leaving the loop early destroys
 * the response, which closes the tunnel: the server sees its client go away.
 */
async function copyCapped(res: http.IncomingMessage, sink: Writable, max: number): Promise<{ bytes: number; capped: boolean }> {
  let bytes = 0;
  let capped = false;
  const write = (b: Buffer) => new Promise<void>((resolve, reject) => sink.write(b, (e) => (e ? reject(e) : resolve())));
  for await (const c of res as AsyncIterable<Buffer>) {
    const room = max - bytes;
    if (c.length > room) {
      if (room > 0) await write(c.subarray(0, room));
      bytes = max;
      capped = true;
      break;
    }
    await write(c);
    bytes += c.length;
  }
  sink.end();
  await finished(sink);
  return { bytes, capped };
}

function hintForStatus(status: number, body: string): string | undefined {
  if (status === 404) return 'this endpoint does not serve that profile: check the URL (net/http/pprof mounts at /debug/pprof/)';
  if (/WriteTimeout/i.test(body)) return "the server's http.Server WriteTimeout is shorter than the capture: use fewer --seconds";
  if (status === 500 && /already in use|profiling already/i.test(body)) return 'another CPU profile or trace is running in this process; wait for it to end';
  return undefined;
}

async function readSome(res: http.IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    chunks.push(c);
    n += c.length;
    if (n >= max) break;
  }
  res.destroy();
  return Buffer.concat(chunks).subarray(0, max);
}
