# shellcheck shell=bash
# Shared shell of the benchmark scripts (http-bench.sh, mcp-bench.sh, compare-as.sh);
# sourced, not run. Needs bash with `set -euo pipefail` in the caller.
#
#   bench_need TOOL...            exits with a message when a tool is not installed
#   bench_wait_port PORT [PID]    waits up to 10 s for a listener on 127.0.0.1:PORT
#   bench_free_port               prints a free loopback TCP port
#   bench_stop PID                TERM, then KILL after 5 s; reaps it
#   bench_loadavg                 the 1, 5 and 15 minute load averages
#   bench_done_lua                the wrk done() hook: full-histogram percentiles
#   bench_parse_wrk OUTPUT        sets bench_rps, bench_p50, bench_p99 (ms, no unit),
#                                 bench_errors (non-2xx + socket errors + script checks)
#                                 and bench_error_text from one wrk run's output

bench_need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
    done
}

bench_wait_port() {
    local port=$1 pid=${2:-}
    for _ in $(seq 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            echo "the server for port $port exited" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "nothing listens on port $port" >&2
    exit 1
}

bench_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bench_stop() {
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

bench_loadavg() {
    cut -d' ' -f1-3 /proc/loadavg
}

# p50/p90/p99/p99.9 and max from wrk's full histogram (the --latency table has only four
# points), wrk's error counters, and whatever a workload script's report() adds.
bench_done_lua() {
    cat <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50 %.2fms p90 %.2fms p99 %.2fms p99.9 %.2fms max %.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000))
  local e = summary.errors
  io.write(string.format("WRKERRORS status %d connect %d read %d write %d timeout %d\n",
    e.status, e.connect, e.read, e.write, e.timeout))
  if type(report) == "function" then report() end
end
LUA
}

# shellcheck disable=SC2034 # the bench_* results are read by the caller
bench_parse_wrk() {
    local out=$1
    bench_rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    bench_p50=$(awk '$1 == "LATENCY" {sub(/ms$/, "", $3); print $3}' <<<"$out")
    bench_p99=$(awk '$1 == "LATENCY" {sub(/ms$/, "", $7); print $7}' <<<"$out")
    bench_error_text=$(awk '$1 == "WRKERRORS" || $1 == "CHECKS" {
            for (i = 2; i < NF; i += 2) if ($(i + 1) > 0) printf "%s %s ", $i, $(i + 1) }' <<<"$out")
    bench_errors=$(awk '$1 == "WRKERRORS" || $1 == "CHECKS" {
            for (i = 3; i <= NF; i += 2) n += $i } END {print n + 0}' <<<"$out")
}
