// The loaded runtime traces (id → starvation report and its source notes): the only place the server parses traces.
import * as fs from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type TraceAnnotations, buildTraceNotes } from '../core/annotations';
import type { PathResolver } from '../core/annotations/model';
import { AnoleError, errorMessage } from '../core/errors';
import { ProgressiveTrace, type StarvationReport, type TimelineIndex, type TraceProgress, starvationReport } from '../core/trace';
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
  /** The read in progress (a generation per turn of the event loop): the timeline so far, and the report when it ends. */
  reading?: { trace: ProgressiveTrace; done: Promise<void>; ended: boolean };
  /** Settles when the report is complete (a progressive load fills it at the end of the read). */
  ready: Promise<void>;
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
  /** For a view only (`replace: false`): answer at once and parse while the view shows the timeline (see `ready`). */
  progressive?: boolean;
}

/**
 * Yields so that a request which came in during a generation is answered (and its answer written) before the
 * next generation is read. vscode-jsonrpc hands a message on through immediates of its own (the reader's lock,
 * the message queue, the writer's lock), each queued behind the trace reader's: with one immediate per generation
 * the viewer's first answer waited for two more generations (~2 s each on the bench trace), and the loadTrace
 * answer for the first one. Four turns let that chain run first.
 */
async function afterRequests(): Promise<void> {
  for (let i = 0; i < 4; i++) await nextTurn();
}

/** A trace's timeline as far as it is parsed. */
export interface TimelineSoFar {
  index: TimelineIndex;
  progress: TraceProgress;
}

const DONE: TraceProgress = { fraction: 1, parsedNs: 0, done: true };

function emptyReport(): StarvationReport {
  return {
    goVersion: '', durationNs: 0, gomaxprocs: 0, groups: [], lines: [], timers: [], warnings: [],
    gc: { count: 0, stwCount: 0, stwMaxNs: 0, stwTotalNs: 0, assistNs: 0 }, saturation: { samples: 0, allPsBusy: 0, somePIdle: 0 },
  };
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
      throw new AnoleError('NOT_FOUND', `cannot read trace ${req.path}: ${errorMessage(e)}`);
    }
    const progressive = req.progressive === true && req.replace === false;
    const report = progressive ? emptyReport() : starvationReport(data, { histograms: true });
    const entry: TraceEntry = {
      id: this.nextId(),
      path: req.path,
      label: req.label ?? req.path.replace(/\\/g, '/').split('/').pop()!,
      report,
      ready: Promise.resolve(),
      notes: buildTraceNotes(report, { mapper: this.mapper, minWaitMs: this.minWaitMs }),
      annotates: req.replace !== false,
      holds: req.replace === false ? 1 : 0,
    };
    const added = this.add(entry, entry.annotates ? this.annotating() : []);
    if (progressive) {
      this.read(entry, new ProgressiveTrace(data, { report: true, reportOptions: { histograms: true } }));
      entry.ready = entry.reading!.done;
    }
    return added;
  }

  /**
   * Reads `trace` a generation per turn of the event loop (requests are answered in between), then keeps
   * its timeline (and its report, if it builds one). Stops early if the entry is unloaded.
   */
  private read(e: TraceEntry, trace: ProgressiveTrace): void {
    const reading = { trace, done: Promise.resolve(), ended: false };
    reading.done = (async () => {
      await afterRequests();
      try {
        while (this.entries.get(e.id) === e && trace.step()) await afterRequests();
      } finally {
        reading.ended = true;
        if (e.reading === reading) e.reading = undefined;
      }
      if (!trace.progress.done) throw new AnoleError('NOT_FOUND', `trace ${e.id} was unloaded before it was read`);
      e.timeline = trace.timeline;
      if (trace.report) {
        e.report = trace.report;
        e.notes = buildTraceNotes(e.report, { mapper: this.mapper, minWaitMs: this.minWaitMs });
      }
    })();
    reading.done.catch(() => undefined); // the error is the waiters' (timeline and report requests)
    e.reading = reading;
  }

  /** Stops annotating with one trace or all; an explicit id is unloaded even if a view holds it. */
  clear(id?: string): { cleared: TraceEntry[]; unloaded: TraceEntry[] } {
    return this.clearMatching(this.all().filter((e) => id === undefined || e.id === id), id !== undefined);
  }

  /** The complete report of a loaded trace (a progressive load: once its read ends). */
  async reportOf(id: string): Promise<TraceEntry> {
    const e = this.get(id);
    await e.ready;
    return e;
  }

  /**
   * The timeline index of a loaded trace as far as it is parsed: built from its file on first use, a
   * generation at a time, so the first answer comes after the first generation, not the whole trace.
   */
  async timelineOf(id: string): Promise<TimelineSoFar> {
    const e = this.get(id);
    if (e.timeline) return { index: e.timeline, progress: { ...DONE, parsedNs: e.timeline.durationNs } };
    if (!e.reading) {
      let data: Uint8Array;
      try {
        data = await fs.readFile(e.path);
      } catch (err) {
        throw new AnoleError('NOT_FOUND', `cannot read trace ${e.path} for its timeline: ${errorMessage(err)}`, 'load the trace again from a file that exists');
      }
      if (e.timeline) return this.timelineOf(id);
      if (!e.reading) this.read(e, new ProgressiveTrace(data, { report: false }));
    }
    const reading = e.reading!;
    // Nothing drawn yet: wait for the first generation (or the end, for a trace without generations).
    while (!reading.trace.snapshot() && !reading.ended) await Promise.race([reading.done, nextTurn()]);
    if (reading.ended) await reading.done;
    const index = e.timeline ?? reading.trace.snapshot();
    if (!index) throw new AnoleError('BAD_INPUT', `trace ${e.path} has no events to draw`);
    return { index, progress: e.timeline ? { ...DONE, parsedNs: index.durationNs } : reading.trace.progress };
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
