// Records the time window a profile covers (time_nanos, duration_nanos) in its bytes, for profiles
// whose producer leaves them out (a backend's merged range): "per second" comparisons need them.
import * as zlib from 'node:zlib';
import { unwrapProfileBytes } from './container';
import { ProtoWriter } from './wireWrite';

/**
 * The profile with its start and duration set to `[fromMs, toMs)`, gzipped. The fields are appended:
 * a decoder keeps the last value of a scalar field, so any earlier values are overridden without
 * re-encoding the profile.
 */
export function withTimeWindow(pprof: Uint8Array, window: { fromMs: number; toMs: number }, what = 'the profile'): Uint8Array {
  const raw = unwrapProfileBytes(pprof, what);
  const tail = new ProtoWriter().uint(9, Math.round(window.fromMs * 1e6)).uint(10, Math.round((window.toMs - window.fromMs) * 1e6)).finish();
  const out = new Uint8Array(raw.length + tail.length);
  out.set(raw, 0);
  out.set(tail, raw.length);
  return zlib.gzipSync(out, { level: 1 });
}
