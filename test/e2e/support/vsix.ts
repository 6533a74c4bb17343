// Packages extensions into .vsix files: a fixture folder with vsce fetched by `npx --yes`, or Anole itself.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** vsce 3.x still runs on Node 20 (4.x wants Node 22); pinned so runs are reproducible. */
export const VSCE_PACKAGE = '@vscode/vsce@3.9.2';

/**
 * Copies `extensionDir` to a temporary dir, runs `vsce package` there (so no npx or vsce state
 * lands in the repo) and returns the path of the .vsix, written into `outDir`. The first call on
 * a machine downloads vsce from npm (~20 s); later calls hit npx's cache (~2 s).
 */
export async function packageVsix(extensionDir: string, outDir: string): Promise<string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as {
    name: string; version: string;
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'anole-e2e-vsce-'));
  try {
    const src = path.join(work, 'ext');
    fs.cpSync(extensionDir, src, { recursive: true });
    fs.mkdirSync(outDir, { recursive: true });
    const out = path.join(outDir, `${manifest.name}-${manifest.version}.vsix`);
    await new Promise<void>((resolve, reject) => {
      execFile('npx', ['--yes', VSCE_PACKAGE, 'package', '--no-dependencies', '--allow-missing-repository',
        '--skip-license', '--out', out], { cwd: src, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => err
        ? reject(new Error(`vsce package failed in ${src}: ${err.message}\n${stdout}${stderr}`))
        : resolve());
    });
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

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
