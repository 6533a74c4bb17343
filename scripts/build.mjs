// Bundles Anole's entry points into dist/ with esbuild (type-checking is `npm run typecheck`).
import * as esbuild from 'esbuild';
import { existsSync, chmodSync, readdirSync } from 'node:fs';

/** Node entry points: the CLI, the extension, the debug adapter and the language server. */
const nodeEntries = [
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/adapter/main.ts', out: 'adapter' },
  { in: 'src/server/main.ts', out: 'server' },
];
// A missing entry point is a broken checkout or a rename: fail instead of shipping without it.
const missing = nodeEntries.filter((e) => !existsSync(e.in)).map((e) => e.in);
if (missing.length > 0) {
  console.error(`build: entry point(s) missing: ${missing.join(', ')} (run from the repository root; update scripts/build.mjs after a rename)`);
  process.exit(1);
}

/** Webview scripts: every media/src/<name>.ts becomes dist/webview/<name>.js (browser, IIFE). */
const webviewEntries = existsSync('media/src')
  ? readdirSync('media/src')
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_'))
      .map((f) => ({ in: `media/src/${f}`, out: f.replace(/\.ts$/, '') }))
  : [];

const minify = process.argv.includes('--minify');

await Promise.all([
  esbuild.build({
    entryPoints: nodeEntries,
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    minify,
    // ssh2's native addons are optional speed-ups loaded in try/catch; keep them out of the bundle.
    external: ['vscode', 'cpu-features', '*.node'],
    logLevel: 'warning',
  }),
  webviewEntries.length > 0 &&
    esbuild.build({
      entryPoints: webviewEntries,
      outdir: 'dist/webview',
      bundle: true,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      sourcemap: true,
      minify,
      logLevel: 'warning',
    }),
]);
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
