//! The Backlog.md adapter (hooks/backlog) with the real Backlog.md CLI (npm `backlog.md`):
//! a refused move never reaches backlog; an allowed one is made by backlog itself.

mod common;

use std::path::Path;
use std::process::Command;

use common::Repo;

fn backlog_available() -> bool {
    let ok = Command::new("backlog")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the Backlog.md CLI is required in CI (npm install -g backlog.md in .ci/run)");
    }
    ok
}

fn sh(dir: &Path, program: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("QGATE", assert_cmd::cargo::cargo_bin("qgate"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_real_backlog_cli_is_blocked_by_qgate() {
    if !backlog_available() {
        eprintln!("skipped: the Backlog.md CLI is not installed (npm install -g backlog.md)");
        return;
    }
    let repo = Repo::new();
    let dir = repo.root();
    let (code, out) = sh(
        dir,
        "backlog",
        &[
            "init",
            "demo",
            "--defaults",
            "--integration-mode",
            "none",
            "--check-branches",
            "false",
            "--include-remote",
            "false",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = sh(
        dir,
        "backlog",
        &[
            "task",
            "create",
            "Fix path traversal in upload",
            "--priority",
            "high",
            "--labels",
            "security",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = sh(dir, "backlog", &["task", "create", "Write docs"]);
    assert_eq!(code, 0, "{out}");
    repo.write("qgate.yaml", "p0:\n  priorities: [high]\n");
    repo.commit("board");

    let wrapper = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/backlog");
    let wrapper = wrapper.to_str().unwrap();
    let p0_file = "backlog/tasks/task-1 - Fix-path-traversal-in-upload.md";
    let before = repo.read(p0_file);

    let (code, out) = sh(dir, wrapper, &["task", "edit", "1", "-s", "In Progress"]);
    assert_eq!(
        code, 1,
        "the move of a P0 security task without plan, review or commit is refused:\n{out}"
    );
    assert!(out.contains("p0-missing-plan"), "{out}");
    assert_eq!(
        repo.read(p0_file),
        before,
        "backlog never ran: the file is untouched"
    );
    // Every other spelling of the status option is judged the same way.
    for form in [
        vec!["-sIn Progress"],
        vec!["--status", "In Progress"],
        vec!["--status=In Progress"],
    ] {
        let mut args = vec!["task", "edit", "1"];
        args.extend(form.iter().copied());
        let (code, out) = sh(dir, wrapper, &args);
        assert_eq!(code, 1, "{form:?} is judged too:\n{out}");
        assert_eq!(repo.read(p0_file), before, "{form:?}");
    }

    let (code, out) = sh(dir, wrapper, &["task", "edit", "2", "-s", "In Progress"]);
    assert_eq!(code, 0, "{out}");
    let docs = repo.read("backlog/tasks/task-2 - Write-docs.md");
    assert!(
        docs.contains("status: In Progress"),
        "backlog made the edit:\n{docs}"
    );

    let (code, out) = sh(dir, wrapper, &["task", "list", "--plain"]);
    assert_eq!(code, 0, "other commands pass through: {out}");
}
