# Sourced by bench/watch.sh and bench/soak.sh: starts `qgate watch` in the current directory
# with its events in $work/events.jsonl; sets $pid and $addr once the first evaluation is done.
"$bin" watch --http 127.0.0.1:0 --events "$work/events.jsonl" 2>"$work/watch.err" &
pid=$!
for _ in $(seq 600); do grep -q watching "$work/watch.err" 2>/dev/null && break; sleep 0.1; done
grep -q watching "$work/watch.err" || { cat "$work/watch.err"; exit 1; }
addr="$(grep -o 'http://[0-9.:]*' "$work/watch.err" | head -1 | sed 's|http://||')"
