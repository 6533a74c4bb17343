// Function calls in evaluated expressions: the refusal names the attribute; call syntax is found outside literals.
import assert from 'node:assert/strict';
import { functionCallsRefused, isCallRefusal, looksLikeCall } from '../../src/core/debug/functionCalls';

describe('function calls in evaluated expressions', () => {
  it('finds call syntax, also through conversions and quoted gdb names', () => {
    for (const e of ['runtime.GC()', "'runtime.GC'()", 'f (1)', 'm["k"](2)', 'x.y().z', '(*T)(p)', '$fn(1)']) assert.equal(looksLikeCall(e), true, e);
  });

  it('leaves plain reads alone, parentheses inside literals too', () => {
    for (const e of ['main.leakCh', 'a[1].b', '*p', '"f()"', '`g()`', "'('", 'x + (y * 2)', '-(a)']) assert.equal(looksLikeCall(e), false, e);
  });

  it('recognises gdb\'s and dlv\'s own refusals', () => {
    assert.equal(isCallRefusal('Cannot call functions in the program: may-call-functions is off.'), true);
    assert.equal(isCallRefusal("dlv Eval: function calls not allowed without using 'call'"), true);
    assert.equal(isCallRefusal('No symbol "x" in current context.'), false);
  });

  it('says what was refused and how to allow it', () => {
    const e = functionCallsRefused('runtime.GC()');
    assert.equal(e.code, 'BAD_INPUT');
    assert.match(e.oneLine, /^function calls are off: evaluating "runtime\.GC\(\)" would run code inside the debugged process \(set "allowFunctionCalls": true in the launch configuration to allow them\)$/);
  });
});
