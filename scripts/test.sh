#!/usr/bin/env bash
# Sets up a fresh machine and runs every test tier: type-check, build, unit, integration.
# Any tier that fails, or cannot run, fails the whole run and says why.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "test: setup failed (see above); no tier could run"; exit 1; }

stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
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

passed=0; fails=0; skipped=0
while read -r _ p f s; do passed=$((passed + p)); fails=$((fails + f)); skipped=$((skipped + s)); done < "$stats"
for want in unit integration e2e; do
  grep -q "^$want " "$stats" || { echo "test: the $want tier reported no results"; failed+=("$want(no results)"); }
done
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "test: FAILED tiers: ${failed[*]}"
  echo "total: $passed passed, $((fails > 0 ? fails : 1)) failed, $skipped skipped"
  exit 1
fi
echo "total: $passed passed, $fails failed, $skipped skipped"
