// Integration tests against a real sshd: the connection pool, dropped connections and keep-alives.
import assert from 'node:assert/strict';
import { AnoleError } from '../../src/core/errors';
import { resolveDestination } from '../../src/core/ssh/config';
import { SshPool } from '../../src/core/ssh/pool';
import { type SshHost } from '../../src/core/ssh/sshHost';
import { startSshd, type TestSshd } from '../host/sshd';

/** Resolves when `host` reports its connection ended, with the reason. */
function closed(host: SshHost): Promise<string | undefined> {
  return new Promise((resolve) => host.onClose(resolve));
}

describe('SshPool and dropped connections (real sshd)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let pool: SshPool;

  before(async () => {
    sshd = await startSshd();
  });
  beforeEach(() => {
    pool = new SshPool({ resolve: { configFile: sshd.configFile } });
  });
  afterEach(async () => {
    await pool.closeAll();
  });
  after(async () => {
    await sshd?.stop();
  });

  it('shares one connection per resolved host, also between concurrent callers', async () => {
    const before = sshd.logins();
    const [a, b] = await Promise.all([pool.get(sshd.alias), pool.get(sshd.alias)]);
    assert.equal(a, b);
    assert.equal(await pool.get(sshd.alias), a);
    assert.equal(pool.size, 1);
    assert.equal(sshd.logins() - before, 1);
    const jump = await pool.get(sshd.jumpAlias);
    assert.notEqual(jump, a);
    assert.equal(pool.size, 2);
  });

  it('reconnects after the server side dropped the connection', async () => {
    const first = await pool.get(sshd.alias);
    assert.equal((await first.exec(['echo', 'one'])).stdout.toString(), 'one\n');
    const running = first.exec(['sleep', '30']).then(() => undefined, (e: unknown) => e);
    const gone = closed(first);
    assert.ok(sshd.signalConnections('SIGKILL') >= 1);
    await gone;
    assert.equal(first.isOpen, false);
    const err = await running;
    assert.ok(err instanceof AnoleError && err.code === 'SSH_CONNECT' && /was lost/.test(err.message), String(err));
    await assert.rejects(first.exec(['true']), (e: unknown) => e instanceof AnoleError && e.code === 'SSH_CONNECT');

    const second = await pool.get(sshd.alias);
    assert.notEqual(second, first);
    assert.equal((await second.exec(['echo', 'two'])).stdout.toString(), 'two\n');
    assert.equal(pool.size, 1);
  });

  it('notices a dead peer through keep-alives', async () => {
    const d = await resolveDestination(sshd.alias, { configFile: sshd.configFile });
    const host = await pool.get({ ...d, serverAliveIntervalMs: 200, serverAliveCountMax: 2 });
    const gone = closed(host);
    // Freeze (not kill) the server side: the TCP connection stays up but nothing answers.
    try {
      assert.ok(sshd.signalConnections('SIGSTOP') >= 1);
      const started = Date.now();
      assert.match((await gone) ?? '', /keep-alive/);
      assert.ok(Date.now() - started < 5_000);
    } finally {
      sshd.signalConnections('SIGKILL');
    }
    const again = await pool.get(sshd.alias);
    assert.equal((await again.exec(['true'])).code, 0);
  });
});
