// Lock sites of mutex and block profiles: where in user code delay is charged, and empty-profile reasons.
import { AnoleError } from '../errors';
import { frameIndex } from './frames';
import { isSystemFrame } from '../goFrames';
import { percent } from './analyze';
import { type Profile, sampleTotal } from './profile';
import { type SampleTypeChoice, selectSampleType } from './sampleType';

/** The kinds of profile Go serves under /debug/pprof. */
export type ProfileKind = 'cpu' | 'heap' | 'allocs' | 'mutex' | 'block' | 'goroutine' | 'threadcreate';

/** Options for {@link lockSites}. */
export interface LockSiteOptions {
  /** The value to rank by (default: the 'delay' sample type). */
  sampleIndex?: number;
  /** Which profile this is, for the message when it is empty (default: says "mutex/block"). */
  kind?: 'mutex' | 'block';
}

/** One lock site: a user-code line, the delay charged to it and how many contentions. */
export interface LockSiteRow {
  function: string;
  file: string;
  line: number;
  /** Delay in the unit of the delay sample type (nanoseconds for Go). */
  delay: number;
  contentions: number;
  /** Share of the total delay, 0..100. */
  percent: number;
  /** True if every frame was runtime/sync/internal code, so the leaf frame is shown instead. */
  systemOnly: boolean;
}

/** Lock sites sorted by delay, with totals; `empty` (and `emptyReason`) when there is nothing to show. */
export interface LockSiteReport {
  delayType: SampleTypeChoice;
  totalDelay: number;
  totalContentions: number;
  rows: LockSiteRow[];
  empty: boolean;
  emptyReason?: string;
}

const EMPTY_REASONS: Record<ProfileKind, string> = {
  mutex:
    'the mutex profile is empty: the service never called runtime.SetMutexProfileFraction (or no lock was contended since it did)',
  block:
    'the block profile is empty: the service never called runtime.SetBlockProfileRate (or no goroutine blocked since it did)',
  cpu: 'the CPU profile is empty: the process used no CPU while it was captured; capture for longer or under load',
  heap: 'the heap profile is empty: no allocation has been sampled yet (runtime.MemProfileRate is 0, or no GC has run since start)',
  allocs: 'the allocs profile is empty: no allocation has been sampled yet (runtime.MemProfileRate is 0, or no GC has run since start)',
  goroutine: 'the goroutine profile is empty',
  threadcreate: 'the threadcreate profile is empty',
};

/**
 * Why a profile shows nothing, or undefined if it has samples with non-zero values. For mutex
 * and block profiles the message names the runtime call the service must make to fill them.
 */
export function emptyProfileReason(profile: Profile, kind?: ProfileKind | string): string | undefined {
  const nonZero = profile.sampleTypes.some((_, i) => sampleTotal(profile, i) !== 0);
  if (profile.samples.count > 0 && nonZero) return undefined;
  if (kind && kind in EMPTY_REASONS) return EMPTY_REASONS[kind as ProfileKind];
  return kind ? `the ${kind} profile has no samples` : 'the profile has no samples';
}

function findType(profile: Profile, name: string): number {
  return profile.sampleTypes.findIndex((t) => t.type === name);
}

/**
 * Where lock delay lands in user code. Each sample is charged to its innermost frame outside
 * runtime, sync, sync/atomic and internal packages: in a mutex profile that is the line calling
 * `Unlock` (the holder that made others wait), in a block profile the line where goroutines
 * waited (`Lock`, a channel operation, `WaitGroup.Wait`...). Rows are sorted by delay.
 */
export function lockSites(profile: Profile, opts: LockSiteOptions = {}): LockSiteReport {
  const delayIndex = opts.sampleIndex ?? findType(profile, 'delay');
  if (delayIndex < 0) {
    const types = profile.sampleTypes.map((t) => t.type).join(', ');
    throw new AnoleError('BAD_INPUT', `this is not a mutex or block profile: it has no "delay" sample type (it has ${types})`);
  }
  const delayType = selectSampleType(profile, delayIndex);
  const contIndex = findType(profile, 'contentions');
  const fi = frameIndex(profile);
  const system = fi.functions.map((f) => isSystemFrame(f.name));
  // The first user frame of each location (innermost first), or -1.
  const nLocs = fi.locFrameStart.length - 1;
  const userFrame = new Int32Array(nLocs).fill(-1);
  for (let l = 0; l < nLocs; l++) {
    for (let f = fi.locFrameStart[l]; f < fi.locFrameStart[l + 1]; f++) {
      if (!system[fi.frameFunc[f]]) {
        userFrame[l] = f;
        break;
      }
    }
  }
  const delay = new Float64Array(fi.lines.length);
  const contentions = new Float64Array(fi.lines.length);
  const systemOnly = new Uint8Array(fi.lines.length);
  const { count, stackStart, stackLocs, values } = profile.samples;
  const nt = profile.sampleTypes.length;
  let totalDelay = 0;
  let totalContentions = 0;
  for (let i = 0; i < count; i++) {
    const d = values[i * nt + delayIndex];
    const c = contIndex >= 0 ? values[i * nt + contIndex] : 0;
    totalDelay += Math.abs(d);
    totalContentions += c;
    if ((d === 0 && c === 0) || stackStart[i] === stackStart[i + 1]) continue;
    let site = -1;
    for (let k = stackStart[i]; k < stackStart[i + 1] && site < 0; k++) {
      const f = userFrame[stackLocs[k]];
      if (f >= 0) site = fi.frameLine[f];
    }
    if (site < 0) {
      site = fi.frameLine[fi.locFrameStart[stackLocs[stackStart[i]]]];
      systemOnly[site] = 1;
    }
    delay[site] += d;
    contentions[site] += c;
  }
  const rows: LockSiteRow[] = [];
  for (let n = 0; n < delay.length; n++) {
    if (delay[n] === 0 && contentions[n] === 0) continue;
    const node = fi.lines[n];
    rows.push({
      function: node.name,
      file: node.file,
      line: node.line,
      delay: delay[n],
      contentions: contentions[n],
      percent: percent(delay[n], totalDelay),
      systemOnly: systemOnly[n] === 1,
    });
  }
  rows.sort(
    (a, b) =>
      Math.abs(b.delay) - Math.abs(a.delay) ||
      b.contentions - a.contentions ||
      (a.function < b.function ? -1 : a.function > b.function ? 1 : a.line - b.line),
  );
  const empty = rows.length === 0;
  const report: LockSiteReport = { delayType, totalDelay, totalContentions, rows, empty };
  if (empty) {
    report.emptyReason = opts.kind
      ? EMPTY_REASONS[opts.kind]
      : 'the mutex/block profile is empty: the service never called runtime.SetMutexProfileFraction (mutex) or runtime.SetBlockProfileRate (block)';
  }
  return report;
}
