// Source annotations from a goroutine starvation report: runnable (resume) and blocked lines per local file, group summaries.
import type { BlockKind, GroupReport, LineReport, StarvationReport } from '../trace';
import type { PathResolver } from './model';
import { formatCount, formatDuration } from './units';

/** How a trace annotates (the `anole.trace.*` settings). */
export interface TraceNoteOptions {
  mapper: PathResolver;
  /** Lines whose total wait is below this are left out (ms, default 1). */
  minWaitMs?: number;
}

/** One annotated line of a trace (1-based `line`). */
export interface TraceLineNote {
  line: number;
  /** 0..1, relative to the longest line of the same category (runnable or blocked) in the trace. */
  weight: number;
  label: string;
  /** Markdown for hovers. */
  detail: string;
  /** Total wait on the line, ns. */
  ns: number;
}

/** The trace notes of one local file. */
export interface TraceFileNotes {
  runnable: TraceLineNote[];
  blocked: TraceLineNote[];
}

/** A goroutine group whose lens goes to a local file: at its `go` statement, or at its start function. */
export interface GroupNote {
  group: GroupReport;
  /** Lens title, e.g. "4 goroutines · running 1.12s · runnable 76% · blocked on sync 1.76s". */
  lens: string;
  /** Markdown for hovers on the lens lines. */
  detail: string;
  /** Local file and 1-based line of the `go` statement, when the trace recorded it and it maps. */
  createdAt?: { local: string; line: number };
  /** Local file of the start function and a line inside it (to find its `func` line). */
  startIn?: { local: string; nearLine: number };
}

/** Everything a trace annotates. */
export interface TraceAnnotations {
  files: Map<string, TraceFileNotes>;
  groups: GroupNote[];
  /** Recorded files with a note that mapped to a workspace file. */
  mappedFiles: number;
  /** Recorded files (not the Go tree, not the module cache) that matched no workspace file. */
  unmappedFiles: string[];
}

const REASON: Record<BlockKind, string> = {
  chan: 'chan', select: 'select', sync: 'sync', net: 'network', sleep: 'sleep', syscall: 'syscall', gc: 'GC', other: 'other',
};

/** "1 goroutine" / "4 goroutines". */
function goroutines(n: number): string {
  return `${formatCount(n)} goroutine${n === 1 ? '' : 's'}`;
}

/** The reason a group spent most blocked time on, or undefined when it never blocked. */
function topBlocked(g: GroupReport): { kind: BlockKind; ns: number } | undefined {
  let best: { kind: BlockKind; ns: number } | undefined;
  for (const [kind, ns] of Object.entries(g.blockedNs) as Array<[BlockKind, number]>) if (ns > 0 && (!best || ns > best.ns)) best = { kind, ns };
  return best;
}

/** The group summary a lens shows. */
export function groupLens(g: GroupReport): string {
  const parts = [goroutines(g.count), `running ${formatDuration(g.runningNs)}`, `runnable ${Math.round(g.runnableShare * 100)}%`];
  const b = topBlocked(g);
  if (b) parts.push(`blocked on ${REASON[b.kind]} ${formatDuration(b.ns)}`);
  return parts.join(' · ');
}

/** Markdown details of a group (for hovers). */
export function groupMarkdown(g: GroupReport): string {
  const created = g.created ? ` started at \`${g.created.function}\` (${g.created.file.split('/').pop()}:${g.created.line})` : '';
  const blocked = (Object.entries(g.blockedNs) as Array<[BlockKind, number]>)
    .filter(([, ns]) => ns > 0).sort((a, b) => b[1] - a[1])
    .map(([k, ns]) => `${REASON[k]} ${formatDuration(ns)}`).join(', ');
  return [
    `**${goroutines(g.count)} of \`${g.function}\`**${created}`,
    `running ${formatDuration(g.runningNs)} · runnable ${formatDuration(g.runnableNs)} (${Math.round(g.runnableShare * 100)}% of runnable + running)`,
    `runnable waits: ${formatCount(g.runnableCount)}, p50 ${formatDuration(g.runnableP50Ns)}, p90 ${formatDuration(g.runnableP90Ns)}, ` +
      `p99 ${formatDuration(g.runnableP99Ns)}, max ${formatDuration(g.runnableMaxNs)}`,
    ...(blocked ? [`blocked: ${blocked}`] : []),
    ...(g.culpritShare > 0 ? [`held a P in ${Math.round(g.culpritShare * 100)}% of the samples taken while goroutines waited runnable`] : []),
  ].join('  \n');
}

/** Who held the Ps while goroutines waited runnable, and whether all Ps were busy. */
export function culpritsMarkdown(r: StarvationReport): string {
  const s = r.saturation;
  if (!s || s.samples === 0) return '';
  const pct = (n: number): string => `${Math.round((100 * n) / s.samples)}%`;
  const top = [...r.groups].filter((g) => g.culpritShare > 0).sort((a, b) => b.culpritShare - a.culpritShare).slice(0, 3);
  const lines = [
    `While goroutines waited runnable (${formatCount(s.samples)} samples, 1 ms apart), all ${r.gomaxprocs} Ps were busy in ${pct(s.allPsBusy)}` +
      ` (saturation) and some P was idle in ${pct(s.somePIdle)} (wake-up delay).`,
  ];
  if (top.length > 0) lines.push(`Ps were held by: ${top.map((g) => `\`${g.function}\` ${Math.round(g.culpritShare * 100)}%`).join(', ')}`);
  return lines.join('  \n');
}

/** Builds the notes of a report: lines mapped through `mapper`, weights, labels, hover details, groups. */
export function buildTraceNotes(r: StarvationReport, opts: TraceNoteOptions): TraceAnnotations {
  const minNs = (opts.minWaitMs ?? 1) * 1e6;
  const mapped = new Set<string>();
  const unmapped = new Set<string>();
  const local = (file: string): string | null => {
    if (!file) return null;
    const m = opts.mapper.explain(file);
    if (m.local) mapped.add(file);
    else if (m.reason !== 'stdlib' && m.reason !== 'modcache') unmapped.add(file);
    return m.local;
  };

  // Runnable lines as they are; blocked lines merged per site over their reasons.
  const runnable: Array<{ local: string; l: LineReport }> = [];
  const blocked = new Map<string, { local: string; line: number; fn: string; parts: LineReport[]; ns: number }>();
  for (const l of r.lines) {
    if (l.ns < minNs) continue;
    const loc = local(l.file);
    if (!loc) continue;
    if (l.kind === 'runnable') {
      runnable.push({ local: loc, l });
      continue;
    }
    const key = `${loc}\u0000${l.line}`;
    let b = blocked.get(key);
    if (!b) blocked.set(key, (b = { local: loc, line: l.line, fn: l.function, parts: [], ns: 0 }));
    b.parts.push(l);
    b.ns += l.ns;
  }

  const files = new Map<string, TraceFileNotes>();
  const notesOf = (f: string): TraceFileNotes => {
    let n = files.get(f);
    if (!n) files.set(f, (n = { runnable: [], blocked: [] }));
    return n;
  };
  const culprits = culpritsMarkdown(r);
  const maxRun = Math.max(0, ...runnable.map((x) => x.l.ns));
  for (const { local: f, l } of runnable) {
    notesOf(f).runnable.push({
      line: l.line,
      weight: maxRun > 0 ? l.ns / maxRun : 0,
      ns: l.ns,
      label: `runnable ${formatDuration(l.ns)} · ${formatCount(l.count)}× · max ${formatDuration(l.maxNs)}`,
      detail:
        `**Runnable ${formatDuration(l.ns)}** when \`${l.function}\` resumed here: ${formatCount(l.count)} waits for a P, ` +
        `max ${formatDuration(l.maxNs)}. The goroutine was ready to run but not running.` + (culprits ? `\n\n${culprits}` : ''),
    });
  }
  const maxBlk = Math.max(0, ...[...blocked.values()].map((b) => b.ns));
  for (const b of blocked.values()) {
    const parts = b.parts.sort((x, y) => y.ns - x.ns);
    notesOf(b.local).blocked.push({
      line: b.line,
      weight: maxBlk > 0 ? b.ns / maxBlk : 0,
      ns: b.ns,
      label: `blocked on ${parts.map((p) => `${REASON[p.kind as BlockKind]} ${formatDuration(p.ns)}`).join(', ')}`,
      detail: parts
        .map((p) => `**Blocked on ${REASON[p.kind as BlockKind]} ${formatDuration(p.ns)}** in \`${b.fn}\`: ${formatCount(p.count)} waits, max ${formatDuration(p.maxNs)}`)
        .join('  \n'),
    });
  }
  for (const n of files.values()) {
    n.runnable.sort((a, b) => a.line - b.line);
    n.blocked.sort((a, b) => a.line - b.line);
  }

  const groups: GroupNote[] = [];
  for (const g of r.groups) {
    const note: GroupNote = { group: g, lens: groupLens(g), detail: groupMarkdown(g) };
    const c = g.created ? local(g.created.file) : null;
    if (c && g.created) note.createdAt = { local: c, line: g.created.line };
    const inside = r.lines.find((l) => l.function === g.function);
    const s = inside ? local(inside.file) : null;
    if (s && inside) note.startIn = { local: s, nearLine: inside.line };
    if (note.createdAt || note.startIn) groups.push(note);
  }
  return { files, groups, mappedFiles: mapped.size, unmappedFiles: [...unmapped].sort() };
}
