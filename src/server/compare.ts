// The comparisons open Compare views asked for (anole/compare): the newest one decorates the source with
// "+12% vs baseline" / "−30% vs baseline" per line and adds both values to hovers.
import { type CompareAnnotations, buildCompareNotes } from '../core/annotations/compare';
import type { CompareLineAnnotation, CompareParams, NormalizeMode } from '../core/annotations/protocol';
import type { PathResolver } from '../core/annotations/model';
import type { ProfileStore } from './store';

/** One open comparison and its notes. */
interface Comparison {
  id: string;
  baseId: string;
  normalize: NormalizeMode;
  notes: CompareAnnotations;
}

/** Open comparisons, oldest first; the last one decorates. */
export class Comparisons {
  private open: Comparison[] = [];

  constructor(private mapper: PathResolver, private minPercent: number) {}

  /**
   * Starts (`active`) or ends a comparison. Starting one already open moves it to the front
   * (rebuilt, the normalisation may differ). Returns the comparison now decorating, if any, and
   * the local files whose decorations changed.
   */
  set(store: ProfileStore, p: CompareParams): { active?: Comparison; files: string[] } {
    const before = this.active();
    const same = (c: Comparison) => c.id === p.id && c.baseId === p.baseId;
    // Built first: a comparison that cannot be made (no duration for per second) changes nothing.
    const normalize = p.normalize ?? 'total';
    const started = p.active ? { id: p.id, baseId: p.baseId, normalize, notes: this.build(store, p.id, p.baseId, normalize) } : undefined;
    this.open = this.open.filter((c) => !same(c));
    if (started) this.open.push(started);
    return { active: this.active(), files: this.changedFiles(before) };
  }

  /** Ends the comparisons whose profiles are no longer loaded; returns the files whose decorations changed. */
  prune(store: ProfileStore): string[] {
    const before = this.active();
    this.open = this.open.filter((c) => store.has(c.id) && store.has(c.baseId));
    return this.changedFiles(before);
  }

  /** Rebuilds every comparison with a new mapper and threshold (workspace or settings changed). */
  remap(store: ProfileStore, mapper: PathResolver, minPercent: number): void {
    this.mapper = mapper;
    this.minPercent = minPercent;
    this.open = this.open.filter((c) => store.has(c.id) && store.has(c.baseId));
    for (const c of this.open) c.notes = this.build(store, c.id, c.baseId, c.normalize);
  }

  /** The decorating comparison's lines of a local file (0-based, as LSP positions are). */
  decorations(file: string | undefined): CompareLineAnnotation[] {
    const notes = file ? this.active()?.notes.files.get(file) : undefined;
    return (notes ?? []).map((n) => ({
      line: n.line - 1, weight: n.weight, label: n.label, detail: n.detail, flat: n.next, cum: n.base, change: n.change, worse: n.worse,
    }));
  }

  /** Hover text of a line of the decorating comparison (1-based line). */
  hover(file: string | undefined, line: number): string | undefined {
    return file ? this.active()?.notes.files.get(file)?.find((n) => n.line === line)?.detail : undefined;
  }

  active(): Comparison | undefined {
    return this.open[this.open.length - 1];
  }

  private build(store: ProfileStore, id: string, baseId: string, normalize: NormalizeMode): CompareAnnotations {
    const next = store.get(id);
    const base = store.get(baseId);
    return buildCompareNotes(base.profile, next.profile, {
      mapper: this.mapper, normalize, sampleType: next.sampleType, minPercent: this.minPercent, baseLabel: base.label, label: next.label,
    });
  }

  private changedFiles(before: Comparison | undefined): string[] {
    const now = this.active();
    if (now === before) return [];
    return [...new Set([...(before?.notes.files.keys() ?? []), ...(now?.notes.files.keys() ?? [])])];
  }
}
