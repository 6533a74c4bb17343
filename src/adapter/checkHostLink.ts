// The link a failed attach offers: "Check Host" opens the doctor's report for the host and process that preflight refused.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { PreflightFailure } from '../core/debug/attach';
import { msg, render, type Translate } from '../core/doctor/msg';
import { isAnoleError } from '../core/errors';

/** The extension's Check Host command (src/extension/commands.ts `Commands.checkHost`; a unit test keeps them equal). */
export const CHECK_HOST_COMMAND = 'anole.checkHost';

/**
 * For an attach refused by preflight: the error message's `url` (a `command:` URI that VS Code's
 * error dialog opens as a button) running Check Host on `host` and the refused pid, and its label.
 * Nothing for any other error.
 */
export function checkHostLink(e: unknown, host: string | undefined, t?: Translate): Pick<DebugProtocol.Message, 'url' | 'urlLabel'> {
  const pid = isAnoleError(e) ? (e.details as Partial<PreflightFailure> | undefined)?.preflightPid : undefined;
  if (!host || typeof pid !== 'number') return {};
  const args = encodeURIComponent(JSON.stringify([{ host, pid }]));
  return { url: `command:${CHECK_HOST_COMMAND}?${args}`, urlLabel: render(msg('Check Host'), t) };
}
