// Pins the webview page's Content-Security-Policy, nonce and HTML skeleton (STYLE.md point 9).
import * as assert from 'node:assert/strict';
import { buildCsp, escapeHtml, makeNonce, renderHtml } from '../../src/core/webview/csp';

/** What VS Code ≥1.8x gives as `webview.cspSource` (webviewGenericCspSource), and a host that prepends the extension's origin. */
const SOURCE = `'self' https://*.vscode-cdn.net`;
const SOURCE_EXT = `https://file+.vscode-resource.vscode-cdn.net/ext/ 'self' https://*.vscode-cdn.net`;
const RES = 'https://file+.vscode-resource.vscode-cdn.net/ext';

function directives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [name, ...values] = part.split(/\s+/);
    assert.ok(!out.has(name), `duplicate directive ${name}`);
    out.set(name, values);
  }
  return out;
}

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'the page has a CSP meta tag');
  return m[1];
}

describe('webview CSP and HTML', () => {
  it('nonces are ≥128-bit base64 from a CSPRNG and differ per call', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = makeNonce();
      assert.match(n, /^[A-Za-z0-9+/]+={0,2}$/);
      assert.ok(Buffer.from(n, 'base64').length >= 16, `nonce ${n} has fewer than 128 bits`);
      assert.ok(!seen.has(n), 'nonce repeated');
      seen.add(n);
    }
  });

  it('the policy denies by default and allows scripts only by nonce', () => {
    const nonce = makeNonce();
    const d = directives(buildCsp(SOURCE, nonce));
    assert.deepEqual([...d.keys()], ['default-src', 'img-src', 'style-src', 'script-src', 'font-src']);
    assert.deepEqual(d.get('default-src'), [`'none'`]);
    assert.deepEqual(d.get('script-src'), [`'nonce-${nonce}'`]);
    assert.deepEqual(d.get('style-src'), [`'self'`, 'https://*.vscode-cdn.net']);
    assert.deepEqual(d.get('img-src'), [`'self'`, 'https://*.vscode-cdn.net', 'data:']);
    assert.deepEqual(d.get('font-src'), [`'self'`, 'https://*.vscode-cdn.net']);
    assert.deepEqual(directives(buildCsp(SOURCE_EXT, nonce)).get('style-src'), SOURCE_EXT.split(' '));
    assert.deepEqual(directives(buildCsp('file:', nonce)).get('style-src'), ['file:']);
    const all = [...d.values()].flat().join(' ');
    for (const bad of [`'unsafe-inline'`, `'unsafe-eval'`, `'strict-dynamic'`, '*', 'http:', 'https:']) {
      assert.ok(!all.split(' ').includes(bad), `policy must not contain ${bad}`);
    }
  });

  it('rejects a malformed nonce or resource origin instead of weakening the policy', () => {
    assert.throws(() => buildCsp(SOURCE, 'short'));
    assert.throws(() => buildCsp(SOURCE, `${makeNonce()}' 'unsafe-inline`));
    assert.throws(() => buildCsp(`${SOURCE}; script-src *`, makeNonce()));
    assert.throws(() => buildCsp(`'unsafe-inline'`, makeNonce()));
    assert.throws(() => buildCsp(`'self' 'unsafe-eval'`, makeNonce()));
    assert.throws(() => buildCsp(`'self' *`, makeNonce()));
    assert.throws(() => buildCsp('', makeNonce()));
    assert.throws(() => buildCsp(`https://a.example" onload="x`, makeNonce()));
  });

  it('the page carries the policy, and every script is external and carries the nonce', () => {
    const nonce = makeNonce();
    const html = renderHtml({
      cspSource: SOURCE, nonce, title: 'cpu <api-1> & "x"',
      scripts: [`${RES}/dist/webview/profile.js`], styles: [`${RES}/media/profile.css`],
    });
    assert.equal(cspOf(html), buildCsp(SOURCE, nonce));
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    for (const [, attrs, body] of scripts) {
      assert.ok(attrs.includes(`nonce="${nonce}"`), 'script without the nonce');
      assert.match(attrs, /\bsrc="/, 'inline script');
      assert.equal(body.trim(), '', 'inline script body');
    }
    assert.ok(!/\son[a-z]+=/i.test(html), 'inline event handler');
    assert.ok(!html.includes('javascript:'), 'javascript: URL');
    assert.ok(html.includes('<title>cpu &#60;api-1&#62; &#38; &#34;x&#34;</title>'), 'title is escaped');
    assert.ok(html.includes('<div id="app"></div>'));
  });

  it('two renders of a page use different nonces', () => {
    const opts = { cspSource: SOURCE, title: 't', scripts: ['a.js'], styles: [] };
    const a = cspOf(renderHtml({ ...opts, nonce: makeNonce() }));
    const b = cspOf(renderHtml({ ...opts, nonce: makeNonce() }));
    assert.notEqual(a, b);
  });

  it('escapeHtml covers the five HTML metacharacters', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});
