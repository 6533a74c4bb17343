// The loaded runtime traces (id → starvation report and its source notes): the only place the server parses traces.
import * as fs from 'node:fs/promises';
import { type TraceAnnotations, buildTraceNotes } from '../core/annotations';
import type { PathResolver } from '../core/annotations/model';
import { AnoleError } from '../core/errors';
import { type StarvationReport, type TimelineIndex, analyzeTrace } from '../core/trace';

/** A loaded trace: its report (the trace itself is not kept) and the notes built from it. */
export interface TraceEntry {
  id: string;
  path: string;
  label: string;
  report: StarvationReport;
  /** The timeline index the trace viewer queries by window. */
  timeline: TimelineIndex;
  notes: TraceAnnotations;
  /** Whether it annotates the source (at most one trace does). */
  annotates: boolean;
  /** How many views hold it; unloaded when 0 and not annotating. */
  holds: number;
}

/** What a trace load asks for (see `LoadTraceParams`). */
export interface TraceLoadRequest {
  path: string;
  label?: string;
  replace?: boolean;
}

/**
 * Loaded traces with the same lifetimes as profiles (see ProfileStore): the annotating trace lives
 * until another replaces it or it is cleared; a trace views hold lives until the last one releases it.
 */
export class TraceStore {
  private readonly entries = new Map<string, TraceEntry>();
  private next = 1;

  constructor(
    private mapper: PathResolver,
    private minWaitMs: number,
  ) {}

  /** Every entry, oldest first. */
  all(): TraceEntry[] {
    return [...this.entries.values()];
  }

  /** The annotating entries (one at most). */
  annotating(): TraceEntry[] {
    return this.all().filter((e) => e.annotates);
  }

  /** Whether an id is a loaded trace. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The entry of an id; throws NOT_FOUND naming the loaded traces otherwise. */
  get(id: string): TraceEntry {
    const e = this.entries.get(id);
    if (!e) throw new AnoleError('NOT_FOUND', `no loaded trace with id "${id}" (loaded: ${[...this.entries.keys()].join(', ') || 'none'})`);
    return e;
  }

  /** Reads and analyzes a trace file; with `replace` (default) it becomes the annotating trace. */
  async load(req: TraceLoadRequest): Promise<{ entry: TraceEntry; replaced: TraceEntry[]; unloaded: TraceEntry[] }> {
    let data: Uint8Array;
    try {
      data = await fs.readFile(req.path);
    } catch (e) {
      throw new AnoleError('NOT_FOUND', `cannot read trace ${req.path}: ${(e as Error).message}`);
    }
    const { report, timeline } = analyzeTrace(data);
    const id = `t${this.next++}`;
    const entry: TraceEntry = {
      id,
      path: req.path,
      label: req.label ?? req.path.replace(/\\/g, '/').split('/').pop()!,
      report,
      timeline,
      notes: buildTraceNotes(report, { mapper: this.mapper, minWaitMs: this.minWaitMs }),
      annotates: req.replace !== false,
      holds: req.replace === false ? 1 : 0,
    };
    const replaced = entry.annotates ? this.annotating() : [];
    const unloaded = this.stopAnnotating(replaced);
    this.entries.set(id, entry);
    return { entry, replaced, unloaded };
  }

  /** A view starts or stops showing a trace (see ProfileStore.hold). */
  hold(id: string, hold: boolean): TraceEntry[] {
    if (hold) {
      this.get(id).holds++;
      return [];
    }
    const e = this.entries.get(id);
    if (!e) return [];
    e.holds = Math.max(0, e.holds - 1);
    return this.unloadIfUnused([e]);
  }

  /** Stops annotating with one trace or all; an explicit id is unloaded even if a view holds it. */
  clear(id?: string): { cleared: TraceEntry[]; unloaded: TraceEntry[] } {
    const matching = this.all().filter((e) => id === undefined || e.id === id);
    const cleared = matching.filter((e) => e.annotates);
    const unloaded = this.stopAnnotating(matching);
    if (id !== undefined) for (const e of matching) if (this.entries.delete(e.id) && !unloaded.includes(e)) unloaded.push(e);
    return { cleared, unloaded };
  }

  /** Uses a new mapper and/or threshold and rebuilds every entry's notes. */
  remap(mapper: PathResolver, minWaitMs = this.minWaitMs): void {
    this.mapper = mapper;
    this.minWaitMs = minWaitMs;
    for (const e of this.entries.values()) e.notes = buildTraceNotes(e.report, { mapper, minWaitMs });
  }

  private stopAnnotating(entries: TraceEntry[]): TraceEntry[] {
    for (const e of entries) e.annotates = false;
    return this.unloadIfUnused(entries);
  }

  private unloadIfUnused(entries: TraceEntry[]): TraceEntry[] {
    const gone = entries.filter((e) => !e.annotates && e.holds === 0);
    for (const e of gone) this.entries.delete(e.id);
    return gone;
  }
}

/** The local files a trace annotates (decorations or lenses). */
export function traceFilesOf(entry: TraceEntry): string[] {
  const files = new Set(entry.notes.files.keys());
  for (const g of entry.notes.groups) {
    if (g.createdAt) files.add(g.createdAt.local);
    if (g.startIn) files.add(g.startIn.local);
  }
  return [...files];
}
