// Build info of real Go binaries (both toolchains, stripped, cross-compiled) against `go version -m`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AnoleError } from '../../src/core/errors';
import { readGoBuildInfo, readGoBuildInfoFrom, type GoBuildInfo } from '../../src/core/discovery/buildinfo';
import { binaryOf, buildFixture, buildFixtures, type FixtureBuild, type Toolchain } from '../host/goServices';
import { LocalHost } from '../support/localHost';

const run = promisify(execFile);

/** What `go version -m` prints, reduced to the fields we compare. */
interface GoVersionM {
  goVersion: string;
  path?: string;
  mod?: { path: string; version: string };
  settings: Record<string, string>;
}

async function goVersionM(tc: Toolchain, binary: string): Promise<GoVersionM> {
  const { stdout } = await run(tc.goBin, ['version', '-m', binary], { env: { ...process.env, GOTOOLCHAIN: 'local' } });
  const [first, ...lines] = stdout.split('\n');
  const out: GoVersionM = { goVersion: first.slice(first.lastIndexOf(': ') + 2).trim(), settings: {} };
  for (const line of lines) {
    const f = line.split('\t'); // "", kind, ...
    if (f[1] === 'path') out.path = f[2];
    else if (f[1] === 'mod') out.mod = { path: f[2], version: f[3] };
    else if (f[1] === 'build') {
      const kv = f.slice(2).join('\t');
      const eq = kv.indexOf('=');
      const raw = kv.slice(eq + 1);
      // go quotes values with spaces as Go strings; these (ASCII, no escapes) are valid JSON too.
      out.settings[kv.slice(0, eq)] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    }
  }
  return out;
}

function assertMatches(info: GoBuildInfo | null, want: GoVersionM): void {
  assert.ok(info, 'expected build info');
  assert.equal(info.goVersion, want.goVersion);
  assert.equal(info.path, want.path);
  assert.deepEqual(info.main && { path: info.main.path, version: info.main.version }, want.mod);
  assert.deepEqual(info.settings, want.settings);
}

describe('buildinfo: real Go binaries', function () {
  let builds: FixtureBuild[];
  let host: LocalHost;
  let tmp: string;

  before(async function () {
    this.timeout(600_000);
    builds = await buildFixtures({ stripped: true });
    host = new LocalHost(); // counts readRange round trips
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-buildinfo-'));
  });
  after(async () => {
    await host?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const id of ['current', 'go1.19'] as const) {
    describe(`built with ${id}`, () => {
      const build = (): FixtureBuild => builds.find((b) => b.toolchain.id === id)!;

      for (const name of ['hotsvc', 'nopprof', 'minimal'] as const) {
        it(`${name}: matches go version -m, in at most 3 reads`, async () => {
          const bin = binaryOf(build(), name);
          const before = host.stats.readRange;
          const info = await readGoBuildInfo(host, bin);
          assert.ok(host.stats.readRange - before <= 3, `took ${host.stats.readRange - before} reads`);
          assertMatches(info, await goVersionM(build().toolchain, bin));
          assert.equal(info!.goVersion, build().toolchain.version);
          assert.equal(info!.main?.path, 'anole.test/fixtures');
          assert.equal(info!.elfClass, 64);
          assert.equal(info!.bigEndian, false);
          assert.equal(info!.ptrSize, 8);
        });
      }

      it('stripped (-ldflags=-s -w): same version, the quoted -ldflags value unquoted', async () => {
        const bin = binaryOf(build(), 'hotsvc', { stripped: true });
        const info = await readGoBuildInfo(host, bin);
        assertMatches(info, await goVersionM(build().toolchain, bin));
        assert.equal(info!.settings['-ldflags'], '-s -w');
      });

      it('without a section table (sstrip-like): found by scanning the data segment', async () => {
        const bin = binaryOf(build(), 'hotsvc', { stripped: true });
        const copy = path.join(tmp, `${id}-noshdr`);
        fs.copyFileSync(bin, copy);
        // Zero e_shoff, e_shnum and e_shstrndx of the ELF64 header.
        const fd = fs.openSync(copy, 'r+');
        fs.writeSync(fd, Buffer.alloc(8), 0, 8, 0x28);
        fs.writeSync(fd, Buffer.alloc(2), 0, 2, 0x3c);
        fs.writeSync(fd, Buffer.alloc(2), 0, 2, 0x3e);
        fs.closeSync(fd);
        assertMatches(await readGoBuildInfo(host, copy), await goVersionM(build().toolchain, bin));
      });

      it('reads /proc/PID/exe-style paths through the host (a symlink to the binary)', async () => {
        const link = path.join(tmp, `${id}-link`);
        fs.symlinkSync(binaryOf(build(), 'nopprof'), link);
        const info = await readGoBuildInfo(host, link);
        assert.equal(info?.path, 'anole.test/fixtures/nopprof');
      });
    });
  }

  it('-trimpath shows in the settings', async function () {
    this.timeout(300_000);
    const tc = builds[0].toolchain;
    const bin = await buildFixture(tc, 'minimal', { trimpath: true });
    const info = await readGoBuildInfo(host, bin);
    assertMatches(info, await goVersionM(tc, bin));
    assert.equal(info!.settings['-trimpath'], 'true');
  });

  for (const [goarch, elfClass, bigEndian] of [
    ['386', 32, false],
    ['mips', 32, true],
    ['ppc64', 64, true],
  ] as const) {
    it(`cross-compiled for ${goarch}: ELF${elfClass} ${bigEndian ? 'big' : 'little'}-endian`, async function () {
      this.timeout(300_000);
      const tc = builds[0].toolchain;
      const bin = await buildFixture(tc, 'minimal', { goarch });
      const info = await readGoBuildInfo(host, bin);
      assertMatches(info, await goVersionM(tc, bin));
      assert.equal(info!.settings.GOARCH, goarch);
      assert.equal(info!.elfClass, elfClass);
      assert.equal(info!.bigEndian, bigEndian);
      assert.equal(info!.ptrSize, elfClass / 8);
    });
  }

  it('a non-Go ELF binary (/bin/ls) is not Go: null', async () => {
    assert.equal(await readGoBuildInfo(host, '/bin/ls'), null);
  });

  it('a file that is not ELF: a clear BAD_INPUT error', async () => {
    const f = path.join(tmp, 'script.sh');
    fs.writeFileSync(f, '#!/bin/sh\necho hello\n');
    await assert.rejects(readGoBuildInfo(host, f), (e: unknown) => e instanceof AnoleError && e.code === 'BAD_INPUT' && /script\.sh on localhost is not an ELF file/.test(e.message));
    const empty = path.join(tmp, 'empty');
    fs.writeFileSync(empty, '');
    await assert.rejects(readGoBuildInfo(host, empty), /is not an ELF file/);
  });

  it('a truncated ELF: a clear BAD_INPUT error, wherever it is cut', async () => {
    const bin = fs.readFileSync(binaryOf(builds[0], 'hotsvc'));
    for (const size of [20, 60, 1000, 1 << 20]) {
      const cut = bin.subarray(0, size);
      const read = async (o: number, l: number): Promise<Buffer> => cut.subarray(o, o + l);
      await assert.rejects(
        readGoBuildInfoFrom(read, `cut-${size}`),
        (e: unknown) => e instanceof AnoleError && e.code === 'BAD_INPUT' && new RegExp(`^cut-${size} is truncated`).test(e.message),
        `cut at ${size}`,
      );
    }
  });

  it('a missing file: the host error passes through', async () => {
    await assert.rejects(readGoBuildInfo(host, path.join(tmp, 'nope')), (e: unknown) => e instanceof AnoleError && e.code === 'NOT_FOUND');
  });
});
