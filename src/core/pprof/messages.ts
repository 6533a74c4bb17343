// Readers for the small profile.proto messages (ValueType, Mapping, Location, Function, Label).
import { WireError, type WireReader, WIRE_BYTES, WIRE_VARINT } from './wire';

/** A ValueType with its string-table indexes not yet resolved. */
export interface RawValueType {
  type: number;
  unit: number;
}

/** A Line with its function id not yet resolved. */
export interface RawLine {
  functionId: number;
  line: number;
  column: number;
}

/** A Location as read from the wire. */
export interface RawLocation {
  id: number;
  mappingId: number;
  address: number;
  lines: RawLine[];
  isFolded: boolean;
}

/** A Function with string-table indexes. */
export interface RawFunction {
  id: number;
  name: number;
  systemName: number;
  filename: number;
  startLine: number;
}

/** A Mapping with string-table indexes. */
export interface RawMapping {
  id: number;
  memoryStart: number;
  memoryLimit: number;
  fileOffset: number;
  filename: number;
  buildId: number;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

/** A Label with string-table indexes. */
export interface RawLabel {
  key: number;
  str: number;
  num: number;
  numUnit: number;
}

/** Throws unless a field of a profile message has the wire type the schema gives it. */
export function expectWire(wt: number, want: number, field: string, pos: number): void {
  if (wt !== want) {
    throw new WireError(`field ${field} has wire type ${wt}, expected ${want} (this is not a profile.proto message)`, pos);
  }
}

/** Reads a uint64 varint field, checking its wire type. */
function scalar(r: WireReader, wt: number, field: string): number {
  expectWire(wt, WIRE_VARINT, field, r.pos);
  return r.varint();
}

/** Reads an int64 varint field, checking its wire type. */
function signed(r: WireReader, wt: number, field: string): number {
  expectWire(wt, WIRE_VARINT, field, r.pos);
  return r.int64();
}

/** Reads a length-delimited message: calls `onField(key)` for each field until its end. */
function message(r: WireReader, wt: number, field: string, onField: (key: number) => void): void {
  expectWire(wt, WIRE_BYTES, field, r.pos);
  const end = r.lengthEnd();
  const outer = r.limit;
  r.limit = end;
  while (r.pos < end) onField(r.varint());
  if (r.pos !== end) throw new WireError(`message ${field} overruns its length`, r.pos);
  r.limit = outer;
}

/** Reads a ValueType message (sample_type or period_type). */
export function readValueType(r: WireReader, wt: number, field: string): RawValueType {
  const v: RawValueType = { type: 0, unit: 0 };
  message(r, wt, field, (k) => {
    const f = k >>> 3;
    if (f === 1) v.type = scalar(r, k & 7, `${field}.type`);
    else if (f === 2) v.unit = scalar(r, k & 7, `${field}.unit`);
    else r.skip(k & 7, f);
  });
  return v;
}

/** Reads a Mapping message. */
export function readMapping(r: WireReader, wt: number): RawMapping {
  const m: RawMapping = {
    id: 0,
    memoryStart: 0,
    memoryLimit: 0,
    fileOffset: 0,
    filename: 0,
    buildId: 0,
    hasFunctions: false,
    hasFilenames: false,
    hasLineNumbers: false,
    hasInlineFrames: false,
  };
  message(r, wt, 'mapping', (k) => {
    const f = k >>> 3;
    const w = k & 7;
    switch (f) {
      case 1: m.id = scalar(r, w, 'mapping.id'); break;
      case 2: m.memoryStart = scalar(r, w, 'mapping.memory_start'); break;
      case 3: m.memoryLimit = scalar(r, w, 'mapping.memory_limit'); break;
      case 4: m.fileOffset = scalar(r, w, 'mapping.file_offset'); break;
      case 5: m.filename = scalar(r, w, 'mapping.filename'); break;
      case 6: m.buildId = scalar(r, w, 'mapping.build_id'); break;
      case 7: m.hasFunctions = scalar(r, w, 'mapping.has_functions') !== 0; break;
      case 8: m.hasFilenames = scalar(r, w, 'mapping.has_filenames') !== 0; break;
      case 9: m.hasLineNumbers = scalar(r, w, 'mapping.has_line_numbers') !== 0; break;
      case 10: m.hasInlineFrames = scalar(r, w, 'mapping.has_inline_frames') !== 0; break;
      default: r.skip(w, f);
    }
  });
  return m;
}

/** Reads a Location message with its lines. */
export function readLocation(r: WireReader, wt: number): RawLocation {
  const loc: RawLocation = { id: 0, mappingId: 0, address: 0, lines: [], isFolded: false };
  message(r, wt, 'location', (k) => {
    const f = k >>> 3;
    const w = k & 7;
    switch (f) {
      case 1: loc.id = scalar(r, w, 'location.id'); break;
      case 2: loc.mappingId = scalar(r, w, 'location.mapping_id'); break;
      case 3: loc.address = scalar(r, w, 'location.address'); break;
      case 4: {
        const line: RawLine = { functionId: 0, line: 0, column: 0 };
        message(r, w, 'location.line', (lk) => {
          const lf = lk >>> 3;
          if (lf === 1) line.functionId = scalar(r, lk & 7, 'line.function_id');
          else if (lf === 2) line.line = signed(r, lk & 7, 'line.line');
          else if (lf === 3) line.column = signed(r, lk & 7, 'line.column');
          else r.skip(lk & 7, lf);
        });
        loc.lines.push(line);
        break;
      }
      case 5: loc.isFolded = scalar(r, w, 'location.is_folded') !== 0; break;
      default: r.skip(w, f);
    }
  });
  return loc;
}

/** Reads a Function message. */
export function readFunction(r: WireReader, wt: number): RawFunction {
  const fn: RawFunction = { id: 0, name: 0, systemName: 0, filename: 0, startLine: 0 };
  message(r, wt, 'function', (k) => {
    const f = k >>> 3;
    const w = k & 7;
    switch (f) {
      case 1: fn.id = scalar(r, w, 'function.id'); break;
      case 2: fn.name = scalar(r, w, 'function.name'); break;
      case 3: fn.systemName = scalar(r, w, 'function.system_name'); break;
      case 4: fn.filename = scalar(r, w, 'function.filename'); break;
      case 5: fn.startLine = signed(r, w, 'function.start_line'); break;
      default: r.skip(w, f);
    }
  });
  return fn;
}

/** Reads a Label message (sample.label). */
export function readLabel(r: WireReader, wt: number): RawLabel {
  const l: RawLabel = { key: 0, str: 0, num: 0, numUnit: 0 };
  message(r, wt, 'sample.label', (k) => {
    const f = k >>> 3;
    const w = k & 7;
    switch (f) {
      case 1: l.key = scalar(r, w, 'label.key'); break;
      case 2: l.str = scalar(r, w, 'label.str'); break;
      case 3: l.num = signed(r, w, 'label.num'); break;
      case 4: l.numUnit = scalar(r, w, 'label.num_unit'); break;
      default: r.skip(w, f);
    }
  });
  return l;
}

/** Reads a repeated varint field that may be packed (wire type 2) or not (wire type 0). */
export function readRepeatedVarint(r: WireReader, wt: number, field: string, out: number[]): void {
  if (wt === WIRE_VARINT) {
    out.push(r.varint());
    return;
  }
  expectWire(wt, WIRE_BYTES, field, r.pos);
  const end = r.lengthEnd();
  const outer = r.limit;
  r.limit = end;
  while (r.pos < end) out.push(r.varint());
  r.limit = outer;
}
