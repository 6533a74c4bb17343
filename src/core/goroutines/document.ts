// Renders a goroutine dump as text (raw, or grouped by identical stacks) and indexes its file:line spans.
import { LocationTable } from './locations';
import { dumpText } from './sniff';
import type { GoroutineGroup } from './types';
import type { GoroutineReport } from './index';

/** A "file:line" in a rendered dump: where the path is on the line, and what it points to. */
export interface DumpLocation {
  /** 0-based line of the document. */
  line: number;
  /** 0-based column where the path starts, and the column just after it (the ':' before the line number). */
  start: number;
  end: number;
  /** The path as printed (absolute, module-relative with -trimpath, or GOROOT-relative). */
  file: string;
  /** 1-based source line it names. */
  sourceLine: number;
}

/** A group's header line in the grouped view ("# 50 goroutines · chan receive · up to 12 minutes"). */
export interface GroupHeader {
  /** 0-based line of the header, and of the group's last line (its stack and creator). */
  line: number;
  endLine: number;
  count: number;
  /** The state as written in the header ("no state in debug=1" when the dump has none). */
  state: string;
  /** The header after the count and state: "up to 12 minutes · 2 locked to thread" ("" if nothing). */
  detail: string;
}

/** A dump rendered for an editor, with the spans a DocumentLinkProvider and an outline need. */
export interface RenderedDump {
  text: string;
  locations: DumpLocation[];
  /** Group headers in order (empty for a raw dump). */
  groups: GroupHeader[];
}

/** What the grouped view says about where a dump came from. */
export interface RenderOptions {
  /** Where the dump came from, one line: "user@host:22 · pid 1234", a file path. */
  source?: string;
  /** When it was captured. */
  capturedAt?: Date;
  /** How long capturing may have paused the process (a debug=2 dump stops the world while written). */
  pauseMs?: number;
  /** Most goroutine ids listed per group (the count is always exact). Default 20. */
  maxIds?: number;
}

/** The dump text as fetched (UTF-8, BOM dropped; binary input throws BAD_DUMP), with its file:line index. */
export function renderRawDump(input: string | Uint8Array): RenderedDump {
  const text = dumpText(input);
  return { text, locations: indexDumpLocations(text), groups: [] };
}

/**
 * The grouped view of an analysed dump: a summary (total, groups, format, source, capture time,
 * pause), then one block per group, biggest first and, among equal counts, longest waiting first:
 * a "# N goroutines · state · up to M minutes" header, the member ids, the stack and its creator,
 * with each location on its own tab-indented "file:line" line as in a debug=2 dump.
 */
export function renderGroupedReport(report: GoroutineReport, options: RenderOptions = {}): RenderedDump {
  const out = new Lines();
  const groups = sortGroups(report.groups);
  const headers: GroupHeader[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

  out.push(`# Anole goroutine report · ${plural(report.total, 'goroutine')} in ${plural(groups.length, 'group')} · ${report.format}`);
  if (report.format === 'debug=1') out.push('# debug=1 carries counts and stacks only: no ids, states or wait times');
  if (options.source) out.push(`# source: ${oneLine(options.source)}`);
  const when: string[] = [];
  if (options.capturedAt) when.push(`captured ${options.capturedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`);
  if (options.pauseMs !== undefined) when.push(`pause ≤ ${formatMs(options.pauseMs)} while the dump was written`);
  if (when.length > 0) out.push(`# ${when.join(' · ')}`);
  for (const w of report.warnings) out.push(`# warning: ${oneLine(w)}`);

  const maxIds = options.maxIds ?? 20;
  for (const g of groups) {
    out.push('');
    const state = g.state || (report.format === 'debug=1' ? 'no state in debug=1' : 'unknown state');
    const detail = groupDetail(g);
    const line = out.push(`# ${plural(g.count, 'goroutine')} · ${state}${detail ? ` · ${detail}` : ''}`);
    if (g.ids.length > 0) {
      const shown = g.ids.slice(0, maxIds).join(' ');
      const more = g.count - Math.min(g.ids.length, maxIds);
      out.push(`#   ids ${shown}${more > 0 ? ` … (+${more} more)` : ''}`);
    }
    for (const f of g.frames) {
      out.push(f.function || '?');
      out.location(f.file, f.line);
    }
    if (g.elided) out.push('...additional frames elided...');
    if (g.createdBy) {
      out.push(`created by ${g.createdBy.function}`);
      out.location(g.createdBy.file, g.createdBy.line);
    }
    headers.push({ line, endLine: out.count - 1, count: g.count, state, detail });
  }
  return { text: out.text(), locations: out.locations, groups: headers };
}

/** Groups biggest first, then longest waiting, then in their given order. */
export function sortGroups(groups: readonly GoroutineGroup[]): GoroutineGroup[] {
  return groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => b.g.count - a.g.count || (b.g.waitMinutes ?? -1) - (a.g.waitMinutes ?? -1) || a.i - b.i)
    .map((x) => x.g);
}

/** "up to 12 minutes · 2 locked to thread · cut off by the end of the dump", or "". */
function groupDetail(g: GoroutineGroup): string {
  const parts: string[] = [];
  if (g.waitMinutes !== null) {
    const unit = g.waitMinutes === 1 ? 'minute' : 'minutes';
    const exact = g.count === 1 || g.minWaitMinutes === g.waitMinutes;
    parts.push(`${exact ? '' : 'up to '}${g.waitMinutes} ${unit}`);
  }
  if (g.lockedToThread > 0) parts.push(`${g.lockedToThread} locked to thread`);
  if (g.truncated) parts.push('cut off by the end of the dump');
  return parts.join(' · ');
}

/**
 * Finds every location line of dump text: debug=2 "\tfile:line +0x1d" lines (also in panics and
 * in the grouped view) and debug=1 "#\t0x..\tfn+0x..\tfile:line" lines. The line number is read
 * as the parser reads it (after the last ':' followed by digits), so paths may hold ':' and spaces.
 */
export function indexDumpLocations(text: string): DumpLocation[] {
  const table = new LocationTable(text, (s) => s);
  const out: DumpLocation[] = [];
  let lineNo = 0;
  for (let at = 0; at <= text.length; lineNo++) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    let end = nl;
    if (end > at && text.charCodeAt(end - 1) === 13) end--;
    let start = -1;
    if (text.charCodeAt(at) === 9) start = at + 1;
    else if (text.charCodeAt(at) === 35 && text.charCodeAt(at + 1) === 9) {
      const tab = text.lastIndexOf('\t', end - 1);
      if (tab > at + 1) start = tab + 1;
    }
    if (start >= 0 && start < end) {
      const loc = table.get(start, end);
      if (loc.ok && loc.file !== '' && loc.line > 0) {
        out.push({ line: lineNo, start: start - at, end: start - at + loc.file.length, file: loc.file, sourceLine: loc.line });
      }
    }
    at = nl + 1;
  }
  return out;
}

/**
 * The group headers of a grouped view's text (for an outline of a document that may have been
 * edited or reopened from disk): each "# N goroutine(s) · state[ · detail]" line and the line
 * before the next header or the end.
 */
export function indexGroupHeaders(text: string): GroupHeader[] {
  const lines = text.split('\n');
  const out: GroupHeader[] = [];
  const re = /^# (\d+) goroutines? · ([^·]*?)(?: · (.*?))?\r?$/;
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]);
    if (!m) continue;
    if (out.length > 0) out[out.length - 1].endLine = lastNonBlank(lines, out[out.length - 1].line, i - 1);
    out.push({ line: i, endLine: i, count: Number(m[1]), state: m[2], detail: m[3] ?? '' });
  }
  if (out.length > 0) out[out.length - 1].endLine = lastNonBlank(lines, out[out.length - 1].line, lines.length - 1);
  return out;
}

function lastNonBlank(lines: readonly string[], from: number, to: number): number {
  while (to > from && lines[to].trim() === '') to--;
  return to;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Text built line by line, remembering where each location's path lands. */
class Lines {
  private readonly lines: string[] = [];
  readonly locations: DumpLocation[] = [];

  get count(): number {
    return this.lines.length;
  }

  /** Appends a line and returns its 0-based number. */
  push(line: string): number {
    this.lines.push(line);
    return this.lines.length - 1;
  }

  /** Appends "\tfile:line", or "\t?" when the dump gave no location. */
  location(file: string, line: number): void {
    if (!file) {
      this.push('\t?');
      return;
    }
    const at = this.push(`\t${file}:${line}`);
    if (line > 0) this.locations.push({ line: at, start: 1, end: 1 + file.length, file, sourceLine: line });
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}
