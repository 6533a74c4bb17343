// Maps file paths recorded in a profile to workspace files (pure: works on given file lists, no editor types).
import { STDLIB_ROOTS } from '../goFrames';
import { type GoModule } from './scan';

/** A user substitution: a recorded path starting with `from` is rewritten to start with `to`. */
export interface PathSubstitution {
  from: string;
  to: string;
}

/** Why a path maps (or not): which rule matched, or why none could. */
export type MappingReason =
  | 'substitution'
  | 'workspace'
  | 'module'
  | 'gopath'
  | 'suffix'
  | 'stdlib'
  | 'modcache'
  | 'dependency'
  | 'ambiguous'
  | 'unmatched';

/** The result of mapping one recorded path. `local` is null when it is not a workspace file. */
export interface PathMapping {
  local: string | null;
  reason: MappingReason;
}

/** Inputs of a {@link PathMapper}. Paths use '/' (backslashes are normalized). */
export interface PathMapperOptions {
  /** Absolute workspace folders. */
  folders: readonly string[];
  /** Absolute paths of the Go files in them. */
  goFiles: readonly string[];
  /** go.mod modules found in them. */
  modules?: readonly GoModule[];
  /** Applied first; the longest matching `from` wins. */
  substitutions?: readonly PathSubstitution[];
  /** Whether a file exists beyond `goFiles` (e.g. a substitution target outside the scan). Default: only `goFiles`. */
  exists?: (path: string) => boolean;
}


function norm(p: string): string {
  return p.replace(/\\/g, '/');
}

function parts(p: string): string[] {
  return norm(p)
    .split('/')
    .filter((c) => c !== '' && c !== '.');
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:\//.test(p);
}

/** True if a relative (trimpath) path looks like a standard-library file: "runtime/proc.go", "net/http/server.go". */
function isStdlibRelative(segs: string[]): boolean {
  return segs.length >= 2 && !segs[0].includes('.') && STDLIB_ROOTS.has(segs[0]);
}

/**
 * Maps recorded profile paths to workspace files and caches the answers. Rules, in order: user
 * substitutions; a path that is itself a workspace file; module-cache paths (`/pkg/mod/`,
 * `module@version/...`) and GOROOT paths are not workspace files; a module path prefix
 * (`-trimpath` builds record `example.com/svc/pkg/x.go`) maps into that module's directory
 * (the longest module path wins, so nested modules work); GOPATH-style `/.../src/<module>/...`
 * likewise; otherwise the workspace file sharing the longest unique run of trailing path
 * components (at least two unless the base name is unique in the workspace).
 */
export class PathMapper {
  private readonly files: Set<string>;
  private readonly byBase = new Map<string, string[]>();
  private readonly modules: GoModule[];
  private readonly subs: PathSubstitution[];
  private readonly folders: string[];
  private readonly exists: (p: string) => boolean;
  private readonly cache = new Map<string, PathMapping>();

  constructor(opts: PathMapperOptions) {
    this.files = new Set(opts.goFiles.map(norm));
    for (const f of this.files) {
      const base = f.slice(f.lastIndexOf('/') + 1);
      let list = this.byBase.get(base);
      if (!list) this.byBase.set(base, (list = []));
      list.push(f);
    }
    this.modules = (opts.modules ?? [])
      .map((m) => ({ path: m.path, dir: norm(m.dir).replace(/\/+$/, '') }))
      .sort((a, b) => b.path.length - a.path.length);
    this.subs = (opts.substitutions ?? []).filter((s) => s.from !== '').sort((a, b) => b.from.length - a.from.length);
    this.folders = opts.folders.map((f) => norm(f).replace(/\/+$/, ''));
    const extra = opts.exists;
    this.exists = (p) => this.files.has(p) || (extra ? extra(p) : false);
  }

  /** The workspace file a recorded path corresponds to, or null. */
  map(profilePath: string): string | null {
    return this.explain(profilePath).local;
  }

  /** Like {@link map}, with the rule that decided. */
  explain(profilePath: string): PathMapping {
    let hit = this.cache.get(profilePath);
    if (!hit) {
      hit = this.compute(profilePath);
      this.cache.set(profilePath, hit);
    }
    return hit;
  }

  private compute(recorded: string): PathMapping {
    if (!recorded) return { local: null, reason: 'unmatched' };
    let p = norm(recorded);
    for (const s of this.subs) {
      const from = norm(s.from);
      if (p === from || p.startsWith(from.endsWith('/') ? from : `${from}/`)) {
        p = norm(s.to).replace(/\/+$/, '') + p.slice(from.replace(/\/+$/, '').length);
        if (this.exists(p)) return { local: p, reason: 'substitution' };
        break;
      }
    }
    if (this.exists(p)) return { local: p, reason: 'workspace' };
    if (p.includes('/pkg/mod/')) return { local: null, reason: 'modcache' };
    const segs = parts(p);
    if (!isAbsolute(p)) {
      if (segs.some((s) => /@v\d/.test(s))) {
        // module@version/... (a dependency under -trimpath): a workspace copy of the module may still match.
        const unversioned = segs.map((s) => s.replace(/@v\d[^/]*$/, '')).join('/');
        const local = this.byModule(unversioned);
        return local ? { local, reason: 'module' } : { local: null, reason: 'modcache' };
      }
      const local = this.byModule(segs.join('/'));
      if (local) return { local, reason: 'module' };
      if (isStdlibRelative(segs)) return { local: null, reason: 'stdlib' };
      // A module path no workspace module claims is a dependency; guess by suffix only without go.mod files.
      if (this.modules.length > 0 && segs[0].includes('.')) return { local: null, reason: 'dependency' };
      return this.bySuffix(segs);
    }
    // GOPATH or GOROOT: /.../src/<import path>/file.go
    for (let i = segs.length - 2; i >= 0; i--) {
      if (segs[i] !== 'src') continue;
      const rest = segs.slice(i + 1);
      const local = this.byModule(rest.join('/'));
      if (local) return { local, reason: 'gopath' };
      if (isStdlibRelative(rest)) return { local: null, reason: 'stdlib' };
    }
    return this.bySuffix(segs);
  }

  /** `<module path>/<rest>` → `<module dir>/<rest>` if that file exists (longest module path first). */
  private byModule(importPath: string): string | null {
    for (const m of this.modules) {
      if (importPath.startsWith(`${m.path}/`)) {
        const local = `${m.dir}/${importPath.slice(m.path.length + 1)}`;
        if (this.exists(local)) return local;
      }
    }
    return null;
  }

  private bySuffix(segs: string[]): PathMapping {
    const base = segs[segs.length - 1];
    const candidates = base ? this.byBase.get(base) : undefined;
    if (!candidates || candidates.length === 0) return { local: null, reason: 'unmatched' };
    if (candidates.length === 1) return { local: candidates[0], reason: 'suffix' };
    let best: string | null = null;
    let bestLen = 0;
    let tie = false;
    for (const c of candidates) {
      const cs = parts(c);
      let k = 0;
      while (k < cs.length && k < segs.length && cs[cs.length - 1 - k] === segs[segs.length - 1 - k]) k++;
      if (k > bestLen) {
        best = c;
        bestLen = k;
        tie = false;
      } else if (k === bestLen) tie = true;
    }
    if (best && !tie && bestLen >= 2) return { local: best, reason: 'suffix' };
    return { local: null, reason: 'ambiguous' };
  }

  /** The workspace folder holding a local file, if any. */
  folderOf(local: string): string | undefined {
    const p = norm(local);
    return this.folders.filter((f) => p === f || p.startsWith(`${f}/`)).sort((a, b) => b.length - a.length)[0];
  }
}
