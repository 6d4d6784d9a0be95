#!/usr/bin/env bash
# Runs the official MCP conformance suite's authorization-server scenarios against the
# embedded authorization server of `mcpauth serve`.
#
#   tests/interop/run-as-conformance.sh /path/to/mcpauth [sqlite|postgresql]
#
# Starts mcpauth on ephemeral loopback ports with a fresh store (a SQLite file, or a
# throwaway PostgreSQL 15 cluster on loopback; MCPAUTH_PG_BINDIR overrides
# /usr/lib/postgresql/15/bin) and a config that auto-approves (no one logs in) and accepts
# client metadata documents on loopback http, waits for its ready file, runs the suite
# (as-conformance.mjs, on the pinned Node 22) and stops the server. Exits non-zero on any failed, warned or skipped check.
# Set MCPAUTH_INTEROP_KEEP=1 (or MCPAUTH_CONFORMANCE_KEEP=1) to keep the work folder (store,
# server log, checks.json). The shared shell is in lib.sh.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_begin "$@"

interop_write_config '"authorization_server": {"auto_approve": true, "allow_loopback_cimd": true}'

interop_open_store
interop_serve "$work/config.json"

issuer="$(interop_field issuer)"
resource="$(interop_field mcp_resource)"
echo "run-as-conformance.sh: ready: issuer $issuer, MCP resource ${resource:-(none)}"
if [ -z "$issuer" ]; then
    echo "run-as-conformance.sh: the ready file names no issuer: $(cat "$work/ready.json")" >&2
    exit 1
fi
resource_args=()
if [ -n "$resource" ]; then
    resource_args=(--resource "$resource")
fi
interop_drive "$node_bin" "$here/as-conformance.mjs" --issuer "$issuer" \
    --results "$work/results" "${resource_args[@]}"
