#!/usr/bin/env bash
# Watch-mode soak: random churn (saves, creates, deletes, renames, task moves, bursts) for
# SECONDS (default 600) against a generated repository; RSS at start and end, the final
# state compared with `qgate check`, and the events file replayed to find missed events.
# usage: bench/soak.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
cargo build --release --quiet
bin="$PWD/target/release/qgate"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
python3 bench/gen_board.py "$work/repo" 200 --format promethean >/dev/null
python3 bench/gen_sources.py "$work/repo" 2000
cd "$work/repo"
source "$OLDPWD/bench/start_watch.sh"
python3 "$OLDPWD/bench/soak.py" "$work/repo" "$addr" "$work/events.jsonl" "$bin" "$pid" "$secs"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
