#!/usr/bin/env bash
# Sets up a fresh machine and runs every test tier: type-check, lint, build, unit, integration, e2e,
# and the backend tier (a real Parca server). Any tier that fails, or cannot run, fails the whole run
# and says why.
set -uo pipefail
cd "$(dirname "$0")/.."

stats=$(mktemp)
parca_log=$(mktemp)
parca_build=
stop_parca_build() {
  [ -n "$parca_build" ] && { pkill -TERM -P "$parca_build"; kill "$parca_build"; } 2>/dev/null
}
# An interrupted run also stops the Parca build (its `go` children first; the next run starts over).
trap 'stop_parca_build; rm -f "$stats" "$parca_log"' EXIT

# The backend tier needs a Parca server built from the Go module proxy (15-20 min the first time, then
# cached). It needs only Go, which a fresh machine has, so it starts first: its downloads overlap the
# set-up's, and it builds at the lowest CPU priority while the other tiers run, taking only the time
# they leave idle. The backend tier waits for it at the end, at most until PARCA_DEADLINE.
nice -n 19 bash scripts/setup-parca.sh >"$parca_log" 2>&1 &
parca_build=$!
# Seconds into the run after which the backend tier stops waiting for the build and fails, saying so
# (CI gives a fresh machine 90 minutes; a cold run takes about 40).
PARCA_DEADLINE=${ANOLE_PARCA_DEADLINE:-4500}

bash scripts/setup.sh || { echo "test: setup failed (see above); no tier could run"; exit 1; }
export ANOLE_STATS_FILE="$stats"
failed=()

tier() {
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  local t0=$SECONDS
  if ANOLE_TIER=$name "$@"; then
    printf '=== %s: ok (%ss) ===\n' "$name" $((SECONDS - t0))
  else
    printf '=== %s: FAILED (%ss) ===\n' "$name" $((SECONDS - t0))
    failed+=("$name")
  fi
}

tier typecheck npx tsc --noEmit -p .
tier lint npx eslint --max-warnings 0 .
tier build npm run --silent build
tier unit npx mocha --config .mocharc.json 'test/unit/**/*.test.ts'
tier integration npx mocha --config .mocharc.json --timeout 180000 'test/integration/**/*.test.ts'
tier e2e bash -c 'bash scripts/setup-e2e.sh && npx mocha --config .mocharc.json --timeout 300000 "test/e2e/**/*.test.ts"'

# The backend tier, once the Parca build started above is done (its output says what it did).
t0=$SECONDS
while kill -0 "$parca_build" 2>/dev/null && [ "$SECONDS" -lt "$PARCA_DEADLINE" ]; do sleep 5; done
parca_late=
if kill -0 "$parca_build" 2>/dev/null; then
  parca_late=1
  stop_parca_build
fi
wait "$parca_build"
parca_rc=$?
printf '\n=== Parca build (waited %ss for it) ===\n' $((SECONDS - t0))
cat "$parca_log"
if [ -n "$parca_late" ]; then
  echo "test: the backends tier cannot run: building Parca had not finished ${PARCA_DEADLINE}s into the run, so it was stopped (its log is above; ANOLE_PARCA_DEADLINE sets the limit)"
  failed+=("backends(Parca build too slow)")
  parca_rc=1
elif [ "$parca_rc" -eq 0 ]; then
  tier backends npx mocha --config .mocharc.json --timeout 300000 'test/backends/**/*.test.ts'
else
  echo "test: the backends tier cannot run: building Parca failed (see above)"
  failed+=("backends(Parca build)")
fi

passed=0; fails=0; skipped=0
while read -r _ p f s; do passed=$((passed + p)); fails=$((fails + f)); skipped=$((skipped + s)); done < "$stats"
wants=(unit integration e2e)
[ "$parca_rc" -eq 0 ] && wants+=(backends)
for want in "${wants[@]}"; do
  grep -q "^$want " "$stats" || { echo "test: the $want tier reported no results"; failed+=("$want(no results)"); }
done
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "test: FAILED tiers: ${failed[*]}"
  echo "total: $passed passed, $((fails > 0 ? fails : 1)) failed, $skipped skipped"
  exit 1
fi
echo "total: $passed passed, $fails failed, $skipped skipped"
