// A dump file read in pieces gives exactly what the whole file gives: groups, warnings and errors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeGoroutineDump, type GoroutineReport } from '../../src/core/goroutines';
import { analyzeGoroutineDumpFile } from '../../src/core/goroutines/file';

const DUMPS = path.join(__dirname, '..', 'fixtures', 'dumps');
const recorded = ['go1.19', 'go1.26', 'edge'].flatMap((d) =>
  fs.readdirSync(path.join(DUMPS, d)).filter((f) => f.endsWith('.txt')).map((f) => path.join(DUMPS, d, f)),
);

/** The report, or the error's message when it throws. */
function outcome(read: () => GoroutineReport): GoroutineReport | string {
  try {
    return read();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

function sameAsWhole(file: string, pieceBytes: number): void {
  const whole = outcome(() => analyzeGoroutineDump(fs.readFileSync(file)));
  const pieces = outcome(() => analyzeGoroutineDumpFile(file, {}, pieceBytes));
  assert.deepEqual(pieces, whole, `${path.relative(DUMPS, file)} read ${pieceBytes} bytes at a time`);
}

describe('goroutine dump files read in pieces', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-dumpfile-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('every recorded dump gives the same report (or error) in small and large pieces', () => {
    assert.ok(recorded.length >= 10, `expected the recorded dumps: ${recorded.length}`);
    for (const file of recorded) for (const size of [16, 200, 4096, 1 << 20]) sameAsWhole(file, size);
  });

  it('pieces are cut at blank lines only (CRLF too), so goroutines are never split', () => {
    const crlf = fs.readFileSync(path.join(DUMPS, 'go1.26', 'goroutines.debug2.txt'), 'utf8').replace(/\n/g, '\r\n');
    const file = write('crlf.txt', crlf);
    const whole = analyzeGoroutineDump(fs.readFileSync(file));
    assert.ok(whole.total > 10);
    for (const size of [7, 100, 999]) sameAsWhole(file, size);
  });

  it('non-ASCII text, a byte order mark and a dump cut mid-line read the same', () => {
    const base = fs.readFileSync(path.join(DUMPS, 'go1.26', 'goroutines.debug2.txt'), 'utf8');
    const nonAscii = base.replace(/main\.go/g, 'главный.go');
    const file = write('utf8.txt', '\ufeff' + nonAscii.slice(0, nonAscii.length - 40));
    const whole = analyzeGoroutineDump(fs.readFileSync(file));
    assert.ok(whole.groups.some((g) => g.frames.some((f) => f.file.endsWith('главный.go'))));
    assert.ok(whole.warnings.length > 0, 'the cut dump warns');
    for (const size of [5, 64, 3000]) sameAsWhole(file, size);
  });

  it('a goroutine bigger than the read buffer is read on to its end', () => {
    const frames = (n: number, fn: string) => Array.from({ length: n }, (_, i) => `main.${fn}${i % 7}(0x${i.toString(16)})\n\t/src/app/main.go:${10 + (i % 7)} +0x1d\n`).join('');
    const text = `goroutine 1 [running]:\n${frames(3, 'a')}\ngoroutine 2 [select, 3 minutes]:\n${frames(30_000, 'deep')}\ngoroutine 3 [chan receive]:\n${frames(2, 'b')}`;
    const file = write('deep.txt', text);
    assert.ok(fs.statSync(file).size > 600_000, 'bigger than the first read');
    const whole = analyzeGoroutineDump(fs.readFileSync(file));
    assert.equal(whole.total, 3);
    assert.equal(Math.max(...whole.groups.map((g) => g.frames.length)), 30_000);
    for (const size of [10, 1 << 18, 1 << 20]) sameAsWhole(file, size);
  });

  it('binary, empty and non-dump files fail as they do when read whole', () => {
    const files = [
      write('empty.txt', ''),
      write('blank.txt', '\n\n   \n\n'),
      write('gzip.bin', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])),
      write('binary.bin', Buffer.concat([Buffer.from('goroutine 1 [running]:\n\n'), Buffer.alloc(300, 1)])),
      write('prose.txt', 'hello\n\nthis is not a dump\n'),
    ];
    for (const file of files) {
      const whole = outcome(() => analyzeGoroutineDump(fs.readFileSync(file)));
      assert.ok(typeof whole === 'string', `${path.basename(file)} should not parse`);
      for (const size of [4, 64, 1 << 16]) sameAsWhole(file, size);
    }
  });
});
