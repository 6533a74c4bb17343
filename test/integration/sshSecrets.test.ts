// Stored passphrases per connection attempt (real sshd): two hosts with different encrypted keys
// connecting at once each get their own passphrase, and a failure forgets only its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SshPool } from '../../src/core/ssh/pool';
import { StoredSecretAuth, type SecretRequest } from '../../src/core/ssh/storedSecrets';
import { startSshd, type TestSshd } from '../host/sshd';
import { isAnole } from '../support/errors';

/**
 * SecretStorage stand-in: a map. Reads are asynchronous like SecretStorage's; `holdUntilRead`
 * makes the read of one key wait until another key was read (two attempts interleaved).
 */
class MemoryStore {
  readonly map = new Map<string, string>();
  private readonly reads = new Map<string, () => void>();
  private readonly readSeen = new Map<string, Promise<void>>();
  holdUntilRead(held: string, other: string): void {
    this.readSeen.set(held, new Promise((resolve) => this.reads.set(other, resolve)));
  }
  async get(key: string) {
    this.reads.get(key)?.();
    await this.readSeen.get(key);
    return this.map.get(key);
  }
  async store(key: string, value: string) { this.map.set(key, value); }
  async delete(key: string) { this.map.delete(key); }
}

describe('stored ssh secrets are tracked per connection attempt (real sshd)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let configFile: string;
  let keyB: string;
  const passB = 'a different passphrase for key b';
  let pool: SshPool;

  before(async () => {
    sshd = await startSshd();
    keyB = path.join(sshd.dir, 'client_b');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passB, '-C', 'anole-client-b', '-f', keyB]);
    fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), fs.readFileSync(`${keyB}.pub`, 'utf8'));
    const common = [
      '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${sshd.user}`, '  IdentitiesOnly yes', '  IdentityAgent none',
      `  UserKnownHostsFile ${sshd.knownHostsFile}`, '  GlobalKnownHostsFile none', '  StrictHostKeyChecking yes',
    ];
    configFile = path.join(sshd.dir, 'ssh_config_secrets');
    // Two distinct connections to the one test sshd: host b goes through a jump (another pool key).
    fs.writeFileSync(configFile, [
      'Host hop', ...common, `  IdentityFile ${sshd.clientKey}`, '',
      'Host host-a', ...common, `  IdentityFile ${sshd.encryptedClientKey}`, '',
      'Host host-b', ...common, `  IdentityFile ${keyB}`, '  ProxyJump hop', '',
    ].join('\n'));
  });
  beforeEach(() => {
    pool = new SshPool({ resolve: { configFile } });
  });
  afterEach(async () => {
    await pool.closeAll();
  });
  after(async () => {
    await sshd?.stop();
  });

  it('connects two hosts at once, each with the stored passphrase of its own key', async () => {
    const store = new MemoryStore();
    store.map.set(`passphrase:${sshd.encryptedClientKey}`, sshd.passphrase);
    store.map.set(`passphrase:${keyB}`, passB);
    const asked: SecretRequest[] = [];
    const auth = new StoredSecretAuth(store, async (r) => { asked.push(r); return undefined; });
    const [a, b] = await Promise.all([auth.connect(pool, 'host-a'), auth.connect(pool, 'host-b')]);
    assert.notEqual(a, b);
    assert.deepEqual([(await a.exec(['true'])).code, (await b.exec(['true'])).code], [0, 0]);
    assert.deepEqual(asked, []);
    assert.equal(store.map.size, 2);
  });

  it('a stale passphrase of one host is forgotten; the other host connecting at the same moment keeps its own', async () => {
    const store = new MemoryStore();
    store.map.set(`passphrase:${sshd.encryptedClientKey}`, 'stale passphrase');
    store.map.set(`passphrase:${keyB}`, passB);
    const logged: string[] = [];
    const asked: SecretRequest[] = [];
    const auth = new StoredSecretAuth(store, async (r) => {
      asked.push(r);
      return r.subject === sshd.encryptedClientKey ? sshd.passphrase : undefined;
    }, (m) => logged.push(m));
    // Host a's stale passphrase comes back only after host b has read its own (both attempts in flight).
    store.holdUntilRead(`passphrase:${sshd.encryptedClientKey}`, `passphrase:${keyB}`);
    const [a, b] = await Promise.allSettled([auth.connect(pool, 'host-a'), auth.connect(pool, 'host-b')]);
    assert.equal(a.status, 'rejected');
    isAnole('SSH_AUTH', /wrong passphrase for client_encrypted/)((a as PromiseRejectedResult).reason);
    assert.equal(b.status, 'fulfilled');
    assert.deepEqual([...store.map], [[`passphrase:${keyB}`, passB]], 'only host a\'s stale passphrase is forgotten');
    assert.deepEqual(logged, ['forgot 1 stored secret(s) for host-a after authentication failed']);
    assert.ok(!logged.join('\n').includes('stale passphrase'));
    // The next try for host a asks (for its key only) and stores the answer.
    const again = await auth.connect(pool, 'host-a');
    assert.equal((await again.exec(['true'])).code, 0);
    assert.deepEqual(asked, [{ kind: 'passphrase', subject: sshd.encryptedClientKey }]);
    assert.equal(store.map.get(`passphrase:${sshd.encryptedClientKey}`), sshd.passphrase);
  });
});
