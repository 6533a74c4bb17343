// Keeps one SSH connection per resolved host and reconnects when it dropped.
import { destinationLabel, resolveDestination, type ResolvedDestination } from './config';
import { SshHost, type SshHostOptions } from './sshHost';

/** The identity of a connection: who, where, and through which hops. */
export function connectionKey(d: ResolvedDestination): string {
  return [...d.proxyJump, d].map(destinationLabel).join(' > ');
}

/**
 * One shared connection per resolved destination (user, host, port and jump hops), created on
 * first use and replaced when it dropped. Concurrent get()s for the same host share one attempt.
 * Hosts handed out belong to the pool: callers should not close() them (closeAll() does).
 */
export class SshPool {
  private readonly hosts = new Map<string, Promise<SshHost>>();

  constructor(private readonly defaults: SshHostOptions = {}) {}

  /** A connected host for `destination` (alias or [user@]host[:port]), reusing a live one. */
  async get(destination: string | ResolvedDestination, options: SshHostOptions = {}): Promise<SshHost> {
    const opts: SshHostOptions = { ...this.defaults, ...options, resolve: { ...this.defaults.resolve, ...options.resolve } };
    const dest = typeof destination === 'string' ? await resolveDestination(destination, opts.resolve) : destination;
    const key = connectionKey(dest);
    const existing = this.hosts.get(key);
    if (existing) {
      const host = await existing.catch(() => undefined);
      if (host?.isOpen) return host;
      if (this.hosts.get(key) !== existing) return this.get(dest, options); // someone else is reconnecting
      this.hosts.delete(key);
    }
    const pending = SshHost.connect(dest, opts);
    this.hosts.set(key, pending);
    try {
      const host = await pending;
      host.onClose(() => {
        if (this.hosts.get(key) === pending) this.hosts.delete(key);
      });
      return host;
    } catch (e) {
      if (this.hosts.get(key) === pending) this.hosts.delete(key);
      throw e;
    }
  }

  /** Number of connections held (live or being opened). */
  get size(): number {
    return this.hosts.size;
  }

  /** Closes every pooled connection. */
  async closeAll(): Promise<void> {
    const all = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}
