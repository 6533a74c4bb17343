// Assertion helpers for AnoleError: for assert.rejects / assert.throws.
import assert from 'node:assert/strict';
import { AnoleError } from '../../src/core/errors';

/** A validator: the error is an AnoleError with `code` (and a message matching `re`), else the assertion says what it was. */
export function isAnole(code: string, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof AnoleError, `expected AnoleError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  };
}
