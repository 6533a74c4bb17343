// Picks the source line a trace stack stands for (the user's own code, not runtime/sync/stdlib) and interns it as a site id.
import { isStdlibFunction, isSystemFrame } from '../goFrames';
import { NO_STACK, type TraceTables } from './model';

/** A source site: function, file, line. */
export interface Site {
  function: string;
  file: string;
  line: number;
}

/**
 * Interns sites and caches, per stack id, the site it charges: the innermost frame outside the standard
 * library (the user's call of time.Sleep, Mutex.Lock, conn.Read …), else the innermost frame outside
 * runtime/sync/internal (goFrames' isSystemFrame), else the innermost frame. 0 = no site.
 */
export class SiteTable {
  private readonly byKey = new Map<string, number>();
  readonly sites: Site[] = [{ function: '', file: '', line: 0 }];
  private readonly stackSite: number[] = [];
  private readonly stackStart: number[] = [];

  constructor(private readonly tables: TraceTables) {}

  /** The site id of a (function, file, line). */
  intern(fn: string, file: string, line: number): number {
    const key = `${fn}\u0000${file}\u0000${line}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.sites.length;
      this.sites.push({ function: fn, file, line });
      this.byKey.set(key, id);
    }
    return id;
  }

  /** The site charged for a stack (see the class comment); 0 for no stack. */
  ofStack(stack: number): number {
    if (stack === NO_STACK) return 0;
    const cached = this.stackSite[stack];
    if (cached !== undefined) return cached;
    const ids = this.tables.stackFrameIds(stack);
    let pick = -1;
    let fallback = -1;
    for (let i = 0; i < ids.length; i++) {
      const fn = this.tables.frame(ids[i]).func;
      if (fallback < 0 && !isSystemFrame(fn)) fallback = i;
      if (!isStdlibFunction(fn) && !isSystemFrame(fn)) {
        pick = i;
        break;
      }
    }
    if (pick < 0) pick = fallback >= 0 ? fallback : 0;
    const f = ids.length ? this.tables.frame(ids[pick]) : undefined;
    const site = f ? this.intern(f.func, f.file, f.line) : 0;
    this.stackSite[stack] = site;
    return site;
  }

  /** The outermost frame of a stack that is not runtime.goexit: a goroutine's start function. 0 = none. */
  startOf(stack: number): number {
    if (stack === NO_STACK) return 0;
    const cached = this.stackStart[stack];
    if (cached !== undefined) return cached;
    const ids = this.tables.stackFrameIds(stack);
    let site = 0;
    for (let i = ids.length - 1; i >= 0; i--) {
      const f = this.tables.frame(ids[i]);
      if (f.func === 'runtime.goexit') continue;
      site = this.intern(f.func, f.file, f.line);
      break;
    }
    this.stackStart[stack] = site;
    return site;
  }
}
