#!/usr/bin/env bash
# Sets up a fresh machine, builds Anole and runs the demo (see scripts/demo.ts). Extra args go to it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec npx tsx scripts/demo.ts "$@"
