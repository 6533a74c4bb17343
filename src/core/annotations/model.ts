// The annotations model: per local file, line heat / lock-hold / block-wait and per-function lens entries.
import { percent } from '../pprof/analyze';
import { frameIndex } from '../pprof/frames';
import { buildHotspotIndex } from '../pprof/hotspots';
import { emptyProfileReason, lockSites } from '../pprof/locks';
import { type Profile } from '../pprof/profile';
import { type SampleTypeChoice, selectSampleType } from '../pprof/sampleType';
import type { PathMapping } from '../pathmap/mapper';
import { type CallEdge, callGraph } from './callGraph';
import { type AnnotationKind } from './protocol';
import { describeValue, formatPercent, formatValue } from './units';

/** Where annotation lines go: hot (cpu/heap/allocs/goroutine), lock-hold (mutex), block-wait (block). */
export type NoteCategory = 'hot' | 'lockHold' | 'blockWait';

/** One annotated source line (1-based `line`). */
export interface LineNote {
  line: number;
  /** 0..1, relative to the heaviest line of the profile. */
  weight: number;
  label: string;
  /** Markdown for hovers. */
  detail: string;
  flat: number;
  cum: number;
  /** Functions recorded at this line. */
  functions: string[];
}

/** A caller or callee with its share of the total. */
export interface Neighbor extends CallEdge {
  percent: number;
}

/** A function of a workspace file, with its lens title and neighbours. */
export interface FunctionNote {
  name: string;
  /** The local file (as the path mapper returned it). */
  local: string;
  /** The `func` line as the profile records it (1-based; 0 when the profile does not say). */
  startLine: number;
  /** First and last line the profile saw in it (a fallback range when `startLine` is 0). */
  firstLine: number;
  lastLine: number;
  flat: number;
  cum: number;
  flatPercent: number;
  cumPercent: number;
  /** CodeLens title, e.g. "CPU 37.2% flat · 41.0% cum" or "lock-hold 4.2s · 86%". */
  lens: string;
  /** True if the function reaches the lens threshold. */
  showLens: boolean;
  callers: Neighbor[];
  callees: Neighbor[];
}

/** The notes of one local file. */
export interface FileNotes {
  hot: LineNote[];
  lockHold: LineNote[];
  blockWait: LineNote[];
}

/** Everything annotated from one profile. */
export interface ProfileAnnotations {
  kind: AnnotationKind;
  category: NoteCategory;
  sampleType: SampleTypeChoice;
  total: number;
  /** Local file → notes. */
  files: Map<string, FileNotes>;
  functions: FunctionNote[];
  /** Recorded files (with weight) that mapped to a workspace file. */
  mappedFiles: number;
  /** Recorded files (not stdlib, not module cache) that matched no workspace file, or several. */
  unmappedFiles: string[];
  warnings: string[];
}

/** Maps recorded paths; {@link PathMapper} implements it. */
export interface PathResolver {
  explain(profilePath: string): PathMapping;
}

/** Options for {@link buildAnnotations}. */
export interface AnnotateOptions {
  kind: AnnotationKind;
  mapper: PathResolver;
  /** Sample type name (default: the profile's default; 'delay' for mutex and block). */
  sampleType?: string;
  /** Lines below this share of the total are left out (percent, default 1). */
  minPercent?: number;
  /** Functions below this cum share get no lens (percent, default 2). */
  lensMinPercent?: number;
  /** Callers/callees kept per function (default 5). */
  neighbors?: number;
}

/** The category lines of a kind go to. */
export function categoryOf(kind: AnnotationKind): NoteCategory {
  return kind === 'mutex' ? 'lockHold' : kind === 'block' ? 'blockWait' : 'hot';
}

const TITLES: Partial<Record<AnnotationKind, string>> = { cpu: 'CPU', heap: 'Heap', allocs: 'Allocations', goroutine: 'Goroutines' };

/**
 * Builds the annotations of a profile for the workspace files the mapper finds. Hot kinds weigh
 * lines by flat value (relative to the profile's heaviest line) and keep lines whose flat or cum
 * reaches `minPercent`; mutex and block profiles charge delay to the user-code line as
 * {@link lockSites} does (the unlock for mutex, the wait for block).
 */
export function buildAnnotations(profile: Profile, opts: AnnotateOptions): ProfileAnnotations {
  const kind = opts.kind;
  const category = categoryOf(kind);
  const lock = category !== 'hot';
  const sampleType = selectSampleType(profile, opts.sampleType ?? (lock ? 'delay' : undefined));
  const warnings: string[] = [];
  const empty = emptyProfileReason(profile, kind);
  if (empty) warnings.push(empty);
  const b: Build = {
    profile, opts, kind, category, sampleType,
    minPercent: opts.minPercent ?? 1,
    what: (v: number) => describeValue(v, sampleType.type, sampleType.unit),
    lines: functionLines(profile),
    ...fileMapping(opts.mapper),
  };
  const { total, funcValue } = lock ? lockNotes(b) : hotNotes(b);
  for (const n of b.files.values()) for (const list of [n.hot, n.lockHold, n.blockWait]) list.sort((x, y) => x.line - y.line);
  const functions = functionNotes(b, total, funcValue);
  const mappedFiles = [...b.mapped.values()].filter((l) => l !== null).length;
  const unmappedWarning = mappingWarning(mappedFiles, b.unmapped);
  if (unmappedWarning) warnings.push(unmappedWarning);
  return { kind, category, sampleType, total, files: b.files, functions, mappedFiles, unmappedFiles: [...b.unmapped].sort(), warnings };
}

/** Phase 4: what to tell the user when no profile file maps to a workspace file. */
function mappingWarning(mappedFiles: number, unmapped: Set<string>): string | undefined {
  if (mappedFiles > 0 || unmapped.size === 0) return undefined;
  return `none of the profile's source files matched a workspace file (e.g. ${[...unmapped][0]}); ` +
    'open the service source as a workspace folder or add a path mapping';
}

/** Profile files mapped to local ones (once each), and the notes of each local file. */
interface FileMapping {
  /** Profile file → local file, or null when it maps to none. */
  mapped: Map<string, string | null>;
  /** Profile files that should have mapped (not stdlib, not the module cache) but did not. */
  unmapped: Set<string>;
  files: Map<string, FileNotes>;
  /** The local file of a profile file, or null. */
  mapFile(file: string): string | null;
  /** The notes of a local file, created on first use. */
  notesOf(local: string): FileNotes;
}

/** What the phases of buildAnnotations share. */
interface Build extends FileMapping {
  profile: Profile;
  opts: AnnotateOptions;
  kind: AnnotationKind;
  category: NoteCategory;
  sampleType: SampleTypeChoice;
  minPercent: number;
  /** A value described for the sample type ("alloc 1.2 MB"). */
  what(v: number): string;
  lines: FunctionLines;
}

/** Per-function values: flat/cum for hot kinds, summed lock-site delay for lock kinds. */
type FunctionValues = Map<string, { flat: number; cum: number }>;

/** Phase 1: maps profile files to local files, once each, and holds their notes. */
function fileMapping(mapper: PathResolver): FileMapping {
  const mapped = new Map<string, string | null>();
  const unmapped = new Set<string>();
  const files = new Map<string, FileNotes>();
  return {
    mapped, unmapped, files,
    mapFile: (file) => {
      let local = mapped.get(file);
      if (local === undefined) {
        const m = mapper.explain(file);
        local = m.local;
        mapped.set(file, local);
        if (!local && m.reason !== 'stdlib' && m.reason !== 'modcache') unmapped.add(file);
      }
      return local;
    },
    notesOf: (local) => {
      let n = files.get(local);
      if (!n) files.set(local, (n = { hot: [], lockHold: [], blockWait: [] }));
      return n;
    },
  };
}

/** Function names per recorded file:line ("file\0line"), and each function's line range. */
interface FunctionLines {
  namesAt: Map<string, Set<string>>;
  range: Map<string, { first: number; last: number }>;
}

/** Phase 1: the function names at each recorded line, and each function's line range. */
function functionLines(profile: Profile): FunctionLines {
  const namesAt = new Map<string, Set<string>>();
  const range = new Map<string, { first: number; last: number }>();
  for (const l of frameIndex(profile).lines) {
    if (!l.file) continue;
    const key = `${l.file}\0${l.line}`;
    let s = namesAt.get(key);
    if (!s) namesAt.set(key, (s = new Set()));
    s.add(l.name);
    const r = range.get(l.name);
    if (!r) range.set(l.name, { first: l.line, last: l.line });
    else if (l.line > 0) {
      r.first = r.first === 0 ? l.line : Math.min(r.first, l.line);
      r.last = Math.max(r.last, l.line);
    }
  }
  return { namesAt, range };
}

/** Phase 2 (cpu, heap, allocs, goroutine…): heat notes of the lines at or above the threshold. */
function hotNotes(b: Build): { total: number; funcValue: FunctionValues } {
  const { minPercent, what } = b;
  const unit = b.sampleType.unit;
  const title = TITLES[b.kind] ?? b.kind;
  const { namesAt } = b.lines;
  const funcValue: FunctionValues = new Map();
  const index = buildHotspotIndex(b.profile, { sampleIndex: b.sampleType.index });
  const total = index.total;
  let maxFlat = 0;
  let maxCum = 0;
  for (const lines of index.byFile.values()) {
    for (const w of lines.values()) {
      maxFlat = Math.max(maxFlat, Math.abs(w.flat));
      maxCum = Math.max(maxCum, Math.abs(w.cum));
    }
  }
  for (const [file, lines] of index.byFile) {
    const local = b.mapFile(file);
    if (!local) continue;
    for (const [line, w] of lines) {
      const fp = percent(w.flat, total);
      const cp = percent(w.cum, total);
      if (Math.abs(fp) < minPercent && Math.abs(cp) < minPercent) continue;
      const own = Math.abs(fp) >= minPercent;
      const value = own ? w.flat : w.cum;
      const share = formatPercent(own ? fp : cp);
      const amount = what(value);
      const label = (own ? '' : 'cum ') + (unit === 'nanoseconds' ? `${share} · ${amount}` : `${amount} · ${share}`);
      const functions = [...(namesAt.get(`${file}\0${line}`) ?? [])];
      const detail =
        `**${title}** · line ${line}${functions.length ? ` in \`${functions.join('`, `')}\`` : ''}\n\n` +
        `flat ${what(w.flat)} (${formatPercent(fp)}) · cum ${what(w.cum)} (${formatPercent(cp)}) of ${formatValue(total, unit)}`;
      const weight = maxFlat > 0 ? Math.abs(w.flat) / maxFlat : maxCum > 0 ? Math.abs(w.cum) / maxCum : 0;
      b.notesOf(local).hot.push({ line, weight, label, detail, flat: w.flat, cum: w.cum, functions });
    }
  }
  for (const f of index.functions) funcValue.set(f.name, { flat: f.flat, cum: f.cum });
  return { total, funcValue };
}

/** Phase 2 (mutex, block): lock-hold or block-wait notes of the lock sites at or above the threshold. */
function lockNotes(b: Build): { total: number; funcValue: FunctionValues } {
  const { kind, minPercent } = b;
  const unit = b.sampleType.unit;
  const funcValue: FunctionValues = new Map();
  const report = lockSites(b.profile, { sampleIndex: b.sampleType.index, kind: kind as 'mutex' | 'block' });
  const total = report.totalDelay;
  const maxDelay = report.rows.reduce((m, r) => Math.max(m, Math.abs(r.delay)), 0);
  const verb = kind === 'mutex' ? 'held' : 'waited';
  for (const r of report.rows) {
    const v = funcValue.get(r.function) ?? { flat: 0, cum: 0 };
    v.flat += r.delay;
    v.cum += r.delay;
    funcValue.set(r.function, v);
    if (r.systemOnly || Math.abs(r.percent) < minPercent) continue;
    const local = b.mapFile(r.file);
    if (!local) continue;
    const label = `${verb} ${formatValue(r.delay, unit)} · ${formatPercent(r.percent)}`;
    const detail =
      kind === 'mutex'
        ? `**Lock hold** · \`${r.function}\` line ${r.line}\n\nOther goroutines waited ${formatValue(r.delay, unit)} ` +
          `(${formatPercent(r.percent)} of all mutex delay, ${r.contentions} contentions) for the lock released here.`
        : `**Block wait** · \`${r.function}\` line ${r.line}\n\nGoroutines waited here ${formatValue(r.delay, unit)} ` +
          `(${formatPercent(r.percent)} of all blocking, ${r.contentions} events).`;
    const note: LineNote = {
      line: r.line,
      weight: maxDelay > 0 ? Math.abs(r.delay) / maxDelay : 0,
      label,
      detail,
      flat: r.delay,
      cum: r.delay,
      functions: [r.function],
    };
    b.notesOf(local)[b.category].push(note);
  }
  return { total, funcValue };
}

/** Phase 3: the functions of workspace files, with lens titles and neighbours, biggest first. */
function functionNotes(b: Build, total: number, funcValue: FunctionValues): FunctionNote[] {
  const { kind, what } = b;
  const unit = b.sampleType.unit;
  const lensMin = b.opts.lensMinPercent ?? 2;
  const { range } = b.lines;
  const graph = callGraph(b.profile, b.sampleType);
  const limit = b.opts.neighbors ?? 5;
  const neighbors = (list: CallEdge[]): Neighbor[] => list.map((e) => ({ ...e, percent: percent(e.value, total) }));
  const functions: FunctionNote[] = [];
  frameIndex(b.profile).functions.forEach((f, idx) => {
    const v = funcValue.get(f.name);
    if (!v || !f.file || (v.flat === 0 && v.cum === 0)) return;
    const local = b.mapFile(f.file);
    if (!local) return;
    const flatPercent = percent(v.flat, total);
    const cumPercent = percent(v.cum, total);
    const r = range.get(f.name) ?? { first: f.startLine, last: f.startLine };
    let lens: string;
    if (kind === 'cpu') lens = `CPU ${formatPercent(flatPercent)} flat · ${formatPercent(cumPercent)} cum`;
    else if (kind === 'mutex') lens = `lock-hold ${formatValue(v.cum, unit)} · ${formatPercent(cumPercent)}`;
    else if (kind === 'block') lens = `block-wait ${formatValue(v.cum, unit)} · ${formatPercent(cumPercent)}`;
    else lens = `${what(v.flat)} flat · ${formatValue(v.cum, unit)} cum (${formatPercent(cumPercent)})`;
    functions.push({
      name: f.name,
      local,
      startLine: f.startLine,
      firstLine: r.first,
      lastLine: r.last,
      flat: v.flat,
      cum: v.cum,
      flatPercent,
      cumPercent,
      lens,
      showLens: Math.abs(cumPercent) >= lensMin,
      callers: neighbors(graph.callers(idx, limit)),
      callees: neighbors(graph.callees(idx, limit)),
    });
  });
  functions.sort((x, y) => Math.abs(y.cum) - Math.abs(x.cum) || (x.name < y.name ? -1 : 1));
  return functions;
}

/** Hover markdown for a function: its figures and top callers and callees. */
export function functionMarkdown(fn: FunctionNote, unit: string, header = ''): string {
  const row = (n: Neighbor) => `| \`${n.name}\` | ${formatValue(n.value, unit)} | ${formatPercent(n.percent)} |`;
  const table = (title: string, list: Neighbor[]) =>
    list.length === 0 ? '' : `\n\n| ${title} | value | share |\n|---|---:|---:|\n${list.map(row).join('\n')}`;
  return (
    `${header}**\`${fn.name}\`** — ${fn.lens}` +
    `\n\nflat ${formatValue(fn.flat, unit)} (${formatPercent(fn.flatPercent)}) · cum ${formatValue(fn.cum, unit)} (${formatPercent(fn.cumPercent)})` +
    table('callers', fn.callers) +
    table('callees', fn.callees)
  );
}
