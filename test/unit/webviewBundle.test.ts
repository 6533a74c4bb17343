// The webview scripts type-check against the DOM (the root tsconfig has no DOM lib, so they are
// checked here), bundle for the browser without Node modules, and embed no data or secrets.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { importedModules, tsFiles } from '../support/layering';

const root = path.resolve(__dirname, '../..');
const mediaSrc = path.join(root, 'media', 'src');
/** Modules the page may bundle: the shared, DOM- and Node-free webview core. */
const ALLOWED = new Set([
  'src/core/webview/messages.ts',
  'src/core/webview/flameLayout.ts',
  'src/core/webview/format.ts',
  'src/core/webview/strings.ts',
  'src/core/annotations/protocol.ts',
]);

describe('webview scripts', function () {
  this.timeout(60_000);

  it('import only the shared webview core (no vscode, no Node built-ins)', () => {
    const files = tsFiles(mediaSrc);
    assert.ok(files.length > 0, 'no webview sources found');
    const bad: string[] = [];
    for (const file of files) {
      for (const spec of importedModules(fs.readFileSync(file, 'utf8'))) {
        const target = spec.startsWith('.') ? path.relative(root, path.resolve(path.dirname(file), spec)) : spec;
        const ok = ALLOWED.has(`${target}.ts`) || ALLOWED.has(target) || target.startsWith('media/src/');
        if (!ok) bad.push(`${path.relative(root, file)} imports '${spec}'`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('type-check with the DOM library (media/src/tsconfig.json)', () => {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', path.join(mediaSrc, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`tsc found errors in the webview sources:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  });

  it('bundle for the browser as the build does, with no require() left', async () => {
    const entries = fs.readdirSync(mediaSrc).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_'));
    assert.ok(entries.includes('profile.ts'));
    const out = await esbuild.build({
      entryPoints: entries.map((f) => path.join(mediaSrc, f)),
      outdir: path.join(root, 'dist', 'webview-test'),
      bundle: true, platform: 'browser', target: 'es2022', format: 'iife', write: false, logLevel: 'silent',
    });
    assert.deepEqual(out.errors, []);
    for (const f of out.outputFiles) {
      assert.ok(!/\brequire\(/.test(f.text), `${path.basename(f.path)} still calls require()`);
      assert.ok(!/\.innerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/.test(f.text),
        `${path.basename(f.path)} builds HTML from strings or evaluates code`);
    }
  });
});
