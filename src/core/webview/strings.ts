// The profile webview's user-visible strings: English defaults here, translated by the extension
// (vscode.l10n) and sent in the `init` message; the page never loads a bundle itself.

/** Every string the profile page shows, in English; `{0}`… are filled in by {@link fmt}. */
export const WEBVIEW_STRINGS = {
  flameTab: 'Flame graph',
  topTab: 'Top',
  sampleType: 'Sample type',
  search: 'Search functions…',
  resetZoom: 'Reset zoom',
  zoomPath: 'Zoom path',
  byFunction: 'By function',
  byLine: 'By line',
  all: 'all',
  allTotal: 'all ({0})',
  oneMatch: '1 match · {0} of total',
  matches: '{0} matches · {1} of total',
  flameOf: 'Flame graph of {0}',
  diffValue: 'Δ {0} (base {1} → {2})',
  value: '{0} · {1} of total',
  self: 'self {0} · {1}',
  clickZoomOpen: 'Click to zoom · Ctrl/Cmd+click to open source',
  clickZoom: 'Click to zoom',
  colFlat: 'Flat',
  colFlatPercent: 'Flat %',
  colCum: 'Cum',
  colCumPercent: 'Cum %',
  colFunction: 'Function',
  colLocation: 'Location',
  rowsShown: 'showing {0} of {1} rows',
  rows: '{0} rows',
  openSource: 'Open source',
  openSourceMaybe: 'Open source (if the file is in the workspace)',
  starvationTab: 'Starvation',
  timelineTab: 'Timeline',
  tlHelp: 'Wheel or +/− zoom · drag or ←/→ pan · 0 resets · click a span to open its source · click a group (or Space, →/←) to show or hide its goroutines',
  tlLoading: 'Loading the timeline…',
  tlGoroutine: 'goroutine {0}',
  tlMerged: '{0} spans merged · busy {1}',
  tlCounts: 'running {0} · runnable {1} · blocked {2}',
  tlGc: 'GC mark phase',
  tlStw: 'stop-the-world',
  tlGroupTitle: '{0} ({1}) · {2} goroutines · click, Space or →/← shows or hides one lane per goroutine',
  tlMore: '+{0} more goroutines in this window (lanes for the first {1} by id; zoom in to narrow)',
  tlRunning: 'running {0}',
  tlRunnable: 'runnable',
  tlBlocked: 'blocked',
  tlWindow: '{0} – {1} ({2} shown)',
  tlReading: 'loading the trace… {0}% read',
  handoffOn: 'Traced process: {0}',
  handoffDump: 'Dump goroutines',
  handoffAttach: 'Attach debugger',
  handoffProfile: 'Profile CPU',
  histTitle: 'Runnable waits by duration (log scale)',
} as const;

/** A string id of the page. */
export type WebviewStringId = keyof typeof WEBVIEW_STRINGS;
/** The page's strings, one per id. */
export type WebviewStrings = Record<WebviewStringId, string>;

/** Fills `{0}`, `{1}`… of `template` with `args`. */
export function fmt(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));
}

function placeholders(s: string): string {
  return [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort().join();
}

/**
 * The strings the page uses: the host's translations where they are strings with the same
 * placeholders as the English text, English otherwise (a bad translation never breaks the page).
 */
export function mergeStrings(raw: unknown): WebviewStrings {
  const out: WebviewStrings = { ...WEBVIEW_STRINGS };
  if (typeof raw !== 'object' || raw === null) return out;
  const given = raw as Record<string, unknown>;
  for (const id of Object.keys(WEBVIEW_STRINGS) as WebviewStringId[]) {
    const v = given[id];
    if (typeof v === 'string' && v !== '' && v.length <= 500 && placeholders(v) === placeholders(WEBVIEW_STRINGS[id])) out[id] = v;
  }
  return out;
}
