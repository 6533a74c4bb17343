// Anole's debug adapter: safe attach to a remote Go process over SSH, ALL goroutines as threads, always detach.
import {
  Handles, InitializedEvent, Logger, LoggingDebugSession, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread, logger,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import type { BackendVariable, DebugBackend, GoroutineSummary, ScopeKind } from '../core/debug/backend';
import { attachBackend, openCoreBackend } from '../core/debug/attach';
import { goroutineName, groupByStack, listAllGoroutines, orderForDisplay, type StoppedRunner } from '../core/debug/goroutineList';
import { resolveProcessId } from '../core/debug/target';
import { AnoleError, errorMessage } from '../core/errors';
import type { RemoteHost } from '../core/remote/host';
import { LocalHost } from '../core/remote/localHost';
import { SshHost } from '../core/ssh/sshHost';
import { sourceResolver, type AnoleAttachArguments } from './attachArgs';
import { checkHostLink } from './checkHostLink';
import { english, type Translate } from '../core/doctor/msg';
import { loadTranslator } from '../core/l10nBundle';

/** Where l10n/ is: next to dist/ when bundled, two levels up from src/adapter under tsx. */
const L10N_DIRS = [path.join(__dirname, '..', 'l10n'), path.join(__dirname, '..', '..', 'l10n')];

type VarHandle =
  | { kind: 'scope'; gid: number; frame: number; scope: ScopeKind }
  | { kind: 'var'; gid: number; frame: number; v: BackendVariable };

/** Longest pause between two stops of a running target (see AnoleDebugSession.stopped). */
const MAX_BREATHER_MS = 250;

/** Encodes (goroutine, frame) into one DAP frame id. */
const FRAME_SPAN = 100_000;

/** The DAP session. One per attach; owns the SSH connection and the backend. */
export class AnoleDebugSession extends LoggingDebugSession {
  private host?: RemoteHost;
  private backend?: DebugBackend;
  private toLocal: (remote: string) => string = (remote) => remote;
  private readonly vars = new Handles<VarHandle>();
  /** The user paused: the target stays stopped until `continue`. */
  private userPaused = false;
  /** A core dump is open: nothing ever runs. */
  private core = false;
  private queue: Promise<unknown> = Promise.resolve();
  private goroutines = new Map<number, GoroutineSummary>();
  /** When the target was last resumed after a stop, and how long that stop was (ms). */
  private resumedAt = 0;
  private lastStopMs = 0;
  /** Longest stop of a running target since the last reset, in milliseconds. */
  private maxStallMs = 0;
  /** {@link stopped} as a StoppedRunner for the goroutine listing. */
  private readonly runner: StoppedRunner = (fn) => this.stopped(fn);
  /** Renders preflight's findings in the client's language (DAP `initialize` sends its locale). */
  private translate: Translate = english;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args?: DebugProtocol.InitializeRequestArguments): void {
    this.translate = loadTranslator(L10N_DIRS, args?.locale);
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportTerminateDebuggee: false,
      supportsTerminateRequest: false,
      supportsEvaluateForHovers: true,
      supportsDelayedStackTraceLoading: true,
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  /**
   * Runs `fn` with the target stopped, one at a time; resumes afterwards unless the user paused.
   * Stops of a running target are paced: after a stop of N ms it runs at least N ms (at most
   * {@link MAX_BREATHER_MS}) before the next, so a long listing never becomes one long stop.
   */
  private stopped<T>(fn: (b: DebugBackend) => Promise<T>): Promise<T> {
    const run = async () => {
      const b = this.backend;
      if (!b) throw new AnoleError('BAD_INPUT', 'not attached');
      const wasRunning = (await b.state()).running;
      if (wasRunning) {
        const wait = this.resumedAt + Math.min(this.lastStopMs, MAX_BREATHER_MS) - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const t0 = Date.now();
      if (wasRunning) await b.pause();
      const t1 = Date.now();
      try {
        return await fn(b);
      } finally {
        if (wasRunning && !this.userPaused) {
          const t2 = Date.now();
          await b.resume();
          this.resumedAt = Date.now();
          this.lastStopMs = this.resumedAt - t0;
          this.maxStallMs = Math.max(this.maxStallMs, this.lastStopMs);
          logger.verbose(`target stopped for ${this.lastStopMs} ms (halt ${t1 - t0}, work ${t2 - t1}, resume ${this.resumedAt - t2})`);
        }
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * DAP handlers are void in LoggingDebugSession: each async one runs through here, so an error it
   * did not answer itself still becomes an error response instead of an unhandled rejection.
   */
  private settle(response: DebugProtocol.Response, work: Promise<void>): void {
    work.catch((e: unknown) => this.fail(response, e));
  }

  private log(text: string, category: 'console' | 'stderr' | 'important' = 'console'): void {
    this.sendEvent(new OutputEvent(text.endsWith('\n') ? text : text + '\n', category));
  }

  /**
   * Settles when the attach (or the core's opening) has ended. VS Code asks for the threads once, right after
   * configurationDone, which comes while the attach still runs: that request waits for it (it failed before,
   * leaving the Call Stack empty and Pause without a thread to pause).
   */
  private attached: Promise<void> = Promise.resolve();

  protected override attachRequest(response: DebugProtocol.AttachResponse, args: AnoleAttachArguments): void {
    const work = this.attachImpl(response, args);
    this.attached = work.catch(() => undefined);
    this.settle(response, work);
  }

  private async attachImpl(response: DebugProtocol.AttachResponse, args: AnoleAttachArguments): Promise<void> {
    logger.setup(args.trace ? Logger.LogLevel.Verbose : Logger.LogLevel.Stop, false);
    this.toLocal = sourceResolver(args);
    try {
      if (args.coreFilePath) {
        await this.openCore(args);
        this.sendResponse(response);
        await this.stopOnCore();
        return;
      }
      if (!args.host) throw new AnoleError('BAD_INPUT', 'the attach configuration needs "host"');
      const choice = args.backend ?? 'auto';
      const host = await SshHost.connect(args.host, { resolve: { configFile: args.sshConfigFile } });
      this.host = host;
      const pid = await resolveProcessId(host, args.processId, args.processName);
      const { backend, findings } = await attachBackend(host, pid, choice, { ...this.backendHooks(args), allowFunctionCalls: args.allowFunctionCalls === true, translate: this.translate });
      this.backend = backend;
      for (const f of findings) this.log(`${f.message}${f.fix ? ` (${f.fix})` : ''}`);
      await backend.resume(); // attaching stopped the process: let it run at once
      this.log(`Attached to process ${pid} on ${host.label} with ${backend.kind}; the process keeps running. Disconnecting detaches and never kills it.`);
      if (args.allowFunctionCalls === true) this.log('"allowFunctionCalls" is on: expressions you evaluate may run functions inside the process.', 'important');
      this.sendResponse(response);
    } catch (e) {
      await this.cleanup();
      // A preflight refusal carries a button opening Check Host's report for this host and process.
      this.sendErrorResponse(response, { id: 1001, format: errorMessage(e).replace(/[{}]/g, ''), showUser: true, ...checkHostLink(e, args.host, this.translate) });
    }
  }

  /** The debugger's protocol lines into the DAP log (with `trace`), and its own end as a terminated session. */
  private backendHooks(args: AnoleAttachArguments) {
    return {
      trace: args.trace ? (kind: string) => (l: string) => logger.verbose(`${kind} ${l}`) : undefined,
      onDidEnd: (reason: string) => {
        this.log(`debugger ended: ${reason}`, 'important');
        this.sendEvent(new TerminatedEvent());
      },
    };
  }

  /** Opens `coreFilePath` with `program` on `host`, or on this machine without one. */
  private async openCore(args: AnoleAttachArguments): Promise<void> {
    if (!args.program) throw new AnoleError('BAD_INPUT', 'a core dump needs "program": the executable that wrote it');
    const host = args.host ? await SshHost.connect(args.host, { resolve: { configFile: args.sshConfigFile } }) : new LocalHost();
    this.host = host;
    this.backend = await openCoreBackend(host, { core: args.coreFilePath!, executable: args.program }, args.backend ?? 'auto', this.backendHooks(args));
    this.core = true;
    this.log(`Opened the core dump ${args.coreFilePath} on ${host.label} with ${this.backend.kind}: every goroutine as it was when the dump was written. Nothing runs.`);
  }

  /** A core dump is stopped for good: say so, on its first user goroutine. */
  private async stopOnCore(): Promise<void> {
    try {
      const all = await listAllGoroutines(this.backend!, this.runner);
      this.goroutines = new Map(all.map((g) => [g.id, g]));
      const first = orderForDisplay(all)[0];
      const ev = new StoppedEvent('core dump', first?.id ?? 1) as DebugProtocol.StoppedEvent;
      ev.body.allThreadsStopped = true;
      this.sendEvent(ev);
    } catch (e) {
      this.log(`cannot list the goroutines of the core dump: ${errorMessage(e)}`, 'stderr');
    }
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.settle(response, this.threadsImpl(response));
  }

  private async threadsImpl(response: DebugProtocol.ThreadsResponse): Promise<void> {
    try {
      await this.attached;
      if (!this.backend) {
        // Not attached (the attach failed and said why): no threads, not a second error.
        response.body = { threads: [] };
        this.sendResponse(response);
        return;
      }
      const all = await listAllGoroutines(this.backend!, this.runner);
      this.goroutines = new Map(all.map((g) => [g.id, g]));
      response.body = { threads: orderForDisplay(all).map((g) => new Thread(g.id, goroutineName(g))) };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.settle(response, this.stackTraceImpl(response, args));
  }

  private async stackTraceImpl(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    try {
      const start = args.startFrame ?? 0;
      const levels = args.levels && args.levels > 0 ? args.levels : 50;
      const frames = await this.stopped((b) => b.stacktrace(args.threadId, start + levels));
      const page = frames.slice(start, start + levels);
      response.body = {
        stackFrames: page.map((f) => {
          const local = f.file ? this.toLocal(f.file) : '';
          const src = local ? new Source(path.basename(local), local) : undefined;
          return new StackFrame(args.threadId * FRAME_SPAN + f.index, f.function, src, f.line, 1);
        }),
        totalFrames: frames.length < start + levels ? frames.length : start + levels + 1,
      };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const gid = Math.floor(args.frameId / FRAME_SPAN);
    const frame = args.frameId % FRAME_SPAN;
    response.body = {
      scopes: [
        new Scope('Arguments', this.vars.create({ kind: 'scope', gid, frame, scope: 'args' }), false),
        new Scope('Locals', this.vars.create({ kind: 'scope', gid, frame, scope: 'locals' }), false),
      ],
    };
    this.sendResponse(response);
  }

  private toDap(gid: number, frame: number, v: BackendVariable): DebugProtocol.Variable {
    const expandable = (v.children && v.children.length > 0) || v.ref !== undefined;
    return { name: v.name, value: v.value, type: v.type, variablesReference: expandable ? this.vars.create({ kind: 'var', gid, frame, v }) : 0 };
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.settle(response, this.variablesImpl(response, args));
  }

  private async variablesImpl(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    try {
      const h = this.vars.get(args.variablesReference);
      if (!h) throw new AnoleError('BAD_INPUT', 'unknown variables reference');
      let list: BackendVariable[];
      if (h.kind === 'scope') list = await this.stopped((b) => b.variables(h.gid, h.frame, h.scope));
      else if (h.v.children?.length) list = h.v.children;
      else list = await this.stopped((b) => b.expand(h.gid, h.frame, h.v.ref!));
      response.body = { variables: list.map((v) => this.toDap(h.gid, h.frame, v)) };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.settle(response, this.evaluateImpl(response, args));
  }

  private async evaluateImpl(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    try {
      if (args.frameId === undefined) throw new AnoleError('BAD_INPUT', 'select a stack frame to evaluate in');
      const gid = Math.floor(args.frameId / FRAME_SPAN);
      const frame = args.frameId % FRAME_SPAN;
      const v = await this.stopped((b) => b.evaluate(gid, frame, args.expression));
      const d = this.toDap(gid, frame, v);
      response.body = { result: d.value, type: d.type, variablesReference: d.variablesReference };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.settle(response, this.pauseImpl(response));
  }

  private async pauseImpl(response: DebugProtocol.PauseResponse): Promise<void> {
    try {
      this.userPaused = true;
      await this.stopped((b) => b.pause());
      this.vars.reset(); // a new stop: VS Code asks for scopes again
      this.sendResponse(response);
      const first = [...this.goroutines.values()].find((g) => g.user) ?? [...this.goroutines.values()][0];
      const ev = new StoppedEvent('pause', first?.id ?? 1) as DebugProtocol.StoppedEvent;
      ev.body.allThreadsStopped = true;
      this.sendEvent(ev);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.settle(response, this.continueImpl(response));
  }

  private async continueImpl(response: DebugProtocol.ContinueResponse): Promise<void> {
    try {
      if (this.core) throw new AnoleError('BAD_INPUT', 'this is a core dump: it cannot run');
      this.userPaused = false;
      this.vars.reset(); // variables of the last stop are stale once the target runs
      await this.queue; // let a request that holds the target stopped finish
      await this.backend?.resume();
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    this.settle(response, this.customImpl(command, response, args));
  }

  private async customImpl(command: string, response: DebugProtocol.Response, args: unknown): Promise<void> {
    if (command !== 'anole/goroutineGroups') return super.customRequest(command, response, args);
    try {
      const b = this.backend;
      if (!b) throw new AnoleError('BAD_INPUT', 'not attached');
      const t0 = Date.now();
      this.maxStallMs = 0;
      const grouped = await groupByStack(b, { run: this.runner });
      response.body = { ...grouped, elapsedMs: Date.now() - t0, longestStopMs: this.maxStallMs };
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.settle(response, this.disconnectImpl(response));
  }

  private async disconnectImpl(response: DebugProtocol.DisconnectResponse): Promise<void> {
    // terminateDebuggee is ignored on purpose: Anole never kills a process it attached to.
    await this.cleanup();
    this.sendResponse(response);
  }

  /** Detaches (never kills) and closes the tunnel and the SSH connection. */
  private async cleanup(): Promise<void> {
    // Let a request that holds the target stopped finish first (bounded: detach must happen).
    await Promise.race([this.queue, new Promise((r) => setTimeout(r, 10_000).unref())]);
    const b = this.backend;
    this.backend = undefined;
    try {
      await b?.detach();
    } catch (e) {
      this.log(`detach: ${errorMessage(e)}`, 'stderr');
    }
    const h = this.host;
    this.host = undefined;
    await h?.close().catch(() => undefined);
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    this.sendErrorResponse(response, { id: 1002, format: errorMessage(e).replace(/[{}]/g, ''), showUser: false });
  }
}
