//! `--changed-since` and `--staged`, on real repositories.

mod common;

use common::{Fmt, Repo, build, p0};

fn branch_here(repo: &Repo, name: &str) {
    let git = repo.git.as_ref().unwrap();
    let head = git.head().unwrap().peel_to_commit().unwrap();
    git.branch(name, &head, true).unwrap();
}

#[test]
fn a_pull_request_moving_a_p0_task_to_done_without_review_fails() {
    let mut task = p0(3, "todo");
    task.fm_review = None;
    let cfg = "kanban:\n  transitions:\n    todo: [in_progress]\n    in_progress: [review]\n    review: [done]\n";
    let repo = build(
        Fmt::Backlog,
        &[task, common::task(4, "Docs", "todo")],
        &[],
        cfg,
    );
    repo.commit("board (TASK-3 planned)");
    branch_here(&repo, "main");
    let file = Fmt::Backlog.task_file(3);
    repo.write(
        &file,
        &repo.read(&file).replace("status: Todo", "status: Done"),
    );
    repo.commit("TASK-3: done");

    let r = repo.qgate(&["check", "--changed-since", "main", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let codes = r.codes();
    assert!(
        codes.contains(&"transition-not-allowed".to_string()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"p0-missing-security-review".to_string()),
        "{codes:?}"
    );
    let moved = &r.findings("transition-not-allowed")[0];
    assert!(
        moved["message"]
            .as_str()
            .unwrap()
            .contains("from `Todo` to `Done`"),
        "{moved}"
    );

    // The same board without the range: the move itself is not judged.
    let r = repo.qgate(&["check", "--format", "json"]);
    assert!(!r.codes().contains(&"transition-not-allowed".to_string()));
}

#[test]
fn only_files_changed_in_the_range_are_scanned() {
    let repo = Repo::new();
    repo.write(
        "old.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    repo.commit("old code");
    branch_here(&repo, "main");
    repo.write(
        "new.py",
        "from flask import request\nimport os\nos.remove(request.args['f2'])\n",
    );
    repo.write("clean.py", "print('x')\n");
    repo.commit("new code");
    let r = repo.qgate(&["check", "--changed-since", "main", "--format", "json"]);
    assert_eq!(r.code(), 1);
    let paths: Vec<String> = r
        .findings("tainted-path")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["new.py"]);

    repo.write(
        "wip.py",
        "from flask import request\nimport os\nos.rmdir(request.args['f3'])\n",
    );
    let r = repo.qgate(&[
        "check",
        "--changed-since",
        "main",
        "--uncommitted",
        "--format",
        "json",
    ]);
    let paths: Vec<String> = r
        .findings("tainted-path")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["new.py", "wip.py"]);

    let r = repo.qgate(&["check", "--changed-since", "no-such-branch"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("unknown revision `no-such-branch`"),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_shallow_clone_without_the_merge_base_asks_for_more_history() {
    let repo = Repo::new();
    repo.write("a.py", "print(1)\n");
    repo.commit("root");
    branch_here(&repo, "side");
    repo.write("b.py", "print(2)\n");
    repo.commit("main work");
    // The side branch gets a commit of its own: the merge-base is the root commit.
    let git = repo.git.as_ref().unwrap();
    git.set_head("refs/heads/side").unwrap();
    git.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
    repo.write("c.py", "print(3)\n");
    repo.commit("side work");
    git.set_head("refs/heads/master")
        .or_else(|_| git.set_head("refs/heads/main"))
        .unwrap();
    git.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();

    let shallow = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.root().display());
    let ok = std::process::Command::new("git")
        .args([
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            ".",
        ])
        .current_dir(shallow.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let r = common::qgate_in(shallow.path(), &["check", "--changed-since", "origin/side"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(r.stderr().contains("fetch-depth: 0"), "{}", r.stderr());
}

#[test]
fn staged_content_is_checked_not_the_work_tree() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.commit("init");
    repo.write(
        "app.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    let git = repo.git.as_ref().unwrap();
    let mut index = git.index().unwrap();
    index.add_path(std::path::Path::new("app.py")).unwrap();
    index.write().unwrap();
    // The work tree is fixed afterwards, but the commit would take the staged content.
    repo.write(
        "app.py",
        "from flask import request\nimport os\nos.remove(os.path.basename(request.args['f1']))\n",
    );
    repo.write(
        "unstaged.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    let r = repo.qgate(&["check", "--staged", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let paths: Vec<String> = r
        .findings("tainted-path")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["app.py"], "staged content only");
    assert_eq!(
        repo.qgate(&["check", "--format", "json"])
            .findings("tainted-path")
            .len(),
        1,
        "the work tree differs"
    );
    let r = repo.qgate(&["check", "--staged", "--changed-since", "HEAD"]);
    assert_eq!(r.code(), 2);
}
