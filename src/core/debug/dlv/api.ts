// The subset of Delve's JSON-RPC API v2 types (service/api/types.go) Anole uses.

/** api.Function */
export interface DlvFunction {
  name: string;
}

/** api.Location */
export interface DlvLocation {
  pc: number;
  file: string;
  line: number;
  function?: DlvFunction | null;
}

/** api.Goroutine */
export interface DlvGoroutine {
  id: number;
  currentLoc: DlvLocation;
  userCurrentLoc: DlvLocation;
  goStatementLoc: DlvLocation;
  startLoc: DlvLocation;
  threadID: number;
  status?: number;
  waitReason?: number;
  unreadable?: string;
}

/** api.Stackframe */
export interface DlvStackframe extends DlvLocation {
  FrameOffset?: number;
  Bottom?: boolean;
  Err?: string;
}

/** api.Variable */
export interface DlvVariable {
  name: string;
  addr: number;
  onlyAddr: boolean;
  type: string;
  realType: string;
  kind: number;
  value: string;
  len: number;
  cap: number;
  children: DlvVariable[] | null;
  base: number;
  unreadable: string;
  flags: number;
}

/** api.LoadConfig */
export interface DlvLoadConfig {
  FollowPointers: boolean;
  MaxVariableRecurse: number;
  MaxStringLen: number;
  MaxArrayValues: number;
  MaxStructFields: number;
}

/** api.DebuggerState (the fields used). */
export interface DlvState {
  Running: boolean;
  exited?: boolean;
  exitStatus?: number;
  err?: unknown;
}

/** api.EvalScope */
export interface DlvEvalScope {
  GoroutineID: number;
  Frame: number;
  DeferredCall?: number;
}

/** reflect.Kind values Delve reports in Variable.kind. */
export const Kind = {
  Bool: 1, Int: 2, Int8: 3, Int16: 4, Int32: 5, Int64: 6, Uint: 7, Uint8: 8, Uint16: 9, Uint32: 10, Uint64: 11,
  Uintptr: 12, Float32: 13, Float64: 14, Complex64: 15, Complex128: 16, Array: 17, Chan: 18, Func: 19,
  Interface: 20, Map: 21, Ptr: 22, Slice: 23, String: 24, Struct: 25, UnsafePointer: 26,
} as const;

/** runtime g status values (runtime2.go), as Delve reports them. */
export const G_STATUS: Record<number, string> = {
  0: 'idle', 1: 'runnable', 2: 'running', 3: 'syscall', 4: 'waiting', 5: 'moribund', 6: 'dead', 7: 'enqueue',
  8: 'copystack', 9: 'preempted',
};
export const G_WAITING = 4;

/** api.DumpState: progress of a `dump` (DumpStart / DumpWait). */
export interface DlvDumpState {
  Dumping: boolean;
  AllDone: boolean;
  ThreadsDone: number;
  ThreadsTotal: number;
  MemDone: number;
  MemTotal: number;
  Err: string;
}
