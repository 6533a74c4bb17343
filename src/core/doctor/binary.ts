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
