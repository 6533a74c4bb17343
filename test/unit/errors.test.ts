// errorMessage: the one text every layer shows or logs for a thrown value, keeping an AnoleError's hint.
import * as assert from 'node:assert/strict';
import { AnoleError, errorMessage } from '../../src/core/errors';

describe('errorMessage', () => {
  it('keeps the hint of an AnoleError, also of one from another bundle', () => {
    assert.equal(errorMessage(new AnoleError('PPROF', 'no pprof endpoint', 'start the service with net/http/pprof')),
      'no pprof endpoint (start the service with net/http/pprof)');
    assert.equal(errorMessage(new AnoleError('NOT_FOUND', 'no such profile')), 'no such profile');
    const other = Object.assign(new Error('from cli-top.js'), { name: 'AnoleError', code: 'BAD_INPUT', oneLine: 'from cli-top.js (pass a file)' });
    assert.equal(errorMessage(other), 'from cli-top.js (pass a file)');
  });

  it('gives an Error its message and anything else its string', () => {
    assert.equal(errorMessage(new TypeError('x is undefined')), 'x is undefined');
    assert.equal(errorMessage('plain string'), 'plain string');
    assert.equal(errorMessage(undefined), 'undefined');
    assert.equal(errorMessage({ message: 'not an Error' }), '[object Object]');
  });
});
