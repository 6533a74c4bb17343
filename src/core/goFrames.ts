// Classifies Go functions by package (runtime, sync, internal, standard library) from symbol names;
// shared by profile analysis, goroutine dumps and path mapping.

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

/**
 * First elements of the standard library's package paths (Go 1.26; "vendor" holds its vendored
 * code). A list, not "no dot in the first element": a module may be named "myservice".
 */
export const STDLIB_ROOTS: ReadonlySet<string> = new Set(
  (
    'archive bufio builtin bytes cmp compress container context crypto database debug embed encoding ' +
    'errors expvar flag fmt go hash html image index internal io iter log maps math mime net os path ' +
    'plugin reflect regexp runtime slices sort strconv strings structs sync syscall testing text time ' +
    'unicode unique unsafe vendor weak'
  ).split(' '),
);

/** True for a standard-library package ("net/http", "crypto/internal/x"; not "main", "github.com/x", "myservice/db"). */
export function isStdlibPackage(pkg: string): boolean {
  if (pkg === '' || pkg === 'main') return false;
  return STDLIB_ROOTS.has(pkg.split('/', 1)[0]);
}

/** True if the function is in the standard library ("net/http.(*conn).serve", "time.Sleep", "panic"). */
export function isStdlibFunction(funcName: string): boolean {
  return funcName === 'panic' || isStdlibPackage(goPackageOf(funcName));
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
