#!/usr/bin/env bash
# Builds a Grafana Pyroscope server the recorded Pyroscope answers (test/fixtures/pyroscope/) come
# from, outside the repo. Not part of `npm test`. The binary is cached; a run that finds it does nothing.
#
#   bash scripts/setup-pyroscope.sh [v1.13.0|v1.19.3]      (default v1.13.0)
#
# v1.13.0 is the newest release whose module zip the Go module proxy serves (later 1.x zips and every
# v2.x version are refused): a small wrapper module blank-imports github.com/grafana/pyroscope/cmd/pyroscope
# at exactly v1.13.0 and repeats Pyroscope's own go.mod replaces (a dependency's replaces do not
# apply); only its api/ sub-module, not on the proxy at that version, comes from the git tag.
# v1.19.3, the newest 1.x: the proxy refuses its zip but serves every module it needs, so its source
# comes from the git tag and is built as the main module with the proxy for everything else.
# The git tag comes from ANOLE_PYROSCOPE_GIT (a git directory of grafana/pyroscope that has it),
# else from a shallow clone of https://github.com/grafana/pyroscope.
#
#   ANOLE_PYROSCOPE_HOME   where sources, logs and binaries go (default ~/.cache/anole-pyroscope)
#
# It prints the binary's path on its last line; scripts/record-pyroscope.ts finds it at the same place.
set -euo pipefail

PYROSCOPE_VERSION="${1:-v1.13.0}"
PYROSCOPE_HOME="${ANOLE_PYROSCOPE_HOME:-$HOME/.cache/anole-pyroscope}"
BIN="$PYROSCOPE_HOME/pyroscope-$PYROSCOPE_VERSION"
WORK="$PYROSCOPE_HOME/src-$PYROSCOPE_VERSION"
LOG="$PYROSCOPE_HOME/build-$PYROSCOPE_VERSION.log"
t0=$SECONDS

SETUP_TAG=setup-pyroscope
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "$PYROSCOPE_VERSION" in
  v1.13.0 | v1.19.3) ;;
  *) die "unknown Pyroscope version '$PYROSCOPE_VERSION': give v1.13.0 or v1.19.3 (the versions recorded)" ;;
esac
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || die "go is not installed (Pyroscope $PYROSCOPE_VERSION needs Go 1.24 or newer)"
command -v git >/dev/null || die "git is not installed (Pyroscope's source at the tag comes from git)"

# from_tag DIR PATH...: the files under PATH... at the tag, written into DIR.
from_tag() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  if [ -n "${ANOLE_PYROSCOPE_GIT:-}" ]; then
    # Blob by blob: a mirror may lack large test data, which the build does not need.
    git -C "$ANOLE_PYROSCOPE_GIT" ls-tree -r "$PYROSCOPE_VERSION" -- "$@" | while read -r _ type sha path; do
      [ "$type" = blob ] || continue
      mkdir -p "$dir/$(dirname "$path")"
      git -C "$ANOLE_PYROSCOPE_GIT" cat-file blob "$sha" >"$dir/$path" 2>/dev/null || { rm -f "$dir/$path"; echo "not in the git directory: $path"; }
    done
  else
    git clone --quiet --depth 1 --branch "$PYROSCOPE_VERSION" --filter=blob:none --sparse https://github.com/grafana/pyroscope "$dir.clone"
    git -C "$dir.clone" sparse-checkout set "$@"
    for p in "$@"; do mv "$dir.clone/$p" "$dir/$p"; done
    rm -rf "$dir.clone"
  fi
}

mkdir -p "$WORK"
cd "$WORK"
say "building Pyroscope $PYROSCOPE_VERSION in $WORK (log: $LOG)"
{
  if [ "$PYROSCOPE_VERSION" = v1.13.0 ]; then
    [ -f api/go.mod ] || { rm -rf api.tmp && from_tag api.tmp api && mv api.tmp/api api && rm -rf api.tmp; }
    [ -f go.mod ] || go mod init anole.local/pyroscopebuild
    cat >tools.go <<'GO'
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
  else
    [ -f go.mod ] || { rm -rf tree.tmp && from_tag tree.tmp go.mod go.sum cmd pkg api public lidia && mv tree.tmp/* . && rm -rf tree.tmp; }
    GOWORK=off GOFLAGS=-mod=mod go build -o "$BIN.tmp" ./cmd/pyroscope
  fi
} >"$LOG" 2>&1 || {
  tail -n 40 "$LOG" >&2
  rm -f "$BIN.tmp"
  die "building Pyroscope $PYROSCOPE_VERSION failed (full log: $LOG)"
}
mv "$BIN.tmp" "$BIN"
say "built Pyroscope $PYROSCOPE_VERSION in $((SECONDS - t0)) s"
echo "$BIN"
