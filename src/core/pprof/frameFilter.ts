// Classifies Go frames by package (runtime, sync, internal, standard library) from symbol names.

/**
 * The package path of a Go symbol name, '' if there is none: "sync.(*Mutex).Unlock" → "sync",
 * "github.com/a/b.(*T).M" → "github.com/a/b", "internal/sync.(*Mutex).Lock" → "internal/sync".
 * Generic instantiations ("main.F[...]") are ignored, as are compiler-generated "type:" and
 * "go:" symbols (no package). Uses the same rule as Go's debug/gosym: the package ends at the
 * first dot after the last slash.
 */
export function goPackageOf(funcName: string): string {
  let name = funcName;
  const bracket = name.indexOf('[');
  if (bracket >= 0) name = name.slice(0, bracket);
  if (name.startsWith('type:') || name.startsWith('go:')) return '';
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash < 0 ? 0 : slash);
  return dot < 0 ? '' : name.slice(0, dot);
}

function isUnder(pkg: string, root: string): boolean {
  return pkg === root || pkg.startsWith(`${root}/`);
}

/** True for a standard-library package: its first path element has no dot ("net/http", not "github.com/x"). */
export function isStdlibPackage(pkg: string): boolean {
  if (pkg === '' || pkg === 'main') return false;
  const first = pkg.split('/', 1)[0];
  return !first.includes('.');
}

/** True for frames of the Go runtime: "runtime" and its sub-packages ("runtime/internal/atomic"). */
export function isRuntimeFrame(funcName: string): boolean {
  return isUnder(goPackageOf(funcName), 'runtime');
}

/** True for frames of "sync" and "sync/atomic". */
export function isSyncFrame(funcName: string): boolean {
  return isUnder(goPackageOf(funcName), 'sync');
}

/**
 * True for frames of internal standard-library packages: "internal/..." (e.g. internal/sync,
 * internal/poll) and "<std>/internal/..." (e.g. crypto/internal/...). A third-party module's
 * internal package ("github.com/x/y/internal/z") is user code and does not count.
 */
export function isInternalFrame(funcName: string): boolean {
  const pkg = goPackageOf(funcName);
  if (isUnder(pkg, 'internal')) return true;
  return isStdlibPackage(pkg) && pkg.includes('/internal/');
}

/**
 * True for frames of the machinery a user does not act on: runtime, sync (and sync/atomic) and
 * internal packages. Lock-site attribution skips these to reach the user's call.
 */
export function isSystemFrame(funcName: string): boolean {
  return isRuntimeFrame(funcName) || isSyncFrame(funcName) || isInternalFrame(funcName);
}
