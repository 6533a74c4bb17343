// Finds where a Go binary's runtime-gdb.py should be: the GOROOT it was built with, and likely ones by release.
import { readGoBuildInfoFrom } from '../../discovery/buildinfo';
import { CachingReader, readElf, type RangeReader } from '../../discovery/elf';

/** What the binary says about its toolchain. */
export interface GoToolchainHint {
  /** "go1.19" (major.minor), "" when unknown. */
  release: string;
  /** GOROOTs to try on the host, best first. */
  gorootCandidates: string[];
}

const RUNTIME_GDB = '/src/runtime/runtime-gdb.py';

/**
 * The script paths in a `.debug_gdb_scripts` section: entries are a kind byte (1 = file name)
 * followed by a NUL-terminated path.
 */
export function parseGdbScriptsSection(buf: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < buf.length) {
    const kind = buf[i++];
    const end = buf.indexOf(0, i);
    const stop = end < 0 ? buf.length : end;
    if (kind === 1) out.push(buf.subarray(i, stop).toString('utf8'));
    i = stop + 1;
  }
  return out.filter(Boolean);
}

/** Where distributions put toolchains of `release` ("go1.19"): Debian/Ubuntu, Fedora/Anolis/RHEL, go.dev tarballs. */
export function conventionalGoroots(release: string): string[] {
  const m = /^go(\d+\.\d+)/.exec(release);
  return [...(m ? [`/usr/lib/go-${m[1]}`, `/usr/lib/golang${m[1]}`] : []), '/usr/lib/golang', '/usr/local/go'];
}

/** The release and GOROOT candidates of the binary behind `read`; failures yield what is known. */
export async function toolchainHint(read: RangeReader, label: string): Promise<GoToolchainHint> {
  const candidates: string[] = [];
  let release = '';
  try {
    const reader = new CachingReader(read);
    const elf = await readElf(reader, label);
    const sec = elf.sections.find((s) => s.name === '.debug_gdb_scripts');
    if (sec && sec.size > 0 && sec.size < 65_536) {
      for (const p of parseGdbScriptsSection(await reader.read(sec.offset, sec.size))) {
        if (p.endsWith(RUNTIME_GDB)) candidates.push(p.slice(0, -RUNTIME_GDB.length));
      }
    }
    const info = await readGoBuildInfoFrom(read, label);
    const m = /^go\d+\.\d+/.exec(info?.goVersion ?? '');
    if (m) release = m[0];
  } catch {
    // an unreadable binary: gdb will say more
  }
  return { release, gorootCandidates: [...new Set([...candidates, ...conventionalGoroots(release)])] };
}
