// Function calls in evaluated expressions: refused unless the session allows them, with one message naming the switch.
import { AnoleError } from '../errors';

/** The launch attribute that allows calls (named in the refusal). */
export const ALLOW_CALLS_ATTRIBUTE = 'allowFunctionCalls';

/** The error for an expression that would call a function inside the debugged process. */
export function functionCallsRefused(expression: string): AnoleError {
  return new AnoleError('BAD_INPUT',
    `function calls are off: evaluating ${JSON.stringify(expression.length > 80 ? `${expression.slice(0, 80)}…` : expression)} would run code inside the debugged process`,
    `set "${ALLOW_CALLS_ATTRIBUTE}": true in the launch configuration to allow them`);
}

/** gdb's and dlv's own refusals of a call (gdb's may-call-functions off; dlv's Eval outside `call`). */
export function isCallRefusal(message: string): boolean {
  return /may-call-functions is off|function calls (are )?not allowed/.test(message);
}

/**
 * Whether an expression has call syntax: a name, `)` or `]` followed by `(`, outside string and
 * character literals. Conversions such as `(*T)(p)` count too: used only where the debugger itself
 * cannot refuse calls (gdb before 8.3), so it errs on the side of refusing.
 */
export function looksLikeCall(expression: string): boolean {
  const bare = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, (lit) => (lit.startsWith("'") && lit.length > 4 ? 'x' : '""'));
  return /[\w$\])]\s*\(/.test(bare);
}
