// A tiny WebAssembly assembler for the pprof fast paths (wasmTop.ts, wasmLocate.ts): opcodes,
// LEB128, named locals and one-memory modules, so the loops are written here, not fetched or built.

// Opcodes used (WebAssembly core spec, binary format).
export const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f, CALL = 0x10;
export const GET = 0x20, SET = 0x21, TEE = 0x22;
export const LOAD32 = 0x28, LOADF64 = 0x2b, LOAD8 = 0x2d, STORE32 = 0x36, STOREF64 = 0x39;
export const CONST = 0x41, EQZ = 0x45, EQ = 0x46, NE = 0x47, LT_S = 0x48, LT_U = 0x49, GT_U = 0x4b, GE_S = 0x4e, GE_U = 0x4f;
export const ADD = 0x6a, SUB = 0x6b, MUL = 0x6c, AND = 0x71, OR = 0x72, SHL = 0x74;
export const FADD = 0xa0, F_FROM_U32 = 0xb8;
export const VOID = 0x40, I32 = 0x7f, F64 = 0x7c;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
export function sleb(n: number): number[] {
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

/**
 * Helpers writing one function's code into `c`, its parameters and locals named by `vars` (in
 * their order in the function). Each helper pushes its instructions; they return nothing useful.
 */
export function assembler<V extends string>(vars: readonly V[]) {
  const c: number[] = [];
  const index = (v: V) => {
    const i = vars.indexOf(v);
    if (i < 0) throw new Error(`wasm: no local ${v}`);
    return i;
  };
  const get = (v: V) => c.push(GET, index(v));
  const set = (v: V) => c.push(SET, index(v));
  const tee = (v: V) => c.push(TEE, index(v));
  /** i32.const n. */
  const k = (n: number) => c.push(CONST, ...sleb(n));
  /** `v = v + n`. */
  const inc = (v: V, n = 1) => (get(v), k(n), c.push(ADD), set(v));
  /** `v = mem8[pos++]` (the function has a local named pos). */
  const byte = (v: V) => (get('pos' as V), c.push(LOAD8, 0, 0), set(v), inc('pos' as V));
  /** The address base + 4 * index on the stack. */
  const at4 = (base: V, i: V) => (get(i), k(2), c.push(SHL), get(base), c.push(ADD));
  /** The address base + 8 * (what `i` pushes) on the stack. */
  const at8 = (base: V, i: () => void) => (i(), k(3), c.push(SHL), get(base), c.push(ADD));
  /**
   * `len` = the varint of up to 4 bytes at pos, `start` = pos + its length (the function has locals named pos,
   * len, b and start), as the sample loops read a sample's length; a longer one branches 4 blocks out from the
   * code around it (the caller's `$done`).
   */
  const length4 = () => {
    const lenByte = (at: number, shift: number) => {
      get('pos' as V), c.push(LOAD8, 0, at), set('b' as V);
      get('len' as V), get('b' as V), k(0x7f), c.push(AND), k(shift), c.push(SHL, OR), set('len' as V);
      get('pos' as V), k(at + 1), c.push(ADD), set('start' as V);
      get('b' as V), k(0x80), c.push(GE_U);
    };
    k(0), set('len' as V);
    lenByte(1, 0);
    c.push(IF, VOID);
    lenByte(2, 7);
    c.push(IF, VOID);
    lenByte(3, 14);
    c.push(IF, VOID);
    lenByte(4, 21);
    c.push(BR_IF, 4);
    c.push(END, END, END);
  };
  return { c, get, set, tee, k, inc, byte, at4, at8, length4 };
}

/** One exported function: i32 parameters and result, i32 then f64 locals. */
export interface WasmFunction {
  name: string;
  params: readonly string[];
  locals: readonly string[];
  f64Locals?: readonly string[];
  code: number[];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'latin1')];

/** A module importing its memory as m.mem and exporting `fns`, each (i32...) → i32. */
export function moduleBytes(fns: WasmFunction[]): Uint8Array {
  const types = fns.flatMap((f) => [0x60, ...uleb(f.params.length), ...f.params.map(() => I32), 1, I32]);
  const bodies = fns.map((f) => {
    const body = [2, ...uleb(f.locals.length), I32, ...uleb(f.f64Locals?.length ?? 0), F64, ...f.code];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [fns.length, ...types]),
    ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]),
    ...section(3, [fns.length, ...fns.map((_, i) => i)]),
    ...section(7, [fns.length, ...fns.flatMap((f, i) => [...name(f.name), 0x00, i])]),
    ...section(10, [fns.length, ...bodies.flat()]),
  ]);
}

/** A WebAssembly memory, as far as the fast paths use it. */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The few parts of the WebAssembly JavaScript API used here (the ES2022 lib has no types for it). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** WebAssembly, or undefined where Node runs without it (e.g. --jitless). */
export const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes of a WebAssembly memory page. */
export const PAGE = 65536;
