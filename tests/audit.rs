//! The audit trail of transition decisions, and `qgate audit verify` on real logs.

mod common;

use common::{Fmt, task};
use serde_json::Value;

fn entries(repo: &common::Repo) -> Vec<Value> {
    repo.read(".qgate/audit.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect()
}

#[test]
fn transitions_are_logged_and_the_chain_verifies() {
    let fmt = Fmt::KanbanMd;
    let repo = common::build(
        fmt,
        &[
            task(1, "One", "in_progress"),
            task(2, "Two", "todo"),
            task(3, "Three", "todo"),
        ],
        &[("in_progress", 1)],
        "audit:\n  dry_runs: true\n",
    );
    let blocked = repo.transition(&fmt.id(2), "in_progress");
    assert_eq!(blocked.code(), 1, "{}", blocked.explain());
    let allowed = repo.qgate(&["transition", &fmt.id(3), "--to", "review", "--apply"]);
    assert_eq!(allowed.code(), 0, "{}", allowed.explain());

    let log = entries(&repo);
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["kind"], "transition");
    assert_eq!(log[0]["verdict"], "fail");
    assert_eq!(log[0]["applied"], false);
    assert!(log[0]["findings"].to_string().contains("wip-limit"));
    assert_eq!(log[1]["verdict"], "pass");
    assert_eq!(log[1]["applied"], true);
    assert_eq!(log[1]["seq"], 2);
    assert_eq!(log[1]["prev"], log[0]["hash"]);

    let ok = repo.qgate(&["audit", "verify"]);
    assert_eq!(ok.code(), 0, "{}", ok.explain());
    assert!(ok.stdout().contains("intact — 2 entries"));

    // Edit the first decision: found.
    let text = repo.read(".qgate/audit.jsonl");
    repo.write(
        ".qgate/audit.jsonl",
        &text.replacen("\"fail\"", "\"pass\"", 1),
    );
    let bad = repo.qgate(&["audit", "verify"]);
    assert_eq!(bad.code(), 1, "{}", bad.explain());
    assert!(
        bad.stdout()
            .contains(":1: entry #1 does not match its hash"),
        "{}",
        bad.stdout()
    );

    // Remove it: found.
    let second = text.lines().nth(1).expect("line 2");
    repo.write(".qgate/audit.jsonl", &format!("{second}\n"));
    let bad = repo.qgate(&["audit", "verify"]);
    assert_eq!(bad.code(), 1);
    assert!(
        bad.stdout().contains("removed, inserted or reordered"),
        "{}",
        bad.stdout()
    );

    // A crash mid-write: the cut last line is reported.
    repo.write(".qgate/audit.jsonl", &text[..text.len() - 30]);
    let bad = repo.qgate(&["audit", "verify"]);
    assert_eq!(bad.code(), 1);
    assert!(
        bad.stdout().contains("incomplete last entry"),
        "{}",
        bad.stdout()
    );
}

#[test]
fn a_move_that_cannot_be_logged_is_not_applied() {
    let fmt = Fmt::KanbanMd;
    let repo = common::build(fmt, &[task(1, "One", "todo")], &[], "");
    // The log's place is taken by a directory: appends fail.
    std::fs::create_dir_all(repo.path(".qgate/audit.jsonl")).expect("mkdir");
    let before = repo.read(&fmt.task_file(1));
    let run = repo.qgate(&["transition", &fmt.id(1), "--to", "in_progress", "--apply"]);
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert!(
        run.stderr().contains("the move was not applied"),
        "{}",
        run.stderr()
    );
    assert_eq!(repo.read(&fmt.task_file(1)), before);
    // A dry run is not logged (`audit.dry_runs` is off by default): it decides as before.
    let dry = repo.transition(&fmt.id(1), "in_progress");
    assert_eq!(dry.code(), 0, "{}", dry.explain());
    assert!(!dry.stderr().contains("warning"), "{}", dry.stderr());
}

#[test]
fn an_entry_says_applied_only_when_the_file_was_written() {
    use std::os::unix::fs::PermissionsExt;
    let fmt = Fmt::KanbanMd;
    let repo = common::build(fmt, &[task(1, "One", "todo")], &[], "");
    let file = repo.path(&fmt.task_file(1));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let run = repo.qgate(&["transition", &fmt.id(1), "--to", "in_progress", "--apply"]);
    assert_eq!(run.code(), 2, "{}", run.explain());
    let log = entries(&repo);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["verdict"], "pass");
    assert_eq!(log[0]["applied"], false, "the write failed: {}", log[0]);
}

#[test]
fn dry_runs_are_logged_only_when_asked() {
    let fmt = Fmt::KanbanMd;
    let repo = common::build(fmt, &[task(1, "One", "todo")], &[], "");
    assert_eq!(repo.transition(&fmt.id(1), "in_progress").code(), 0);
    assert!(
        !repo.path(".qgate/audit.jsonl").exists(),
        "a dry run was logged"
    );
    let applied = repo.qgate(&["transition", &fmt.id(1), "--to", "in_progress", "--apply"]);
    assert_eq!(applied.code(), 0, "{}", applied.explain());
    assert_eq!(entries(&repo).len(), 1);
}

#[test]
fn the_log_can_be_turned_off_or_moved() {
    let fmt = Fmt::KanbanMd;
    let repo = common::build(
        fmt,
        &[task(1, "One", "todo")],
        &[],
        "audit:\n  path: logs/qgate-audit.jsonl\n",
    );
    let moved = repo.qgate(&["transition", &fmt.id(1), "--to", "in_progress", "--apply"]);
    assert_eq!(moved.code(), 0, "{}", moved.explain());
    assert!(repo.path("logs/qgate-audit.jsonl").is_file());
    assert!(!repo.path(".qgate/audit.jsonl").exists());

    let repo = common::build(
        fmt,
        &[task(1, "One", "todo")],
        &[],
        "audit:\n  enabled: false\n",
    );
    assert_eq!(repo.transition(&fmt.id(1), "in_progress").code(), 0);
    assert!(!repo.path(".qgate/audit.jsonl").exists());

    let repo = common::build(
        fmt,
        &[task(1, "One", "todo")],
        &[],
        "audit:\n  path: ../outside.jsonl\n",
    );
    let run = repo.transition(&fmt.id(1), "in_progress");
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("audit.path"), "{}", run.stderr());
}

#[cfg(unix)]
#[test]
fn a_linked_audit_log_is_never_followed() {
    let fmt = Fmt::KanbanMd;
    let repo = common::build(fmt, &[task(1, "One", "todo")], &[], "");
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("gitconfig");
    std::fs::write(&victim, "[user]\n\tname = me\n").unwrap();
    std::fs::create_dir_all(repo.path(".qgate")).unwrap();
    std::os::unix::fs::symlink(&victim, repo.path(".qgate/audit.jsonl")).unwrap();
    let r = repo.qgate(&["transition", &fmt.id(1), "--to", "in_progress", "--apply"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(r.stderr().contains("symbolic link"), "{}", r.stderr());
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "[user]\n\tname = me\n"
    );
}
