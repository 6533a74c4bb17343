// gdb/MI: parses output records (results, async, streams; tuples, lists, C strings) and quotes input.

/** An MI value: a C string, a tuple `{a="1"}` or a list `[...]` (of values, or of results as [name, value] pairs flattened to a tuple list). */
export type MiValue = string | MiTuple | MiValue[];

/** A tuple; a name repeated inside it (as in `frame={...},frame={...}`) becomes an array. */
export interface MiTuple {
  [name: string]: MiValue;
}

/** One line of MI output. */
export type MiRecord =
  | { type: 'result'; token?: number; cls: string; results: MiTuple }
  | { type: 'exec' | 'status' | 'notify'; token?: number; cls: string; results: MiTuple }
  | { type: 'console' | 'target' | 'log'; text: string }
  | { type: 'prompt' }
  | { type: 'unknown'; line: string };

const ASYNC: Record<string, 'exec' | 'status' | 'notify'> = { '*': 'exec', '+': 'status', '=': 'notify' };
const STREAM: Record<string, 'console' | 'target' | 'log'> = { '~': 'console', '@': 'target', '&': 'log' };
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b', "'": "'", '?': '?' };

/** A syntax error in MI output. */
export class MiSyntaxError extends Error {}

/** Cursor over one line. */
class Reader {
  pos = 0;
  constructor(readonly s: string) {}

  peek(): string {
    return this.s[this.pos] ?? '';
  }

  expect(c: string): void {
    if (this.s[this.pos] !== c) throw new MiSyntaxError(`expected '${c}' at ${this.pos} in ${JSON.stringify(this.s.slice(0, 200))}`);
    this.pos++;
  }

  /** A C string starting at the opening quote; octal and hex escapes are bytes of UTF-8 text. */
  cstring(): string {
    this.expect('"');
    const parts: string[] = [];
    let bytes: number[] = [];
    const flushBytes = () => {
      if (bytes.length) parts.push(Buffer.from(bytes).toString('utf8'));
      bytes = [];
    };
    for (;;) {
      const q = this.s.indexOf('"', this.pos);
      const bs = this.s.indexOf('\\', this.pos);
      if (q < 0) throw new MiSyntaxError(`unterminated string in ${JSON.stringify(this.s.slice(0, 200))}`);
      const stop = bs >= 0 && bs < q ? bs : q;
      if (stop > this.pos) {
        flushBytes();
        parts.push(this.s.slice(this.pos, stop));
      }
      this.pos = stop;
      if (stop === q) {
        flushBytes();
        this.pos++;
        return parts.join('');
      }
      const e = this.s[this.pos + 1] ?? '';
      const oct = /^[0-7]{1,3}/.exec(this.s.slice(this.pos + 1, this.pos + 4));
      if (oct) {
        bytes.push(parseInt(oct[0], 8) & 0xff);
        this.pos += 1 + oct[0].length;
      } else if (e === 'x' && /^[0-9a-fA-F]{2}/.test(this.s.slice(this.pos + 2, this.pos + 4))) {
        bytes.push(parseInt(this.s.slice(this.pos + 2, this.pos + 4), 16));
        this.pos += 4;
      } else {
        flushBytes();
        parts.push(ESCAPES[e] ?? e);
        this.pos += 2;
      }
    }
  }

  name(): string {
    const m = /^[A-Za-z_][\w-]*/.exec(this.s.slice(this.pos));
    if (!m) throw new MiSyntaxError(`expected a name at ${this.pos} in ${JSON.stringify(this.s.slice(0, 200))}`);
    this.pos += m[0].length;
    return m[0];
  }

  value(): MiValue {
    const c = this.peek();
    if (c === '"') return this.cstring();
    if (c === '{') {
      this.pos++;
      const t = this.results('}');
      this.expect('}');
      return t;
    }
    if (c === '[') {
      this.pos++;
      const out: MiValue[] = [];
      while (this.peek() !== ']') {
        if (out.length) this.expect(',');
        // a list holds values, or results (`frame={...}`), kept as one-entry tuples
        if (this.peek() === '"' || this.peek() === '{' || this.peek() === '[') out.push(this.value());
        else {
          const n = this.name();
          this.expect('=');
          out.push({ [n]: this.value() });
        }
      }
      this.expect(']');
      return out;
    }
    throw new MiSyntaxError(`unexpected '${c}' at ${this.pos} in ${JSON.stringify(this.s.slice(0, 200))}`);
  }

  /** `a=v,b=v` up to `end` (or the end of line). */
  results(end: string): MiTuple {
    const t: MiTuple = {};
    let first = true;
    while (this.pos < this.s.length && this.peek() !== end) {
      if (!first) this.expect(',');
      first = false;
      const n = this.name();
      this.expect('=');
      const v = this.value();
      const had = t[n];
      if (had === undefined) t[n] = v;
      else if (Array.isArray(had) && (had as unknown as { repeated?: boolean }).repeated) had.push(v);
      else {
        const arr: MiValue[] & { repeated?: boolean } = [had, v];
        arr.repeated = true;
        t[n] = arr;
      }
    }
    return t;
  }
}

/** Parses one line of MI output (without its line ending). */
export function parseMiLine(line: string): MiRecord {
  const s = line.replace(/\r$/, '');
  if (/^\(gdb\)\s*$/.test(s)) return { type: 'prompt' };
  const m = /^(\d*)([\^*+=~@&])/.exec(s);
  if (!m) return { type: 'unknown', line: s };
  const token = m[1] ? Number(m[1]) : undefined;
  const r = new Reader(s);
  r.pos = m[0].length;
  const kind = m[2];
  if (STREAM[kind]) return { type: STREAM[kind], text: r.cstring() };
  const cls = r.name();
  let results: MiTuple = {};
  if (r.peek() === ',') {
    r.pos++;
    results = r.results('');
  }
  if (kind === '^') return { type: 'result', token, cls, results };
  return { type: ASYNC[kind], token, cls, results };
}

/** Splits a stream of MI output into lines, parsing each complete one. */
export class MiLineSplitter {
  private parts: string[] = [];

  /** Feeds a chunk; returns the records of the lines it completed. Unparseable lines come back as `unknown`. */
  push(chunk: string): MiRecord[] {
    if (!chunk.includes('\n')) {
      this.parts.push(chunk);
      return [];
    }
    const text = this.parts.join('') + chunk;
    this.parts = [];
    const out: MiRecord[] = [];
    let from = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', from)) >= 0) {
      const line = text.slice(from, nl);
      from = nl + 1;
      if (!line.trim()) continue;
      try {
        out.push(parseMiLine(line));
      } catch {
        out.push({ type: 'unknown', line });
      }
    }
    if (from < text.length) this.parts.push(text.slice(from));
    return out;
  }
}

/** Quotes a string as an MI C string (for console commands and expressions). */
export function miQuote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** A string field of a tuple ('' when absent or not a string). */
export function miString(t: MiTuple | undefined, name: string): string {
  const v = t?.[name];
  return typeof v === 'string' ? v : '';
}

/** What a command produced: its result record and the console text printed while it ran. */
export interface MiResult {
  cls: string;
  results: MiTuple;
  console: string;
}

/** gdb answered a command with ^error. */
export class MiCommandError extends Error {
  constructor(readonly command: string, message: string) {
    super(message);
  }
}

interface Pending {
  token: number;
  command: string;
  console: string[];
  resolve: (r: MiResult) => void;
  reject: (e: Error) => void;
}

/** Where MI commands go and output comes from. */
export interface MiStreams {
  write(text: string): void;
  onData(listener: (chunk: string) => void): void;
}

/**
 * Sends MI commands with tokens, one at a time (so console output belongs to the command in
 * flight), and resolves each with its result record; ^error rejects with gdb's message. Async
 * records go to the listeners of {@link onAsync}.
 */
export class MiConnection {
  private nextToken = 1;
  private readonly queue: Array<Omit<Pending, 'token'> & { text: string }> = [];
  private inFlight?: Pending;
  private readonly splitter = new MiLineSplitter();
  private readonly asyncListeners: Array<(r: Extract<MiRecord, { type: 'exec' | 'status' | 'notify' }>) => void> = [];
  private closedWith?: Error;

  constructor(private readonly streams: MiStreams, private readonly trace?: (line: string) => void) {
    streams.onData((chunk) => {
      for (const r of this.splitter.push(chunk)) this.dispatch(r);
    });
  }

  /** Called with every *, + and = record. */
  onAsync(listener: (r: Extract<MiRecord, { type: 'exec' | 'status' | 'notify' }>) => void): void {
    this.asyncListeners.push(listener);
  }

  /** Sends one MI command (e.g. `-exec-continue`); resolves with its result. */
  send(command: string): Promise<MiResult> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.queue.push({ command, text: command, console: [], resolve, reject });
      this.pump();
    });
  }

  /** Runs a CLI command through `-interpreter-exec console`; resolves with what it printed. */
  async console(command: string): Promise<string> {
    return (await this.send(`-interpreter-exec console ${miQuote(command)}`)).console;
  }

  /** Fails every pending and future command (gdb went away). */
  close(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    const all = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    for (const p of all) p.reject(reason);
  }

  private pump(): void {
    if (this.inFlight || this.closedWith) return;
    const next = this.queue.shift();
    if (!next) return;
    const token = this.nextToken++;
    this.inFlight = { token, command: next.command, console: [], resolve: next.resolve, reject: next.reject };
    const line = `${token}${next.text}`;
    this.trace?.(`→ ${line}`);
    this.streams.write(`${line}\n`);
  }

  private dispatch(r: MiRecord): void {
    if (this.trace && r.type !== 'console') this.trace(`← ${JSON.stringify(r).slice(0, 2000)}`);
    switch (r.type) {
      case 'console':
        this.inFlight?.console.push(r.text);
        return;
      case 'result': {
        const p = this.inFlight;
        if (!p || (r.token !== undefined && r.token !== p.token)) return;
        this.inFlight = undefined;
        if (r.cls === 'error') p.reject(new MiCommandError(p.command, miString(r.results, 'msg') || 'gdb reported an error'));
        else p.resolve({ cls: r.cls, results: r.results, console: p.console.join('') });
        this.pump();
        return;
      }
      case 'exec':
      case 'status':
      case 'notify':
        for (const l of this.asyncListeners) l(r);
        return;
      default:
        return;
    }
  }
}
