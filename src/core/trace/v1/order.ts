// Orders the per-P batches of an old-format trace into one consistent event stream (Go's tracev1 parseEventBatches and order.go).
//
// Events of one P are in order; across Ps, timestamps alone are not trustworthy in Go 1.19–1.21 traces. As in Go,
// the next event is the earliest of the Ps' head events whose goroutine is in the state (and sequence number) the
// event expects, so an unblock always precedes the start it enables.
import * as events from './events';
import type { Batch } from './decode';
import type { EventStore } from './store';

// Local aliases: module exports are getters under CommonJS, too slow for the per-event loop.
const { Ev, FakeP } = events;

const DEAD = 0;
const RUNNABLE = 1;
const RUNNING = 2;
const WAITING = 3;
/** Sequence wildcards of order.go: any sequence (noseq) and "current + 1" (seqinc). */
const NOSEQ = -1;
const SEQINC = -2;
/** Pseudo goroutine keys: events without ordering constraints, and the GC sequence. */
const UNORDERED = -1;
const GARBAGE = -2;

// Outputs of transitionOf (module state instead of an object per call).
let tG = 0;
let initSeq = 0;
let initStatus = 0;
let nextSeq = 0;
let nextStatus = 0;

/** Go's stateTransition: which goroutine an event constrains, the state it needs and the state it leaves. */
function transitionOf(s: EventStore, i: number): void {
  switch (s.typ[i]) {
    case Ev.GoCreate:
      tG = s.a0[i];
      initSeq = 0;
      initStatus = DEAD;
      nextSeq = 1;
      nextStatus = RUNNABLE;
      return;
    case Ev.GoWaiting:
    case Ev.GoInSyscall:
      tG = s.g[i];
      initSeq = 1;
      initStatus = RUNNABLE;
      nextSeq = 2;
      nextStatus = WAITING;
      return;
    case Ev.GoStart:
    case Ev.GoStartLabel:
      tG = s.g[i];
      initSeq = s.a1[i];
      initStatus = RUNNABLE;
      nextSeq = s.a1[i] + 1;
      nextStatus = RUNNING;
      return;
    case Ev.GoStartLocal:
      tG = s.g[i];
      initSeq = NOSEQ;
      initStatus = RUNNABLE;
      nextSeq = SEQINC;
      nextStatus = RUNNING;
      return;
    case Ev.GoBlock:
    case Ev.GoBlockSend:
    case Ev.GoBlockRecv:
    case Ev.GoBlockSelect:
    case Ev.GoBlockSync:
    case Ev.GoBlockCond:
    case Ev.GoBlockNet:
    case Ev.GoSleep:
    case Ev.GoSysBlock:
    case Ev.GoBlockGC:
      tG = s.g[i];
      initSeq = NOSEQ;
      initStatus = RUNNING;
      nextSeq = NOSEQ;
      nextStatus = WAITING;
      return;
    case Ev.GoSched:
    case Ev.GoPreempt:
      tG = s.g[i];
      initSeq = NOSEQ;
      initStatus = RUNNING;
      nextSeq = NOSEQ;
      nextStatus = RUNNABLE;
      return;
    case Ev.GoUnblock:
    case Ev.GoSysExit:
      tG = s.a0[i];
      initSeq = s.a1[i];
      initStatus = WAITING;
      nextSeq = s.a1[i] + 1;
      nextStatus = RUNNABLE;
      return;
    case Ev.GoUnblockLocal:
    case Ev.GoSysExitLocal:
      tG = s.a0[i];
      initSeq = NOSEQ;
      initStatus = WAITING;
      nextSeq = SEQINC;
      nextStatus = RUNNABLE;
      return;
    case Ev.GCStart:
      tG = GARBAGE;
      initSeq = s.a0[i];
      initStatus = DEAD;
      nextSeq = s.a0[i] + 1;
      nextStatus = DEAD;
      return;
    default:
      tG = UNORDERED;
  }
}

/**
 * Goroutine ordering states, packed as seq * 4 + status; a goroutine not seen yet is (0, dead). Goroutine
 * ids below `dense.length` live in a typed array (the common case: ids are small), others in a Map.
 */
class GStates {
  private readonly sparse = new Map<number, number>();
  constructor(private readonly dense: Float64Array) {}

  get(g: number): number {
    if (g >= 0 && g < this.dense.length) return this.dense[g];
    return this.sparse.get(g) ?? 0;
  }

  set(g: number, v: number): void {
    if (g >= 0 && g < this.dense.length) this.dense[g] = v;
    else this.sparse.set(g, v);
  }
}

/** Whether the event last given to transitionOf may be merged now. */
function ready(gs: GStates): boolean {
  if (tG === UNORDERED) return true;
  const cur = gs.get(tG);
  return (initSeq === NOSEQ || initSeq === Math.floor(cur / 4)) && initStatus === cur % 4;
}

/** Largest goroutine id the events name (for the dense part of GStates), capped. */
function maxGoroutine(s: EventStore, cap: number): number {
  let max = 0;
  for (let i = 0; i < s.n; i++) {
    const g = s.g[i];
    if (g > max && g < cap) max = g;
    const t = s.typ[i];
    if (t === Ev.GoCreate || t === Ev.GoUnblock || t === Ev.GoUnblockLocal || t === Ev.GoSysExit || t === Ev.GoSysExitLocal) {
      const a = s.a0[i];
      if (a > max && a < cap) max = a;
    }
  }
  return max;
}

/** The result of ordering: event indices in stream order, and what did not fit (a cut or damaged trace). */
export interface Ordered {
  order: Uint32Array;
  count: number;
  misfit?: string;
}

/** Merges the batches into one stream (Go's frontier algorithm), turning the "Local" events into plain ones. */
export function orderEvents(s: EventStore, batches: Batch[]): Ordered {
  // Per proc (batch P, in order of first appearance), its batches in file order.
  const procIds: number[] = [];
  const procBatches: Batch[][] = [];
  const procIndex = new Map<number, number>();
  for (const b of batches) {
    let k = procIndex.get(b.p);
    if (k === undefined) {
      k = procIds.length;
      procIndex.set(b.p, k);
      procIds.push(b.p);
      procBatches.push([]);
    }
    procBatches[k].push(b);
  }
  const nproc = procIds.length;
  const cur = new Int32Array(nproc); // next event index
  const curEnd = new Int32Array(nproc);
  const nextBatch = new Int32Array(nproc);
  const available = new Int32Array(nproc);
  let navail = nproc;
  for (let k = 0; k < nproc; k++) available[k] = k;

  const heapEv = new Int32Array(nproc);
  const heapProc = new Int32Array(nproc);
  let heapN = 0;
  const less = (x: number, y: number) =>
    s.ts[heapEv[x]] < s.ts[heapEv[y]] || (s.ts[heapEv[x]] === s.ts[heapEv[y]] && heapEv[x] < heapEv[y]);
  const swap = (x: number, y: number) => {
    const e = heapEv[x], p = heapProc[x];
    heapEv[x] = heapEv[y];
    heapProc[x] = heapProc[y];
    heapEv[y] = e;
    heapProc[y] = p;
  };

  const order = new Uint32Array(s.n);
  let count = 0;
  const gs = new GStates(new Float64Array(Math.floor(maxGoroutine(s, 1 << 22)) + 1));
  let misfits = 0;
  let firstMisfit = -1;

  for (;;) {
    for (let j = 0; j < navail; j++) {
      const k = available[j];
      if (cur[k] >= curEnd[k]) {
        const list = procBatches[k];
        if (nextBatch[k] >= list.length) {
          available[j] = available[--navail]; // this P has no more events
          j--;
          continue;
        }
        const b = list[nextBatch[k]++];
        cur[k] = b.start;
        curEnd[k] = b.end;
      }
      const i = cur[k];
      transitionOf(s, i);
      if (!ready(gs)) continue;
      cur[k]++;
      available[j] = available[--navail];
      j--;
      // push
      let h = heapN++;
      heapEv[h] = i;
      heapProc[h] = k;
      while (h > 0) {
        const parent = (h - 1) >> 1;
        if (!less(h, parent)) break;
        swap(h, parent);
        h = parent;
      }
    }
    if (heapN === 0) {
      if (navail === 0) break;
      // No head event fits its goroutine's state: its partner is missing (a cut or damaged trace). Go gives
      // up here; we place the earliest head event by time and go on, and say so.
      let best = -1;
      for (let j = 0; j < navail; j++) {
        const k = available[j];
        if (cur[k] < curEnd[k] && (best < 0 || s.ts[cur[k]] < s.ts[cur[available[best]]])) best = j;
      }
      if (best < 0) break;
      const k = available[best];
      heapEv[0] = cur[k]++;
      heapProc[0] = k;
      heapN = 1;
      available[best] = available[--navail];
    }
    // pop
    const i = heapEv[0];
    const k = heapProc[0];
    heapN--;
    if (heapN > 0) {
      heapEv[0] = heapEv[heapN];
      heapProc[0] = heapProc[heapN];
      let h = 0;
      for (;;) {
        const l = 2 * h + 1;
        if (l >= heapN) break;
        let c = l;
        if (l + 1 < heapN && less(l + 1, l)) c = l + 1;
        if (!less(c, h)) break;
        swap(c, h);
        h = c;
      }
    }
    transitionOf(s, i);
    if (!ready(gs)) {
      // Placed by time above, or an impossible transition (Go's error): applied anyway, and counted.
      if (misfits++ === 0) firstMisfit = count;
    }
    switch (s.typ[i]) {
      case Ev.GoStartLocal:
        s.typ[i] = Ev.GoStart;
        break;
      case Ev.GoUnblockLocal:
        s.typ[i] = Ev.GoUnblock;
        break;
      case Ev.GoSysExitLocal:
        s.typ[i] = Ev.GoSysExit;
        break;
    }
    if (tG !== UNORDERED) {
      const curSeq = Math.floor(gs.get(tG) / 4);
      const seq = nextSeq === NOSEQ ? curSeq : nextSeq === SEQINC ? curSeq + 1 : nextSeq;
      gs.set(tG, seq * 4 + nextStatus);
    }
    order[count++] = i;
    available[navail++] = k;
  }
  const misfit =
    misfits > 0 ? `${misfits} event(s) from event ${firstMisfit} on did not fit their goroutine's state and were placed by time` : undefined;
  return { order, count, misfit };
}

/**
 * Go's fix-ups after ordering: a syscall exit gets the time the syscall really ended (recorded in the event,
 * if after the goroutine's syscall block) and moves to its place; timestamps become nanoseconds since the
 * first event; timer unblocks and syscall exits move to their fake Ps. Returns warnings.
 */
export function finishOrder(s: EventStore, o: Ordered, ticksPerSec: number, timerGoids: Set<number>): string[] {
  const warnings: string[] = [];
  const { order, count } = o;
  let sorted = true;
  for (let k = 1; k < count; k++) {
    if (s.ts[order[k]] < s.ts[order[k - 1]]) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    warnings.push('timestamps out of order across Ps (tick skew between CPUs, or a damaged trace); times are approximate');
  } else {
    const moved: number[] = []; // positions in order whose event got an earlier timestamp
    const lastSysBlock = new Map<number, number>();
    let stray = 0;
    for (let k = 0; k < count; k++) {
      const i = order[k];
      const t = s.typ[i];
      if (t === Ev.GoSysBlock || t === Ev.GoInSyscall) lastSysBlock.set(s.g[i], s.ts[i]);
      else if (t === Ev.GoSysExit) {
        const real = s.a2[i];
        if (real === 0) continue;
        const block = lastSysBlock.get(s.g[i]);
        if (block === undefined || real < block) {
          stray++;
          continue;
        }
        if (real !== s.ts[i]) {
          s.ts[i] = real;
          moved.push(k);
        }
      }
    }
    if (stray > 0) warnings.push(`${stray} syscall exit(s) without a matching syscall block kept their emission time`);
    if (moved.length > 0) stableResort(s, order, count, moved);
  }
  if (count === 0) return warnings;
  const minTs = s.ts[order[0]];
  let freq = 1e9 / ticksPerSec;
  if (!(ticksPerSec > 0)) {
    freq = 1;
    warnings.push('the trace has no tick frequency (cut before its footer): times are in CPU ticks, not nanoseconds');
  }
  for (let k = 0; k < count; k++) {
    const i = order[k];
    s.ts[i] = Math.trunc((s.ts[i] - minTs) * freq);
    const t = s.typ[i];
    if (t === Ev.GoUnblock && timerGoids.has(s.g[i])) s.p[i] = FakeP.Timer;
    else if (t === Ev.GoSysExit) s.p[i] = FakeP.Syscall;
  }
  return warnings;
}

/** sort.Stable by timestamp of a sequence that is sorted except at the `moved` positions. */
function stableResort(s: EventStore, order: Uint32Array, count: number, moved: number[]): void {
  const movedEv = moved.map((k) => order[k]);
  const byTime = moved.map((_, j) => j).sort((x, y) => s.ts[movedEv[x]] - s.ts[movedEv[y]] || x - y);
  const rest = new Uint32Array(count - moved.length);
  const restPos = new Uint32Array(count - moved.length);
  let r = 0;
  let m = 0;
  for (let k = 0; k < count; k++) {
    if (m < moved.length && moved[m] === k) m++;
    else {
      rest[r] = order[k];
      restPos[r++] = k;
    }
  }
  let a = 0;
  let b = 0;
  for (let k = 0; k < count; k++) {
    if (b >= byTime.length) order[k] = rest[a++];
    else if (a >= rest.length) order[k] = movedEv[byTime[b++]];
    else {
      const ta = s.ts[rest[a]];
      const tb = s.ts[movedEv[byTime[b]]];
      if (ta < tb || (ta === tb && restPos[a] < moved[byTime[b]])) order[k] = rest[a++];
      else order[k] = movedEv[byTime[b++]];
    }
  }
}
