// The dlv watchdog script, run locally with a stand-in for dlv: a private socket dir, EOF on stdin → SIGTERM, SIGKILL after the grace period, the dir removed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DLV_WATCHDOG_SCRIPT, parseListeningLine } from '../../src/core/debug/dlv/watchdog';

/** A fake dlv: prints the listening line for its --listen socket and its argv, records signals, exits on TERM unless told to ignore it. */
function fakeDlv(dir: string, ignoreInt: boolean): string {
  const file = path.join(dir, ignoreInt ? 'stubborn-dlv' : 'dlv');
  fs.writeFileSync(file, `#!/bin/sh
printf '%s\\n' "$@" > "${dir}/argv"
trap 'echo TERM >> "${dir}/signals"; ${ignoreInt ? ':' : 'exit 0'}' TERM
for a in "$@"; do case "$a" in --listen=unix:*) echo "API server listening at: \${a#--listen=unix:}" ;; esac; done
while :; do sleep 0.05; done
`, { mode: 0o755 });
  return file;
}

describe('dlv watchdog script', function () {
  this.timeout(15_000);
  let dir: string;
  let tmp: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-watchdog-'));
    tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function runWatchdog(dlv: string, grace: number, command = ['attach', '1234'], env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp }) {
    const child = spawn('sh', ['-c', DLV_WATCHDOG_SCRIPT, 'anole', dlv, String(grace), ...command], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const socket = new Promise<string | undefined>((resolve) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (parseListeningLine(out) !== undefined) resolve(parseListeningLine(out));
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, socket, exited };
  }

  it('listens on a Unix socket in a fresh 0700 dir (never TCP), sends SIGTERM when its input ends, then removes the dir', async () => {
    const w = runWatchdog(fakeDlv(dir, false), 5);
    const socket = (await w.socket)!;
    const sockDir = path.dirname(socket);
    assert.match(socket, new RegExp(`^${tmp}/anole-dlv\\.[A-Za-z0-9]{6}/dlv\\.sock$`));
    assert.equal(fs.statSync(sockDir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(sockDir, 'watchdog.pid')).mode & 0o777, 0o600, 'umask 077: what the watchdog and dlv write is private');
    assert.deepEqual(fs.readFileSync(path.join(dir, 'argv'), 'utf8').trim().split('\n'),
      ['attach', '1234', '--headless', `--listen=unix:${socket}`, '--accept-multiclient=false', '--api-version=2']);
    w.child.stdin.end();
    assert.equal(await w.exited, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'signals'), 'utf8'), 'TERM\n');
    assert.equal(fs.existsSync(sockDir), false, 'the private dir is removed');
  });

  it('opens a core dump with paths passed as single arguments', async () => {
    const w = runWatchdog(fakeDlv(dir, false), 5, ['core', '/srv/my app/bin', "/tmp/core dump's.1"]);
    const socket = await w.socket;
    assert.deepEqual(fs.readFileSync(path.join(dir, 'argv'), 'utf8').trim().split('\n'),
      ['core', '/srv/my app/bin', "/tmp/core dump's.1", '--headless', `--listen=unix:${socket}`, '--accept-multiclient=false', '--api-version=2']);
    w.child.stdin.end();
    assert.equal(await w.exited, 0);
  });

  it('falls back to /tmp when TMPDIR is too long for a socket path', async () => {
    const long = path.join(tmp, 'x'.repeat(90));
    fs.mkdirSync(long);
    const w = runWatchdog(fakeDlv(dir, false), 5, ['attach', '1'], { ...process.env, TMPDIR: long });
    const socket = (await w.socket)!;
    assert.match(socket, /^\/tmp\/anole-dlv\.[A-Za-z0-9]{6}\/dlv\.sock$/);
    w.child.stdin.end();
    assert.equal(await w.exited, 0);
    assert.equal(fs.existsSync(path.dirname(socket)), false);
  });

  it('removes our dirs whose watchdog is dead, and keeps live ones and other users\' names', async () => {
    const stale = path.join(tmp, 'anole-dlv.stale1');
    fs.mkdirSync(stale, { mode: 0o700 });
    fs.writeFileSync(path.join(stale, 'watchdog.pid'), '999999999');
    const live = path.join(tmp, 'anole-dlv.live01');
    fs.mkdirSync(live, { mode: 0o700 });
    fs.writeFileSync(path.join(live, 'watchdog.pid'), String(process.pid));
    const w = runWatchdog(fakeDlv(dir, false), 5);
    await w.socket;
    assert.equal(fs.existsSync(stale), false);
    assert.equal(fs.existsSync(live), true);
    w.child.stdin.end();
    assert.equal(await w.exited, 0);
  });

  it('kills a dlv that ignores SIGTERM after the grace period, and still removes the dir', async () => {
    const w = runWatchdog(fakeDlv(dir, true), 1);
    const socket = (await w.socket)!;
    const t0 = Date.now();
    w.child.stdin.end();
    assert.equal(await w.exited, 137); // 128 + SIGKILL
    assert.ok(Date.now() - t0 >= 900, 'waited for the grace period');
    assert.equal(fs.readFileSync(path.join(dir, 'signals'), 'utf8'), 'TERM\n');
    assert.equal(fs.existsSync(path.dirname(socket)), false);
  });

  it('exits with dlv when dlv ends on its own (e.g. after a Detach request)', async () => {
    const quick = path.join(dir, 'quick-dlv');
    fs.writeFileSync(quick, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const w = runWatchdog(quick, 5);
    assert.equal(await w.exited, 3); // stdin still open: the watcher must not keep it alive
    assert.deepEqual(fs.readdirSync(tmp), [], 'nothing left in TMPDIR');
  });
});
