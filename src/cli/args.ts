// Argument parsing for the CLI on node:util parseArgs, with errors a user can act on.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AnoleError, errorMessage } from '../core/errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  'ssh-config': { type: 'string' },
  'trust-host-key': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Parses `args` for one command; unknown options and bad values become BAD_INPUT errors. */
export function parse<O extends Options>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = errorMessage(e).replace(/\. To specify a positional argument.*$/s, '');
    throw new AnoleError('BAD_INPUT', `${command}: ${msg}`, `see: anole ${command} --help`);
  }
}

/** A positive integer option, or undefined when absent. */
export function intOption(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AnoleError('BAD_INPUT', `--${name} must be a whole number ≥ ${min}, not '${v}'`);
  return n;
}

/** Exactly `n` positional arguments, named in the error when missing. */
export function positionals(command: string, got: string[], names: string[]): string[] {
  if (got.length < names.length) {
    throw new AnoleError('BAD_INPUT', `${command}: missing ${names.slice(got.length).join(' and ')}`, `see: anole ${command} --help`);
  }
  if (got.length > names.length) {
    throw new AnoleError('BAD_INPUT', `${command}: unexpected argument '${got[names.length]}'`, `see: anole ${command} --help`);
  }
  return got;
}

/** Writes JSON (the whole of stdout with --json). */
export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** A warning for the user on stderr (never mixed into --json output). */
export function warn(msg: string): void {
  process.stderr.write(`anole: ${msg}\n`);
}

/** Prints a command's usage; returns the exit code 0. */
export function usage(text: string): number {
  console.log(text);
  return 0;
}

/** An AbortSignal that fires on Ctrl-C (SIGINT) or SIGTERM, so partial work is cleaned up. */
export function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
