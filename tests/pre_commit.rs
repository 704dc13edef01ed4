//! The real pre-commit framework (https://pre-commit.com) running qgate's hooks from this
//! repository (`.pre-commit-hooks.yaml`, language: rust): a commit with a vulnerable file and a
//! P0 task moved to done without a review is blocked. pre-commit builds qgate with
//! `cargo install` on first use (cached under target/pre-commit-home).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Fmt, build, p0};

fn pre_commit_available() -> bool {
    let ok = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("pre-commit is required in CI (pip install pre-commit in .ci/run)");
    }
    ok
}

fn run(dir: &Path, cmd: &str, args: &[&str]) -> (bool, String) {
    let home = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-home");
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env_remove("GIT_DIR")
        .output()
        .expect("run");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_pre_commit_framework_blocks_the_commit() {
    if !pre_commit_available() {
        eprintln!("skipped: pre-commit is not installed (pip install pre-commit)");
        return;
    }
    let me = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (ok, rev) = run(me, "git", &["rev-parse", "HEAD"]);
    assert!(ok, "{rev}");
    let rev = rev.trim().to_string();

    let mut task = p0(3, "todo");
    task.fm_review = None;
    let repo = build(Fmt::Backlog, &[task], &[], "");
    repo.commit("board");
    repo.write(
        ".pre-commit-config.yaml",
        &format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: qgate\n      - id: qgate-kanban\n", me.display()),
    );
    let (ok, out) = run(repo.root(), "pre-commit", &["install"]);
    assert!(ok, "{out}");

    let file = Fmt::Backlog.task_file(3);
    repo.write(
        &file,
        &repo.read(&file).replace("status: Todo", "status: Done"),
    );
    repo.write("app.py", "import os\nfrom flask import request\n\ndef view():\n    return open(os.path.join('/srv', request.args['f'])).read()\n");
    let (ok, out) = run(repo.root(), "git", &["add", "-A"]);
    assert!(ok, "{out}");
    let (ok, out) = run(repo.root(), "git", &["commit", "-m", "TASK-3 done"]);
    assert!(!ok, "the commit must be blocked:\n{out}");
    assert!(out.contains("tainted-path"), "{out}");
    assert!(out.contains("p0-missing-security-review"), "{out}");

    // Fixed code and a reviewed task: the commit goes through.
    repo.write("app.py", "print('fine')\n");
    repo.write(
        &file,
        &repo.read(&file).replace("status: Done", "status: Todo"),
    );
    let (ok, out) = run(repo.root(), "git", &["add", "-A"]);
    assert!(ok, "{out}");
    let (ok, out) = run(repo.root(), "git", &["commit", "-m", "fix"]);
    assert!(ok, "{out}");
}
