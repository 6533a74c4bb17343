// Turns dump input into text and tells apart debug=2, debug=1, binary pprof and non-dumps.
import { isAscii } from 'node:buffer';
import { AnoleError } from '../errors';

/** What a goroutine dump input looks like. */
export type DumpFormat = 'debug=2' | 'debug=1' | 'gzip' | 'binary' | 'empty' | 'unknown';

const FETCH_HINT = 'fetch /debug/pprof/goroutine?debug=2, or send the process SIGQUIT and keep its stderr';

/** Decodes input to a string (UTF-8, BOM dropped), refusing binary data with a BAD_DUMP error. */
export function dumpText(input: string | Uint8Array): string {
  if (typeof input !== 'string') {
    const kind = binaryKind(input);
    if (kind) throw noGoroutines(kind);
    const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // ASCII (nearly every dump) decodes the same either way, and latin1 skips UTF-8 validation.
    input = buf.toString(isAscii(buf) ? 'latin1' : 'utf8');
  }
  return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
}

/** Guesses the format from the first few kilobytes, without parsing the whole input. */
export function detectDumpFormat(input: string | Uint8Array): DumpFormat {
  if (typeof input !== 'string') {
    const kind = binaryKind(input);
    if (kind) return kind;
    input = Buffer.from(input.buffer, input.byteOffset, Math.min(input.byteLength, 1 << 16)).toString('utf8');
  }
  const head = input.slice(0, 1 << 16);
  if (head.trim() === '') return 'empty';
  if (/^goroutine \d+ [^\n]*\[[^\n]*\]:[ \t]*\r?$/m.test(head)) return 'debug=2';
  if (/^goroutine profile: total \d+\r?$/m.test(head) || /^\d+ @( 0x[0-9a-f]+)+\r?$/m.test(head)) return 'debug=1';
   
  if (/[\x00-\x08\x0e-\x1a\x1c-\x1f]/.test(head.slice(0, 512))) return 'binary';
  return 'unknown';
}

/** The BAD_DUMP error for input that holds no debug=2 goroutines, saying what it is instead. */
export function noGoroutines(format: DumpFormat): AnoleError {
  switch (format) {
    case 'empty':
      return new AnoleError('BAD_DUMP', 'no goroutines found: the dump is empty', FETCH_HINT);
    case 'gzip':
      return new AnoleError(
        'BAD_DUMP',
        'no goroutines found: this is a binary pprof profile (gzip), not a goroutine dump (debug=2)',
        `${FETCH_HINT}; open .pb.gz profiles with the profile viewer instead`,
      );
    case 'binary':
      return new AnoleError(
        'BAD_DUMP',
        'no goroutines found: this is binary data, not a Go goroutine dump (debug=2)',
        FETCH_HINT,
      );
    case 'debug=1':
      return new AnoleError(
        'BAD_DUMP',
        'no goroutines found: this is a debug=1 goroutine profile ("N @ 0x..." records without ids or states), not a debug=2 dump',
        'fetch /debug/pprof/goroutine?debug=2 for ids, states and wait times, or read it with analyzeGoroutineDump',
      );
    default:
      return new AnoleError(
        'BAD_DUMP',
        'no goroutines found: this is not a Go goroutine dump (debug=2); expected lines like "goroutine 1 [running]:"',
        FETCH_HINT,
      );
  }
}

function binaryKind(bytes: Uint8Array): DumpFormat | null {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  const n = Math.min(bytes.length, 512);
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) return 'binary';
  }
  return null;
}
