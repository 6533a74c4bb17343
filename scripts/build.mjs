// Bundles Anole's entry points into dist/ with esbuild (type-checking is `npm run typecheck`).
import * as esbuild from 'esbuild';
import { existsSync, chmodSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Node entry points: the CLI, the extension, the debug adapter and the language server. */
const nodeEntries = [
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

/**
 * Our gdb scripts: media/gdb/*.py copied from the checkout to dist/gdb/, and the bundles find them
 * there through `__ANOLE_GDB_SCRIPT__` (src/core/debug/gdb/script.ts), the main one's path relative to dist/.
 */
const gdbScript = { from: 'media/gdb/anole_goroutines.py', to: 'gdb/anole_goroutines.py' };
const gdbScripts = readdirSync(dirname(gdbScript.from)).filter((f) => f.endsWith('.py'));

/**
 * The CLI starts fast by loading only what a command needs: every src/cli/commands/<name>.ts is its
 * own bundle, dist/cli-<name>.js, which dist/cli.js requires when that command runs (its
 * `import('./commands/<name>')` becomes `require('./cli-<name>.js')`).
 */
const cliCommands = existsSync('src/cli/commands')
  ? readdirSync('src/cli/commands').filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''))
  : [];
const cliEntries = cliCommands.map((c) => ({ in: `src/cli/commands/${c}.ts`, out: `cli-${c}` }));
/** @type {esbuild.Plugin} */
const lazyCliCommands = {
  name: 'lazy-cli-commands',
  setup(build) {
    build.onResolve({ filter: /^\.\/commands\/[A-Za-z]+$/ }, (args) =>
      args.importer.endsWith(join('src', 'cli', 'main.ts')) && args.kind === 'dynamic-import'
        ? { path: `./cli-${args.path.slice('./commands/'.length)}.js`, external: true }
        : undefined,
    );
  },
};

/** @type {esbuild.BuildOptions} */
const nodeOptions = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify,
  // ssh2's native addons are optional speed-ups loaded in try/catch; keep them out of the bundle.
  external: ['vscode', 'cpu-features', '*.node'],
  define: { __ANOLE_GDB_SCRIPT__: JSON.stringify(gdbScript.to) },
  logLevel: 'warning',
};

await Promise.all([
  esbuild.build({ ...nodeOptions, entryPoints: nodeEntries }),
  existsSync('src/cli/main.ts') &&
    esbuild.build({
      ...nodeOptions,
      entryPoints: [{ in: 'src/cli/main.ts', out: 'cli' }, ...cliEntries],
      plugins: [lazyCliCommands],
      // The commands' import() becomes require(): no ESM loader at start.
      supported: { 'dynamic-import': false },
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
mkdirSync(dirname(join('dist', gdbScript.to)), { recursive: true });
for (const f of gdbScripts) copyFileSync(join(dirname(gdbScript.from), f), join('dist', dirname(gdbScript.to), f));
