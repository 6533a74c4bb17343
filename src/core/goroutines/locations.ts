// Reads "\tfile:line +0x1d" lines once per distinct text, and remembers the last frame built at each.
import type { CreatedBy, Frame } from './types';

/** A parsed location line, shared by every frame printed with the same text. */
export interface Location {
  readonly file: string;
  /** 0 when unreadable. */
  readonly line: number;
  readonly pcOffset: string | null;
  /** False if no "file:line" could be read; file is then "" and line 0. */
  readonly ok: boolean;
  /** The last (frozen) frame built at this location, shared while the arguments repeat. */
  frame: Frame | null;
  /** The same for "created by ..." lines. */
  creatorText: string | null;
  creator: CreatedBy | null;
}

interface Entry {
  readonly text: string;
  readonly loc: Location;
  readonly next: Entry | undefined;
}

const CH_SPACE = 32;
const CH_PLUS = 43;
const CH_0 = 48;
const CH_9 = 57;
/** Stop adding entries beyond this many (a dump has a few thousand distinct locations). */
const MAX_ENTRIES = 1 << 17;

/**
 * Location lines of one dump text, looked up by a region [start, end) of that text. A big dump
 * repeats a few hundred distinct location lines; a lookup hashes only the line's length and last
 * 16 characters (where ":line +0xpc" is) and confirms with `startsWith`, so a hit neither slices
 * nor hashes the whole line.
 */
export class LocationTable {
  private readonly buckets = new Map<number, Entry>();
  private size = 0;

  constructor(
    private readonly text: string,
    /** Returns the one shared copy of a file name. */
    private readonly intern: (s: string) => string,
  ) {}

  /** The location written in text[start, end) (indentation already skipped). */
  get(start: number, end: number): Location {
    const text = this.text;
    let h = end - start;
    for (let i = end - 16 > start ? end - 16 : start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const len = end - start;
    const first = this.buckets.get(h);
    for (let e = first; e !== undefined; e = e.next) {
      if (e.text.length === len && text.slice(start, end) === e.text) return e.loc;
    }
    const loc = this.parse(start, end);
    if (this.size < MAX_ENTRIES) {
      this.buckets.set(h, { text: text.slice(start, end), loc, next: first });
      this.size++;
    }
    return loc;
  }

  /**
   * Parses "file:line [+0x1d] [fp=.. sp=.. pc=..]" without caching it (for a line cut short).
   * The line number follows the last ':' that is followed by digits and then a space or the
   * end, so paths may hold spaces and colons ("C:/Program Files/Go/src/x.go:12 +0x1d").
   */
  parse(start: number, end: number): Location {
    const text = this.text;
    // Native search; it can only run past `start` into the previous line, which we check.
    for (let colon = text.lastIndexOf(':', end - 1); colon >= start; ) {
      let k = colon + 1;
      let v = 0;
      for (; k < end; k++) {
        const c = text.charCodeAt(k);
        if (c < CH_0 || c > CH_9) break;
        v = v * 10 + (c - CH_0);
      }
      if (k > colon + 1 && (k === end || text.charCodeAt(k) === CH_SPACE)) {
        let pcOffset: string | null = null;
        if (k + 2 < end && text.charCodeAt(k + 1) === CH_PLUS) {
          let e = text.indexOf(' ', k + 2);
          if (e < 0 || e > end) e = end;
          pcOffset = text.slice(k + 1, e);
        }
        return location(this.intern(text.slice(start, colon)), v, pcOffset, true);
      }
      colon = colon > 0 ? text.lastIndexOf(':', colon - 1) : -1;
    }
    return location('', 0, null, false);
  }
}

function location(file: string, line: number, pcOffset: string | null, ok: boolean): Location {
  return { file, line, pcOffset, ok, frame: null, creatorText: null, creator: null };
}
