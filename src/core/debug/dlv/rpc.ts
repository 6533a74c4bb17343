// A JSON-RPC 1.0 client for Delve's API server (Go net/rpc/jsonrpc: one JSON object per message).
import type { Duplex } from 'node:stream';
import { AnoleError } from '../../errors';

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** Calls `RPCServer.<Method>` over a stream to `dlv --headless --api-version=2`. */
export class DlvRpc {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Chunks of the message being received (joined only once its newline arrives). */
  private parts: string[] = [];
  private closedReason?: string;
  private readonly closeListeners: Array<(reason: string) => void> = [];

  constructor(private readonly stream: Duplex, private readonly trace?: (line: string) => void) {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => this.onData(d));
    stream.on('error', (e: Error) => this.fail(`connection to dlv failed: ${e.message}`));
    stream.on('close', () => this.fail('connection to dlv closed'));
    stream.on('end', () => this.fail('connection to dlv closed'));
  }

  /** Calls once when the connection ends. */
  onClose(listener: (reason: string) => void): void {
    if (this.closedReason) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  /** Sends one call; resolves with its result, rejects with dlv's error text. */
  call<T>(method: string, params: object = {}): Promise<T> {
    if (this.closedReason) return Promise.reject(new AnoleError('REMOTE_COMMAND', this.closedReason));
    const id = this.nextId++;
    const msg = JSON.stringify({ method: `RPCServer.${method}`, params: [params], id });
    this.trace?.(`→ ${msg.length > 500 ? msg.slice(0, 500) + '…' : msg}`);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.stream.write(msg + '\n');
    });
  }

  private onData(d: string): void {
    // Go's json.Encoder ends every message with '\n' and never puts a raw newline inside one.
    let from = 0;
    let nl: number;
    while ((nl = d.indexOf('\n', from)) >= 0) {
      this.parts.push(d.slice(from, nl));
      const line = this.parts.join('').trim();
      this.parts = [];
      from = nl + 1;
      if (line) this.onMessage(line);
    }
    if (from < d.length) this.parts.push(d.slice(from));
  }

  private onMessage(line: string): void {
    this.trace?.(`← ${line.length > 500 ? line.slice(0, 500) + '…' : line}`);
    let msg: { id?: number; result?: unknown; error?: unknown };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return this.fail(`dlv sent something that is not JSON: ${line.slice(0, 200)}`);
    }
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id!);
    if (msg.error !== null && msg.error !== undefined) {
      p.reject(new AnoleError('REMOTE_COMMAND', `dlv ${p.method}: ${String(msg.error)}`));
    } else {
      p.resolve(msg.result);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const p of this.pending.values()) p.reject(new AnoleError('REMOTE_COMMAND', `dlv ${p.method}: ${reason}`));
    this.pending.clear();
    for (const l of this.closeListeners.splice(0)) l(reason);
  }

  /** Closes the connection (dlv, started without --accept-multiclient, then detaches and exits). */
  close(): void {
    this.stream.destroy();
    this.fail('connection to dlv closed');
  }
}
