// Merges the profiles of several replicas into one, by function, file and line (not by address),
// tagging each sample with the replica it came from.
import { AnoleError } from '../errors';
import { type FunctionInfo, type Label, type Location, type Mapping, type Profile, type ValueType } from './profile';

/** One input of {@link mergeProfiles}: a replica's name (its `replica` label value) and its profile. */
export interface MergeInput {
  name: string;
  profile: Profile;
}

/** Options for {@link mergeProfiles}. */
export interface MergeOptions {
  /** The label key each sample gets (default `replica`); `''` adds none. */
  labelKey?: string;
}

/** The label every merged sample carries, naming its replica. */
export const REPLICA_LABEL = 'replica';

const sampleTypesText = (ts: ValueType[]): string => ts.map((t) => `${t.type}/${t.unit}`).join(', ');

/** Refuses inputs whose sample types (or period types) differ: their values cannot be added. */
function checkCompatible(inputs: readonly MergeInput[]): void {
  const first = inputs[0];
  const want = sampleTypesText(first.profile.sampleTypes);
  for (const other of inputs.slice(1)) {
    const got = sampleTypesText(other.profile.sampleTypes);
    if (got !== want) {
      throw new AnoleError(
        'BAD_PROFILE',
        `cannot merge ${other.name} with ${first.name}: their sample types differ (${got} vs ${want})`,
        'merge only profiles of the same kind (all cpu, all heap, ...) taken from the same kind of service',
      );
    }
    const a = first.profile.periodType;
    const b = other.profile.periodType;
    if (a && b && (a.type !== b.type || a.unit !== b.unit)) {
      throw new AnoleError(
        'BAD_PROFILE',
        `cannot merge ${other.name} with ${first.name}: their period types differ (${b.type}/${b.unit} vs ${a.type}/${a.unit})`,
        'merge only profiles of the same kind',
      );
    }
  }
}

/** Builds the merged tables, interning functions, mappings and locations by what they mean. */
class Merger {
  readonly functions: FunctionInfo[] = [];
  readonly mappings: Mapping[] = [];
  readonly locations: Location[] = [];
  private readonly functionIndex = new Map<string, number>();
  private readonly mappingIndex = new Map<string, number>();
  private readonly locationIndex = new Map<string, number>();

  /** For each function of `p`, its index in the merged table. */
  functionsOf(p: Profile): Int32Array {
    const out = new Int32Array(p.functions.length);
    p.functions.forEach((f, i) => {
      const key = `${f.name}\0${f.systemName}\0${f.filename}\0${f.startLine}`;
      let j = this.functionIndex.get(key);
      if (j === undefined) {
        j = this.functions.length;
        this.functions.push({ id: j + 1, name: f.name, systemName: f.systemName, filename: f.filename, startLine: f.startLine });
        this.functionIndex.set(key, j);
      }
      out[i] = j;
    });
    return out;
  }

  /** Mapping id of `p` → merged mapping id; the same file and build id share one mapping. */
  mappingsOf(p: Profile): Map<number, number> {
    const out = new Map<number, number>();
    for (const m of p.mappings) {
      const key = `${m.filename}\0${m.buildId}`;
      let j = this.mappingIndex.get(key);
      if (j === undefined) {
        j = this.mappings.length;
        this.mappings.push({ ...m, id: j + 1 });
        this.mappingIndex.set(key, j);
      }
      if (!out.has(m.id)) out.set(m.id, j + 1);
    }
    return out;
  }

  /**
   * For each location of `p`, its index in the merged table. A symbolized location is keyed by its
   * frames (function and line, innermost first), so replicas built differently still meet; an
   * unsymbolized one by its binary, build id and address.
   */
  locationsOf(p: Profile, fns: Int32Array, maps: Map<number, number>): Uint32Array {
    const out = new Uint32Array(p.locations.length);
    p.locations.forEach((loc, i) => {
      const mappingId = maps.get(loc.mappingId) ?? 0;
      let key: string;
      if (loc.lines.length > 0) {
        key = loc.lines.map((l) => `${fns[l.function]}:${l.line}:${l.column}`).join(',');
        if (loc.isFolded) key += 'f';
      } else {
        key = `@${mappingId}:${loc.address}`;
      }
      let j = this.locationIndex.get(key);
      if (j === undefined) {
        j = this.locations.length;
        this.locations.push({
          id: j + 1,
          address: loc.address,
          mappingId,
          isFolded: loc.isFolded,
          lines: loc.lines.map((l) => ({ functionId: fns[l.function] + 1, function: fns[l.function], line: l.line, column: l.column })),
        });
        this.locationIndex.set(key, j);
      }
      out[i] = j;
    });
    return out;
  }
}

/** `own` with the replica tag in place of any label of that key (changed in place: the merge consumes its inputs). */
function withTag(own: Label[], tag: Label, key: string): Label[] {
  if (!key) return own;
  for (let j = 0; j < own.length; j++) {
    if (own[j].key === key) {
      own[j] = tag;
      return own;
    }
  }
  own.push(tag);
  return own;
}

/** `out[at + i] = starts[i] + shift` for the first `n` stack starts of one input. */
function copyStarts(out: Uint32Array, at: number, starts: Uint32Array, n: number, shift: number): void {
  for (let i = 0; i < n; i++) out[at + i] = starts[i] + shift;
}

/** True if `locs` maps each index to itself: the input's locations come first, in its order. */
function isIdentity(locs: Uint32Array): boolean {
  for (let i = 0; i < locs.length; i++) if (locs[i] !== i) return false;
  return true;
}

/** `out[at + k - from] = locs[src[k]]` for k in [from, to): one input's location indexes, renumbered. */
function copyStacks(out: Uint16Array | Uint32Array, at: number, src: Uint16Array | Uint32Array, from: number, to: number, locs: Uint32Array): void {
  if (isIdentity(locs)) {
    out.set(src.subarray(from, to), at);
    return;
  }
  // One loop per pair of widths keeps each one monomorphic.
  if (out instanceof Uint16Array) {
    if (src instanceof Uint16Array) remap16to16(out, at - from, src, from, to, locs);
    else remap32to16(out, at - from, src, from, to, locs);
  } else if (src instanceof Uint16Array) remap16to32(out, at - from, src, from, to, locs);
  else remap32to32(out, at - from, src, from, to, locs);
}

function remap16to16(out: Uint16Array, d: number, src: Uint16Array, from: number, to: number, locs: Uint32Array): void {
  for (let k = from; k < to; k++) out[k + d] = locs[src[k]];
}

function remap32to16(out: Uint16Array, d: number, src: Uint32Array, from: number, to: number, locs: Uint32Array): void {
  for (let k = from; k < to; k++) out[k + d] = locs[src[k]];
}

function remap16to32(out: Uint32Array, d: number, src: Uint16Array, from: number, to: number, locs: Uint32Array): void {
  for (let k = from; k < to; k++) out[k + d] = locs[src[k]];
}

function remap32to32(out: Uint32Array, d: number, src: Uint32Array, from: number, to: number, locs: Uint32Array): void {
  for (let k = from; k < to; k++) out[k + d] = locs[src[k]];
}

/**
 * Merges `inputs` into one profile. Functions, mappings and locations are matched by name, file
 * and line (so replicas of different builds merge), each sample keeps its values and gets a
 * `replica` label naming its input (existing labels are kept when the input was decoded with
 * them; their per-sample label lists are reused, so the inputs should not be used afterwards). Headers follow `go tool pprof`'s merge: the earliest time, the sum of durations, the
 * largest period. Sample types must be the same in every input, else BAD_PROFILE.
 */
export function mergeProfiles(inputs: readonly MergeInput[], options: MergeOptions = {}): Profile {
  if (inputs.length === 0) throw new AnoleError('BAD_INPUT', 'nothing to merge: no profiles were given');
  checkCompatible(inputs);
  const labelKey = options.labelKey ?? REPLICA_LABEL;
  const nt = inputs[0].profile.sampleTypes.length;
  let count = 0;
  let stackLen = 0;
  for (const { profile } of inputs) {
    count += profile.samples.count;
    stackLen += profile.samples.stackLocs.length;
  }
  const m = new Merger();
  // Every input's location indexes in the merged table first: its size decides the width of the stacks.
  const locsOf = inputs.map(({ profile }) => m.locationsOf(profile, m.functionsOf(profile), m.mappingsOf(profile)));
  const stackStart = new Uint32Array(count + 1);
  const stackLocs = m.locations.length <= 0xffff ? new Uint16Array(stackLen) : new Uint32Array(stackLen);
  const values = new Float64Array(count * nt);
  const labels = new Array<Label[] | undefined>(count);
  let si = 0;
  let li = 0;
  const warnings: string[] = [];
  inputs.forEach(({ name, profile }, n) => {
    const s = profile.samples;
    values.set(s.values.subarray(0, s.count * nt), si * nt);
    // The input's stacks are contiguous: its stack starts and location indexes are copied as two runs.
    const from = s.stackStart[0];
    const to = s.stackStart[s.count];
    copyStarts(stackStart, si, s.stackStart, s.count, li - from);
    copyStacks(stackLocs, li, s.stackLocs, from, to, locsOf[n]);
    li += to - from;
    // One label object and one list shared by every sample of the replica without labels of its own.
    const tagLabel: Label = { key: labelKey, str: name };
    const tag: Label[] | undefined = labelKey ? [tagLabel] : undefined;
    const own = s.labels;
    if (own) {
      for (let i = 0; i < s.count; i++) {
        const l = own[i];
        labels[si + i] = l && l.length ? withTag(l, tagLabel, labelKey) : tag;
      }
    } else labels.fill(tag, si, si + s.count);
    si += s.count;
    for (const w of profile.warnings) warnings.push(`${name}: ${w}`);
  });
  stackStart[count] = li;
  const first = inputs[0].profile;
  const times = inputs.map((i) => i.profile.timeNanos).filter((t) => t > 0);
  const comments = [...new Set(inputs.flatMap((i) => i.profile.comments))];
  return {
    sampleTypes: first.sampleTypes.map((t) => ({ ...t })),
    defaultSampleType: first.defaultSampleType,
    samples: { count, stackStart, stackLocs, values, labels, hasLabels: labels.some((l) => l !== undefined) },
    locations: m.locations,
    functions: m.functions,
    mappings: m.mappings,
    stringTable: [],
    periodType: inputs.find((i) => i.profile.periodType)?.profile.periodType,
    period: Math.max(...inputs.map((i) => i.profile.period)),
    durationNanos: inputs.reduce((sum, i) => sum + i.profile.durationNanos, 0),
    timeNanos: times.length ? Math.min(...times) : 0,
    dropFrames: first.dropFrames,
    keepFrames: first.keepFrames,
    comments,
    docUrl: first.docUrl,
    warnings,
  };
}
