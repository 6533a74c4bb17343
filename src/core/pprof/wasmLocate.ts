// Locates a profile's Sample fields (the bulk of its bytes) in WebAssembly: one small loop that
// runs as machine code from the first sample, where decode.ts's JavaScript loop spends its first
// hundred thousand samples in V8's interpreter and baseline code.
import { ADD, AND, BLOCK, BR, BR_IF, END, EQ, GE_U, GT_U, IF, LOAD8, LOOP, LT_U, NE, OR, PAGE, SHL, STORE32, VOID, assembler, moduleBytes, wasmApi } from './wasmAsm';
import { LOCATE_WASM } from './wasmModules';

// locate(pos, wend, out, max, base, res, store): the Samples from `pos` on, while they lie whole
// before `wend`, at most `max`; their number goes to res[0] and, unless `store` is 0, their
// start/end offsets (address + base) to `out` and the sum of their location id bytes to res[1].
// Returns where it stopped.
const P = ['pos', 'wend', 'out', 'max', 'base', 'res', 'store'] as const;
const L = ['start', 'len', 'b', 'n', 'ids', 'x'] as const;
const VARS = [...P, ...L];

/** The body of `locate`: decode.ts's locateSamples, stopping (for JavaScript to go on) where that one would do anything else. */
function body(): number[] {
  const { c, get, set, k, inc, length4 } = assembler(VARS);
  k(0), set('n'), k(0), set('ids');
  c.push(BLOCK, VOID, LOOP, VOID); // $done, $samples
  get('pos'), get('wend'), c.push(GE_U, BR_IF, 1);
  get('pos'), c.push(LOAD8, 0, 0), k(0x12), c.push(NE, BR_IF, 1);
  get('n'), get('max'), c.push(GE_U, BR_IF, 1);
  // The length: a varint of up to 4 bytes (a longer one is left to JavaScript: out to $done).
  length4();
  // Whole within the window, with the byte after its first one too (for the id bytes, as JavaScript reads it).
  get('start'), get('len'), c.push(ADD), get('wend'), c.push(GT_U, BR_IF, 1);
  get('start'), k(1), c.push(ADD), get('wend'), c.push(GE_U, BR_IF, 1);
  get('store'), c.push(IF, VOID);
  get('n'), k(3), c.push(SHL), get('out'), c.push(ADD), get('start'), get('base'), c.push(ADD), c.push(STORE32, 2, 0);
  get('n'), k(3), c.push(SHL), get('out'), c.push(ADD), get('start'), get('len'), c.push(ADD), get('base'), c.push(ADD), c.push(STORE32, 2, 4);
  // Bytes of packed location ids when they come first with a one-byte length, else the sample's length.
  get('len'), set('x');
  get('start'), c.push(LOAD8, 0, 0), k(0x0a), c.push(EQ, IF, VOID);
  get('start'), c.push(LOAD8, 0, 1), set('b');
  get('b'), k(0x80), c.push(LT_U, IF, VOID), get('b'), set('x'), c.push(END);
  c.push(END);
  get('ids'), get('x'), c.push(ADD), set('ids');
  c.push(END); // if store
  inc('n');
  get('start'), get('len'), c.push(ADD), set('pos');
  c.push(BR, 0, END, END); // $samples, $done
  get('res'), get('n'), c.push(STORE32, 2, 0);
  get('res'), get('ids'), c.push(STORE32, 2, 4);
  get('pos');
  c.push(END);
  return c;
}

/** The module, as assembled here (wasmModules.ts holds its bytes). */
export const locateModuleBytes = (): Uint8Array => moduleBytes([{ name: 'locate', params: P, locals: L, code: body() }]);

let compiled: object | undefined;

/** Bytes copied into WebAssembly memory per call. */
export const LOCATE_WINDOW = 256 * 1024;
/** Zero bytes after the window (the length of a sample cut at its end is read from them, then refused). */
const PAD = 16;

/** Where the samples of a run end, how many there are, their spans and an upper bound on their location ids. */
export interface Located {
  pos: number;
  count: number;
  /** Start/end offset pairs, valid until the next call (none when only counted). */
  spans: Uint32Array;
  idBytes: number;
}

/** A WebAssembly locator of samples, with its memory: the window of bytes, then the spans found. */
export class SampleLocator {
  private readonly mem: Uint8Array;
  private readonly words: Uint32Array;
  private readonly fn: (...args: number[]) => number;
  private readonly pOut: number;
  private readonly max: number;

  private constructor(private readonly window: number, api: NonNullable<typeof wasmApi>) {
    compiled ??= new api.Module(Buffer.from(LOCATE_WASM, 'base64'));
    // Every sample takes 2 bytes at least: a window holds at most window / 2 of them.
    this.max = Math.ceil(window / 2);
    this.pOut = (8 + window + PAD + 7) & ~7;
    const memory = new api.Memory({ initial: Math.ceil((this.pOut + this.max * 8) / PAGE) });
    this.mem = new Uint8Array(memory.buffer);
    this.words = new Uint32Array(memory.buffer);
    this.fn = new api.Instance(compiled, { m: { mem: memory } }).exports.locate as (...args: number[]) => number;
  }

  /** A locator with windows of `window` bytes, or undefined where there is no WebAssembly (or no memory for it). */
  static create(window = LOCATE_WINDOW): SampleLocator | undefined {
    if (!wasmApi) return undefined;
    try {
      return new SampleLocator(window, wasmApi);
    } catch {
      return undefined;
    }
  }

  /**
   * The samples from `pos` (a Sample's key) on, up to the first other field, the end of `buf` or
   * a sample it leaves to JavaScript (one longer than the window, or one cut at the end): `pos`
   * is where that is, and is `pos` itself when the first sample is such a one. With `countOnly`,
   * the samples are only counted.
   */
  locate(buf: Uint8Array, pos: number, countOnly = false): Located {
    const n = Math.min(this.window, buf.length - pos);
    // Window at address 8, so that address 0..7 hold the results.
    this.mem.set(buf.subarray(pos, pos + n), 8);
    this.mem.fill(0, 8 + n, 8 + n + PAD);
    const stop = this.fn(8, 8 + n, this.pOut, this.max, pos - 8, 0, countOnly ? 0 : 1);
    const count = this.words[0];
    const spans = this.words.subarray(this.pOut / 4, this.pOut / 4 + (countOnly ? 0 : 2 * count));
    return { pos: pos + stop - 8, count, spans, idBytes: countOnly ? 0 : this.words[1] };
  }
}
