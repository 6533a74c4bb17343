// Turns "this process" or "this URL" on a host into a pprof endpoint, and fetches small bodies.
import { Writable } from 'node:stream';
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { findPprofUrl } from '../discovery/pprofProbe';
import { captureUrl, pprofBase, type CaptureRequest } from '../capture/kinds';
import { tunnelGet } from '../capture/httpTunnel';

/** Where to find a service's pprof endpoint: its pid, or the URL as the remote host sees it. */
export interface EndpointSpec {
  pid?: number;
  url?: string;
}

/** The pprof index URL for `spec` on `host`; discovers it from the pid's listening sockets. */
export async function resolveEndpoint(host: RemoteHost, spec: EndpointSpec, signal?: AbortSignal): Promise<string> {
  if (spec.url) return pprofBase(spec.url).href;
  if (spec.pid === undefined) {
    throw new AnoleError('BAD_INPUT', 'say which service: --pid N or --url URL', 'list the Go processes with `anole ps HOST`');
  }
  const url = await findPprofUrl(host, spec.pid, { signal });
  if (!url) {
    throw new AnoleError(
      'PPROF',
      `process ${spec.pid} on ${host.label} serves no /debug/pprof/ endpoint on any socket it listens on`,
      'import _ "net/http/pprof" and serve it (e.g. on 127.0.0.1:6060), or pass --url if it is mounted elsewhere',
    );
  }
  return url;
}

/** GETs one capture into memory (for small bodies such as a goroutine dump), capped at `maxBytes`. */
export async function fetchCapture(
  host: RemoteHost,
  endpoint: string,
  req: CaptureRequest,
  opts: { timeoutMs?: number; maxBytes?: number; signal?: AbortSignal } = {},
): Promise<Buffer> {
  const max = opts.maxBytes ?? 512 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) return done(new AnoleError('PPROF', `the answer is larger than ${max} bytes; capture it to a file instead`));
      chunks.push(chunk);
      done();
    },
  });
  await tunnelGet(host, captureUrl(endpoint, req), sink, { timeoutMs: opts.timeoutMs ?? 60_000, signal: opts.signal });
  return Buffer.concat(chunks);
}
