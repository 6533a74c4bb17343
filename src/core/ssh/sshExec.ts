// One remote command over an ssh2 exec channel: output collection, limits, and killing it for sure.
import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { AnoleError, errorMessage } from '../errors';
import type { ExecOptions, ExecResult } from '../remote/host';
import { buildCommand } from '../shell';

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;
const MIN_STDERR_LIMIT = 1024 * 1024;
/** How long a cancelled command's channel stays open waiting to learn the remote PID. */
const PID_WAIT_MS = 5_000;

/** What an exec needs from the connection that runs it. */
export interface ExecContext {
  client: Client;
  label: string;
  /** The error for "connection gone", or undefined while it is up. */
  lostError(): AnoleError | undefined;
  onClose(listener: () => void): () => void;
  track(ch: ClientChannel): void;
  /** Kills a remote process group (used when SSH signals are refused, as for root sessions). */
  killGroup(pgid: number): Promise<void>;
}

/** A running command that can be killed (close() of the host kills them all). */
export interface RunningExec {
  kill(): Promise<void>;
}

/**
 * Sends a signal request, also after we sent EOF (ssh2's own signal() refuses then). sshd
 * ignores it for root sessions (no privilege separation there), hence the PID fallback.
 */
function sendSignal(stream: ClientChannel, name: string): void {
  const ch = stream as unknown as { outgoing?: { id: number; state: string }; _client?: { _protocol?: { signal(id: number, s: string): void } } };
  try {
    if (ch.outgoing && (ch.outgoing.state === 'open' || ch.outgoing.state === 'eof') && ch._client?._protocol) {
      ch._client._protocol.signal(ch.outgoing.id, name);
    }
  } catch { /* channel already gone */ }
}

/**
 * The command is prefixed with `printf 'anole-pid:NONCE:%s\n' "$$" >&2;` so we learn the PID of
 * the remote shell, which sshd made a session (and process group) leader. This strips that
 * line from stderr again, wherever it lands (a noisy login script may write before it).
 */
class PidLine {
  pid?: number;
  private pending: Buffer[] = [];
  private done = false;
  private readonly tag: Buffer;

  constructor(nonce: string, private readonly onPid: (pid: number) => void) {
    this.tag = Buffer.from(`anole-pid:${nonce}:`);
  }

  /** Takes a stderr chunk; returns the bytes that are really the command's stderr. */
  push(d: Buffer): Buffer | undefined {
    if (this.done) return d;
    this.pending.push(d);
    const all = Buffer.concat(this.pending);
    const at = all.indexOf(this.tag);
    const nl = at >= 0 ? all.indexOf(0x0a, at) : -1;
    if (nl < 0) {
      if (all.length <= 64 * 1024) return undefined;
      this.done = true; // never came: give the bytes back untouched
      this.pending = [];
      return all;
    }
    this.done = true;
    this.pending = [];
    this.pid = Number(all.subarray(at + this.tag.length, nl).toString('latin1'));
    if (Number.isSafeInteger(this.pid) && this.pid > 1) this.onPid(this.pid);
    return Buffer.concat([all.subarray(0, at), all.subarray(nl + 1)]);
  }

  flush(): Buffer {
    return Buffer.concat(this.pending);
  }
}

/** Runs argv on the host (see RemoteHost.exec); registers itself in `running` while it runs. */
export function execOverSsh(ctx: ExecContext, argv: readonly string[], opts: ExecOptions, running: Set<RunningExec>): Promise<ExecResult> {
  const nonce = randomBytes(6).toString('hex');
  const command = `printf 'anole-pid:${nonce}:%s\\n' "$$" >&2; ${buildCommand(argv)}`;
  const maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
  const what = argv[0];
  return new Promise<ExecResult>((resolve, reject) => {
    const gone = ctx.lostError();
    if (gone) return reject(gone);
    if (opts.signal?.aborted) return reject(new AnoleError('CANCELLED', `${what} on ${ctx.label} was cancelled`));
    let stream: ClientChannel | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let killed: Promise<void> | undefined;
    let pidKnown: (pid: number | undefined) => void = () => undefined;
    const pidPromise = new Promise<number | undefined>((r) => { pidKnown = r; });
    const pidLine = new PidLine(nonce, (pid) => pidKnown(pid));

    /** Signal (refused for root), then kill the process group by PID once we know it, then close. */
    const killRemote = (): Promise<void> => (killed ??= (async () => {
      if (stream) sendSignal(stream, 'KILL');
      let t: NodeJS.Timeout | undefined;
      const pid = await Promise.race([pidPromise, new Promise<undefined>((r) => { t = setTimeout(() => r(undefined), PID_WAIT_MS); })]);
      clearTimeout(t);
      if (pid && !ctx.lostError()) await ctx.killGroup(pid).catch(() => undefined);
      stream?.close();
    })());
    const me: RunningExec = {
      kill: () => {
        finish(new AnoleError('CANCELLED', `${what} on ${ctx.label} was stopped: the connection is being closed`));
        return killed ?? Promise.resolve();
      },
    };
    running.add(me);

    const finish = (err: AnoleError | undefined, result?: ExecResult) => {
      if (settled) return;
      settled = true;
      running.delete(me);
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      offClose();
      if (err) {
        if (!ctx.lostError()) void killRemote();
        reject(err);
      } else {
        resolve(result!);
      }
    };
    const onAbort = () => finish(new AnoleError('CANCELLED', `${what} on ${ctx.label} was cancelled`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const offClose = ctx.onClose(() => finish(ctx.lostError()));
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => finish(new AnoleError('TIMEOUT', `${what} on ${ctx.label} did not finish within ${opts.timeoutMs} ms`,
        'the command was killed; raise the timeout if it needs longer')), opts.timeoutMs);
    }
    try {
      ctx.client.exec(command, (err, ch) => {
        if (err) {
          pidKnown(undefined);
          return finish(ctx.lostError() ?? new AnoleError('REMOTE_COMMAND', `cannot start ${what} on ${ctx.label}: ${err.message}`));
        }
        stream = ch;
        ctx.track(ch);
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let outLen = 0;
        let errLen = 0;
        let code: number | null = null;
        let signal: string | null = null;
        let exited = false;
        const tooBig = (which: string, limit: number) => finish(new AnoleError('REMOTE_COMMAND',
          `${which} of ${what} on ${ctx.label} exceeded ${limit} bytes`, 'the command was killed; read the output in pieces'));
        ch.on('data', (d: Buffer) => {
          if (settled) return;
          outLen += d.length;
          if (outLen > maxBuffer) return tooBig('output', maxBuffer);
          out.push(d);
        });
        ch.stderr.on('data', (chunk: Buffer) => {
          const d = pidLine.push(chunk);
          if (!d || settled) return;
          errLen += d.length;
          if (errLen > Math.max(maxBuffer, MIN_STDERR_LIMIT)) return tooBig('error output', Math.max(maxBuffer, MIN_STDERR_LIMIT));
          errOut.push(d);
        });
        ch.on('exit', (c: number | null, s?: string) => {
          exited = true;
          code = typeof c === 'number' ? c : null;
          signal = s ?? null;
        });
        ch.on('close', () => {
          pidKnown(undefined);
          if (!exited && ctx.lostError()) return finish(ctx.lostError());
          const rest = pidLine.flush();
          if (rest.length) errOut.push(rest);
          finish(undefined, { code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
        });
        ch.on('error', () => undefined); // surfaces through 'close' and the connection's state
        if (settled) {
          sendSignal(ch, 'KILL'); // cancelled before the channel opened: killRemote() is waiting for the PID
          return;
        }
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      });
    } catch (e) {
      finish(ctx.lostError() ?? new AnoleError('SSH_CONNECT', `cannot run ${what} on ${ctx.label}: ${errorMessage(e)}`));
    }
  });
}
