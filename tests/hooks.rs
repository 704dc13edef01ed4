//! `qgate hooks install`, exercised by real `git commit` runs.

mod common;

use std::process::Command;

use common::Repo;

fn git(repo: &Repo, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(repo.root())
        .env("QGATE", assert_cmd::cargo::cargo_bin("qgate"))
        .output()
        .expect("git")
}

fn head(repo: &Repo) -> String {
    String::from_utf8_lossy(&git(repo, &["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_string()
}

#[test]
fn the_pre_commit_hook_blocks_a_vulnerable_commit() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    repo.commit("init");
    let r = repo.qgate(&["hooks", "install"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    let hook = repo.path(".git/hooks/pre-commit");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(text.contains("qgate hooks install") && text.contains("check --staged"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&hook).unwrap().permissions().mode() & 0o111,
            0o111
        );
    }
    let before = head(&repo);
    repo.write(
        "app.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    git(&repo, &["add", "app.py"]);
    let out = git(&repo, &["commit", "-m", "add app"]);
    assert!(!out.status.success(), "the commit is blocked");
    // Git passes a hook's output on through its own stderr.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("tainted-path"), "{said}");
    assert_eq!(head(&repo), before);

    repo.write(
        "app.py",
        "from flask import request\nimport os\nos.remove(os.path.basename(request.args['f1']))\n",
    );
    git(&repo, &["add", "app.py"]);
    let out = git(&repo, &["commit", "-m", "add app"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn foreign_hooks_are_kept_unless_forced_and_hooks_path_is_honoured() {
    let repo = Repo::new();
    repo.write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n");
    let r = repo.qgate(&["hooks", "install"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("--force"), "{}", r.stderr());
    assert_eq!(repo.read(".git/hooks/pre-commit"), "#!/bin/sh\necho mine\n");
    assert_eq!(repo.qgate(&["hooks", "install", "--force"]).code(), 0);
    assert!(
        repo.read(".git/hooks/pre-commit")
            .contains("qgate hooks install")
    );
    assert_eq!(
        repo.qgate(&["hooks", "install"]).code(),
        0,
        "its own hook is rewritten freely"
    );

    git(&repo, &["config", "core.hooksPath", "githooks"]);
    assert_eq!(repo.qgate(&["hooks", "install", "--pre-push"]).code(), 0);
    assert!(repo.read("githooks/pre-push").contains("--changed-since"));
    assert!(
        !repo.path("githooks/pre-commit").exists(),
        "only the hook asked for"
    );
}
