// Unit tests: destination parsing and ssh config resolution against fixture config files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnoleError } from '../../src/core/errors';
import { destinationLabel, resolveDestination, type ResolveOptions } from '../../src/core/ssh/config';
import { parseDestination } from '../../src/core/ssh/destination';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'ssh', 'config');
const HOME = '/home/tester';
const base: ResolveOptions = { configFile: FIXTURE, homeDir: HOME, localUser: 'tester', env: {} };
const resolve = (dest: string, extra: Partial<ResolveOptions> = {}) => resolveDestination(dest, { ...base, ...extra });

async function rejectsWith(p: Promise<unknown>, code: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AnoleError, `expected AnoleError, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, re);
    return true;
  });
}

describe('ssh destination parsing', () => {
  it('splits user, host and port', () => {
    assert.deepEqual(parseDestination('prod'), { host: 'prod' });
    assert.deepEqual(parseDestination('alice@prod'), { host: 'prod', user: 'alice' });
    assert.deepEqual(parseDestination('alice@10.0.0.5:2222'), { host: '10.0.0.5', user: 'alice', port: 2222 });
    assert.deepEqual(parseDestination('ssh://bob@h.example.com:23'), { host: 'h.example.com', user: 'bob', port: 23 });
  });

  it('handles IPv6 in brackets and bare', () => {
    assert.deepEqual(parseDestination('[::1]:2222'), { host: '::1', port: 2222 });
    assert.deepEqual(parseDestination('root@[fe80::1]'), { host: 'fe80::1', user: 'root' });
    assert.deepEqual(parseDestination('::1'), { host: '::1' });
  });

  it('takes the user up to the last @', () => {
    assert.deepEqual(parseDestination('me@corp.com@jump'), { host: 'jump', user: 'me@corp.com' });
  });

  it('refuses bad input with SSH_CONFIG', () => {
    for (const bad of ['', '  ', '@host', 'host:0', 'host:70000', 'host:abc', '[::1', '[::1]x', '-oProxyCommand=x', 'a b', 'user@']) {
      assert.throws(() => parseDestination(bad), (e: unknown) => e instanceof AnoleError && e.code === 'SSH_CONFIG', bad);
    }
  });
});

describe('ssh config resolution', () => {
  it('resolves an alias: HostName, User, Port, IdentityFile tokens, IdentitiesOnly', async () => {
    const d = await resolve('prod');
    assert.equal(d.host, 'prod');
    assert.equal(d.hostName, 'prod.example.com');
    assert.equal(d.user, 'deploy');
    assert.equal(d.port, 2222);
    assert.deepEqual(d.identityFiles, [
      `${HOME}/.ssh/prod_key`,
      `${HOME}/.ssh/keys/prod.example.com_deploy_tester_2222`,
      `/keys/with space/${HOME}`,
    ]);
    assert.equal(d.identityFilesAreDefaults, false);
    assert.equal(d.identitiesOnly, true);
    assert.equal(d.strictHostKeyChecking, 'yes'); // from Host *
    assert.equal(d.serverAliveIntervalMs, 20_000);
    assert.equal(d.configFile, FIXTURE);
    assert.equal(destinationLabel(d), 'deploy@prod.example.com:2222');
  });

  it('lets an explicit user and port beat the config (and feed %r)', async () => {
    const d = await resolve('alice@prod:2022');
    assert.equal(d.user, 'alice');
    assert.equal(d.port, 2022);
    assert.equal(d.identityFiles[1], `${HOME}/.ssh/keys/prod.example.com_alice_tester_2022`);
  });

  it('matches host names case-insensitively', async () => {
    assert.equal((await resolve('PROD')).hostName, 'prod.example.com');
  });

  it('applies wildcards with %h, first obtained value wins, negation excludes', async () => {
    const w = await resolve('web-1');
    assert.equal(w.hostName, 'web-1.internal.example.com');
    assert.equal(w.user, 'web'); // web-* comes first; web-1's User is ignored
    assert.equal(w.port, 2201); // but web-1's Port still applies
    const s = await resolve('web-secret');
    assert.equal(s.hostName, 'web-secret');
    assert.equal(s.user, 'fallback');
  });

  it('uses defaults for a host the config does not name', async () => {
    const d = await resolve('10.1.2.3');
    assert.equal(d.hostName, '10.1.2.3');
    assert.equal(d.port, 22);
    assert.equal(d.user, 'fallback');
    assert.equal(d.identityFilesAreDefaults, true);
    assert.deepEqual(d.identityFiles, ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => `${HOME}/.ssh/${f}`));
    assert.deepEqual(d.userKnownHostsFiles, [`${HOME}/.ssh/known_hosts`, `${HOME}/.ssh/known_hosts2`]);
    assert.deepEqual(d.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
    assert.equal(d.identityAgent, undefined);
    assert.deepEqual(d.proxyJump, []);
    assert.equal(d.connectTimeoutMs, 15_000);
    assert.equal(d.serverAliveCountMax, 3);
  });

  it('resolves [v6]:port', async () => {
    const d = await resolve('[::1]:2222');
    assert.equal(d.hostName, '::1');
    assert.equal(d.port, 2222);
    assert.equal(destinationLabel(d), 'fallback@[::1]:2222');
  });

  it('resolves ProxyJump hops through the same config, in order', async () => {
    const d = await resolve('behind');
    assert.deepEqual(d.proxyJump.map(destinationLabel), ['jump@bastion.example.com:22', 'ops@gate.example.com:2022']);
    assert.ok(d.proxyJump.every((h) => h.proxyJump.length === 0));
    assert.equal(destinationLabel(d), 'fallback@10.0.0.7:22');
  });

  it("follows the first hop's own ProxyJump (recursively)", async () => {
    const d = await resolve('deep');
    assert.deepEqual(d.proxyJump.map(destinationLabel),
      ['jump@bastion.example.com:22', 'ops@gate.example.com:2022', 'fallback@10.0.0.7:22']);
  });

  it('treats ProxyJump none as no jump', async () => {
    assert.deepEqual((await resolve('direct')).proxyJump, []);
  });

  it('resolves IdentityAgent: SSH_AUTH_SOCK, none, a path with tokens, $VAR, and the env default', async () => {
    const env = { SSH_AUTH_SOCK: '/tmp/agent.sock', MY_AGENT: '/run/my.sock' };
    assert.equal((await resolve('agent-env', { env })).identityAgent, '/tmp/agent.sock');
    assert.equal((await resolve('agent-none', { env })).identityAgent, undefined);
    assert.equal((await resolve('agent-path', { env })).identityAgent, `${HOME}/.ssh/agent-fallback.sock`);
    assert.equal((await resolve('agent-var', { env })).identityAgent, '/run/my.sock');
    assert.equal((await resolve('prod', { env })).identityAgent, '/tmp/agent.sock');
    assert.equal((await resolve('agent-env')).identityAgent, undefined);
  });

  it('resolves known_hosts files, StrictHostKeyChecking, HostKeyAlias and timeouts', async () => {
    const d = await resolve('known');
    assert.deepEqual(d.userKnownHostsFiles, [`${HOME}/.ssh/kh1`, '/etc/anole/kh2']);
    assert.deepEqual(d.globalKnownHostsFiles, []);
    assert.equal(d.strictHostKeyChecking, 'accept-new');
    assert.equal(d.hashKnownHosts, true);
    assert.equal(d.hostKeyAlias, 'known-alias');
    assert.equal(d.connectTimeoutMs, 7_000);
    assert.equal(d.serverAliveIntervalMs, 30_000);
    assert.equal(d.serverAliveCountMax, 5);
    const n = await resolve('nokh');
    assert.deepEqual(n.userKnownHostsFiles, []);
    assert.equal(n.strictHostKeyChecking, 'no');
  });

  it('refuses ProxyJump loops, ProxyCommand, bad ports, unknown tokens and bad values', async () => {
    await rejectsWith(resolve('loop'), 'SSH_CONFIG', /ProxyJump.*nests/);
    await rejectsWith(resolve('proxycmd'), 'SSH_CONFIG', /ProxyCommand/);
    await rejectsWith(resolve('badport'), 'SSH_CONFIG', /Port "99999"/);
    await rejectsWith(resolve('badtoken'), 'SSH_CONFIG', /%Z/);
    await rejectsWith(resolve('badstrict'), 'SSH_CONFIG', /StrictHostKeyChecking/);
  });

  it('never runs Match exec', async () => {
    const marker = '/tmp/anole-match-exec-ran';
    fs.rmSync(marker, { force: true });
    assert.equal((await resolve('10.9.9.9')).user, 'fallback');
    assert.equal(fs.existsSync(marker), false);
  });

  describe('config files', () => {
    let home: string;
    before(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-sshcfg-'));
    });
    after(() => fs.rmSync(home, { recursive: true, force: true }));

    it('is fine without the default ~/.ssh/config, but not without a given file', async () => {
      const d = await resolveDestination('u@h', { homeDir: home, localUser: 'tester', env: {} });
      assert.equal(destinationLabel(d), 'u@h:22');
      assert.equal(d.configFile, undefined);
      await rejectsWith(resolveDestination('h', { configFile: path.join(home, 'nope'), homeDir: home }), 'SSH_CONFIG', /not found/);
    });

    it('inlines Include globs relative to ~/.ssh', async () => {
      fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
      fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Include conf.d/*.conf\nHost *\n  User last\n');
      fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'a.conf'), 'Host inc\n  HostName included.example.com\n  Port 2200\n');
      fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'b.conf'), 'Host inc\n  Port 9999\n  User fromb\n');
      const d = await resolveDestination('inc', { homeDir: home, localUser: 'tester', env: {} });
      assert.equal(d.hostName, 'included.example.com');
      assert.equal(d.port, 2200);
      assert.equal(d.user, 'fromb');
    });

    it('applies an Include inside a Host block only when that block matches, Host blocks included', async () => {
      fs.writeFileSync(path.join(home, '.ssh', 'config'),
        'Host sect\n  Include sect.inc\n  Port 2301\nHost work-*\n  Include work.inc\n  User fromwork\nHost *\n  User last\n');
      fs.writeFileSync(path.join(home, '.ssh', 'sect.inc'), 'User fromsection\nPort 2300\n');
      fs.writeFileSync(path.join(home, '.ssh', 'work.inc'), 'Port 2400\nHost work-a\n  HostName a.work.example.com\nHost *\n  IdentityFile ~/.ssh/work_key\n');
      const opts = { homeDir: home, localUser: 'tester', env: {} };
      const s = await resolveDestination('sect', opts);
      assert.deepEqual([s.user, s.port], ['fromsection', 2300]);
      const a = await resolveDestination('work-a', opts);
      assert.deepEqual([a.hostName, a.port, a.user, a.identityFiles], ['a.work.example.com', 2400, 'fromwork', [`${home}/.ssh/work_key`]]);
      const other = await resolveDestination('elsewhere', opts);
      assert.deepEqual([other.port, other.user, other.identityFilesAreDefaults], [22, 'last', true]);
    });
  });
});
