// The dlv watchdog script, run locally with a stand-in for dlv: EOF on stdin → SIGTERM, then SIGKILL after the grace period.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DLV_WATCHDOG_SCRIPT, parseListeningLine } from '../../src/core/debug/dlv/watchdog';

/** A fake dlv: prints the listening line and its argv, records signals, exits on TERM unless told to ignore it. */
function fakeDlv(dir: string, ignoreInt: boolean): string {
  const file = path.join(dir, ignoreInt ? 'stubborn-dlv' : 'dlv');
  fs.writeFileSync(file, `#!/bin/sh
printf '%s\\n' "$@" > "${dir}/argv"
trap 'echo TERM >> "${dir}/signals"; ${ignoreInt ? ':' : 'exit 0'}' TERM
echo "API server listening at: 127.0.0.1:4242"
while :; do sleep 0.05; done
`, { mode: 0o755 });
  return file;
}

function runWatchdog(dlv: string, grace: number, command = ['attach', '1234']) {
  const child = spawn('sh', ['-c', DLV_WATCHDOG_SCRIPT, 'anole', dlv, String(grace), ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
  const line = new Promise<number | undefined>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (parseListeningLine(out) !== undefined) resolve(parseListeningLine(out));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, line, exited };
}

describe('dlv watchdog script', function () {
  this.timeout(15_000);
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-watchdog-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes the attach flags, and sends SIGTERM when its input ends', async () => {
    const w = runWatchdog(fakeDlv(dir, false), 5);
    assert.equal(await w.line, 4242);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'argv'), 'utf8').trim().split('\n'),
      ['attach', '1234', '--headless', '--listen=127.0.0.1:0', '--accept-multiclient=false', '--api-version=2']);
    w.child.stdin.end();
    assert.equal(await w.exited, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'signals'), 'utf8'), 'TERM\n');
  });

  it('opens a core dump with paths passed as single arguments', async () => {
    const w = runWatchdog(fakeDlv(dir, false), 5, ['core', '/srv/my app/bin', "/tmp/core dump's.1"]);
    assert.equal(await w.line, 4242);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'argv'), 'utf8').trim().split('\n'),
      ['core', '/srv/my app/bin', "/tmp/core dump's.1", '--headless', '--listen=127.0.0.1:0', '--accept-multiclient=false', '--api-version=2']);
    w.child.stdin.end();
    assert.equal(await w.exited, 0);
  });

  it('kills a dlv that ignores SIGTERM after the grace period', async () => {
    const w = runWatchdog(fakeDlv(dir, true), 1);
    await w.line;
    const t0 = Date.now();
    w.child.stdin.end();
    assert.equal(await w.exited, 137); // 128 + SIGKILL
    assert.ok(Date.now() - t0 >= 900, 'waited for the grace period');
    assert.equal(fs.readFileSync(path.join(dir, 'signals'), 'utf8'), 'TERM\n');
  });

  it('exits with dlv when dlv ends on its own (e.g. after a Detach request)', async () => {
    const quick = path.join(dir, 'quick-dlv');
    fs.writeFileSync(quick, '#!/bin/sh\necho "API server listening at: 127.0.0.1:1"\nexit 3\n', { mode: 0o755 });
    const w = runWatchdog(quick, 5);
    assert.equal(await w.exited, 3); // stdin still open: the watcher must not keep it alive
  });
});
