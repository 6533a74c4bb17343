// The contract every debugger backend (dlv over JSON-RPC, gdb over MI) fulfils for the adapter.

/** A source position with the function it belongs to. */
export interface SourceLocation {
  function: string;
  /** Absolute path as recorded in the binary's debug info ("" when unknown). */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  pc?: number;
}

/** One goroutine as a listing shows it. */
export interface GoroutineSummary {
  id: number;
  /** Wait reason when waiting ("chan receive", "select"), else the status ("running", "runnable", "syscall"). */
  state: string;
  /** Where it is now (possibly inside the runtime). */
  current: SourceLocation;
  /** The innermost frame outside the runtime: where its own code is; undefined if it has none. */
  user?: SourceLocation;
  /** The `go` statement that started it. */
  goStatement?: SourceLocation;
  /** OS thread running it, if any. */
  threadId?: number;
}

/** One goroutine with its stack, innermost frame first, as a whole-process read gives it. */
export interface GoroutineStack {
  id: number;
  state: string;
  frames: Array<Pick<SourceLocation, 'function' | 'file' | 'line'>>;
  goStatement?: Pick<SourceLocation, 'function' | 'file' | 'line'>;
}

/** Which slice of the goroutine list to read. */
export interface GoroutinePaging {
  /** Opaque cursor from the previous page (0 for the first). */
  start: number;
  /** Most goroutines to return. */
  count: number;
}

/** One page of goroutines; `next` is the cursor of the following page, or -1 when done. */
export interface GoroutinePage {
  goroutines: GoroutineSummary[];
  next: number;
}

/** One stack frame of a goroutine, innermost first. */
export interface BackendFrame extends SourceLocation {
  /** Index to pass back to {@link DebugBackend.variables}. */
  index: number;
}

/** Which variables of a frame. */
export type ScopeKind = 'args' | 'locals';

/** A variable (or a child of one) ready to show. */
export interface BackendVariable {
  name: string;
  type: string;
  /** One-line rendering: strings quoted, "[]int len: 3, cap: 4", "map[string]int len: 2". */
  value: string;
  /** Children already loaded (fields, elements, map entries); may be fewer than exist. */
  children?: BackendVariable[];
  /** Opaque handle for {@link DebugBackend.expand} when there are children to load; absent for leaves. */
  ref?: string;
}

/** Whether the target runs. */
export interface TargetState {
  running: boolean;
  /** The process is gone. */
  exited: boolean;
  /** The target is a core dump: it never runs. */
  core?: boolean;
}

/** A core dump and the executable that wrote it, as paths on the backend's host. */
export interface CoreTarget {
  core: string;
  executable: string;
}

/** Callbacks of {@link DebugBackend.attach}. */
export interface AttachHooks {
  /** Called once, just before the debugger stops the target: where a measured pause begins. */
  onStopping?: () => void;
}

/**
 * A debugger attached to one Go process on a host. Implementations must never kill the target:
 * detach() and every failure path leave it running. All goroutine ids are Go goroutine ids.
 */
export interface DebugBackend {
  readonly kind: 'dlv' | 'gdb';
  /**
   * Attaches to `pid`; the target is stopped afterwards (call resume() to let it run).
   * `onStopping` runs just before the request that stops the target (after the debugger's set-up).
   */
  attach(pid: number, hooks?: AttachHooks): Promise<void>;
  /**
   * Opens a core dump instead of attaching (no process is touched). The target is then stopped
   * for good: pause() and resume() do nothing, detach() closes the debugger.
   */
  openCore(target: CoreTarget): Promise<void>;
  state(): Promise<TargetState>;
  /** Reads one page of all goroutines (the target must be stopped). */
  listGoroutines(paging: GoroutinePaging): Promise<GoroutinePage>;
  /** Innermost `depth` frames of a goroutine (the target must be stopped). */
  stacktrace(goroutineId: number, depth: number): Promise<BackendFrame[]>;
  /**
   * The stacks of many goroutines in one go, where the debugger can do that faster than one
   * {@link stacktrace} each (the target must be stopped). Goroutines it cannot unwind are left out.
   */
  stacktraces?(goroutineIds: readonly number[], depth: number): Promise<Map<number, BackendFrame[]>>;
  /**
   * Every goroutine with its stack in one pass, where the debugger can do that much faster than
   * listing and unwinding (the target must be stopped). `signal` ends the read early: it then
   * throws an AnoleError CANCELLED.
   */
  readAllStacks?(depth: number, signal?: AbortSignal): Promise<GoroutineStack[]>;
  /**
   * Loads, while the target runs, what {@link readAllStacks} would otherwise load with the target
   * stopped (gdb: every symbol table), so that stop is shorter. Never stops the target; a failure
   * only leaves the read as slow as without it.
   */
  prepareReadAll?(): Promise<void>;
  /** Arguments or locals of one frame (the target must be stopped). */
  variables(goroutineId: number, frame: number, kind: ScopeKind): Promise<BackendVariable[]>;
  /** Loads the children of a variable a previous call returned with a `ref`. */
  expand(goroutineId: number, frame: number, ref: string): Promise<BackendVariable[]>;
  /** Evaluates an expression in a frame. */
  evaluate(goroutineId: number, frame: number, expression: string): Promise<BackendVariable>;
  /** Stops every thread; resolves once stopped. */
  pause(): Promise<void>;
  /** Lets the target run; resolves once it runs (not when it stops again). */
  resume(): Promise<void>;
  /** Detaches leaving the target running, and releases everything on the host. Idempotent; never kills. */
  detach(): Promise<void>;
  /** Called once if the backend dies on its own (debugger exited, connection lost). */
  onDidEnd(listener: (reason: string) => void): void;
}
