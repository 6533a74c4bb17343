#!/usr/bin/env bash
# Sets up a fresh machine, builds Anole and runs the demo (see scripts/demo.ts). Extra args go to it:
# none for VS Code (code-server) with Anole, `--cli` for the CLI run (`--cli --keep` keeps the host).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
case " $* " in
  *" --cli "*) ;;
  *) bash scripts/setup-e2e.sh ;;  # code-server and Node 24, as the e2e tier installs them
esac
npm run --silent build
exec npx tsx scripts/demo.ts "$@"
