// Where our gdb script (media/gdb/anole_goroutines.py) is: the build copies it next to the bundles and says where.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Set by scripts/build.mjs (esbuild `define`): the script's path relative to the bundle's directory. Undefined when run from the sources. */
declare const __ANOLE_GDB_SCRIPT__: string | undefined;

/** The script in the checkout, relative to the repository root: what the build copies. */
export const GDB_SCRIPT_SOURCE = 'media/gdb/anole_goroutines.py';

/** The script's file: next to the bundle where the build put it, or in the checkout when run from the sources (tests). */
export function gdbScriptPath(): string {
  return typeof __ANOLE_GDB_SCRIPT__ === 'string'
    ? path.join(__dirname, __ANOLE_GDB_SCRIPT__)
    : path.resolve(__dirname, '..', '..', '..', '..', GDB_SCRIPT_SOURCE);
}

/** Our gdb script's text; a clear error when the file is missing (a build without it). */
export function readGdbScript(): string {
  const file = gdbScriptPath();
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Anole's gdb script is missing at ${file} (${(e as Error).message}); rebuild with \`npm run build\``);
  }
}
