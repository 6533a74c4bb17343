// One interface for every place a profile comes from besides a single capture: the replicas of an SSH
// fleet captured at once, a Parca server, a Grafana Pyroscope server. Each gives a merged pprof for a
// profile type, a label selector and a time range; the CLI and the extension load it like a capture.
import type { CaptureKind } from '../capture/kinds';

/** A time range in Unix milliseconds, `from` inclusive, `to` exclusive. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** A profile type as the source names it, with the capture kind it corresponds to when there is one. */
export interface SourceProfileType {
  /** The id the source understands, e.g. Parca's `process_cpu:samples:count:cpu:nanoseconds:delta`. */
  id: string;
  /** Anole's capture kind for it (cpu, heap, allocs, goroutine, mutex, block), if any. */
  kind?: CaptureKind;
  /** What a picker shows. */
  label: string;
}

/** What to merge: one profile type, the series a label selector picks, over a time range. */
export interface SourceQuery {
  /** A `SourceProfileType.id`. */
  type: string;
  /** A label selector such as `{service_name="api",env="prod"}`; `''` or `{}` for every series. */
  selector: string;
  range: TimeRange;
}

/** The same, for the label pickers: the type and selector are optional narrowing. */
export interface LabelQuery {
  type?: string;
  selector?: string;
  range: TimeRange;
}

/** A merged profile, or a plain statement that the range holds no data (a message, not an error). */
export type SourceResult =
  | {
      kind: 'profile';
      /** The merged profile as pprof (gzipped or not): what `decodeProfile` reads and a file can hold. */
      pprof: Uint8Array;
      /** What it covers, for the Captures view and the CLI, e.g. `7 of 8 replicas, 30 s`. */
      description: string;
      /** What the user should know: replicas that failed and why, differing builds, outliers. */
      warnings: string[];
      /** Labels every merged series shared (e.g. `service_git_ref`, `service_repository`). */
      labels: Record<string, string>;
    }
  | { kind: 'empty'; message: string };

/**
 * A place profiles come from. Every method takes an AbortSignal (Cancel in the editor, Ctrl-C in the
 * CLI) and fails with an `AnoleError` whose message says what to do; a request that gets no first byte
 * within 10 s fails with code `TIMEOUT`. Credentials never appear in `name` or in any message.
 */
export interface ProfileSource {
  readonly kind: 'ssh-fleet' | 'parca' | 'pyroscope';
  /** A human name: the host pattern or the server URL without credentials. */
  readonly name: string;
  profileTypes(signal?: AbortSignal): Promise<SourceProfileType[]>;
  labelNames(query: LabelQuery, signal?: AbortSignal): Promise<string[]>;
  labelValues(name: string, query: LabelQuery, signal?: AbortSignal): Promise<string[]>;
  query(query: SourceQuery, signal?: AbortSignal): Promise<SourceResult>;
}
