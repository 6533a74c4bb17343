// Bundles Anole's entry points into dist/ with esbuild (type-checking is `npm run typecheck`).
import * as esbuild from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

/** Entry points that exist so far; the extension, adapter and server join as they arrive. */
const entries = [
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/adapter/main.ts', out: 'adapter' },
  { in: 'src/server/main.ts', out: 'server' },
].filter((e) => existsSync(e.in));

await esbuild.build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  // ssh2's native addons are optional speed-ups loaded in try/catch; keep them out of the bundle.
  external: ['vscode', 'cpu-features', '*.node'],
  logLevel: 'warning',
});
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
