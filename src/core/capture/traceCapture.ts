// What capturing a runtime trace needs beyond a profile: its default length by Go version, the trace header, the flight-recorder URL.
import { AnoleError } from '../errors';

/** Default seconds of a trace from Go >= 1.21, whose tracer costs a few percent. */
export const TRACE_SECONDS = 5;
/** Default seconds of a trace from Go < 1.21 (its tracer slows a service far more). */
export const OLD_TRACE_SECONDS = 2;
/** The first Go minor version with runtime/trace.FlightRecorder. */
export const FLIGHT_RECORDER_MINOR = 25;

/** Major and minor of a Go version string ("go1.21.13", "go1.26rc1", "devel go1.27-abc"), or null. */
export function goMinor(version: string | undefined): number | null {
  const m = /go1\.(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : null;
}

/** Seconds a trace lasts unless the user says: shorter for Go < 1.21 (5 s when the version is unknown). */
export function defaultTraceSeconds(goVersion: string | undefined): number {
  const minor = goMinor(goVersion);
  return minor !== null && minor < 21 ? OLD_TRACE_SECONDS : TRACE_SECONDS;
}

/** Whether `head` (the first bytes of a body) starts like a Go runtime trace: "go 1.NN trace\0". */
export function looksLikeTrace(head: Buffer): boolean {
  return /^go 1\.\d+ trace\0/.test(head.subarray(0, 16).toString('latin1'));
}

/**
 * The flight-recorder snapshot URL for `arg`: a full http:// URL as the remote host sees it, or a
 * path ("/debug/flightrecorder") on the service whose pprof `endpoint` is known.
 */
export function flightRecorderUrl(arg: string, endpoint?: string): URL {
  if (arg.startsWith('/')) {
    if (!endpoint) {
      throw new AnoleError('BAD_INPUT', `--flight-recorder ${arg} is a path: say which service with --pid N or --url URL`, 'or give the full URL, e.g. http://127.0.0.1:6060/debug/flightrecorder');
    }
    return new URL(arg, endpoint);
  }
  let u: URL;
  try {
    u = new URL(arg);
  } catch {
    throw new AnoleError('BAD_INPUT', `--flight-recorder '${arg}' is not a URL`, 'give the snapshot handler as the host sees it, e.g. http://127.0.0.1:6060/debug/flightrecorder');
  }
  if (u.protocol !== 'http:') {
    throw new AnoleError('BAD_INPUT', `unsupported URL scheme '${u.protocol}' in ${arg}`, 'the handler is reached over an SSH tunnel with plain http://');
  }
  return u;
}

/** Refuses a flight-recorder snapshot from a binary built before Go 1.25 (when its version is known). */
export function checkFlightRecorderVersion(goVersion: string | undefined, what: string): void {
  const minor = goMinor(goVersion);
  if (minor !== null && minor < FLIGHT_RECORDER_MINOR) {
    throw new AnoleError(
      'BAD_INPUT',
      `${what} was built with ${goVersion}: runtime/trace.FlightRecorder needs Go >= 1.${FLIGHT_RECORDER_MINOR}`,
      'capture a trace of the next seconds instead (leave out --flight-recorder)',
    );
  }
}
