#!/usr/bin/env bash
# Builds the Parca server the backend integration tests run on loopback, outside the repo, from the
# Go module proxy alone: a small wrapper module that blank-imports github.com/parca-dev/parca/cmd/parca
# at exactly v0.28.0 (the proxy refuses @latest, `go install …@v0.28.0` and version listings for it).
# The binary is cached; a run that finds it does nothing. The first build takes 15-20 min on 2 cores
# and downloads ~0.5 GB of modules. On failure it prints the log tail and exits non-zero.
#
#   ANOLE_PARCA_HOME   where the wrapper module, logs and binary go (default ~/.cache/anole-parca)
#
# It prints the binary's path on its last line; test/host/parca.ts finds it at the same place.
set -euo pipefail

PARCA_VERSION=v0.28.0
PARCA_HOME="${ANOLE_PARCA_HOME:-$HOME/.cache/anole-parca}"
BIN="$PARCA_HOME/parca-$PARCA_VERSION"
WRAP="$PARCA_HOME/wrapper-$PARCA_VERSION"
LOG="$PARCA_HOME/build-$PARCA_VERSION.log"
t0=$SECONDS

SETUP_TAG=setup-parca
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$PARCA_HOME"
# Two runs at once (a test run and `npm run test:backends`, or two checkouts) would build into the
# same wrapper module: the later one waits, then finds the binary.
one_at_a_time "$PARCA_HOME/.setup.lock" "another set-up is building Parca into $PARCA_HOME"
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || die "go is not installed (Parca $PARCA_VERSION needs a current Go toolchain)"
mkdir -p "$WRAP"
cd "$WRAP"
say "building Parca $PARCA_VERSION in $WRAP (first time: 15-20 min, ~0.5 GB of modules; log: $LOG)"
{
  [ -f go.mod ] || go mod init anole.local/parcabuild
  cat > tools.go <<'GO'
//go:build tools

// The Parca server, built at the version go.mod pins.
package tools

import _ "github.com/parca-dev/parca/cmd/parca"
GO
  GOFLAGS=-mod=mod go get "github.com/parca-dev/parca@$PARCA_VERSION"
  # No symbol table or DWARF: the tests never debug Parca, and the link step is shorter.
  GOFLAGS=-mod=mod go build -ldflags='-s -w' -o "$BIN.tmp" github.com/parca-dev/parca/cmd/parca
} >"$LOG" 2>&1 || {
  tail -n 40 "$LOG" >&2
  rm -f "$BIN.tmp"
  die "building Parca $PARCA_VERSION failed (full log: $LOG); the backend integration tests need it"
}
mv "$BIN.tmp" "$BIN"
say "built Parca $PARCA_VERSION in $((SECONDS - t0)) s"
echo "$BIN"
