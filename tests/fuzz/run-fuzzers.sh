#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each on its seed corpus.
#   run-fuzzers.sh [SECONDS]        run each target for SECONDS (default 300)
#   run-fuzzers.sh --smoke          run each target for 60 s (CI)
#   FUZZ_JOBS=n                     targets run at once (default: the number of cores)
#   FUZZ_BUILD_DIR=dir              build folder (default: build-fuzz at the repo root)
#   FUZZ_TARGETS="fuzz_jws ..."     run only these
# Exits non-zero when a target crashes, leaks or times out; the reproducer is left in
# the work folder printed at the end.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SECONDS_EACH=300
if [ "${1:-}" = "--smoke" ]; then
    SECONDS_EACH=60
elif [ -n "${1:-}" ]; then
    SECONDS_EACH="$1"
fi
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
ALL_TARGETS="fuzz_http_request fuzz_form fuzz_json fuzz_jws fuzz_jwk fuzz_wwwauthenticate fuzz_clientmetadata"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMCPAUTH_BUILD_FUZZ=ON -DMCPAUTH_BUILD_GUI=OFF -DMCPAUTH_BUILD_TESTS=OFF \
    -DMCPAUTH_BUILD_BENCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD" --target $TARGETS

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcpauth-fuzz.XXXXXX")"
JOBS="${FUZZ_JOBS:-$(nproc)}"

# run_target NAME: one target on a copy of its seed corpus; the exit status is the verdict.
run_target() {
    local target=$1 corpus="$WORK/$1-corpus"
    mkdir -p "$corpus"
    if [ -d "$HERE/corpus/$target" ]; then
        cp -r "$HERE/corpus/$target/." "$corpus/"
    fi
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        QT_NO_GLIB=1 \
        "$BUILD/fuzz/$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$WORK/$target-" \
        "$corpus" >"$WORK/$target.log" 2>&1
}

declare -A pids=()
for target in $TARGETS; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        sleep 1
    done
    echo "== $target: ${SECONDS_EACH}s"
    run_target "$target" &
    pids[$target]=$!
done
failed=0
for target in $TARGETS; do
    if wait "${pids[$target]}"; then
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$WORK/$target.log" |
            sed "s/^/   $target /"
        echo "   $target: no crash"
    else
        failed=1
        echo "   $target: FAILED, log and reproducer in $WORK"
        tail -40 "$WORK/$target.log"
    fi
done
if [ "$failed" -ne 0 ]; then
    exit 1
fi
rm -rf "$WORK"
echo "all fuzz targets ran without a crash"
