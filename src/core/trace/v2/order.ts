// The per-G/P/M state machine of Go's internal/trace/order.go: decides whether the next event of a thread may
// happen now (respecting sequence numbers across threads) and emits it, with its state transition, in order.
import { IdTable } from '../idTable';
import { Ev } from './events.generated';

/** Go's tracev2 wire statuses. */
export const GoStatus = { Bad: 0, Runnable: 1, Running: 2, Syscall: 3, Waiting: 4 } as const;
export const ProcStatus = { Bad: 0, Running: 1, Idle: 2, Syscall: 3, SyscallAbandoned: 4 } as const;

/** A decoded wire event: type, up to 5 args (after dt), time in ns. Reused by the reader. */
export interface WireEvent {
  typ: number;
  args: Float64Array;
  time: number;
}

/**
 * Receives ordered events: (type, args, at, g, p, m, extra) — `at` is the wire event being advanced (its
 * `time` is the event's; passed as the object so that the time, a double, is not boxed per call),
 * `extra` as Go's smuggled values.
 */
export type EmitFn = (typ: number, args: ArrayLike<number>, at: WireEvent, g: number, p: number, m: number, extra: number) => void;

/** An ordering violation: the trace is inconsistent here (Go calls it a broken trace). */
export class OrderError extends Error {}

interface GState {
  status: number;
  seqGen: number;
  seq: number;
  /** In-flight ranges as [typ, desc] pairs (STW kind string id, mark assist). */
  ranges: number[];
}
interface PState {
  status: number;
  seqGen: number;
  seq: number;
  sweeping: boolean;
}
export interface MState {
  g: number;
  p: number;
}

const NONE = -1;
const tmp = new Float64Array(5);

/** The ordering state of one trace (persists across generations). */
export class Ordering {
  readonly g = new IdTable<GState>();
  readonly p = new IdTable<PState>();
  readonly mState = new Map<number, MState>();
  private initialGen = 0;
  private gcSeq = 0;
  /** 0 undetermined, 1 not running, 2 running. */
  private gcState = 0;
  private readonly activeTasks = new Set<number>();

  constructor(private readonly emit: EmitFn) {}

  /** The state of thread `m` (created on first use); callers may keep it, it lives as long as the ordering. */
  thread(m: number): MState {
    let ms = this.mState.get(m);
    if (!ms) this.mState.set(m, (ms = { g: NONE, p: NONE }));
    return ms;
  }

  // The usual case of the most frequent events (GoStart, GoUnblock, GoBlock, GoStop) on short paths, one per
  // event type, taking the arguments the reader has already decoded: each applies the event on thread state
  // `ms` and returns true when it is valid now, exactly as `advance` would, but emits nothing (the caller
  // delivers it). False changes nothing: then `advance` decides (wait, or an error).

  /** GoStart of goroutine `gid` (an id as `smi` gives it) with sequence number `seq`, on thread `ms`. */
  startHot(ms: MState, gid: number, seq: number, gen: number): boolean {
    if (this.initialGen === 0 || ms.p === NONE || ms.g !== NONE) return false;
    const s = this.g.get(gid);
    if (s === undefined || s.status !== GoStatus.Runnable || !succeeds(gen, seq, s.seqGen, s.seq)) return false;
    s.status = GoStatus.Running;
    s.seqGen = gen;
    s.seq = seq;
    ms.g = gid;
    return true;
  }

  /** GoUnblock of goroutine `gid` with sequence number `seq`. */
  unblockHot(gid: number, seq: number, gen: number): boolean {
    if (this.initialGen === 0) return false;
    const s = this.g.get(gid);
    if (s === undefined || s.status !== GoStatus.Waiting || !succeeds(gen, seq, s.seqGen, s.seq)) return false;
    s.status = GoStatus.Runnable;
    s.seqGen = gen;
    s.seq = seq;
    return true;
  }

  /** GoBlock (`to` = GoStatus.Waiting) or GoStop (GoStatus.Runnable) of the goroutine running on thread `ms`. */
  stopHot(ms: MState, to: number): boolean {
    if (this.initialGen === 0 || ms.g === NONE || ms.p === NONE) return false;
    const s = this.g.get(ms.g);
    if (s === undefined || s.status !== GoStatus.Running) return false;
    s.status = to;
    ms.g = NONE;
    return true;
  }

  /**
   * Tries to advance thread `m` (whose state is `ms`, from `thread(m)`) by `ev`; false if `ev` must wait for
   * another thread. Throws OrderError if it can never happen.
   */
  advance(ev: WireEvent, m: number, ms: MState, gen: number): boolean {
    if (this.initialGen === 0) this.initialGen = gen;
    const a = ev.args;
    const curG = ms.g;
    const curP = ms.p;
    // The most frequent events first (the cases are compared in order).
    switch (ev.typ) {
      case Ev.GoDestroy:
      case Ev.GoStop:
      case Ev.GoBlock: {
        const s = this.userG(curG, curP);
        if (s.status !== GoStatus.Running) throw new OrderError(`goroutine ${curG} stops but is not running`);
        if (ev.typ === Ev.GoDestroy) this.g.delete(curG);
        else s.status = ev.typ === Ev.GoStop ? GoStatus.Runnable : GoStatus.Waiting;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        ms.g = NONE;
        return true;
      }
      case Ev.GoStart: {
        const gid = smi(a[0]);
        const s = this.g.get(gid);
        if (!s || s.status !== GoStatus.Runnable || !succeeds(gen, a[1], s.seqGen, s.seq)) return false;
        if (curP === NONE || curG !== NONE) throw new OrderError(`goroutine ${gid} started on a thread without a proc or with a goroutine`);
        s.status = GoStatus.Running;
        s.seqGen = gen;
        s.seq = a[1];
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        ms.g = gid;
        return true;
      }
      case Ev.GoUnblock: {
        const gid = smi(a[0]);
        const s = this.g.get(gid);
        if (!s || s.status !== GoStatus.Waiting || !succeeds(gen, a[1], s.seqGen, s.seq)) return false;
        s.status = GoStatus.Runnable;
        s.seqGen = gen;
        s.seq = a[1];
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.ProcStatus: {
        const pid = smi(a[0]);
        const status = a[1];
        let shown = status;
        if (status < 1 || status > 4) throw new OrderError(`invalid status ${status} for proc ${pid}`);
        let old = pStatusToState(status);
        const s = this.p.get(pid);
        if (s) {
          if (status === ProcStatus.SyscallAbandoned && s.status === ProcStatus.Syscall) {
            old = 2;
            shown = ProcStatus.Syscall;
          } else if (status === ProcStatus.SyscallAbandoned && s.status === ProcStatus.SyscallAbandoned) {
            old = 3;
          } else if (s.status !== status) {
            throw new OrderError(`inconsistent status for proc ${pid}: ${s.status} vs ${status}`);
          }
          s.seqGen = gen;
          s.seq = 0;
        } else {
          this.p.set(pid, { status, seqGen: gen, seq: 0, sweeping: false });
          old = gen === this.initialGen ? 0 : 1;
        }
        let eg = curG;
        let eP = curP;
        let eM = m;
        if (status === ProcStatus.Running || status === ProcStatus.Syscall) ms.p = pid;
        if (status === ProcStatus.SyscallAbandoned && old === 2) {
          let found = false;
          for (const [mid, st] of this.mState) {
            if (st.p === pid) {
              eM = mid;
              eP = pid;
              eg = st.g;
              found = true;
            }
          }
          if (!found) throw new OrderError(`no thread holds proc ${pid} that is about to be stolen`);
        }
        tmp[0] = pid;
        tmp[1] = shown;
        this.emit(Ev.ProcStatus, tmp, ev, eg, eP, eM, old);
        return true;
      }
      case Ev.ProcStart: {
        const pid = smi(a[0]);
        const s = this.p.get(pid);
        if (!s || s.status !== ProcStatus.Idle || !succeeds(gen, a[1], s.seqGen, s.seq) || curP !== NONE) return false;
        s.status = ProcStatus.Running;
        s.seqGen = gen;
        s.seq = a[1];
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        ms.p = pid;
        return true;
      }
      case Ev.ProcStop: {
        const s = this.p.get(curP);
        if (!s) throw new OrderError(`ProcStop for proc ${curP} that does not exist`);
        if (s.status !== ProcStatus.Running && s.status !== ProcStatus.Syscall) throw new OrderError('ProcStop for a proc not running');
        s.status = ProcStatus.Idle;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        ms.p = NONE;
        return true;
      }
      case Ev.ProcSteal: {
        const pid = smi(a[0]);
        const s = this.p.get(pid);
        if (!s || (s.status !== ProcStatus.Syscall && s.status !== ProcStatus.SyscallAbandoned) || !succeeds(gen, a[1], s.seqGen, s.seq)) {
          return false;
        }
        const oldStatus = s.status;
        s.status = ProcStatus.Idle;
        s.seqGen = gen;
        s.seq = a[1];
        if (oldStatus === ProcStatus.SyscallAbandoned) {
          this.emit(ev.typ, a, ev, curG, curP, m, oldStatus);
          return true;
        }
        const mid = smi(a[2]);
        if (mid === m) {
          if (curP !== pid) throw new OrderError(`self-steal of proc ${pid} but thread has ${curP}`);
          this.emit(ev.typ, a, ev, curG, curP, m, oldStatus);
          ms.p = NONE;
          return true;
        }
        const victim = this.mState.get(mid);
        if (!victim) throw new OrderError(`proc stolen from unknown thread ${mid}`);
        if (victim.p !== pid) throw new OrderError(`steal of proc ${pid} from thread ${mid} that has ${victim.p}`);
        victim.p = NONE;
        this.emit(ev.typ, a, ev, curG, curP, m, oldStatus);
        return true;
      }
      case Ev.GoStatus:
      case Ev.GoStatusStack: {
        const gid = smi(a[0]);
        const mid = smi(a[1]);
        const status = a[2];
        if (status < 1 || status > 4) throw new OrderError(`invalid status ${status} for goroutine ${gid}`);
        let old = gStatusToState(status);
        const s = this.g.get(gid);
        if (s) {
          if (s.status !== status) throw new OrderError(`inconsistent status for goroutine ${gid}: ${s.status} vs ${status}`);
          s.seqGen = gen;
          s.seq = 0;
        } else if (gen === this.initialGen) {
          this.g.set(gid, { status, seqGen: gen, seq: 0, ranges: [] });
          old = 0;
        } else {
          throw new OrderError(`status of new goroutine ${gid} after the first generation`);
        }
        let eg = curG;
        let eM = m;
        if (status === GoStatus.Running) ms.g = gid;
        else if (status === GoStatus.Syscall) {
          if (mid === NONE || mid >= 2 ** 53) throw new OrderError(`goroutine ${gid} in syscall without a thread`);
          if (mid === m) {
            if (gen !== this.initialGen && curG !== gid) throw new OrderError(`inconsistent thread for syscalling goroutine ${gid}`);
            ms.g = gid;
          } else {
            const o = this.mState.get(mid);
            if (o) {
              if (o.g !== gid) throw new OrderError(`inconsistent thread for syscalling goroutine ${gid}`);
              eg = o.g;
            } else this.mState.set(mid, { g: gid, p: NONE });
            eM = mid;
          }
        }
        this.emit(ev.typ, a, ev, eg, curP, eM, old);
        return true;
      }
      case Ev.GoCreate:
      case Ev.GoCreateBlocked: {
        if (curP === NONE) throw new OrderError('goroutine created without a proc');
        const cs = this.g.get(curG);
        if (cs && cs.status !== GoStatus.Running) throw new OrderError('goroutine created by a goroutine not running');
        const ng = smi(a[0]);
        if (this.g.has(ng)) throw new OrderError(`goroutine ${ng} created twice`);
        this.g.set(ng, { status: ev.typ === Ev.GoCreate ? GoStatus.Runnable : GoStatus.Waiting, seqGen: gen, seq: 0, ranges: [] });
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GoSwitch:
      case Ev.GoSwitchDestroy: {
        const cs = this.userG(curG, curP);
        if (cs.status !== GoStatus.Running) throw new OrderError('GoSwitch from a goroutine not running');
        const next = smi(a[0]);
        const ns = this.g.get(next);
        if (!ns || ns.status !== GoStatus.Waiting || !succeeds(gen, a[1], ns.seqGen, ns.seq)) return false;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        tmp.fill(0);
        if (ev.typ === Ev.GoSwitch) {
          cs.status = GoStatus.Waiting;
          this.emit(Ev.GoBlock, tmp, ev, curG, curP, m, 0);
        } else {
          this.g.delete(curG);
          this.emit(Ev.GoDestroy, tmp, ev, curG, curP, m, 0);
        }
        ns.status = GoStatus.Running;
        ns.seqGen = gen;
        ns.seq = a[1];
        tmp[0] = next;
        tmp[1] = a[1];
        this.emit(Ev.GoStart, tmp, ev, NONE, curP, m, 0);
        ms.g = next;
        return true;
      }
      case Ev.GoSyscallBegin: {
        const s = this.userG(curG, curP);
        if (s.status !== GoStatus.Running) throw new OrderError('syscall from a goroutine not running');
        s.status = GoStatus.Syscall;
        const ps = this.p.get(curP);
        if (!ps) throw new OrderError(`unknown proc ${curP} in syscall`);
        ps.status = ProcStatus.Syscall;
        if (!succeeds(gen, a[0], ps.seqGen, ps.seq)) throw new OrderError(`bad proc sequence at syscall of goroutine ${curG}`);
        ps.seqGen = gen;
        ps.seq = a[0];
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GoSyscallEnd: {
        const s = this.userG(curG, curP);
        if (s.status !== GoStatus.Syscall) throw new OrderError('syscall end of a goroutine not in a syscall');
        s.status = GoStatus.Running;
        const ps = this.p.get(curP);
        if (!ps || ps.status !== ProcStatus.Syscall) throw new OrderError(`proc ${curP} not in a syscall at syscall end`);
        ps.status = ProcStatus.Running;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GoSyscallEndBlocked: {
        if (curP !== NONE) {
          const ps = this.p.get(curP);
          if (!ps) throw new OrderError(`unknown proc ${curP}`);
          if (ps.status === ProcStatus.Syscall) return false;
        }
        if (curG === NONE) throw new OrderError('syscall end without a goroutine');
        const s = this.g.get(curG);
        if (!s || s.status !== GoStatus.Syscall) throw new OrderError(`goroutine ${curG} ends a syscall it is not in`);
        s.status = GoStatus.Runnable;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        ms.g = NONE;
        return true;
      }
      case Ev.GoCreateSyscall: {
        if (curG !== NONE) throw new OrderError('GoCreateSyscall on a thread with a goroutine');
        const ng = smi(a[0]);
        if (this.g.has(ng)) throw new OrderError(`goroutine ${ng} created twice`);
        this.g.set(ng, { status: GoStatus.Syscall, seqGen: gen, seq: 0, ranges: [] });
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        ms.g = ng;
        return true;
      }
      case Ev.GoDestroySyscall: {
        if (curG === NONE) throw new OrderError('GoDestroySyscall without a goroutine');
        const s = this.g.get(curG);
        if (!s || s.status !== GoStatus.Syscall) throw new OrderError(`goroutine ${curG} not in a syscall`);
        this.g.delete(curG);
        if (curP !== NONE) {
          const ps = this.p.get(curP);
          if (!ps || ps.status !== ProcStatus.Syscall) throw new OrderError(`proc ${curP} not in a syscall`);
          ps.status = ProcStatus.SyscallAbandoned;
          tmp.fill(0);
          tmp[0] = curP;
          this.emit(Ev.ProcSteal, tmp, ev, curG, curP, m, ProcStatus.Syscall);
        }
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        ms.g = NONE;
        if (curP !== NONE) ms.p = NONE;
        return true;
      }
      case Ev.UserTaskBegin:
        this.activeTasks.add(a[0]);
        this.userCtx(curG, curP);
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      case Ev.UserTaskEnd:
        this.activeTasks.delete(a[0]);
        this.userCtx(curG, curP);
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      case Ev.GCActive: {
        const seq = a[0];
        if (gen === this.initialGen) {
          if (this.gcState !== 0) throw new OrderError('GCActive in the first generation is not the first GC event');
        } else {
          if (seq !== this.gcSeq + 1) return false;
          if (this.gcState !== 2) throw new OrderError('GCActive while GC was not in progress');
          this.userCtx(curG, curP);
        }
        this.gcSeq = seq;
        this.gcState = 2;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GCBegin: {
        const seq = a[0];
        if (this.gcState !== 0) {
          if (seq !== this.gcSeq + 1) return false;
          if (this.gcState === 2) throw new OrderError('GCBegin while GC was already in progress');
          this.userCtx(curG, curP);
        }
        this.gcSeq = seq;
        this.gcState = 2;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GCEnd: {
        if (a[0] !== this.gcSeq + 1) return false;
        if (this.gcState !== 2) throw new OrderError('GCEnd when GC was not in progress');
        this.gcSeq = a[0];
        this.gcState = 1;
        this.userCtx(curG, curP);
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GCSweepBegin:
      case Ev.GCSweepEnd: {
        if (curP === NONE) throw new OrderError('sweep without a proc');
        const ps = this.p.get(curP);
        if (ps) ps.sweeping = ev.typ === Ev.GCSweepBegin;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GCSweepActive: {
        const ps = this.p.get(smi(a[0]));
        if (!ps) throw new OrderError(`GCSweepActive for unknown proc ${a[0]}`);
        ps.sweeping = true;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.STWBegin:
      case Ev.GCMarkAssistBegin: {
        const s = this.userG(curG, curP);
        s.ranges.push(ev.typ, ev.typ === Ev.STWBegin ? a[0] : 0);
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.GCMarkAssistActive: {
        const s = this.g.get(smi(a[0]));
        if (!s) throw new OrderError(`mark assist of unknown goroutine ${a[0]}`);
        if (!hasRange(s.ranges, Ev.GCMarkAssistBegin)) s.ranges.push(Ev.GCMarkAssistBegin, 0);
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.STWEnd:
      case Ev.GCMarkAssistEnd: {
        const s = this.userG(curG, curP);
        const begin = ev.typ === Ev.STWEnd ? Ev.STWBegin : Ev.GCMarkAssistBegin;
        let desc = 0;
        const i = rangeIndex(s.ranges, begin);
        if (i < 0) throw new OrderError(`range end without its beginning on goroutine ${curG}`);
        desc = s.ranges[i + 1];
        s.ranges.splice(i, 2);
        if (ev.typ === Ev.STWEnd) a[0] = desc;
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      }
      case Ev.HeapAlloc:
      case Ev.HeapGoal:
        if (curP === NONE) throw new OrderError('heap metric without a proc');
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      case Ev.ProcsChange:
      case Ev.GoLabel:
      case Ev.UserLog:
      case Ev.UserRegionBegin:
      case Ev.UserRegionEnd:
        this.userCtx(curG, curP);
        this.emit(ev.typ, a, ev, curG, curP, m, 0);
        return true;
      default:
        if (ev.typ >= Ev.Span && ev.typ <= Ev.GoroutineStackFree) {
          this.emit(ev.typ, a, ev, curG, curP, m, 0);
          return true;
        }
        throw new OrderError(`unexpected event type ${ev.typ} in an event batch`);
    }
  }

  private userCtx(g: number, p: number): void {
    if (g === NONE || p === NONE) throw new OrderError('user event without a goroutine and a proc');
  }

  private userG(g: number, p: number): GState {
    this.userCtx(g, p);
    const s = this.g.get(g);
    if (!s) throw new OrderError(`event for unknown goroutine ${g}`);
    return s;
  }
}

/**
 * An id read as a double (from a Float64Array) as a small integer when it fits, so that Map lookups do not
 * box a heap number per call.
 */
export function smi(x: number): number {
  return x < 1073741824 && x >= 0 ? x | 0 : x;
}

function succeeds(gen: number, seq: number, prevGen: number, prevSeq: number): boolean {
  return gen === prevGen && seq === prevSeq + 1;
}

function rangeIndex(r: number[], typ: number): number {
  for (let i = 0; i < r.length; i += 2) if (r[i] === typ) return i;
  return -1;
}
function hasRange(r: number[], typ: number): boolean {
  return rangeIndex(r, typ) >= 0;
}

/** tracev2 GoStatus → model GoState. */
export function gStatusToState(s: number): number {
  return s === GoStatus.Runnable ? 2 : s === GoStatus.Running ? 3 : s === GoStatus.Syscall ? 5 : s === GoStatus.Waiting ? 4 : 0;
}
/** tracev2 ProcStatus → model ProcState. */
export function pStatusToState(s: number): number {
  return s === ProcStatus.Running || s === ProcStatus.Syscall ? 2 : s === ProcStatus.Idle || s === ProcStatus.SyscallAbandoned ? 3 : 0;
}
