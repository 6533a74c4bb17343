// The loaded runtime traces (id → starvation report and its source notes): the only place the server parses traces.
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { type TraceAnnotations, buildTraceNotes } from '../core/annotations';
import type { PathResolver } from '../core/annotations/model';
import { AnoleError } from '../core/errors';
import { type StarvationReport, type TimelineIndex, starvationReport, traceTimeline } from '../core/trace';
import { LoadedEntries } from './lifetimes';

/** A loaded trace: its report (the trace itself is not kept) and the notes built from it. */
export interface TraceEntry {
  id: string;
  path: string;
  label: string;
  report: StarvationReport;
  /**
   * The timeline index the trace viewer queries by window: built on the first query (several times
   * the trace's size in memory), not for every trace that only annotates the source.
   */
  timeline?: TimelineIndex;
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
export class TraceStore extends LoadedEntries<TraceEntry> {
  constructor(
    private mapper: PathResolver,
    private minWaitMs: number,
  ) {
    super('t', 'trace');
  }

  /** Reads and analyzes a trace file; with `replace` (default) it becomes the annotating trace. */
  async load(req: TraceLoadRequest): Promise<{ entry: TraceEntry; replaced: TraceEntry[]; unloaded: TraceEntry[] }> {
    let data: Uint8Array;
    try {
      data = await fs.readFile(req.path);
    } catch (e) {
      throw new AnoleError('NOT_FOUND', `cannot read trace ${req.path}: ${(e as Error).message}`);
    }
    const report = starvationReport(data, { histograms: true });
    const entry: TraceEntry = {
      id: this.nextId(),
      path: req.path,
      label: req.label ?? req.path.replace(/\\/g, '/').split('/').pop()!,
      report,
      notes: buildTraceNotes(report, { mapper: this.mapper, minWaitMs: this.minWaitMs }),
      annotates: req.replace !== false,
      holds: req.replace === false ? 1 : 0,
    };
    return this.add(entry, entry.annotates ? this.annotating() : []);
  }

  /** Stops annotating with one trace or all; an explicit id is unloaded even if a view holds it. */
  clear(id?: string): { cleared: TraceEntry[]; unloaded: TraceEntry[] } {
    return this.clearMatching(this.all().filter((e) => id === undefined || e.id === id), id !== undefined);
  }

  /** The timeline index of a loaded trace, built from its file on first use. */
  timelineOf(id: string): TimelineIndex {
    const e = this.get(id);
    if (!e.timeline) {
      let data: Uint8Array;
      try {
        data = readFileSync(e.path);
      } catch (err) {
        throw new AnoleError('NOT_FOUND', `cannot read trace ${e.path} for its timeline: ${(err as Error).message}`, 'load the trace again from a file that exists');
      }
      e.timeline = traceTimeline(data);
    }
    return e.timeline;
  }

  /** Uses a new mapper and/or threshold and rebuilds every entry's notes. */
  remap(mapper: PathResolver, minWaitMs = this.minWaitMs): void {
    this.mapper = mapper;
    this.minWaitMs = minWaitMs;
    for (const e of this.entries.values()) e.notes = buildTraceNotes(e.report, { mapper, minWaitMs });
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
