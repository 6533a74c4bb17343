// The gdb backend: gdb (MI) on the host under a watchdog, with our Python script for goroutines.
import { AnoleError } from '../../errors';
import { isSystemFrame } from '../../goroutines/group';
import type { RemoteHost } from '../../remote/host';
import { shellScript } from '../../shell';
import type {
  AttachHooks, BackendFrame, BackendVariable, CoreTarget, DebugBackend, GoroutinePage, GoroutinePaging, GoroutineStack, GoroutineSummary, ScopeKind, SourceLocation,
  TargetState,
} from '../backend';
import { runPreflight } from '../preflight';
import type { RemoteProcess } from '../../remote/host';
import { toolchainHint } from './goroot';
import { readGdbScript } from './script';
import { MiCommandError, MiConnection, type MiRecord } from './mi';
import { parseScriptDump } from './scriptDump';
import { GDB_CANCEL_NAME, GDB_SCRIPT_NAME, prepareGdbDir, startGdbProcess, type GdbDir } from './watchdog';
import { functionCallsRefused, isCallRefusal, looksLikeCall } from '../functionCalls';

/** Options for {@link GdbBackend}. */
export interface GdbBackendOptions {
  /** gdb's path on the host (preflight finds it; default "gdb"). */
  gdbPath?: string;
  /** Receives every MI line, for the DAP log. */
  trace?: (line: string) => void;
  /** How long detach waits for gdb before closing the channel (default 10 s). */
  detachTimeoutMs?: number;
  /** How long attach may take (default 60 s). */
  attachTimeoutMs?: number;
  /** Text of our gdb script (default: media/gdb/anole_goroutines.py). */
  script?: string;
  /** Frames walked per goroutine to find its user frame in a listing (default 64). */
  listingDepth?: number;
  /** GOROOTs to look for runtime-gdb.py in (default: the binary's own, then the usual places). */
  gorootCandidates?: string[];
  /** Let expressions call functions in the target (gdb's may-call-functions); off by default. */
  allowFunctionCalls?: boolean;
  /** The target is a fork snapshot: its threads' registers at the fork, on the host (regs.json). */
  snapshotRegs?: string;
}

/** A location as our script prints it. */
interface ScriptLocation {
  function: string;
  file: string;
  line: number;
  pc?: number;
}

interface ScriptGoroutine {
  id: number;
  state: string;
  current?: ScriptLocation;
  user?: ScriptLocation;
  go?: ScriptLocation;
  lwp?: number;
}

interface ScriptVariable {
  name: string;
  type: string;
  value: string;
  ref?: string;
}

const MARK = 'ANOLE-JSON ';

/** The JSON our script printed among a command's console output. */
export function scriptJson<T>(consoleText: string): T {
  const at = consoleText.lastIndexOf(MARK);
  if (at < 0) throw new AnoleError('REMOTE_COMMAND', `gdb printed no result: ${consoleText.trim().slice(0, 300) || '(nothing)'}`);
  const end = consoleText.indexOf('\n', at);
  return JSON.parse(consoleText.slice(at + MARK.length, end < 0 ? undefined : end)) as T;
}

function loc(l: ScriptLocation | undefined): SourceLocation {
  return { function: l?.function ?? '?', file: l?.file ?? '', line: l?.line ?? 0, pc: l?.pc };
}

/** Converts one goroutine of our script's listing. */
export function toSummary(g: ScriptGoroutine): GoroutineSummary {
  const user = g.user ? loc(g.user) : undefined;
  return {
    id: g.id,
    state: g.state,
    current: loc(g.current),
    user: user && !isSystemFrame(user) ? user : undefined,
    goStatement: g.go ? loc(g.go) : undefined,
    threadId: g.lwp,
  };
}

function toVariable(v: ScriptVariable): BackendVariable {
  return { name: v.name, type: v.type, value: v.value, ...(v.ref ? { ref: v.ref } : {}) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<undefined>((r) => { t = setTimeout(() => r(undefined), ms); })]).finally(() => clearTimeout(t));
}

/**
 * Checks the host with the shared preflight (ptrace policy, tracer, gdb installed, DWARF), then
 * attaches gdb to `pid`. Blocking findings throw one AnoleError naming each problem and its fix.
 */
export async function attachGdb(host: RemoteHost, pid: number, opts: GdbBackendOptions = {}): Promise<GdbBackend> {
  const { facts, findings } = await runPreflight(host, pid, 'gdb');
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) {
    throw new AnoleError('REMOTE_COMMAND', `cannot attach gdb to process ${pid} on ${host.label}: ${errors.map((f) => f.message).join('; ')}`,
      errors.map((f) => f.fix).filter(Boolean).join('; ') || undefined);
  }
  const backend = new GdbBackend(host, { ...opts, gdbPath: opts.gdbPath ?? facts.gdb });
  await backend.attach(pid);
  return backend;
}

/** gdb attached to one process. The process runs only between resume() and pause(). */
export class GdbBackend implements DebugBackend {
  readonly kind = 'gdb' as const;
  private proc?: RemoteProcess;
  private mi?: MiConnection;
  private dir?: GdbDir;
  private running = false;
  private exited = false;
  private ended = false;
  /** A core dump is open: nothing runs. */
  private core = false;
  private detaching?: Promise<void>;
  /** This gdb cannot refuse calls itself (before 8.3): expressions with call syntax are refused here. */
  private guardCalls = false;
  private stderr = '';
  /** A read was cancelled through the cancel file, which is still there. */
  private cancelFileMade = false;
  private readonly endListeners: Array<(reason: string) => void> = [];
  private readonly stopWaiters: Array<(r: MiRecord) => void> = [];

  constructor(private readonly host: RemoteHost, private readonly opts: GdbBackendOptions = {}) {}

  attach(pid: number, hooks: AttachHooks = {}): Promise<void> {
    return this.start(`/proc/${pid}/exe`, pid, `process ${pid}`, () => this.setUp(pid, hooks));
  }

  async openCore(target: CoreTarget): Promise<void> {
    this.core = true;
    await this.start(target.executable, undefined, `the core dump ${target.core}`, () => this.setUpCore(target));
  }

  /** Starts gdb under the watchdog for `executable` (a live `pid`, or none for a core) and runs `setUp`. */
  private async start(executable: string, pid: number | undefined, what: string, setUp: () => Promise<void>): Promise<void> {
    const hint = await toolchainHint((o, l) => this.host.readRange(executable, o, l), `${executable} on ${this.host.label}`);
    this.dir = await prepareGdbDir(this.host, this.opts.script ?? readGdbScript(), hint.release, this.opts.gorootCandidates ?? hint.gorootCandidates);
    try {
      this.proc = await startGdbProcess(this.host, this.opts.gdbPath ?? 'gdb', this.dir, pid);
    } catch (e) {
      await this.host.exec(['rm', '-rf', this.dir.dir]).catch(() => undefined);
      throw e;
    }
    const proc = this.proc;
    proc.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString('utf8')).slice(-16_384); });
    this.mi = new MiConnection({ write: (t) => proc.stdin.write(t), onData: (l) => proc.stdout.on('data', (d: Buffer) => l(d.toString('utf8'))) }, this.opts.trace);
    this.mi.onAsync((r) => this.onAsync(r));
    void proc.exited.then(({ code, signal }) => this.end(`gdb exited (${code ?? signal ?? 'unknown'})${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').pop()}` : ''}`));
    const limit = this.opts.attachTimeoutMs ?? 60_000;
    const ok = await withTimeout(setUp().then(() => true as const), limit).catch((e: Error) => e);
    if (ok === undefined || ok instanceof Error) {
      proc.endInput(); // the watchdog makes gdb detach
      const exit = await withTimeout(proc.exited, 2_000);
      if (exit?.code === 127) {
        throw new AnoleError('NOT_FOUND', `gdb is not installed on ${this.host.label} (${this.opts.gdbPath ?? 'gdb'} not found)`, 'run: sudo dnf install gdb');
      }
      const verb = pid === undefined ? 'open' : 'attach to';
      if (ok instanceof MiCommandError) throw new AnoleError('REMOTE_COMMAND', `gdb could not ${verb} ${what} on ${this.host.label}: ${ok.message}`);
      if (ok instanceof Error) throw ok;
      throw new AnoleError('TIMEOUT', `gdb did not ${verb} ${what} within ${limit} ms on ${this.host.label}`, this.stderr.trim() || undefined);
    }
  }

  /** MI settings and our script, before attaching or opening a core. */
  private async configure(): Promise<void> {
    const mi = this.mi!;
    const dir = this.dir!;
    for (const c of ['-gdb-set mi-async on', '-gdb-set non-stop off', '-gdb-set pagination off', '-gdb-set print thread-events off',
      '-gdb-set confirm off', '-gdb-set width 0', '-gdb-set print elements 200']) {
      await mi.send(c);
    }
    if (!this.opts.allowFunctionCalls) {
      // Evaluating must not run code inside the process. gdb before 8.3 lacks the setting.
      await mi.send('-gdb-set may-call-functions off').catch(() => { this.guardCalls = true; });
    }
    // The Go runtime signals itself all the time (SIGURG preempts goroutines): never stop on those.
    await mi.console('handle SIGURG SIGPIPE SIGCHLD SIGWINCH SIGPROF SIGALRM nostop noprint pass');
    await mi.console(`source ${dir.dir}/${GDB_SCRIPT_NAME}`);
  }

  private async setUp(pid: number, hooks: AttachHooks): Promise<void> {
    const mi = this.mi!;
    await this.configure();
    const stopped = this.nextStop();
    hooks.onStopping?.();
    await mi.send(`-target-attach ${pid}`);
    await stopped;
    this.running = false;
    if (this.opts.snapshotRegs) await this.script<{ threads: number }>(`anole-snapshot-regs ${oneLine(this.opts.snapshotRegs)}`);
  }

  private async setUpCore(target: CoreTarget): Promise<void> {
    const mi = this.mi!;
    await this.configure();
    // gdb's `core` takes the rest of the line as the file name, quotes included: link both files
    // into our private dir under plain names instead of quoting.
    const dir = this.dir!.dir;
    const ln = await this.host.exec(shellScript('ln -s -- "$1" "$3/exe" && ln -s -- "$2" "$3/core"', [target.executable, target.core, dir]), { timeoutMs: 15_000 });
    if (ln.code !== 0) throw new AnoleError('REMOTE_COMMAND', `cannot link the core dump into ${dir} on ${this.host.label}: ${ln.stderr.toString('utf8').trim()}`);
    await mi.send(`-file-exec-and-symbols ${miQuote(`${dir}/exe`)}`);
    await mi.send(`-target-select core ${dir}/core`);
    await this.script<{ core: boolean }>('anole-core-mode');
    this.running = false;
  }

  private nextStop(): Promise<MiRecord> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  private onAsync(r: Extract<MiRecord, { type: 'exec' | 'status' | 'notify' }>): void {
    if (r.type !== 'exec') return;
    if (r.cls === 'running') this.running = true;
    if (r.cls === 'stopped') {
      this.running = false;
      const reason = typeof r.results.reason === 'string' ? r.results.reason : '';
      if (reason.startsWith('exited')) {
        this.exited = true;
        this.end('the process exited');
      }
      for (const w of this.stopWaiters.splice(0)) w(r);
    }
  }

  /** The private temp dir on the host holding our script (removed when gdb exits). */
  get hostDir(): string | undefined {
    return this.dir?.dir;
  }

  onDidEnd(listener: (reason: string) => void): void {
    this.endListeners.push(listener);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.running = false;
    this.mi?.close(new AnoleError('REMOTE_COMMAND', `gdb is gone: ${reason}`));
    this.proc?.endInput();
    if (!this.detaching) for (const l of this.endListeners) l(reason);
  }

  async state(): Promise<TargetState> {
    return { running: this.running && !this.ended, exited: this.exited || this.ended, core: this.core };
  }

  private async script<T>(command: string): Promise<T> {
    if (!this.mi || this.ended) throw new AnoleError('REMOTE_COMMAND', 'gdb is not attached');
    if (this.running) throw new AnoleError('BAD_INPUT', 'the target is running: pause it first');
    try {
      return scriptJson<T>(await this.mi.console(command));
    } catch (e) {
      if (e instanceof MiCommandError) throw new AnoleError('REMOTE_COMMAND', e.message);
      throw e;
    }
  }

  async listGoroutines(paging: GoroutinePaging): Promise<GoroutinePage> {
    const file = `${this.dir?.dir ?? '/nonexistent'}/goroutines.json`;
    const r = await this.script<{ file: string; bytes: number }>(
      `anole-goroutines ${Math.max(0, Math.floor(paging.start))} ${Math.max(1, Math.floor(paging.count))} ${this.opts.listingDepth ?? 64} ${file}`);
    const data = await this.host.readRange(r.file, 0, r.bytes);
    if (data.length !== r.bytes) throw new AnoleError('REMOTE_COMMAND', `gdb's goroutine list on ${this.host.label} is truncated (${data.length} of ${r.bytes} bytes)`);
    const page = JSON.parse(data.toString('utf8')) as { goroutines: ScriptGoroutine[]; next: number };
    return { goroutines: page.goroutines.map(toSummary), next: page.next };
  }

  async stacktrace(goroutineId: number, depth: number): Promise<BackendFrame[]> {
    const r = await this.script<{ frames: Array<ScriptLocation & { index: number }> }>(`anole-stack ${Math.floor(goroutineId)} ${Math.max(1, Math.floor(depth))}`);
    return r.frames.map((f) => ({ ...loc(f), index: f.index }));
  }

  /** One `anole-stacks` per 2,000 goroutines: one MI round trip instead of one each, the JSON through a file. */
  async stacktraces(goroutineIds: readonly number[], depth: number): Promise<Map<number, BackendFrame[]>> {
    const out = new Map<number, BackendFrame[]>();
    const file = `${this.dir?.dir ?? '/nonexistent'}/stacks.json`;
    for (let i = 0; i < goroutineIds.length; i += 2_000) {
      const ids = goroutineIds.slice(i, i + 2_000).map((id) => Math.floor(id));
      const r = await this.script<{ file: string; bytes: number }>(`anole-stacks ${Math.max(1, Math.floor(depth))} ${file} ${ids.join(' ')}`);
      const data = await this.host.readRange(r.file, 0, r.bytes);
      if (data.length !== r.bytes) throw new AnoleError('REMOTE_COMMAND', `gdb's stacks on ${this.host.label} are truncated (${data.length} of ${r.bytes} bytes)`);
      const page = JSON.parse(data.toString('utf8')) as { stacks: Record<string, Array<ScriptLocation & { index: number }>> };
      for (const [id, frames] of Object.entries(page.stacks)) out.set(Number(id), frames.map((f) => ({ ...loc(f), index: f.index })));
    }
    return out;
  }

  /**
   * Every goroutine with its stack in one `anole-dump`: parked goroutines by a walk of their stacks'
   * frame pointers over memory (inlined calls included), running ones and those in a system call
   * from their own threads — ~0.1 ms a goroutine where unwinding each through gdb's frames
   * (anole-stacks) takes ~5 ms. No thread is lent to a parked goroutine, so it reads the same when
   * every thread is inside a system call. The JSON goes through a file. `signal` (or the watchdog,
   * when our input ends) makes the cancel file, which the script looks for every 500 goroutines.
   */
  async readAllStacks(depth: number, signal?: AbortSignal): Promise<GoroutineStack[]> {
    const dir = this.dir?.dir ?? '/nonexistent';
    const cancel = `${dir}/${GDB_CANCEL_NAME}`;
    signal?.throwIfAborted();
    if (this.cancelFileMade) {
      await this.host.exec(['rm', '-f', '--', cancel]);
      this.cancelFileMade = false;
    }
    const onAbort = () => {
      this.cancelFileMade = true;
      void this.host.exec(['touch', '--', cancel]).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let r: { file: string; bytes: number; cancelled: boolean };
    try {
      r = await this.script<typeof r>(`anole-dump ${Math.max(1, Math.floor(depth))} ${dir}/dump.json ${cancel}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (r.cancelled || signal?.aborted) throw new AnoleError('CANCELLED', 'goroutine dump interrupted');
    const data = await this.host.readRange(r.file, 0, r.bytes);
    if (data.length !== r.bytes) throw new AnoleError('REMOTE_COMMAND', `gdb's goroutine dump on ${this.host.label} is truncated (${data.length} of ${r.bytes} bytes)`);
    return parseScriptDump(data.toString('utf8'));
  }

  /**
   * Expands every symbol table (`maint expand-symtabs`) while the target runs: anole-dump's lookups
   * of functions and lines (and inlined calls) otherwise expand them one by one with the target
   * stopped — about half of a first read's stop at 10,000 goroutines. No target memory is read.
   */
  async prepareReadAll(): Promise<void> {
    if (!this.mi || this.ended || this.core) return;
    await this.mi.console('maint expand-symtabs').catch(() => undefined);
  }

  async variables(goroutineId: number, frame: number, kind: ScopeKind): Promise<BackendVariable[]> {
    const r = await this.script<{ variables: ScriptVariable[] }>(`anole-vars ${Math.floor(goroutineId)} ${Math.floor(frame)} ${kind === 'args' ? 'args' : 'locals'}`);
    return r.variables.map(toVariable);
  }

  async expand(goroutineId: number, frame: number, ref: string): Promise<BackendVariable[]> {
    const r = await this.script<{ variables: ScriptVariable[] }>(`anole-eval ${Math.floor(goroutineId)} ${Math.floor(frame)} 1 ${oneLine(ref)}`);
    return r.variables.map(toVariable);
  }

  /** Evaluates `expression`; one that would call a function is refused unless allowed (AnoleError naming the attribute). */
  async evaluate(goroutineId: number, frame: number, expression: string): Promise<BackendVariable> {
    if (this.guardCalls && looksLikeCall(expression)) throw functionCallsRefused(expression);
    try {
      const r = await this.script<{ variable: ScriptVariable }>(`anole-eval ${Math.floor(goroutineId)} ${Math.floor(frame)} 0 ${oneLine(expression)}`);
      return toVariable({ ...r.variable, name: expression });
    } catch (e) {
      if (!this.opts.allowFunctionCalls && e instanceof Error && isCallRefusal(e.message)) throw functionCallsRefused(expression);
      throw e;
    }
  }

  async pause(): Promise<void> {
    if (!this.running || !this.mi || this.core) return;
    const stopped = this.nextStop();
    await this.mi.send('-exec-interrupt');
    await stopped;
  }

  async resume(): Promise<void> {
    if (this.running || this.ended || !this.mi || this.core) return;
    await this.mi.send('-exec-continue');
    this.running = true;
  }

  /** Stops, detaches, and ends gdb's input (the watchdog then removes our files); never kills the target. */
  detach(): Promise<void> {
    this.detaching ??= (async () => {
      const limit = this.opts.detachTimeoutMs ?? 10_000;
      if (this.mi && !this.ended) {
        try {
          await withTimeout(this.pause(), limit);
          if (!this.core) await withTimeout(this.mi.send('-target-detach'), limit);
        } catch {
          // gdb will still detach: on EOF of its input the watchdog sends -target-detach, later SIGKILL
        }
      }
      const proc = this.proc;
      if (proc) {
        proc.endInput();
        if ((await withTimeout(proc.exited, limit + 6_000)) === undefined) proc.close();
      } else if (this.dir) {
        await this.host.exec(shellScript('rm -rf "$1"', [this.dir.dir])).catch(() => undefined);
      }
      this.end('detached');
    })();
    return this.detaching;
  }
}

/** An MI c-string argument (a path with spaces or quotes stays one argument). */
export function miQuote(s: string): string {
  if (/[\r\n]/.test(s)) throw new AnoleError('BAD_INPUT', 'a path must be on one line');
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A console command argument must stay on one line. */
function oneLine(s: string): string {
  if (/[\r\n]/.test(s)) throw new AnoleError('BAD_INPUT', 'an expression must be on one line');
  return s;
}
