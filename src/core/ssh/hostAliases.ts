// Lists the concrete Host aliases of an ssh config file and expands Host patterns (globs) against them.
import * as os from 'node:os';
import * as path from 'node:path';
import { glob } from 'ssh-config';
import { AnoleError } from '../errors';
import { directiveValues, loadSshConfig } from './configFile';

/**
 * The `Host` aliases of `configFile` (default ~/.ssh/config) without patterns (`*`, `?`, `!`),
 * in file order, duplicates removed. A missing default file gives [].
 */
export async function listSshHosts(configFile?: string, home = os.homedir()): Promise<string[]> {
  const file = configFile ?? path.join(home, '.ssh', 'config');
  const config = await loadSshConfig(file, configFile !== undefined, home);
  const out: string[] = [];
  const visit = (lines: Iterable<unknown>) => {
    for (const line of lines) {
      const l = line as { param?: string; value?: unknown; config?: Iterable<unknown> };
      if (typeof l.param !== 'string' || !/^host$/i.test(l.param)) continue;
      for (const v of directiveValues(l.value)) {
        if (!/[*?!]/.test(v) && !out.includes(v)) out.push(v);
      }
      if (l.config) visit(l.config);
    }
  };
  visit(config);
  return out;
}

/** True if `s` is an ssh Host pattern (`api-*`, `db-?`, `web-* !web-canary`) rather than one destination. */
export function isHostPattern(s: string): boolean {
  return /[*?!]/.test(s) || /\s/.test(s.trim());
}

/**
 * The destinations `entries` name: a plain destination stands for itself; a Host pattern (space-
 * separated globs, `!` negating, as in an ssh config `Host` line) for every concrete alias of the
 * ssh config it matches. Duplicates are removed, order kept. A pattern matching nothing is a
 * BAD_INPUT error naming the aliases there are.
 */
export async function expandHostPatterns(entries: readonly string[], configFile?: string, home?: string): Promise<string[]> {
  const out: string[] = [];
  let aliases: string[] | undefined;
  for (const entry of entries) {
    if (!isHostPattern(entry)) {
      if (!out.includes(entry)) out.push(entry);
      continue;
    }
    aliases ??= await listSshHosts(configFile, home);
    const patterns = entry.trim().split(/\s+/);
    const hits = aliases.filter((a) => glob(patterns, a));
    if (hits.length === 0) {
      const known = aliases.length ? aliases.slice(0, 10).join(', ') + (aliases.length > 10 ? ', ...' : '') : 'none';
      throw new AnoleError('BAD_INPUT', `no Host alias of the ssh config matches '${entry}' (aliases: ${known})`,
        'add the replicas as Host entries of the ssh config, or list them one by one');
    }
    for (const h of hits) if (!out.includes(h)) out.push(h);
  }
  return out;
}
