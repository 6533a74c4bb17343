// Packages Anole into a .vsix for the e2e tests and benches, with the repository's own vsce.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The Anole .vsix for tests and benches: anole.vsix (`npm run package`) when it is newer than the
 * dist/ bundles, else dist/ packaged now into `outDir` by the repository's own vsce.
 */
export function anoleVsix(repoRoot: string, outDir: string): string {
  const bundles = ['dist/extension.js', 'dist/server.js', 'dist/webview/profile.js'].map((f) => path.join(repoRoot, f));
  for (const b of bundles) if (!fs.existsSync(b)) throw new Error(`${b} is missing: run \`npm run build\` first`);
  const newest = Math.max(...bundles.map((b) => fs.statSync(b).mtimeMs));
  const packaged = path.join(repoRoot, 'anole.vsix');
  if (fs.existsSync(packaged) && fs.statSync(packaged).mtimeMs >= newest) return packaged;
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'anole.vsix');
  execFileSync(path.join(repoRoot, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--out', out],
    { cwd: repoRoot, stdio: 'pipe', timeout: 120_000 });
  return out;
}
