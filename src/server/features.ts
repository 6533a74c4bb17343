// Answers of the server's requests, computed from the profile store and converted to LSP shapes (0-based lines).
import type { CodeLens, Hover } from 'vscode-languageserver';
import {
  Commands,
  type DecorationsResult,
  type FlameGraphParams,
  type FlameGraphResult,
  type FunctionNote,
  type LineAnnotation,
  type LineNote,
  type ShowFlameGraphArgs,
  type TopParams,
  type TopResultMessage,
  functionMarkdown,
} from '../core/annotations';
import { diff, top } from '../core/pprof';
import { diffFlameGraph, flameGraph } from '../core/pprof/flame';
import { findFuncLine } from './funcLine';
import { type ProfileEntry, type ProfileStore } from './store';
import { pathToUri } from './uri';

/** Reads a local file's current text (the open document's, else the disk's); undefined if unreadable. */
export type TextSource = (path: string) => string | undefined;

function toLsp(n: LineNote): LineAnnotation {
  return { line: n.line - 1, weight: n.weight, label: n.label, detail: n.detail, flat: n.flat, cum: n.cum };
}

/** Every annotation of one local file, from all loaded profiles. */
export function decorations(store: ProfileStore, uri: string, file: string | undefined): DecorationsResult {
  const out: DecorationsResult = { uri, hot: [], lockHold: [], blockWait: [] };
  if (!file) return out;
  for (const e of store.annotating()) {
    const notes = e.annotations.files.get(file);
    if (!notes) continue;
    out.hot.push(...notes.hot.map(toLsp));
    out.lockHold.push(...notes.lockHold.map(toLsp));
    out.blockWait.push(...notes.blockWait.map(toLsp));
  }
  return out;
}

/** The 1-based `func` line of a function in its local file (the profile's start line, else a search). */
export function funcLineOf(fn: FunctionNote, text: TextSource): number {
  if (fn.startLine > 0) return fn.startLine;
  const src = text(fn.local);
  return src ? findFuncLine(src, fn.name, fn.firstLine) : 0;
}

/** One lens per annotated function of the file, at its `func` line; the command opens its flame graph. */
export function codeLenses(store: ProfileStore, file: string | undefined, text: TextSource): CodeLens[] {
  if (!file) return [];
  const lenses: CodeLens[] = [];
  for (const e of store.annotating()) {
    for (const fn of e.annotations.functions) {
      if (!fn.showLens || fn.local !== file) continue;
      const line = funcLineOf(fn, text);
      if (line <= 0) continue;
      const arg: ShowFlameGraphArgs = { profileId: e.id, function: fn.name };
      lenses.push({
        range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } },
        command: { title: fn.lens, command: Commands.showFlameGraph, arguments: [arg] },
      });
    }
  }
  return lenses;
}

/** Markdown for a line: the line's figures from every profile, then the enclosing function's summary. */
export function hover(store: ProfileStore, file: string | undefined, line0: number, text: TextSource): Hover | null {
  if (!file) return null;
  const line = line0 + 1;
  const parts: string[] = [];
  for (const e of store.annotating()) {
    const a = e.annotations;
    const notes = a.files.get(file);
    const header = `*${e.label}* (${e.kind}) — `;
    if (notes) for (const n of [...notes.hot, ...notes.lockHold, ...notes.blockWait]) if (n.line === line) parts.push(header + n.detail);
    const fn = enclosing(e, file, line, text);
    if (fn) parts.push(functionMarkdown(fn, a.sampleType.unit, header));
  }
  if (parts.length === 0) return null;
  return { contents: { kind: 'markdown', value: parts.join('\n\n---\n\n') } };
}

/** The function of this profile whose lines (from its `func` line to the last line seen) hold `line`. */
function enclosing(e: ProfileEntry, file: string, line: number, text: TextSource): FunctionNote | undefined {
  let best: FunctionNote | undefined;
  let bestSpan = Infinity;
  for (const fn of e.annotations.functions) {
    if (fn.local !== file) continue;
    const start = funcLineOf(fn, text) || fn.firstLine;
    if (line < start || line > Math.max(fn.lastLine, start)) continue;
    const span = fn.lastLine - start;
    if (span < bestSpan) {
      best = fn;
      bestSpan = span;
    }
  }
  return best;
}

/**
 * `anole/top`: the CLI's top rows plus the workspace file each maps to; with a `base`, the CLI's
 * diff rows (flat/cum are new − base, percentages of the new total).
 */
export function topRows(entry: ProfileEntry, p: TopParams, map: (file: string) => string | null, base?: ProfileEntry): TopResultMessage {
  const opts = { by: p.by ?? 'function', sampleType: p.sampleType ?? entry.sampleType, limit: p.limit ?? 50 };
  const withUri = <R extends { file: string }>(row: R): R & { localUri?: string } => {
    const local = row.file ? map(row.file) : null;
    return local ? { ...row, localUri: pathToUri(local) } : { ...row };
  };
  if (base) {
    const d = diff(base.profile, entry.profile, { ...opts, normalize: p.normalize });
    const t = Math.abs(d.nextTotal);
    return {
      id: entry.id,
      sampleType: { type: d.sampleType.type, unit: d.sampleType.unit },
      total: d.nextTotal,
      baseTotal: d.baseTotal,
      rows: d.rows.map((r) => withUri({
        function: r.function, file: r.file, line: r.line,
        flat: r.deltaFlat, cum: r.deltaCum,
        flatPercent: t > 0 ? (100 * r.deltaFlat) / t : 0, cumPercent: t > 0 ? (100 * r.deltaCum) / t : 0,
        baseFlat: r.baseFlat, baseCum: r.baseCum,
      })),
    };
  }
  const r = top(entry.profile, opts);
  return {
    id: entry.id,
    sampleType: { type: r.sampleType.type, unit: r.sampleType.unit },
    total: r.total,
    rows: r.rows.map(withUri),
  };
}

/** `anole/flameGraph`: the call tree of one profile, or the diff against a base profile. */
export function flame(entry: ProfileEntry, p: FlameGraphParams, base: ProfileEntry | undefined, defaultFraction?: number): FlameGraphResult {
  const opts = { sampleType: p.sampleType ?? entry.sampleType, minFraction: p.minFraction ?? defaultFraction };
  const g = base ? diffFlameGraph(base.profile, entry.profile, { ...opts, normalize: p.normalize }) : flameGraph(entry.profile, opts);
  const result: FlameGraphResult = { id: entry.id, sampleType: { type: g.sampleType.type, unit: g.sampleType.unit }, total: g.total, root: g.root };
  if (g.baseTotal !== undefined) result.baseTotal = g.baseTotal;
  return result;
}
