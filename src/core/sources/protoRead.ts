// Reading the few protobuf answers of the backend sources with the pprof decoder's wire reader.
import { AnoleError } from '../errors';
import { WIRE_BYTES, WIRE_VARINT, WireError, WireReader } from '../pprof/wire';

const decoder = new TextDecoder();

/** The fields of one message, as a callback sees them: number, wire type, and the reader at the value. */
export type FieldVisitor = (field: number, wireType: number, r: WireReader) => boolean | void;

/**
 * Calls `visit` for each field of the message in `buf[start, end)`; a field the visitor does not
 * read (it returns false or undefined without moving the reader) is skipped. Malformed data becomes
 * a BAD_PROFILE error naming `what`.
 */
export function readMessage(what: string, buf: Uint8Array, visit: FieldVisitor, start = 0, end = buf.length): void {
  const r = new WireReader(buf, start, end);
  try {
    while (r.more()) {
      const key = r.key();
      const field = Math.floor(key / 8);
      const wt = key & 7;
      const at = r.pos;
      visit(field, wt, r);
      if (r.pos === at) r.skip(wt, field);
    }
  } catch (e) {
    if (e instanceof WireError) throw new AnoleError('BAD_PROFILE', `${what}: the server's answer is malformed (${e.message})`);
    throw e;
  }
}

/** A string (or bytes as text) field at the reader, when its wire type is right. */
export function readString(wt: number, r: WireReader): string | undefined {
  if (wt !== WIRE_BYTES) return undefined;
  const end = r.lengthEnd();
  const s = decoder.decode(r.buf.subarray(r.pos, end));
  r.pos = end;
  return s;
}

/** The [start, end) of a bytes or message field at the reader, leaving the reader after it. */
export function readSpan(wt: number, r: WireReader): [number, number] | undefined {
  if (wt !== WIRE_BYTES) return undefined;
  const end = r.lengthEnd();
  const start = r.pos;
  r.pos = end;
  return [start, end];
}

/** A varint field at the reader as a signed int64, when its wire type is right. */
export function readInt(wt: number, r: WireReader): number | undefined {
  return wt === WIRE_VARINT ? r.int64() : undefined;
}

/** All the strings of one repeated string field of a message. */
export function repeatedStrings(what: string, buf: Uint8Array, field: number): string[] {
  const out: string[] = [];
  readMessage(what, buf, (f, wt, r) => {
    if (f !== field) return;
    const s = readString(wt, r);
    if (s !== undefined) out.push(s);
  });
  return out;
}
