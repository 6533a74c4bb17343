// Reads "\tfile:line +0x1d" lines once per distinct text, and remembers what was built at each.
import type { CreatedBy, Frame } from './types';

/** A parsed location line, shared by every frame printed with the same text. */
export interface Location {
  /** The line as written (without indentation); "" for locations not from the table. */
  readonly text: string;
  readonly file: string;
  /** 0 when unreadable. */
  readonly line: number;
  readonly pcOffset: string | null;
  /** False if no "file:line" could be read; file is then "" and line 0. */
  readonly ok: boolean;
  /** The last (frozen) frame built at this location, shared while name and arguments repeat. */
  frame: Frame | null;
  /** The last "created by" built at this location, and the text of its line. */
  creator: CreatedBy | null;
  creatorText: string;
  /** The location of the frame that came next the last time. */
  nextLocation: Location | null;
  /**
   * The last frame to come next whose arguments repeated (so it is shared), the text of its two
   * lines and its location: checking one string predicts most frames of a stack.
   */
  nextText: string;
  nextFrame: Frame | null;
  nextFrameLocation: Location | null;
}

interface Entry {
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
 * 16 characters (where ":line +0xpc" is) instead of the whole line, then compares the candidates.
 */
export class LocationTable {
  private readonly buckets = new Map<number, Entry>();
  private size = 0;

  constructor(
    /** The text regions refer to; the parser moves it on to each piece of a dump read in pieces. */
    public text: string,
    /** Returns the one shared copy of a file name. */
    private readonly intern: (s: string) => string,
  ) {}

  /** The location written in text[start, end) (indentation already skipped). */
  get(start: number, end: number): Location {
    const text = this.text;
    const len = end - start;
    let h = len;
    for (let i = len > 16 ? end - 16 : start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const first = this.buckets.get(h);
    if (first !== undefined) {
      const key = text.slice(start, end);
      for (let e: Entry | undefined = first; e !== undefined; e = e.next) if (e.loc.text === key) return e.loc;
    }
    const loc = this.parse(start, end, true);
    if (this.size < MAX_ENTRIES) {
      this.buckets.set(h, { loc, next: first });
      this.size++;
    }
    return loc;
  }

  /**
   * Parses "file:line [+0x1d] [fp=.. sp=.. pc=..]" without caching it (for a line cut short).
   * The line number follows the last ':' that is followed by digits and then a space or the
   * end, so paths may hold spaces and colons ("C:/Program Files/Go/src/x.go:12 +0x1d").
   */
  parse(start: number, end: number, keepText = false): Location {
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
        return newLocation(keepText ? text.slice(start, end) : '', this.intern(text.slice(start, colon)), v, pcOffset, true);
      }
      colon = colon > 0 ? text.lastIndexOf(':', colon - 1) : -1;
    }
    return newLocation(keepText ? text.slice(start, end) : '', '', 0, null, false);
  }
}

/** A location with nothing remembered yet. */
export function newLocation(text: string, file: string, line: number, pcOffset: string | null, ok: boolean): Location {
  return {
    text,
    file,
    line,
    pcOffset,
    ok,
    frame: null,
    creator: null,
    creatorText: '',
    nextLocation: null,
    nextText: '',
    nextFrame: null,
    nextFrameLocation: null,
  };
}
