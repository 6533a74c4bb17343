// Integration tests against a real sshd: authentication, host key checking and connection errors.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { type AnoleError } from '../../src/core/errors';
import { resolveDestination, type ResolvedDestination } from '../../src/core/ssh/config';
import { trustHostKey, type HostKeyDetails } from '../../src/core/ssh/hostKeyPolicy';
import { SshHost, type SshHostOptions } from '../../src/core/ssh/sshHost';
import { startSshd, type TestSshd } from '../host/sshd';
import { isAnole } from '../support/errors';


function fingerprintOf(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-lf', pubFile, '-E', 'sha256']).toString().split(/\s+/)[1];
}

/** A port on 127.0.0.1 that nothing listens on (just released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Starts `ssh-agent -D -a SOCK` and resolves once it listens (it prints its environment then). */
async function startAgent(sock: string): Promise<ChildProcess> {
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    agent.once('error', reject);
    agent.once('exit', (code) => reject(new Error(`ssh-agent exited with ${code}`)));
    agent.stdout!.once('data', () => resolve());
  });
  return agent;
}

describe('SSH connection, authentication and host keys (real sshd)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let base: ResolvedDestination;
  const opened: SshHost[] = [];
  const connect = async (d: ResolvedDestination, opts: SshHostOptions = {}) => {
    const h = await SshHost.connect(d, opts);
    opened.push(h);
    return h;
  };
  const dest = (over: Partial<ResolvedDestination>): ResolvedDestination => ({ ...base, ...over });
  const tmp = (name: string) => path.join(sshd.dir, name);

  before(async () => {
    sshd = await startSshd();
    base = await resolveDestination(sshd.alias, { configFile: sshd.configFile });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((h) => h.close()));
  });
  after(async () => {
    await sshd?.stop();
  });

  describe('authentication', () => {
    it('logs in with the configured key', async () => {
      const h = await connect(base);
      assert.equal((await h.exec(['id', '-un'])).stdout.toString().trim(), sshd.user);
    });

    it('uses an encrypted key with the passphrase from the callback', async () => {
      const asked: string[] = [];
      const h = await connect(dest({ identityFiles: [sshd.encryptedClientKey] }), {
        passphrase: (p) => { asked.push(p); return sshd.passphrase; },
      });
      assert.deepEqual(asked, [sshd.encryptedClientKey]);
      assert.equal((await h.exec(['true'])).code, 0);
    });

    it('does not count time spent waiting for the passphrase against ConnectTimeout', async () => {
      const slowPerson = () => new Promise<string>((r) => setTimeout(() => r(sshd.passphrase), 2000));
      const h = await connect(dest({ identityFiles: [sshd.encryptedClientKey], connectTimeoutMs: 1200 }), { passphrase: slowPerson });
      assert.equal((await h.exec(['true'])).code, 0);
    });

    it('fails with SSH_AUTH on a wrong passphrase, never echoing it', async () => {
      const secret = 'wrong-passphrase-s3cret';
      await assert.rejects(connect(dest({ identityFiles: [sshd.encryptedClientKey] }), { passphrase: () => secret }), (e: unknown) => {
        isAnole('SSH_AUTH', /wrong passphrase for client_encrypted/)(e);
        assert.ok(!JSON.stringify({ m: (e as AnoleError).message, h: (e as AnoleError).hint, d: (e as AnoleError).details }).includes(secret));
        return true;
      });
      await assert.rejects(connect(dest({ identityFiles: [sshd.encryptedClientKey] })), isAnole('SSH_AUTH', /encrypted/));
    });

    it('fails with SSH_AUTH naming the keys tried when the key is not authorized', async () => {
      await assert.rejects(connect(dest({ identityFiles: [sshd.strangerKey] })),
        isAnole('SSH_AUTH', /rejected all keys \(tried: stranger_ed25519\)/));
      await assert.rejects(connect(dest({ identityFiles: [tmp('no-such-key')] })), isAnole('SSH_AUTH', /no-such-key not found/));
    });

    describe('with ssh-agent', () => {
      let agent: ChildProcess | undefined;
      let sock: string;
      before(async () => {
        sock = tmp('agent.sock');
        agent = await startAgent(sock);
        const askpass = tmp('askpass.sh');
        fs.writeFileSync(askpass, `#!/bin/sh\nprintf '%s\\n' '${sshd.passphrase}'\n`, { mode: 0o700 });
        const env = { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
        execFileSync('ssh-add', [sshd.clientKey], { env, stdio: 'ignore' });
        execFileSync('ssh-add', [sshd.encryptedClientKey], { env, stdio: 'ignore' });
      });
      after(async () => {
        if (agent && agent.exitCode === null) {
          const a = agent;
          await new Promise<void>((r) => { a.once('exit', () => r()); a.kill('SIGTERM'); });
        }
      });

      it('authenticates with the agent alone (no identity files)', async () => {
        const h = await connect(dest({ identityFiles: [], identitiesOnly: false, identityAgent: sock }));
        assert.equal((await h.exec(['echo', 'agent ok'])).stdout.toString(), 'agent ok\n');
      });

      it('with IdentitiesOnly, signs through the agent for a listed encrypted key without asking', async () => {
        const h = await connect(dest({ identityFiles: [sshd.encryptedClientKey], identitiesOnly: true, identityAgent: sock }), {
          passphrase: () => { throw new Error('must not ask: the agent has this key'); },
        });
        assert.equal((await h.exec(['true'])).code, 0);
      });

      it('with IdentitiesOnly, does not offer agent keys that are not listed', async () => {
        await assert.rejects(connect(dest({ identityFiles: [sshd.strangerKey], identitiesOnly: true, identityAgent: sock })),
          isAnole('SSH_AUTH', /tried: stranger_ed25519\)/));
      });

      it('says so when the agent socket is missing', async () => {
        await assert.rejects(connect(dest({ identityFiles: [], identityAgent: tmp('gone.sock') })), isAnole('SSH_AUTH', /agent socket .*gone\.sock not found/));
      });
    });
  });

  describe('host keys', () => {
    it('refuses an unknown host key with HOST_KEY_UNKNOWN carrying the ssh-keygen fingerprint, then trusts it', async () => {
      const kh = tmp('kh-empty');
      fs.writeFileSync(kh, '');
      const d = dest({ userKnownHostsFiles: [kh], globalKnownHostsFiles: [], strictHostKeyChecking: 'ask' });
      let details: HostKeyDetails | undefined;
      await assert.rejects(connect(d), (e: unknown) => {
        isAnole('HOST_KEY_UNKNOWN')(e);
        details = (e as AnoleError).details as unknown as HostKeyDetails;
        return true;
      });
      const fp = fingerprintOf(sshd.hostKeys.ed25519);
      assert.equal(details!.fingerprint, fp);
      assert.equal(details!.keyType, 'ssh-ed25519');
      assert.deepEqual([details!.host, details!.port, details!.knownHostsFile], ['127.0.0.1', sshd.port, kh]);
      assert.equal(details!.key, fs.readFileSync(sshd.hostKeys.ed25519, 'utf8').split(/\s+/)[1]);
      await assert.rejects(connect(d), isAnole('HOST_KEY_UNKNOWN', new RegExp(`ssh-ed25519 key ${fp.replace(/[+/]/g, '\\$&')}`)));
      await trustHostKey(details!);
      assert.equal((await (await connect(d)).exec(['true'])).code, 0);
      assert.match(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', kh]).toString(), /found/);
    });

    it('StrictHostKeyChecking=accept-new records the key; =no accepts without writing', async () => {
      const kh = tmp('kh-accept-new');
      await connect(dest({ userKnownHostsFiles: [kh], strictHostKeyChecking: 'accept-new', hashKnownHosts: true }));
      const text = fs.readFileSync(kh, 'utf8');
      assert.match(text, /^\|1\|.* ssh-ed25519 /);
      await connect(dest({ userKnownHostsFiles: [kh], strictHostKeyChecking: 'yes' }));
      const none = tmp('kh-no');
      await connect(dest({ userKnownHostsFiles: [none], strictHostKeyChecking: 'no' }));
      assert.equal(fs.existsSync(none), false);
    });

    it('refuses a changed host key with HOST_KEY_CHANGED, even with StrictHostKeyChecking=no', async () => {
      const kh = tmp('kh-changed');
      const other = fs.readFileSync(`${sshd.strangerKey}.pub`, 'utf8').split(/\s+/).slice(0, 2).join(' ');
      fs.writeFileSync(kh, `# old key\n[127.0.0.1]:${sshd.port} ${other}\n`);
      for (const strict of ['yes', 'no', 'accept-new'] as const) {
        await assert.rejects(connect(dest({ userKnownHostsFiles: [kh], strictHostKeyChecking: strict })),
          (e: unknown) => {
            isAnole('HOST_KEY_CHANGED', /CHANGED/)(e);
            assert.match((e as AnoleError).hint ?? '', /kh-changed:2/);
            return true;
          });
      }
    });

    it('refuses a key marked @revoked', async () => {
      const kh = tmp('kh-revoked');
      const hostKey = fs.readFileSync(sshd.hostKeys.ed25519, 'utf8').split(/\s+/).slice(0, 2).join(' ');
      fs.writeFileSync(kh, `${fs.readFileSync(sshd.knownHostsFile, 'utf8')}@revoked * ${hostKey}\n`);
      await assert.rejects(connect(dest({ userKnownHostsFiles: [kh] })), isAnole('HOST_KEY_REVOKED'));
    });

    it('negotiates the key type known_hosts has (ssh-keyscan -t rsa)', async () => {
      const kh = tmp('kh-rsa');
      fs.writeFileSync(kh, execFileSync('ssh-keyscan', ['-p', String(sshd.port), '-t', 'rsa', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'ignore'] }));
      assert.match(fs.readFileSync(kh, 'utf8'), /ssh-rsa/);
      const h = await connect(dest({ userKnownHostsFiles: [kh] }));
      assert.equal((await h.exec(['true'])).code, 0);
    });
  });

  describe('connection errors', () => {
    it('reports a refused port as SSH_CONNECT', async () => {
      const port = await closedPort();
      await assert.rejects(connect(dest({ port })), isAnole('SSH_CONNECT', new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}`)));
    });

    it('times out on a host that accepts but never speaks', async () => {
      const sockets = new Set<net.Socket>();
      const silent = net.createServer((s) => sockets.add(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const { port } = silent.address() as net.AddressInfo;
      try {
        const started = Date.now();
        await assert.rejects(connect(dest({ port, connectTimeoutMs: 500 })), isAnole('TIMEOUT', new RegExp(`no SSH answer from 127\\.0\\.0\\.1:${port}`)));
        const took = Date.now() - started;
        assert.ok(took >= 450 && took < 5_000, `took ${took} ms`);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    });

    it('reports a server that hangs up at once as SSH_CONNECT', async () => {
      const rude = net.createServer((s) => s.destroy());
      await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
      const { port } = rude.address() as net.AddressInfo;
      try {
        await assert.rejects(connect(dest({ port })), isAnole('SSH_CONNECT', /closed the connection/));
      } finally {
        await new Promise((r) => rude.close(r));
      }
    });

    it('names the jump host when a ProxyJump hop fails', async () => {
      const jump = await resolveDestination(sshd.jumpAlias, { configFile: sshd.configFile });
      const port = await closedPort();
      await assert.rejects(connect({ ...jump, port }), isAnole('SSH_CONNECT', new RegExp(`jump host .*could not open a connection to 127\\.0\\.0\\.1:${port}`)));
    });
  });
});
