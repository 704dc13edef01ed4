#!/usr/bin/env bash
# Inputs that used to be quadratic or unbounded, at 10x the size that first showed it:
# 400k benchmarks (40k took 5.6 s), 1M-deep YAML in the config (100k took 21 s), 1M
# front-matter keys (100k took 8 s), and a 1.95 MB one-line JS file with ~10k findings
# (21.7 GB and 232 s before). Prints wall time and peak memory of each run.
# Needs: python3, /usr/bin/time (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
qgate="$PWD/target/release/qgate"
work="${WORK:-$(mktemp -d)}"
run() {
  local name="$1"; shift
  /usr/bin/time -f "$name: %e s wall, %M KB peak, exit %x" "$@" >/dev/null 2>"$work/err" || true
  tail -1 "$work/err"
}
fresh() { rm -rf "$work/$1" && mkdir -p "$work/$1" && cd "$work/$1" && git init -q; }

fresh perf
python3 - <<'PY'
import json
n = 400_000
for f, base in (("cur.json", 100.0), ("old.json", 101.0)):
    json.dump([{"name": f"b{i}", "unit": "ns", "value": base + i % 7} for i in range(n)], open(f, "w"))
open("qgate.yaml", "w").write("perf:\n  results: [cur.json]\n  baseline: [old.json]\n")
PY
run "400k benchmarks" "$qgate" check --checks perf-regression --format json

fresh yaml
python3 -c 'import sys; open("qgate.yaml","w").write("checks:\n  x: " + "["*1_000_000 + "]"*1_000_000 + "\n")'
run "1M-deep YAML config" "$qgate" check

fresh keys
mkdir -p backlog/tasks
printf 'statuses: ["Todo"]\n' > backlog/config.yml
python3 -c '
with open("backlog/tasks/t.md","w") as f:
    f.write("---\nid: T-1\ntitle: A\nstatus: Todo\n")
    f.write("".join(f"k{i}: v\n" for i in range(1_000_000)))
    f.write("---\n")'
run "1M front-matter keys" "$qgate" check --checks task-format

fresh minified
python3 -c '
line = "const fs=require(\"fs\");app.get(\"/x\",(req,res)=>{"
body = "".join(f"fs.readFileSync(req.query.a{i});" for i in range(60_000))
open("app.min.js","w").write((line + body)[:1_950_000] + "});\n")'
run "1.95 MB line, JSON" "$qgate" check --checks path-traversal --format json
run "1.95 MB line, text" "$qgate" check --checks path-traversal
