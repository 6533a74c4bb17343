// Encodes the Profile model back into profile.proto bytes (gzipped), the inverse of decodeProfile.
import { gzipSync } from 'node:zlib';
import { type Label, type Profile } from './profile';
import { ProtoWriter, putVarint, varintSize } from './wireWrite';

/** Interns strings into the string table, `''` first as profile.proto requires. */
class StringTable {
  readonly strings: string[] = [''];
  private readonly index = new Map<string, number>([['', 0]]);

  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/** Options for {@link encodeProfile}. */
export interface EncodeOptions {
  /** gzip the result (default true, as Go writes profiles). */
  gzip?: boolean;
  /** zlib level (default 1: a 10 MB profile compresses in tens of ms, not hundreds). */
  level?: number;
}

/**
 * Encodes `profile` as profile.proto, gzipped by default: what `go tool pprof` and
 * {@link decodeProfile} read. Locations keep their index + 1 as id, functions and mappings too,
 * so the output is self-consistent even if the input's ids were not; sample labels are written
 * when `profile.samples.labels` holds them.
 */
export function encodeProfile(profile: Profile, options: EncodeOptions = {}): Uint8Array {
  const st = new StringTable();
  const w = new ProtoWriter(1024 * 1024);
  const a = new ProtoWriter(64 * 1024);
  const b = new ProtoWriter(64 * 1024);
  const valueType = (field: number, t: { type: string; unit: string }) => w.message(field, (m) => m.fields(st.id(t.type), st.id(t.unit)), a);
  for (const t of profile.sampleTypes) valueType(1, t);
  writeSamples(profile, w, st);
  const mappingIds = new Map<number, number>();
  profile.mappings.forEach((mp, i) => {
    if (!mappingIds.has(mp.id)) mappingIds.set(mp.id, i + 1);
    const flags = [mp.hasFunctions, mp.hasFilenames, mp.hasLineNumbers, mp.hasInlineFrames].map(Number);
    w.message(3, (m) => m.fields(i + 1, mp.memoryStart, mp.memoryLimit, mp.fileOffset, st.id(mp.filename), st.id(mp.buildId), ...flags), a);
  });
  profile.locations.forEach((loc, i) => {
    w.message(4, (m) => {
      m.fields(i + 1, mappingIds.get(loc.mappingId) ?? 0, loc.address);
      for (const l of loc.lines) m.message(4, (ln) => ln.fields(l.function + 1, l.line, l.column), b);
      m.bool(5, loc.isFolded);
    }, a);
  });
  profile.functions.forEach((f, i) => {
    w.message(5, (m) => m.fields(i + 1, st.id(f.name), st.id(f.systemName), st.id(f.filename), f.startLine), a);
  });
  const dropFrames = st.id(profile.dropFrames);
  const keepFrames = st.id(profile.keepFrames);
  const periodType = profile.periodType && { type: st.id(profile.periodType.type), unit: st.id(profile.periodType.unit) };
  const comments = profile.comments.map((c) => st.id(c));
  const defaultSampleType = st.id(profile.defaultSampleType);
  const docUrl = st.id(profile.docUrl);
  for (const s of st.strings) w.string(6, s, true);
  w.uint(7, dropFrames);
  w.uint(8, keepFrames);
  w.uint(9, profile.timeNanos);
  w.uint(10, profile.durationNanos);
  if (periodType) w.message(11, (m) => m.fields(periodType.type, periodType.unit), a);
  w.uint(12, profile.period);
  for (const c of comments) w.uint(13, c);
  w.uint(14, defaultSampleType);
  w.uint(15, docUrl);
  const raw = w.finish();
  return options.gzip === false ? raw : gzipSync(raw, { level: options.level ?? 1 });
}

/** Per label of one sample: key, str, num and unit ids and its body size, five slots each. */
const LABEL_SLOTS = 5;

/**
 * Writes every sample directly into `w`: sizes are computed first so nothing is copied through a
 * scratch buffer (a merged fleet profile has millions of samples).
 */
function writeSamples(profile: Profile, w: ProtoWriter, st: StringTable): void {
  const { count, stackStart, stackLocs, values, labels } = profile.samples;
  const nt = profile.sampleTypes.length;
  let lab = new Float64Array(16 * LABEL_SLOTS);
  let prevLabels: Label[] | undefined;
  let labelBytes = 0;
  // Location ids are index + 1; their varint sizes, once.
  const locSize = new Uint8Array(profile.locations.length);
  for (let k = 0; k < locSize.length; k++) locSize[k] = varintSize(k + 1);
  // Label keys and units repeat on every sample: remember the last few strings' ids.
  const recent = new Map<string, number>();
  const sid = (v: string): number => {
    let id = recent.get(v);
    if (id === undefined) {
      id = st.id(v);
      if (recent.size < 64) recent.set(v, id);
    }
    return id;
  };
  for (let i = 0; i < count; i++) {
    const from = stackStart[i];
    const to = stackStart[i + 1];
    let locBytes = 0;
    for (let k = from; k < to; k++) locBytes += locSize[stackLocs[k]];
    let valBytes = 0;
    for (let t = i * nt; t < i * nt + nt; t++) valBytes += varintSize(values[t]);
    const ls = labels?.[i];
    const nl = ls ? ls.length : 0;
    // Consecutive samples often share one label list (a merged replica's tag): size it once.
    if (ls !== prevLabels) {
      prevLabels = ls;
      labelBytes = 0;
    }
    if (nl > 0 && labelBytes === 0) {
      if (nl * LABEL_SLOTS > lab.length) lab = new Float64Array(nl * LABEL_SLOTS * 2);
      for (let j = 0; j < nl; j++) {
        const l = ls![j];
        const o = j * LABEL_SLOTS;
        const key = sid(l.key);
        const str = l.str !== undefined ? sid(l.str) : 0;
        const num = l.num ?? 0;
        const unit = l.numUnit !== undefined ? sid(l.numUnit) : 0;
        const size = (key ? 1 + varintSize(key) : 0) + (str ? 1 + varintSize(str) : 0) + (num ? 1 + varintSize(num) : 0) + (unit ? 1 + varintSize(unit) : 0);
        lab[o] = key;
        lab[o + 1] = str;
        lab[o + 2] = num;
        lab[o + 3] = unit;
        lab[o + 4] = size;
        labelBytes += 1 + varintSize(size) + size;
      }
    }
    const body = (locBytes ? 1 + varintSize(locBytes) + locBytes : 0) + (valBytes ? 1 + varintSize(valBytes) + valBytes : 0) + labelBytes;
    w.ensure(body + 11);
    const buf = w.buf;
    let pos = w.pos;
    buf[pos++] = 0x12;
    pos = putVarint(buf, pos, body);
    if (locBytes) {
      buf[pos++] = 0x0a;
      pos = putVarint(buf, pos, locBytes);
      for (let k = from; k < to; k++) {
        const id = stackLocs[k] + 1;
        if (id < 0x80) buf[pos++] = id;
        else pos = putVarint(buf, pos, id);
      }
    }
    if (valBytes) {
      buf[pos++] = 0x12;
      pos = putVarint(buf, pos, valBytes);
      for (let t = i * nt; t < i * nt + nt; t++) pos = putVarint(buf, pos, values[t]);
    }
    for (let j = 0; j < nl; j++) {
      const o = j * LABEL_SLOTS;
      buf[pos++] = 0x1a;
      pos = putVarint(buf, pos, lab[o + 4]);
      for (let f = 0; f < 4; f++) {
        if (lab[o + f] === 0) continue;
        buf[pos++] = ((f + 1) << 3);
        pos = putVarint(buf, pos, lab[o + f]);
      }
    }
    w.pos = pos;
  }
}
