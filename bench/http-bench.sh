#!/usr/bin/env bash
# Load-tests Http::Server with wrk against bench_http_server's GET /json.
# Builds nothing. Usage: bench/http-bench.sh [path/to/bench_http_server]
# Environment: PORT (default 18080), WORKERS (default 0 = one per core), DURATION (10s),
# THREADS (2), CONNECTIONS (32).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${BUILD_DIR:-$here/../build}/bench/bench_http_server}
port=${PORT:-18080}
workers=${WORKERS:-0}
duration=${DURATION:-10s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}

if [[ ! -x $bin ]]; then
    echo "bench_http_server not found at $bin (pass its path or set BUILD_DIR)" >&2
    exit 1
fi
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }

QT_NO_GLIB=1 "$bin" "$port" "$workers" >/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT

for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
done

url="http://127.0.0.1:$port/json"
wrk -t"$threads" -c"$connections" -d2s "$url" >/dev/null # warm-up
out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$url")
echo "$out"

rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
echo
echo "RESULT http-server: ${rps} req/s, p50 ${p50}, p99 ${p99}" \
     "(wrk -t$threads -c$connections -d$duration, workers=${workers})${errors:+ ERRORS: $errors}"
