// Labels for the debugger's goroutine groups view (pure: no vscode, tested under plain mocha).
import { innermostUserFrame, type GoroutineGroup } from '../core/goroutines';

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
