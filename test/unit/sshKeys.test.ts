// Unit tests: identity files (real ssh-keygen keys), %-token/env expansion and connect error mapping.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnoleError } from '../../src/core/errors';
import { expandPath, expandTokens } from '../../src/core/ssh/expand';
import { decryptIdentity, loadIdentity, publicBlobFromOpenSshPrivate } from '../../src/core/ssh/keys';
import { connectionLostError, mapConnectError } from '../../src/core/ssh/sshErrors';

describe('ssh identity files', () => {
  let dir: string;
  const pubBlob = (f: string) => Buffer.from(fs.readFileSync(`${f}.pub`, 'utf8').split(/\s+/)[1], 'base64');
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-keys-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'plain')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pass phrase', '-f', path.join(dir, 'enc')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-f', path.join(dir, 'rsa-pem')]);
    fs.writeFileSync(path.join(dir, 'garbage'), 'not a key');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads unencrypted keys (OpenSSH and PEM) with their public blob', async () => {
    for (const name of ['plain', 'rsa-pem']) {
      const f = path.join(dir, name);
      const id = await loadIdentity(f);
      assert.ok(id?.key && !id.encrypted && !id.problem, name);
      assert.ok(id.publicBlob?.equals(pubBlob(f)), name);
    }
  });

  it('reads the public blob of an encrypted key without the passphrase, and decrypts it', async () => {
    const f = path.join(dir, 'enc');
    assert.ok(publicBlobFromOpenSshPrivate(fs.readFileSync(f, 'latin1'))?.equals(pubBlob(f)));
    fs.renameSync(`${f}.pub`, `${f}.pub.away`); // must not need the .pub file
    try {
      const id = await loadIdentity(f);
      assert.ok(id?.encrypted && !id.key);
      assert.ok(id.publicBlob?.equals(Buffer.from(fs.readFileSync(`${f}.pub.away`, 'utf8').split(/\s+/)[1], 'base64')));
      assert.equal(decryptIdentity(id, 'wrong'), undefined);
      assert.ok(decryptIdentity(id, 'pass phrase')?.isPrivateKey());
    } finally {
      fs.renameSync(`${f}.pub.away`, `${f}.pub`);
    }
  });

  it('returns undefined for a missing file and a problem for garbage', async () => {
    assert.equal(await loadIdentity(path.join(dir, 'missing')), undefined);
    assert.ok((await loadIdentity(path.join(dir, 'garbage')))?.problem);
  });
});

describe('ssh config value expansion', () => {
  it('expands tokens and %%, refusing unknown ones', () => {
    assert.equal(expandTokens('%h-%%-%p', { h: 'host', p: '22' }, 'X'), 'host-%-22');
    assert.throws(() => expandTokens('%q', {}, 'X'), (e: unknown) => e instanceof AnoleError && /%q/.test(e.message));
  });

  it('expands ~ and ${VAR} without re-expanding % inside variable values', () => {
    assert.equal(expandPath('~/k/${V}/%r', '/home/t', { V: 'a%hb' }, { r: 'root', h: 'H' }, 'IdentityFile'), '/home/t/k/a%hb/root');
    assert.throws(() => expandPath('${NOPE}', '/h', {}, {}, 'IdentityFile'), /NOPE is not set/);
    assert.throws(() => expandPath('~bob/x', '/h', {}, {}, 'IdentityFile'), /~user/);
  });
});

describe('ssh connect error mapping', () => {
  const t = { host: 'db.example.com', port: 2222, label: 'me@db.example.com:2222', connectTimeoutMs: 5000 };
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('turns socket errors into one clear line', () => {
    const cases: [Error, string, RegExp][] = [
      [err('ECONNREFUSED'), 'SSH_CONNECT', /connection refused by db\.example\.com:2222/],
      [err('ETIMEDOUT'), 'TIMEOUT', /no SSH answer from db\.example\.com:2222 within 5 s/],
      [err('ENOTFOUND'), 'SSH_CONNECT', /cannot resolve host name "db\.example\.com"/],
      [err('EHOSTUNREACH'), 'SSH_CONNECT', /no route/],
      [err('ECONNRESET'), 'SSH_CONNECT', /closed the connection/],
      [Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), 'TIMEOUT', /no SSH answer/],
      [Object.assign(new Error('Handshake failed: no matching key exchange algorithm'), { level: 'handshake' }), 'SSH_CONNECT', /handshake .*failed/],
      [new Error('something else'), 'SSH_CONNECT', /cannot connect to me@db\.example\.com:2222: something else/],
    ];
    for (const [e, code, re] of cases) {
      const m = mapConnectError(e, t);
      assert.equal(m.code, code, e.message);
      assert.match(m.message, re);
      assert.ok(m.hint || code === 'SSH_CONNECT');
    }
    const ipv6 = mapConnectError(err('ECONNREFUSED'), { ...t, host: '::1' });
    assert.match(ipv6.message, /\[::1\]:2222/);
  });

  it('describes a lost connection', () => {
    assert.match(connectionLostError('me@h:22', 'no answer to keep-alives').message, /connection to me@h:22 was lost \(no answer to keep-alives\)/);
  });
});
