// Answers of the server's requests from loaded runtime traces, in LSP shapes (0-based lines): decorations, lenses, hovers, the report.
import type { CodeLens } from 'vscode-languageserver';
import {
  Commands, type LineAnnotation, type ShowStarvationArgs, type StarvationResult, type TraceHandoffArgs, type TraceLensArgs, type TraceLineNote,
} from '../core/annotations';
import { funcLineOf, type TextSource } from './features';
import { findFuncLine } from './funcLine';
import type { TraceSettings } from './settings';
import type { ProfileStore } from './store';
import type { TraceEntry, TraceStore } from './traceStore';
import { pathToUri } from './uri';

function toLsp(n: TraceLineNote): LineAnnotation {
  return { line: n.line - 1, weight: n.weight, label: n.label, detail: n.detail, flat: n.ns, cum: n.ns };
}

/** The runnable and blocked lines of one local file from the annotating trace. */
export function traceDecorations(store: TraceStore, file: string | undefined, s: TraceSettings): { runnable: LineAnnotation[]; blocked: LineAnnotation[] } {
  const out = { runnable: [] as LineAnnotation[], blocked: [] as LineAnnotation[] };
  if (!file || !s.decorations) return out;
  for (const e of store.annotating()) {
    const n = e.notes.files.get(file);
    if (!n) continue;
    out.runnable.push(...n.runnable.map(toLsp));
    out.blocked.push(...n.blocked.map(toLsp));
  }
  return out;
}

/** Where a group's lenses go in a file: its `go` statement line and its start function's `func` line (1-based). */
function groupLines(g: TraceEntry['notes']['groups'][number], file: string, text: TextSource): number[] {
  const lines: number[] = [];
  if (g.createdAt?.local === file) lines.push(g.createdAt.line);
  if (g.startIn?.local === file) {
    const src = text(file);
    const at = src ? findFuncLine(src, g.group.function, g.startIn.nearLine) : 0;
    if (at > 0 && !lines.includes(at)) lines.push(at);
  }
  return lines;
}

/** One lens per goroutine group at its `go` statement and its start function, opening the starvation report. */
export function traceLenses(store: TraceStore, file: string | undefined, text: TextSource, s: TraceSettings): CodeLens[] {
  if (!file || !s.codeLens) return [];
  const out: CodeLens[] = [];
  for (const e of store.annotating()) {
    for (const g of e.notes.groups) {
      for (const line of groupLines(g, file, text)) {
        const arg: ShowStarvationArgs = { traceId: e.id, function: g.group.function };
        out.push({
          range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } },
          command: { title: g.lens, command: Commands.showStarvation, arguments: [arg] },
        });
      }
    }
    // On each runnable-wait line: profile the traced process's CPU, to see what the culprits run.
    const arg: TraceHandoffArgs = { traceId: e.id };
    for (const n of e.notes.files.get(file)?.runnable ?? []) {
      out.push({
        range: { start: { line: n.line - 1, character: 0 }, end: { line: n.line - 1, character: 0 } },
        command: { title: 'Profile CPU', command: Commands.traceProfileCpu, arguments: [arg] },
      });
    }
  }
  return out;
}

/** "Trace" next to each hot function's CPU lens: the hand-off from stage 1 to a runtime trace of the same service. */
export function traceHandoffLenses(profiles: ProfileStore, file: string | undefined, text: TextSource, s: TraceSettings): CodeLens[] {
  if (!file || !s.codeLens) return [];
  const out: CodeLens[] = [];
  for (const e of profiles.annotating()) {
    if (e.kind !== 'cpu') continue;
    for (const fn of e.annotations.functions) {
      if (!fn.showLens || fn.local !== file) continue;
      const line = funcLineOf(fn, text);
      if (line <= 0) continue;
      const arg: TraceLensArgs = { profileId: e.id, function: fn.name };
      out.push({
        range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } },
        command: { title: 'Trace', command: Commands.traceRemoteService, arguments: [arg] },
      });
    }
  }
  return out;
}

/** Hover parts for a line: its runnable/blocked details (with culprits) and the summary of groups starting there. */
export function traceHoverParts(store: TraceStore, file: string | undefined, line0: number, text: TextSource, s: TraceSettings): string[] {
  if (!file || !s.hovers) return [];
  const line = line0 + 1;
  const parts: string[] = [];
  for (const e of store.annotating()) {
    const header = `*${e.label}* (trace) — `;
    const n = e.notes.files.get(file);
    if (n) for (const x of [...n.runnable, ...n.blocked]) if (x.line === line) parts.push(header + x.detail);
    for (const g of e.notes.groups) if (groupLines(g, file, text).includes(line)) parts.push(header + g.detail);
  }
  return parts;
}

/** `anole/starvation`: the report with each row's workspace file. */
export function starvation(e: TraceEntry, map: (file: string) => string | null): StarvationResult {
  const uri = (file: string | undefined): string | undefined => {
    const local = file ? map(file) : null;
    return local ? pathToUri(local) : undefined;
  };
  const byFn = new Map(e.notes.groups.map((g) => [g.group, g]));
  const r = e.report;
  return {
    id: e.id,
    report: {
      ...r,
      groups: r.groups.map((g) => {
        const n = byFn.get(g);
        const at = n?.createdAt ?? (n?.startIn ? { local: n.startIn.local, line: n.startIn.nearLine } : undefined);
        return at ? { ...g, localUri: pathToUri(at.local), localLine: at.line } : { ...g };
      }),
      lines: r.lines.map((l) => {
        const u = uri(l.file);
        return u ? { ...l, localUri: u } : { ...l };
      }),
    },
  };
}
