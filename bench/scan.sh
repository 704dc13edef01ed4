#!/usr/bin/env bash
# Scan speed: qgate (all checks; cold and warm cache) vs semgrep (equivalent taint rules in
# bench/semgrep-rules.yaml) vs ripgrep (a comparable regex set), on the same real code
# downloaded from the package registries: the Django sdist from PyPI and npm packages.
# Needs: python3 + pip, npm, hyperfine, ripgrep (apt), semgrep (a venv: SEMGREP=/path/to/semgrep).
# Targets: qgate >= 50x faster than semgrep, <= 2x ripgrep, warm >= 10x faster than cold.
set -euo pipefail
cd "$(dirname "$0")/.."
SEMGREP="${SEMGREP:-semgrep}"
for t in hyperfine rg npm pip; do
  command -v "$t" >/dev/null || { echo "$t is required" >&2; exit 2; }
done
command -v "$SEMGREP" >/dev/null || { echo "semgrep is required (pip install semgrep; SEMGREP=...)" >&2; exit 2; }
cargo build --release --quiet
qgate="$PWD/target/release/qgate"
work="${WORK:-$(mktemp -d)}"
tree="$work/tree"
if [ ! -d "$tree" ]; then
  mkdir -p "$tree" "$work/dl"
  pip download --quiet --no-deps --no-binary :all: -d "$work/dl" django==5.1.4
  tar xzf "$work"/dl/[Dd]jango-5.1.4.tar.gz -C "$tree"
  (cd "$work/dl" && npm pack --silent express@4.21.2 lodash@4.17.21 axios@1.7.9 koa@2.15.3 webpack@5.97.1 >/dev/null)
  for t in "$work"/dl/*.tgz; do
    d="$tree/npm/$(basename "$t" .tgz)"
    mkdir -p "$d" && tar xzf "$t" -C "$d"
  done
fi
py=$(find "$tree" -name '*.py' | wc -l); js=$(find "$tree" \( -name '*.js' -o -name '*.ts' \) | wc -l)
echo "== tree: $py Python files, $js JavaScript/TypeScript files, $(du -sh "$tree" | cut -f1)"
cd "$tree"
# semgrep skips tests/, dist/, vendor/, *.min.js... by default when a tree has no
# .semgrepignore; an empty one makes it scan the same files as qgate and ripgrep.
: > .semgrepignore
# ripgrep with the same sinks and sources as a regex set (ASCII classes, as a prefilter would use).
rg_args=(-n --no-heading -c
  -e '(?-u:\b)open\(' -e 'os\.(remove|unlink|listdir|rmdir|system|popen)\(' -e 'shutil\.rmtree\('
  -e 'send_(file|from_directory)\(' -e 'subprocess\.[a-z_]+\(' -e '\.execute\(' -e '(?-u:\b)(eval|exec)\('
  -e 'pickle\.loads?\(' -e 'yaml\.load\(' -e 'request\.(args|form|GET|POST|data|files|cookies)'
  -e 'fs\.[A-Za-z]+\(' -e '\.(sendFile|download)\(' -e 'child_process' -e 'req\.(query|params|body|headers)')
"$qgate" check --no-cache >/dev/null || true
echo "== peak memory (qgate check, cold):"
/usr/bin/time -v "$qgate" check --no-cache 2>&1 >/dev/null | grep -E "Maximum resident|Elapsed" || true
echo "== findings: qgate $("$qgate" check --no-cache --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(1 for c in r["checks"] for f in c["findings"] if f["severity"]!="note"))'), semgrep $("$SEMGREP" scan --metrics=off --disable-version-check --quiet --config "$OLDPWD/bench/semgrep-rules.yaml" --json . 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')"
rg_cmd="$(printf '%q ' rg "${rg_args[@]}" .)"
# One --prepare per command: only the cold run loses its cache.
# 20 runs each (this machine's file-system timings are noisy); medians printed after.
hyperfine --warmup 2 --runs 20 --export-markdown "$work/scan.md" --export-json "$work/scan.json" \
  --prepare "rm -rf $tree/.qgate" --prepare "true" --prepare "true" \
  -n "qgate check (cold cache)" "$qgate check --exit-zero" \
  -n "qgate check (warm cache)" "$qgate check --exit-zero" \
  -n "ripgrep (14 patterns)" "$rg_cmd > /dev/null" 2>&1 | grep -vE "^\s*$" || true
hyperfine --runs 2 -N --export-markdown "$work/semgrep.md" \
  -n "semgrep (taint rules)" "$SEMGREP scan --metrics=off --disable-version-check --quiet --config $OLDPWD/bench/semgrep-rules.yaml ." 2>&1 | grep -vE "^\s*$" || true
cat "$work/scan.md" "$work/semgrep.md"
python3 - "$work/scan.json" <<'PY'
import json, sys
r = {b["command"]: b for b in json.load(open(sys.argv[1]))["results"]}
cold, warm, rg = (r[k]["median"] * 1e3 for k in ("qgate check (cold cache)", "qgate check (warm cache)", "ripgrep (14 patterns)"))
print(f"== medians: cold {cold:.1f} ms, warm {warm:.1f} ms, ripgrep {rg:.1f} ms; cold/ripgrep {cold / rg:.2f}x, cold/warm {cold / warm:.1f}x")
PY
# hyperfine runs all cold runs, then all warm ones: this machine's drift over those seconds
# moves the ratio. Pairs taken back to back do not share that bias: cold (cache removed), one
# untimed run (the cold run's cache directory changed the root while it walked, so the next
# run lists the tree again and saves the list), then warm.
python3 - "$qgate" "$tree" <<'PY'
import shutil, statistics, subprocess, sys, time
qgate, tree = sys.argv[1], sys.argv[2]
def run():
    t = time.perf_counter()
    subprocess.run([qgate, "check", "--exit-zero"], cwd=tree, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t) * 1e3
pairs = []
for _ in range(15):
    shutil.rmtree(f"{tree}/.qgate", ignore_errors=True)
    cold = run()
    run()
    pairs.append((cold, run()))
cold, warm = (statistics.median(p[i] for p in pairs) for i in (0, 1))
ratio = statistics.median(c / w for c, w in pairs)
print(f"== 15 back-to-back pairs: cold {cold:.1f} ms, warm {warm:.1f} ms (medians, with process start-up); cold/warm {ratio:.1f}x (median of the pairs' ratios)")
PY

# Peak memory on 100,000 files: hard-linked copies of the same tree (no extra disk).
big="$work/big"
if [ ! -d "$big" ]; then
  mkdir -p "$big"
  n=0
  while [ "$(find "$big" -type f | wc -l)" -lt 100000 ]; do
    n=$((n + 1)); cp -al "$tree" "$big/copy$n"
  done
fi
echo "== 100k files: $(find "$big" -type f | wc -l) files ($(find "$big" \( -name '*.py' -o -name '*.js' -o -name '*.ts' \) | wc -l) source files)"
(cd "$big" && rm -rf .qgate && /usr/bin/time -v "$qgate" check --exit-zero 2>&1 >/dev/null | grep -E "Maximum resident|Elapsed")
# The first run after the cold one lists the tree again (the cold run's cache directory
# changed the root within the walk's tick) and saves the list; the second uses it.
for run in "warm (list saved)" "warm (list reused)"; do
  echo "   $run:"
  (cd "$big" && /usr/bin/time -v "$qgate" check --exit-zero 2>&1 >/dev/null | grep -E "Maximum resident|Elapsed")
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); work dir: $work"
