// anole top's inner loop as small WebAssembly functions, assembled here from their opcodes (no
// build tool, nothing fetched; wasmModules.ts holds the bytes): flat and cum per node for every
// sample Go's encoders write, read from windows of the profile's bytes. It runs as machine code
// from its first sample, where the same loop in JavaScript runs in V8's interpreter and baseline
// code until the optimizing compiler, on a busy background thread, is done.
import {
  ADD, AND, BLOCK, BR, BR_IF, ELSE, END, EQ, EQZ, FADD, F_FROM_U32, GE_S, GE_U, GT_U, IF, LOAD32, LOAD8, LOADF64, LOOP, LT_U, MUL, NE, OR, PAGE, SHL,
  STORE32, STOREF64, SUB, VOID, CALL, LT_S, RETURN, type WasmMemory, assembler, moduleBytes, wasmApi,
} from './wasmAsm';
import { RUN_WASM } from './wasmModules';

/** The tables the loop reads and the sums it adds to, as wireTop builds them. */
export interface WasmTopTables {
  /** Location id → node (>= 0), -1 for a missing location, -2 - index for a location with several frames. */
  idNode: Int32Array;
  nodeOf: Int32Array;
  locFrameStart: Uint32Array;
  nNodes: number;
}

/** What the loop found: per-node sums, the total, and the samples it left to the general reader. */
export interface WasmTopSums {
  flat: Float64Array;
  cum: Float64Array;
  total: number;
  /** The samples of other shapes, in order: their start and end offsets and their index, three numbers each. */
  others: Uint32Array;
}

// Parameters, then locals (all i32 but the two f64 at the end). run(pos, wend, state, base, ...)
// reads the Samples from `pos` on while they lie whole before `wend` and returns where it stopped;
// `state` holds the number of samples read so far (i32), of those left over (i32) and the total
// (f64), from one call to the next; `address + base` is an offset in the profile (i32 arithmetic
// wraps around 2^32, so a window of the bytes at any address can stand for them).
const P = ['pos', 'wend', 'state', 'base', 'si', 'nt', 'idNode', 'nIds', 'nodeOf', 'lfs', 'seen', 'nodes', 'flat', 'cum', 'others', 'nFast'] as const;
const L = ['i', 'start', 'end', 'k', 'len', 'b', 'fe', 'nd', 'value', 'values', 'x', 'shift', 'stamp', 'n', 'nOthers', 'j', 'limit'] as const;
const LF = ['v', 'total'] as const;
type Var = (typeof P)[number] | (typeof L)[number] | (typeof LF)[number];
const VARS: readonly Var[] = [...P, ...L, ...LF];

/** The body of `run`, as the loop in wireTop.ts's fastSample reads a sample. */
function body(): number[] {
  const { c, get, set, tee, k, inc, byte, at4, at8, length4 } = assembler(VARS);

  // Block depths are counted by hand at each branch: the comments name the targets.
  /** addValue: one varint (below 2^28) at pos that must end by `limit`; on failure br to $fail (depth given). */
  const addValue = (failDepth: number) => {
    k(0), set('x'), k(0), set('shift'), k(0x80), set('b');
    c.push(BLOCK, VOID, LOOP, VOID); // $vdone, $v
    get('b'), k(0x80), c.push(LT_U, BR_IF, 1);
    get('shift'), k(28), c.push(GE_U, BR_IF, 1);
    byte('b');
    get('x'), get('b'), k(0x7f), c.push(AND), get('shift'), c.push(SHL, OR), set('x');
    inc('shift', 7);
    c.push(BR, 0, END, END);
    get('b'), k(0x80), c.push(GE_U, BR_IF, failDepth);
    get('pos'), get('limit'), c.push(GT_U, BR_IF, failDepth);
    get('values'), get('si'), c.push(EQ, IF, VOID), get('x'), set('value'), c.push(END);
    inc('values');
  };
  get('state'), c.push(LOAD32, 2, 0), set('i');
  get('state'), c.push(LOAD32, 2, 4), set('nOthers');
  get('state'), c.push(LOADF64, 3, 8), set('total');
  c.push(BLOCK, VOID, LOOP, VOID); // $done, $samples
  get('pos'), get('wend'), c.push(GE_U, BR_IF, 1);
  get('pos'), c.push(LOAD8, 0, 0), k(0x12), c.push(NE, BR_IF, 1);
  // The sample's length, a varint of up to 4 bytes (JavaScript decides about a longer one: out to $done).
  length4();
  // Only a sample whole within the window (JavaScript moves the window on).
  get('start'), get('len'), c.push(ADD), tee('end'), get('wend'), c.push(GT_U, BR_IF, 1);
  get('start'), set('pos');
  get('i'), k(1), c.push(SHL), k(1), c.push(ADD), set('stamp');
  k(0), set('value'), k(0), set('values'), k(0), set('nd');
  c.push(BLOCK, VOID); // $fail (depth from the fields loop body: see below)
  c.push(BLOCK, VOID, LOOP, VOID); // $shape, $fields
  // Inside $fields: depth 0 = $fields, 1 = $shape, 2 = $fail.
  get('pos'), get('end'), c.push(GE_U, BR_IF, 1);
  byte('k');
  get('k'), k(0x10), c.push(EQ, IF, VOID); // +1
  get('end'), set('limit');
  addValue(3);
  c.push(BR, 1, END); // continue $fields
  byte('len');
  get('len'), k(0x80), c.push(GE_U, IF, VOID); // +1
  byte('b');
  get('b'), k(0x80), c.push(GE_U, BR_IF, 3);
  get('len'), k(0x7f), c.push(AND), get('b'), k(7), c.push(SHL, OR), set('len');
  c.push(END);
  get('pos'), get('len'), c.push(ADD), tee('fe'), get('end'), c.push(GT_U, BR_IF, 2);
  get('k'), k(0x0a), c.push(EQ, IF, VOID); // +1: location ids
  // In a function of its own: few values live in its loop, all in registers.
  get('pos'), get('fe'), get('nd'), get('stamp'), get('idNode'), get('nIds'), get('nodeOf'), get('lfs'), get('seen'), get('nodes'), get('nFast');
  c.push(CALL, 1), tee('nd'), k(0), c.push(LT_S, BR_IF, 3);
  c.push(ELSE);
  get('k'), k(0x12), c.push(EQ, IF, VOID); // +2 from $fields: packed values (fail at 4)
  get('fe'), set('limit');
  c.push(BLOCK, VOID, LOOP, VOID); // +2 (fail at 6)
  get('pos'), get('fe'), c.push(GE_U, BR_IF, 1);
  addValue(6);
  c.push(BR, 0, END, END);
  c.push(ELSE);
  get('k'), k(0x1a), c.push(NE, BR_IF, 4);
  c.push(END, END); // if 0x12, if 0x0a
  get('fe'), set('pos');
  c.push(BR, 0, END, END); // $fields, $shape
  get('values'), get('nt'), c.push(NE, BR_IF, 0);
  get('nd'), c.push(EQZ, BR_IF, 0);
  get('value'), c.push(F_FROM_U32), set('v');
  get('total'), get('v'), c.push(FADD), set('total');
  k(0), set('j'), at4('nodes', 'j'), c.push(LOAD32, 2, 0), set('n');
  at8('flat', () => get('n')), at8('flat', () => get('n')), c.push(LOADF64, 3, 0), get('v'), c.push(FADD, STOREF64, 3, 0);
  c.push(BLOCK, VOID, LOOP, VOID);
  get('j'), get('nd'), c.push(GE_U, BR_IF, 1);
  at4('nodes', 'j'), c.push(LOAD32, 2, 0), set('n');
  at8('cum', () => get('n')), at8('cum', () => get('n')), c.push(LOADF64, 3, 0), get('v'), c.push(FADD, STOREF64, 3, 0);
  inc('j');
  c.push(BR, 0, END, END);
  inc('i');
  get('end'), set('pos');
  c.push(BR, 1); // continue $samples (past $fail)
  c.push(END); // $fail: the sample is left to the general reader, as (start, end, index)
  get('nOthers'), k(12), c.push(MUL), get('others'), c.push(ADD), set('j');
  get('j'), get('start'), get('base'), c.push(ADD, STORE32, 2, 0);
  get('j'), get('end'), get('base'), c.push(ADD, STORE32, 2, 4);
  get('j'), get('i'), c.push(STORE32, 2, 8);
  inc('nOthers');
  inc('i');
  get('end'), set('pos');
  c.push(BR, 0, END, END); // $samples, $done
  get('state'), get('i'), c.push(STORE32, 2, 0);
  get('state'), get('nOthers'), c.push(STORE32, 2, 4);
  get('state'), get('total'), c.push(STOREF64, 3, 8);
  get('pos');
  c.push(END);
  return c;
}

// ids(pos, fe, nd, stamp, ...tables): the packed location ids in [pos, fe) of the sample `stamp`,
// their nodes not yet seen appended to nodes (holding nd); returns the new nd, or -1 for an id
// the general reader must see (a missing location, a varint longer than 2 bytes or cut short).
const PI = ['pos', 'fe', 'nd', 'stamp', 'idNode', 'nIds', 'nodeOf', 'lfs', 'seen', 'nodes', 'nFast'] as const;
const LI = ['id', 'b', 'x', 'n', 'f', 'fl'] as const;

/** The body of `ids`, as wireTop.ts's addIds. */
function idsBody(): number[] {
  const { c, get, set, k, inc, byte, at4 } = assembler([...PI, ...LI]);
  /** Marks node `n` seen in this sample and appends it to nodes, unless already seen. */
  const addNode = () => {
    at4('seen', 'n'), c.push(LOAD32, 2, 0), get('stamp'), c.push(NE, IF, VOID);
    at4('seen', 'n'), get('stamp'), c.push(STORE32, 2, 0);
    at4('nodes', 'nd'), get('n'), c.push(STORE32, 2, 0);
    inc('nd');
    c.push(END);
  };
  c.push(BLOCK, VOID); // $fail
  c.push(BLOCK, VOID, LOOP, VOID); // $done, $ids: inside, 0 = $ids, 1 = $done, 2 = $fail
  get('pos'), get('fe'), c.push(GE_U, BR_IF, 1);
  byte('id');
  // The usual id: one byte (below nFast = min(nIds, 128)) naming a location of one frame.
  get('id'), get('nFast'), c.push(LT_U, IF, VOID); // +1
  at4('idNode', 'id'), c.push(LOAD32, 2, 0), set('n');
  get('n'), k(0), c.push(GE_S, IF, VOID); // +2
  addNode();
  c.push(BR, 2, END, END); // continue $ids
  get('id'), k(0x80), c.push(GE_U, IF, VOID); // +1 (fail at 3)
  byte('b');
  get('b'), k(0x80), c.push(GE_U, BR_IF, 3);
  get('pos'), get('fe'), c.push(GT_U, BR_IF, 3);
  get('id'), k(0x7f), c.push(AND), get('b'), k(7), c.push(SHL, OR), set('id');
  c.push(END);
  get('id'), get('nIds'), c.push(GE_U, BR_IF, 2);
  at4('idNode', 'id'), c.push(LOAD32, 2, 0), set('x');
  get('x'), k(0), c.push(GE_S, IF, VOID); // +1 (fail at 3)
  get('x'), set('n');
  addNode();
  c.push(ELSE);
  get('x'), k(-1), c.push(EQ, BR_IF, 3);
  // A location with inlined frames: each frame's node, innermost first.
  k(-2), get('x'), c.push(SUB), set('x');
  at4('lfs', 'x'), c.push(LOAD32, 2, 0), set('f');
  at4('lfs', 'x'), c.push(LOAD32, 2, 4), set('fl');
  c.push(BLOCK, VOID, LOOP, VOID); // +2
  get('f'), get('fl'), c.push(GE_U, BR_IF, 1);
  at4('nodeOf', 'f'), c.push(LOAD32, 2, 0), set('n');
  addNode();
  inc('f');
  c.push(BR, 0, END, END);
  c.push(END); // if x >= 0
  c.push(BR, 0, END, END); // $ids, $done
  get('nd'), c.push(RETURN);
  c.push(END); // $fail
  k(-1);
  c.push(END);
  return c;
}

/** The module, as assembled here: exports run(...P) → where it stopped (wasmModules.ts holds its bytes). */
export const runModuleBytes = (): Uint8Array =>
  moduleBytes([
    { name: 'run', params: P, locals: L, f64Locals: LF, code: body() },
    { name: 'ids', params: PI, locals: LI, code: idsBody() },
  ]);

let compiled: object | undefined;

/**
 * Bytes of samples copied into WebAssembly memory per call (more when one sample is larger): a
 * small window, reused, costs one memcpy of the profile in cache, where a copy of all of it would
 * first fault in as many fresh pages as the profile has.
 */
export const WINDOW_BYTES = 256 * 1024;
/** Zero bytes after the window: reads past a sample's end (which then fails) stay in memory. */
const PAD = 16;

const align8 = (n: number) => (n + 7) & ~7;

/** Bytes of the Sample field at `pos` (key, length and payload), or -1 when it is none or its length takes more than 5 bytes. */
function fieldBytes(buf: Uint8Array, pos: number): number {
  if (buf[pos] !== 0x12) return -1;
  let len = 0;
  for (let i = 1; i <= 5; i++) {
    const b = buf[pos + i];
    len += (b & 0x7f) * 2 ** (7 * (i - 1));
    if (b < 0x80) return 1 + i + len;
  }
  return -1;
}

/**
 * Adds every sample of `runs` (start/end byte pairs into `buf`, each holding only Sample fields,
 * `count` of them in all) that has Go's usual shape to flat/cum/total exactly as wireTop's
 * fastSample does, reading the fields itself; the others come back as (start, end, index)
 * triples in `others`. Undefined when this Node has no WebAssembly (e.g. --jitless), no memory for
 * it, or a run holds something else. `window` is for tests (small windows, many calls).
 */
export function wasmTop(buf: Uint8Array, runs: Uint32Array, count: number, si: number, nt: number, t: WasmTopTables, window = WINDOW_BYTES): WasmTopSums | undefined {
  if (!wasmApi) return undefined;
  compiled ??= new wasmApi.Module(Buffer.from(RUN_WASM, 'base64'));
  // Layout: the state, the tables and sums, the samples left over, then the window of bytes
  // (last, so that it can grow for a large sample) and PAD zero bytes.
  let at = 8;
  const place = (bytes: number) => {
    const p = at;
    at = align8(at + bytes);
    return p;
  };
  const pState = place(16);
  const pIdNode = place(t.idNode.length * 4);
  const pNodeOf = place(t.nodeOf.length * 4);
  const pLfs = place(t.locFrameStart.length * 4);
  const pSeen = place(t.nNodes * 4);
  const pNodes = place(t.nNodes * 4);
  const pFlat = place(t.nNodes * 8);
  const pCum = place(t.nNodes * 8);
  const pOthers = place(count * 12);
  const pWin = at;
  let memory: WasmMemory;
  try {
    memory = new wasmApi.Memory({ initial: Math.ceil((pWin + Math.min(window, buf.length) + PAD) / PAGE) });
  } catch {
    return undefined; // no room for it: the general path reads the profile
  }
  let mem = new Uint8Array(memory.buffer);
  new Int32Array(memory.buffer, pIdNode, t.idNode.length).set(t.idNode);
  new Int32Array(memory.buffer, pNodeOf, t.nodeOf.length).set(t.nodeOf);
  new Uint32Array(memory.buffer, pLfs, t.locFrameStart.length).set(t.locFrameStart);
  const run = new wasmApi.Instance(compiled, { m: { mem: memory } }).exports.run as (...args: number[]) => number;
  // Window after window: V8 compiles the function with its baseline compiler first and optimizes
  // it in the background, and a call runs the code it started with, so the later windows run faster.
  for (let r = 0; r < runs.length; r += 2) {
    const end = runs[r + 1];
    for (let pos = runs[r]; pos < end; ) {
      let n = Math.min(window, end - pos);
      const first = fieldBytes(buf, pos);
      if (first < 0) return undefined;
      if (first > n) n = first; // a sample larger than the window gets a window of its own size
      if (pWin + n + PAD > mem.length) {
        try {
          memory.grow(Math.ceil((pWin + n + PAD - mem.length) / PAGE));
        } catch {
          return undefined;
        }
        mem = new Uint8Array(memory.buffer);
      }
      mem.set(buf.subarray(pos, pos + n), pWin);
      mem.fill(0, pWin + n, pWin + n + PAD);
      const stop = run(pWin, pWin + n, pState, pos - pWin, si, nt, pIdNode, t.idNode.length, pNodeOf, pLfs, pSeen, pNodes, pFlat, pCum, pOthers, Math.min(t.idNode.length, 0x80));
      if (stop === pWin) return undefined; // not even the first sample: something other than samples in the run
      pos += stop - pWin;
    }
  }
  const m = memory.buffer;
  const state = new Uint32Array(m, pState, 2);
  if (state[0] !== count) return undefined;
  return {
    flat: new Float64Array(m.slice(pFlat, pFlat + t.nNodes * 8)),
    cum: new Float64Array(m.slice(pCum, pCum + t.nNodes * 8)),
    total: new Float64Array(m, pState + 8, 1)[0],
    others: new Uint32Array(m.slice(pOthers, pOthers + state[1] * 12)),
  };
}
