// Turns the ordered old-format events into the normalized model, as Go's internal/trace/tracev1.go converts them.
import * as model from '../model';
import type { TraceTables, TraceVisitor } from '../model';
import type { Decoded } from './decode';
import * as events from './events';
import type { Ordered } from './order';

// Local aliases: module exports are getters under CommonJS, too slow for the per-event loop.
const { EventKind, GoState, NO_ID, NO_STACK, ProcState, ResourceKind, TraceEvent } = model;
type EventKind = model.EventKind;
type GoState = model.GoState;
type TraceEvent = model.TraceEvent;
const { Ev, stwReason } = events;

/** Go's block reasons for the old format's block events (tracev1.go). */
const BLOCK_REASON: Record<number, string> = {
  [Ev.GoStop]: 'forever',
  [Ev.GoSleep]: 'sleep',
  [Ev.GoBlock]: '',
  [Ev.GoBlockSend]: 'chan send',
  [Ev.GoBlockRecv]: 'chan receive',
  [Ev.GoBlockSelect]: 'select',
  [Ev.GoBlockSync]: 'sync',
  [Ev.GoBlockCond]: 'sync.(*Cond).Wait',
  [Ev.GoBlockNet]: 'network',
  [Ev.GoBlockGC]: 'GC mark assist wait for work',
};

/** First id of Go's fake Ps (timer, netpoll, syscall, GC, profile): reported as "no P". */
const FAKE_P = 1000000;

/** What the conversion delivered. */
export interface Converted {
  events: number;
  /** False if events referred to stacks the trace does not have. */
  stacksComplete: boolean;
  durationNs: number;
  warnings: string[];
}

/**
 * Delivers the ordered events to `visitor` as model events, with Go's conversion rules: goroutines that
 * existed when tracing started get a status event at the first GOMAXPROCS event; a syscall that did not
 * block becomes a 1 ns syscall; each event's time is after the previous one's.
 */
export function convertV1(d: Decoded, o: Ordered, version: number, tables: TraceTables, visitor: TraceVisitor): Converted {
  const s = d.store;
  const { order, count } = o;
  const ev = new TraceEvent();
  const warnings: string[] = [];
  const stackIds = new Map<number, number>();
  const procMs = new Map<number, number>();
  const seenProcs = new Set<number>();
  const createdPreInit = new Set<number>();
  const netBlocked = new Set<number>();
  const taskNames = new Map<number, string>();
  let preInit = true;
  let lastStw = '';
  let lastTs = -1;
  let events = 0;
  let unknownRegionModes = 0;
  let missingStacks = 0;

  const str = (id: number): string => d.strings.get(id) ?? '';
  const stack = (v1: number): number => {
    if (v1 === 0) return NO_STACK;
    let id = stackIds.get(v1);
    if (id === undefined) {
      if (!d.declaredStacks.has(v1)) missingStacks++;
      const pcs = d.stacks.get(v1);
      const frames: number[] = [];
      if (pcs) {
        for (const pc of pcs) {
          const f = d.pcs.get(pc);
          frames.push(tables.internFrame(pc, f ? str(f.fn) : '', f ? str(f.file) : '', f ? f.line : 0));
        }
      }
      id = tables.internStack(frames);
      stackIds.set(v1, id);
    }
    return id;
  };
  /** Resets `ev` to a context (g, p, m) at time t; the caller sets the rest and calls emit. */
  const begin = (kind: EventKind, t: number, g: number, p: number, m: number): TraceEvent => {
    ev.kind = kind;
    ev.time = t;
    ev.g = g === 0 ? NO_ID : g;
    ev.p = p >= FAKE_P ? NO_ID : p;
    ev.m = m;
    ev.stack = NO_STACK;
    ev.resource = ResourceKind.None;
    ev.id = NO_ID;
    ev.from = 0;
    ev.to = 0;
    ev.reason = '';
    ev.stateStack = NO_STACK;
    ev.name = '';
    ev.value = 0;
    ev.parent = NO_ID;
    ev.message = '';
    return ev;
  };
  /** Emits `ev` at a time strictly after the previous event's (unless `sameTime`, for our extra metric). */
  const emit = (sameTime = false): void => {
    if (sameTime) {
      if (ev.time < lastTs) ev.time = lastTs;
      lastTs = Math.max(lastTs, ev.time - 1);
    } else {
      if (ev.time <= lastTs) ev.time = lastTs + 1;
      lastTs = ev.time;
    }
    events++;
    visitor.event(ev);
  };
  const goTransition = (id: number, from: GoState, to: GoState): void => {
    ev.kind = EventKind.StateTransition;
    ev.resource = ResourceKind.Goroutine;
    ev.id = id;
    ev.from = from;
    ev.to = to;
  };

  if (count > 0) {
    begin(EventKind.Sync, Math.max(0, s.ts[order[0]] - 1), 0, -1, NO_ID);
    events++;
    visitor.event(ev);
  }

  for (let k = 0; k < count; k++) {
    const i = order[k];
    const typ = s.typ[i];
    const t = s.ts[i];
    const p = s.p[i];
    const g = s.g[i];
    if (typ === Ev.ProcStart) procMs.set(p, s.a0[i]);
    const m = p !== -1 && p < FAKE_P ? procMs.get(p) ?? NO_ID : NO_ID;
    begin(EventKind.StateTransition, t, g, p, m);
    const stk = s.stk[i];
    switch (typ) {
      case Ev.Gomaxprocs:
        if (preInit) {
          // Goroutines that existed at trace start and were neither waiting, in a syscall nor started.
          preInit = false;
          for (const id of createdPreInit) {
            begin(EventKind.StateTransition, t, 0, -1, NO_ID);
            goTransition(id, GoState.Undetermined, GoState.Runnable);
            emit();
          }
          createdPreInit.clear();
          // Go's converter drops this first GOMAXPROCS; we keep it so consumers learn GOMAXPROCS.
          begin(EventKind.Metric, t, g, p, m);
          ev.name = '/sched/gomaxprocs:threads';
          ev.value = s.a0[i];
          ev.stack = stack(stk);
          emit(true);
          continue;
        }
        ev.kind = EventKind.Metric;
        ev.name = '/sched/gomaxprocs:threads';
        ev.value = s.a0[i];
        ev.stack = stack(stk);
        break;
      case Ev.ProcStart:
      case Ev.ProcStop: {
        const start = typ === Ev.ProcStart;
        ev.resource = ResourceKind.Proc;
        ev.id = p;
        if (seenProcs.has(p)) ev.from = start ? ProcState.Idle : ProcState.Running;
        else {
          seenProcs.add(p);
          ev.from = ProcState.Undetermined;
        }
        ev.to = start ? ProcState.Running : ProcState.Idle;
        if (!start) procMs.delete(p);
        break;
      }
      case Ev.GCStart:
      case Ev.GCDone:
        ev.kind = typ === Ev.GCStart ? EventKind.RangeBegin : EventKind.RangeEnd;
        ev.name = model.GcRange.Mark;
        ev.p = NO_ID; // Go moves GC to its fake GC P
        if (typ === Ev.GCStart) ev.stack = stack(stk);
        break;
      case Ev.STWStart:
      case Ev.STWDone:
        if (typ === Ev.STWStart) lastStw = stwReason(version, s.a0[i]);
        ev.kind = typ === Ev.STWStart ? EventKind.RangeBegin : EventKind.RangeEnd;
        ev.name = `stop-the-world (${lastStw})`;
        ev.resource = ResourceKind.Goroutine;
        ev.id = ev.g;
        break;
      case Ev.GCSweepStart:
      case Ev.GCSweepDone:
        ev.kind = typ === Ev.GCSweepStart ? EventKind.RangeBegin : EventKind.RangeEnd;
        ev.name = model.GcRange.Sweep;
        ev.resource = ResourceKind.Proc;
        ev.id = ev.p;
        if (typ === Ev.GCSweepStart) ev.stack = stack(stk);
        break;
      case Ev.GCMarkAssistStart:
      case Ev.GCMarkAssistDone:
        ev.kind = typ === Ev.GCMarkAssistStart ? EventKind.RangeBegin : EventKind.RangeEnd;
        ev.name = model.GcRange.Assist;
        ev.resource = ResourceKind.Goroutine;
        ev.id = ev.g;
        if (typ === Ev.GCMarkAssistStart) ev.stack = stack(stk);
        break;
      case Ev.GoCreate:
        if (preInit) {
          createdPreInit.add(s.a0[i]);
          continue;
        }
        goTransition(s.a0[i], GoState.NotExist, GoState.Runnable);
        ev.stack = stack(stk);
        ev.stateStack = stack(s.a1[i] % 4294967296);
        break;
      case Ev.GoStart:
      case Ev.GoStartLabel:
        netBlocked.delete(g);
        if (preInit && typ === Ev.GoStart) {
          goTransition(s.a0[i], GoState.Undetermined, GoState.Running);
          createdPreInit.delete(s.a0[i]);
        } else goTransition(s.a0[i], GoState.Runnable, GoState.Running);
        if (typ === Ev.GoStartLabel) {
          emit();
          begin(EventKind.Label, t, g, p, m);
          ev.resource = ResourceKind.Goroutine;
          ev.id = ev.g;
          ev.name = str(s.a2[i]);
        }
        break;
      case Ev.GoEnd:
        goTransition(g, GoState.Running, GoState.NotExist);
        break;
      case Ev.GoSched:
      case Ev.GoPreempt:
        goTransition(g, GoState.Running, GoState.Runnable);
        ev.reason = typ === Ev.GoSched ? 'runtime.Gosched' : 'preempted';
        ev.stack = ev.stateStack = stack(stk);
        break;
      case Ev.GoStop:
      case Ev.GoSleep:
      case Ev.GoBlock:
      case Ev.GoBlockSend:
      case Ev.GoBlockRecv:
      case Ev.GoBlockSelect:
      case Ev.GoBlockSync:
      case Ev.GoBlockCond:
      case Ev.GoBlockNet:
      case Ev.GoBlockGC:
        if (typ === Ev.GoBlockNet) netBlocked.add(g);
        goTransition(g, GoState.Running, GoState.Waiting);
        ev.reason = BLOCK_REASON[typ];
        ev.stack = ev.stateStack = stack(stk);
        break;
      case Ev.GoUnblock: {
        const target = s.a0[i];
        if (netBlocked.delete(target)) ev.p = NO_ID; // Go moves network unblocks to its fake netpoll P
        goTransition(target, GoState.Waiting, GoState.Runnable);
        ev.stack = stack(stk);
        break;
      }
      case Ev.GoSysCall: {
        goTransition(g, GoState.Running, GoState.Syscall);
        ev.stack = ev.stateStack = stack(stk);
        if (!nextOfGoroutineIsSysBlock(s, order, count, k, g)) {
          emit();
          begin(EventKind.StateTransition, t + 1, g, p, m);
          goTransition(g, GoState.Syscall, GoState.Running);
        }
        break;
      }
      case Ev.GoSysExit:
        goTransition(g, GoState.Syscall, GoState.Runnable);
        break;
      case Ev.GoSysBlock:
      case Ev.FutileWakeup:
        continue;
      case Ev.GoWaiting:
      case Ev.GoInSyscall:
        goTransition(s.a0[i], GoState.Undetermined, typ === Ev.GoWaiting ? GoState.Waiting : GoState.Syscall);
        createdPreInit.delete(s.a0[i]);
        break;
      case Ev.HeapAlloc:
      case Ev.HeapGoal:
        ev.kind = EventKind.Metric;
        ev.name = typ === Ev.HeapAlloc ? '/memory/classes/heap/objects:bytes' : '/gc/heap/goal:bytes';
        ev.value = s.a0[i];
        break;
      case Ev.UserTaskCreate:
        ev.kind = EventKind.TaskBegin;
        ev.id = s.a0[i];
        ev.parent = s.a1[i] === 0 ? NO_ID : s.a1[i];
        ev.name = str(s.a2[i]);
        ev.stack = stack(stk);
        taskNames.set(ev.id, ev.name);
        break;
      case Ev.UserTaskEnd:
        ev.kind = EventKind.TaskEnd;
        ev.id = s.a0[i];
        ev.name = taskNames.get(ev.id) ?? '';
        taskNames.delete(ev.id);
        ev.stack = stack(stk);
        break;
      case Ev.UserRegion:
        if (s.a1[i] !== 0 && s.a1[i] !== 1) {
          unknownRegionModes++;
          continue;
        }
        ev.kind = s.a1[i] === 0 ? EventKind.RegionBegin : EventKind.RegionEnd;
        ev.id = s.a0[i];
        ev.name = str(s.a2[i]);
        ev.stack = stack(stk);
        break;
      case Ev.UserLog:
        ev.kind = EventKind.Log;
        ev.id = s.a0[i];
        ev.name = str(s.a1[i]);
        ev.message = d.inline[s.a2[i]] ?? '';
        ev.stack = stack(stk);
        break;
      case Ev.CPUSample:
        ev.kind = EventKind.StackSample;
        ev.m = NO_ID;
        ev.stack = stack(stk);
        break;
      default:
        continue;
    }
    emit();
  }
  if (missingStacks > 0) {
    warnings.push(`${missingStacks} stack(s) used by events are missing from the stack table (the trace is cut in its footer)`);
  }
  if (unknownRegionModes > 0) warnings.push(`${unknownRegionModes} user region event(s) with an unknown mode were skipped`);
  if (count > 0) {
    begin(EventKind.Sync, lastTs + 1, 0, -1, NO_ID);
    lastTs = ev.time;
    events++;
    visitor.event(ev);
  }
  return { events, stacksComplete: missingStacks === 0, durationNs: Math.max(0, lastTs), warnings };
}

/** Whether the next event of goroutine `g` after position `k` is a syscall block (the syscall blocked). */
function nextOfGoroutineIsSysBlock(s: Decoded['store'], order: Uint32Array, count: number, k: number, g: number): boolean {
  for (let j = k + 1; j < count; j++) {
    const i = order[j];
    if (s.g[i] === g) return s.typ[i] === Ev.GoSysBlock;
  }
  return false;
}
