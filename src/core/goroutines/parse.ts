// Parses Go's debug=2 goroutine dump text (also panic and SIGQUIT tracebacks) into goroutines.
import { parseHeaderAttrs, type HeaderInfo } from './header';
import { LocationTable, newLocation, type Location } from './locations';
import { detectDumpFormat, dumpText, noGoroutines, type DumpFormat } from './sniff';
import type { CreatedBy, Frame, Goroutine, ParsedDump } from './types';

/** Options for {@link parseGoroutineDump}. */
export interface ParseOptions {
  /** Most warnings to list; the rest are counted in a last line. Default 50. */
  maxWarnings?: number;
}

/**
 * Parses a debug=2 goroutine dump: what /debug/pprof/goroutine?debug=2, runtime.Stack(buf, true),
 * a panic or a SIGQUIT print. Text before the first "goroutine N [...]:" header and between
 * goroutines is skipped; a dump cut off mid-goroutine yields that goroutine with `truncated: true`
 * and a warning. Throws AnoleError('BAD_DUMP') when there is no goroutine at all, saying what the
 * input is instead (empty, binary pprof, debug=1).
 *
 * Fast on big dumps (100,000 goroutines in well under a second): one pass with no per-line
 * regular expressions; names interned; frames with equal text shared between goroutines, so
 * treat frames and creators as read-only.
 */
export function parseGoroutineDump(input: string | Uint8Array, options: ParseOptions = {}): ParsedDump {
  return parseGoroutineDumpChunks([dumpText(input)], options);
}

/**
 * {@link parseGoroutineDump} of a dump given as consecutive pieces of text, each ending just after
 * a blank line (or at the end of the dump), where the parser's state is the same whatever came
 * before: the result is the same as for the joined text. Reading a big file piece by piece
 * never holds the whole file twice (bytes and text).
 */
export function parseGoroutineDumpChunks(
  chunks: Iterable<string>,
  options: ParseOptions = {},
  /** What the input is, for the error when it holds no goroutine (default: judged from the first piece). */
  describe?: () => DumpFormat,
): ParsedDump {
  let parser: DumpParser | undefined;
  let head = '';
  for (const chunk of chunks) {
    if (parser === undefined) {
      head = chunk;
      parser = new DumpParser(chunk, options.maxWarnings ?? 50);
    }
    parser.feed(chunk);
  }
  parser ??= new DumpParser('', options.maxWarnings ?? 50);
  parser.finish();
  if (parser.goroutines.length === 0) throw noGoroutines(describe ? describe() : detectDumpFormat(head));
  return { goroutines: parser.goroutines, warnings: parser.warningList() };
}

const enum Mode {
  /** Before the first header, or after a blank line: anything but a header is skipped. */
  Outside,
  /** Reading a goroutine's frames. */
  Frames,
  /** Reading "[originating from goroutine N]:" stacks (GODEBUG=tracebackancestors): skipped. */
  Ancestors,
}

const enum Pending {
  None,
  /** A function line waiting for its "\tfile:line +0x.." line. */
  Function,
  /** A "created by ..." line waiting for its location line. */
  CreatedBy,
}

const CH_TAB = 9;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_PLUS = 43;
const CH_DOT = 46;
const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const CH_RBRACKET = 93;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_LBRACKET = 91;
const CH_c = 99;
const CH_g = 103;
const CH_n = 110;

const GOROUTINE = 'goroutine ';
const CREATED_BY = 'created by ';
const IN_GOROUTINE = ' in goroutine ';

/** Where a frame with no location line is (a fresh object: frames are memoised on it). */
function noLocation(): Location {
  return newLocation('', '', 0, null, false);
}

/** Unknown-state header info for a header cut off by the end of the dump. */
const CUT_HEADER: HeaderInfo = parseHeaderAttrs('', 'unknown');

class DumpParser {
  readonly goroutines: Goroutine[] = [];
  private readonly warnings: string[] = [];
  private warningCount = 0;
  private readonly names = new Map<string, string>();
  private readonly headers = new Map<string, HeaderInfo>();
  /**
   * Location lines by text. Each remembers the frame built there last (shared while the arguments
   * repeat) and the frame that followed it, so most frames of a big dump cost one comparison.
   */
  private readonly locations: LocationTable;
  private cur: Goroutine | null = null;
  private mode = Mode.Outside;
  private pending = Pending.None;
  private pendStart = 0;
  private pendEnd = 0;
  private pendUnterminated = false;
  /** Location of the current goroutine's last frame (at the start, one per header), for predicting the next. */
  private prevLoc: Location | null = null;
  private readonly starts = new Map<HeaderInfo, Location>();
  /** Some line followed the current goroutine's header. */
  private sawBody = false;

  constructor(
    private text: string,
    private readonly maxWarnings: number,
  ) {
    this.locations = new LocationTable(text, (s) => this.intern(s));
  }

  /** Parses the next piece of the dump (the first piece, or one that starts after a blank line). */
  feed(text: string): void {
    this.text = text;
    this.locations.text = text;
    const n = text.length;
    let pos = 0;
    while (pos < n) {
      let nl = text.indexOf('\n', pos);
      let unterminated = false;
      if (nl < 0) {
        nl = n;
        unterminated = true;
      }
      let end = nl;
      if (end > pos && text.charCodeAt(end - 1) === CH_CR) {
        end--;
        unterminated = false;
      }
      this.line(pos, end, unterminated);
      pos = nl + 1;
    }
  }

  /** Settles the last goroutine once every piece was fed. */
  finish(): void {
    this.endGoroutine(true);
  }

  warningList(): string[] {
    const more = this.warningCount - this.warnings.length;
    return more > 0 ? [...this.warnings, `…and ${more} more warnings`] : this.warnings;
  }

  private warn(message: string): void {
    this.warningCount++;
    if (this.warnings.length < this.maxWarnings) this.warnings.push(message);
  }

  private intern(s: string): string {
    const known = this.names.get(s);
    if (known !== undefined) return known;
    this.names.set(s, s);
    return s;
  }

  /** Handles one line [ls, le) without its line ending; `unterminated`: the input ends without one. */
  private line(ls: number, le: number, unterminated: boolean): void {
    const text = this.text;
    if (ls === le) {
      this.endGoroutine(false);
      this.mode = Mode.Outside;
      return;
    }
    const c0 = text.charCodeAt(ls);
    if (c0 === CH_g && text.startsWith(GOROUTINE, ls) && this.header(ls, le, unterminated)) return;
    if (this.mode !== Mode.Frames) return;
    this.sawBody = true;
    if (c0 === CH_TAB || c0 === CH_SPACE) {
      this.location(ls, le, unterminated);
      return;
    }
    if (this.pending !== Pending.None) this.flushPending(false);
    const g = this.cur!;
    if (c0 === CH_DOT && text.startsWith('...', ls)) {
      g.elided = true; // "...additional frames elided..." (Go < 1.21) or "...51 frames elided..."
    } else if (c0 === CH_c && text.startsWith(CREATED_BY, ls)) {
      this.setPending(Pending.CreatedBy, ls, le, unterminated);
    } else if (c0 === CH_LBRACKET && text.startsWith('[originating from goroutine ', ls)) {
      this.mode = Mode.Ancestors;
    } else if (c0 === CH_n && text.startsWith('non-Go function at pc=', ls)) {
      g.frames.push({ function: text.slice(ls, le), args: '', file: '', line: 0, pcOffset: null });
    } else {
      this.setPending(Pending.Function, ls, le, unterminated);
    }
  }

  private setPending(kind: Pending, ls: number, le: number, unterminated: boolean): void {
    this.pending = kind;
    this.pendStart = ls;
    this.pendEnd = le;
    this.pendUnterminated = unterminated;
  }

  /** Starts a goroutine if [ls, le) is a header ("goroutine 7 [select]:"); false if it is not one. */
  private header(ls: number, le: number, unterminated: boolean): boolean {
    const text = this.text;
    const digits = ls + GOROUTINE.length;
    let i = digits;
    let id = 0;
    for (; i < le; i++) {
      const c = text.charCodeAt(i);
      if (c < CH_0 || c > CH_9) break;
      id = id * 10 + (c - CH_0);
    }
    if (i === digits || (i < le && text.charCodeAt(i) !== CH_SPACE)) return false;
    while (le > i && (text.charCodeAt(le - 1) === CH_SPACE || text.charCodeAt(le - 1) === CH_TAB)) le--; // pasted trailing blanks
    let info: HeaderInfo | undefined;
    if (le - i >= 4 && text.charCodeAt(le - 1) === CH_COLON && text.charCodeAt(le - 2) === CH_RBRACKET) {
      const rest = text.slice(i, le);
      info = this.headers.get(rest);
      if (info === undefined) {
        const open = rest.indexOf(' [');
        if (open < 0) return false;
        info = parseHeaderAttrs(rest.slice(0, open), rest.slice(open + 2, rest.length - 2));
        this.headers.set(rest, info);
      }
    } else if (unterminated) {
      info = CUT_HEADER;
    } else {
      return false;
    }
    this.endGoroutine(false);
    const g: Goroutine = {
      id,
      state: info.state,
      waitMinutes: info.waitMinutes,
      lockedToThread: info.lockedToThread,
      leaked: info.leaked,
      labels: info.labels,
      extra: info.extra,
      frames: [],
      createdBy: null,
      elided: false,
      truncated: info === CUT_HEADER,
    };
    this.goroutines.push(g);
    this.cur = g;
    let start = this.starts.get(info);
    if (start === undefined) this.starts.set(info, (start = noLocation()));
    this.prevLoc = start;
    this.sawBody = false;
    this.mode = Mode.Frames;
    return true;
  }

  /** A "\tfile:line +0x1d [fp=.. sp=.. pc=..]" line: completes the pending frame or "created by". */
  private location(ls: number, le: number, unterminated: boolean): void {
    // Nothing to attach to: "\tgoroutine running on other thread; stack unavailable" and the like.
    if (this.pending === Pending.None) return;
    const text = this.text;
    const g = this.cur!;
    const isFrame = this.pending === Pending.Function;
    const ps = this.pendStart;
    const pe = this.pendEnd;
    this.pending = Pending.None;
    const prev = this.prevLoc;
    if (isFrame && prev !== null && prev.nextFrame !== null && !unterminated) {
      // Most stacks repeat: try the frame that followed the previous one last time.
      const predicted = prev.nextText;
      if (predicted.length === le - ps && text.slice(ps, le) === predicted) {
        g.frames.push(prev.nextFrame);
        this.prevLoc = prev.nextFrameLocation;
        return;
      }
    }
    let fs = ls + 1;
    while (fs < le && (text.charCodeAt(fs) === CH_TAB || text.charCodeAt(fs) === CH_SPACE)) fs++;
    let loc: Location;
    if (unterminated) {
      loc = this.locations.parse(fs, le);
    } else {
      // Arguments differ more often than places: try the location that came next last time.
      const next = prev !== null && isFrame ? prev.nextLocation : null;
      loc = next !== null && next.text.length === le - fs && text.slice(fs, le) === next.text ? next : this.locations.get(fs, le);
    }
    if (unterminated && loc.pcOffset === null) {
      g.truncated = true; // cut inside the line: the line number may be missing digits
    } else if (!loc.ok) {
      this.warn(`goroutine ${g.id}: cannot read file:line from "${text.slice(fs, le)}"`);
    }

    if (isFrame) {
      const repeat = loc.frame;
      const frame = this.frame(ps, pe, loc);
      g.frames.push(frame);
      if (prev !== null && loc.ok && !unterminated) {
        prev.nextLocation = loc;
        // Only a frame whose arguments repeat is worth predicting whole.
        if (frame === repeat) {
          prev.nextText = text.slice(ps, le);
          prev.nextFrame = frame;
          prev.nextFrameLocation = loc;
        }
      }
      this.prevLoc = unterminated ? null : loc;
    } else {
      const line = text.slice(ps, pe);
      if (loc.creator !== null && loc.creatorText === line) {
        g.createdBy = loc.creator;
        return;
      }
      g.createdBy = loc.creator = Object.freeze(this.creator(ps, pe, loc.file, loc.line));
      loc.creatorText = line;
    }
  }

  /**
   * Builds a frame from the function line [ps, pe) ("main.(*T).m(0x1, {0x2, 0x3})") and its
   * location. Goroutines parked in the same place print the same lines, so the frame built at
   * this location last time is shared when name and arguments match, and its name otherwise.
   */
  private frame(ps: number, pe: number, loc: Location): Frame {
    const text = this.text;
    // Arguments never contain '(' but names may ("main.(*T).m"): the last '(' opens the list.
    let open = text.charCodeAt(pe - 1) === CH_RPAREN ? text.lastIndexOf('(', pe - 2) : -1;
    if (open < ps) open = pe; // no argument list
    let name = text.slice(ps, open);
    let args = '';
    if (open < pe) {
      const inlined = pe - open === 5 && text.charCodeAt(open + 1) === CH_DOT && text.charCodeAt(open + 2) === CH_DOT;
      args = inlined ? '...' : text.slice(open + 1, pe - 1);
    }
    const memo = loc.frame;
    if (memo !== null && memo.function === name) {
      if (memo.args === args) return memo;
      name = memo.function;
    } else {
      name = this.intern(name);
    }
    // Not frozen (that costs a runtime call per frame): Frame's fields are readonly to TypeScript.
    const frame: Frame = { function: name, args, file: loc.file, line: loc.line, pcOffset: loc.pcOffset };
    loc.frame = frame;
    return frame;
  }

  /** Reads "created by main.start in goroutine 1" at [ps, pe). */
  private creator(ps: number, pe: number, file: string, line: number): CreatedBy {
    const rest = this.text.slice(ps + CREATED_BY.length, pe);
    const at = rest.lastIndexOf(IN_GOROUTINE);
    const parent = at >= 0 ? rest.slice(at + IN_GOROUTINE.length) : '';
    if (at >= 0 && /^\d+$/.test(parent)) {
      return { function: this.intern(rest.slice(0, at)), file, line, goroutineId: Number(parent) };
    }
    return { function: this.intern(rest), file, line };
  }

  /** Settles a function or "created by" line that got no location line. */
  private flushPending(atEnd: boolean): void {
    const kind = this.pending;
    this.pending = Pending.None;
    const g = this.cur!;
    const ps = this.pendStart;
    const pe = this.pendEnd;
    if (atEnd && (this.pendUnterminated || this.looksLikeName(ps, pe))) {
      // The dump stops after (or inside) this line: the rest of the stack is missing.
      g.truncated = true;
      if (kind === Pending.CreatedBy && !this.pendUnterminated) g.createdBy = this.creator(ps, pe, '', 0);
      return;
    }
    if (kind === Pending.CreatedBy) {
      g.createdBy = this.creator(ps, pe, '', 0);
    } else if (this.looksLikeName(ps, pe) && this.text.charCodeAt(pe - 1) === CH_RPAREN) {
      this.warn(`goroutine ${g.id}: frame "${this.text.slice(ps, pe)}" has no file:line`);
      g.frames.push(this.frame(ps, pe, noLocation()));
      this.prevLoc = null;
    }
    // Anything else is text that followed the dump without a blank line ("exit status 2"): skipped.
  }

  /** True if the line starts like a function name: a letter or '_', no whitespace before its first '('. */
  private looksLikeName(ps: number, pe: number): boolean {
    const text = this.text;
    const c0 = text.charCodeAt(ps) | 0x20;
    if (!((c0 >= 97 && c0 <= 122) || c0 === 0x7f)) return false;
    for (let j = ps; j < pe; j++) {
      const c = text.charCodeAt(j);
      if (c === CH_LPAREN && j > ps) return true;
      if (c === CH_SPACE || c === CH_TAB) return false;
    }
    return true;
  }

  private endGoroutine(atEnd: boolean): void {
    const g = this.cur;
    if (!g) return;
    if (this.pending !== Pending.None) this.flushPending(atEnd);
    if (atEnd && !this.sawBody) g.truncated = true;
    if (g.truncated) this.warn(`the dump ends inside goroutine ${g.id}: its stack is incomplete`);
    this.cur = null;
  }
}
