#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60), two at a time; logs in fuzz/logs/.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets a stable toolchain
# take its flags. Seeds come from fixtures/ (fuzz/seed.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
bash fuzz/seed.sh >/dev/null
mkdir -p fuzz/logs
run() {
  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$1" "fuzz/corpus/$1" -- \
    -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 > "fuzz/logs/$1.log" 2>&1 || true
  grep -E "^#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY|ERROR" "fuzz/logs/$1.log" | sed "s/^/$1: /"
  grep -E "^#[0-9]+ *DONE" "fuzz/logs/$1.log" | tail -1 | sed "s/^/$1: /"
}
targets=(task_front_matter boards config bench_formats scanner status_edit)
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" &
  [ $((i + 1)) -lt ${#targets[@]} ] && run "${targets[i + 1]}" &
  wait
done
found=$(find fuzz/artifacts -type f 2>/dev/null | wc -l)
if [ "$found" -gt 0 ]; then
  find fuzz/artifacts -type f
  echo "$found artifact(s): crashes, timeouts or OOMs to fix"
  exit 1
fi
echo "no crash, timeout or OOM artifacts"
