// A RemoteHost that is this machine: argv through `sh -c` (the same quoting path as ssh), fs reads, net.connect.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { AnoleError } from '../../src/core/errors';
import type { ExecOptions, ExecResult, RemoteHost, RemoteProcess } from '../../src/core/remote/host';
import { buildCommand } from '../../src/core/shell';

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
export class LocalHost implements RemoteHost {
  readonly label = 'localhost';
  readonly stats: LocalHostStats = { exec: 0, readRange: 0, forward: 0 };
  private readonly children = new Set<ChildProcess>();
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  /** Starts argv as `sh -c "<quoted argv>"` with its streams open; killed (its process group) by close(). */
  async spawn(argv: readonly string[]): Promise<RemoteProcess> {
    this.assertOpen();
    const child = spawn('sh', ['-c', buildCommand(argv)], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.children.add(child);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('close', (code, signal) => {
        this.children.delete(child);
        resolve({ code, signal });
      }));
    child.stdin.on('error', () => undefined);
    return {
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exited,
      endInput: () => child.stdin.end(),
      close: () => killGroup(child),
    };
  }

  /** Runs argv as `sh -c "<quoted argv>"`; resolves with the exit status (non-zero does not reject). */
  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.assertOpen();
    this.stats.exec++;
    const command = buildCommand(argv);
    const maxBuffer = opts.maxBuffer ?? 64 << 20;
    return new Promise<ExecResult>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new AnoleError('CANCELLED', `${argv[0]} was cancelled`));
      // Own process group, so a timeout kills the whole command (as closing an ssh channel does).
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      this.children.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let failure: AnoleError | undefined;
      const abort = (e: AnoleError): void => {
        failure ??= e;
        killGroup(child);
      };
      const timer = opts.timeoutMs ? setTimeout(() => abort(new AnoleError('TIMEOUT', `${argv[0]} did not finish within ${opts.timeoutMs} ms`)), opts.timeoutMs) : undefined;
      const onAbort = (): void => abort(new AnoleError('CANCELLED', `${argv[0]} was cancelled`));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (d: Buffer) => {
        size += d.length;
        if (size > maxBuffer) abort(new AnoleError('REMOTE_COMMAND', `${argv[0]} printed more than ${maxBuffer} bytes`));
        else out.push(d);
      });
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.stdin.on('error', () => undefined); // the command may not read its stdin
      child.stdin.end(opts.stdin ?? '');
      child.on('error', (e) => abort(new AnoleError('REMOTE_COMMAND', `could not run sh: ${e.message}`)));
      child.on('close', (code, signal) => {
        this.children.delete(child);
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (failure) reject(failure);
        else resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
    });
  }

  /** Reads up to `length` bytes at `offset` (fewer at end of file). */
  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    this.assertOpen();
    this.stats.readRange++;
    let fh: fs.FileHandle | undefined;
    try {
      fh = await fs.open(path, 'r');
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new AnoleError('NOT_FOUND', `${path} does not exist on ${this.label}`);
      throw new AnoleError('REMOTE_COMMAND', `cannot read ${path} on ${this.label}: ${(e as Error).message}`);
    } finally {
      await fh?.close();
    }
  }

  /** Connects to host:port from this machine. */
  forward(host: string, port: number): Promise<Duplex> {
    this.assertOpen();
    this.stats.forward++;
    return new Promise<Duplex>((resolve, reject) => {
      const sock = net.connect({ host, port });
      this.sockets.add(sock);
      sock.once('close', () => this.sockets.delete(sock));
      const onError = (e: Error): void => {
        sock.destroy();
        reject(new AnoleError('REMOTE_COMMAND', `${this.label} could not connect to ${host}:${port}: ${e.message}`));
      };
      sock.once('error', onError);
      sock.once('connect', () => {
        sock.removeListener('error', onError);
        sock.on('error', () => undefined); // the caller listens too; this only keeps a late error from crashing
        resolve(sock);
      });
    });
  }

  /** Kills running commands and closes forwarded sockets. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.children) killGroup(c);
    for (const s of this.sockets) s.destroy();
  }

  private assertOpen(): void {
    if (this.closed) throw new AnoleError('SSH_CONNECT', `${this.label} is closed`);
  }
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // the group is gone already
  }
}
