// Reads a goroutine dump file in pieces that end after a blank line: a big dump is never held twice.
import { isAscii } from 'node:buffer';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { analyzeGoroutineDump, type GoroutineReport } from '.';
import { groupGoroutines, type GroupOptions } from './group';
import { parseGoroutineDumpChunks, type ParseOptions } from './parse';
import { detectDumpFormat, dumpText } from './sniff';

/** A piece is at least this many bytes (up to the next blank line): Node keeps text this long outside the JS heap. */
const PIECE_BYTES = 1 << 20;
/** The first read: enough for the format checks, which look at the first 64 Ki characters. */
const HEAD_BYTES = 1 << 18;

const LF = 0x0a;
const CR = 0x0d;

/** The end of the first blank line ("\n\n" or "\n\r\n") that ends at or after `from` in buf[0, end), or -1. */
function blankLineAfter(buf: Buffer, from: number, end: number): number {
  for (let nl = buf.indexOf(LF, Math.max(from, 1)); nl >= 0 && nl < end; nl = buf.indexOf(LF, nl + 1)) {
    if (buf[nl - 1] === LF || (buf[nl - 1] === CR && nl > 1 && buf[nl - 2] === LF)) return nl + 1;
  }
  return -1;
}

/**
 * The text of the dump in `fd` in pieces of at least `pieceBytes` that end after a blank line (the
 * last at the end of the file), decoded as {@link dumpText} decodes a whole dump. buf[0, filled)
 * holds what was read already.
 */
function* pieces(fd: number, buf: Buffer, filled: number, pieceBytes: number): Generator<string> {
  let eof = false;
  let first = true;
  for (;;) {
    while (!eof && filled < buf.length) {
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n === 0) eof = true;
      filled += n;
    }
    let cut = blankLineAfter(buf, Math.min(pieceBytes, filled) - 1, filled);
    if (cut < 0 && !eof) {
      // No blank line yet: read on into a bigger buffer.
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
      continue;
    }
    if (cut < 0) cut = filled;
    if (cut > 0) {
      const piece = buf.subarray(0, cut);
      // The first piece goes through dumpText (BOM dropped), as a whole dump does.
      yield first ? dumpText(piece) : piece.toString(isAscii(piece) ? 'latin1' : 'utf8');
      first = false;
    }
    if (eof && cut === filled) return;
    buf.copy(buf, 0, cut, filled);
    filled -= cut;
  }
}

/**
 * {@link analyzeGoroutineDump} of a file, with the same result, read in pieces: the file's bytes
 * are never held next to its whole text, which saves a third of the memory (and of the page
 * faults) on a 100 MB dump. File-system errors are thrown as they are.
 */
export function analyzeGoroutineDumpFile(
  path: string,
  options: ParseOptions & GroupOptions = {},
  /** Bytes per piece at least (tests make it small to cut dumps in many places). */
  pieceBytes = PIECE_BYTES,
): GoroutineReport {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.max(pieceBytes, HEAD_BYTES));
    let n = 0;
    for (let r = -1; r !== 0 && n < HEAD_BYTES; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    const head = buf.subarray(0, Math.min(n, HEAD_BYTES));
    // debug=1 dumps (rare and small) are read whole; so is an empty file, whose error says so.
    if (n === 0 || detectDumpFormat(head) === 'debug=1') return analyzeGoroutineDump(readFileSync(path));
    dumpText(head.subarray(0, 512)); // binary input is refused from its first bytes, as when read whole
    const { goroutines, warnings } = parseGoroutineDumpChunks(pieces(fd, buf, n, pieceBytes), options, () =>
      detectDumpFormat(dumpText(head)),
    );
    return { format: 'debug=2', ...groupGoroutines(goroutines, options), warnings };
  } finally {
    closeSync(fd);
  }
}
