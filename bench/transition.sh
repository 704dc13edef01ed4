#!/usr/bin/env bash
# `qgate transition` and `qgate check` on a generated 10,000-task board.
# Target: transition under 50 ms wall. Needs hyperfine (apt-get install -y hyperfine).
# usage: bench/transition.sh [N]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
command -v hyperfine >/dev/null || { echo "hyperfine is required: apt-get install -y hyperfine" >&2; exit 2; }
cargo build --release --quiet
bin="$PWD/target/release/qgate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for fmt in promethean backlog; do
  python3 bench/gen_board.py "$work/$fmt" "$n" --format "$fmt"
  cd "$work/$fmt"
  echo "== $fmt board, $n tasks, $(git rev-list --count HEAD) commits"
  sleep 2.5                                           # files younger than 2 s are never cached
  "$bin" transition T-1 --to in_progress >/dev/null   # must be allowed (exit 0); fills the cache
  hyperfine --warmup 3 --runs 30 -N --export-markdown "$work/$fmt.md" \
    "$bin transition T-1 --to in_progress" \
    "$bin transition T-2 --to review" \
    "$bin check" \
    "$bin transition T-2 --to review --no-cache"
  cat "$work/$fmt.md"
  cd - >/dev/null
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
