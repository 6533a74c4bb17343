// Reads a Go binary's version, module and build settings from its .go.buildinfo, by ranged reads only.
import { AnoleError } from '../errors';
import type { RemoteHost } from '../remote/host';
import { CachingReader, elfError, fileOffsetOf, PF_W, PF_X, PT_LOAD, readElf, type ElfFile, type RangeReader } from './elf';

/** A module line of the build info (`mod`, `dep`, or a `=>` replacement). */
export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

/** What `go version -m` prints, parsed. */
export interface GoBuildInfo {
  /** Toolchain that built the binary, e.g. "go1.26.8". */
  goVersion: string;
  /** Import path of the main package, e.g. "example.com/svc/cmd/api". */
  path?: string;
  /** The main module (version "(devel)" for a local build). */
  main?: GoModule;
  deps: GoModule[];
  /** Build settings in order of appearance: "-trimpath", "-ldflags", "GOOS", "GOARCH", "vcs.revision", ... */
  settings: Record<string, string>;
  /** Pointer size (4 or 8) and byte order the header declares. */
  ptrSize: number;
  bigEndian: boolean;
  elfClass: 32 | 64;
}

export interface ReadBuildInfoOptions {
  /** Bytes of the data segment scanned for the header when the section table is gone (default 64 KiB). */
  scanBytes?: number;
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
/** Most build infos are a few KiB; a section claiming more than this is read only this far. */
const MAX_SECTION_READ = 1 << 20;
const MAX_STRING = 16 << 20;

/**
 * Reads the Go build info of the ELF binary at `path` on `host` (e.g. "/proc/1234/exe").
 * Returns null for an ELF file that is not a Go binary (or one built before Go 1.13). Throws a
 * BAD_INPUT AnoleError for a file that is not ELF or is truncated; read errors pass through.
 * A typical Go binary takes three `readRange` calls.
 */
export async function readGoBuildInfo(
  host: Pick<RemoteHost, 'readRange' | 'label'>,
  path: string,
  opts: ReadBuildInfoOptions = {},
): Promise<GoBuildInfo | null> {
  return readGoBuildInfoFrom((o, l) => host.readRange(path, o, l), `${path} on ${host.label}`, opts);
}

/** {@link readGoBuildInfo} over any ranged reader; `label` names the file in errors. */
export async function readGoBuildInfoFrom(read: RangeReader, label: string, opts: ReadBuildInfoOptions = {}): Promise<GoBuildInfo | null> {
  const reader = new CachingReader(read);
  const elf = await readElf(reader, label);
  const found = await findHeader(reader, elf, label, opts.scanBytes ?? 64 << 10);
  if (!found) return null;
  const { addr, header } = found;
  const ptrSize = header[14];
  const flags = header[15];
  const bigEndian = (flags & 1) === 1;
  const mem = new VirtualReader(reader, elf, label);

  let vers: Buffer | null;
  let mod: Buffer | null;
  if ((flags & 2) === 2) {
    // Go 1.18+: two varint-length-prefixed strings right after the header.
    const v = await mem.varintString(addr + HEADER_SIZE);
    if (!v) return null;
    const m = await mem.varintString(v.next);
    if (!m) return null;
    [vers, mod] = [v.data, m.data];
  } else {
    // Before Go 1.18: pointers to Go string headers {data, len}, in the target's byte order.
    if (ptrSize !== 4 && ptrSize !== 8) return null;
    const ptr = (b: Buffer, off: number): number => readPtr(b, off, ptrSize, bigEndian, label);
    [vers, mod] = await Promise.all([
      mem.stringAt(ptr(header, 16), ptrSize, bigEndian),
      mem.stringAt(ptr(header, 16 + ptrSize), ptrSize, bigEndian),
    ]);
  }
  if (!vers || vers.length === 0) return null;
  // The module info is wrapped in two 16-byte sentinels.
  const modText = mod && mod.length >= 33 && mod[mod.length - 17] === 0x0a ? mod.subarray(16, mod.length - 16).toString('utf8') : '';
  return { goVersion: vers.toString('utf8'), ...parseModInfo(modText), ptrSize, bigEndian, elfClass: elf.elfClass };
}

/** Finds the 32-byte build info header: in .go.buildinfo, or by scanning the first data segment. */
async function findHeader(reader: CachingReader, elf: ElfFile, label: string, scanBytes: number): Promise<{ addr: number; header: Buffer } | null> {
  let start: number;
  let fileOff: number;
  let size: number;
  const sec = elf.sections.find((s) => s.name === '.go.buildinfo');
  if (sec) {
    [start, fileOff, size] = [sec.addr, sec.offset, Math.min(sec.size, MAX_SECTION_READ)];
  } else if (elf.sections.some((s) => s.name !== '')) {
    return null; // named sections but no .go.buildinfo: not a Go binary (or Go < 1.13)
  } else {
    // No section table (stripped with sstrip or similar) or no section names: Go puts the build
    // info at the start of the first writable, non-executable segment.
    const seg = elf.segments.find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W);
    if (!seg) return null;
    [start, fileOff, size] = [seg.vaddr, seg.offset, Math.min(seg.filesz, scanBytes)];
  }
  const data = await reader.read(fileOff, size);
  if (sec && data.length < size) throw elfError(label, 'is truncated (the .go.buildinfo section lies past its end)');
  // The header is aligned to 16 bytes in memory; the section or segment start may not be.
  for (let i = (ALIGN - (start % ALIGN)) % ALIGN; i + HEADER_SIZE <= data.length; i += ALIGN) {
    if (data.compare(MAGIC, 0, MAGIC.length, i, i + MAGIC.length) === 0) {
      return { addr: start + i, header: data.subarray(i, i + HEADER_SIZE) };
    }
  }
  return null;
}

function readPtr(b: Buffer, off: number, ptrSize: number, bigEndian: boolean, label: string): number {
  if (ptrSize === 4) return bigEndian ? b.readUInt32BE(off) : b.readUInt32LE(off);
  const v = bigEndian ? b.readBigUInt64BE(off) : b.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw elfError(label, 'is corrupt (a build info pointer is out of range)');
  return Number(v);
}

/** Reads by virtual address through the file's PT_LOAD segments. */
class VirtualReader {
  constructor(
    private readonly reader: CachingReader,
    private readonly elf: ElfFile,
    private readonly label: string,
  ) {}

  /** `length` bytes at `vaddr`, or null if the address is not backed by the file. */
  async read(vaddr: number, length: number, exact = true): Promise<Buffer | null> {
    const loc = fileOffsetOf(this.elf, vaddr);
    if (!loc) return null;
    const want = Math.min(length, loc.avail);
    if (exact && want < length) return null;
    const data = await this.reader.read(loc.offset, want);
    if (data.length < want) throw elfError(this.label, 'is truncated (build info data lies past its end)');
    return data;
  }

  /** A uvarint length then that many bytes (Go 1.18+ inline strings). */
  async varintString(vaddr: number): Promise<{ data: Buffer; next: number } | null> {
    const head = await this.read(vaddr, 10, false);
    if (!head) return null;
    let len = 0;
    let n = 0;
    for (let shift = 1; ; shift *= 128) {
      if (n >= head.length) return null;
      const b = head[n++];
      len += (b & 0x7f) * shift;
      if (b < 0x80) break;
      if (n >= 10) return null;
    }
    if (len > MAX_STRING) throw elfError(this.label, 'is corrupt (a build info string is too long)');
    const data = len === 0 ? Buffer.alloc(0) : await this.read(vaddr + n, len);
    return data ? { data, next: vaddr + n + len } : null;
  }

  /** A Go string header {data pointer, length} at `vaddr`, then its bytes (Go < 1.18). */
  async stringAt(vaddr: number, ptrSize: number, bigEndian: boolean): Promise<Buffer | null> {
    const hdr = await this.read(vaddr, 2 * ptrSize);
    if (!hdr) return null;
    const dataAddr = readPtr(hdr, 0, ptrSize, bigEndian, this.label);
    const len = readPtr(hdr, ptrSize, ptrSize, bigEndian, this.label);
    if (len > MAX_STRING) return null;
    return len === 0 ? Buffer.alloc(0) : this.read(dataAddr, len);
  }
}

/**
 * Parses the module info text (`path`, `mod`, `dep`, `=>` and `build` lines, tab-separated), as
 * Go's debug.ParseBuildInfo does. Unknown or malformed lines are ignored.
 */
export function parseModInfo(text: string): Pick<GoBuildInfo, 'path' | 'main' | 'deps' | 'settings'> {
  const out: Pick<GoBuildInfo, 'path' | 'main' | 'deps' | 'settings'> = { deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const kind = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    const mod = (): GoModule | undefined => {
      const [path, version = '', sum] = rest.split('\t');
      return path ? { path, version, ...(sum ? { sum } : {}) } : undefined;
    };
    if (kind === 'path') out.path = rest;
    else if (kind === 'mod') last = out.main = mod();
    else if (kind === 'dep') {
      last = mod();
      if (last) out.deps.push(last);
    } else if (kind === '=>') {
      const r = mod();
      if (last && r) last.replace = r;
      last = undefined;
    } else if (kind === 'build') {
      const kv = parseBuildSetting(rest);
      if (kv) out.settings[kv[0]] = kv[1];
    }
  }
  return out;
}

/** One `build` line's `key=value`; either side may be a Go quoted string. */
function parseBuildSetting(kv: string): [string, string] | null {
  let key: string;
  let raw: string;
  if (kv.startsWith('"') || kv.startsWith('`')) {
    const end = quotedPrefixLength(kv);
    if (end < 0 || kv[end] !== '=') return null;
    key = unquoteGo(kv.slice(0, end));
    raw = kv.slice(end + 1);
  } else {
    const eq = kv.indexOf('=');
    if (eq <= 0) return null;
    [key, raw] = [kv.slice(0, eq), kv.slice(eq + 1)];
  }
  const value = raw.startsWith('"') || raw.startsWith('`') ? unquoteGo(raw) : raw;
  return [key, value];
}

/** Length of the Go quoted string at the start of `s`, or -1. */
function quotedPrefixLength(s: string): number {
  const q = s[0];
  for (let i = 1; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') i++;
    else if (s[i] === q) return i + 1;
  }
  return -1;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/**
 * Unquotes a Go string literal ("..." with escapes, or `raw`), as strconv.Unquote does for the
 * quoting `go` uses in build settings. Throws BAD_INPUT on a malformed literal.
 */
export function unquoteGo(s: string): string {
  const bad = (): AnoleError => new AnoleError('BAD_INPUT', `malformed Go string literal: ${s.slice(0, 80)}`);
  if (s.length >= 2 && s[0] === '`' && s[s.length - 1] === '`') return s.slice(1, -1).replace(/\r/g, '');
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') throw bad();
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const pushText = (t: string): void => void bytes.push(...Buffer.from(t, 'utf8'));
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0;
      if (cp > 0xffff) i++;
      pushText(String.fromCodePoint(cp));
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw bad();
    if (e in SIMPLE_ESCAPES) pushText(SIMPLE_ESCAPES[e]);
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw bad();
      i += n;
      if (e === 'x') bytes.push(parseInt(hex, 16));
      else pushText(String.fromCodePoint(parseInt(hex, 16)));
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw bad();
      i += 2;
      bytes.push(parseInt(oct, 8) & 0xff);
    } else throw bad();
  }
  return Buffer.from(bytes).toString('utf8');
}
