// Event types of the Go 1.11–1.21 execution-trace format, as in Go's internal/trace/internal/tracev1/parser.go.

/** Old-format event types (runtime/trace.go of Go ≤ 1.21, "trace" prefix removed). */
export const Ev = {
  None: 0,
  Batch: 1, // start of per-P batch [pid, timestamp]
  Frequency: 2, // ticks per second [frequency]
  Stack: 3, // [stack id, number of PCs, {PC, func string id, file string id, line}…]
  Gomaxprocs: 4, // [ts, GOMAXPROCS, stack]
  ProcStart: 5, // [ts, thread id]
  ProcStop: 6, // [ts]
  GCStart: 7, // [ts, seq, stack]
  GCDone: 8, // [ts]
  STWStart: 9, // [ts, kind]
  STWDone: 10, // [ts]
  GCSweepStart: 11, // [ts, stack]
  GCSweepDone: 12, // [ts, swept, reclaimed]
  GoCreate: 13, // [ts, new g, new stack, stack]
  GoStart: 14, // [ts, g, seq]
  GoEnd: 15, // [ts]
  GoStop: 16, // [ts, stack]
  GoSched: 17, // [ts, stack]
  GoPreempt: 18, // [ts, stack]
  GoSleep: 19, // [ts, stack]
  GoBlock: 20, // [ts, stack]
  GoUnblock: 21, // [ts, g, seq, stack]
  GoBlockSend: 22, // [ts, stack]
  GoBlockRecv: 23, // [ts, stack]
  GoBlockSelect: 24, // [ts, stack]
  GoBlockSync: 25, // [ts, stack]
  GoBlockCond: 26, // [ts, stack]
  GoBlockNet: 27, // [ts, stack]
  GoSysCall: 28, // [ts, stack]
  GoSysExit: 29, // [ts, g, seq, real ts]
  GoSysBlock: 30, // [ts]
  GoWaiting: 31, // [ts, g] blocked when tracing started
  GoInSyscall: 32, // [ts, g] in a syscall when tracing started
  HeapAlloc: 33, // [ts, bytes]
  HeapGoal: 34, // [ts, bytes]
  TimerGoroutine: 35, // [g]
  FutileWakeup: 36, // [ts]
  String: 37, // [id, length, bytes]
  GoStartLocal: 38, // [ts, g]
  GoUnblockLocal: 39, // [ts, g, stack]
  GoSysExitLocal: 40, // [ts, g, real ts]
  GoStartLabel: 41, // [ts, g, seq, label string id]
  GoBlockGC: 42, // [ts, stack]
  GCMarkAssistStart: 43, // [ts, stack]
  GCMarkAssistDone: 44, // [ts]
  UserTaskCreate: 45, // [ts, task id, parent id, name string id, stack]
  UserTaskEnd: 46, // [ts, task id, stack]
  UserRegion: 47, // [ts, task id, mode, name string id, stack]
  UserLog: 48, // [ts, task id, key string id, stack] + inline value string
  CPUSample: 49, // [ts, real ts, p, g, stack]
  Count: 50,
} as const;

/** Names of the event types, for messages. */
export const EV_NAMES: readonly string[] = Object.keys(Ev);

/** Per event type: number of logical arguments after the timestamp (without the stack). */
export const EV_ARGS = new Uint8Array(Ev.Count);
/** Per event type: 1 if its last argument is a stack id. */
export const EV_STACK = new Uint8Array(Ev.Count);
/** Per event type: the first format version (Go minor) that has it. */
export const EV_MIN_VERSION = new Uint8Array(Ev.Count).fill(255);

function def(type: number, args: number, stack: boolean, minVersion: number): void {
  EV_ARGS[type] = args;
  EV_STACK[type] = stack ? 1 : 0;
  EV_MIN_VERSION[type] = minVersion;
}

def(Ev.Batch, 2, false, 5);
def(Ev.Frequency, 1, false, 5);
def(Ev.Stack, 2, false, 5);
def(Ev.Gomaxprocs, 1, true, 5);
def(Ev.ProcStart, 1, false, 5);
def(Ev.ProcStop, 0, false, 5);
def(Ev.GCStart, 1, true, 5);
def(Ev.GCDone, 0, false, 5);
def(Ev.STWStart, 1, false, 5);
def(Ev.STWDone, 0, false, 5);
def(Ev.GCSweepStart, 0, true, 5);
def(Ev.GCSweepDone, 2, false, 5);
def(Ev.GoCreate, 2, true, 5);
def(Ev.GoStart, 2, false, 5);
def(Ev.GoEnd, 0, false, 5);
for (const t of [Ev.GoStop, Ev.GoSched, Ev.GoPreempt, Ev.GoSleep, Ev.GoBlock]) def(t, 0, true, 5);
def(Ev.GoUnblock, 2, true, 5);
for (const t of [Ev.GoBlockSend, Ev.GoBlockRecv, Ev.GoBlockSelect, Ev.GoBlockSync, Ev.GoBlockCond, Ev.GoBlockNet, Ev.GoSysCall]) {
  def(t, 0, true, 5);
}
def(Ev.GoSysExit, 3, false, 5);
def(Ev.GoSysBlock, 0, false, 5);
def(Ev.GoWaiting, 1, false, 5);
def(Ev.GoInSyscall, 1, false, 5);
def(Ev.HeapAlloc, 1, false, 5);
def(Ev.HeapGoal, 1, false, 5);
def(Ev.TimerGoroutine, 1, false, 5);
def(Ev.FutileWakeup, 0, false, 5);
def(Ev.String, 0, false, 7);
def(Ev.GoStartLocal, 1, false, 7);
def(Ev.GoUnblockLocal, 1, true, 7);
def(Ev.GoSysExitLocal, 2, false, 7);
def(Ev.GoStartLabel, 3, false, 8);
def(Ev.GoBlockGC, 0, true, 8);
def(Ev.GCMarkAssistStart, 0, true, 9);
def(Ev.GCMarkAssistDone, 0, false, 9);
def(Ev.UserTaskCreate, 3, true, 11);
def(Ev.UserTaskEnd, 1, true, 11);
def(Ev.UserRegion, 3, true, 11);
def(Ev.UserLog, 2, true, 11);
def(Ev.CPUSample, 3, true, 19);

/**
 * Number of varints an event of `type` carries on the wire after its type byte: the timestamp delta,
 * the arguments and the stack id (EvBatch, EvFrequency and EvTimerGoroutine have no timestamp).
 */
export function wireArgCount(type: number): number {
  const n = EV_ARGS[type] + EV_STACK[type];
  return type === Ev.Batch || type === Ev.Frequency || type === Ev.TimerGoroutine ? n : n + 1;
}

/** Special P ids of the old format (events not on a real P). */
export const FakeP = {
  Timer: 1000001,
  Netpoll: 1000002,
  Syscall: 1000003,
  GC: 1000004,
  Profile: 1000005,
} as const;

/** Stop-the-world reason names by the converter's numbering (Go's tracev1 STWReason). */
export const STW_REASONS = [
  '',
  'GC mark termination',
  'GC sweep termination',
  'write heap dump',
  'goroutine profile',
  'goroutine profile cleanup',
  'all goroutine stack trace',
  'read mem stats',
  'AllThreadsSyscall',
  'GOMAXPROCS',
  'start trace',
  'stop trace',
  'CountPagesInUse (test)',
  'ReadMetricsSlow (test)',
  'ReadMemStatsSlow (test)',
  'PageCachePagesLeaked (test)',
  'ResetDebugLog (test)',
];

/** The STW reason name of an EvSTWStart kind in a trace of format `version` (as Go's Trace.STWReason). */
export function stwReason(version: number, kind: number): string {
  if (version < 21) return kind === 0 || kind === 1 ? STW_REASONS[kind + 1] : '';
  if (version === 21) return STW_REASONS[kind] ?? '';
  return '';
}
