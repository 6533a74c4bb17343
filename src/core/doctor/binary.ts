// Reads what the doctor needs from a process's executable by ranged reads: Go build info, DWARF/symtab, PT_INTERP, GLIBC needs.
import { readGoBuildInfoFrom } from '../discovery/buildinfo';
import { CachingReader, readElf, readTable, type RangeReader } from '../discovery/elf';
import { sectionsHaveDwarf } from './ptrace';
import type { BinaryFacts } from './facts';

const PT_INTERP = 3;

/** Reads the facts of the ELF file behind `read` (labelled `label` in errors). Throws for a file that is not ELF. */
export async function readBinaryFacts(read: RangeReader, label: string): Promise<BinaryFacts> {
  const cache = new CachingReader(read);
  const elf = await readElf(cache, label);
  const names = elf.sections.map((s) => s.name);
  const info = await readGoBuildInfoFrom((o, l) => cache.read(o, l), label).catch(() => null);
  const facts: BinaryFacts = {
    ...(info ? { goVersion: info.goVersion } : {}),
    settings: info?.settings ?? {},
    deps: (info?.deps ?? []).map((d) => d.path),
    hasDwarf: sectionsHaveDwarf(names),
    hasSymtab: names.includes('.symtab'),
    glibcNeeds: [],
  };
  const interp = elf.segments.find((s) => s.type === PT_INTERP);
  if (interp && interp.filesz > 0 && interp.filesz < 4096) {
    const raw = await readTable(cache, label, interp.offset, interp.filesz);
    facts.interp = raw.toString('latin1').replace(/\0.*$/s, '');
  }
  const dynstr = elf.sections.find((s) => s.name === '.dynstr');
  if (dynstr && dynstr.size > 0 && dynstr.size < 4 << 20) {
    const raw = (await readTable(cache, label, dynstr.offset, dynstr.size)).toString('latin1');
    facts.glibcNeeds = [...new Set(raw.split('\0').filter((s) => /^GLIBC_\d/.test(s)))];
  }
  return facts;
}

/** ELF e_type of an executable (2: ET_EXEC, fixed addresses; 3: ET_DYN, PIE). */
export async function elfType(read: RangeReader): Promise<number> {
  const head = await read(0, 18);
  return head[5] === 2 ? head.readUInt16BE(16) : head.readUInt16LE(16);
}

/**
 * The address and size of symbol `name` from .symtab/.strtab (64-bit little-endian ELF only), or
 * null when the binary has no symbol table or not that symbol.
 */
export async function findSymbol(read: RangeReader, label: string, name: string): Promise<{ addr: number; size: number } | null> {
  const cache = new CachingReader(read);
  const elf = await readElf(cache, label);
  if (elf.elfClass !== 64 || elf.bigEndian) return null;
  const symtab = elf.sections.find((s) => s.name === '.symtab');
  const strtab = elf.sections.find((s) => s.name === '.strtab');
  if (!symtab || !strtab) return null;
  const strs = await readTable(cache, label, strtab.offset, strtab.size);
  const needle = Buffer.from(`\0${name}\0`, 'latin1');
  const at = strs.indexOf(needle);
  if (at < 0) return null;
  const nameOff = at + 1;
  const syms = await readTable(cache, label, symtab.offset, symtab.size);
  for (let o = 0; o + 24 <= syms.length; o += 24) {
    if (syms.readUInt32LE(o) === nameOff) return { addr: Number(syms.readBigUInt64LE(o + 8)), size: Number(syms.readBigUInt64LE(o + 16)) };
  }
  return null;
}
