// anole top's inner loop as a small WebAssembly function, assembled here from its opcodes (no
// build tool, nothing fetched): flat and cum per node for every sample Go's encoders write. It
// runs as machine code from its first sample, where the same loop in JavaScript runs in V8's
// interpreter and baseline code until the optimizing compiler, on a busy background thread, is done.

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
  /** Indexes of the samples of other shapes, ascending. */
  others: Int32Array;
}

// Opcodes used below (WebAssembly core spec, binary format).
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d;
const GET = 0x20, SET = 0x21, TEE = 0x22;
const LOAD32 = 0x28, LOADF64 = 0x2b, LOAD8 = 0x2d, STORE32 = 0x36, STOREF64 = 0x39;
const CONST = 0x41, EQZ = 0x45, EQ = 0x46, NE = 0x47, LT_U = 0x49, GT_U = 0x4b, GE_S = 0x4e, GE_U = 0x4f;
const ADD = 0x6a, SUB = 0x6b, AND = 0x71, OR = 0x72, SHL = 0x74;
const FADD = 0xa0, F_FROM_U32 = 0xb8;
const VOID = 0x40, I32 = 0x7f, F64 = 0x7c;

// Parameters, then locals (all i32 but the two f64 at the end).
const P = ['spans', 'from', 'count', 'nOthers0', 'si', 'nt', 'idNode', 'nIds', 'nodeOf', 'lfs', 'seen', 'nodes', 'flat', 'cum', 'others', 'out'] as const;
const L = ['i', 'pos', 'end', 'k', 'len', 'b', 'fe', 'nd', 'value', 'values', 'x', 'shift', 'id', 'stamp', 'f', 'fl', 'n', 'nOthers', 'j', 'limit'] as const;
const LF = ['v', 'total'] as const;
type Var = (typeof P)[number] | (typeof L)[number] | (typeof LF)[number];
const VARS: readonly Var[] = [...P, ...L, ...LF];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** The body of `run`, as the loop in wireTop.ts's fastSample reads a sample. */
function body(): number[] {
  const c: number[] = [];
  const get = (v: Var) => c.push(GET, VARS.indexOf(v));
  const set = (v: Var) => c.push(SET, VARS.indexOf(v));
  const k = (n: number) => c.push(CONST, ...sleb(n));
  /** `v = v + n`. */
  const inc = (v: Var, n = 1) => (get(v), k(n), c.push(ADD), set(v));
  /** `b = mem8[pos++]` into `v`. */
  const byte = (v: Var) => (get('pos'), c.push(LOAD8, 0, 0), set(v), inc('pos'));
  /** The address base + 4 * index on the stack. */
  const at4 = (base: Var, index: Var) => (get(index), k(2), c.push(SHL), get(base), c.push(ADD));
  const at8 = (base: Var, index: () => void) => (index(), k(3), c.push(SHL), get(base), c.push(ADD));

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
  /** Marks node `n` seen in this sample and appends it to nodes, unless already seen. */
  const addNode = () => {
    at4('seen', 'n'), c.push(LOAD32, 2, 0), get('stamp'), c.push(NE, IF, VOID);
    at4('seen', 'n'), get('stamp'), c.push(STORE32, 2, 0);
    at4('nodes', 'nd'), get('n'), c.push(STORE32, 2, 0);
    inc('nd');
    c.push(END);
  };

  get('from'), set('i'), get('nOthers0'), set('nOthers');
  get('out'), c.push(LOADF64, 3, 0), set('total');
  c.push(BLOCK, VOID, LOOP, VOID); // $done, $samples
  get('i'), get('count'), c.push(GE_U, BR_IF, 1);
  at8('spans', () => get('i')), c.push(LOAD32, 2, 0), set('pos');
  at8('spans', () => get('i')), c.push(LOAD32, 2, 4), set('end');
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
  get('pos'), get('len'), c.push(ADD, TEE, VARS.indexOf('fe')), get('end'), c.push(GT_U, BR_IF, 2);
  get('k'), k(0x0a), c.push(EQ, IF, VOID); // +1: location ids
  c.push(BLOCK, VOID, LOOP, VOID); // +2: $idsdone, $ids (fail at depth 5)
  get('pos'), get('fe'), c.push(GE_U, BR_IF, 1);
  byte('id');
  get('id'), k(0x80), c.push(GE_U, IF, VOID); // +1 (fail at 6)
  byte('b');
  get('b'), k(0x80), c.push(GE_U, BR_IF, 6);
  get('pos'), get('fe'), c.push(GT_U, BR_IF, 6);
  get('id'), k(0x7f), c.push(AND), get('b'), k(7), c.push(SHL, OR), set('id');
  c.push(END);
  get('id'), get('nIds'), c.push(GE_U, BR_IF, 5);
  at4('idNode', 'id'), c.push(LOAD32, 2, 0), set('x');
  get('x'), k(0), c.push(GE_S, IF, VOID); // +1
  get('x'), set('n');
  addNode();
  c.push(ELSE);
  get('x'), k(-1), c.push(EQ, BR_IF, 6);
  // A location with inlined frames: each frame's node, innermost first.
  k(-2), get('x'), c.push(SUB), set('j');
  at4('lfs', 'j'), c.push(LOAD32, 2, 0), set('f');
  at4('lfs', 'j'), c.push(LOAD32, 2, 4), set('fl');
  c.push(BLOCK, VOID, LOOP, VOID); // +2
  get('f'), get('fl'), c.push(GE_U, BR_IF, 1);
  at4('nodeOf', 'f'), c.push(LOAD32, 2, 0), set('n');
  addNode();
  inc('f');
  c.push(BR, 0, END, END);
  c.push(END); // if x >= 0
  c.push(BR, 0, END, END); // $ids, $idsdone
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
  c.push(BR, 1); // continue $samples (past $fail)
  c.push(END); // $fail: the sample is left to the general reader
  at4('others', 'nOthers'), get('i'), c.push(STORE32, 2, 0);
  inc('nOthers');
  inc('i');
  c.push(BR, 0, END, END); // $samples, $done
  get('out'), get('total'), c.push(STOREF64, 3, 0);
  get('nOthers');
  c.push(END);
  return c;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'latin1')];

/** The module: imports its memory as m.mem, exports run(...P) → number of samples left over. */
function moduleBytes(): Uint8Array {
  const type = [1, 0x60, ...uleb(P.length), ...P.map(() => I32), 1, I32];
  const imports = [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1];
  const code = body();
  const locals = [2, ...uleb(L.length), I32, ...uleb(LF.length), F64];
  const fn = [...locals, ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, type),
    ...section(2, imports),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('run'), 0x00, 0]),
    ...section(10, [1, ...uleb(fn.length), ...fn]),
  ]);
}

/** The few parts of the WebAssembly JavaScript API used here (the ES2022 lib has no types for it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | undefined;

/** Samples per call of the WebAssembly loop. */
const BATCH = 8192;

const align8 = (n: number) => (n + 7) & ~7;

/**
 * Adds every sample of `spans` (start/end byte pairs into `buf`) that has Go's usual shape to
 * flat/cum/total exactly as wireTop's fastSample does; the others' indexes come back in `others`.
 * Undefined when this Node has no WebAssembly (e.g. --jitless) or no memory for it.
 */
export function wasmTop(buf: Uint8Array, spans: Uint32Array, count: number, si: number, nt: number, t: WasmTopTables): WasmTopSums | undefined {
  if (!wasmApi) return undefined;
  compiled ??= new wasmApi.Module(moduleBytes());
  // Layout: the bytes, 16 zero bytes (reads past the end see zeros and fail as in JavaScript), then the tables.
  let at = align8(buf.length + 16);
  const place = (bytes: number) => {
    const p = at;
    at = align8(at + bytes);
    return p;
  };
  const pSpans = place(count * 8);
  const pIdNode = place(t.idNode.length * 4);
  const pNodeOf = place(t.nodeOf.length * 4);
  const pLfs = place(t.locFrameStart.length * 4);
  const pSeen = place(t.nNodes * 4);
  const pNodes = place(t.nNodes * 4);
  const pFlat = place(t.nNodes * 8);
  const pCum = place(t.nNodes * 8);
  const pOthers = place(count * 4);
  const pOut = place(8);
  let memory: { buffer: ArrayBuffer };
  try {
    memory = new wasmApi.Memory({ initial: Math.ceil(at / 65536) });
  } catch {
    return undefined; // more than a WebAssembly memory holds (4 GiB), or no room for it: the JavaScript loop reads it
  }
  const mem = memory.buffer;
  new Uint8Array(mem, 0, buf.length).set(buf);
  new Uint32Array(mem, pSpans, count * 2).set(spans.subarray(0, count * 2));
  new Int32Array(mem, pIdNode, t.idNode.length).set(t.idNode);
  new Int32Array(mem, pNodeOf, t.nodeOf.length).set(t.nodeOf);
  new Uint32Array(mem, pLfs, t.locFrameStart.length).set(t.locFrameStart);
  const run = new wasmApi.Instance(compiled, { m: { mem: memory } }).exports.run as (...args: number[]) => number;
  // In batches: a call runs the code it started with, so the first batches run on the baseline
  // compiler's code while V8 optimizes the function for the later ones.
  let nOthers = 0;
  for (let from = 0; from < count; from += BATCH) {
    nOthers = run(pSpans, from, Math.min(count, from + BATCH), nOthers, si, nt, pIdNode, t.idNode.length, pNodeOf, pLfs, pSeen, pNodes, pFlat, pCum, pOthers, pOut);
  }
  return {
    flat: new Float64Array(mem.slice(pFlat, pFlat + t.nNodes * 8)),
    cum: new Float64Array(mem.slice(pCum, pCum + t.nNodes * 8)),
    total: new Float64Array(mem, pOut, 1)[0],
    others: new Int32Array(mem.slice(pOthers, pOthers + nOthers * 4)),
  };
}
