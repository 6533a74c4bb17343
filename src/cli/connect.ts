// Opens SSH hosts for the CLI: ssh config, terminal prompts, and explicit host-key trust.
import { AnoleError } from '../core/errors';
import type { RemoteHost } from '../core/remote/host';
import { SshPool } from '../core/ssh/pool';
import { trustHostKey, type HostKeyDetails } from '../core/ssh/hostKeyPolicy';
import { promptHidden } from './prompt';

export interface HostOptions {
  sshConfig?: string;
  /** A SHA256 fingerprint the user vouches for: an unknown host key with exactly it is added to known_hosts. */
  trustHostKey?: string;
  verbose?: boolean;
}

/** A connection source for one CLI run; close() ends every connection it made. */
export class CliHosts {
  private readonly pool: SshPool;

  constructor(private readonly opts: HostOptions) {
    this.pool = new SshPool({
      resolve: { configFile: opts.sshConfig },
      passphrase: (keyPath) => promptHidden(`Passphrase for ${keyPath}: `),
      password: (label) => promptHidden(`Password for ${label}: `),
      log: opts.verbose ? (m) => process.stderr.write(`anole: ${m}\n`) : undefined,
    });
  }

  /** Connects to `destination` (an ssh config alias or [user@]host[:port]). */
  async get(destination: string): Promise<RemoteHost> {
    try {
      return await this.pool.get(destination);
    } catch (e) {
      const details = e instanceof AnoleError ? (e.details as HostKeyDetails | undefined) : undefined;
      if (e instanceof AnoleError && e.code === 'HOST_KEY_UNKNOWN' && details) {
        if (this.opts.trustHostKey === details.fingerprint) {
          await trustHostKey(details);
          process.stderr.write(`anole: added ${details.keyType} key ${details.fingerprint} for ${details.host} to ${details.knownHostsFile}\n`);
          return this.pool.get(destination);
        }
        throw new AnoleError(
          e.code,
          e.message,
          `if ${details.fingerprint} is the key the host's admin gives you, run again with --trust-host-key ${details.fingerprint}`,
          e.details,
        );
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
  }
}
