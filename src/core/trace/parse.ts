// Entry point of trace reading: sniffs the "go 1.NN trace" header and hands the body to the reader of that format.
import { AnoleError } from '../errors';
import type { FormatReader, ParseResult, TraceTables, TraceVisitor } from './model';
import { readV1 } from './v1';
import { type GenerationDone, readV2, readV2Steps } from './v2/reader';

export type { GenerationDone } from './v2/reader';

/** Length of every Go execution trace header: "go 1.NN trace\0\0\0". */
export const HEADER_LEN = 16;

/** Newest format version this build knows (Go 1.26). */
export const NEWEST_VERSION = 26;

/** Oldest format version we read (Go 1.11 used the same format family as 1.19–1.21). */
export const OLDEST_VERSION = 11;

/** The Go minor version in a trace header, or undefined if `data` does not start like a Go trace. */
export function sniffTraceVersion(data: Uint8Array): number | undefined {
  if (data.length < HEADER_LEN) return undefined;
  const head = String.fromCharCode(...data.subarray(0, HEADER_LEN));
  const m = /^go 1\.(\d{1,3}) trace\0+$/.exec(head);
  return m ? Number(m[1]) : undefined;
}

/**
 * Reads a whole Go execution trace, calling `visitor.event` for every event in order (see model.ts).
 * Throws AnoleError for a file that is not a Go trace or of a format version newer than we know; a cut
 * or corrupt body is not an error but a partial result with `complete: false` and a warning.
 */
export function parseTrace(data: Uint8Array, tables: TraceTables, visitor: TraceVisitor): ParseResult {
  const version = checkedVersion(data);
  if (version < 22) return readV1(data, HEADER_LEN, version, tables, visitor);
  return readV2(data, HEADER_LEN, version, tables, visitor);
}

/**
 * `parseTrace` one generation at a time (Go ≥ 1.22; an older trace has no generations and is read in one
 * step): yields after each generation, and every `sliceEvents` events inside one (`partial`; default
 * 2^18), returns the result at the end. Throws as `parseTrace` does.
 */
export function* parseTraceSteps(
  data: Uint8Array, tables: TraceTables, visitor: TraceVisitor, opts: { sliceEvents?: number } = {},
): Generator<GenerationDone, ParseResult> {
  const version = checkedVersion(data);
  if (version < 22) return readV1(data, HEADER_LEN, version, tables, visitor);
  return yield* readV2Steps(data, HEADER_LEN, version, tables, visitor, opts.sliceEvents);
}

/** The trace's format version, or an error for a file that is not a trace or of an unknown version. */
function checkedVersion(data: Uint8Array): number {
  const version = sniffTraceVersion(data);
  if (version === undefined) {
    throw new AnoleError(
      'BAD_INPUT',
      'not a Go execution trace (no "go 1.NN trace" header)',
      'record one with runtime/trace, /debug/pprof/trace or `anole capture trace`',
    );
  }
  if (version > NEWEST_VERSION) {
    throw new AnoleError(
      'BAD_INPUT',
      `trace format of Go 1.${version} is newer than this Anole knows (up to Go 1.${NEWEST_VERSION})`,
      'update Anole, or record the trace with an older Go',
    );
  }
  if (version < OLDEST_VERSION) {
    throw new AnoleError('BAD_INPUT', `trace format of Go 1.${version} is too old to read (Go 1.${OLDEST_VERSION}+ only)`);
  }
  return version;
}
