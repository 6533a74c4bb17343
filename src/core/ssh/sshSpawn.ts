// Long-running commands over ssh2 with stdin left open (RemoteHost.spawn for SshHost).
import type { Client, ClientChannel } from 'ssh2';
import { AnoleError, errorMessage } from '../errors';
import type { RemoteProcess } from '../remote/host';
import { buildCommand } from '../shell';

/** Wraps an ssh2 exec channel as a RemoteProcess. */
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

/** Runs argv (quoted) on an ssh2 client with stdin left open; `onChannel` sees the channel (for tracking). */
export function spawnOnClient(client: Client, argv: readonly string[], label: string, onChannel?: (ch: ClientChannel) => void): Promise<RemoteProcess> {
  const command = buildCommand(argv);
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, ch) => {
        if (err) return reject(new AnoleError('REMOTE_COMMAND', `cannot start ${argv[0]} on ${label}: ${err.message}`));
        onChannel?.(ch);
        resolve(processFromChannel(ch));
      });
    } catch (e) {
      reject(new AnoleError('SSH_CONNECT', `cannot start ${argv[0]} on ${label}: ${errorMessage(e)}`));
    }
  });
}
