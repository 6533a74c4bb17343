// The audited webview page skeleton: nonce, Content-Security-Policy and HTML, without `vscode`.
import { randomBytes } from 'node:crypto';

/** A fresh 144-bit script nonce (base64, no padding), from the OS CSPRNG. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

const NONCE_RE = /^[A-Za-z0-9+/]{22,}={0,2}$/;

/**
 * The page's policy: nothing by default; images, styles and fonts only from the webview's own
 * resource origin (`cspSource`); scripts only with this page's nonce (no inline, no eval).
 */
export function buildCsp(cspSource: string, nonce: string): string {
  if (!NONCE_RE.test(nonce)) throw new Error('invalid CSP nonce');
  checkCspSource(cspSource);
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/**
 * `webview.cspSource` is one or more source expressions: `'self' https://*.vscode-cdn.net` in
 * current VS Code, preceded by the extension's resource origin for some hosts. Accept exactly
 * that shape: host/scheme sources and `'self'`, never a keyword that would weaken the policy.
 */
function checkCspSource(cspSource: string): void {
  const tokens = cspSource.trim().split(/\s+/);
  const ok = cspSource.trim() !== '' && tokens.every((t) => t === `'self'` || (/^[^;,'"]+$/.test(t) && t !== '*'));
  if (!ok) throw new Error(`invalid webview cspSource: ${cspSource}`);
}

/** Escapes text for an HTML attribute or text node. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What {@link renderHtml} puts in the page. */
export interface HtmlOptions {
  cspSource: string;
  nonce: string;
  title: string;
  /** Webview URIs (already converted with asWebviewUri) of scripts, loaded with the nonce. */
  scripts: string[];
  /** Webview URIs of style sheets. */
  styles: string[];
}

/**
 * The whole page: a CSP meta tag, linked styles and nonce'd external scripts, and one empty
 * `#app` element. No data is ever embedded; the page receives it by postMessage.
 */
export function renderHtml(o: HtmlOptions): string {
  const csp = buildCsp(o.cspSource, o.nonce);
  const styles = o.styles.map((s) => `<link rel="stylesheet" href="${escapeHtml(s)}">`).join('\n    ');
  const scripts = o.scripts.map((s) => `<script nonce="${o.nonce}" src="${escapeHtml(s)}"></script>`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeHtml(o.title)}</title>
  </head>
  <body>
    <div id="app"></div>
    ${scripts}
  </body>
</html>
`;
}
