// Core dump capture pieces that run without a host: gcore's recorded output, the host-side scripts run by this
// machine's sh, and the compressed fetch through LocalHost.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CORE_PREPARE_SCRIPT, fetchFile, parseGcoreOutput, parseKeyValues } from '../../src/core/debug/coreDump';
import { AnoleError } from '../../src/core/errors';
import { LocalHost } from '../../src/core/remote/localHost';
import { shellScript } from '../../src/core/shell';

const FIXTURE = path.resolve(__dirname, '../fixtures/debug/gcore-output.txt');

describe('core dumps: gcore output', () => {
  it('reads gdb\'s own pause figure, the shell\'s bound, the status and the size from a real run', () => {
    const r = parseGcoreOutput(fs.readFileSync(FIXTURE, 'utf8'));
    assert.equal(r.status, 0);
    assert.equal(r.pauseMs, 7816);
    assert.equal(r.wallMs, 7999);
    assert.equal(r.size, 1_821_056_496);
    assert.equal(r.tail.includes('ANOLE-'), false);
    assert.match(r.tail, /\[Inferior 1 \(process \d+\) detached\]$/);
  });

  it('keeps gdb\'s complaint when no core was written (gdb exits 0 then)', () => {
    const r = parseGcoreOutput(`Illegal process-id: 12345678.\nYou can't do that without a process to debug.\nThe program is not being run.\nANOLE-PAUSE-MS 0\n\nANOLE-GCORE status=0 t0=1 t1=2 size=0`);
    assert.equal(r.size, 0);
    assert.match(r.tail, /The program is not being run\.$/);
  });

  it('has no pause figure when gdb lacks Python and no bound when date lacks %N', () => {
    const r = parseGcoreOutput('ANOLE-GCORE status=1 t0=%N t1=%N size=0');
    assert.equal(r.pauseMs, undefined);
    assert.equal(r.wallMs, undefined);
    assert.equal(r.status, 1);
  });
});

describe('core dumps: host scripts run by sh', function () {
  this.timeout(20_000);
  let base: string;
  beforeEach(() => { base = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-core-unit-')); });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('prepares a private folder and sizes the process, removing our folders older than an hour', () => {
    const stale = path.join(base, 'anole-core.OLD123');
    const fresh = path.join(base, 'anole-core.NEW456');
    fs.mkdirSync(stale);
    fs.mkdirSync(fresh);
    execFileSync('touch', ['-d', '2 hours ago', stale]);
    const [cmd, ...args] = shellScript(CORE_PREPARE_SCRIPT, [base, String(process.pid)]);
    const kv = parseKeyValues(execFileSync(cmd, args, { encoding: 'utf8' }));
    const dir = kv.get('dir')!;
    assert.match(dir, new RegExp(`^${base}/anole-core\\.\\w{6}$`));
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.existsSync(stale), false, 'the stale folder was removed');
    assert.equal(fs.existsSync(fresh), true, 'a recent folder (maybe in use) is kept');
    const vm = Number(kv.get('vm_kb'));
    const readable = Number(kv.get('readable_kb'));
    assert.ok(vm > 0 && readable > 0 && readable <= vm, `vm ${vm} kB, readable ${readable} kB`);
    assert.ok(Number(kv.get('free_kb')) > 0);
    assert.match(kv.get('gzip') ?? '', /\/gzip$/);
  });

  it('says which folder or process is missing', () => {
    for (const [args, re] of [[['/nonexistent/x', String(process.pid)], /no such folder: \/nonexistent\/x/], [[base, '999999999'], /process 999999999 does not exist/]] as const) {
      const [cmd, ...rest] = shellScript(CORE_PREPARE_SCRIPT, [...args]);
      assert.throws(() => execFileSync(cmd, rest, { stdio: 'pipe' }), (e: { stderr: Buffer }) => re.test(e.stderr.toString()));
    }
  });

  it('fetches a file compressed, byte for byte, and removes the folder it was in', async () => {
    const dir = fs.mkdtempSync(path.join(base, 'anole-core.'));
    const src = path.join(dir, 'core.1');
    const data = Buffer.concat([crypto.randomBytes(300_000), Buffer.alloc(4_000_000)]);
    fs.writeFileSync(src, data);
    const dest = path.join(base, 'local.core');
    const host = new LocalHost();
    try {
      let last = 0;
      const r = await fetchFile(host, src, dest, { removeDir: dir, onBytes: (n) => { last = n; } });
      assert.equal(r.bytes, data.length);
      assert.equal(last, data.length);
      assert.ok(r.transferBytes < data.length / 4, `zeros compress: ${r.transferBytes} bytes sent`);
      assert.ok(fs.readFileSync(dest).equals(data));
      assert.equal(fs.existsSync(dir), false);
      assert.deepEqual(fs.readdirSync(base).filter((n) => n.endsWith('.partial')), []);
    } finally {
      await host.close();
    }
  });

  it('loses nothing when the file is missing: no partial left, an existing file kept', async () => {
    const dest = path.join(base, 'keep.core');
    fs.writeFileSync(dest, 'previous');
    const host = new LocalHost();
    try {
      await assert.rejects(fetchFile(host, path.join(base, 'missing'), dest), (e: unknown) => e instanceof AnoleError && /cannot read .*missing/.test(e.message));
      assert.equal(fs.readFileSync(dest, 'utf8'), 'previous');
      assert.deepEqual(fs.readdirSync(base).filter((n) => n.endsWith('.partial')), []);
    } finally {
      await host.close();
    }
  });
});
