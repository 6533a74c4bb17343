// The gdb watchdog shell script, run locally with a stand-in for gdb: MI passes through, EOF detaches, a stuck gdb is killed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GDB_SETUP_SCRIPT, GDB_WATCHDOG_SCRIPT, parseSetupOutput } from '../../src/core/debug/gdb/watchdog';

/** Runs `sh -c script anole args...` feeding `input`; resolves with exit code and output. */
function runSh(script: string, args: string[], input: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn('sh', ['-c', script, 'anole', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, ms: Date.now() - t0 })));
}

describe('gdb watchdog script', function () {
  this.timeout(20_000);
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-wd-test-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('passes MI lines through, and at EOF sends -target-detach and -gdb-exit (never -exec-interrupt), then removes the dir', async () => {
    const dir = path.join(tmp, 'anole-gdb.x');
    fs.mkdirSync(dir);
    const out = path.join(tmp, 'gdb-input');
    // "gdb" is sh copying its stdin (the FIFO) to a file until EOF
    const r = await runSh(GDB_WATCHDOG_SCRIPT, ['/bin/sh', dir, String(process.pid), '5', '-c', 'cat > "$0"', out], '1-gdb-set a "b\\\\c"\n2-exec-continue\n');
    assert.equal(r.code, 0);
    assert.equal(fs.readFileSync(out, 'utf8'), '1-gdb-set a "b\\\\c"\n2-exec-continue\n-target-detach\n-gdb-exit\n');
    assert.equal(fs.existsSync(dir), false);
  });

  it('at EOF makes the cancel file (a whole-process read ends early) before it asks gdb to detach', async () => {
    const dir = path.join(tmp, 'anole-gdb.c');
    fs.mkdirSync(dir);
    const out = path.join(tmp, 'gdb-input');
    // "gdb" notes, when -target-detach arrives, whether the cancel file is already there
    const gdb = 'while IFS= read -r l; do [ "$l" = -target-detach ] && [ -f "$1/cancel" ] && echo cancel-made >> "$0"; echo "$l" >> "$0"; done';
    const r = await runSh(GDB_WATCHDOG_SCRIPT, ['/bin/sh', dir, String(process.pid), '5', '-c', gdb, out, dir], '1-exec-continue\n');
    assert.equal(r.code, 0);
    assert.equal(fs.readFileSync(out, 'utf8'), '1-exec-continue\ncancel-made\n-target-detach\n-gdb-exit\n');
  });

  it('SIGKILLs a gdb that does not exit within the grace period', async () => {
    const dir = path.join(tmp, 'anole-gdb.y');
    fs.mkdirSync(dir);
    const r = await runSh(GDB_WATCHDOG_SCRIPT, ['/bin/sh', dir, String(process.pid), '1', '-c', 'trap "" INT TERM HUP; cat >/dev/null; exec sleep 30'], '');
    assert.equal(r.code, 137);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
    assert.equal(fs.existsSync(dir), false);
  });

  it('setup writes the script into a private dir, finds a GOROOT of the right release, and removes dirs of dead watchdogs', async () => {
    const goroot = path.join(tmp, 'go');
    fs.mkdirSync(path.join(goroot, 'src/runtime'), { recursive: true });
    fs.writeFileSync(path.join(goroot, 'src/runtime/runtime-gdb.py'), '');
    fs.writeFileSync(path.join(goroot, 'VERSION'), 'go1.19.8\ntime 2023\n');
    const stale = path.join(tmp, 'anole-gdb.stale');
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'watchdog.pid'), '999999999');
    const live = path.join(tmp, 'anole-gdb.live');
    fs.mkdirSync(live);
    fs.writeFileSync(path.join(live, 'watchdog.pid'), String(process.pid));
    const env = { ...process.env, TMPDIR: tmp };
    const wrong = parseSetupOutput((await runSh(GDB_SETUP_SCRIPT, ['go1.1', '/nonexistent', goroot], 'print(1)\n', env)).stdout);
    assert.equal(wrong?.goroot, undefined, 'go1.1 is not go1.19');
    const r = parseSetupOutput((await runSh(GDB_SETUP_SCRIPT, ['go1.19', '/nonexistent', goroot], 'print(1)\n', env)).stdout)!;
    assert.equal(r.goroot, goroot);
    assert.equal(fs.readFileSync(path.join(r.dir, 'anole_goroutines.py'), 'utf8'), 'print(1)\n');
    assert.equal(fs.statSync(r.dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(r.dir, 'anole_goroutines.py')).mode & 0o777, 0o600, 'umask 077: the script is private too');
    assert.equal(fs.existsSync(stale), false);
    assert.equal(fs.existsSync(live), true);
  });
});
