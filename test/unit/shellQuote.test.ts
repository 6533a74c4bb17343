// Unit tests: POSIX quoting of argv, checked by round-tripping through local sh and bash.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { AnoleError } from '../../src/core/errors';
import { buildCommand, quoteArg, shellScript } from '../../src/core/shell';
import { HOSTILE_VALUES as HOSTILE, PWNED_MARKER } from '../fixtures/ssh/hostileValues';

describe('shell quoting', () => {
  it('leaves safe words alone and single-quotes everything else', () => {
    assert.equal(quoteArg('abc-1.2/x_y:z,@%+'), 'abc-1.2/x_y:z,@%+');
    assert.equal(quoteArg('--flag=value'), '--flag=value');
    assert.equal(quoteArg(''), "''");
    assert.equal(quoteArg('a b'), "'a b'");
    assert.equal(quoteArg("it's"), `'it'\\''s'`);
    assert.equal(quoteArg('=cmd'), "'=cmd'");
    assert.equal(quoteArg('~'), "'~'");
    assert.equal(quoteArg('a\nb'), "'a\nb'");
  });

  it('quotes a command word that looks like an assignment', () => {
    assert.equal(buildCommand(['X=1', 'Y=2']), "'X=1' Y=2");
  });

  it('refuses NUL and empty argv', () => {
    assert.throws(() => quoteArg('a\0b'), (e: unknown) => e instanceof AnoleError && e.code === 'BAD_INPUT');
    assert.throws(() => buildCommand([]), (e: unknown) => e instanceof AnoleError && e.code === 'BAD_INPUT');
  });

  it('builds sh -c scripts with positional arguments', () => {
    assert.deepEqual(shellScript('echo "$1"', ['x y']), ['sh', '-c', 'echo "$1"', 'anole', 'x y']);
  });

  for (const shell of ['/bin/sh', '/bin/bash', '/bin/dash', '/usr/bin/zsh'].filter((s) => fs.existsSync(s))) {
    it(`round-trips hostile values byte for byte through ${shell}`, () => {
      fs.rmSync(PWNED_MARKER, { force: true });
      const out = execFileSync(shell, ['-c', buildCommand(['printf', '%s\\0', ...HOSTILE])]);
      const got = out.toString('utf8').split('\0').slice(0, -1);
      assert.deepEqual(got, HOSTILE);
      assert.equal(fs.existsSync(PWNED_MARKER), false);
    });
  }
});
