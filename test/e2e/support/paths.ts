// Locates what scripts/setup-e2e.sh installed (Node 24, code-server, chromium) and the artifact dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Absolute paths of the e2e toolchain, as written by scripts/setup-e2e.sh into paths.json. */
export interface E2ePaths {
  /** Node 24 binary code-server runs on. */
  node: string;
  /** code-server's entry script (`out/node/entry.js`). */
  codeServer: string;
  /** The Chromium binary playwright-core drives. */
  chromium: string;
  codeServerVersion: string;
}

/** The repository root (this file is test/e2e/support/paths.ts). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Where screenshots and logs of e2e runs go (gitignored). */
export const artifactDir = path.join(repoRoot, 'test-artifacts', 'e2e');

/** The cache prefix of the e2e toolchain: $ANOLE_E2E_HOME or ~/.cache/anole-e2e. */
export function e2eHome(): string {
  return process.env.ANOLE_E2E_HOME || path.join(os.homedir(), '.cache', 'anole-e2e');
}

const SETUP_HINT = 'run `bash scripts/setup-e2e.sh` to install code-server, Node 24 and chromium';

/**
 * The installed toolchain. Throws (never returns a partial result) with a message telling to run
 * scripts/setup-e2e.sh when anything is missing, so an e2e test fails instead of skipping.
 */
export function requireE2ePaths(): E2ePaths {
  const file = path.join(e2eHome(), 'paths.json');
  let paths: E2ePaths;
  try {
    paths = JSON.parse(fs.readFileSync(file, 'utf8')) as E2ePaths;
  } catch {
    throw new Error(`e2e toolchain not installed (${file} is missing or unreadable): ${SETUP_HINT}`);
  }
  for (const key of ['node', 'codeServer', 'chromium'] as const) {
    if (!paths[key] || !fs.existsSync(paths[key])) {
      throw new Error(`e2e toolchain incomplete: ${key} (${paths[key]}) does not exist: ${SETUP_HINT}`);
    }
  }
  return paths;
}
