// This machine as a RemoteHost: a fetched core dump is opened with the local dlv or gdb through the same backends.
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { AnoleError } from '../errors';
import type { ExecOptions, ExecResult, RemoteHost, RemoteProcess } from './host';

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

/**
 * Runs argv directly (no shell: nothing to quote), reads files with fs and "forwards" to local
 * ports. Children are started in their own process group so a timeout ends everything they
 * started, and close() ends the ones still running.
 */
export class LocalHost implements RemoteHost {
  readonly label: string = 'this machine';
  private readonly children = new Set<ChildProcess>();
  private readonly sockets = new Set<net.Socket>();

  private start(argv: readonly string[]): ChildProcess {
    if (!argv.length) throw new AnoleError('BAD_INPUT', 'empty command');
    const child = spawnChild(argv[0], argv.slice(1), { stdio: 'pipe', detached: true });
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
    return child;
  }

  private static killGroup(child: ChildProcess): void {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = this.start(argv);
      } catch (e) {
        return reject(e);
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let failure: Error | undefined;
      const fail = (e: Error) => {
        failure ??= e;
        LocalHost.killGroup(child);
      };
      const timer = opts.timeoutMs ? setTimeout(() => fail(new AnoleError('TIMEOUT', `${argv[0]} took longer than ${opts.timeoutMs} ms on ${this.label}`)), opts.timeoutMs) : undefined;
      const onAbort = () => fail(new AnoleError('CANCELLED', `${argv[0]} cancelled`));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout!.on('data', (d: Buffer) => {
        size += d.length;
        if (size > (opts.maxBuffer ?? DEFAULT_MAX_BUFFER)) fail(new AnoleError('REMOTE_COMMAND', `${argv[0]} printed more than ${opts.maxBuffer ?? DEFAULT_MAX_BUFFER} bytes`));
        else out.push(d);
      });
      child.stderr!.on('data', (d: Buffer) => err.push(d));
      child.once('error', (e: NodeJS.ErrnoException) => {
        failure ??= e.code === 'ENOENT' ? new AnoleError('NOT_FOUND', `${argv[0]} is not installed on ${this.label}`) : e;
      });
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.stdin ?? '');
      child.once('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
    });
  }

  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    const fh = await fs.open(path, 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new AnoleError('NOT_FOUND', `${path} does not exist on ${this.label}`);
      throw new AnoleError('REMOTE_COMMAND', `cannot read ${path} on ${this.label}: ${e.message}`);
    });
    try {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  async spawn(argv: readonly string[]): Promise<RemoteProcess> {
    const child = this.start(argv);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new AnoleError('NOT_FOUND', `${argv[0]} is not installed on ${this.label}`) : e));
    });
    child.stdin!.on('error', () => undefined);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })));
    return {
      stdin: child.stdin!,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited,
      endInput: () => child.stdin!.end(),
      close: () => LocalHost.killGroup(child),
    };
  }

  forward(host: string, port: number): Promise<Duplex> {
    return this.connect(net.connect({ host, port }), `${host}:${port}`);
  }

  /** Connects to a Unix socket on this machine. */
  forwardUnix(socketPath: string): Promise<Duplex> {
    return this.connect(net.connect({ path: socketPath }), socketPath);
  }

  private connect(socket: net.Socket, what: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      const onError = (e: Error) => {
        socket.destroy();
        reject(new AnoleError('REMOTE_COMMAND', `${this.label} could not connect to ${what}: ${e.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.removeListener('error', onError);
        socket.on('error', () => undefined); // the caller listens too; this only keeps a late error from crashing
        socket.setNoDelay(true);
        resolve(socket);
      });
    });
  }

  /** Ends the stdin of every command still running (watchdogs detach on that), then kills what is left. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const left = [...this.children];
    for (const c of left) c.stdin?.end();
    await Promise.all(left.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const t = setTimeout(() => { LocalHost.killGroup(c); resolve(); }, 10_000);
      c.once('close', () => { clearTimeout(t); resolve(); });
    })));
  }
}
