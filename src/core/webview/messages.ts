// The one message union spoken between the profile webview and the extension, plus validation of
// what the (untrusted) webview sends. Plain data only: loaded by the webview bundle and by mocha.
import type { FlameGraphResult, FlameNode, StarvationResult, TimelineResult, TopTableRow } from '../annotations/protocol';
import type { WebviewStrings } from './strings';

/** A flame node as the webview sees it; in a diff `value`/`self` are new − base and `base` the base value. */
export type ViewFlameNode = FlameNode;

/** A flame graph as the webview receives it. */
export interface ViewFlameGraph extends FlameGraphResult {
  /** Set for a diff (value = new − base). */
  baseId?: string;
}

/** How the top table groups rows. */
export type TopBy = 'function' | 'line';

/** The top table as the webview receives it. */
export interface ViewTopTable {
  by: TopBy;
  total: number;
  rows: TopTableRow[];
}

/** Which tab the view shows. */
export type ProfileTab = 'flame' | 'top';

/** Extension → webview. */
export type HostToWebview =
  | {
      type: 'init';
      title: string;
      tab: ProfileTab;
      diff: boolean;
      /** Sample types the user may switch to (the current one first); empty hides the picker. */
      sampleTypes: string[];
      /** The page's strings in the display language (see strings.ts); English where absent. */
      strings?: Partial<WebviewStrings>;
    }
  /** `preferTimeline`: the trace is still being read and its timeline fills first (the page opens on it). */
  | { type: 'loading'; message: string; preferTimeline?: boolean }
  | { type: 'data'; flame?: ViewFlameGraph; top?: ViewTopTable }
  | { type: 'focus'; function: string }
  /** The starvation report page (media/src/starvation.ts): the report of a loaded trace; `focus` selects a group. */
  | {
      type: 'starvation'; title: string; report: StarvationResult['report']; focus?: string; strings?: Partial<WebviewStrings>;
      /** The process the trace was captured from ("host · pid 42"): the hand-off buttons show when it is known. */
      target?: string;
    }
  /** The trace report's Timeline tab: the answer to the page's `timeline` request number `seq`. */
  | { type: 'timeline'; seq: number; data: TimelineResult }
  | { type: 'showTab'; tab: ProfileTab }
  | { type: 'error'; message: string };

/** Webview → extension. */
export type WebviewToHost =
  /** `bootMs`: ms from the page's navigation start to its script running (the first-paint log says it). */
  | { type: 'ready'; bootMs?: number }
  | { type: 'openSource'; file: string; line: number; function?: string; localUri?: string }
  | { type: 'setSampleType'; sampleType: string }
  | { type: 'setTopBy'; by: TopBy }
  /**
   * The Timeline tab asks for the spans of a window (ns from the trace start) drawn `widthPx` wide, with the group
   * lanes `expand` ("g3") expanded to one lane per goroutine.
   */
  | { type: 'timeline'; seq: number; fromNs: number; toNs: number; widthPx: number; expand?: string[] }
  /** The report's hand-off buttons: the next stage on the process the trace came from. */
  | { type: 'handoff'; action: HandoffAction }
  | { type: 'error'; message: string };

/** What the report hands a traced process over to. */
export const HANDOFF_ACTIONS = ['dumpGoroutines', 'attachDebugger', 'profileCpu'] as const;
export type HandoffAction = (typeof HANDOFF_ACTIONS)[number];

/** Most group lanes the Timeline tab may ask expanded at once, and what their ids look like. */
const MAX_EXPANDED = 100;
const GROUP_LANE = /^g\d{1,9}$/;

/** Longest string field accepted from the webview. */
export const MAX_FIELD_LENGTH = 4096;

function isStr(v: unknown, allowEmpty = false): v is string {
  return typeof v === 'string' && v.length <= MAX_FIELD_LENGTH && (allowEmpty || v.length > 0);
}

function optStr(v: unknown): v is string | undefined {
  return v === undefined || isStr(v);
}

/**
 * Checks a message from the webview: known discriminant, field types and bounds, no extra
 * trust. Returns a fresh object holding only the known fields, or undefined when invalid.
 */
export function parseWebviewMessage(raw: unknown): WebviewToHost | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready': {
      const { bootMs } = m;
      return typeof bootMs === 'number' && Number.isFinite(bootMs) && bootMs >= 0 && bootMs < 1e7 ? { type: 'ready', bootMs } : { type: 'ready' };
    }
    case 'openSource': {
      const { file, line } = m;
      if (!isStr(file) || !optStr(m.function) || !optStr(m.localUri)) return undefined;
      if (typeof line !== 'number' || !Number.isInteger(line) || line < 0 || line > 10_000_000) return undefined;
      const out: WebviewToHost = { type: 'openSource', file, line };
      if (m.function !== undefined) out.function = m.function as string;
      if (m.localUri !== undefined) out.localUri = m.localUri as string;
      return out;
    }
    case 'setSampleType':
      return isStr(m.sampleType) && m.sampleType.length <= 200 ? { type: 'setSampleType', sampleType: m.sampleType } : undefined;
    case 'setTopBy':
      return m.by === 'function' || m.by === 'line' ? { type: 'setTopBy', by: m.by } : undefined;
    case 'timeline': {
      const { seq, fromNs, toNs, widthPx } = m;
      const ns = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e15;
      if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > Number.MAX_SAFE_INTEGER) return undefined;
      if (!ns(fromNs) || !ns(toNs) || toNs <= fromNs) return undefined;
      if (typeof widthPx !== 'number' || !Number.isInteger(widthPx) || widthPx < 1 || widthPx > 20000) return undefined;
      const { expand } = m;
      if (expand === undefined) return { type: 'timeline', seq, fromNs, toNs, widthPx };
      if (!Array.isArray(expand) || expand.length > MAX_EXPANDED || !expand.every((l) => typeof l === 'string' && GROUP_LANE.test(l))) return undefined;
      return { type: 'timeline', seq, fromNs, toNs, widthPx, expand: [...expand] as string[] };
    }
    case 'handoff':
      return HANDOFF_ACTIONS.includes(m.action as HandoffAction) ? { type: 'handoff', action: m.action as HandoffAction } : undefined;
    case 'error':
      return isStr(m.message, true) ? { type: 'error', message: m.message } : undefined;
    default:
      return undefined;
  }
}

/** Sample types of the same family as `current` (pprof's usual sets), current first. */
export function sampleTypeChoices(current: string): string[] {
  const families = [
    ['samples', 'cpu'],
    ['inuse_space', 'inuse_objects', 'alloc_space', 'alloc_objects'],
    ['contentions', 'delay'],
  ];
  const family = families.find((f) => f.includes(current));
  return family ? [current, ...family.filter((t) => t !== current)] : [current];
}
