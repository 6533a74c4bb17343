// Build info parsing on hand-made ELF files (pre-Go-1.18 pointer layout, 32/64-bit, both byte orders) and text helpers.
import assert from 'node:assert/strict';
import { parseModInfo, readGoBuildInfoFrom, unquoteGo } from '../../src/core/discovery/buildinfo';

const BASE = 0x10000;
const SENTINEL = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');

interface SynthOptions {
  is64: boolean;
  bigEndian: boolean;
  /** Go < 1.18 layout: pointers to string headers; else inline varint strings. */
  pointers: boolean;
  sectionTable: boolean;
  version: string;
  modinfo: string;
}

/** Writes a minimal ELF executable with one RW PT_LOAD segment holding a .go.buildinfo. */
function makeElf(o: SynthOptions): Buffer {
  const buf = Buffer.alloc(0x1000);
  const ps = o.is64 ? 8 : 4;
  const u16 = (off: number, v: number): number => (o.bigEndian ? buf.writeUInt16BE(v, off) : buf.writeUInt16LE(v, off));
  const u32 = (off: number, v: number): number => (o.bigEndian ? buf.writeUInt32BE(v, off) : buf.writeUInt32LE(v, off));
  const word = (off: number, v: number): unknown => (o.is64 ? (o.bigEndian ? buf.writeBigUInt64BE(BigInt(v), off) : buf.writeBigUInt64LE(BigInt(v), off)) : u32(off, v));
  const mod = Buffer.concat([SENTINEL, Buffer.from(o.modinfo), SENTINEL]);
  const vers = Buffer.from(o.version);

  // .go.buildinfo at 0x100: magic, ptrSize, flags.
  const bi = 0x100;
  buf.write('\xff Go buildinf:', bi, 'latin1');
  buf[bi + 14] = ps;
  buf[bi + 15] = (o.bigEndian ? 1 : 0) | (o.pointers ? 0 : 2);
  let biSize = 32;
  if (o.pointers) {
    // Two pointers to string headers at 0x140/0x160, the bytes from 0x180 on.
    word(bi + 16, BASE + 0x140);
    word(bi + 16 + ps, BASE + 0x160);
    word(0x140, BASE + 0x180);
    word(0x140 + ps, vers.length);
    word(0x160, BASE + 0x180 + vers.length);
    word(0x160 + ps, mod.length);
    vers.copy(buf, 0x180);
    mod.copy(buf, 0x180 + vers.length);
  } else {
    let p = bi + 32;
    for (const s of [vers, mod]) {
      for (let n = s.length; ; n >>>= 7) {
        buf[p++] = n >= 0x80 ? (n & 0x7f) | 0x80 : n;
        if (n < 0x80) break;
      }
      s.copy(buf, p);
      p += s.length;
    }
    biSize = p - bi;
  }

  // Section names and headers (null, .go.buildinfo, .shstrtab) from 0xc00.
  const names = Buffer.from('\0.go.buildinfo\0.shstrtab\0', 'latin1');
  names.copy(buf, 0xb00);
  const shoff = 0xc00;
  const shent = o.is64 ? 64 : 40;
  const sh = (i: number, name: number, type: number, flags: number, addr: number, off: number, size: number): void => {
    const b = shoff + i * shent;
    u32(b, name);
    u32(b + 4, type);
    if (o.is64) {
      word(b + 8, flags);
      word(b + 16, addr);
      word(b + 24, off);
      word(b + 32, size);
    } else {
      u32(b + 8, flags);
      u32(b + 12, addr);
      u32(b + 16, off);
      u32(b + 20, size);
    }
  };
  sh(1, 1, 1 /* PROGBITS */, 3 /* WA */, BASE + bi, bi, biSize);
  sh(2, 15, 3 /* STRTAB */, 0, 0, 0xb00, names.length);

  // ELF header and one program header right after it.
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = o.is64 ? 2 : 1;
  buf[5] = o.bigEndian ? 2 : 1;
  buf[6] = 1;
  u16(16, 2); // ET_EXEC
  const ehsize = o.is64 ? 64 : 52;
  const phent = o.is64 ? 56 : 32;
  if (o.is64) {
    word(0x20, ehsize);
    word(0x28, o.sectionTable ? shoff : 0);
    u16(0x34, ehsize);
    u16(0x36, phent);
    u16(0x38, 1);
    u16(0x3a, shent);
    u16(0x3c, o.sectionTable ? 3 : 0);
    u16(0x3e, o.sectionTable ? 2 : 0);
    u32(ehsize, 1); // PT_LOAD
    u32(ehsize + 4, 6); // R|W
    word(ehsize + 8, 0);
    word(ehsize + 16, BASE);
    word(ehsize + 32, buf.length);
    word(ehsize + 40, buf.length);
  } else {
    u32(0x1c, ehsize);
    u32(0x20, o.sectionTable ? shoff : 0);
    u16(0x28, ehsize);
    u16(0x2a, phent);
    u16(0x2c, 1);
    u16(0x2e, shent);
    u16(0x30, o.sectionTable ? 3 : 0);
    u16(0x32, o.sectionTable ? 2 : 0);
    u32(ehsize, 1);
    u32(ehsize + 4, 0);
    u32(ehsize + 8, BASE);
    u32(ehsize + 16, buf.length);
    u32(ehsize + 20, buf.length);
    u32(ehsize + 24, 6);
  }
  return buf;
}

function reader(b: Buffer): (o: number, l: number) => Promise<Buffer> {
  return async (o, l) => b.subarray(o, o + l);
}

const MODINFO = [
  'path\texample.com/svc/cmd/api',
  'mod\texample.com/svc\tv1.2.3\th1:abc=',
  'dep\tgolang.org/x/sys\tv0.1.0\th1:def=',
  'dep\texample.com/lib\tv0.0.1',
  '=>\t../lib\t(devel)\t',
  'build\t-trimpath=true',
  'build\t-ldflags="-X main.v=1 -s"',
  'build\t"we\\tird"=`raw value`',
  'build\tvcs.revision=0123abcd',
  '',
].join('\n');

describe('buildinfo: synthetic ELF files', () => {
  for (const is64 of [true, false]) {
    for (const bigEndian of [false, true]) {
      for (const pointers of [true, false]) {
        for (const sectionTable of [true, false]) {
          const what = `ELF${is64 ? 64 : 32} ${bigEndian ? 'BE' : 'LE'}, ${pointers ? 'Go <1.18 pointers' : 'inline strings'}, ${sectionTable ? 'with' : 'without'} section table`;
          it(what, async () => {
            const elf = makeElf({ is64, bigEndian, pointers, sectionTable, version: 'go1.16.15', modinfo: MODINFO });
            const info = await readGoBuildInfoFrom(reader(elf), 'synth');
            assert.ok(info);
            assert.equal(info.goVersion, 'go1.16.15');
            assert.equal(info.path, 'example.com/svc/cmd/api');
            assert.deepEqual(info.main, { path: 'example.com/svc', version: 'v1.2.3', sum: 'h1:abc=' });
            assert.equal(info.elfClass, is64 ? 64 : 32);
            assert.equal(info.bigEndian, bigEndian);
            assert.equal(info.ptrSize, is64 ? 8 : 4);
            assert.equal(info.settings['-ldflags'], '-X main.v=1 -s');
          });
        }
      }
    }
  }

  it('a binary without module info (GOPATH build): version only', async () => {
    const elf = makeElf({ is64: true, bigEndian: false, pointers: true, sectionTable: true, version: 'go1.13', modinfo: '' });
    const info = await readGoBuildInfoFrom(reader(elf), 'synth');
    assert.equal(info?.goVersion, 'go1.13');
    assert.equal(info?.main, undefined);
    assert.deepEqual(info?.settings, {});
  });

  it('a .go.buildinfo without the magic: not Go (null)', async () => {
    const elf = makeElf({ is64: true, bigEndian: false, pointers: false, sectionTable: true, version: 'go1.20', modinfo: MODINFO });
    elf[0x100] = 0;
    assert.equal(await readGoBuildInfoFrom(reader(elf), 'synth'), null);
  });

  it('a pointer outside every segment: not Go (null), no exception', async () => {
    const elf = makeElf({ is64: true, bigEndian: false, pointers: true, sectionTable: true, version: 'go1.16', modinfo: MODINFO });
    elf.writeBigUInt64LE(0x7fff0000n, 0x100 + 16);
    assert.equal(await readGoBuildInfoFrom(reader(elf), 'synth'), null);
  });
});

describe('buildinfo: module info text', () => {
  it('parses path, mod, deps with replacements, and build settings', () => {
    const m = parseModInfo(MODINFO);
    assert.equal(m.path, 'example.com/svc/cmd/api');
    assert.deepEqual(m.deps, [
      { path: 'golang.org/x/sys', version: 'v0.1.0', sum: 'h1:def=' },
      { path: 'example.com/lib', version: 'v0.0.1', replace: { path: '../lib', version: '(devel)' } },
    ]);
    assert.deepEqual(m.settings, { '-trimpath': 'true', '-ldflags': '-X main.v=1 -s', 'we\tird': 'raw value', 'vcs.revision': '0123abcd' });
  });

  it('unquotes Go string literals', () => {
    assert.equal(unquoteGo('"a\\tb\\x41\\u00e9\\101\\U0001F600\\\\\\""'), 'a\tbAéA😀\\"');
    assert.equal(unquoteGo('`raw \\n`'), 'raw \\n');
    assert.equal(unquoteGo('"日本"'), '日本');
    assert.throws(() => unquoteGo('"bad\\q"'), /malformed Go string literal/);
    assert.throws(() => unquoteGo('"open'), /malformed Go string literal/);
  });
});
