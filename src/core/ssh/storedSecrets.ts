// Passphrases and passwords from a secret store for pooled connections, tracked per connection attempt.
import { AnoleError } from '../errors';
import type { AuthCallbacks } from './auth';
import type { SshPool } from './pool';
import type { SshHost } from './sshHost';

/** Where secrets are kept (VS Code's SecretStorage in the extension). Keys are Anole's, values never logged. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** What to ask the user for: a key's passphrase (`subject` is the key file) or an account's password. */
export interface SecretRequest {
  kind: 'passphrase' | 'password';
  subject: string;
}

/** Asks the user; undefined when they cancel. */
export type AskSecret = (request: SecretRequest) => PromiseLike<string | undefined>;

/**
 * Connects through a pool with secrets taken from a store (asked for and stored when missing).
 * Each `connect()` is its own attempt: when its authentication fails, only the stored secrets
 * that attempt used are forgotten (so the next try asks again), whatever other hosts connect at
 * the same moment.
 */
export class StoredSecretAuth {
  constructor(
    private readonly store: SecretStore,
    private readonly ask: AskSecret,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** A connected host for `destination` from `pool`, authenticated with stored or asked-for secrets. */
  async connect(pool: SshPool, destination: string): Promise<SshHost> {
    const used = new Set<string>();
    try {
      return await pool.get(destination, this.callbacks(used));
    } catch (e) {
      if (e instanceof AnoleError && e.code === 'SSH_AUTH' && used.size > 0) {
        for (const key of used) await this.store.delete(key);
        this.log(`forgot ${used.size} stored secret(s) for ${destination} after authentication failed`);
      }
      throw e;
    }
  }

  /** The pool's auth callbacks for one attempt: stored secrets it reads are recorded in `used`. */
  callbacks(used: Set<string>): AuthCallbacks {
    const secret = async (request: SecretRequest): Promise<string | undefined> => {
      const key = `${request.kind}:${request.subject}`;
      const stored = await this.store.get(key);
      if (stored !== undefined) {
        used.add(key);
        return stored;
      }
      const value = await this.ask(request);
      if (value !== undefined) await this.store.store(key, value);
      return value;
    };
    return {
      passphrase: (keyPath) => secret({ kind: 'passphrase', subject: keyPath }),
      password: (label) => secret({ kind: 'password', subject: label }),
    };
  }
}
