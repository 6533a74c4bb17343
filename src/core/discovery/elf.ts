// Minimal ELF reader (32/64-bit, either byte order) over ranged reads: headers, segments, sections.
import { AnoleError } from '../errors';

/** Reads `length` bytes at `offset` (fewer at end of file). */
export type RangeReader = (offset: number, length: number) => Promise<Buffer>;

/** A program header (segment). Only the fields discovery needs. */
export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

/** A section header, with its name resolved from the section-name string table. */
export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
}

/** What {@link readElf} learned about a file. */
export interface ElfFile {
  elfClass: 32 | 64;
  bigEndian: boolean;
  segments: ElfSegment[];
  /** Empty when the file has no section header table (e.g. after `sstrip`). */
  sections: ElfSection[];
}

export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const SHT_NOBITS = 8;

/** Bytes read first: the ELF header, and usually the program and (in Go binaries) section headers. */
const HEAD_BYTES = 4096;
/** Refuse header tables larger than this (a corrupt count would otherwise ask for gigabytes). */
const MAX_TABLE_BYTES = 4 << 20;

/** Caches the first read so later reads inside it cost no round trip. */
export class CachingReader {
  private readonly chunks: Array<{ offset: number; data: Buffer; requested: number }> = [];
  /** Number of reads that went to the underlying reader. */
  reads = 0;

  constructor(private readonly inner: RangeReader) {}

  /** Reads through the cache; the result is remembered. */
  async read(offset: number, length: number): Promise<Buffer> {
    for (const c of this.chunks) {
      if (offset >= c.offset && offset + length <= c.offset + c.data.length) {
        return c.data.subarray(offset - c.offset, offset - c.offset + length);
      }
      // A short chunk means end of file: anything starting inside it is cut at the same place.
      if (offset >= c.offset && offset < c.offset + c.data.length && c.data.length < c.requested) {
        return c.data.subarray(offset - c.offset);
      }
    }
    this.reads++;
    const data = await this.inner(offset, length);
    this.chunks.push({ offset, data, requested: length });
    return data;
  }
}

/** Thrown for a file that is not ELF or whose headers point past its end. */
export function elfError(label: string, what: string): AnoleError {
  return new AnoleError('BAD_INPUT', `${label} ${what}`, undefined, { path: label });
}

/** Integer accessors for one byte order and word size. */
export class Words {
  constructor(readonly buf: Buffer, readonly bigEndian: boolean, private readonly label: string) {}
  u8(off: number): number {
    return this.buf[off];
  }
  u16(off: number): number {
    return this.bigEndian ? this.buf.readUInt16BE(off) : this.buf.readUInt16LE(off);
  }
  u32(off: number): number {
    return this.bigEndian ? this.buf.readUInt32BE(off) : this.buf.readUInt32LE(off);
  }
  u64(off: number): number {
    const v = this.bigEndian ? this.buf.readBigUInt64BE(off) : this.buf.readBigUInt64LE(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw elfError(this.label, 'is corrupt (a 64-bit field is out of range)');
    return Number(v);
  }
  word(off: number, is64: boolean): number {
    return is64 ? this.u64(off) : this.u32(off);
  }
}

/**
 * Reads the ELF header, program headers, section headers and section names: one read for the
 * first 4 KiB (which holds all headers of a typical Go binary), plus one for each table outside
 * it and one for the section-name table.
 */
export async function readElf(reader: CachingReader, label: string): Promise<ElfFile> {
  const head = await reader.read(0, HEAD_BYTES);
  if (head.length < 4 || head.readUInt32BE(0) !== 0x7f454c46) throw elfError(label, 'is not an ELF file');
  if (head.length < 52) throw elfError(label, 'is truncated (incomplete ELF header)');
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) throw elfError(label, 'is corrupt (unknown ELF class or byte order)');
  const is64 = cls === 2;
  if (is64 && head.length < 64) throw elfError(label, 'is truncated (incomplete ELF header)');
  const w = new Words(head, data === 2, label);
  const phoff = w.word(is64 ? 0x20 : 0x1c, is64);
  const shoff = w.word(is64 ? 0x28 : 0x20, is64);
  const phentsize = w.u16(is64 ? 0x36 : 0x2a);
  let phnum = w.u16(is64 ? 0x38 : 0x2c);
  const shentsize = w.u16(is64 ? 0x3a : 0x2e);
  let shnum = w.u16(is64 ? 0x3c : 0x30);
  let shstrndx = w.u16(is64 ? 0x3e : 0x32);
  const wantSh = is64 ? 64 : 40;
  const wantPh = is64 ? 56 : 32;

  // Section headers first: extended numbering keeps real counts in section 0.
  let shTable: Buffer | null = null;
  if (shoff !== 0 && shentsize >= wantSh) {
    let first: Words | null = null;
    if (shnum === 0 || shstrndx === 0xffff || phnum === 0xffff) {
      first = new Words(await readTable(reader, label, shoff, shentsize), w.bigEndian, label);
      if (shnum === 0) shnum = first.word(is64 ? 0x20 : 0x14, is64);
      if (shstrndx === 0xffff) shstrndx = first.u32(is64 ? 0x28 : 0x18);
      if (phnum === 0xffff) phnum = first.u32(is64 ? 0x2c : 0x1c);
    }
    if (shnum > 0) shTable = await readTable(reader, label, shoff, shnum * shentsize);
  }

  const segments: ElfSegment[] = [];
  if (phoff !== 0 && phnum > 0 && phentsize >= wantPh) {
    const pw = new Words(await readTable(reader, label, phoff, phnum * phentsize), w.bigEndian, label);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      segments.push(
        is64
          ? { type: pw.u32(o), flags: pw.u32(o + 4), offset: pw.u64(o + 8), vaddr: pw.u64(o + 16), filesz: pw.u64(o + 32), memsz: pw.u64(o + 40) }
          : { type: pw.u32(o), offset: pw.u32(o + 4), vaddr: pw.u32(o + 8), filesz: pw.u32(o + 16), memsz: pw.u32(o + 20), flags: pw.u32(o + 24) },
      );
    }
  }

  const sections: ElfSection[] = [];
  if (shTable) {
    const sw = new Words(shTable, w.bigEndian, label);
    const raw: Array<ElfSection & { nameOff: number }> = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      raw.push(
        is64
          ? { nameOff: sw.u32(o), name: '', type: sw.u32(o + 4), flags: sw.u64(o + 8), addr: sw.u64(o + 16), offset: sw.u64(o + 24), size: sw.u64(o + 32) }
          : { nameOff: sw.u32(o), name: '', type: sw.u32(o + 4), flags: sw.u32(o + 8), addr: sw.u32(o + 12), offset: sw.u32(o + 16), size: sw.u32(o + 20) },
      );
    }
    const strtab = raw[shstrndx];
    if (strtab && strtab.type !== SHT_NOBITS && strtab.size > 0) {
      const names = await readTable(reader, label, strtab.offset, strtab.size);
      for (const s of raw) {
        const end = names.indexOf(0, s.nameOff);
        s.name = s.nameOff < names.length ? names.toString('latin1', s.nameOff, end < 0 ? names.length : end) : '';
      }
    }
    for (const { nameOff: _unused, ...s } of raw) sections.push(s);
  }
  return { elfClass: is64 ? 64 : 32, bigEndian: w.bigEndian, segments, sections };
}

/** Reads exactly `size` bytes at `offset` or throws "truncated". */
export async function readTable(reader: CachingReader, label: string, offset: number, size: number): Promise<Buffer> {
  if (size > MAX_TABLE_BYTES) throw elfError(label, `is corrupt (a header table of ${size} bytes)`);
  const buf = await reader.read(offset, size);
  if (buf.length < size) throw elfError(label, `is truncated (needs ${size} bytes at offset ${offset}, file ends before)`);
  return buf;
}

/** The file offset of virtual address `vaddr`, via the PT_LOAD segment holding it in the file. */
export function fileOffsetOf(elf: ElfFile, vaddr: number): { offset: number; avail: number } | null {
  for (const p of elf.segments) {
    if (p.type === PT_LOAD && p.vaddr <= vaddr && vaddr < p.vaddr + p.filesz) {
      return { offset: p.offset + (vaddr - p.vaddr), avail: p.vaddr + p.filesz - vaddr };
    }
  }
  for (const s of elf.sections) {
    if (s.addr !== 0 && s.type !== SHT_NOBITS && s.addr <= vaddr && vaddr < s.addr + s.size) {
      return { offset: s.offset + (vaddr - s.addr), avail: s.addr + s.size - vaddr };
    }
  }
  return null;
}
