// The shapes of the goroutine starvation report (`anole trace report --json`) and Go's block reasons mapped to its kinds.
import type { WaitHistogram } from './hist';
import type { Site } from './sites';

export type { WaitHistogram } from './hist';

/** Why a goroutine was not running: the report's kinds. */
export const BLOCK_KINDS = ['chan', 'select', 'sync', 'net', 'sleep', 'syscall', 'gc', 'other'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];
export type LineKind = 'runnable' | BlockKind;

/** Blocked time by reason, ns. */
export type BlockedNs = Record<BlockKind, number>;

/** One group of goroutines: same start function and same `go` statement. */
export interface GroupReport {
  function: string;
  created: Site | null;
  count: number;
  runningNs: number;
  runnableNs: number;
  runnableMaxNs: number;
  runnableP99Ns: number;
  runnableCount: number;
  runnableP50Ns: number;
  runnableP90Ns: number;
  /** runnable / (runnable + running), 0 when both are 0. */
  runnableShare: number;
  blockedNs: BlockedNs;
  /**
   * Culprits: of the Ps found running goroutines in the 1 ms samples taken while some goroutine waited
   * runnable, the share this group held (the groups' shares sum to 1).
   */
  culpritShare: number;
  /** Runnable waits by duration (log2 buckets), when the report was asked with `histograms` (the viewer does; the CLI's JSON does not). */
  runnableHist?: WaitHistogram;
}

/** Time charged to one source line: a resume line (runnable) or a block line (by reason). */
export interface LineReport extends Site {
  kind: LineKind;
  ns: number;
  count: number;
  maxNs: number;
}

export interface GcReport {
  count: number;
  stwCount: number;
  stwMaxNs: number;
  stwTotalNs: number;
  assistNs: number;
}

/** While goroutines waited runnable (sampled every 1 ms): were all Ps busy, or some idle? */
export interface SaturationReport {
  samples: number;
  allPsBusy: number;
  somePIdle: number;
}

/**
 * Timer overrun at one sleep site. The trace does not record the duration asked of time.Sleep, so the
 * shortest sleep seen at the site stands for it: `overrunNs` is the time slept beyond that, summed, plus
 * the runnable wait after waking (timers delayed by CPU hogs show here, not as runnable time).
 */
export interface TimerReport extends Site {
  count: number;
  minNs: number;
  maxNs: number;
  meanNs: number;
  overrunNs: number;
}

/** The whole report (`anole trace report --json`). */
export interface StarvationReport {
  /** Trace format version as "go1.NN" (Go 1.24 writes the go1.23 format). */
  goVersion: string;
  durationNs: number;
  gomaxprocs: number;
  groups: GroupReport[];
  lines: LineReport[];
  gc: GcReport;
  saturation: SaturationReport;
  timers: TimerReport[];
  warnings: string[];
}

/** Maps Go's block reason strings onto the report's kinds. */
export function blockKindOf(reason: string): BlockKind {
  if (reason.startsWith('chan')) return 'chan';
  if (reason.startsWith('select')) return 'select';
  if (reason.startsWith('sync')) return 'sync';
  if (reason === 'network') return 'net';
  if (reason === 'sleep') return 'sleep';
  if (reason.startsWith('GC') || reason === 'wait until GC ends') return 'gc';
  if (reason.startsWith('syscall')) return 'syscall';
  return 'other';
}
