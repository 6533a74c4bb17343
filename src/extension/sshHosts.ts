// Lists the concrete host aliases of an ssh config file (no wildcards), for pickers and the view.
import * as os from 'node:os';
import * as path from 'node:path';
import { directiveValues, loadSshConfig } from '../core/ssh/configFile';

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
