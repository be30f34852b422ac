#!/usr/bin/env bash
# Runs every fuzz target (or the TARGETs named) for SECONDS seconds (default 60) and fails
# as soon as one finds a crash (a panic, an abort, a timeout of 5 s on one input, or more
# than 2 GiB of memory).
#
#   fuzz/run-all.sh 30
#   fuzz/run-all.sh 300 disclosure commitments
#
# Builds the seed corpora from the recorded vectors first (fuzz/seeds), then the targets
# once, with cargo-fuzz on the stable toolchain (RUSTC_BOOTSTRAP=1, no sanitizer, debug
# assertions on). Corpora grow in fuzz/corpus/<target>; a crash leaves its input in
# fuzz/artifacts/<target>/ (reproduce with `cargo fuzz run <target> <file>` and the same
# flags). Prints executions, coverage (libFuzzer's `cov`, edges reached) and corpus size per
# target. Needs `cargo install cargo-fuzz`.
set -euo pipefail

seconds=${1:-60}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export RUSTC_BOOTSTRAP=1
flags=(--sanitizer none --debug-assertions)

cargo run --quiet --manifest-path seeds/Cargo.toml --target-dir target/seeds -- .. corpus
cargo fuzz build "${flags[@]}"

mkdir -p target/logs
summary=()
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
for target in "${targets[@]}"; do
    log=target/logs/$target.log
    echo "== $target: ${seconds}s"
    if ! cargo fuzz run "${flags[@]}" "$target" -- \
        -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "FAILED: $target (log: $here/$log, input in $here/artifacts/$target/)"
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
    units=$(find "corpus/$target" -type f | wc -l)
    summary+=("$(printf '%-22s %12s execs %8s cov %6s corpus' "$target" "$execs" "${cov:-0}" "$units")")
done
echo "== all targets ran ${seconds}s without a crash"
printf '%s\n' "${summary[@]}"
