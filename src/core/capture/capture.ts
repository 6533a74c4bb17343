// Captures a profile, dump or trace from a Go pprof endpoint (or a flight-recorder snapshot) through an SSH tunnel into a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { captureUrl, effectiveSeconds, type CaptureRequest } from './kinds';
import { tunnelGet } from './httpTunnel';
import { looksLikeTrace } from './traceCapture';

export interface CaptureOptions extends CaptureRequest {
  /** The pprof endpoint as the remote host sees it, e.g. http://127.0.0.1:6060/debug/pprof/. */
  url: string;
  /** Where the capture goes. Written to a temporary sibling first and renamed on success. */
  outFile: string;
  signal?: AbortSignal;
  /** Extra time allowed beyond the capture's own seconds (default 30 s). */
  graceMs?: number;
  /**
   * For a trace: keep only the first `maxBytes` bytes. Reading stops there and the connection is
   * closed, which ends the trace on the service (net/http/pprof stops when its client goes away);
   * the file is a prefix of the trace.
   */
  maxBytes?: number;
}

export interface CaptureResult {
  file: string;
  url: string;
  bytes: number;
  elapsedMs: number;
  contentType?: string;
  /** The capture was cut at `maxBytes`. */
  capped: boolean;
}

/**
 * Streams one capture to `outFile`. Nothing is lost on failure: an existing file at `outFile` is
 * only replaced once the new capture is complete, and a partial download is removed.
 */
export async function capture(host: RemoteHost, opts: CaptureOptions): Promise<CaptureResult> {
  if (opts.maxBytes !== undefined && opts.kind !== 'trace') {
    throw new AnoleError('BAD_INPUT', `a byte cap is only for traces: a cut ${opts.kind} profile cannot be read`);
  }
  const url = captureUrl(opts.url, opts);
  const seconds = effectiveSeconds(opts);
  return download(host, url, opts.outFile, {
    timeoutMs: seconds * 1000 + (opts.graceMs ?? 30_000),
    signal: opts.signal,
    maxBytes: opts.maxBytes,
    what: opts.kind === 'trace' ? 'trace' : undefined,
  });
}

export interface FlightRecorderOptions {
  /** The snapshot handler as the remote host sees it, e.g. http://127.0.0.1:6060/debug/flightrecorder. */
  url: URL;
  outFile: string;
  signal?: AbortSignal;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
}

/**
 * Fetches a snapshot of the service's flight recorder (runtime/trace.FlightRecorder, Go >= 1.25)
 * into `outFile`, with the same no-loss guarantees as {@link capture}. A handler that is missing
 * or answers something else than a trace is a PPROF error saying how to expose one.
 */
export async function captureFlightRecorder(host: RemoteHost, opts: FlightRecorderOptions): Promise<CaptureResult> {
  try {
    return await download(host, opts.url, opts.outFile, { timeoutMs: opts.timeoutMs ?? 60_000, signal: opts.signal, what: 'flight-recorder snapshot' });
  } catch (e) {
    if (e instanceof AnoleError && e.code === 'PPROF' && /HTTP 404/.test(e.message)) {
      throw new AnoleError(
        'PPROF',
        `${opts.url.href} serves no flight-recorder snapshot (HTTP 404)`,
        'the service must expose one: start a runtime/trace.FlightRecorder (Go >= 1.25) and serve its WriteTo at that path (see the README, "Traces and the flight recorder")',
      );
    }
    throw e;
  }
}

interface DownloadOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  maxBytes?: number;
  /** Set for a Go trace: the body must start with a trace header. */
  what?: string;
}

/** GETs `url` into a temporary sibling of `outFile` and renames it over `outFile` once complete. */
async function download(host: RemoteHost, url: URL, outFileArg: string, opts: DownloadOptions): Promise<CaptureResult> {
  const outFile = path.resolve(outFileArg);
  const dir = path.dirname(outFile);
  if (!fs.existsSync(dir)) {
    throw new AnoleError('BAD_INPUT', `cannot write ${outFile}: the folder ${dir} does not exist`);
  }
  const partial = `${outFile}.${process.pid}.partial`;
  const started = Date.now();
  const sink = fs.createWriteStream(partial, { flags: 'wx' });
  try {
    const res = await tunnelGet(host, url, sink, { timeoutMs: opts.timeoutMs, signal: opts.signal, maxBytes: opts.maxBytes });
    if (res.bytes === 0) {
      throw new AnoleError('PPROF', `${url.pathname} answered with an empty body`, 'the endpoint may not be a Go net/http/pprof handler');
    }
    if (opts.what) await checkTraceHeader(partial, url, opts.what);
    await fs.promises.rename(partial, outFile);
    return { file: outFile, url: url.href, bytes: res.bytes, elapsedMs: Date.now() - started, contentType: res.headers['content-type'], capped: res.capped };
  } catch (e) {
    sink.destroy();
    await fs.promises.rm(partial, { force: true });
    throw e;
  }
}

/** Refuses a body that does not start like a Go trace (an HTML page, a profile, an error text). */
async function checkTraceHeader(file: string, url: URL, what: string): Promise<void> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (!looksLikeTrace(head.subarray(0, bytesRead))) {
      const shown = JSON.stringify(head.subarray(0, bytesRead).toString('latin1'));
      throw new AnoleError('PPROF', `${url.href} did not answer with a Go ${what} (it starts ${shown})`, 'check the URL: a trace starts with "go 1.NN trace"');
    }
  } finally {
    await fh.close();
  }
}
