// Expands `${workspaceFolder}` / `${workspaceFolder:name}` in path mappings, and explains mappings that match nothing.
import type { PathMapping, PathSubstitution } from './mapper';

/** A workspace folder as the expansion sees it. */
export interface NamedFolder {
  name: string;
  /** Absolute local path. */
  path: string;
}

/** Where a setting's mappings come from: the folder they belong to (`${workspaceFolder}`) and all folders. */
export interface ExpansionContext {
  /** The folder `${workspaceFolder}` stands for; absent when the workspace has no folder. */
  folder?: NamedFolder;
  folders: readonly NamedFolder[];
}

/** The usable mappings, and one message per mapping left out. */
export interface ExpandedMappings {
  mappings: PathSubstitution[];
  problems: string[];
}

const VARIABLE = /\$\{([^}]*)\}/g;

function expandOne(text: string, ctx: ExpansionContext): { value?: string; problem?: string } {
  let problem: string | undefined;
  const value = text.replace(VARIABLE, (whole, name: string) => {
    if (name === 'workspaceFolder') {
      if (ctx.folder) return ctx.folder.path;
      problem ??= `${whole} needs an open workspace folder`;
      return whole;
    }
    const named = /^workspaceFolder:(.+)$/.exec(name);
    if (named) {
      const f = ctx.folders.find((x) => x.name === named[1]);
      if (f) return f.path;
      problem ??= `no workspace folder is named "${named[1]}" (folders: ${ctx.folders.map((x) => x.name).join(', ') || 'none'})`;
      return whole;
    }
    problem ??= `${whole} is not supported (use \${workspaceFolder} or \${workspaceFolder:name})`;
    return whole;
  });
  return problem ? { problem } : { value };
}

/**
 * Expands the variables of `anole.pathMappings` entries (`from` and `to`). Malformed entries and
 * entries with an unknown variable or folder are left out, each with a message saying why.
 */
export function expandPathMappings(raw: unknown, ctx: ExpansionContext): ExpandedMappings {
  const out: ExpandedMappings = { mappings: [], problems: [] };
  if (!Array.isArray(raw)) return out;
  for (const m of raw as unknown[]) {
    const e = m as Partial<Record<'from' | 'to', unknown>> | null;
    if (!e || typeof e.from !== 'string' || typeof e.to !== 'string') {
      out.problems.push(`path mapping ${JSON.stringify(m)} needs string "from" and "to": ignored`);
      continue;
    }
    const from = expandOne(e.from, ctx);
    const to = expandOne(e.to, ctx);
    const problem = from.problem ?? to.problem;
    if (problem !== undefined || from.value === undefined || to.value === undefined) {
      out.problems.push(`path mapping "${e.from}" → "${e.to}": ${problem}: ignored`);
      continue;
    }
    out.mappings.push({ from: from.value, to: to.value });
  }
  return out;
}

function startsWithPrefix(path: string, from: string): boolean {
  const p = path.replace(/\\/g, '/');
  const f = from.replace(/\\/g, '/');
  return p === f || p.startsWith(f.endsWith('/') ? f : `${f}/`);
}

/**
 * One message per substitution that mapped none of `recorded` (a profile's source paths): either
 * no path starts with its `from` (with an example of what the paths look like), or the rewritten
 * paths do not exist under its `to`.
 */
export function unusedSubstitutions(
  subs: readonly PathSubstitution[],
  recorded: readonly string[],
  explain: (path: string) => PathMapping,
): string[] {
  const out: string[] = [];
  const example = recorded.find((f) => f.startsWith('/') || /^[A-Za-z]:/.test(f)) ?? recorded[0];
  for (const s of subs) {
    const matching = recorded.filter((f) => startsWithPrefix(f, s.from));
    if (matching.length === 0) {
      out.push(`path mapping "${s.from}" → "${s.to}" matches no source path of the profile` + (example ? ` (they look like ${example})` : ''));
    } else if (!matching.some((f) => explain(f).reason === 'substitution')) {
      out.push(`path mapping "${s.from}" → "${s.to}" rewrites ${matching.length} source path(s), but no such file exists under "${s.to}" (e.g. ${matching[0]})`);
    }
  }
  return out;
}
