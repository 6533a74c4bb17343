// Small UI helpers shared by the features: error display, the log, and cancellable progress.
import * as vscode from 'vscode';
import { AnoleError, errorMessage } from '../core/errors';

/** Shows an error to the user (AnoleError: its message and hint; cancellation: nothing) and logs it. */
export function showError(log: vscode.LogOutputChannel, what: string, e: unknown): void {
  if (e instanceof AnoleError && e.code === 'CANCELLED') {
    log.info(`${what}: ${e.message}`);
    return;
  }
  const text = errorMessage(e);
  log.error(`${what}: ${text}`);
  if (!(e instanceof AnoleError) && e instanceof Error && e.stack) log.debug(e.stack);
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(`${what}: ${text}`, showLog).then((a) => {
    if (a === showLog) log.show();
  });
}

/** A command handler that runs `fn` and shows (and logs) what it throws, titled `what`. */
export function guarded<A extends unknown[]>(log: vscode.LogOutputChannel, what: string, fn: (...a: A) => Promise<unknown>): (...a: A) => Promise<void> {
  return async (...a: A) => {
    try {
      await fn(...a);
    } catch (e) {
      showError(log, what, e);
    }
  };
}

/**
 * An AbortSignal that aborts when `token` is cancelled (`ac`: the caller's controller, e.g. one the
 * extension also aborts when it is disposed). Dispose it to stop listening to the token.
 */
export function abortOn(token: vscode.CancellationToken | undefined, ac = new AbortController()): { signal: AbortSignal; dispose(): void } {
  const sub = token?.onCancellationRequested(() => ac.abort());
  return { signal: ac.signal, dispose: () => sub?.dispose() };
}

/**
 * Runs `task` under a cancellable progress notification titled `title`: cancelling it aborts the
 * signal `task` gets (that of `ac` when given).
 */
export function withCancellableProgress<T>(
  title: string,
  task: (progress: vscode.Progress<{ message?: string }>, signal: AbortSignal, token: vscode.CancellationToken) => Promise<T>,
  ac?: AbortController,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = abortOn(token, ac);
    try {
      return await task(progress, abort.signal, token);
    } finally {
      abort.dispose();
    }
  });
}

/** Human-readable bytes, as every view formats them (core/units.ts). */
export { formatBytes } from '../core/units';
