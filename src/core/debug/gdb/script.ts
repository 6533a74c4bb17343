// Where our gdb scripts (media/gdb/*.py) are: the build copies them next to the bundles and says where.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Set by scripts/build.mjs (esbuild `define`): the script's path relative to the bundle's directory. Undefined when run from the sources. */
declare const __ANOLE_GDB_SCRIPT__: string | undefined;

/** The script in the checkout, relative to the repository root: what the build copies. */
export const GDB_SCRIPT_SOURCE = 'media/gdb/anole_goroutines.py';

/** The file of one of our gdb scripts (default the goroutines one): next to the bundle where the build put it, or in the checkout when run from the sources (tests). */
export function gdbScriptPath(name = path.basename(GDB_SCRIPT_SOURCE)): string {
  const main = typeof __ANOLE_GDB_SCRIPT__ === 'string'
    ? path.join(__dirname, __ANOLE_GDB_SCRIPT__)
    : path.resolve(__dirname, '..', '..', '..', '..', GDB_SCRIPT_SOURCE);
  return path.join(path.dirname(main), name);
}

/** One of our gdb scripts' text (default the goroutines one); a clear error when the file is missing (a build without it). */
export function readGdbScript(name?: string): string {
  const file = gdbScriptPath(name);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Anole's gdb script is missing at ${file} (${(e as Error).message}); rebuild with \`npm run build\``);
  }
}
