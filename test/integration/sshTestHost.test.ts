// Integration tests of the test host itself: startSshd() starts a usable sshd and stop() leaves nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { SshHost } from '../../src/core/ssh/sshHost';
import { startSshd } from '../host/sshd';

/** PIDs of live local processes whose command line is exactly `argv`. */
function findProcesses(argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try { return fs.readFileSync(`/proc/${n}/cmdline`, 'latin1') === want; } catch { return false; }
  }).map(Number).filter(alive);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('test host: startSshd', function () {
  this.timeout(60_000);

  it('serves the generated ssh config to OpenSSH, and stop() removes processes and files', async () => {
    const sshd = await startSshd();
    let pids: number[] = [];
    try {
      assert.equal(fs.readFileSync(sshd.knownHostsFile, 'utf8').split('\n').filter(Boolean).length, 2);
      const out = execFileSync('ssh', ['-F', sshd.configFile, '-o', 'BatchMode=yes', sshd.alias, 'echo', 'ok'], { timeout: 20_000 });
      assert.equal(out.toString(), 'ok\n');
      const pidFile = `${sshd.dir}/sshd.pid`;
      pids = [Number(fs.readFileSync(pidFile, 'utf8'))];
      assert.ok(alive(pids[0]));
      // A connection still open with a command running when the sshd is stopped (as after a failed test).
      const host = await SshHost.connect(sshd.alias, { resolve: { configFile: sshd.configFile } });
      const running = host.exec(['sleep', '33.5']).catch((e: unknown) => e);
      const seen = await host.exec(['sh', '-c', 'for i in $(seq 200); do pgrep -fx "sleep 33.5" >/dev/null && exit 0; sleep 0.05; done; exit 1']);
      assert.equal(seen.code, 0, 'the remote sleep did not start');
      assert.equal(findProcesses(['sleep', '33.5']).length, 1);
      pids.push(...sshd.connectionPids());
      await sshd.stop();
      // Depending on who dies first, the command is reported killed or the connection lost.
      const r = await running;
      assert.ok(r instanceof Error || (r as { signal?: string }).signal === 'SIGKILL', String(r));
      await host.close();
    } finally {
      await sshd.stop();
    }
    assert.deepEqual(findProcesses(['sleep', '33.5']), []);
    assert.equal(fs.existsSync(sshd.dir), false);
    assert.deepEqual(pids.filter(alive), []);
    await sshd.stop(); // twice is fine
  });

  it('says how to install sshd when it is missing', async () => {
    await assert.rejects(startSshd({ sshdPath: '/nonexistent/sshd' }), /scripts\/setup\.sh/);
  });
});
