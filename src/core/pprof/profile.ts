// The decoded pprof profile: a compact, editor-free model of profile.proto.

/** A sample type or period type, e.g. `{type: 'cpu', unit: 'nanoseconds'}`. */
export interface ValueType {
  type: string;
  unit: string;
}

/** One frame of a location: the function (index into `Profile.functions`) and the source line. */
export interface Line {
  /** The function id as written in the profile. */
  functionId: number;
  /** Index into `Profile.functions`. Always valid: missing functions get a placeholder entry. */
  function: number;
  line: number;
  column: number;
}

/** A program counter with its symbolized frames; several lines mean inlined calls, innermost first. */
export interface Location {
  id: number;
  address: number;
  mappingId: number;
  lines: Line[];
  isFolded: boolean;
}

/** A function as named by the profile. */
export interface FunctionInfo {
  id: number;
  name: string;
  systemName: string;
  filename: string;
  startLine: number;
}

/** A mapped binary or shared library. */
export interface Mapping {
  id: number;
  memoryStart: number;
  memoryLimit: number;
  fileOffset: number;
  filename: string;
  buildId: string;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

/** A sample label; `str` for string labels, `num` (with optional `numUnit`) for numeric ones. */
export interface Label {
  key: string;
  str?: string;
  num?: number;
  numUnit?: string;
}

/**
 * All samples in columnar form. The stack of sample `i` is
 * `stackLocs[stackStart[i] .. stackStart[i + 1])`: indexes into `Profile.locations`, leaf first
 * (a Uint16Array when the profile has at most 65535 locations, else a Uint32Array).
 * Its values are `values[i * sampleTypes.length + t]`.
 */
export interface SampleTable {
  count: number;
  stackStart: Uint32Array;
  stackLocs: Uint32Array | Uint16Array;
  values: Float64Array;
  /** Per-sample labels, only when decoded with `{labels: true}`. */
  labels?: (Label[] | undefined)[];
  /** True if any sample carried labels (decoded or not). */
  hasLabels: boolean;
}

/** A decoded profile. Numbers are exact up to 2^53; warnings say what was skipped or repaired. */
export interface Profile {
  sampleTypes: ValueType[];
  /** Name of the default sample type, '' if the profile does not say. */
  defaultSampleType: string;
  samples: SampleTable;
  locations: Location[];
  functions: FunctionInfo[];
  mappings: Mapping[];
  stringTable: string[];
  periodType?: ValueType;
  period: number;
  durationNanos: number;
  timeNanos: number;
  dropFrames: string;
  keepFrames: string;
  comments: string[];
  docUrl: string;
  /** Problems found while decoding that did not prevent a best-effort result. */
  warnings: string[];
}

/** The location ids of sample `i`, leaf first (as in the proto). */
export function sampleLocationIds(profile: Profile, i: number): number[] {
  const { stackStart, stackLocs } = profile.samples;
  const ids: number[] = [];
  for (let k = stackStart[i]; k < stackStart[i + 1]; k++) ids.push(profile.locations[stackLocs[k]].id);
  return ids;
}

/** The values of sample `i`, one per sample type. */
export function sampleValues(profile: Profile, i: number): number[] {
  const n = profile.sampleTypes.length;
  return Array.from(profile.samples.values.subarray(i * n, i * n + n));
}

/** Sum of the absolute values of one sample type over all samples (pprof's "total"). */
export function sampleTotal(profile: Profile, sampleIndex: number): number {
  const { values, count } = profile.samples;
  const n = profile.sampleTypes.length;
  let total = 0;
  for (let i = 0; i < count; i++) total += Math.abs(values[i * n + sampleIndex]);
  return total;
}
