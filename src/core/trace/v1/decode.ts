// First pass over an old-format (Go 1.11–1.21) trace body: events into columns per batch, plus strings, stacks, frequency.
import * as events from './events';
import { EventStore } from './store';

// Local aliases: module exports are getters under CommonJS, too slow for the per-event loop.
const { EV_MIN_VERSION, EV_NAMES, EV_STACK, Ev, FakeP, wireArgCount } = events;

/** One batch: events [start, end) of the store, emitted by P `p` (FakeP.Profile for CPU samples). */
export interface Batch {
  p: number;
  start: number;
  end: number;
}

/** A source frame of the old format: string ids of its function and file. */
export interface V1Frame {
  fn: number;
  file: number;
  line: number;
}

/** Everything the first pass learned. */
export interface Decoded {
  store: EventStore;
  batches: Batch[];
  strings: Map<number, string>;
  /** UserLog messages (inline strings), indexed by the a2 column of UserLog events. */
  inline: string[];
  /** Stack id → PCs, innermost first. */
  stacks: Map<number, Float64Array>;
  /** Every stack id the stack table declares (empty stacks included). */
  declaredStacks: Set<number>;
  pcs: Map<number, V1Frame>;
  /** Ticks per second from EvFrequency; 0 if the trace has none (cut before its footer). */
  ticksPerSec: number;
  timerGoids: Set<number>;
  /** Set when decoding stopped early: what went wrong and at which byte offset. */
  stop?: { offset: number; reason: string };
}

/** Thrown inside the decoder for a malformed or truncated event; caught by {@link decodeV1}. */
class Stop extends Error {}

const MAX_U32 = 4294967296;
const MAX_INT32 = 2147483647;
const utf8 = new TextDecoder('utf-8');

/**
 * Decodes the body of an old-format trace (from `offset`, just after the header) into columns, in file
 * order, applying the per-P bookkeeping of Go's parser (timestamp deltas, the running goroutine of each P).
 * Stops at the first malformed or cut event and says where in `stop`; everything before it is kept.
 */
export function decodeV1(data: Uint8Array, offset: number, version: number): Decoded {
  const end = data.length;
  // Every event takes at least 2 bytes; untouched capacity costs no memory (zero pages are mapped lazily).
  const store = new EventStore((end - offset) / 2 + 16);
  const { ts: cTS, typ: cTyp, p: cP, g: cG, a0: cA0, a1: cA1, a2: cA2, stk: cStk } = store;
  const batches: Batch[] = [];
  const strings = new Map<number, string>();
  const inline: string[] = [];
  const inlineIndex = new Map<string, number>();
  const stacks = new Map<number, Float64Array>();
  const declaredStacks = new Set<number>();
  const pcs = new Map<number, V1Frame>();
  const timerGoids = new Set<number>();
  const lastGs = new Map<number, number>();
  const cpu: number[] = []; // ts, p, g, stk per sample
  let ticksPerSec = 0;
  let stop: Decoded['stop'];

  let pos = offset;
  let evStart = offset;
  const args = new Float64Array(2 + 4 * 1000);
  let nargs = 0;
  let batch: Batch | undefined;
  let lastP = 0;
  let lastG = 0;
  let lastTs = 0;

  const fail = (msg: string): never => {
    throw new Stop(msg);
  };
  const varint = (): number => {
    let b = data[pos++];
    if (b < 0x80) return b;
    let v = b & 0x7f;
    let mul = 128;
    for (let i = 1; i < 10; i++) {
      b = data[pos++];
      if (b === undefined) return fail('the trace ends inside a number');
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    return fail('malformed base-128 number');
  };
  const bytes = (len: number): Uint8Array => {
    if (pos + len > end) fail('the trace ends inside a string');
    const s = data.subarray(pos, pos + len);
    pos += len;
    return s;
  };

  try {
    while (pos < end) {
      evStart = pos;
      const b = data[pos++];
      const typ = b & 0x3f;
      const narg = (b >> 6) + 1;
      if (typ === Ev.None || typ >= Ev.Count || EV_MIN_VERSION[typ] > version) fail(`unknown event type ${typ}`);

      if (typ === Ev.String) {
        const id = varint();
        if (id === 0) fail('string has invalid id 0');
        if (strings.has(id)) fail(`string has duplicate id ${id}`);
        const len = varint();
        if (len === 0) fail('string has invalid length 0');
        if (len > 1e6) fail(`string has too large length ${len}`);
        strings.set(id, utf8.decode(bytes(len)));
        continue;
      }
      if (typ === Ev.Batch) {
        if (narg !== 2) fail(`EvBatch has wrong number of arguments: got ${narg}, want 2`);
        const pid = varint();
        const ts = varint();
        let p: number;
        if (pid >= 18446744073709551615) p = -1;
        else if (pid > MAX_INT32) p = fail(`processor ID ${pid} is too large`);
        else p = pid;
        if (batch) {
          batch.end = store.n;
          if (batch.end > batch.start) batches.push(batch);
        }
        lastGs.set(lastP, lastG);
        lastP = p;
        lastG = lastGs.get(p) ?? 0;
        lastTs = ts;
        batch = { p, start: store.n, end: store.n };
        continue;
      }

      // Arguments: up to three inline varints (plus the timestamp), or a byte length and then varints.
      nargs = 0;
      if (narg <= 3) {
        for (let i = 0; i < narg; i++) {
          const b0 = data[pos];
          if (b0 < 0x80) {
            pos++;
            args[nargs++] = b0;
          } else args[nargs++] = varint();
        }
      } else {
        const len = varint();
        if (len > 2048 && typ !== Ev.Stack) fail(`${EV_NAMES[typ]}: length-prefixed arguments too big (${len} bytes)`);
        const argEnd = pos + len;
        if (argEnd > end) fail('the trace ends inside an event');
        while (pos < argEnd) {
          if (nargs === args.length) fail(`${EV_NAMES[typ]} has too many arguments`);
          args[nargs++] = varint();
        }
        if (pos !== argEnd) fail(`${EV_NAMES[typ]}: arguments overrun their length`);
      }
      let message = '';
      if (typ === Ev.UserLog) {
        const len = varint();
        if (len > 1e6) fail(`string is too large (len=${len})`);
        message = utf8.decode(bytes(len));
      }
      if (!batch) fail(`${EV_NAMES[typ]} before the first batch`);

      if (typ === Ev.Stack) {
        if (nargs < 2) fail(`EvStack has wrong number of arguments: want at least 2, got ${nargs}`);
        const size = args[1];
        if (size > 1000) fail(`EvStack has bad number of frames: ${size}`);
        if (nargs !== 2 + 4 * size) fail(`EvStack has wrong number of arguments: want ${2 + 4 * size}, got ${nargs}`);
        const id = args[0] % MAX_U32;
        declaredStacks.add(id);
        if (id !== 0 && size > 0) {
          const stk = new Float64Array(size);
          for (let i = 0; i < size; i++) {
            const pc = args[2 + i * 4];
            stk[i] = pc;
            if (!pcs.has(pc)) pcs.set(pc, { fn: args[3 + i * 4], file: args[4 + i * 4], line: args[5 + i * 4] });
          }
          stacks.set(id, stk);
        }
        continue;
      }
      const want = wireArgCount(typ);
      if (nargs !== want) fail(`${EV_NAMES[typ]} has wrong number of arguments: want ${want}, got ${nargs}`);

      switch (typ) {
        case Ev.Frequency:
          ticksPerSec = args[0];
          continue;
        case Ev.TimerGoroutine:
          timerGoids.add(args[0]);
          continue;
        case Ev.CPUSample: {
          const p = args[2] > MAX_INT32 ? -1 : args[2];
          cpu.push(args[1], p, args[3], args[4] % MAX_U32);
          continue;
        }
      }

      // Every event takes at least 2 bytes, so the store (sized for that) never grows in this loop.
      const i = store.n++;
      const ts = lastTs + args[0];
      lastTs = ts;
      cTS[i] = ts;
      cTyp[i] = typ;
      cP[i] = lastP;
      let g = lastG;
      const hasStack = EV_STACK[typ] === 1;
      if (hasStack) cStk[i] = args[nargs - 1] % MAX_U32;
      const plain = hasStack ? nargs - 2 : nargs - 1;
      if (plain > 0) cA0[i] = args[1];
      if (plain > 1) cA1[i] = args[2];
      if (plain > 2) cA2[i] = args[3];
      switch (typ) {
        case Ev.GoStart:
        case Ev.GoStartLocal:
        case Ev.GoStartLabel:
          lastG = args[1];
          g = lastG;
          break;
        case Ev.GoEnd:
        case Ev.GoStop:
        case Ev.GoSched:
        case Ev.GoPreempt:
        case Ev.GoSleep:
        case Ev.GoBlock:
        case Ev.GoBlockSend:
        case Ev.GoBlockRecv:
        case Ev.GoBlockSelect:
        case Ev.GoBlockSync:
        case Ev.GoBlockCond:
        case Ev.GoBlockNet:
        case Ev.GoSysBlock:
        case Ev.GoBlockGC:
          lastG = 0;
          break;
        case Ev.GoSysExit:
        case Ev.GoWaiting:
        case Ev.GoInSyscall:
          g = args[1];
          break;
        case Ev.UserLog: {
          let id = inlineIndex.get(message);
          if (id === undefined) {
            id = inline.length;
            inline.push(message);
            inlineIndex.set(message, id);
          }
          cA2[i] = id;
          break;
        }
      }
      cG[i] = g;
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    stop = { offset: evStart, reason: e.message };
  }
  if (batch) {
    batch.end = store.n;
    if (batch.end > batch.start) batches.push(batch);
  }
  appendCpuSamples(store, batches, cpu);
  return { store, batches, strings, inline, stacks, declaredStacks, pcs, ticksPerSec, timerGoids, stop };
}

/** CPU samples become one more batch, on the fake profile P, sorted by their signal-time timestamp. */
function appendCpuSamples(store: EventStore, batches: Batch[], cpu: number[]): void {
  const count = cpu.length / 4;
  if (count === 0) return;
  const idx = Array.from({ length: count }, (_, k) => k);
  idx.sort((x, y) => cpu[x * 4] - cpu[y * 4] || x - y);
  const start = store.n;
  for (const k of idx) {
    const i = store.add();
    store.ts[i] = cpu[k * 4];
    store.typ[i] = Ev.CPUSample;
    store.p[i] = cpu[k * 4 + 1];
    store.g[i] = cpu[k * 4 + 2];
    store.stk[i] = cpu[k * 4 + 3];
  }
  batches.push({ p: FakeP.Profile, start, end: store.n });
}
