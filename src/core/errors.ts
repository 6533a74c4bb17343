// User-facing errors: one clear line and, where we know one, what to do about it.

/** Stable codes so callers (CLI, extension, adapter) can react to a kind of failure. */
export type AnoleErrorCode =
  | 'BAD_INPUT'
  | 'BAD_PROFILE'
  | 'BAD_DUMP'
  | 'SSH_CONFIG'
  | 'SSH_CONNECT'
  | 'SSH_AUTH'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  | 'HOST_KEY_REVOKED'
  | 'REMOTE_COMMAND'
  | 'NOT_FOUND'
  | 'PPROF'
  | 'TIMEOUT'
  | 'CANCELLED';

/**
 * An error meant for the user: `message` is one line that says what went wrong, `hint` (optional)
 * says how to fix it. The CLI prints these without a stack trace; anything else is a bug.
 */
export class AnoleError extends Error {
  constructor(
    readonly code: AnoleErrorCode,
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AnoleError';
  }

  /** The message and the hint as one line. */
  get oneLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

/**
 * The one line to show or log for any thrown value: an AnoleError's message with its hint, an
 * Error's message, or the value itself.
 */
export function errorMessage(e: unknown): string {
  if (isAnoleError(e)) return e.oneLine;
  return e instanceof Error ? e.message : String(e);
}

/**
 * True for errors the user can act on (printed without a stack trace). Also recognises an
 * AnoleError of another copy of this module (the CLI loads each command as a separate bundle).
 */
export function isAnoleError(e: unknown): e is AnoleError {
  if (e instanceof AnoleError) return true;
  return e instanceof Error && e.name === 'AnoleError' && typeof (e as Partial<AnoleError>).code === 'string' && 'oneLine' in e;
}
