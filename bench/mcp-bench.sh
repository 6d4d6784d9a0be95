#!/usr/bin/env bash
# Load-tests the protected MCP server with wrk: tools/call (the echo tool) with a valid
# bearer token, once with a JWT access token verified locally through the AS's JWKS and
# once with an opaque token verified by RFC 7662 introspection (cached after the first
# call). Every request is a stateless MCP 2026-07-28 request, so no session is involved;
# each one is authenticated, audience-checked, scope-checked, friction-checked (the echo
# tool is configured, with a target high enough never to block) and executed.
# Builds nothing. Usage: bench/mcp-bench.sh [path/to/mcpauth]
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (32), WORKERS (0 = one per core),
# MODES ("jwt introspection").
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
bin=${1:-${BUILD_DIR:-$here/../build}/bin/mcpauth}
duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
workers=${WORKERS:-0}
modes=${MODES:-jwt introspection}

[[ -x $bin ]] || { echo "mcpauth not found at $bin (pass its path or set BUILD_DIR)" >&2; exit 1; }
bench_need wrk curl python3

work=$(mktemp -d)
server=
cleanup() {
    [[ -n $server ]] && bench_stop "$server"
    rm -rf "$work"
}
trap cleanup EXIT

json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }

run_mode() {
    local mode=$1 format verification
    case $mode in
        jwt) format=jwt verification=jwt ;;
        introspection) format=opaque verification=introspection ;;
        *) echo "unknown mode $mode" >&2; exit 1 ;;
    esac
    local store="sqlite://$work/$mode.db"
    cat >"$work/$mode.json" <<EOF
{
  "workers": $workers,
  "authorization_server": {"default_token_format": "$format"},
  "resource_server": {
    "verification": "$verification",
    "friction": {"tools": {"echo": {"target_rate": 1.0}}}
  }
}
EOF
    "$bin" clients add --store "$store" --config "$work/$mode.json" --id bench-agent \
        --grant client_credentials --scope "tasks:read" --json >"$work/client.json"
    local secret
    secret=$(json "$work/client.json" "['client_secret']")

    rm -f "$work/ready.json"
    QT_NO_GLIB=1 "$bin" serve --store "$store" --config "$work/$mode.json" --as-port 0 \
        --rs-port 0 --ready-file "$work/ready.json" >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 200); do [[ -s $work/ready.json ]] && break; sleep 0.05; done
    [[ -s $work/ready.json ]] || { cat "$work/serve.log" >&2; exit 1; }
    local as mcp
    as=$(json "$work/ready.json" "['authorization_server']")
    mcp=$(json "$work/ready.json" "['mcp_resource']")

    curl -sf -u "bench-agent:$secret" -d grant_type=client_credentials -d scope=tasks:read \
        --data-urlencode "resource=$mcp" "$as/token" >"$work/token.json"
    local token
    token=$(json "$work/token.json" "['access_token']")

    cat >"$work/call.lua" <<EOF
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "echo"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",' ..
  '"arguments":{"text":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":' ..
  '"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
EOF
    # One call first: it must succeed, or the figures would measure refusals.
    local probe
    probe=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$mcp" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
        -H 'Mcp-Method: tools/call' -H 'Mcp-Name: echo' \
        -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}')
    [[ $probe == 200 ]] || { echo "probe call answered $probe" >&2; cat "$work/serve.log" >&2; exit 1; }

    wrk -t"$threads" -c"$connections" -d2s -s "$work/call.lua" "$mcp" >/dev/null # warm-up
    local out
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/call.lua" "$mcp")
    echo "$out"
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
    echo
    echo "RESULT mcp-tools-call-$mode: ${rps} req/s, p50 ${p50}, p99 ${p99}" \
         "(wrk -t$threads -c$connections -d$duration, workers=$workers)${errors:+ ERRORS: $errors}"
    echo

    bench_stop "$server"; server=
}

for mode in $modes; do
    run_mode "$mode"
done
