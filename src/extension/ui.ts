// Small UI helpers shared by the features: error display and the log.
import * as vscode from 'vscode';
import { AnoleError } from '../core/errors';

/** Shows an error to the user (AnoleError: its message and hint; cancellation: nothing) and logs it. */
export function showError(log: vscode.LogOutputChannel, what: string, e: unknown): void {
  if (e instanceof AnoleError && e.code === 'CANCELLED') {
    log.info(`${what}: ${e.message}`);
    return;
  }
  const text = e instanceof AnoleError ? e.oneLine : e instanceof Error ? e.message : String(e);
  log.error(`${what}: ${text}`);
  if (!(e instanceof AnoleError) && e instanceof Error && e.stack) log.debug(e.stack);
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(`${what}: ${text}`, showLog).then((a) => {
    if (a === showLog) log.show();
  });
}

/** Human-readable bytes. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
