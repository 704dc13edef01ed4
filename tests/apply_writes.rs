//! `transition --apply` writes a task file without harming it or what it belongs to: the
//! owner, group and mode stay; a read-only or hard-linked file is refused untouched; a link
//! is edited at its target inside the repository and refused outside it; a killed write's
//! temporary files are swept; line endings and YAML tags survive.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use common::*;

fn board(fmt: Fmt) -> Repo {
    let tasks = [
        task(1, "Write docs", "todo"),
        task(20, "Review me", "review"),
    ];
    let repo = build(fmt, &tasks, &[], "");
    repo.commit("initial board");
    repo
}

#[test]
fn apply_keeps_the_mode_and_owner() {
    for fmt in ALL {
        let repo = board(fmt);
        let file = repo.path(&fmt.task_file(1));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let before = std::fs::metadata(&file).unwrap();
        let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());
        let after = std::fs::metadata(&file).unwrap();
        assert_ne!(before.ino(), after.ino(), "{fmt:?}: replaced atomically");
        assert_eq!(after.mode() & 0o7777, 0o640, "{fmt:?}");
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    }
}

#[test]
fn apply_refuses_a_read_only_file_untouched() {
    for fmt in ALL {
        let repo = board(fmt);
        let file = repo.path(&fmt.task_file(1));
        let text = std::fs::read(&file).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
        assert_eq!(r.code(), 2, "{fmt:?}: {}", r.explain());
        assert!(r.stderr().contains("read-only"), "{fmt:?}: {}", r.stderr());
        assert_eq!(std::fs::read(&file).unwrap(), text, "{fmt:?}");
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o444);
    }
}

#[test]
fn apply_refuses_to_split_hard_links() {
    for fmt in ALL {
        let repo = board(fmt);
        let file = repo.path(&fmt.task_file(1));
        let twin = repo.root().join("twin.md");
        std::fs::hard_link(&file, &twin).unwrap();
        let text = std::fs::read(&file).unwrap();
        let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
        assert_eq!(r.code(), 2, "{fmt:?}: {}", r.explain());
        assert!(r.stderr().contains("hard links"), "{fmt:?}: {}", r.stderr());
        assert_eq!(std::fs::read(&file).unwrap(), text);
        assert_eq!(
            std::fs::metadata(&file).unwrap().nlink(),
            2,
            "still one file"
        );
    }
}

#[test]
fn a_linked_task_is_edited_at_its_target_inside_and_refused_outside() {
    let fmt = Fmt::Backlog;
    let repo = board(fmt);
    let rel = fmt.task_file(1);
    let file = repo.path(&rel);
    // Inside: the task file is a link to a file elsewhere in the repository.
    let real = repo.root().join("shared/task-1.md");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::rename(&file, &real).unwrap();
    std::os::unix::fs::symlink("../../shared/task-1.md", &file).unwrap();
    let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    assert!(
        std::fs::symlink_metadata(&file)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let moved = format!("status: {}", fmt.status("review"));
    assert!(std::fs::read_to_string(&real).unwrap().contains(&moved));

    // Outside: refused, and the file outside is unchanged.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("task-1.md");
    std::fs::copy(&real, &target).unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    let before = std::fs::read(&target).unwrap();
    let r = repo.qgate(&["transition", &fmt.id(1), "--to", "done", "--apply"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(
        r.stderr().contains("outside the repository"),
        "{}",
        r.stderr()
    );
    assert_eq!(std::fs::read(&target).unwrap(), before);
}

#[test]
fn a_killed_writes_temporary_files_are_swept() {
    let fmt = Fmt::Promethean;
    let repo = board(fmt);
    let dir = repo.path(&fmt.task_file(1)).parent().unwrap().to_path_buf();
    let stale = dir.join(".qgate-AbC123.tmp");
    let fresh = dir.join(".qgate-XyZ789.tmp");
    std::fs::write(&stale, "half").unwrap();
    std::fs::write(&fresh, "in progress").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    assert!(!stale.exists(), "an old temporary file is removed");
    assert!(fresh.exists(), "a young one may be another write's");
}

#[test]
fn obsidian_apply_keeps_each_lines_ending() {
    let fmt = Fmt::Obsidian;
    let repo = board(fmt);
    // Every line CRLF but the moved card's.
    let card = "- [ ] [[T-1]] Write docs";
    let text = repo
        .read("Board.md")
        .replace('\n', "\r\n")
        .replace(&format!("{card}\r\n"), &format!("{card}\n"));
    repo.write("Board.md", &text);
    let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    let review = "- [ ] [[T-20]] Review me\r\n";
    let expected = text
        .replace(&format!("{card}\n"), "")
        .replace(review, &format!("{review}{card}\n"));
    assert_eq!(repo.read("Board.md"), expected);
}

#[test]
fn yaml_tags_and_quotes_survive_apply() {
    let fmt = Fmt::Backlog;
    let repo = board(fmt);
    let rel = fmt.task_file(1);
    let text = repo.read(&rel);
    let old = format!("status: {}\n", fmt.status("todo"));
    repo.write(&rel, &text.replacen(&old, "status: !!str 'To Do'\n", 1));
    let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    let want = format!("status: !!str '{}'\n", fmt.status("review"));
    assert!(repo.read(&rel).contains(&want), "{}", repo.read(&rel));
}

#[test]
fn a_board_outside_the_repository_is_refused_naming_the_key() {
    let outside = tempfile::tempdir().unwrap();
    let abs = outside.path().to_string_lossy().into_owned();
    // qgate.yaml's kanban.tasks, climbing out or absolute.
    for tasks in ["../elsewhere", abs.as_str()] {
        let repo = board(Fmt::Backlog);
        repo.write("qgate.yaml", &format!("kanban:\n  tasks: {tasks}\n"));
        let r = repo.qgate(&["check"]);
        assert_eq!(r.code(), 2, "{tasks}: {}", r.explain());
        assert!(r.explain().contains("kanban.tasks"), "{}", r.explain());
    }
    // The board tool's own setting.
    let repo = board(Fmt::Promethean);
    let json = repo.read("promethean.kanban.json");
    let json = json.replacen('{', "{\"tasksDir\": \"../../x\", ", 1);
    repo.write("promethean.kanban.json", &json);
    let r = repo.qgate(&["check"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(r.explain().contains("tasksDir"), "{}", r.explain());

    let repo = board(Fmt::KanbanMd);
    let cfg = repo
        .read("kanban/config.yml")
        .replace("tasks_dir: tasks", "tasks_dir: ../../x");
    repo.write("kanban/config.yml", &cfg);
    let r = repo.qgate(&["check"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(r.explain().contains("tasks_dir"), "{}", r.explain());

    // A committed link for the tasks directory: --apply must not write through it.
    let repo = board(Fmt::Backlog);
    let tasks = repo.path("backlog/tasks");
    let moved = outside.path().join("tasks");
    common::copy_dir(&tasks, &moved);
    std::fs::remove_dir_all(&tasks).unwrap();
    std::os::unix::fs::symlink(&moved, &tasks).unwrap();
    let file = moved.join("task-1 - Task.md");
    let before = std::fs::read(&file).unwrap();
    let r = repo.qgate(&["transition", "TASK-1", "--to", "review", "--apply"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(
        r.explain().contains("outside the repository"),
        "{}",
        r.stderr()
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn concurrent_moves_into_the_last_free_slot_do_not_both_pass() {
    let fmt = Fmt::Promethean;
    let mut tasks: Vec<T> = (1..=6).map(|n| task(n, "Candidate", "todo")).collect();
    tasks.push(task(10, "Busy", "in_progress"));
    let repo = build(fmt, &tasks, &[("in_progress", 2)], "");
    repo.commit("board");
    let children: Vec<std::process::Child> = (1..=6)
        .map(|n| {
            std::process::Command::new(env!("CARGO_BIN_EXE_qgate"))
                .args(["transition", &fmt.id(n), "--to", "in_progress", "--apply"])
                .current_dir(repo.root())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let passed = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code())
        .filter(|c| *c == Some(0))
        .count();
    assert_eq!(passed, 1, "one free slot, one move");
    let busy = (1..=6)
        .filter(|n| {
            repo.read(&fmt.task_file(*n))
                .contains("status: in_progress")
        })
        .count();
    assert_eq!(busy, 1, "the limit holds on disk too");
}

#[test]
fn a_report_that_fails_after_the_move_says_the_move_was_applied() {
    let fmt = Fmt::Backlog;
    let repo = board(fmt);
    // A directory cannot be made under a file: the report fails.
    repo.write("blocker", "");
    let r = repo.qgate(&[
        "transition",
        &fmt.id(1),
        "--to",
        "review",
        "--apply",
        "--report",
        "json=blocker/report.json",
    ]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(
        r.stderr().contains("the move itself was applied"),
        "{}",
        r.stderr()
    );
    let moved = format!("status: {}", fmt.status("review"));
    assert!(repo.read(&fmt.task_file(1)).contains(&moved));
}
