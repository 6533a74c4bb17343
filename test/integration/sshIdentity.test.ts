// Identity files made by the real ssh-keygen: unencrypted (OpenSSH and PEM) and encrypted keys, their public blobs, bad files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decryptIdentity, loadIdentity, publicBlobFromOpenSshPrivate } from '../../src/core/ssh/keys';

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
