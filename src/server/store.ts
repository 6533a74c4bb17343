// The loaded profiles (id → decoded profile, kind, annotations): the only place the server parses profiles.
import { type AnnotationKind, type ProfileAnnotations, buildAnnotations, guessKind } from '../core/annotations';
import { AnoleError } from '../core/errors';
import { type Profile, loadProfile } from '../core/pprof';
import type { PathResolver } from '../core/annotations/model';
import { LoadedEntries } from './lifetimes';

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
export class ProfileStore extends LoadedEntries<ProfileEntry> {
  constructor(
    private mapper: PathResolver,
    private settings: AnnotationSettings,
  ) {
    super('p', 'profile');
  }

  /**
   * Reads, decodes and annotates a profile file. With `replace` (default) it becomes the annotating
   * entry of its kind: the previous one stops annotating (`replaced`) and is unloaded unless a view
   * holds it (`unloaded`). With `replace: false` it annotates nothing and the caller holds it;
   * `hold` makes the caller hold it either way.
   */
  async load(req: LoadRequest): Promise<{ entry: ProfileEntry; replaced: ProfileEntry[]; unloaded: ProfileEntry[] }> {
    if (req.kind === 'trace') throw new AnoleError('BAD_INPUT', 'a runtime trace is not a profile: load it as a trace (anole/loadTrace)');
    const profile = await loadProfile(req.path);
    const kind = req.kind ?? guessKind(profile, req.path);
    const annotations = buildAnnotations(profile, { kind, mapper: this.mapper, sampleType: req.sampleType, ...this.settings });
    const entry: ProfileEntry = {
      id: this.nextId(),
      path: req.path,
      kind,
      label: req.label ?? req.path.replace(/\\/g, '/').split('/').pop()!,
      sampleType: req.sampleType,
      profile,
      annotations,
      annotates: req.replace !== false,
      holds: (req.hold ?? req.replace === false) ? 1 : 0,
    };
    return this.add(entry, entry.annotates ? this.annotating().filter((e) => e.kind === kind) : []);
  }

  /**
   * Stops annotating with one profile, every profile of a kind, or everything. Returns what
   * stopped annotating and what was unloaded (not held by a view); an explicit id goes even if a
   * view holds it.
   */
  clear(opts: { id?: string; kind?: AnnotationKind }): { cleared: ProfileEntry[]; unloaded: ProfileEntry[] } {
    const matching = this.all().filter((e) => (opts.id === undefined || e.id === opts.id) && (opts.kind === undefined || e.kind === opts.kind));
    return this.clearMatching(matching, opts.id !== undefined);
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
