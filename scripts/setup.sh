#!/usr/bin/env bash
# Installs everything Anole's demo and tests need on a fresh machine (Node 20, npm and Go given):
# OpenSSH server and client, gdb, Debian's old Go (golang-1.19-go), dlv, Go 1.21/1.22/1.23/1.25
# from the module proxy, and the npm packages.
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SETUP_TAG=setup
. scripts/lib.sh

command -v node >/dev/null || die "node is not installed (Node >= 20.19 is needed)"
command -v npm >/dev/null || die "npm is not installed"
command -v go >/dev/null || die "go is not installed (a current Go toolchain is needed)"

# One set-up at a time on this machine: apt-get and the dlv/toolchain installs of two runs started
# together (a demo and a test run, or two checkouts) would otherwise trip over each other.
mkdir -p "${XDG_CACHE_HOME:-$HOME/.cache}"
one_at_a_time "${XDG_CACHE_HOME:-$HOME/.cache}/anole-setup.lock" "another set-up is running on this machine"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: install openssh-server openssh-client gdb golang-1.19-go yourself"
  SUDO=(sudo)
fi

need_pkgs=()
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v ssh-keygen >/dev/null || need_pkgs+=(openssh-client)
command -v gdb >/dev/null || need_pkgs+=(gdb)
[ -x /usr/lib/go-1.19/bin/go ] || need_pkgs+=(golang-1.19-go)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found; install ${need_pkgs[*]} by hand"
  say "installing ${need_pkgs[*]} with apt-get"
  "${SUDO[@]}" apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# sshd refuses to start without its privilege-separation directory.
[ -d /run/sshd ] || "${SUDO[@]}" mkdir -p /run/sshd

GOBIN_DIR="$(go env GOPATH)/bin"
if ! command -v dlv >/dev/null && [ ! -x "$GOBIN_DIR/dlv" ]; then
  say "installing dlv with go install"
  go install github.com/go-delve/delve/cmd/dlv@latest
fi

# The trace tests build fixtures with released toolchains from the module proxy (~70 MB each,
# kept in the module cache); keep this list in step with TOOLCHAINS in test/host/goServices.ts.
MODCACHE="$(go env GOMODCACHE)"
for v in go1.21.13 go1.22.12 go1.23.12 go1.25.14; do
  [ -d "$MODCACHE/golang.org/toolchain@v0.0.1-$v.linux-$(go env GOHOSTARCH)" ] && continue
  say "downloading $v from the module proxy"
  GOTOOLCHAIN="$v" go version >/dev/null
done
# The reference trace reader's one dependency (golang.org/x/exp).
(cd test/traceref && GOFLAGS= go mod download)

# A worktree's node_modules may be a link to an install it shares with others: npm ci would empty
# that install under them, so a link is left alone.
if [ -L node_modules ]; then
  say "node_modules links to a shared install ($(readlink node_modules)); not reinstalling it"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund >/dev/null 2>&1 || npm ci --no-audit --no-fund
fi
say "ready"
