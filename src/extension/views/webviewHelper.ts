// The one audited way Anole creates webview content: strict CSP with a per-page crypto nonce,
// resources only from media/ and dist/webview/, and typed, validated messages in both directions.
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { Disposable } from '../dispose';
import { makeNonce, renderHtml } from '../../core/webview/csp';
import { parseWebviewMessage, type HostToWebview, type WebviewToHost } from '../../core/webview/messages';

/** Folders a webview may load from, relative to the extension root. */
export const WEBVIEW_RESOURCE_DIRS = ['media', 'dist/webview'] as const;

/** Webview options for Anole's pages (scripts on, resources limited to our folders). */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: WEBVIEW_RESOURCE_DIRS.map((d) => vscode.Uri.joinPath(extensionUri, ...d.split('/'))),
  };
}

/** Panel options: the above, and no retained context (the page restores itself from state). */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { ...webviewOptions(extensionUri), retainContextWhenHidden: false, enableFindWidget: false };
}

/** A configured webview with typed messaging. Dispose it with its panel. */
export class TypedWebview extends Disposable {
  constructor(
    readonly webview: vscode.Webview,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  /** Sends a message; resolves false when the page is gone or not listening. */
  post(message: HostToWebview): Thenable<boolean> {
    return this.webview.postMessage(message);
  }

  /** Calls `handler` with each valid message from the page; invalid ones are logged and dropped. */
  onMessage(handler: (message: WebviewToHost) => void | Promise<void>): vscode.Disposable {
    const sub = this.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = parseWebviewMessage(raw);
      if (!msg) {
        this.log.warn(`webview: dropped an invalid message: ${safePreview(raw)}`);
        return;
      }
      Promise.resolve()
        .then(() => handler(msg))
        .catch((err: unknown) => this.log.error(`webview: handling '${msg.type}' failed: ${errorMessage(err)}`));
    });
    return this._register(sub);
  }
}

/**
 * Sets options and HTML on `webview` for the page `entry` (dist/webview/<entry>.js with
 * media/<entry>.css) and returns it wrapped for typed messaging.
 */
export function setupWebview(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  entry: string,
  title: string,
  log: vscode.LogOutputChannel,
): TypedWebview {
  if (!/^[a-zA-Z][\w-]*$/.test(entry)) throw new Error(`invalid webview entry: ${entry}`);
  webview.options = webviewOptions(extensionUri);
  const asUri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  webview.html = renderHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    title,
    styles: [asUri('media', `${entry}.css`)],
    scripts: [asUri('dist', 'webview', `${entry}.js`)],
  });
  return new TypedWebview(webview, log);
}

/** Creates a panel showing page `entry`; the TypedWebview is disposed with the panel. */
export function createWebviewPanel(
  extensionUri: vscode.Uri,
  viewType: string,
  title: string,
  entry: string,
  log: vscode.LogOutputChannel,
  column: vscode.ViewColumn = vscode.ViewColumn.Active,
): { panel: vscode.WebviewPanel; view: TypedWebview } {
  const panel = vscode.window.createWebviewPanel(viewType, title, column, panelOptions(extensionUri));
  const view = setupWebview(panel.webview, extensionUri, entry, title, log);
  panel.onDidDispose(() => view.dispose());
  return { panel, view };
}

function safePreview(raw: unknown): string {
  try {
    return JSON.stringify(raw).slice(0, 200);
  } catch {
    return typeof raw;
  }
}
