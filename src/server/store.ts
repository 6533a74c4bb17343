// The loaded profiles (id → decoded profile, kind, annotations): the only place the server parses profiles.
import { AnnotationKind, ProfileAnnotations, buildAnnotations, guessKind } from '../core/annotations';
import { AnoleError } from '../core/errors';
import { Profile, loadProfile } from '../core/pprof';
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
}

/** Loaded profiles in load order. */
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
   * Reads, decodes and annotates a profile file. With `replace` (default), entries of the same
   * kind are dropped. Returns the new entry and the entries it replaced.
   */
  async load(req: LoadRequest): Promise<{ entry: ProfileEntry; replaced: ProfileEntry[] }> {
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
    };
    const replaced = req.replace === false ? [] : this.all().filter((e) => e.kind === kind);
    for (const r of replaced) this.entries.delete(r.id);
    this.entries.set(id, entry);
    return { entry, replaced };
  }

  /** Drops one profile, every profile of a kind, or everything; returns what was dropped. */
  clear(opts: { id?: string; kind?: AnnotationKind }): ProfileEntry[] {
    const gone = this.all().filter((e) => (opts.id === undefined || e.id === opts.id) && (opts.kind === undefined || e.kind === opts.kind));
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
