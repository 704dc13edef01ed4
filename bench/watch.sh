#!/usr/bin/env bash
# Watch-mode latency: a generated 10,000-file repository (9,000 source files and a
# 1,000-task board); one file saved -> its event written and /api/status updated, p50/p95
# over 200 saves; then a 1,000-file burst whose final state must equal `qgate check`.
# Target: p95 under 25 ms.
# usage: bench/watch.sh [SAVES]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
saves="${1:-200}"
cargo build --release --quiet
bin="$PWD/target/release/qgate"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
python3 bench/gen_board.py "$work/repo" 1000 --format promethean >/dev/null
python3 bench/gen_sources.py "$work/repo" 9000
echo "== $(cd "$work/repo" && git ls-files --others --cached --exclude-standard | wc -l) files"
cd "$work/repo"
source "$OLDPWD/bench/start_watch.sh"
grep -m1 watching "$work/watch.err"
python3 "$OLDPWD/bench/watch_latency.py" "$work/repo" "$addr" "$work/events.jsonl" "$bin" "$saves"
echo "rss: $(ps -o rss= -p "$pid" | xargs) KiB"
curl -s "http://$addr/metrics" | grep -E '^qgate_watch_event_lag_seconds_(sum|count)'
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
