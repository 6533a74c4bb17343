// `anole capture KIND HOST`: one profile, dump or trace through an SSH tunnel into a local file.
import * as fs from 'node:fs';
import { capture as captureToFile, captureFlightRecorder, type CaptureResult } from '../../core/capture/capture';
import { effectiveSeconds, parseKind, type CaptureKind } from '../../core/capture/kinds';
import { checkFlightRecorderVersion, flightRecorderUrl } from '../../core/capture/traceCapture';
import { readGoBuildInfo } from '../../core/discovery/buildinfo';
import { AnoleError } from '../../core/errors';
import { decodeProfile, emptyProfileReason } from '../../core/pprof';
import type { RemoteHost } from '../../core/remote/host';
import { resolveEndpoint } from '../../core/workflow/endpoint';
import { intOption, interruptSignal, parse, positionals, printJson, usage, warn } from '../args';
import { CliHosts } from '../connect';
import { CAPTURE_USAGE } from '../usage';

/** The smallest --max-bytes: a trace's header and first batches. */
const MIN_MAX_BYTES = 1024;

export async function capture(args: string[]): Promise<number> {
  const { values, positionals: pos } = parse('capture', args, {
    pid: { type: 'string' },
    url: { type: 'string' },
    seconds: { type: 'string' },
    text: { type: 'boolean' },
    'max-bytes': { type: 'string' },
    'flight-recorder': { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) return usage(CAPTURE_USAGE);
  const [kindArg, dest] = positionals('capture', pos, ['KIND', 'HOST']);
  const kind = parseKind(kindArg);
  const pid = intOption('pid', values.pid);
  const seconds = intOption('seconds', values.seconds);
  const maxBytes = intOption('max-bytes', values['max-bytes'], MIN_MAX_BYTES);
  const flight = values['flight-recorder'];
  if (!values.output) throw new AnoleError('BAD_INPUT', 'capture: say where to write it with -o FILE');
  if (pid === undefined && !values.url && !flight) throw new AnoleError('BAD_INPUT', 'capture: say which service with --pid N or --url URL', 'list them with `anole ps HOST`');
  if (values.text && kind !== 'goroutine') throw new AnoleError('BAD_INPUT', '--text is only for goroutine (the debug=2 dump)');
  if (maxBytes !== undefined && kind !== 'trace') throw new AnoleError('BAD_INPUT', '--max-bytes is only for trace (a cut profile cannot be read)');
  if (flight !== undefined && kind !== 'trace') throw new AnoleError('BAD_INPUT', '--flight-recorder is only for trace');
  if (flight !== undefined && (seconds !== undefined || maxBytes !== undefined)) {
    throw new AnoleError('BAD_INPUT', '--flight-recorder takes the snapshot the service holds: leave out --seconds and --max-bytes');
  }
  // A full URL (or a path with no service to resolve it against) is checked before connecting.
  const flightUrl = flight !== undefined && !(flight.startsWith('/') && (pid !== undefined || values.url)) ? flightRecorderUrl(flight) : undefined;

  const signal = interruptSignal();
  const hosts = new CliHosts({ sshConfig: values['ssh-config'], trustHostKey: values['trust-host-key'], verbose: values.verbose });
  try {
    const host = await hosts.get(dest);
    const goVersion = kind === 'trace' && pid !== undefined ? await goVersionOf(host, pid) : undefined;
    let res: CaptureResult;
    let secs = 0;
    if (flight !== undefined) {
      checkFlightRecorderVersion(goVersion, `process ${pid} on ${host.label}`);
      const url = flightUrl ?? flightRecorderUrl(flight, await resolveEndpoint(host, { pid, url: values.url }, signal));
      if (!values.json) warn(`fetching a flight-recorder snapshot from ${url.href}`);
      res = await captureFlightRecorder(host, { url, outFile: values.output, signal });
    } else {
      const req = { kind, seconds, text: values.text, goVersion };
      secs = effectiveSeconds(req);
      const endpoint = await resolveEndpoint(host, { pid, url: values.url }, signal);
      if (secs > 0 && !values.json) warn(`capturing ${kind} from ${endpoint} for ${secs} s${maxBytes ? ` or ${maxBytes} bytes` : ''} (Ctrl-C cancels)`);
      res = await captureToFile(host, { ...req, url: endpoint, outFile: values.output, signal, maxBytes });
    }
    report(kind, res, { seconds: secs, goVersion, flight: flight !== undefined, maxBytes, json: values.json, text: values.text });
    return 0;
  } finally {
    await hosts.close();
  }
}

/** The Go version that built process `pid`, or undefined when its binary cannot be read. */
async function goVersionOf(host: RemoteHost, pid: number): Promise<string | undefined> {
  try {
    return (await readGoBuildInfo(host, `/proc/${pid}/exe`))?.goVersion;
  } catch {
    return undefined;
  }
}

/** Prints what was written, as text or JSON, with any warning about its contents. */
function report(
  kind: CaptureKind,
  res: CaptureResult,
  o: { seconds: number; goVersion?: string; flight: boolean; maxBytes?: number; json?: boolean; text?: boolean },
): void {
  const warnings: string[] = [];
  if (kind !== 'trace' && !o.text) {
    const profile = decodeProfile(fs.readFileSync(res.file), { source: res.file });
    const empty = emptyProfileReason(profile, kind);
    if (empty) warnings.push(empty);
  }
  if (res.capped) warnings.push(`the trace was capped at ${o.maxBytes} bytes: tracing stopped early, the file holds its first ${res.bytes} bytes`);
  if (o.json) {
    const trace = kind === 'trace' ? { seconds: o.flight ? null : o.seconds, goVersion: o.goVersion ?? null, flightRecorder: o.flight, capped: res.capped } : {};
    printJson({ kind, file: res.file, url: res.url, bytes: res.bytes, elapsedMs: res.elapsedMs, ...trace, warnings });
    return;
  }
  for (const w of warnings) warn(w);
  const what = o.flight ? 'trace, flight-recorder snapshot' : kind;
  const capped = res.capped ? `, capped at ${o.maxBytes} bytes` : '';
  console.log(`wrote ${res.file} (${what}, ${res.bytes} bytes${capped}, ${(res.elapsedMs / 1000).toFixed(1)} s)`);
}
