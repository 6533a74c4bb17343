// The lifetimes shared by the server's loaded profiles and traces: the annotating entry lives until another replaces it or
// it is cleared; an entry views hold lives until the last view releases it.
import { AnoleError } from '../core/errors';

/** What every loaded entry carries for its lifetime. */
export interface Lifetime {
  id: string;
  /** Whether it annotates the source. */
  annotates: boolean;
  /** How many views hold it; unloaded when 0 and not annotating. */
  holds: number;
}

/** Loaded entries in load order with their lifetimes; subclasses load and annotate. */
export abstract class LoadedEntries<E extends Lifetime> {
  protected readonly entries = new Map<string, E>();
  private next = 1;

  /** `prefix` starts every id ("p1", "t1"); `noun` names an entry in errors ("profile"). */
  protected constructor(private readonly prefix: string, private readonly noun: string) {}

  /** Every entry, oldest first. */
  all(): E[] {
    return [...this.entries.values()];
  }

  /** The entries that annotate the source, oldest first. */
  annotating(): E[] {
    return this.all().filter((e) => e.annotates);
  }

  /** Whether an id is loaded. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The entry of an id; throws a NOT_FOUND AnoleError naming the loaded ids otherwise. */
  get(id: string): E {
    const e = this.entries.get(id);
    if (!e) {
      const ids = [...this.entries.keys()].join(', ') || 'none';
      throw new AnoleError('NOT_FOUND', `no loaded ${this.noun} with id "${id}" (loaded: ${ids})`);
    }
    return e;
  }

  /** The id for the next entry. */
  protected nextId(): string {
    return `${this.prefix}${this.next++}`;
  }

  /** Adds an entry; the entries in `replaced` stop annotating and go unless a view holds them. */
  protected add(entry: E, replaced: E[]): { entry: E; replaced: E[]; unloaded: E[] } {
    const unloaded = this.stopAnnotating(replaced);
    this.entries.set(entry.id, entry);
    return { entry, replaced, unloaded };
  }

  /**
   * A view starts (`hold`) or stops showing an entry. Holding an id that is not loaded throws
   * NOT_FOUND; the last release of an entry that does not annotate unloads it (returned).
   */
  hold(id: string, hold: boolean): E[] {
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
   * Stops annotating with `matching`; with `explicit` (the caller named an id) they go even if a
   * view holds them. Returns what stopped annotating and what was unloaded.
   */
  protected clearMatching(matching: E[], explicit: boolean): { cleared: E[]; unloaded: E[] } {
    const cleared = matching.filter((e) => e.annotates);
    const unloaded = this.stopAnnotating(matching);
    if (explicit) for (const e of matching) if (this.entries.delete(e.id) && !unloaded.includes(e)) unloaded.push(e);
    return { cleared, unloaded };
  }

  private stopAnnotating(entries: E[]): E[] {
    for (const e of entries) e.annotates = false;
    return this.unloadIfUnused(entries);
  }

  private unloadIfUnused(entries: E[]): E[] {
    const gone = entries.filter((e) => !e.annotates && e.holds === 0);
    for (const e of gone) this.entries.delete(e.id);
    return gone;
  }
}
