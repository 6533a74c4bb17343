// Reader of the old Go execution-trace format (Go 1.11–1.21): decode, order across Ps, convert to the model.
//
// decode.ts reads the batches into columns (one pass, no object per event); order.ts merges the Ps' batches
// as Go's tracev1 parser does and applies its fix-ups (syscall exit times, ticks to ns); convert.ts emits
// model events as Go's tracev1.go converter would. The events and per-goroutine state times equal what
// golang.org/x/exp/trace gives (test/unit/traceV1.test.ts), with these deliberate differences:
// - the first GOMAXPROCS event is delivered as a Metric (Go drops it, so GOMAXPROCS would be unknown);
// - Go's fake Ps (timer, netpoll, syscall, GC, profile) are reported as "no P" (NO_ID);
// - the opening Sync is at time 0, not -1;
// - where Go gives up (an event that does not fit its goroutine's state, no tick frequency, a cut or
//   damaged batch), we deliver what we can, placing misfits by time, and warn.
import { AnoleError } from '../../errors';
import type { FormatReader, ParseResult, TraceTables, TraceVisitor } from '../model';
import { convertV1 } from './convert';
import { decodeV1 } from './decode';
import { finishOrder, orderEvents } from './order';

/** Oldest and newest format versions (Go minor) of the old format. */
export const V1_OLDEST = 11;
export const V1_NEWEST = 21;

const HEADER_LEN = 16;

/**
 * Reads an old-format trace body (see model.ts's FormatReader): `data` is the whole file, `offset` where
 * the body starts, `version` the Go minor from the header (11–21; Go 1.20 writes "go 1.19 trace").
 * Never throws on bad bytes: a cut or corrupt trace gives the events that could be ordered before the
 * damage, `complete: false` and a warning naming the byte offset. Throws AnoleError for a version outside
 * 11–21.
 */
export const readV1: FormatReader = (data, offset, version, tables, visitor) => {
  if (!(version >= V1_OLDEST && version <= V1_NEWEST)) {
    throw new AnoleError('BAD_INPUT', `trace format of Go 1.${version} is not the old format (Go 1.${V1_OLDEST}–1.${V1_NEWEST})`);
  }
  const warnings: string[] = [];
  const d = decodeV1(data, offset, version);
  if (d.stop) {
    const at = d.stop.offset >= data.length ? 'at its end' : `at byte ${d.stop.offset} of ${data.length}`;
    warnings.push(`the trace is cut or corrupt ${at} (${d.stop.reason}); the events after it are missing`);
  }
  const o = orderEvents(d.store, d.batches);
  if (o.misfit) warnings.push(`${o.misfit} (the trace is cut or inconsistent)`);
  if (d.store.n === 0) warnings.push('the trace has no events (empty, or cut right after its header)');
  warnings.push(...finishOrder(d.store, o, d.ticksPerSec, d.timerGoids));
  const c = convertV1(d, o, version, tables, visitor);
  warnings.push(...c.warnings);
  return {
    goVersion: version,
    durationNs: c.durationNs,
    events: c.events,
    generations: c.events > 0 ? 1 : 0,
    complete: !d.stop && !o.misfit && d.ticksPerSec > 0 && d.store.n > 0 && c.stacksComplete,
    warnings,
  };
};

/**
 * Reads a whole old-format trace file (header included). Throws AnoleError if `data` does not start
 * with an old-format header ("go 1.NN trace\0\0\0", NN 11–21); otherwise as {@link readV1}.
 */
export function parseV1Trace(data: Uint8Array, tables: TraceTables, visitor: TraceVisitor): ParseResult {
  const head = data.length >= HEADER_LEN ? String.fromCharCode(...data.subarray(0, HEADER_LEN)) : '';
  const m = /^go 1\.(\d{1,3}) trace\0+$/.exec(head);
  if (!m) {
    throw new AnoleError(
      'BAD_INPUT',
      'not a Go execution trace (no "go 1.NN trace" header)',
      'record one with runtime/trace, /debug/pprof/trace or `anole capture trace`',
    );
  }
  return readV1(data, HEADER_LEN, Number(m[1]), tables, visitor);
}
