#!/usr/bin/env bash
# Runs every fuzz target (or the TARGETs named) for SECONDS seconds (default 60), JOBS at a
# time (default: the number of cores), and fails if one finds a crash (a panic, an abort, a
# timeout of 5 s on one input, or more than 2 GiB of memory).
#
#   fuzz/run-all.sh 30
#   fuzz/run-all.sh 300 disclosure commitments
#   JOBS=1 fuzz/run-all.sh 60
#
# Builds the seed corpora from the recorded vectors first (fuzz/seeds), then the targets
# once, with cargo-fuzz on the stable toolchain (RUSTC_BOOTSTRAP=1, no sanitizer, debug
# assertions on). Corpora grow in fuzz/corpus/<target>; a crash leaves its input in
# fuzz/artifacts/<target>/, and this script prints that path and the input in base64 (a CI
# log is then enough to reproduce it: `cargo fuzz run <target> <file>` with the same flags).
# Prints executions, coverage (libFuzzer's `cov`, edges reached) and corpus size per target.
# Needs `cargo install cargo-fuzz`.
set -euo pipefail

seconds=${1:-60}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
# The build flags, the same for `cargo fuzz build` and every `cargo fuzz run` (word-split).
export RUSTC_BOOTSTRAP=1 SECONDS_PER_TARGET=$seconds FUZZ_FLAGS="--sanitizer none --debug-assertions"

cargo run --quiet --manifest-path seeds/Cargo.toml --target-dir target/seeds -- .. corpus
cargo fuzz build $FUZZ_FLAGS

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
jobs=${JOBS:-$(nproc)}
rm -rf target/logs
mkdir -p target/logs

# One target: its log in target/logs/<target>.log, and <target>.failed when it crashed.
run_one() {
    local target=$1 log=target/logs/$1.log
    echo "== $target: ${SECONDS_PER_TARGET}s"
    if ! cargo fuzz run $FUZZ_FLAGS "$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1; then
        touch "target/logs/$target.failed"
    fi
}
export -f run_one
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$1"' _ {}

failed=0
summary=()
for target in "${targets[@]}"; do
    log=target/logs/$target.log
    if [ -e "target/logs/$target.failed" ]; then
        failed=1
        echo
        echo "==== CRASH in $target (log: $here/$log)"
        tail -n 40 "$log"
        for input in $(sed -n 's/.*Test unit written to //p' "$log"); do
            echo "crashing input: $input"
            echo "crashing input (base64): $(base64 -w0 "$input")"
        done
        summary+=("$(printf '%-22s CRASHED' "$target")")
        continue
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
    units=$(find "corpus/$target" -type f | wc -l)
    summary+=("$(printf '%-22s %12s execs %8s cov %6s corpus' "$target" "$execs" "${cov:-0}" "$units")")
done
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "FAILED: a fuzz target crashed (inputs above, under $here/artifacts/)"
    exit 1
fi
echo "== all ${#targets[@]} targets ran ${seconds}s each without a crash"
