// Shapes of a parsed Go goroutine dump (debug=2 text or a panic/SIGQUIT traceback) and of its groups.

/** One frame of a goroutine's stack, as the Go runtime prints it. Shared between goroutines whose lines are equal. */
export interface Frame {
  /** Function as printed: "main.(*T).m", "main.f[...]", "main.main.func1.2", "panic". */
  readonly function: string;
  /** Raw argument text between the parentheses: "0x1, {0x2, 0x3}", "..." when inlined, "" when none. */
  readonly args: string;
  /** Source file as printed (absolute, module-relative with -trimpath, or "" when the runtime gave none). */
  readonly file: string;
  /** 1-based source line; 0 when the runtime gave none or it could not be read. */
  readonly line: number;
  /** Offset of the PC in the function, e.g. "+0x1d"; null for inlined frames, which print none. */
  readonly pcOffset: string | null;
}

/** The `go` statement that started a goroutine ("created by X [in goroutine N]"). Shared, frozen. */
export interface CreatedBy {
  readonly function: string;
  readonly file: string;
  readonly line: number;
  /** The creating goroutine; Go ≥ 1.21 prints it, older Go does not. */
  readonly goroutineId?: number;
}

/** One goroutine of a debug=2 dump. */
export interface Goroutine {
  id: number;
  /** Status or wait reason: "running", "chan receive", "sync.Mutex.Lock", "chan send (nil chan)". */
  state: string;
  /** Minutes blocked, from ", 12 minutes"; null when the header has none (under a minute or not waiting). */
  waitMinutes: number | null;
  /** ", locked to thread" (runtime.LockOSThread). */
  lockedToThread: boolean;
  /** " (leaked)": Go's goroutine leak detector proved the goroutine can never resume. */
  leaked: boolean;
  /** Goroutine labels from " labels:{...}" (GODEBUG=tracebacklabels=1); null when absent. */
  labels: Readonly<Record<string, string>> | null;
  /**
   * Header attributes kept raw because they do not change what the goroutine does: "(scan)",
   * "synctest bubble 3", "gp=0x... m=nil", and anything a newer Go adds.
   */
  extra: readonly string[];
  /** Innermost frame first. */
  frames: Frame[];
  createdBy: CreatedBy | null;
  /** The runtime left frames out ("...additional frames elided..." or "...N frames elided..."). */
  elided: boolean;
  /** The dump ended inside this goroutine, so its stack (or header) is incomplete. */
  truncated: boolean;
}

/** Result of parsing a debug=2 dump. */
export interface ParsedDump {
  goroutines: Goroutine[];
  /** Things skipped or suspicious, one line each (capped); empty for a clean dump. */
  warnings: string[];
}

/** A frame reduced to what identifies a stack: where it is, not its arguments. */
export interface StackFrame {
  function: string;
  file: string;
  line: number;
}

/** Goroutines with the same state and the same stack (and the same creator). */
export interface GoroutineGroup {
  count: number;
  /** Shared state; "" when the dump does not say (debug=1). */
  state: string;
  /** Longest wait in the group in minutes; null when no member reported one. */
  waitMinutes: number | null;
  /** Shortest wait in the group (members without one count as 0); null when no member reported one. */
  minWaitMinutes: number | null;
  /** How many members are locked to their OS thread. */
  lockedToThread: number;
  /** Innermost frame first. */
  frames: StackFrame[];
  createdBy: StackFrame | null;
  /** Member ids in dump order, at most `maxIds` of them (empty for debug=1, which has no ids). */
  ids: number[];
  /** Some member's stack was elided by the runtime. */
  elided: boolean;
  /** Some member was cut off by the end of the dump. */
  truncated: boolean;
}

/** Goroutines grouped by identical stacks, biggest group first. */
export interface GroupedGoroutines {
  total: number;
  groups: GoroutineGroup[];
}
