#!/usr/bin/env bash
# Sets up, builds and runs every benchmark (bench/run.ts). Args filter benchmarks by name.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-e2e.sh   # code-server and chromium, for the VS Code bench
npm run --silent build
exec npx tsx bench/run.ts "$@"
