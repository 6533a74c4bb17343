#!/usr/bin/env node
// The headless `anole` CLI: the same engine as the extension, for terminals and scripts.
import { isAnoleError } from '../core/errors';
import { CAPTURE_USAGE, capture } from './commands/capture';
import { CORE_USAGE, core } from './commands/core';
import { DIFF_USAGE, LOCKS_USAGE, TOP_USAGE, diffCmd, locks, top } from './commands/analyze';
import { DOCTOR_USAGE, doctor } from './commands/doctor';
import { GOROUTINES_USAGE, goroutines } from './commands/goroutines';
import { PS_USAGE, ps } from './commands/ps';
import { TRACE_USAGE, trace } from './commands/trace';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  ps, capture, top, locks, diff: diffCmd, goroutines, core, doctor, trace,
};

const USAGE = `anole — profile and debug Go services on remote hosts over SSH

${[PS_USAGE, CAPTURE_USAGE, TOP_USAGE, LOCKS_USAGE, DIFF_USAGE, GOROUTINES_USAGE, CORE_USAGE, TRACE_USAGE, DOCTOR_USAGE].join('\n\n')}

Every command that reaches a host takes --ssh-config FILE (default ~/.ssh/config) and
--trust-host-key SHA256:... (add exactly that unknown host key to known_hosts).
Set ANOLE_DEBUG=1 to see stack traces of internal errors.`;

/** Runs one CLI invocation; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`anole: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    return await cmd(rest);
  } catch (e) {
    if (isAnoleError(e)) {
      process.stderr.write(`anole: ${e.oneLine}\n`);
      return e.code === 'CANCELLED' ? 130 : 1;
    }
    process.stderr.write(`anole: internal error: ${(e as Error)?.message ?? String(e)}\n`);
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
