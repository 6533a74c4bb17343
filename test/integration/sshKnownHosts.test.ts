// known_hosts parsing/verification and fingerprints, checked against real ssh-keygen output.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  addKnownHost, checkHostKey, fingerprintSha256, keyTypeOfBlob, parseKnownHosts, verifyHostKey,
} from '../../src/core/ssh/knownHosts';

interface Key { type: string; b64: string; blob: Buffer; pub: string }

describe('known_hosts', () => {
  let dir: string;
  const keys: Record<string, Key> = {};
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const q = (host: string, port: number, k: Key) => ({ host, port, keyType: k.type, key: k.blob });

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-kh-'));
    for (const [name, args] of Object.entries({
      ed: ['-t', 'ed25519'], ed2: ['-t', 'ed25519'], rsa: ['-t', 'rsa', '-b', '2048'], ecdsa: ['-t', 'ecdsa', '-b', '256'],
    })) {
      const f = path.join(dir, name);
      execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', name, '-f', f]);
      const [type, b64] = fs.readFileSync(`${f}.pub`, 'utf8').trim().split(/\s+/);
      keys[name] = { type, b64, blob: Buffer.from(b64, 'base64'), pub: `${f}.pub` };
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the same SHA256 fingerprint as ssh-keygen -lf', () => {
    for (const k of Object.values(keys)) {
      const out = execFileSync('ssh-keygen', ['-lf', k.pub, '-E', 'sha256']).toString();
      assert.equal(fingerprintSha256(k.blob), out.split(/\s+/)[1]);
      assert.equal(keyTypeOfBlob(k.blob), k.type);
    }
  });

  it('parses plain lists, skipping comments, blank, malformed and SSH-1 lines', () => {
    const { ed, rsa } = keys;
    const entries = parseKnownHosts([
      '# comment',
      '',
      `a.example.com,10.0.0.1 ${ed.type} ${ed.b64} some comment`,
      `garbage-without-key`,
      `b.example.com ssh-ed25519 not!base64`,
      `c.example.com ${rsa.type} ${ed.b64}`, // type does not match blob
      'old.example.com 1024 35 1234567890',
      `@unknown-marker d.example.com ${ed.type} ${ed.b64}`,
      `   [e.example.com]:2222 ${rsa.type} ${rsa.b64}`,
    ].join('\n'), 'kh');
    assert.equal(entries.length, 2);
    assert.deepEqual(entries[0].hosts, ['a.example.com', '10.0.0.1']);
    assert.equal(entries[0].line, 3);
    assert.equal(entries[1].line, 9);
  });

  it('verifies plain, comma-listed and [host]:port entries', async () => {
    const { ed, rsa } = keys;
    const kh = file('plain', `a.example.com,10.0.0.1 ${ed.type} ${ed.b64}\n[a.example.com]:2222 ${rsa.type} ${rsa.b64}\n`);
    assert.equal(await verifyHostKey(q('a.example.com', 22, ed), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('A.Example.COM', 22, ed), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('10.0.0.1', 22, ed), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('a.example.com', 2222, rsa), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('b.example.com', 22, ed), [kh]), 'unknown');
    // Port 2222 only knows the RSA key: another key there is a change, not a new host.
    assert.equal(await verifyHostKey(q('a.example.com', 2222, ed), [kh]), 'changed');
  });

  it('verifies hashed entries written by ssh-keygen -H', async () => {
    const { ed, rsa } = keys;
    const kh = file('hashed', `secret.example.com ${ed.type} ${ed.b64}\n[127.0.0.1]:2222 ${rsa.type} ${rsa.b64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    const text = fs.readFileSync(kh, 'utf8');
    assert.doesNotMatch(text, /secret\.example\.com|127\.0\.0\.1/);
    assert.equal(parseKnownHosts(text).length, 2);
    assert.equal(await verifyHostKey(q('secret.example.com', 22, ed), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('127.0.0.1', 2222, rsa), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('127.0.0.1', 22, rsa), [kh]), 'unknown');
    assert.equal(await verifyHostKey(q('secret.example.com', 22, keys.ed2), [kh]), 'changed');
  });

  it('matches wildcard and negated patterns', async () => {
    const { ed } = keys;
    const kh = file('wild', `*.example.org,!secret.example.org ${ed.type} ${ed.b64}\nhost?.lan ${ed.type} ${ed.b64}\n`);
    assert.equal(await verifyHostKey(q('www.example.org', 22, ed), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('secret.example.org', 22, ed), [kh]), 'unknown');
    assert.equal(await verifyHostKey(q('host1.lan', 22, ed), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('host12.lan', 22, ed), [kh]), 'unknown');
  });

  it('reports revoked keys, even when also listed as good', async () => {
    const { ed, rsa } = keys;
    const kh = file('revoked', `h.example.com ${rsa.type} ${rsa.b64}\n@revoked * ${rsa.type} ${rsa.b64}\nh.example.com ${ed.type} ${ed.b64}\n`);
    assert.equal(await verifyHostKey(q('h.example.com', 22, rsa), [kh]), 'revoked');
    assert.equal(await verifyHostKey(q('other.example.com', 22, rsa), [kh]), 'revoked');
    assert.equal(await verifyHostKey(q('h.example.com', 22, ed), [kh]), 'ok');
  });

  it('reports a changed key with the offending line, also when only another type is known', async () => {
    const { ed, ed2, rsa, ecdsa } = keys;
    const kh = file('changed', `# c\nh.example.com ${ed.type} ${ed.b64}\nh.example.com ${rsa.type} ${rsa.b64}\n`);
    const c = await checkHostKey(q('h.example.com', 22, ed2), [kh]);
    assert.equal(c.status, 'changed');
    assert.deepEqual([c.entry?.file, c.entry?.line], [kh, 2]);
    assert.deepEqual(c.knownKeyTypes, ['ssh-ed25519', 'ssh-rsa']);
    assert.equal(await verifyHostKey(q('h.example.com', 22, ecdsa), [kh]), 'changed');
  });

  it('ignores @cert-authority lines for plain host keys', async () => {
    const { ed } = keys;
    const kh = file('ca', `@cert-authority *.example.com ${ed.type} ${ed.b64}\n`);
    assert.equal(await verifyHostKey(q('a.example.com', 22, ed), [kh]), 'unknown');
  });

  it('looks through several files and ignores missing ones', async () => {
    const { ed } = keys;
    const kh = file('second', `h2.example.com ${ed.type} ${ed.b64}\n`);
    assert.equal(await verifyHostKey(q('h2.example.com', 22, ed), [path.join(dir, 'missing'), kh]), 'ok');
    assert.equal(await verifyHostKey(q('h2.example.com', 22, ed), [path.join(dir, 'missing')]), 'unknown');
  });

  it('appends plain and hashed entries that ssh-keygen -F finds', async () => {
    const { ed, rsa } = keys;
    const kh = path.join(dir, 'new', 'known_hosts');
    fs.mkdirSync(path.dirname(kh));
    fs.writeFileSync(kh, `x.example.com ${ed.type} ${ed.b64}`); // no trailing newline
    await addKnownHost(kh, '127.0.0.1', 2222, rsa.type, rsa.blob);
    await addKnownHost(kh, 'hashed.example.com', 22, ed.type, ed.blob, { hashed: true });
    const text = fs.readFileSync(kh, 'utf8');
    assert.match(text, /^x\.example\.com .*\n\[127\.0\.0\.1\]:2222 ssh-rsa .*\n\|1\|[^|]+\|[^ ]+ ssh-ed25519 .*\n$/);
    assert.equal(await verifyHostKey(q('127.0.0.1', 2222, rsa), [kh]), 'ok');
    assert.equal(await verifyHostKey(q('hashed.example.com', 22, ed), [kh]), 'ok');
    for (const name of ['[127.0.0.1]:2222', 'hashed.example.com']) {
      const found = execFileSync('ssh-keygen', ['-F', name, '-f', kh]).toString();
      assert.match(found, /found: line \d/, name);
    }
    await assert.rejects(addKnownHost(kh, 'h', 22, 'ssh-rsa', ed.blob), /not of type ssh-rsa/);
  });
});
