// The loaded profiles (id → decoded profile, kind, annotations): the only place the server parses profiles.
import { type AnnotationKind, type ProfileAnnotations, buildAnnotations, guessKind } from '../core/annotations';
import { AnoleError } from '../core/errors';
import { type Profile, loadProfile } from '../core/pprof';
import type { PathResolver } from '../core/annotations/model';

/** A loaded profile with its annotations. */
export interface ProfileEntry {
  id: string;
  path: string;
  kind: AnnotationKind;
  label: string;
  sampleType?: string;
  profile: Profile;
  annotations: ProfileAnnotations;
  /** Whether it annotates the source (at most one entry per kind does). */
  annotates: boolean;
  /** How many views hold it (see `HoldParams`); unloaded when 0 and not annotating. */
  holds: number;
}

/** Thresholds the annotations are built with. */
export interface AnnotationSettings {
  minPercent: number;
  lensMinPercent: number;
}

/** What a load asks for (see `LoadProfileParams`). */
export interface LoadRequest {
  path: string;
  kind?: AnnotationKind;
  sampleType?: string;
  label?: string;
  replace?: boolean;
  hold?: boolean;
}

/**
 * Loaded profiles in load order, each with a lifetime: the annotating profile of a kind lives until
 * another of its kind replaces it or it is cleared; a profile views hold lives until the last
 * view releases it.
 */
export class ProfileStore {
  private readonly entries = new Map<string, ProfileEntry>();
  private next = 1;

  constructor(
    private mapper: PathResolver,
    private settings: AnnotationSettings,
  ) {}

  /** Every entry, oldest first. */
  all(): ProfileEntry[] {
    return [...this.entries.values()];
  }

  /** The entries that annotate the source (one per kind at most), oldest first. */
  annotating(): ProfileEntry[] {
    return this.all().filter((e) => e.annotates);
  }

  /** The entry of an id; throws a NOT_FOUND AnoleError naming the loaded ids otherwise. */
  get(id: string): ProfileEntry {
    const e = this.entries.get(id);
    if (!e) {
      const ids = [...this.entries.keys()].join(', ') || 'none';
      throw new AnoleError('NOT_FOUND', `no loaded profile with id "${id}" (loaded: ${ids})`);
    }
    return e;
  }

  /**
   * Reads, decodes and annotates a profile file. With `replace` (default) it becomes the annotating
   * entry of its kind: the previous one stops annotating (`replaced`) and is unloaded unless a view
   * holds it (`unloaded`). With `replace: false` it annotates nothing and the caller holds it;
   * `hold` makes the caller hold it either way.
   */
  async load(req: LoadRequest): Promise<{ entry: ProfileEntry; replaced: ProfileEntry[]; unloaded: ProfileEntry[] }> {
    if (req.kind === 'trace') throw new AnoleError('BAD_INPUT', 'runtime traces cannot be shown as source annotations; open them with go tool trace');
    const profile = await loadProfile(req.path);
    const kind = req.kind ?? guessKind(profile, req.path);
    const annotations = buildAnnotations(profile, { kind, mapper: this.mapper, sampleType: req.sampleType, ...this.settings });
    const id = `p${this.next++}`;
    const entry: ProfileEntry = {
      id,
      path: req.path,
      kind,
      label: req.label ?? req.path.replace(/\\/g, '/').split('/').pop()!,
      sampleType: req.sampleType,
      profile,
      annotations,
      annotates: req.replace !== false,
      holds: (req.hold ?? req.replace === false) ? 1 : 0,
    };
    const replaced = entry.annotates ? this.annotating().filter((e) => e.kind === kind) : [];
    const unloaded = this.stopAnnotating(replaced);
    this.entries.set(id, entry);
    return { entry, replaced, unloaded };
  }

  /**
   * A view starts (`hold`) or stops showing a profile. Holding an id that is not loaded throws
   * NOT_FOUND; the last release of a profile that does not annotate unloads it (returned).
   */
  hold(id: string, hold: boolean): ProfileEntry[] {
    if (hold) {
      this.get(id).holds++;
      return [];
    }
    const e = this.entries.get(id);
    if (!e) return [];
    e.holds = Math.max(0, e.holds - 1);
    return this.unloadIfUnused([e]);
  }

  /**
   * Stops annotating with one profile, every profile of a kind, or everything. Returns what
   * stopped annotating and what was unloaded (not held by a view).
   */
  clear(opts: { id?: string; kind?: AnnotationKind }): { cleared: ProfileEntry[]; unloaded: ProfileEntry[] } {
    const matching = this.all().filter((e) => (opts.id === undefined || e.id === opts.id) && (opts.kind === undefined || e.kind === opts.kind));
    const cleared = matching.filter((e) => e.annotates);
    const unloaded = this.stopAnnotating(matching);
    // An explicit id goes even if a view holds it.
    if (opts.id !== undefined) for (const e of matching) if (this.entries.delete(e.id) && !unloaded.includes(e)) unloaded.push(e);
    return { cleared, unloaded };
  }

  private stopAnnotating(entries: ProfileEntry[]): ProfileEntry[] {
    for (const e of entries) e.annotates = false;
    return this.unloadIfUnused(entries);
  }

  private unloadIfUnused(entries: ProfileEntry[]): ProfileEntry[] {
    const gone = entries.filter((e) => !e.annotates && e.holds === 0);
    for (const e of gone) this.entries.delete(e.id);
    return gone;
  }

  /**
   * Uses a new mapper (workspace folders or path mappings changed) and, if given, new thresholds,
   * and rebuilds every entry's annotations; entries and their ids stay.
   */
  remap(mapper: PathResolver, settings: AnnotationSettings = this.settings): void {
    this.mapper = mapper;
    this.settings = settings;
    for (const e of this.entries.values()) {
      e.annotations = buildAnnotations(e.profile, { kind: e.kind, mapper, sampleType: e.sampleType, ...settings });
    }
  }
}

/** The local files an entry annotates (decorations or lenses). */
export function filesOf(entry: ProfileEntry): string[] {
  const files = new Set(entry.annotations.files.keys());
  for (const f of entry.annotations.functions) if (f.showLens) files.add(f.local);
  return [...files];
}
