#!/usr/bin/env node
// The headless `anole` CLI: the same engine as the extension, for terminals and scripts.
// Startup cost matters here: `anole --help` must not load ssh2, the debuggers or the profile
// decoder, so each command's module is imported only when that command runs (the build makes each
// a separate file, dist/cli-<module>.js; test/unit/cliStartup.test.ts checks what --help loads).
import { writeSync } from 'node:fs';
import { errorMessage, isAnoleError } from '../core/errors';
import { CAPTURE_USAGE, CORE_USAGE, DIFF_USAGE, DOCTOR_USAGE, FLEET_USAGE, GOROUTINES_USAGE, LOCKS_USAGE, PS_USAGE, SOURCE_USAGE, TOP_USAGE, TRACE_USAGE } from './usage';

type Command = (args: string[]) => Promise<number>;

/** Each command, loaded on first use. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  ps: async () => (await import('./commands/ps')).ps,
  capture: async () => (await import('./commands/capture')).capture,
  top: async () => (await import('./commands/analyze')).top,
  locks: async () => (await import('./commands/analyze')).locks,
  diff: async () => (await import('./commands/analyze')).diffCmd,
  goroutines: async () => (await import('./commands/goroutines')).goroutines,
  core: async () => (await import('./commands/core')).core,
  trace: async () => (await import('./commands/trace')).trace,
  doctor: async () => (await import('./commands/doctor')).doctor,
  fleet: async () => (await import('./commands/fleet')).fleet,
  source: async () => (await import('./commands/source')).source,
};

const USAGE = `anole — profile and debug Go services on remote hosts over SSH

${[PS_USAGE, CAPTURE_USAGE, FLEET_USAGE, TOP_USAGE, LOCKS_USAGE, DIFF_USAGE, GOROUTINES_USAGE, CORE_USAGE, TRACE_USAGE, DOCTOR_USAGE, SOURCE_USAGE].join('\n\n')}

Every command that reaches a host takes --ssh-config FILE (default ~/.ssh/config) and
--trust-host-key SHA256:... (add exactly that unknown host key to known_hosts).
Set ANOLE_DEBUG=1 to see stack traces of internal errors.`;

/**
 * Prints the usage with one write(2) to stdout: console.log would first load Node's stream modules, about 2 ms of a
 * 30 ms start. A stdout that would block (a full non-blocking pipe) gets the rest through process.stdout.
 */
function printUsage(): void {
  const text = Buffer.from(`${USAGE}\n`);
  let written = 0;
  try {
    written = writeSync(1, text);
  } catch {
    // EAGAIN and the like: nothing was written
  }
  if (written < text.length) process.stdout.write(text.subarray(written));
}

/** Runs one CLI invocation; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : 2;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`anole: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    if (isAnoleError(e)) {
      process.stderr.write(`anole: ${e.oneLine}\n`);
      return e.code === 'CANCELLED' ? 130 : 1;
    }
    process.stderr.write(`anole: internal error: ${errorMessage(e)}\n`);
    if (process.env.ANOLE_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    return 70;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`anole: ${String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
