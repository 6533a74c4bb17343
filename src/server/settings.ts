// The server's settings (init options, then workspace/didChangeConfiguration), checked and defaulted.
import type { ServerInitOptions } from '../core/annotations';
import type { PathSubstitution } from '../core/pathmap';
import type { AnnotationSettings } from './store';

/** Settings with defaults applied; anything malformed (from any LSP client) falls back to its default. */
export interface ServerSettings {
  pathMappings: PathSubstitution[];
  minPercent: number;
  lensMinPercent: number;
  /** Undefined: the flame graph's own default. */
  flameMinFraction?: number;
  /** Undefined: the scan's own default. */
  maxScanFiles?: number;
  /** Runtime-trace annotations: which kinds to serve, and the smallest line wait decorated. */
  trace: TraceSettings;
}

/** Which runtime-trace annotations the server serves. */
export interface TraceSettings {
  decorations: boolean;
  codeLens: boolean;
  hovers: boolean;
  minWaitMs: number;
}

function num(v: unknown, min: number, max: number): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : undefined;
}

/** Reads `ServerInitOptions`-shaped data; a field missing or out of range takes its default. */
export function readSettings(raw: unknown): ServerSettings {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<keyof ServerInitOptions, unknown>;
  const maps = Array.isArray(o.pathMappings) ? (o.pathMappings as unknown[]) : [];
  return {
    pathMappings: maps
      .filter((m): m is PathSubstitution => !!m && typeof (m as PathSubstitution).from === 'string' && typeof (m as PathSubstitution).to === 'string')
      .map(({ from, to }) => ({ from, to })),
    minPercent: num(o.minPercent, 0, 100) ?? 1,
    lensMinPercent: num(o.lensMinPercent, 0, 100) ?? 2,
    flameMinFraction: num(o.flameMinFraction, 0, 1),
    maxScanFiles: num(o.maxScanFiles, 1, Number.MAX_SAFE_INTEGER),
    trace: {
      decorations: o.traceDecorations !== false,
      codeLens: o.traceCodeLens !== false,
      hovers: o.traceHovers !== false,
      minWaitMs: num(o.traceMinWaitMs, 0, 3.6e6) ?? 1,
    },
  };
}

/** The thresholds annotations are built with. */
export function thresholds(s: ServerSettings): AnnotationSettings {
  return { minPercent: s.minPercent, lensMinPercent: s.lensMinPercent };
}

/** What changed between two settings: the workspace mapping, the thresholds, the trace annotations, or none. */
export function settingsDiff(a: ServerSettings, b: ServerSettings): { mapping: boolean; thresholds: boolean; trace: boolean } {
  return {
    trace: JSON.stringify(a.trace) !== JSON.stringify(b.trace),
    mapping: JSON.stringify(a.pathMappings) !== JSON.stringify(b.pathMappings) || a.maxScanFiles !== b.maxScanFiles,
    thresholds: a.minPercent !== b.minPercent || a.lensMinPercent !== b.lensMinPercent,
  };
}
