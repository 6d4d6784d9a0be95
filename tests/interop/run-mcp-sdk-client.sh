#!/usr/bin/env bash
# Runs a real third-party MCP client — the official MCP TypeScript SDK, in
# mcp-sdk-client.mjs — against `mcpauth serve`: the whole OAuth flow through the SDK's own
# auth() (discovery from the 401, metadata, DCR, PKCE through our login and consent forms,
# code exchange, refresh), then tools and a friction block after a burst of delete_task calls.
#
#   tests/interop/run-mcp-sdk-client.sh /path/to/mcpauth [sqlite|postgresql]
#
# Starts mcpauth on ephemeral loopback ports with a fresh store (a SQLite file, or a
# throwaway PostgreSQL 15 cluster on loopback), a user added with `mcpauth users add` (random
# password, handed to the client in its environment) and a config that gives delete_task a
# low friction target rate. Exits non-zero when any step fails.
# Set MCPAUTH_INTEROP_KEEP=1 to keep the work folder (store, server log). Shared shell: lib.sh.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_begin "$@"

# No auto-approve: the client logs in and consents like a user. delete_task may take 2% of
# the calls: with the default controller, the burst of create/delete pairs reaches the block
# threshold after about 20 deletes (calls in the "high" band carry a justification).
interop_write_config '"resource_server": {"friction": {"tools": {"delete_task": {"target_rate": 0.02}}}}'

interop_open_store
username=interop-user
password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
printf '%s\n' "$password" | "$mcpauth" users add "$username" --store "$store" \
    --display-name "Interop test user" >"$work/users-add.log" 2>&1 ||
    { cat "$work/users-add.log" >&2; interop_die "mcpauth users add failed"; }
interop_serve "$work/config.json"

issuer="$(interop_field issuer)"
resource="$(interop_field mcp_resource)"
echo "$interop_name: ready: issuer $issuer, MCP resource ${resource:-(none)}"
if [ -z "$issuer" ] || [ -z "$resource" ]; then
    interop_die "the ready file lacks issuer or mcp_resource: $(cat "$work/ready.json")"
fi
MCPAUTH_INTEROP_PASSWORD="$password" interop_drive "$node_bin" "$here/mcp-sdk-client.mjs" \
    --mcp "$resource" --issuer "$issuer" --username "$username" --require-friction-meta
