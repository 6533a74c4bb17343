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
