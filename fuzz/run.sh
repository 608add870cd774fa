#!/usr/bin/env bash
# Coverage-guided fuzzing of every target in turn, MINUTES each (default 1),
# each seeded from the project's scenarios and captures. Prints executions
# and crashes per target; a crash's input is kept in fuzz/artifacts/TARGET/
# and the script exits 1.
#
#   fuzz/run.sh 10          # ten minutes per target
#   fuzz/run.sh 0.5 capture # thirty seconds of one target
#
# FUZZ_SEED=N fixes libFuzzer's random seed (CI's smoke run does).
set -euo pipefail
cd "$(dirname "$0")"
minutes=${1:-1}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario capture explain_packet)
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60); print (s < 1 ? 1 : s) }')

command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
if ! out=$(cargo +nightly fuzz build 2>&1); then
    echo "$out"
    exit 1
fi

# Seeds: every scenario, valid and invalid, for the loader; the committed
# captures (classic and pcapng) for the readers; packets for explain.
seed() {
    local target=$1
    mkdir -p "corpus/$target"
    case $target in
        scenario) cp ../scenarios/*.ron ../scenarios/invalid/*.ron "corpus/$target/" ;;
        capture) cp ../scenarios/captures/* seeds/capture/* "corpus/$target/" ;;
        explain_packet) cp seeds/explain_packet/* "corpus/$target/" ;;
    esac
}

# RON's words, taken from the scenarios, guide the loader's mutations.
dict=$(mktemp)
trap 'rm -f "$dict"' EXIT
grep -ohE '[A-Za-z_]{3,}(:|\()' ../scenarios/*.ron | sort -u | sed 's/.*/"&"/' > "$dict"

printf '%-16s %14s %12s %8s\n' target executions exec/s crashes
status=0
total=0
for t in "${targets[@]}"; do
    seed "$t"
    log=$(mktemp)
    extra=()
    [ "$t" = scenario ] && extra=(-dict="$dict")
    [ -n "${FUZZ_SEED:-}" ] && extra+=(-seed="$FUZZ_SEED")
    set +e
    cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -max_len=65536 \
        -timeout=10 -rss_limit_mb=4096 "${extra[@]}" > "$log" 2>&1
    code=$?
    set -e
    runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log" | tail -1)
    rate=$(awk '/stat::average_exec_per_sec:/ { print $2 }' "$log" | tail -1)
    # Only what this run found: earlier crashes live in tests/fuzz-crashes.
    crashes=$( (find "artifacts/$t" -type f -newer "$log" 2> /dev/null || true) | wc -l)
    printf '%-16s %14s %12s %8s\n' "$t" "${runs:-?}" "${rate:-?}" "$crashes"
    total=$((total + ${runs:-0}))
    if [ "$code" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        status=1
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5
    fi
    rm -f "$log"
done
printf '%-16s %14s\n' total "$total"
exit "$status"
