// Wire events of the Go >= 1.22 trace format as the model's TraceEvent: what reader.ts delivers to visitors.
import { EventKind, GcRange, GoState, NO_ID, NO_STACK, ResourceKind, type TraceEvent } from '../model';
import { Ev, SPECS } from './events.generated';
import type { Generation } from './generation';
import { gStatusToState, pStatusToState, smi } from './order';

/** Go's NoGoroutine, NoProc and NoThread (-1 as a uint64 varint) decode as doubles at or above this. */
const ABSENT = 2 ** 53;

/** Per wire type: index in the args (after dt) of the event's own stack, -1 if none. */
const STACK_ARG = Int8Array.from({ length: 256 }, (_, t) => (SPECS[t]?.stackIds.length ? (SPECS[t]?.stackIds[0] ?? 0) - 1 : -1));

/** A CPU sample (time, m, p, g, stack at k in `s`) as a StackSample event. */
export function emitSample(out: TraceEvent, s: number[], k: number, g: Generation): void {
  out.kind = EventKind.StackSample;
  out.m = id(s[k + 1]);
  out.p = id(s[k + 2]);
  out.g = id(s[k + 3]);
  out.stack = g.stacks.get(s[k + 4]) ?? NO_STACK;
}

/** A wire id, or NO_ID when absent. */
export function id(v: number): number {
  return v >= ABSENT ? NO_ID : v;
}

const RANGE_NAMES: Record<number, string> = {
  [Ev.GCBegin]: GcRange.Mark,
  [Ev.GCActive]: GcRange.Mark,
  [Ev.GCEnd]: GcRange.Mark,
  [Ev.GCSweepBegin]: GcRange.Sweep,
  [Ev.GCSweepActive]: GcRange.Sweep,
  [Ev.GCSweepEnd]: GcRange.Sweep,
  [Ev.GCMarkAssistBegin]: GcRange.Assist,
  [Ev.GCMarkAssistActive]: GcRange.Assist,
  [Ev.GCMarkAssistEnd]: GcRange.Assist,
};

/** The string that argument i names in the generation's table. */
export function str(gen: Generation, a: ArrayLike<number>, i: number): string {
  return gen.strings.get(smi(a[i])) ?? '';
}

function trans(out: TraceEvent, res: ResourceKind, rid: number, from: number, to: number): void {
  out.kind = EventKind.StateTransition;
  out.resource = res;
  out.id = rid;
  out.from = from;
  out.to = to;
}

/** `fill` for GoStart, GoBlock, GoStop and GoUnblock only: the same fields, small enough to be inlined. */
export function fillHot(out: TraceEvent, typ: number, a: Float64Array, g: number, p: number, m: number, gen: Generation): void {
  out.kind = EventKind.StateTransition;
  out.resource = ResourceKind.Goroutine;
  out.g = id(g);
  out.p = id(p);
  out.m = id(m);
  out.reason = '';
  out.stateStack = NO_STACK;
  if (typ === Ev.GoStart) {
    out.stack = NO_STACK;
    out.id = a[0];
    out.from = GoState.Runnable;
    out.to = GoState.Running;
  } else if (typ === Ev.GoUnblock) {
    out.stack = gen.stacks.get(smi(a[2])) ?? NO_STACK;
    out.id = a[0];
    out.from = GoState.Waiting;
    out.to = GoState.Runnable;
  } else {
    const stk = gen.stacks.get(smi(a[1])) ?? NO_STACK;
    out.stack = stk;
    out.stateStack = stk;
    out.id = out.g;
    out.from = GoState.Running;
    out.to = typ === Ev.GoStop ? GoState.Runnable : GoState.Waiting;
    out.reason = str(gen, a, 0);
  }
}

/** Fills the model event from a wire event; false if the event is not surfaced. */
export function fill(out: TraceEvent, typ: number, a: ArrayLike<number>, g: number, p: number, m: number, extra: number, gen: Generation): boolean {
  out.g = id(g);
  out.p = id(p);
  out.m = id(m);
  const si = STACK_ARG[typ];
  const stk = si >= 0 ? gen.stacks.get(smi(a[si])) ?? NO_STACK : NO_STACK;
  out.stack = stk;
  out.stateStack = NO_STACK;
  out.reason = '';
  // The most frequent events first (the cases are compared in order).
  switch (typ) {
    case Ev.GoStart: trans(out, ResourceKind.Goroutine, a[0], GoState.Runnable, GoState.Running); break;
    case Ev.GoStop:
    case Ev.GoBlock:
      trans(out, ResourceKind.Goroutine, out.g, GoState.Running, typ === Ev.GoStop ? GoState.Runnable : GoState.Waiting);
      out.reason = str(gen, a, 0);
      out.stateStack = stk;
      break;
    case Ev.GoUnblock:
    case Ev.GoSwitch:
    case Ev.GoSwitchDestroy:
      trans(out, ResourceKind.Goroutine, a[0], GoState.Waiting, GoState.Runnable);
      break;
    case Ev.ProcStart: trans(out, ResourceKind.Proc, a[0], 3, 2); break;
    case Ev.ProcStop: trans(out, ResourceKind.Proc, out.p, 2, 3); break;
    case Ev.ProcSteal: trans(out, ResourceKind.Proc, a[0], extra === 4 ? 3 : 2, 3); break;
    case Ev.ProcStatus: trans(out, ResourceKind.Proc, a[0], extra, pStatusToState(a[1])); break;
    case Ev.GoCreate:
    case Ev.GoCreateBlocked:
      trans(out, ResourceKind.Goroutine, a[0], GoState.NotExist, typ === Ev.GoCreate ? GoState.Runnable : GoState.Waiting);
      out.stateStack = gen.stacks.get(smi(a[1])) ?? NO_STACK;
      break;
    case Ev.GoCreateSyscall: trans(out, ResourceKind.Goroutine, a[0], GoState.NotExist, GoState.Syscall); break;
    case Ev.GoDestroy: trans(out, ResourceKind.Goroutine, out.g, GoState.Running, GoState.NotExist); break;
    case Ev.GoDestroySyscall: trans(out, ResourceKind.Goroutine, out.g, GoState.Syscall, GoState.NotExist); break;
    case Ev.GoSyscallBegin:
      trans(out, ResourceKind.Goroutine, out.g, GoState.Running, GoState.Syscall);
      out.stateStack = stk;
      break;
    case Ev.GoSyscallEnd: trans(out, ResourceKind.Goroutine, out.g, GoState.Syscall, GoState.Running); break;
    case Ev.GoSyscallEndBlocked: trans(out, ResourceKind.Goroutine, out.g, GoState.Syscall, GoState.Runnable); break;
    case Ev.GoStatus:
    case Ev.GoStatusStack:
      trans(out, ResourceKind.Goroutine, a[0], extra, gStatusToState(a[2]));
      out.stateStack = stk;
      break;
    case Ev.STWBegin:
    case Ev.STWEnd:
      out.kind = typ === Ev.STWBegin ? EventKind.RangeBegin : EventKind.RangeEnd;
      out.name = `stop-the-world (${str(gen, a, 0)})`;
      out.resource = ResourceKind.Goroutine;
      out.id = out.g;
      break;
    case Ev.GCBegin:
    case Ev.GCActive:
    case Ev.GCEnd:
    case Ev.GCSweepBegin:
    case Ev.GCSweepActive:
    case Ev.GCSweepEnd:
    case Ev.GCMarkAssistBegin:
    case Ev.GCMarkAssistActive:
    case Ev.GCMarkAssistEnd: {
      const st = SPECS[typ]?.startEv ?? 0;
      out.kind = typ === Ev.GCActive || typ === Ev.GCSweepActive || typ === Ev.GCMarkAssistActive
        ? EventKind.RangeActive : st ? EventKind.RangeEnd : EventKind.RangeBegin;
      out.name = RANGE_NAMES[typ];
      if (typ <= Ev.GCEnd) {
        out.resource = ResourceKind.None;
        out.id = NO_ID;
      } else if (typ <= Ev.GCSweepEnd) {
        out.resource = ResourceKind.Proc;
        out.id = typ === Ev.GCSweepActive ? a[0] : out.p;
      } else {
        out.resource = ResourceKind.Goroutine;
        out.id = typ === Ev.GCMarkAssistActive ? a[0] : out.g;
      }
      break;
    }
    case Ev.ProcsChange:
    case Ev.HeapAlloc:
    case Ev.HeapGoal:
      out.kind = EventKind.Metric;
      out.name = typ === Ev.ProcsChange ? '/sched/gomaxprocs:threads' : typ === Ev.HeapAlloc ? '/memory/classes/heap/objects:bytes' : '/gc/heap/goal:bytes';
      out.value = a[0];
      break;
    case Ev.GoLabel:
      out.kind = EventKind.Label;
      out.name = str(gen, a, 0);
      out.resource = ResourceKind.Goroutine;
      out.id = out.g;
      break;
    case Ev.UserTaskBegin:
      out.kind = EventKind.TaskBegin;
      out.id = a[0];
      out.parent = a[1] === 0 ? NO_ID : a[1];
      out.name = str(gen, a, 2);
      break;
    case Ev.UserTaskEnd:
      out.kind = EventKind.TaskEnd;
      out.id = a[0];
      out.name = '';
      break;
    case Ev.UserRegionBegin:
    case Ev.UserRegionEnd:
      out.kind = typ === Ev.UserRegionBegin ? EventKind.RegionBegin : EventKind.RegionEnd;
      out.id = a[0];
      out.name = str(gen, a, 1);
      break;
    case Ev.UserLog:
      out.kind = EventKind.Log;
      out.id = a[0];
      out.name = str(gen, a, 1);
      out.message = str(gen, a, 2);
      break;
    default:
      return false; // experimental alloc/free events are not surfaced
  }
  return true;
}
