// The dlv backend: dlv on the host under a watchdog, driven over its JSON-RPC API on a private Unix socket through an SSH channel.
import { AnoleError } from '../../errors';
import { isSystemFrame } from '../../goroutines/group';
import type { RemoteHost } from '../../remote/host';
import type {
  AttachHooks, BackendFrame, BackendVariable, CoreTarget, DebugBackend, GoroutinePage, GoroutinePaging, GoroutineSummary, ScopeKind, SourceLocation, TargetState,
} from '../backend';
import { G_STATUS, G_WAITING, type DlvDumpState, type DlvGoroutine, type DlvLocation, type DlvStackframe, type DlvState, type DlvVariable } from './api';
import { DlvRpc } from './rpc';
import { EXPAND_LOAD, SHALLOW_LOAD, childrenOf, convertVariable } from './variables';
import { startDlvServer, type DlvServer } from './watchdog';
import { functionCallsRefused, isCallRefusal } from '../functionCalls';

/** Options for {@link DlvBackend}. */
export interface DlvBackendOptions {
  /** dlv's path on the host (preflight finds it). */
  dlvPath: string;
  /** Receives every JSON-RPC message, for the DAP log. */
  trace?: (line: string) => void;
  /** How long each RPC may take before detach gives up on politeness (default 10 s). */
  detachTimeoutMs?: number;
  /** Let expressions call functions in the target (dlv's `call`); off by default. */
  allowFunctionCalls?: boolean;
}

/** The State dlv returns after `call`: the return values sit on the current thread. */
interface DlvCallState extends DlvState {
  currentThread?: { ReturnValues?: DlvVariable[] | null };
}

function location(l: DlvLocation | undefined | null): SourceLocation {
  return { function: l?.function?.name ?? '?', file: l?.file ?? '', line: l?.line ?? 0, pc: l?.pc };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<undefined>((r) => { t = setTimeout(() => r(undefined), ms); })]).finally(() => clearTimeout(t));
}

/** dlv attached to one process. The process runs only between resume() and pause(). */
export class DlvBackend implements DebugBackend {
  readonly kind = 'dlv' as const;
  private server?: DlvServer;
  private rpc?: DlvRpc;
  private running = false;
  /** The outstanding `continue` command; resolves when the target stops again. */
  private continuing?: Promise<DlvState | undefined>;
  /** Loaded with the first listing (not at attach, which should stop the target as briefly as possible). */
  private waitReasons?: string[];
  private ended = false;
  /** A core dump is open: nothing runs. */
  private core = false;
  /** The page (cursor and size) each goroutine was last listed in, and the pages read in this stop. */
  private readonly pageOf = new Map<number, GoroutinePaging>();
  private readonly warmPages = new Set<number>();
  private detaching?: Promise<void>;
  private readonly endListeners: Array<(reason: string) => void> = [];

  constructor(private readonly host: RemoteHost, private readonly opts: DlvBackendOptions) {}

  attach(pid: number, hooks: AttachHooks = {}): Promise<void> {
    hooks.onStopping?.(); // dlv attaches as it starts, before it reads the binary
    return this.start(pid);
  }

  async openCore(target: CoreTarget): Promise<void> {
    this.core = true;
    await this.start(target);
  }

  private async start(target: number | CoreTarget): Promise<void> {
    this.server = await startDlvServer(this.host, this.opts.dlvPath, target);
    try {
      const stream = await this.host.forwardUnix(this.server.socket);
      this.rpc = new DlvRpc(stream, this.opts.trace);
    } catch (e) {
      this.server.process.endInput(); // the watchdog makes dlv detach
      throw e;
    }
    this.rpc.onClose((reason) => this.end(reason));
    void this.server.process.exited.then(({ code }) => this.end(`dlv exited (${code ?? 'signal'})`));
  }

  /** runtime.waitReasonStrings of the target's Go version: dlv reports wait reasons as indexes. */
  private async loadWaitReasons(): Promise<void> {
    try {
      const r = await this.call<{ Variable: DlvVariable }>('Eval', {
        Scope: { GoroutineID: -1, Frame: 0 }, Expr: 'runtime.waitReasonStrings',
        Cfg: { FollowPointers: false, MaxVariableRecurse: 1, MaxStringLen: 80, MaxArrayValues: 256, MaxStructFields: -1 },
      });
      this.waitReasons = (r.Variable.children ?? []).map((c) => c.value);
    } catch {
      this.waitReasons = []; // states fall back to "waiting"
    }
  }

  private call<T>(method: string, params: object = {}): Promise<T> {
    if (!this.rpc) return Promise.reject(new AnoleError('REMOTE_COMMAND', 'dlv is not attached'));
    return this.rpc.call<T>(method, params);
  }

  onDidEnd(listener: (reason: string) => void): void {
    this.endListeners.push(listener);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.running = false;
    this.rpc?.close();
    this.server?.process.endInput();
    if (!this.detaching) for (const l of this.endListeners) l(reason);
  }

  async state(): Promise<TargetState> {
    if (this.ended) return { running: false, exited: true, core: this.core };
    return { running: this.running, exited: false, core: this.core };
  }

  private stateOf(g: DlvGoroutine): string {
    if (g.unreadable) return 'unreadable';
    const status = g.status ?? -1;
    if (status === G_WAITING) return this.waitReasons?.[g.waitReason ?? -1] || 'waiting';
    return G_STATUS[status] ?? `status ${status}`;
  }

  /**
   * dlv finds a goroutine by id by scanning the runtime's goroutine table from the start unless
   * this stop already read it (~1.5 s at 10,000 goroutines). Re-reading the one page it was
   * listed in first costs some 20–50 ms and fills dlv's cache.
   */
  private async warm(goroutineId: number): Promise<void> {
    const page = this.pageOf.get(goroutineId);
    if (!page || this.warmPages.has(page.start)) return;
    await this.listGoroutines(page).catch(() => undefined);
  }

  async listGoroutines(paging: GoroutinePaging): Promise<GoroutinePage> {
    if (!this.waitReasons) await this.loadWaitReasons();
    this.warmPages.add(paging.start);
    const r = await this.call<{ Goroutines: DlvGoroutine[] | null; Nextg: number }>('ListGoroutines', { Start: paging.start, Count: paging.count });
    const goroutines = (r.Goroutines ?? []).map((g): GoroutineSummary => {
      const user = location(g.userCurrentLoc);
      return {
        id: g.id,
        state: this.stateOf(g),
        current: location(g.currentLoc),
        user: g.userCurrentLoc?.function && !isSystemFrame(user) ? user : undefined,
        goStatement: g.goStatementLoc?.function ? location(g.goStatementLoc) : undefined,
        threadId: g.threadID || undefined,
      };
    });
    for (const g of goroutines) this.pageOf.set(g.id, paging);
    return { goroutines, next: r.Nextg > 0 ? r.Nextg : -1 };
  }

  async stacktrace(goroutineId: number, depth: number): Promise<BackendFrame[]> {
    await this.warm(goroutineId);
    const r = await this.call<{ Locations: DlvStackframe[] | null }>('Stacktrace', { Id: goroutineId, Depth: depth, Full: false });
    return (r.Locations ?? []).map((f, index) => ({ ...location(f), index }));
  }

  /**
   * dlv has no call for many stacks: the Stacktrace calls are pipelined (up to 32 in flight) so
   * each costs dlv's work, not a round trip. Goroutines dlv cannot unwind are left out.
   */
  async stacktraces(goroutineIds: readonly number[], depth: number): Promise<Map<number, BackendFrame[]>> {
    const out = new Map<number, BackendFrame[]>();
    let next = 0;
    const worker = async () => {
      while (next < goroutineIds.length) {
        const id = goroutineIds[next++];
        try {
          const r = await this.call<{ Locations: DlvStackframe[] | null }>('Stacktrace', { Id: id, Depth: depth, Full: false });
          out.set(id, (r.Locations ?? []).map((f, index) => ({ ...location(f), index })));
        } catch (e) {
          if (!this.rpc?.isOpen) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, goroutineIds.length) }, worker));
    return out;
  }

  async variables(goroutineId: number, frame: number, kind: ScopeKind): Promise<BackendVariable[]> {
    await this.warm(goroutineId);
    const Scope = { GoroutineID: goroutineId, Frame: frame };
    if (kind === 'args') {
      const r = await this.call<{ Args: DlvVariable[] | null }>('ListFunctionArgs', { Scope, Cfg: SHALLOW_LOAD });
      return (r.Args ?? []).map((v) => convertVariable(v));
    }
    const r = await this.call<{ Variables: DlvVariable[] | null }>('ListLocalVars', { Scope, Cfg: SHALLOW_LOAD });
    return (r.Variables ?? []).map((v) => convertVariable(v));
  }

  async expand(goroutineId: number, frame: number, ref: string): Promise<BackendVariable[]> {
    await this.warm(goroutineId);
    const r = await this.call<{ Variable: DlvVariable }>('Eval', { Scope: { GoroutineID: goroutineId, Frame: frame }, Expr: ref, Cfg: EXPAND_LOAD });
    return childrenOf(r.Variable);
  }

  /**
   * Evaluates `expression` with dlv's Eval, which never calls functions. One that needs a call is
   * refused (AnoleError naming the attribute) unless allowed; then dlv's `call` runs it on the
   * goroutine (dlv lets it run only on a goroutine that is on a thread, and only the call runs).
   */
  async evaluate(goroutineId: number, frame: number, expression: string): Promise<BackendVariable> {
    await this.warm(goroutineId);
    try {
      const r = await this.call<{ Variable: DlvVariable }>('Eval', { Scope: { GoroutineID: goroutineId, Frame: frame }, Expr: expression, Cfg: SHALLOW_LOAD });
      return convertVariable(r.Variable, expression);
    } catch (e) {
      if (!(e instanceof Error) || !isCallRefusal(e.message) || this.core) throw e;
      if (!this.opts.allowFunctionCalls) throw functionCallsRefused(expression);
    }
    const r = await this.call<{ State: DlvCallState }>('Command', {
      name: 'call', Expr: expression, GoroutineID: goroutineId, ReturnInfoLoadConfig: SHALLOW_LOAD, UnsafeCall: false,
    });
    if (r.State.exited) this.end('the process exited');
    const values = r.State.currentThread?.ReturnValues ?? [];
    if (values.length === 1) return convertVariable(values[0], expression);
    return { name: expression, type: '', value: values.length ? values.map((v) => convertVariable(v).value).join(', ') : 'no return values', children: values.map((v) => convertVariable(v)) };
  }

  /**
   * Writes a core dump of the stopped target to `destination` on the host (dlv's `dump`), polling
   * progress every `pollMs`. Rejects with dlv's error; the target stays stopped throughout.
   */
  async dumpCore(destination: string, onProgress?: (memDone: number, memTotal: number) => void, pollMs = 200): Promise<void> {
    if (this.running) throw new AnoleError('BAD_INPUT', 'the target is running: pause it first');
    let st = (await this.call<{ State: DlvDumpState }>('DumpStart', { Destination: destination })).State;
    while (!st.AllDone && !st.Err) {
      onProgress?.(st.MemDone, st.MemTotal);
      st = (await this.call<{ State: DlvDumpState }>('DumpWait', { Wait: pollMs })).State;
    }
    if (st.Err) throw new AnoleError('REMOTE_COMMAND', `dlv could not write the core dump on ${this.host.label}: ${st.Err}`);
    onProgress?.(st.MemTotal, st.MemTotal);
  }

  async pause(): Promise<void> {
    if (!this.running) return;
    // Halt only while a continue is outstanding: a halt of a stopped target would cancel the next continue.
    await this.call<{ State: DlvState }>('Command', { name: 'halt' });
    const st = await this.continuing;
    this.running = false;
    this.continuing = undefined;
    if (st?.exited) this.end('the process exited');
  }

  async resume(): Promise<void> {
    if (this.running || this.ended || this.core) return;
    this.running = true;
    this.warmPages.clear(); // dlv drops its goroutine cache when the target runs
    const continuing = this.call<{ State: DlvState }>('Command', { name: 'continue' }).then(
      (r) => r.State,
      () => undefined,
    );
    this.continuing = continuing;
    void continuing.then((st) => {
      if (st?.exited) this.end('the process exited');
    });
    // Resolve once dlv runs the target: a halt sent earlier would cancel the continue before it ran.
    for (let i = 0; i < 50 && this.continuing === continuing; i++) {
      const st = await this.call<{ State: DlvState }>('State', { NonBlocking: true }).catch(() => undefined);
      if (!st || st.State.Running || st.State.exited) return;
    }
  }

  /** Halts, asks dlv to detach without killing, then lets the watchdog finish; never kills the target. */
  detach(): Promise<void> {
    this.detaching ??= (async () => {
      const limit = this.opts.detachTimeoutMs ?? 10_000;
      if (this.rpc?.isOpen) {
        try {
          await withTimeout(this.pause(), limit);
          // Kill is ignored for a core dump; for a process it must be false
          await withTimeout(this.call('Detach', { Kill: false }), limit);
        } catch {
          // dlv will still detach: on EOF of its stdin the watchdog sends SIGTERM, later SIGKILL
        }
      }
      this.rpc?.close();
      const proc = this.server?.process;
      if (proc) {
        proc.endInput();
        if ((await withTimeout(proc.exited, limit)) === undefined) proc.close();
      }
      this.end('detached');
    })();
    return this.detaching;
  }
}
