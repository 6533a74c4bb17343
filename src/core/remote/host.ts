// The one interface for "a host I can run things on"; ssh2 implements it for real hosts.
import type { Duplex, Readable, Writable } from 'node:stream';

/** Result of a finished remote command. stdout/stderr are raw bytes (binary-safe). */
export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface ExecOptions {
  /** Bytes written to the command's standard input, then closed. */
  stdin?: Buffer | string;
  /** Kill the command and reject with a TIMEOUT error after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Reject when stdout grows past this many bytes (default 64 MiB). */
  maxBuffer?: number;
}

/** A long-running remote command with live streams (stdin stays open: a watchdog's lifeline). */
export interface RemoteProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves when the command exited and its channel closed. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Ends stdin (EOF): the polite way to stop a command that reads it. */
  endInput(): void;
  /** Closes the channel outright. */
  close(): void;
}

/** A host Anole can work on. Every command is argv, quoted by the implementation. */
export interface RemoteHost {
  /** A label for logs and errors, e.g. "user@host:22". Never contains secrets. */
  readonly label: string;
  /** Runs argv on the host (through its login shell, each argument quoted). */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Reads `length` bytes at `offset` of a remote file (fewer at end of file). */
  readRange(path: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Starts argv (quoted like exec) with its streams left open, for commands that live as long as
   * a session (a debugger under a watchdog that reads stdin). Closed with the host.
   */
  spawn(argv: readonly string[]): Promise<RemoteProcess>;
  /** Opens a TCP stream to host:port as seen from the remote host (an SSH direct-tcpip tunnel). */
  forward(host: string, port: number): Promise<Duplex>;
  /**
   * Opens a stream to a Unix socket on the host (an SSH direct-streamlocal channel): how Anole
   * reaches what it starts there, which listens only inside a private (0700) directory.
   */
  forwardUnix(socketPath: string): Promise<Duplex>;
  /** Closes the connection and everything opened through it. */
  close(): Promise<void>;
}
