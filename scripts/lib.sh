# Helpers the set-up scripts source: messages tagged with $SETUP_TAG, and one run at a time per lock.
# shellcheck shell=bash

say() { printf '[%s] %s\n' "$SETUP_TAG" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$SETUP_TAG" "$*" >&2; exit 1; }

# one_at_a_time LOCKFILE WHO: holds LOCKFILE (on fd 9) until the script exits; while WHO (another
# set-up) holds it, says so and waits.
one_at_a_time() {
  exec 9>"$1"
  if ! flock -n 9; then
    say "$2; waiting for it"
    flock 9
  fi
}
