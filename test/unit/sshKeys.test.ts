// Unit tests: %-token/env expansion and connect error mapping (identity files: test/integration/sshIdentity.test.ts).
import assert from 'node:assert/strict';
import { AnoleError } from '../../src/core/errors';
import { expandPath, expandTokens } from '../../src/core/ssh/expand';
import { connectionLostError, mapConnectError } from '../../src/core/ssh/sshErrors';

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
