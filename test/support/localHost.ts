// The engine's LocalHost for tests, but with argv through `sh -c` (the same quoting path as ssh) and round trips counted.
import { AnoleError } from '../../src/core/errors';
import type { ExecOptions, ExecResult, RemoteProcess } from '../../src/core/remote/host';
import { LocalHost as EngineLocalHost } from '../../src/core/remote/localHost';
import { buildCommand } from '../../src/core/shell';
import type { Duplex } from 'node:stream';

/** How often each operation was used (tests assert on round trips). */
export interface LocalHostStats {
  exec: number;
  readRange: number;
  forward: number;
}

/**
 * Runs everything locally. Like an ssh server, exec hands ONE command line to a shell, built by
 * `buildCommand(argv)`, so quoting bugs show up here as they would on a real host.
 */
export class LocalHost extends EngineLocalHost {
  override readonly label = 'localhost';
  readonly stats: LocalHostStats = { exec: 0, readRange: 0, forward: 0 };
  private closed = false;

  override spawn(argv: readonly string[]): Promise<RemoteProcess> {
    this.assertOpen();
    return super.spawn(['sh', '-c', buildCommand(argv)]);
  }

  override exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.assertOpen();
    this.stats.exec++;
    if (opts.signal?.aborted) return Promise.reject(new AnoleError('CANCELLED', `${argv[0]} was cancelled`));
    return super.exec(['sh', '-c', buildCommand(argv)], opts);
  }

  override readRange(path: string, offset: number, length: number): Promise<Buffer> {
    this.assertOpen();
    this.stats.readRange++;
    return super.readRange(path, offset, length);
  }

  override forward(host: string, port: number): Promise<Duplex> {
    this.assertOpen();
    this.stats.forward++;
    return super.forward(host, port);
  }

  override forwardUnix(socketPath: string): Promise<Duplex> {
    this.assertOpen();
    this.stats.forward++;
    return super.forwardUnix(socketPath);
  }

  /** Kills running commands and closes forwarded sockets. */
  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new AnoleError('SSH_CONNECT', `${this.label} is closed`);
  }
}
