// The Anole language server's custom LSP requests and notifications, shared by server and clients.
// Plain data only (no editor types): any LSP client can speak it. Each request is a typed
// `RequestType<P, R>` constant, imported by the server (onRequest) and the client (sendRequest).
import { NotificationType, RequestType, type RequestParam } from 'vscode-jsonrpc';
import type { FlameTreeNode } from '../pprof/flame';
import type { NormalizeMode } from '../pprof/normalize';
import type { TopRow } from '../pprof/top';
import type { GroupReport, LineReport, StarvationReport } from '../trace/analyze';

/** Kinds of profile the server annotates with; lock kinds get lock-hold / block-wait decorations. */
export type AnnotationKind = 'cpu' | 'heap' | 'allocs' | 'mutex' | 'block' | 'goroutine' | 'threadcreate' | 'trace';

/** `anole/loadProfile` params: a profile file on the machine the server runs on. */
export interface LoadProfileParams {
  /** Absolute path of a .pb.gz / .pprof file. */
  path: string;
  /** What it is (from the capture); guessed from its sample types when absent. */
  kind?: AnnotationKind;
  /** Sample type to annotate with (default: the profile's default). */
  sampleType?: string;
  /** Shown in CodeLens/hover, e.g. "api-1 pid 4242, 12:03". */
  label?: string;
  /**
   * `true` (default): the profile annotates the source, replacing the annotating profile of the
   * same kind (which is unloaded unless a view holds it, see `HoldParams`). `false`: a profile for
   * a view only (a profile editor, a flame graph, Compare): it annotates nothing, replaces
   * nothing, and the caller holds it until it sends `anole/hold` with `hold: false` (or clears it).
   */
  replace?: boolean;
  /**
   * The caller holds the new profile (as if it sent `anole/hold`), e.g. a profile editor that also
   * annotates: a later replacement then leaves it loaded. Default: `true` with `replace: false`.
   */
  hold?: boolean;
}

/** `anole/loadProfile` result. */
export interface LoadProfileResult {
  id: string;
  kind: AnnotationKind;
  sampleType: { type: string; unit: string };
  total: number;
  /** Profile files mapped to workspace files, and those that could not be. */
  mappedFiles: number;
  unmappedFiles: string[];
  warnings: string[];
  /** Ids this load unloaded (the previous annotating profile of the kind): forget them. */
  replaced: string[];
}

/**
 * `anole/hold` params: a view holds a loaded profile while it shows it (`hold: true`, fails with
 * NOT_FOUND if the id is not loaded) and releases it when it closes (`hold: false`). A profile
 * that no view holds and that no longer annotates the source is unloaded.
 */
export interface HoldParams {
  id: string;
  hold: boolean;
}

/** `anole/hold` and `anole/clear` result: the ids that are no longer loaded. */
export interface UnloadResult {
  unloaded: string[];
}

/** One decorated line (0-based `line`, as LSP positions are). */
export interface LineAnnotation {
  line: number;
  /** 0..1, relative to the hottest line of the same kind in the profile. */
  weight: number;
  /** Short after-text, e.g. "12.3% · 1.21s" or "held 4.2s · 86%". */
  label: string;
  /** Longer hover text (markdown). */
  detail: string;
  flat: number;
  cum: number;
}

/** `anole/decorations` params and result: every annotation of one document. */
export interface DecorationsParams {
  uri: string;
}
export interface DecorationsResult {
  uri: string;
  /** CPU / alloc heat. */
  hot: LineAnnotation[];
  /** Mutex delay charged at the unlock site (lock-hold). */
  lockHold: LineAnnotation[];
  /** Block profile: where goroutines waited. */
  blockWait: LineAnnotation[];
  /** Runtime trace: lines where goroutines resumed after waiting runnable (ready, but no P). */
  runnable?: LineAnnotation[];
  /** Runtime trace: lines where goroutines blocked, by reason (chan, select, sync, network, sleep, syscall, GC). */
  blocked?: LineAnnotation[];
  /** The active comparison (see `CompareParams`): lines whose share changed against the baseline. */
  compare?: CompareLineAnnotation[];
}

/**
 * A line of the active comparison: `label` is "+12% vs baseline" / "−30% vs baseline" (or "new vs
 * baseline"), `detail` gives both values; `worse` (more cost than the baseline) is shown red, better green.
 * `flat`/`cum` carry the new value and the (normalised) baseline value.
 */
export interface CompareLineAnnotation extends LineAnnotation {
  /** Relative change in percent; null when the baseline has nothing at the line. */
  change: number | null;
  worse: boolean;
}

export type { NormalizeMode };

/**
 * `anole/compare` params: a Compare view shows `id` (new) against `baseId` (`active: true`), so the
 * server decorates the source with the lines whose share changed; `active: false` when the view
 * closes. The most recently activated comparison decorates; closing it brings back the previous
 * one still open. A comparison whose profiles are unloaded ends.
 */
export interface CompareParams {
  id: string;
  baseId: string;
  /** Default `total`. */
  normalize?: NormalizeMode;
  active: boolean;
}

/** `anole/compare` result: how many lines (in how many files) the comparison decorates. */
export interface CompareResult {
  lines: number;
  files: number;
  normalize: NormalizeMode;
}

/** `anole/didChangeAnnotations` notification: re-request decorations (and CodeLens). */
export interface DidChangeAnnotationsParams {
  /** Documents whose annotations changed; absent means all. */
  uris?: string[];
}

/**
 * `anole/clear` params: stop annotating with one profile, one kind, or everything. A cleared
 * profile that a view holds stays loaded for that view; the others are unloaded.
 */
export interface ClearParams {
  id?: string;
  kind?: AnnotationKind;
}

/** A node of a flame graph (icicle): a function in a call path (the core's call-tree node, sent as is). */
export type FlameNode = FlameTreeNode;

/** `anole/flameGraph` params/result. */
export interface FlameGraphParams {
  id: string;
  sampleType?: string;
  /** Diff against this profile id (values are new − base; `base` carries the base values). */
  baseId?: string;
  /** Diff only: scale the base to the new profile's total (`true`/`total`) or duration (`per-second`). */
  normalize?: boolean | NormalizeMode;
  /** Paths below this fraction of the total fold into an "(other)" node (default: init option, else 0.001). */
  minFraction?: number;
}
export interface FlameGraphResult {
  id: string;
  sampleType: { type: string; unit: string };
  total: number;
  /** Diff only: the base profile's total. */
  baseTotal?: number;
  root: FlameNode;
}

/** `anole/top` params/result (rows as the CLI's `top --json`, plus the mapped local file). */
export interface TopParams {
  id: string;
  by: 'function' | 'line';
  sampleType?: string;
  limit?: number;
  /**
   * Diff against this profile id, like the CLI's `diff`: `flat`/`cum` are new − base, the
   * percentages are of the new profile's total, rows are ranked by the size of the flat change.
   */
  baseId?: string;
  /** Diff only: scale the base to the new profile's total (`true`/`total`) or duration (`per-second`). */
  normalize?: boolean | NormalizeMode;
}
/** A row as the CLI's `top --json` prints it, plus the workspace file it maps to. */
export interface TopTableRow extends TopRow {
  /** The workspace file it maps to, if any (a file URI). */
  localUri?: string;
  /** Diff only: the base profile's flat and cum (after normalization); `flat`/`cum` are the changes. */
  baseFlat?: number;
  baseCum?: number;
}
export interface TopResultMessage {
  id: string;
  sampleType: { type: string; unit: string };
  /** The (new) profile's total. */
  total: number;
  /** Diff only: the base profile's total (after normalization). */
  baseTotal?: number;
  rows: TopTableRow[];
}

/**
 * `anole/loadTrace` params: a Go execution trace (`trace.out`) on the machine the server runs on.
 * The server parses it and builds the goroutine starvation report; `replace` works as for profiles
 * (one annotating trace at a time; `false`: a view holds it, see `HoldParams`).
 */
export interface LoadTraceParams {
  path: string;
  label?: string;
  replace?: boolean;
  /**
   * With `replace: false` (a view): answer at once and read the trace a generation at a time; the
   * timeline answers what is read so far, `anole/starvation` answers when the whole trace is read.
   */
  progressive?: boolean;
}

/** `anole/loadTrace` result: the report's headline (empty while a progressive load is `loading`). */
export interface LoadTraceResult {
  id: string;
  loading?: boolean;
  goVersion: string;
  durationNs: number;
  gomaxprocs: number;
  groups: number;
  mappedFiles: number;
  unmappedFiles: string[];
  warnings: string[];
  /** Ids this load unloaded (the previous annotating trace): forget them. */
  replaced: string[];
}

/** `anole/starvation` params: the report of a loaded trace. */
export interface StarvationParams {
  id: string;
}
/** `anole/starvation` result: the report (as `anole trace report --json`), rows with the workspace file they map to. */
export interface StarvationResult {
  id: string;
  report: Omit<StarvationReport, 'groups' | 'lines'> & {
    groups: Array<GroupReport & { localUri?: string; localLine?: number }>;
    lines: Array<LineReport & { localUri?: string }>;
  };
}

/** `anole/timeline` params: the spans of a loaded trace's lanes in a window, for a view `widthPx` wide. */
export interface TimelineParams {
  id: string;
  /** The window, ns from the trace start (default: the whole trace). */
  fromNs?: number;
  toNs?: number;
  /** Pixels the window spans: spans shorter than one pixel are merged (1–20000). */
  widthPx: number;
  /** Lane ids to answer (default: all). The lane list itself always comes back. */
  lanes?: string[];
  /**
   * Group lane ids ("g3") to expand: each is followed by one lane per goroutine of the group alive in the window,
   * at most 50 of them (lowest goroutine ids first; the group lane's `expanded.hidden` counts the rest).
   */
  expand?: string[];
}
/** A span of a timeline lane (possibly `n` merged ones); `site` indexes `TimelineResult.sites`. */
export interface TimelineSpan {
  s: number;
  e: number;
  n: number;
  /** P lanes: ns busy within [s, e], the goroutine and its group lane id ("g3"); goroutine lanes: ns running within [s, e]. */
  busyNs?: number;
  g?: number;
  group?: string;
  site?: number;
  /** Group lanes: most goroutines running / runnable / blocked at once. */
  run?: number;
  rbl?: number;
  blk?: number;
}
/** A lane of the timeline and its spans in the window. */
export interface TimelineLane {
  /** "p0"…, "g0"…, "gc", "stw"; a goroutine of an expanded group: "g0:1234" (group lane id, goroutine id). */
  id: string;
  kind: 'p' | 'group' | 'goroutine' | 'gc' | 'stw';
  label: string;
  /** Group lanes: the `go` statement, "file:line". */
  detail?: string;
  /** Group lanes: how many goroutines the group had (in the trace read so far). */
  goroutines?: number;
  /** Group lanes asked expanded: set, with how many goroutines alive in the window got no lane (the cap). */
  expanded?: { hidden: number };
  /** Goroutine lanes: the group lane they belong to, and the goroutine id. */
  parent?: string;
  g?: number;
  spans: TimelineSpan[];
}
/** `anole/timeline` result: lanes with the window's spans, and the source sites spans point to. */
export interface TimelineResult {
  id: string;
  durationNs: number;
  fromNs: number;
  toNs: number;
  lanes: TimelineLane[];
  sites: Array<{ function: string; file: string; line: number; localUri?: string }>;
  /** Set while the trace is still being read: `durationNs` is then the time read so far, `fraction` the share of the file. */
  loading?: { fraction: number };
}

/** Method names. */
export const Methods = {
  loadProfile: 'anole/loadProfile',
  decorations: 'anole/decorations',
  didChangeAnnotations: 'anole/didChangeAnnotations',
  clear: 'anole/clear',
  hold: 'anole/hold',
  flameGraph: 'anole/flameGraph',
  top: 'anole/top',
  loadTrace: 'anole/loadTrace',
  starvation: 'anole/starvation',
  timeline: 'anole/timeline',
  compare: 'anole/compare',
} as const;

/** `anole/loadProfile`: loads (and by default annotates with) a profile file. */
export const LoadProfileRequest = new RequestType<LoadProfileParams, LoadProfileResult, void>(Methods.loadProfile);
/** `anole/decorations`: every annotation of one document. */
export const DecorationsRequest = new RequestType<DecorationsParams, DecorationsResult, void>(Methods.decorations);
/** `anole/clear`: stops annotating with one profile, one kind or everything. */
export const ClearRequest = new RequestType<ClearParams | undefined, UnloadResult, void>(Methods.clear);
/** `anole/hold`: a view holds or releases a loaded profile or trace. */
export const HoldRequest = new RequestType<HoldParams, UnloadResult, void>(Methods.hold);
/** `anole/flameGraph`: the call tree of a loaded profile (or a diff). */
export const FlameGraphRequest = new RequestType<FlameGraphParams, FlameGraphResult, void>(Methods.flameGraph);
/** `anole/top`: the top table of a loaded profile (or a diff). */
export const TopRequest = new RequestType<TopParams, TopResultMessage, void>(Methods.top);
/** `anole/loadTrace`: loads (and by default annotates with) a runtime trace. */
export const LoadTraceRequest = new RequestType<LoadTraceParams, LoadTraceResult, void>(Methods.loadTrace);
/** `anole/starvation`: the starvation report of a loaded trace. */
export const StarvationRequest = new RequestType<StarvationParams, StarvationResult, void>(Methods.starvation);
/** `anole/timeline`: the lanes and merged spans of a loaded trace in a window. */
export const TimelineRequest = new RequestType<TimelineParams, TimelineResult, void>(Methods.timeline);
/** `anole/compare`: a Compare view starts (or stops) decorating the source with its line changes. */
export const CompareRequest = new RequestType<CompareParams, CompareResult, void>(Methods.compare);
/** `anole/didChangeAnnotations` (server → client): re-request decorations and CodeLens. */
export const DidChangeAnnotationsNotification = new NotificationType<DidChangeAnnotationsParams>(Methods.didChangeAnnotations);

/** What sends the typed requests: a `LanguageClient`, or a stand-in in tests. */
export interface RequestSender {
  sendRequest<P, R>(type: RequestType<P, R, void>, params: RequestParam<P>): Promise<R>;
}

/** Client-side commands the server's CodeLenses invoke. */
export const Commands = {
  /** Arguments: `[ShowFlameGraphArgs]`. */
  showFlameGraph: 'anole.showFlameGraph',
  /** Arguments: `[ShowStarvationArgs]`. */
  showStarvation: 'anole.showStarvationReport',
  /** Arguments: `[TraceLensArgs]`: "Trace" next to a hot function's CPU lens. */
  traceRemoteService: 'anole.traceRemoteService',
  /** Arguments: `[TraceHandoffArgs]`: "Profile CPU" on a runnable-wait line, of the process the trace came from. */
  traceProfileCpu: 'anole.trace.profileCpu',
} as const;

/** The argument of a hand-off from a trace to another stage (its process is the one the trace was captured from). */
export interface TraceHandoffArgs {
  traceId: string;
}

/** The argument of the "Trace" lens: trace the service the CPU profile came from. */
export interface TraceLensArgs {
  profileId: string;
  function: string;
}

/** The argument of the `anole.showStarvationReport` lens command. */
export interface ShowStarvationArgs {
  traceId: string;
  /** The group's start function, to select in the report. */
  function?: string;
}

/** The argument of the `anole.showFlameGraph` lens command. */
export interface ShowFlameGraphArgs {
  profileId: string;
  /** Fully qualified Go function name, e.g. "main.burnCPU". */
  function: string;
}

/**
 * The server's settings: the initialization options the client passes in `initialize`, and again
 * in `workspace/didChangeConfiguration` (see `DidChangeSettingsParams`) whenever they change.
 */
export interface ServerInitOptions {
  /** User path substitutions applied before automatic mapping: profile prefix → local prefix. */
  pathMappings?: { from: string; to: string }[];
  /** Lines below this share of the total are not decorated (percent, default 1). */
  minPercent?: number;
  /** CodeLens only on functions at or above this cum share (percent, default 2). */
  lensMinPercent?: number;
  /** Default flame-graph pruning fraction (default 0.001). */
  flameMinFraction?: number;
  /** Stop the workspace scan for Go files after this many (default 50000). */
  maxScanFiles?: number;
  /** Runtime traces: decorate runnable and blocked lines (default true). */
  traceDecorations?: boolean;
  /** Runtime traces: a CodeLens with each goroutine group's summary (default true). */
  traceCodeLens?: boolean;
  /** Runtime traces: hovers with line details and culprits (default true). */
  traceHovers?: boolean;
  /** Runtime traces: lines waiting less than this in total are not decorated (ms, default 1). */
  traceMinWaitMs?: number;
}

/** The settings section the server reads from `workspace/didChangeConfiguration`. */
export const SettingsSection = 'anole';

/**
 * Params of the standard `workspace/didChangeConfiguration` notification as the server reads
 * them: `settings.anole` carries the same fields as `ServerInitOptions`, as a full snapshot (a
 * field left out takes its default, as at initialization). The server applies it live, without a
 * restart: loaded profiles and their ids stay (open flame graphs keep working), their annotations
 * are rebuilt with the new path mappings and thresholds, and it sends `anole/didChangeAnnotations`
 * (all documents) plus `workspace/codeLens/refresh`. Params without an `anole` object (e.g. the
 * `{ settings: null }` of pull-model clients) change nothing.
 *
 * Any LSP client can send it, e.g. `{"settings": {"anole": {"minPercent": 5, "pathMappings": [...]}}}`.
 */
export interface DidChangeSettingsParams {
  settings: { [SettingsSection]?: ServerInitOptions } | null;
}
