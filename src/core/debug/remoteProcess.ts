// A long-running remote command whose stdin stays open: the lifeline a debugger watchdog reads.
import type { Readable, Writable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { buildCommand } from '../shell';

/** A running remote command with live streams. */
export interface RemoteProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves when the command exited and its channel closed. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Ends stdin (EOF) — the polite way to stop a command that reads it. */
  endInput(): void;
  /** Closes the channel outright. */
  close(): void;
}

/** A host that can start commands with open streams (RemoteHost.exec closes stdin at once). */
export interface SpawningHost {
  spawn(argv: readonly string[]): Promise<RemoteProcess>;
}

/** Wraps an ssh2 exec channel. */
export function processFromChannel(ch: ClientChannel): RemoteProcess {
  let code: number | null = null;
  let signal: string | null = null;
  ch.on('exit', (c: number | null, s?: string) => {
    code = typeof c === 'number' ? c : null;
    signal = s ?? null;
  });
  ch.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => ch.once('close', () => resolve({ code, signal })));
  return {
    stdin: ch,
    stdout: ch,
    stderr: ch.stderr,
    exited,
    endInput: () => { try { ch.end(); } catch { /* gone */ } },
    close: () => { try { ch.close(); } catch { /* gone */ } },
  };
}

/** Runs argv (quoted) on an ssh2 client with stdin left open. */
export function spawnOnClient(client: Client, argv: readonly string[], label: string): Promise<RemoteProcess> {
  const command = buildCommand(argv);
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, ch) => {
        if (err) return reject(new AnoleError('REMOTE_COMMAND', `cannot start ${argv[0]} on ${label}: ${err.message}`));
        resolve(processFromChannel(ch));
      });
    } catch (e) {
      reject(new AnoleError('SSH_CONNECT', `cannot start ${argv[0]} on ${label}: ${(e as Error).message}`));
    }
  });
}

/**
 * Starts argv on `host` with stdin open. Uses host.spawn() when the host has one; an SshHost
 * (which has no public spawn yet) is reached through its ssh2 client.
 */
export function spawnRemote(host: RemoteHost, argv: readonly string[]): Promise<RemoteProcess> {
  const h = host as RemoteHost & Partial<SpawningHost> & { client?: Client };
  if (typeof h.spawn === 'function') return h.spawn(argv);
  if (h.client && typeof h.client.exec === 'function') return spawnOnClient(h.client, argv, host.label);
  return Promise.reject(new AnoleError('REMOTE_COMMAND', `${host.label} cannot run a long-lived command with open input`));
}
