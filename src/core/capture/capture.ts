// Captures a profile, dump or trace from a Go pprof endpoint through an SSH tunnel into a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { captureUrl, effectiveSeconds, type CaptureRequest } from './kinds';
import { tunnelGet } from './httpTunnel';

export interface CaptureOptions extends CaptureRequest {
  /** The pprof endpoint as the remote host sees it, e.g. http://127.0.0.1:6060/debug/pprof/. */
  url: string;
  /** Where the capture goes. Written to a temporary sibling first and renamed on success. */
  outFile: string;
  signal?: AbortSignal;
  /** Extra time allowed beyond the capture's own seconds (default 30 s). */
  graceMs?: number;
}

export interface CaptureResult {
  file: string;
  url: string;
  bytes: number;
  elapsedMs: number;
  contentType?: string;
}

/**
 * Streams one capture to `outFile`. Nothing is lost on failure: an existing file at `outFile` is
 * only replaced once the new capture is complete, and a partial download is removed.
 */
export async function capture(host: RemoteHost, opts: CaptureOptions): Promise<CaptureResult> {
  const url = captureUrl(opts.url, opts);
  const seconds = effectiveSeconds(opts);
  const outFile = path.resolve(opts.outFile);
  const dir = path.dirname(outFile);
  if (!fs.existsSync(dir)) {
    throw new AnoleError('BAD_INPUT', `cannot write ${outFile}: the folder ${dir} does not exist`);
  }
  const partial = `${outFile}.${process.pid}.partial`;
  const started = Date.now();
  const sink = fs.createWriteStream(partial, { flags: 'wx' });
  try {
    const res = await tunnelGet(host, url, sink, {
      timeoutMs: seconds * 1000 + (opts.graceMs ?? 30_000),
      signal: opts.signal,
    });
    if (res.bytes === 0) {
      throw new AnoleError('PPROF', `${url.pathname} answered with an empty body`, 'the endpoint may not be a Go net/http/pprof handler');
    }
    await fs.promises.rename(partial, outFile);
    return { file: outFile, url: url.href, bytes: res.bytes, elapsedMs: Date.now() - started, contentType: res.headers['content-type'] };
  } catch (e) {
    sink.destroy();
    await fs.promises.rm(partial, { force: true });
    throw e;
  }
}
