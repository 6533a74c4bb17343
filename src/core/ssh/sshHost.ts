// RemoteHost over SSH (ssh2): exec argv, read file ranges (SFTP, dd fallback), tunnels, clean close.
import type { Duplex } from 'node:stream';
import type { Client, SFTPWrapper } from 'ssh2';
import { AnoleError } from '../errors';
import type { ExecOptions, ExecResult, RemoteHost, RemoteProcess } from '../remote/host';
import { destinationLabel, resolveDestination, type ResolveOptions, type ResolvedDestination } from './config';
import { connectChain, forwardOut, forwardOutUnix, type ConnectOptions } from './connect';
import { execOverSsh, type ExecContext, type RunningExec } from './sshExec';
import { connectionLostError } from './sshErrors';
import { spawnOnClient } from './sshSpawn';

/** Options for SshHost.connect. */
export interface SshHostOptions extends ConnectOptions {
  /** How to resolve a destination string (config file, home dir). */
  resolve?: ResolveOptions;
  /** Read files over SFTP (default); false forces the `dd` fallback. */
  sftp?: boolean;
}

const CLOSE_GRACE_MS = 2_000;
/** Concurrent exec channels per connection: sshd's MaxSessions defaults to 10 (SFTP counts too). */
const MAX_EXEC_SESSIONS = 8;

type Closable = { destroy(): unknown; resume?(): unknown };

function sftpError(err: Error & { code?: number }, path: string, label: string): AnoleError {
  if (err.code === 2) return new AnoleError('NOT_FOUND', `no such file on ${label}: ${path}`);
  if (err.code === 3) return new AnoleError('REMOTE_COMMAND', `permission denied reading ${path} on ${label}`);
  return new AnoleError('REMOTE_COMMAND', `cannot read ${path} on ${label}: ${err.message}`);
}

/** A connected SSH host. Everything opened through it is tracked and closed by close(). */
export class SshHost implements RemoteHost {
  readonly label: string;
  private readonly client: Client;
  private readonly open = new Set<Closable>();
  private readonly running = new Set<RunningExec>();
  private readonly execContext: ExecContext;
  private activeExecs = 0;
  private readonly execQueue: (() => void)[] = [];
  private readonly closeListeners = new Set<(reason?: string) => void>();
  private sftpSession?: Promise<SFTPWrapper | undefined>;
  private closed = false;
  private closing?: Promise<void>;
  private lostReason?: string;

  /**
   * Resolves `destination` (unless already resolved) and connects, through ProxyJump hops if
   * configured. Errors: SSH_CONFIG, SSH_CONNECT, TIMEOUT, SSH_AUTH, HOST_KEY_*.
   */
  static async connect(destination: string | ResolvedDestination, opts: SshHostOptions = {}): Promise<SshHost> {
    const dest = typeof destination === 'string' ? await resolveDestination(destination, opts.resolve) : destination;
    return new SshHost(dest, await connectChain(dest, opts), opts);
  }

  private constructor(readonly destination: ResolvedDestination, private readonly clients: Client[], private readonly opts: SshHostOptions) {
    this.label = destinationLabel(destination);
    this.client = clients[clients.length - 1];
    this.execContext = {
      client: this.client,
      label: this.label,
      lostError: () => (this.closed ? this.lost() : undefined),
      onClose: (listener) => this.onClose(() => listener()),
      track: (ch) => this.track(ch),
      killGroup: async (pgid) => {
        await execOverSsh(this.execContext, ['kill', '-s', 'KILL', '--', `-${pgid}`], { timeoutMs: 5_000 }, new Set());
      },
    };
    for (const c of clients) {
      c.on('error', (err: Error & { level?: string }) => {
        this.lostReason ??= err.level === 'client-timeout' ? 'no answer to keep-alives' : err.message;
      });
      c.on('close', () => this.markClosed());
    }
  }

  /** False once close() was called or the connection (or any jump hop) dropped. */
  get isOpen(): boolean {
    return !this.closed && !this.closing;
  }

  /** Calls `listener` once when the connection ends; returns an unsubscribe function. */
  onClose(listener: (reason?: string) => void): () => void {
    if (this.closed) {
      queueMicrotask(() => listener(this.lostReason));
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.closing) for (const c of this.clients) c.destroy(); // one hop dropped: the rest is useless
    for (const l of this.closeListeners) l(this.lostReason);
    this.closeListeners.clear();
  }

  private lost(): AnoleError {
    return connectionLostError(this.label, this.closing ? 'closed' : this.lostReason);
  }

  private track<T extends Closable & { once(ev: 'close', f: () => void): unknown }>(ch: T): T {
    this.open.add(ch);
    ch.once('close', () => this.open.delete(ch));
    return ch;
  }

  /** Starts argv with its streams open (stdin stays open until endInput()); closed by close(). */
  async spawn(argv: readonly string[]): Promise<RemoteProcess> {
    this.ensureOpen();
    return spawnOnClient(this.client, argv, this.label, (ch) => this.track(ch));
  }

  /** Runs argv through the remote login shell, every argument quoted; binary-safe output. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.ensureOpen();
    // Queue beyond MAX_EXEC_SESSIONS instead of having sshd refuse the channel; timeoutMs starts when the command does.
    if (this.activeExecs >= MAX_EXEC_SESSIONS) {
      await new Promise<void>((resolve) => this.execQueue.push(resolve));
    }
    this.activeExecs++;
    try {
      this.ensureOpen();
      return await execOverSsh(this.execContext, argv, opts, this.running);
    } finally {
      this.activeExecs--;
      this.execQueue.shift()?.();
    }
  }

  private ensureOpen(): void {
    if (this.closed || this.closing) throw this.lost();
  }

  private getSftp(): Promise<SFTPWrapper | undefined> {
    if (this.opts.sftp === false) return Promise.resolve(undefined);
    this.sftpSession ??= new Promise<SFTPWrapper | undefined>((resolve) => {
      try {
        this.client.sftp((err, sftp) => {
          if (err) return resolve(undefined); // no SFTP subsystem: use dd
          this.track(sftp as unknown as Closable & { once(ev: 'close', f: () => void): unknown });
          sftp.once('close', () => { this.sftpSession = undefined; });
          sftp.on('error', () => undefined);
          resolve(sftp);
        });
      } catch {
        resolve(undefined);
      }
    });
    return this.sftpSession;
  }

  /** Reads up to `length` bytes at `offset` (fewer at end of file). SFTP, else `dd` over exec. */
  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new AnoleError('BAD_INPUT', `bad range ${offset}+${length} for ${path}`);
    }
    this.ensureOpen();
    const sftp = await this.getSftp();
    if (!sftp) return this.readRangeDd(path, offset, length);
    const call = <T>(fn: (cb: (err: Error | undefined | null, v: T) => void) => void): Promise<T> =>
      new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
    let handle: Buffer;
    try {
      handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
    } catch (e) {
      throw this.closed ? this.lost() : sftpError(e as Error, path, this.label);
    }
    try {
      const st = await call<{ size?: number }>((cb) => sftp.fstat(handle, cb));
      const want = st.size !== undefined ? Math.max(0, Math.min(length, st.size - offset)) : length;
      const buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const n = await call<number>((cb) => sftp.read(handle, buf, got, want - got, offset + got, cb));
        if (!n) break;
        got += n;
      }
      return got === buf.length ? buf : buf.subarray(0, got);
    } catch (e) {
      throw this.closed ? this.lost() : sftpError(e as Error, path, this.label);
    } finally {
      sftp.close(handle, () => undefined);
    }
  }

  private async readRangeDd(path: string, offset: number, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    const r = await this.exec(['dd', `if=${path}`, 'iflag=skip_bytes,count_bytes', `skip=${offset}`, `count=${length}`, 'bs=65536', 'status=none'],
      { maxBuffer: length + 1 });
    if (r.code !== 0) {
      const err = r.stderr.toString('utf8').trim();
      if (/No such file/i.test(err)) throw new AnoleError('NOT_FOUND', `no such file on ${this.label}: ${path}`);
      throw new AnoleError('REMOTE_COMMAND', `cannot read ${path} on ${this.label}: ${err || `dd exited with ${r.code ?? r.signal}`}`);
    }
    return r.stdout;
  }

  /** Opens a TCP stream to host:port as seen from the remote host (direct-tcpip), tracked until closed. */
  async forward(host: string, port: number): Promise<Duplex> {
    this.ensureOpen();
    const ch = await forwardOut(this.client, host, port, this.destination.connectTimeoutMs, this.label);
    return this.track(ch);
  }

  /** Opens a stream to a Unix socket on the host (OpenSSH's direct-streamlocal channel), tracked until closed. */
  async forwardUnix(socketPath: string): Promise<Duplex> {
    this.ensureOpen();
    const ch = await forwardOutUnix(this.client, socketPath, this.destination.connectTimeoutMs, this.label);
    return this.track(ch);
  }

  /** Closes every channel, the SFTP session and the connection with its jump hops. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Kill running commands first (a debugger left attached would freeze the process).
      const kills = [...this.running].map((r) => r.kill());
      await Promise.race([Promise.all(kills), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
      for (const ch of [...this.open]) {
        ch.resume?.(); // ssh2 emits 'close' only once the stream was read to its end
        ch.destroy();
      }
      this.open.clear();
      const ended = this.clients.map((c) => new Promise<void>((resolve) => {
        if (this.closed) return resolve();
        const t = setTimeout(() => { c.destroy(); resolve(); }, CLOSE_GRACE_MS);
        c.once('close', () => { clearTimeout(t); resolve(); });
      }));
      for (const c of [...this.clients].reverse()) c.end();
      await Promise.all(ended);
      this.markClosed();
    })();
    return this.closing;
  }
}
