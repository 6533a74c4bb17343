// Builds remote shell commands from argv with POSIX quoting: no value is ever pasted unquoted.
import { AnoleError } from './errors';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one argument for a POSIX shell. Everything but a small safe set goes inside single
 * quotes, and a single quote becomes '\'' — the only character single quotes cannot hold.
 * Newlines and other control characters are fine inside single quotes; NUL cannot be passed
 * in argv at all and is refused.
 */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new AnoleError('BAD_INPUT', 'an argument contains a NUL byte and cannot be passed to a remote command');
  }
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one command line for a POSIX shell (what `ssh host CMD` runs through). */
export function buildCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new AnoleError('BAD_INPUT', 'empty command');
  return argv.map(quoteArg).join(' ');
}

/**
 * Runs a fixed shell script with positional arguments: `sh -c SCRIPT anole ARG...`. The script is
 * our own constant text; the values reach it only as "$1", "$2", ... and are never parsed by the shell.
 */
export function shellScript(script: string, args: readonly string[] = []): string[] {
  return ['sh', '-c', script, 'anole', ...args];
}
