#!/usr/bin/env python3
"""Generate a kanban board of N tasks in a fresh git repository, for qgate benchmarks.

usage: gen_board.py DIR N [--format promethean|backlog]

Task 1 is a P0 security task in `todo` with a plan, an independent review and a commit
that names it, so a transition of it exercises every gate including the git history walk.
"""
import os
import subprocess
import sys

STATUSES = ["todo", "in_progress", "review", "done"]


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, n = sys.argv[1], int(sys.argv[2])
    fmt = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--format" else "promethean"
    os.makedirs(root, exist_ok=True)
    if fmt == "promethean":
        tasks_dir = os.path.join(root, "docs/agile/tasks")
        with open(os.path.join(root, "promethean.kanban.json"), "w") as f:
            f.write('{"tasksDir": "docs/agile/tasks", "statusValues": ["todo", "in_progress", "review", "done"],'
                    ' "wipLimits": {"in_progress": 100000, "review": 100000}}\n')
        id_line = lambda i: f'uuid: "T-{i}"'
    else:
        tasks_dir = os.path.join(root, "backlog/tasks")
        os.makedirs(os.path.join(root, "backlog"), exist_ok=True)
        with open(os.path.join(root, "backlog/config.yml"), "w") as f:
            f.write('project_name: "bench"\nstatuses: ["todo", "in_progress", "review", "done"]\n')
        with open(os.path.join(root, "qgate.yaml"), "w") as f:
            f.write("kanban:\n  wip_limits:\n    in_progress: 100000\n")
        id_line = lambda i: f"id: T-{i}"
    os.makedirs(tasks_dir, exist_ok=True)
    for i in range(1, n + 1):
        p0 = i == 1
        status = "todo" if p0 else STATUSES[i % 4]
        labels = "[security, backend]" if p0 else "[feature]"
        prio = "P0" if p0 else f"P{1 + i % 3}"
        body = f"\n# Task {i}\n\nSome description of task {i}.\n"
        if p0:
            body += "\n## Implementation Plan\n\n1. Do it right.\n"
        with open(os.path.join(tasks_dir, f"task-{i}.md"), "w") as f:
            f.write(f"---\n{id_line(i)}\ntitle: \"Task {i}{' security fix' if p0 else ''}\"\n"
                    f"status: {status}\npriority: {prio}\nlabels: {labels}\nassignee: dev{i % 7}\n"
                    + ("security_review:\n  reviewer: sec\n  verdict: approved\n" if p0 else "")
                    + f"created_at: \"2026-11-01T00:00:00Z\"\n---\n{body}")
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x")
    run = lambda *a: subprocess.run(["git", "-C", root, *a], check=True, env=env, stdout=subprocess.DEVNULL)
    run("init", "-q")
    run("add", "-A")
    run("commit", "-q", "-m", "import board")
    for k in range(200):
        run("commit", "-q", "--allow-empty", "-m", f"unrelated change {k}")
    run("commit", "-q", "--allow-empty", "-m", "fix: T-1 reject ../ in uploads")
    for k in range(50):
        run("commit", "-q", "--allow-empty", "-m", f"later change {k}")


if __name__ == "__main__":
    main()
