#!/usr/bin/env bash
# Builds the Grafana Pyroscope server the recorded Pyroscope answers (test/fixtures/pyroscope/) come
# from, outside the repo: a small wrapper module that blank-imports
# github.com/grafana/pyroscope/cmd/pyroscope at exactly v1.13.0, the newest 1.x whose module zip the
# Go module proxy serves (later 1.x zips are refused; so is every v2.x version). Pyroscope's own
# go.mod replaces are repeated here (a dependency's replaces do not apply), and its api/ sub-module at
# the same tag is not on the proxy: it is taken from a git repository of grafana/pyroscope
# (ANOLE_PYROSCOPE_GIT, else a sparse clone of api/ from GitHub).
# The binary is cached; a run that finds it does nothing. Not part of `npm test`.
#
#   ANOLE_PYROSCOPE_HOME   where the wrapper module, logs and binary go (default ~/.cache/anole-pyroscope)
#   ANOLE_PYROSCOPE_GIT    a git directory of grafana/pyroscope that has the tag (default: clone api/ from GitHub)
#
# It prints the binary's path on its last line; scripts/record-pyroscope.ts finds it at the same place.
set -euo pipefail

PYROSCOPE_VERSION=v1.13.0
PYROSCOPE_HOME="${ANOLE_PYROSCOPE_HOME:-$HOME/.cache/anole-pyroscope}"
BIN="$PYROSCOPE_HOME/pyroscope-$PYROSCOPE_VERSION"
WRAP="$PYROSCOPE_HOME/wrapper-$PYROSCOPE_VERSION"
LOG="$PYROSCOPE_HOME/build-$PYROSCOPE_VERSION.log"
t0=$SECONDS

SETUP_TAG=setup-pyroscope
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || die "go is not installed (Pyroscope $PYROSCOPE_VERSION needs Go 1.23 or newer)"
command -v git >/dev/null || die "git is not installed (the api/ sub-module comes from a git checkout)"
mkdir -p "$WRAP"
cd "$WRAP"
say "building Pyroscope $PYROSCOPE_VERSION in $WRAP (log: $LOG)"
{
  if [ ! -f api/go.mod ]; then
    rm -rf api.tmp && mkdir api.tmp
    if [ -n "${ANOLE_PYROSCOPE_GIT:-}" ]; then
      git -C "$ANOLE_PYROSCOPE_GIT" archive "$PYROSCOPE_VERSION" api | tar -x -C api.tmp
    else
      git clone --quiet --depth 1 --branch "$PYROSCOPE_VERSION" --filter=blob:none --sparse https://github.com/grafana/pyroscope api.tmp/src
      git -C api.tmp/src sparse-checkout set api
      mv api.tmp/src/api api.tmp/api
    fi
    mv api.tmp/api api && rm -rf api.tmp
  fi
  [ -f go.mod ] || go mod init anole.local/pyroscopebuild
  cat > tools.go <<'GO'
//go:build tools

// The Pyroscope server, built at the version go.mod pins.
package tools

import _ "github.com/grafana/pyroscope/cmd/pyroscope"
GO
  go mod edit -go=1.23.0 -require="github.com/grafana/pyroscope@$PYROSCOPE_VERSION" \
    -replace=github.com/grafana/pyroscope/api=./api \
    -replace=github.com/hashicorp/memberlist=github.com/grafana/memberlist@v0.3.1-0.20220708130638-bd88e10a3d91 \
    -replace=gopkg.in/yaml.v3=github.com/colega/go-yaml-yaml@v0.0.0-20220720105220-255a8d16d094
  GOFLAGS=-mod=mod go mod tidy
  GOFLAGS=-mod=mod go build -o "$BIN.tmp" github.com/grafana/pyroscope/cmd/pyroscope
} >"$LOG" 2>&1 || {
  tail -n 40 "$LOG" >&2
  rm -f "$BIN.tmp"
  die "building Pyroscope $PYROSCOPE_VERSION failed (full log: $LOG)"
}
mv "$BIN.tmp" "$BIN"
say "built Pyroscope $PYROSCOPE_VERSION in $((SECONDS - t0)) s"
echo "$BIN"
