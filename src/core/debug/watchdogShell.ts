// Shell text shared by the debugger watchdogs (constant text, never built from values).

/**
 * POSIX sh lines: wait up to $grace seconds for $child to exit after it was asked to detach, then
 * SIGKILL it (a killed tracer makes the kernel detach, and the target runs on).
 */
export const KILL_AFTER_GRACE = `n=0
  while kill -0 "$child" 2>/dev/null; do
    n=$((n + 1))
    if [ "$n" -gt $((grace * 10)) ]; then kill -KILL "$child" 2>/dev/null; break; fi
    sleep 0.1
  done`;

/**
 * POSIX sh lines that remove our leftover dirs matching `glob` (a constant shell word, e.g.
 * `"$base"/anole-dlv.*`) whose watchdog, recorded in `watchdog.pid`, is dead or a zombie: it was
 * killed with its connection before it could clean up. `onDead` (constant shell text, `$o` the dir)
 * runs first, e.g. to kill what the watchdog left behind.
 */
export function sweepDeadWatchdogDirs(glob: string, onDead = ''): string {
  return `for o in ${glob}; do
  [ -d "$o" ] && [ -O "$o" ] || continue
  p=$(cat "$o/watchdog.pid" 2>/dev/null)
  [ -n "$p" ] || continue
  st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
  if [ -z "$st" ] || [ "$st" = Z ]; then ${onDead ? `${onDead}; ` : ''}rm -rf "$o"; fi
done`;
}
