#!/usr/bin/env bash
# Load-tests Http::Server (bench_http_server's GET /json) with wrk and, as the machine's
# limit, bench_limit_responder (a fixed answer over epoll, no Qt) when it was built next to
# it. The two run alternately, ROUNDS times each, so both see the same machine state.
# Builds nothing. Usage: bench/http-bench.sh [path/to/bench_http_server]
# Environment: PORT (default 18080; the limit uses PORT+1), WORKERS (default 0 = one per
# core), LIMIT_THREADS (1: one epoll thread is the limit's best configuration on two cores
# shared with wrk), DURATION (10s), THREADS (2),
# CONNECTIONS (32), ROUNDS (3), PIN=1 to run the server on the last core and wrk on the
# others (taskset), which removes the server/wrk contention from the tail.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
bin=${1:-${BUILD_DIR:-$here/../build}/bench/bench_http_server}
limit=$(dirname "$bin")/bench_limit_responder
port=${PORT:-18080}
workers=${WORKERS:-0}
duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
rounds=${ROUNDS:-3}

if [[ ! -x $bin ]]; then
    echo "bench_http_server not found at $bin (pass its path or set BUILD_DIR)" >&2
    exit 1
fi
bench_need wrk

server_cpus=() client_cpus=()
if [[ ${PIN:-0} == 1 ]]; then
    last=$(($(nproc) - 1))
    ((last > 0)) || { echo "PIN=1 needs at least two cores" >&2; exit 1; }
    server_cpus=(taskset -c "$last")
    client_cpus=(taskset -c "0-$((last - 1))")
fi

script=$(mktemp --suffix=.lua)
server=""
cleanup() {
    [[ -n $server ]] && bench_stop "$server"
    rm -f "$script"
}
trap cleanup EXIT
bench_done_lua >"$script"

# run NAME PORT COMMAND...: starts COMMAND, warms up, measures, stops it; prints RESULT.
run() {
    local name=$1 p=$2
    shift 2
    "${server_cpus[@]}" "$@" >/dev/null &
    server=$!
    bench_wait_port "$p" "$server"
    local url="http://127.0.0.1:$p/json"
    "${client_cpus[@]}" wrk -t"$threads" -c"$connections" -d2s "$url" >/dev/null # warm-up
    local out
    out=$("${client_cpus[@]}" wrk -t"$threads" -c"$connections" -d"$duration" -s "$script" "$url")
    bench_stop "$server"
    server=""
    local rps errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
    echo "RESULT $name: ${rps} req/s, $(sed -n 's/^LATENCY //p' <<<"$out")${errors:+ ERRORS: $errors}"
}

echo "wrk -t$threads -c$connections -d$duration, workers=$workers, rounds=$rounds${PIN:+, PIN=$PIN}," \
    "load average $(bench_loadavg)"
limit_threads=${LIMIT_THREADS:-1}
for _ in $(seq "$rounds"); do
    run http-server "$port" env QT_NO_GLIB=1 "$bin" "$port" "$workers"
    if [[ -x $limit ]]; then
        run limit "$((port + 1))" "$limit" "$((port + 1))" "$limit_threads"
    fi
done
[[ -x $limit ]] || echo "(no bench_limit_responder next to $bin: the machine's limit was not measured)"
