// Decodes a pprof profile.proto (gzipped or raw) into the compact Profile model, fast.
import { AnoleError, errorMessage, isAnoleError } from '../errors';
import { DEFAULT_MAX_PROFILE_BYTES, describeText, looksLikeText, unwrapProfileBytes } from './container';
import {
  type RawFunction,
  type RawLocation,
  type RawMapping,
  type RawValueType,
  expectWire,
  readFunction,
  readLocation,
  readMapping,
  readRepeatedVarint,
  readValueType,
} from './messages';
import { type FunctionInfo, type Profile, type SampleTable } from './profile';
import { Resolver } from './resolve';
import { SpanList, decodeSamples } from './samples';
import { SampleLocator } from './wasmLocate';
import { WireError, WireReader, WIRE_BYTES, WIRE_VARINT } from './wire';

/** Options for {@link decodeProfile}. */
export interface DecodeOptions {
  /** Decode sample labels into `samples.labels` (skipped by default, for speed). */
  labels?: boolean;
  /** How to name the input in error messages, e.g. a file name. Default "the profile". */
  source?: string;
  /** Refuse profiles larger than this once decompressed. Default 1 GiB. */
  maxBytes?: number;
}

/** Everything read in the first pass; samples are only located, not decoded. */
interface Scan {
  sampleTypes: RawValueType[];
  sampleSpans: SpanList;
  sampleCount: number;
  /** Start/end pairs of the byte ranges holding only Samples (key 0x12), in order. */
  sampleRuns: number[];
  /** An upper bound on the number of location ids in all samples. */
  locationIdBytes: number;
  mappings: RawMapping[];
  locations: RawLocation[];
  functions: RawFunction[];
  strings: string[];
  dropFrames: number;
  keepFrames: number;
  timeNanos: number;
  durationNanos: number;
  periodType?: RawValueType;
  period: number;
  comments: number[];
  defaultSampleType: number;
  docUrl: number;
}

/**
 * Decodes a pprof profile from bytes (gzip detected by its magic number). Throws
 * `AnoleError('BAD_PROFILE')` with one clear line for input that is not a profile; repairable
 * damage (dangling references, out-of-range strings) yields a result with `warnings`.
 */
export function decodeProfile(input: Uint8Array, options: DecodeOptions = {}): Profile {
  const what = options.source ?? 'the profile';
  const raw = unwrapProfileBytes(input, what, options.maxBytes ?? DEFAULT_MAX_PROFILE_BYTES);
  return withDecodeErrors(what, () => {
    const h = decodeHeader(raw, what);
    const samples = decodeSamples(h.buf, h.sampleSpans, h.locationIdBytes, h.profile.sampleTypes.length, h.profile.locations, h.res, options.labels === true);
    return finishProfile(h, samples, what);
  });
}

/** Runs a decoding step, turning wire-format and allocation failures into one-line BAD_PROFILE errors. */
export function withDecodeErrors<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (isAnoleError(e)) throw e;
    if (e instanceof WireError) {
      if (e.truncated) {
        throw new AnoleError(
          'BAD_PROFILE',
          `${what} is truncated: the protobuf data ends in the middle of a field`,
          'the download or copy was probably cut short; fetch the profile again',
        );
      }
      throw new AnoleError(
        'BAD_PROFILE',
        `${what} is not a valid pprof profile: ${e.message} at byte ${e.offset}`,
        'check that it really is a pprof profile (profile.proto, optionally gzipped)',
      );
    }
    if (e instanceof RangeError && /allocat|length|size/i.test(e.message)) {
      throw new AnoleError('BAD_PROFILE', `${what} is too large to load (${e.message})`, 'capture a shorter profile');
    }
    throw new AnoleError('BAD_PROFILE', `${what} could not be decoded: ${errorMessage(e)}`);
  }
}

/** Scans the fields; with `runsOnly`, the samples are counted and their runs located, not each of them. */
function scan(buf: Uint8Array, locator: SampleLocator | undefined, runsOnly: boolean): Scan {
  const s: Scan = {
    sampleTypes: [],
    // Room for a sample per 16 bytes, about what the smallest real ones take: growing the list
    // mid-way would also cost a deoptimization of the loop that fills it.
    sampleSpans: new SpanList(runsOnly ? 2 : Math.max(4096, (buf.length >>> 3) & ~1)),
    sampleCount: 0,
    sampleRuns: [],
    locationIdBytes: 0,
    mappings: [],
    locations: [],
    functions: [],
    strings: [],
    dropFrames: 0,
    keepFrames: 0,
    timeNanos: 0,
    durationNanos: 0,
    period: 0,
    comments: [],
    defaultSampleType: 0,
    docUrl: 0,
  };
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const r = new WireReader(buf);
  const spans = s.sampleSpans;
  const size = buf.length;
  let pos = 0;
  while (pos < size) {
    if (buf[pos] === 0x12) {
      const from = pos;
      if (locator) {
        const run = locator.locate(buf, pos, runsOnly);
        spans.pushAll(run.spans);
        s.sampleCount += run.count;
        s.locationIdBytes += run.idBytes;
        pos = run.pos;
      }
      if (pos === from) {
        // Without WebAssembly all the samples here, else the one it leaves (too long, or cut short).
        const before = spans.length;
        pos = locateSamples(buf, pos, s, r, locator ? pos + 1 : size);
        s.sampleCount += (spans.length - before) / 2;
        if (runsOnly) spans.length = before; // counted, and in a run
      }
      const runs = s.sampleRuns;
      if (runs.length > 0 && runs[runs.length - 1] === from) runs[runs.length - 1] = pos;
      else runs.push(from, pos);
      continue;
    }
    r.pos = pos;
    const at = pos;
    const k = r.varint();
    const f = k >>> 3;
    const wt = k & 7;
    switch (f) {
      case 1: s.sampleTypes.push(readValueType(r, wt, 'sample_type')); break;
      case 2: {
        expectWire(wt, WIRE_BYTES, 'sample', at);
        const end = r.lengthEnd();
        if (!runsOnly) spans.push(r.pos, end);
        s.sampleCount++; // (in no run: its key is not the one byte 0x12)
        s.locationIdBytes += end - r.pos;
        r.pos = end;
        break;
      }
      case 3: s.mappings.push(readMapping(r, wt)); break;
      case 4: s.locations.push(readLocation(r, wt)); break;
      case 5: s.functions.push(readFunction(r, wt)); break;
      case 6: {
        expectWire(wt, WIRE_BYTES, 'string_table', at);
        const end = r.lengthEnd();
        s.strings.push(end === r.pos ? '' : text.toString('utf8', r.pos, end));
        r.pos = end;
        break;
      }
      case 7: expectWire(wt, WIRE_VARINT, 'drop_frames', at); s.dropFrames = r.varint(); break;
      case 8: expectWire(wt, WIRE_VARINT, 'keep_frames', at); s.keepFrames = r.varint(); break;
      case 9: expectWire(wt, WIRE_VARINT, 'time_nanos', at); s.timeNanos = r.int64(); break;
      case 10: expectWire(wt, WIRE_VARINT, 'duration_nanos', at); s.durationNanos = r.int64(); break;
      case 11: s.periodType = readValueType(r, wt, 'period_type'); break;
      case 12: expectWire(wt, WIRE_VARINT, 'period', at); s.period = r.int64(); break;
      case 13: readRepeatedVarint(r, wt, 'comment', s.comments); break;
      case 14: expectWire(wt, WIRE_VARINT, 'default_sample_type', at); s.defaultSampleType = r.varint(); break;
      case 15: expectWire(wt, WIRE_VARINT, 'doc_url', at); s.docUrl = r.varint(); break;
      default:
        if (f === 0) throw new WireError('field number 0 is not valid', at);
        r.skip(wt, f);
    }
    pos = r.pos;
  }
  return s;
}

/**
 * The bulk of a profile: the Samples (key 0x12) from `pos` on, up to the next other field (Go
 * writes new locations among them) or the first one at `until` or after, located into
 * `s.sampleSpans`. Returns the position after the last one. A function of its own, small, so
 * V8 optimizes it within the first few thousand samples instead of the whole of scan().
 */
function locateSamples(buf: Uint8Array, pos: number, s: Scan, r: WireReader, until: number): number {
  const size = buf.length;
  const spans = s.sampleSpans;
  while (pos < until && buf[pos] === 0x12) {
    let len = buf[pos + 1];
    let start = pos + 2;
    if (len >= 0x80) {
      const b = buf[pos + 2];
      if (b < 0x80) {
        len = (len & 0x7f) | (b << 7);
        start = pos + 3;
      } else {
        r.pos = pos + 1;
        len = r.varint();
        start = r.pos;
      }
    }
    pos = start + len;
    if (!(pos <= size)) throw new WireError(`a sample of ${len} bytes runs past the end of the data`, start, true);
    spans.push(start, pos);
    // Bytes of packed location ids (usually the first field): a bound on their number. (Kept in
    // `s` as it goes: a first store after the loop would deoptimize it at each of its calls.)
    s.locationIdBytes += buf[start] === 0x0a && buf[start + 1] < 0x80 ? buf[start + 1] : len;
  }
  return pos;
}

function checkIsProfile(s: Scan, what: string): void {
  const other = '; is it some other protobuf message?';
  if (s.sampleTypes.length === 0) {
    throw new AnoleError('BAD_PROFILE', `${what} is not a pprof profile: it declares no sample types${other}`);
  }
  if (s.strings.length === 0 || s.strings[0] !== '') {
    throw new AnoleError('BAD_PROFILE', `${what} is not a pprof profile: its string table does not start with ""${other}`);
  }
  for (const t of s.sampleTypes) {
    if (t.type >= s.strings.length || t.unit >= s.strings.length || t.type < 0 || t.unit < 0) {
      throw new AnoleError('BAD_PROFILE', `${what} is not a pprof profile: its sample type names are outside the string table${other}`);
    }
  }
}

/**
 * Everything of a profile but its samples, which are only located: `profile.samples` is empty
 * until {@link finishProfile}. `res` holds the repairs made so far.
 */
export interface DecodedHeader {
  /** The raw protobuf bytes, as a plain Uint8Array. */
  buf: Uint8Array;
  /** Start/end byte offsets of each Sample message (none when only their runs were located). */
  sampleSpans: SpanList;
  /** How many Sample messages there are. */
  sampleCount: number;
  /**
   * Start/end pairs of the byte ranges that hold only Samples written with the usual one-byte key;
   * a Sample written otherwise is in none (with `runsOnly`, only its count says it is there).
   */
  sampleRuns: Uint32Array;
  /** True when the samples were only counted and their runs located: `sampleSpans` is empty. */
  runsOnly: boolean;
  /** An upper bound on the number of location ids in all samples (not kept with `runsOnly`). */
  locationIdBytes: number;
  profile: Profile;
  res: Resolver;
}

const NO_SAMPLES: SampleTable = { count: 0, stackStart: new Uint32Array(1), stackLocs: new Uint16Array(0), values: new Float64Array(0), hasLabels: false };

/** Profiles from this size on have their samples located in WebAssembly (below, compiling it costs more than it saves). */
const LOCATE_WASM_FROM = 256 * 1024;

/**
 * How {@link decodeHeader} locates the samples: WebAssembly for large profiles ('auto'), always
 * with windows of the given size (tests), or JavaScript only. The spans found are the same.
 */
export type LocateMode = 'auto' | 'js' | { window: number };

/**
 * Decodes raw (unwrapped) profile bytes except the samples. Throws WireError or AnoleError. With
 * `runsOnly` (for a reader that walks the samples itself, in WebAssembly), the samples are only
 * counted and their runs located, when WebAssembly locates them.
 */
export function decodeHeader(bytes: Uint8Array, what: string, locate: LocateMode = 'auto', runsOnly = false): DecodedHeader {
  // A plain Uint8Array view: element access on it is faster than on a Buffer subclass.
  const buf = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const locator =
    locate === 'js' ? undefined
    : locate === 'auto' ? (runsOnly || buf.length >= LOCATE_WASM_FROM ? SampleLocator.create() : undefined)
    : SampleLocator.create(locate.window);
  const onlyRuns = runsOnly && locator !== undefined;
  let s: Scan;
  try {
    s = scan(buf, locator, onlyRuns);
  } catch (e) {
    // Text that slipped past the sniffer (e.g. a control byte early on) reads as a bad protobuf.
    if (e instanceof WireError && looksLikeText(buf.subarray(0, Math.min(buf.length, 64)))) throw describeText(buf, what);
    throw e;
  }
  checkIsProfile(s, what);
  const res = new Resolver(s.strings);
  const sampleTypes = s.sampleTypes.map((t) => ({ type: res.str(t.type), unit: res.str(t.unit) }));
  const functions: FunctionInfo[] = s.functions.map((f) => ({
    id: f.id,
    name: res.str(f.name),
    systemName: res.str(f.systemName),
    filename: res.str(f.filename),
    startLine: f.startLine,
  }));
  const locations = res.locations(s.locations, functions);
  const profile: Profile = {
    sampleTypes,
    defaultSampleType: res.str(s.defaultSampleType),
    samples: NO_SAMPLES,
    locations,
    functions,
    mappings: s.mappings.map((m) => ({ ...m, filename: res.str(m.filename), buildId: res.str(m.buildId) })),
    stringTable: s.strings,
    periodType: s.periodType && { type: res.str(s.periodType.type), unit: res.str(s.periodType.unit) },
    period: s.period,
    durationNanos: s.durationNanos,
    timeNanos: s.timeNanos,
    dropFrames: res.str(s.dropFrames),
    keepFrames: res.str(s.keepFrames),
    comments: s.comments.map((c) => res.str(c)),
    docUrl: res.str(s.docUrl),
    warnings: [],
  };
  return {
    buf,
    sampleSpans: s.sampleSpans,
    sampleCount: s.sampleCount,
    sampleRuns: Uint32Array.from(s.sampleRuns),
    runsOnly: onlyRuns,
    locationIdBytes: s.locationIdBytes,
    profile,
    res,
  };
}

/** Completes a header with its decoded samples: the warnings, and the refusal of a profile whose every frame dangles. */
export function finishProfile(h: DecodedHeader, samples: SampleTable, what: string): Profile {
  const { profile, res } = h;
  profile.samples = samples;
  profile.warnings = headerWarnings(h, samples.count);
  if (samples.count > 0 && samples.stackLocs.length === 0 && res.missingLocationRefs > 0) {
    throw new AnoleError(
      'BAD_PROFILE',
      `${what} is not a usable pprof profile: every sample refers to locations that do not exist`,
      'the file is damaged or was produced by a broken encoder',
    );
  }
  return profile;
}

/** The warnings of a profile once its `sampleCount` samples have been read through `h.res`. */
export function headerWarnings(h: DecodedHeader, sampleCount: number): string[] {
  const { profile, res } = h;
  if (profile.defaultSampleType && !profile.sampleTypes.some((t) => t.type === profile.defaultSampleType)) {
    res.warn(`the default sample type "${profile.defaultSampleType}" is not one of the sample types; using the last one`);
  }
  return res.finish(sampleCount, profile.locations.length);
}
