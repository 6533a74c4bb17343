#!/usr/bin/env bash
# Sets up, builds and runs every benchmark (bench/run.ts). Args filter benchmarks by name.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec npx tsx bench/run.ts "$@"
