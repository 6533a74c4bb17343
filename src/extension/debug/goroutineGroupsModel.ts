// Labels for the debugger's goroutine groups view (pure: no vscode, tested under plain mocha).
import { innermostUserFrame, type GoroutineGroup } from '../../core/goroutines';

/** "50 × chan receive", then where the group's own code waits: "main.leakyWorker · problems.go:78". */
export function describeGroup(g: Pick<GoroutineGroup, 'count' | 'state' | 'frames' | 'waitMinutes'>): { label: string; description: string } {
  const state = g.state || 'unknown state';
  const wait = g.waitMinutes !== null ? `, ${g.waitMinutes} min` : '';
  const at = innermostUserFrame(g.frames) ?? g.frames[0];
  const where = at ? `${at.function} · ${baseName(at.file)}:${at.line}` : '';
  return { label: `${g.count} × ${state}${wait}`, description: where };
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/**
 * Whether a group matches a filter: every whitespace-separated word (case-insensitive) must occur
 * in its state, or in one of its frames' "function file:line", or in its creator's; a word
 * starting with "-" must occur in none of them ("-runtime." hides groups with runtime frames).
 * An empty filter matches everything.
 */
export function matchesGroupFilter(g: Pick<GoroutineGroup, 'state' | 'frames' | 'createdBy'>, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const texts = [g.state, ...[...g.frames, ...(g.createdBy ? [g.createdBy] : [])].map((f) => `${f.function} ${f.file}:${f.line}`)]
    .map((t) => t.toLowerCase());
  return words.every((w) => (w.startsWith('-') && w.length > 1
    ? !texts.some((t) => t.includes(w.slice(1)))
    : texts.some((t) => t.includes(w))));
}
