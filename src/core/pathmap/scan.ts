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

/** What the walk needs read: a directory's entries, or a go.mod's module path. */
type ReadRequest = { readdir: string } | { module: string };
type ReadAnswer = fs.Dirent[] | string | undefined;

/**
 * The walk itself, independent of how files are read: breadth-first over the folders, collecting
 * `*.go` files and `go.mod` modules. It yields what it needs read and gets the answer back
 * (undefined for an unreadable directory or a go.mod without a module).
 */
function* walk(folders: readonly string[], opts: ScanOptions): Generator<ReadRequest, WorkspaceScan, ReadAnswer> {
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
    const entries = (yield { readdir: dir }) as fs.Dirent[] | undefined;
    if (!entries) continue;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth && !skip.has(e.name) && !e.name.startsWith('.')) queue.push({ dir: full, depth: depth + 1 });
      } else if (e.isFile()) {
        if (e.name === 'go.mod') {
          const mod = (yield { module: full }) as string | undefined;
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

/**
 * Walks the folders breadth-first and collects `*.go` files and `go.mod` modules. Symbolic links
 * are not followed; unreadable directories are skipped. Folders that do not exist yield nothing.
 * Synchronous: for processes with nothing else to serve meanwhile (the CLI, the language server's
 * start); an editor uses {@link scanWorkspaceAsync}.
 */
export function scanWorkspace(folders: readonly string[], opts: ScanOptions = {}): WorkspaceScan {
  const it = walk(folders, opts);
  let step = it.next();
  while (!step.done) {
    const req = step.value;
    step = it.next('readdir' in req ? readdirSync(req.readdir) : readModule(req.module));
  }
  return step.value;
}

/**
 * {@link scanWorkspace} with asynchronous reads: the event loop runs between directories, so an
 * extension host stays responsive during a large scan. `signal` stops it with its abort reason.
 */
export async function scanWorkspaceAsync(folders: readonly string[], opts: ScanOptions & { signal?: AbortSignal } = {}): Promise<WorkspaceScan> {
  const it = walk(folders, opts);
  let step = it.next();
  while (!step.done) {
    opts.signal?.throwIfAborted();
    const req = step.value;
    step = it.next('readdir' in req ? await readdirAsync(req.readdir) : await readModuleAsync(req.module));
  }
  return step.value;
}

function readdirSync(dir: string): fs.Dirent[] | undefined {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
}

async function readdirAsync(dir: string): Promise<fs.Dirent[] | undefined> {
  try {
    return await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
}

async function readModuleAsync(file: string): Promise<string | undefined> {
  try {
    return parseModulePath(await fs.promises.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function readModule(file: string): string | undefined {
  try {
    return parseModulePath(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
