// Builds remote shell commands from argv with POSIX quoting: no value is ever pasted unquoted.
import { AnoleError } from './errors';

/** Characters that mean nothing to sh, bash or zsh anywhere in a word ('=' only after the start). */
const SAFE = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

function singleQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function refuseNul(arg: string): void {
  if (arg.includes('\0')) {
    throw new AnoleError('BAD_INPUT', 'an argument contains a NUL byte and cannot be passed to a remote command');
  }
}

/**
 * Quotes one argument for a POSIX shell. Everything but a small safe set goes inside single
 * quotes, and a single quote becomes '\'' — the only character single quotes cannot hold.
 * Newlines and other control characters are fine inside single quotes; NUL cannot be passed
 * in argv at all and is refused. A leading '=' is quoted too (zsh would expand `=cmd`).
 */
export function quoteArg(arg: string): string {
  refuseNul(arg);
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return singleQuote(arg);
}

/**
 * Joins argv into one command line for a POSIX shell (what `ssh host CMD` runs through).
 * The command word is quoted whenever it holds '=', so `X=1` runs a program of that name
 * instead of becoming a variable assignment.
 */
export function buildCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new AnoleError('BAD_INPUT', 'empty command');
  return argv
    .map((arg, i) => {
      if (i === 0 && arg.includes('=')) {
        refuseNul(arg);
        return singleQuote(arg);
      }
      return quoteArg(arg);
    })
    .join(' ');
}

/**
 * Runs a fixed shell script with positional arguments: `sh -c SCRIPT anole ARG...`. The script is
 * our own constant text; the values reach it only as "$1", "$2", ... and are never parsed by the shell.
 */
export function shellScript(script: string, args: readonly string[] = []): string[] {
  return ['sh', '-c', script, 'anole', ...args];
}
