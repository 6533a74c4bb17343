// Finds the `func` line of a Go function in source text (when the profile records no start line).

/** The identifier a Go symbol is declared with: "main.(*T).run" → "run", "pkg.F.func1" → "F", "a/b.G[...]" → "G". */
export function declaredName(symbol: string): string {
  let s = symbol.replace(/\[.*\]/g, '');
  s = s.slice(s.lastIndexOf('/') + 1);
  const parts = s.split('.').filter((p) => p !== '');
  // Drop the package, closure and inlining suffixes (func1, func1.2, gowrap1, deferwrap1).
  const named = parts.slice(1).filter((p) => !/^(func|gowrap|deferwrap)\d+$/.test(p) && !/^\d+$/.test(p));
  const last = named[named.length - 1] ?? parts[parts.length - 1] ?? '';
  return last.replace(/^\(\*?|\)$/g, '');
}

/**
 * The 1-based line of the `func` declaring `symbol` at or above `nearLine` (searching upward, then
 * anywhere in the file), or 0 if none is found.
 */
export function findFuncLine(text: string, symbol: string, nearLine: number): number {
  const name = declaredName(symbol);
  if (!name) return 0;
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^func\\s*(\\([^)]*\\)\\s*)?${esc}\\s*[[(]`);
  const lines = text.split('\n');
  const start = Math.min(Math.max(nearLine, 1), lines.length);
  for (let i = start - 1; i >= 0; i--) if (re.test(lines[i])) return i + 1;
  for (let i = start; i < lines.length; i++) if (re.test(lines[i])) return i + 1;
  return 0;
}
