// A bounded scan of workspace folders for Go files and go.mod modules (skips vendor, .git, node_modules).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A Go module found in the workspace: its module path and the directory holding go.mod. */
export interface GoModule {
  /** Module path from the `module` directive, e.g. "example.com/svc". */
  path: string;
  /** Absolute directory of the go.mod. */
  dir: string;
}

/** What a scan found. `truncated` is true when a bound stopped it early. */
export interface WorkspaceScan {
  goFiles: string[];
  modules: GoModule[];
  truncated: boolean;
}

/** Bounds of {@link scanWorkspace}. */
export interface ScanOptions {
  /** Stop after this many Go files (default 50000). */
  maxFiles?: number;
  /** Do not descend deeper than this below a folder (default 20). */
  maxDepth?: number;
  /** Directory names never entered (default: vendor, node_modules, testdata and dot-directories). */
  skipDirs?: readonly string[];
}

const DEFAULT_SKIP = ['vendor', 'node_modules', 'testdata'];

/** The module path declared by a go.mod text, or undefined if it has no `module` directive. */
export function parseModulePath(goMod: string): string | undefined {
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    const m = /^module\s+("?)([^"\s]+)\1$/.exec(line);
    if (m) return m[2];
  }
  return undefined;
}

/**
 * Walks the folders breadth-first and collects `*.go` files and `go.mod` modules. Symbolic links
 * are not followed; unreadable directories are skipped. Folders that do not exist yield nothing.
 */
export function scanWorkspace(folders: readonly string[], opts: ScanOptions = {}): WorkspaceScan {
  const maxFiles = opts.maxFiles ?? 50000;
  const maxDepth = opts.maxDepth ?? 20;
  const skip = new Set(opts.skipDirs ?? DEFAULT_SKIP);
  const out: WorkspaceScan = { goFiles: [], modules: [], truncated: false };
  const seen = new Set<string>();
  const queue: Array<{ dir: string; depth: number }> = folders.map((f) => ({ dir: path.resolve(f), depth: 0 }));
  while (queue.length > 0) {
    const { dir, depth } = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth && !skip.has(e.name) && !e.name.startsWith('.')) queue.push({ dir: full, depth: depth + 1 });
      } else if (e.isFile()) {
        if (e.name === 'go.mod') {
          const mod = readModule(full);
          if (mod) out.modules.push({ path: mod, dir });
        } else if (e.name.endsWith('.go')) {
          if (out.goFiles.length >= maxFiles) {
            out.truncated = true;
            return out;
          }
          out.goFiles.push(full);
        }
      }
    }
  }
  return out;
}

function readModule(file: string): string | undefined {
  try {
    return parseModulePath(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
