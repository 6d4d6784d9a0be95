# shellcheck shell=bash disable=SC2034  # the variables are used by the sourcing scripts
# Shared by packaging/check-install-tree.sh and packaging/test-deb.sh (sourced, not run).

readonly SKIP=77
readonly APP_ID=studio.mcpauth.McpAuthStudio
SERVER_PID=""

# A command that stops a script through `set -e` names itself instead of ending the run
# silently.
set -E
trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" exited with $?" >&2' ERR

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() { echo "== $*"; }

# start_server MCPAUTH CONFIG WORK: runs `MCPAUTH serve --config CONFIG` on loopback with
# ephemeral ports, a store and an admin token under WORK, and waits (30 s at most) for its
# ready file. Sets SERVER_PID, AS, RS and ISSUER (URLs without a trailing slash).
start_server() {
    local mcpauth=$1 config=$2 work=$3
    HOME="$work/home" "$mcpauth" serve --config "$config" --store "sqlite://$work/store.db" \
        --as-port 0 --rs-port 0 --admin-token-file "$work/admin-token" \
        --ready-file "$work/ready.json" >"$work/serve.log" 2>&1 &
    SERVER_PID=$!
    local _
    for _ in $(seq 1 300); do
        [ -s "$work/ready.json" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || {
            cat "$work/serve.log"
            SERVER_PID=""
            fail "$mcpauth serve --config $config exited before it was ready"
        }
        sleep 0.1
    done
    [ -s "$work/ready.json" ] || {
        cat "$work/serve.log"
        fail "$mcpauth serve wrote no ready file within 30 s"
    }
    AS=$(ready_value authorization_server "$work/ready.json")
    RS=$(ready_value resource_server "$work/ready.json")
    ISSUER=$(ready_value issuer "$work/ready.json")
    [[ "$AS" == http://127.0.0.1:* ]] || fail "the authorization server is not on loopback: '$AS'"
}

ready_value() {
    local value
    value=$(grep -o "\"$1\":\"[^\"]*\"" "$2" | cut -d'"' -f4)
    echo "${value%/}"
}

# stop_server WORK: SIGTERM, which must end the server cleanly (exit status 0).
stop_server() {
    local status=0
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || status=$?
    SERVER_PID=""
    [ "$status" -eq 0 ] || {
        cat "$1/serve.log"
        fail "mcpauth serve exited with $status on SIGTERM"
    }
}

kill_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}

# check_health URL: GET URL/healthz answers 200 with "status":"ok".
check_health() {
    local body
    body=$(curl -fsS --max-time 10 "$1/healthz") || fail "GET $1/healthz failed"
    echo "$1/healthz: $body"
    grep -q '"status":"ok"' <<<"$body" || fail "$1/healthz is not ok"
}

# verify_unit FILE: systemd-analyze verify, where any complaint (an unknown setting is only
# a message) is a failure. Skipped, saying so, without systemd-analyze.
verify_unit() {
    if ! command -v systemd-analyze >/dev/null 2>&1; then
        echo "(systemd-analyze not installed: $1 not verified)"
        return 0
    fi
    local output
    output=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$1" 2>&1) ||
        fail "systemd-analyze verify $1: $output"
    # Without a running systemd it cannot reach /run/systemd; that is not about the unit.
    if grep -v -e 'Failed to .*/run/systemd' -e '^$' <<<"$output" | grep -q .; then
        fail "systemd-analyze verify $1 complains: $output"
    fi
}
