#!/usr/bin/env bash
# Seeds each fuzz target's corpus from fixtures/ (the corpora themselves are not committed).
set -euo pipefail
cd "$(dirname "$0")"
fx=../fixtures
rm -rf corpus && mkdir -p corpus/{task_front_matter,boards,config,bench_formats,scanner,status_edit}
n=0
copy() { # copy TARGET FILE
  n=$((n + 1)); cp "$2" "corpus/$1/$n"
}
seed() { # seed TARGET SELECTOR FILE: the selector byte picks the format or language
  n=$((n + 1)); { printf "\\x$(printf '%02x' "$2")"; cat "$3"; } > "corpus/$1/$n"
}
each() { # each FIND-ARGS... -- COMMAND ARGS...: runs COMMAND ARGS FILE for every file found
  local args=() ; while [ "$1" != "--" ]; do args+=("$1"); shift; done; shift
  while IFS= read -r -d '' f; do "$@" "$f"; done < <(find "${args[@]}" -print0)
}
each "$fx/kanban" -name '*.md' -- copy task_front_matter
each "$fx/kanban" -name '*.md' -- copy status_edit
each "$fx/kanban" -name 'qgate.yaml' -- copy config
copy config ../qgate.template.yaml
each "$fx/kanban" -name 'promethean.kanban.json' -- seed boards 0
each "$fx/kanban" -path '*backlog/config.yml' -- seed boards 1
each "$fx/kanban" -path '*kanban/config.yml' -- seed boards 2
each "$fx/kanban" -name 'Board.md' -- seed boards 3
each "$fx/perf" -maxdepth 2 -name '*.json' -size -64k -- copy bench_formats
each "$fx/perf/libtest" -name '*.txt' -- copy bench_formats
each "$fx/scan/python" -name '*.py' -- seed scanner 0
each "$fx/scan/javascript" -name '*.js' -- seed scanner 1
each "$fx/scan/typescript" -name '*.ts' -- seed scanner 2
each "$fx/scan/typescript" -name '*.tsx' -- seed scanner 3
each "$fx/scan/go" -name '*.go' -- seed scanner 4
each "$fx/scan/java" -name '*.java' -- seed scanner 5
for d in corpus/*; do echo "$d: $(find "$d" -type f | wc -l) seeds"; done
