//! Every gate semantic of the contract, for all four board formats.

mod common;

use common::{ALL, Fmt, Repo, build, p0, task};

fn limits_board(fmt: Fmt, in_progress: usize) -> Repo {
    let mut tasks = vec![task(1, "Write docs", "todo"), task(2, "Add login", "todo")];
    for i in 0..in_progress {
        tasks.push(task(10 + i as u32, "Busy work", "in_progress"));
    }
    tasks.push(task(20, "Review me", "review"));
    let repo = build(fmt, &tasks, &[("in_progress", 2), ("review", 3)], "");
    repo.commit("initial board");
    repo
}

#[test]
fn wip_equal_to_limit_passes_and_over_limit_fails() {
    for fmt in ALL {
        let ok = limits_board(fmt, 2);
        let r = ok.qgate(&["check", "--format", "json"]);
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());

        let over = limits_board(fmt, 3);
        let r = over.qgate(&["check", "--format", "json"]);
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(r.codes(), vec!["wip-limit-exceeded"], "{fmt:?}");
        let f = &r.findings("wip-limit-exceeded")[0];
        let msg = f["message"].as_str().unwrap();
        for n in 10..13 {
            assert!(
                msg.contains(&fmt.id(n)),
                "{fmt:?}: message names the tasks: {msg}"
            );
        }
        assert!(
            f["path"].is_string() && f["line"].is_number(),
            "{fmt:?}: points at the limit: {f}"
        );
    }
}

#[test]
fn transition_into_a_full_status_is_blocked_with_room_allowed() {
    for fmt in ALL {
        let repo = limits_board(fmt, 2);
        let r = repo.transition(&fmt.id(1), "In Progress");
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(r.codes(), vec!["wip-limit-full"], "{fmt:?}");

        // review: 1 of 3 held; moving in leaves 2 of 3 (67%): no warning.
        let r = repo.transition(&fmt.id(1), "review");
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());
        assert!(r.codes().is_empty(), "{fmt:?}: {:?}", r.codes());
    }
}

#[test]
fn a_move_reaching_eighty_percent_warns_but_passes() {
    for fmt in ALL {
        let tasks = vec![
            task(1, "A", "todo"),
            task(2, "B", "review"),
            task(3, "C", "review"),
            task(4, "D", "review"),
        ];
        let repo = build(fmt, &tasks, &[("review", 5)], "");
        repo.commit("board");
        let r = repo.transition(&fmt.id(1), "review");
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());
        assert_eq!(r.codes(), vec!["wip-limit-near"], "{fmt:?}");
        let r = repo.qgate(&[
            "transition",
            &fmt.id(1),
            "--to",
            "review",
            "--fail-on",
            "warning",
        ]);
        assert_eq!(
            r.code(),
            1,
            "{fmt:?}: --fail-on warning blocks: {}",
            r.explain()
        );
    }
}

#[test]
fn a_move_within_the_same_status_is_allowed_even_when_full() {
    for fmt in ALL {
        let repo = limits_board(fmt, 3);
        let r = repo.transition(&fmt.id(10), "in-progress");
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());
    }
}

#[test]
fn status_spellings_are_one_status() {
    for fmt in ALL {
        let repo = limits_board(fmt, 2);
        for spelling in ["In Progress", "in-progress", "in_progress", " IN PROGRESS "] {
            let r = repo.transition(&fmt.id(2), spelling);
            assert_eq!(
                r.codes(),
                vec!["wip-limit-full"],
                "{fmt:?} {spelling:?}: {}",
                r.explain()
            );
        }
    }
}

#[test]
fn task_ids_match_case_insensitively() {
    for fmt in [Fmt::Promethean, Fmt::Backlog, Fmt::Obsidian] {
        let repo = limits_board(fmt, 0);
        let r = repo.qgate(&["transition", &fmt.id(1).to_lowercase(), "--to", "review"]);
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());
    }
    let repo = limits_board(Fmt::Backlog, 0);
    assert_eq!(
        repo.qgate(&["transition", "1", "--to", "review"]).code(),
        0,
        "Backlog.md accepts the bare number"
    );
    let repo = limits_board(Fmt::KanbanMd, 0);
    assert_eq!(
        repo.qgate(&["transition", "001", "--to", "review"]).code(),
        0
    );
}

#[test]
fn unknown_tasks_and_statuses() {
    for fmt in ALL {
        let repo = limits_board(fmt, 0);
        let r = repo.qgate(&["transition", "NOPE-99", "--to", "review"]);
        assert_eq!(r.code(), 2, "{fmt:?}: {}", r.explain());
        assert!(r.stderr().contains("NOPE-99"), "{}", r.stderr());

        let r = repo.transition(&fmt.id(1), "Shipped");
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(r.codes(), vec!["unknown-status"], "{fmt:?}");
    }
}

#[test]
fn transition_rules_from_qgate_yaml() {
    for fmt in [Fmt::Promethean, Fmt::KanbanMd, Fmt::Obsidian] {
        let tasks = vec![task(1, "A", "todo"), task(2, "B", "in_progress")];
        let cfg =
            "kanban:\n  transitions:\n    todo: [in_progress]\n    in_progress: [review, todo]\n";
        let repo = build(fmt, &tasks, &[], cfg);
        repo.commit("board");
        let r = repo.transition(&fmt.id(1), "done");
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(r.codes(), vec!["transition-not-allowed"]);
        assert!(
            r.findings("transition-not-allowed")[0]["message"]
                .as_str()
                .unwrap()
                .contains("qgate.yaml:3")
        );
        assert_eq!(
            repo.qgate(&["transition", &fmt.id(1), "--to", "In Progress"])
                .code(),
            0,
            "{fmt:?}"
        );
        // done has no rule: it may move anywhere; review is not listed for todo → blocked.
        assert_eq!(
            repo.qgate(&["transition", &fmt.id(2), "--to", "review"])
                .code(),
            0
        );
        assert_eq!(
            repo.qgate(&["transition", &fmt.id(1), "--to", "review"])
                .code(),
            1
        );
    }
}

#[test]
fn promethean_board_rules_apply_when_enabled() {
    let repo = build(Fmt::Promethean, &[task(1, "A", "todo")], &[], "");
    let cfg = repo.read("promethean.kanban.json");
    let rules = "\"transitionRules\": {\"enabled\": true, \"enforcement\": \"strict\", \"rules\": [{\"from\": [\"todo\"], \"to\": [\"in_progress\"], \"description\": \"start\", \"check\": \"x\"}]},\n  \"tasksDir\"";
    repo.write(
        "promethean.kanban.json",
        &cfg.replacen("\"tasksDir\"", rules, 1),
    );
    repo.commit("rules");
    assert_eq!(repo.qgate(&["transition", "T-1", "--to", "done"]).code(), 1);
    assert_eq!(
        repo.qgate(&["transition", "T-1", "--to", "in_progress"])
            .code(),
        0
    );
    let warn = repo
        .read("promethean.kanban.json")
        .replace("\"strict\"", "\"warn\"");
    repo.write("promethean.kanban.json", &warn);
    let r = repo.transition("T-1", "done");
    assert_eq!(
        r.code(),
        0,
        "enforcement: warn reports without blocking: {}",
        r.explain()
    );
    assert_eq!(
        r.findings("transition-not-allowed")[0]["severity"],
        "warning"
    );
    let disabled = repo
        .read("promethean.kanban.json")
        .replace("\"enabled\": true", "\"enabled\": false");
    repo.write("promethean.kanban.json", &disabled);
    assert_eq!(repo.qgate(&["transition", "T-1", "--to", "done"]).code(), 0);
}

#[test]
fn p0_task_needs_plan_review_and_commit() {
    for fmt in ALL {
        let mut bare = p0(3, "todo");
        bare.plan = false;
        bare.fm_review = None;
        let repo = build(fmt, &[bare], &[], "");
        repo.commit("initial import");
        let r = repo.transition(&fmt.id(3), "In Progress");
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(
            r.codes(),
            vec![
                "p0-missing-commit",
                "p0-missing-plan",
                "p0-missing-security-review"
            ],
            "{fmt:?}"
        );
        // Not gated: moving to review is gated too, moving to todo is not.
        let r = repo.qgate(&["transition", &fmt.id(3), "--to", "todo"]);
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());

        let full = build(fmt, &[p0(3, "todo")], &[], "");
        full.commit(&format!(
            "fix upload path handling ({})",
            fmt.id(3).to_lowercase()
        ));
        let r = full.transition(&fmt.id(3), "review");
        assert_eq!(
            r.code(),
            0,
            "{fmt:?}: commit mention is case-insensitive: {}",
            r.explain()
        );
    }
}

#[test]
fn p0_board_wide_check_covers_tasks_in_gated_statuses() {
    for fmt in ALL {
        let mut bad = p0(3, "review");
        bad.plan = false;
        let repo = build(fmt, &[bad, p0(4, "todo")], &[], "");
        repo.commit(&format!("work on {}", fmt.id(3)));
        let r = repo.qgate(&["check", "--format", "json"]);
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(
            r.codes(),
            vec!["p0-missing-plan"],
            "{fmt:?}: only the gated task"
        );
        let f = &r.findings("p0-missing-plan")[0];
        assert_eq!(f["subject"], fmt.id(3).as_str());
        assert_eq!(f["path"], fmt.task_file(3).as_str());
    }
}

#[test]
fn reviewer_who_is_the_assignee_is_refused() {
    for fmt in ALL {
        let mut t = p0(3, "todo");
        t.fm_review = Some(("@Alice", "approved"));
        let repo = build(fmt, &[t], &[], "");
        repo.commit(&format!("{} fix", fmt.id(3)));
        let r = repo.transition(&fmt.id(3), "review");
        assert_eq!(
            r.codes(),
            vec!["p0-self-review"],
            "{fmt:?}: {}",
            r.explain()
        );

        let mut t = p0(3, "todo");
        t.fm_review = None;
        t.section_review = Some("carol");
        let repo = build(fmt, &[t], &[], "p0:\n  reviewers: [bob]\n");
        repo.commit(&format!("{} fix", fmt.id(3)));
        let r = repo.transition(&fmt.id(3), "review");
        assert_eq!(
            r.codes(),
            vec!["p0-unauthorized-reviewer"],
            "{fmt:?}: {}",
            r.explain()
        );
        let f = &r.findings("p0-unauthorized-reviewer")[0];
        assert_eq!(
            f["path"],
            fmt.doc_file(3).as_str(),
            "{fmt:?}: points at the Approved-by line"
        );

        let mut t = p0(3, "todo");
        t.fm_review = Some(("bob", "changes_requested"));
        let repo = build(fmt, &[t], &[], "");
        repo.commit(&format!("{} fix", fmt.id(3)));
        let r = repo.transition(&fmt.id(3), "review");
        assert_eq!(r.codes(), vec!["p0-missing-security-review"], "{fmt:?}");
    }
}

#[test]
fn p0_relevance_by_keyword_and_priority_vocabulary() {
    for fmt in ALL {
        let mut t = p0(3, "todo");
        t.labels = vec![];
        t.title = "Patch CVE-2026-1234 in parser";
        t.priority = "critical";
        t.plan = false;
        let repo = build(fmt, &[t], &[], "");
        repo.commit(&format!("{} patch", fmt.id(3)));
        let r = repo.transition(&fmt.id(3), "done");
        assert_eq!(
            r.codes(),
            vec!["p0-missing-plan"],
            "{fmt:?}: {}",
            r.explain()
        );

        let mut t = p0(3, "todo");
        t.labels = vec!["frontend"];
        t.title = "Polish the header";
        t.plan = false;
        let repo = build(fmt, &[t], &[], "");
        repo.commit("unrelated");
        assert_eq!(
            repo.qgate(&["transition", &fmt.id(3), "--to", "done"])
                .code(),
            0,
            "{fmt:?}: not security-relevant"
        );
    }
}

#[test]
fn without_git_the_commit_requirement_fails_closed() {
    for fmt in ALL {
        let repo = Repo::without_git();
        common::write_board(&repo, fmt, &[p0(3, "todo")], &[], "");
        let r = repo.transition(&fmt.id(3), "review");
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(r.codes(), vec!["p0-missing-commit"]);
        let msg = r.findings("p0-missing-commit")[0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(msg.contains("no git repository"), "{msg}");

        let empty = Repo::new();
        common::write_board(&empty, fmt, &[p0(3, "todo")], &[], "");
        let r = empty.transition(&fmt.id(3), "review");
        assert_eq!(r.code(), 1);
        let msg = r.findings("p0-missing-commit")[0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(msg.contains("no commits"), "{msg}");
    }
}

#[test]
fn commit_mentions_are_whole_words() {
    let repo = build(Fmt::Backlog, &[p0(12, "todo")], &[], "");
    repo.commit("fix TASK-123 and TASK-1");
    let r = repo.transition("TASK-12", "review");
    assert_eq!(r.codes(), vec!["p0-missing-commit"], "{}", r.explain());
}

#[test]
fn apply_rewrites_only_the_status_and_refusal_changes_nothing() {
    for fmt in ALL {
        let repo = limits_board(fmt, 2);
        let file = fmt.task_file(1);
        let before = repo.read(&file);

        let r = repo.qgate(&["transition", &fmt.id(1), "--to", "In Progress", "--apply"]);
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        assert_eq!(
            repo.read(&file),
            before,
            "{fmt:?}: a refused move leaves the file byte-identical"
        );

        let r = repo.qgate(&["transition", &fmt.id(1), "--to", "review", "--apply"]);
        assert_eq!(r.code(), 0, "{fmt:?}: {}", r.explain());
        let after = repo.read(&file);
        match fmt {
            Fmt::Obsidian => {
                let expected = before.replace("- [ ] [[T-1]] Write docs\n", "").replace(
                    "- [ ] [[T-20]] Review me\n",
                    "- [ ] [[T-20]] Review me\n- [ ] [[T-1]] Write docs\n",
                );
                assert_eq!(after, expected);
            }
            _ => {
                let old = format!("status: {}\n", fmt.status("todo"));
                let new = format!("status: {}\n", fmt.status("review"));
                assert_eq!(after, before.replacen(&old, &new, 1), "{fmt:?}");
            }
        }
        let r = repo.qgate(&["check"]);
        assert_eq!(
            r.code(),
            0,
            "{fmt:?}: the board still reads: {}",
            r.explain()
        );
        let leftovers: Vec<_> = walk(repo.root())
            .into_iter()
            .filter(|p| p.contains(".qgate-"))
            .collect();
        assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn malformed_front_matter_is_a_finding_and_the_rest_is_still_judged() {
    for fmt in ALL {
        let repo = limits_board(fmt, 3);
        let bad = fmt.doc_file(1);
        let text = repo.read(&bad);
        let broken = text.replacen("title: ", "title: [unclosed ", 1);
        repo.write(&bad, &broken);
        let r = repo.qgate(&["check", "--format", "json"]);
        assert_eq!(r.code(), 1, "{fmt:?}: {}", r.explain());
        let codes = r.codes();
        assert!(
            codes.contains(&"task-front-matter-invalid".to_string()),
            "{fmt:?}: {codes:?}"
        );
        assert!(
            codes.contains(&"wip-limit-exceeded".to_string()),
            "{fmt:?}: other tasks still judged: {codes:?}"
        );
        let f = &r.findings("task-front-matter-invalid")[0];
        assert_eq!(f["path"], bad.as_str());
        assert!(f["line"].as_u64().unwrap() >= 2, "{f}");
    }
}

#[test]
fn missing_fields_are_findings() {
    let repo = build(Fmt::Backlog, &[task(1, "A", "todo")], &[], "");
    repo.write(
        "backlog/tasks/task-2 - B.md",
        "---\nid: TASK-2\ntitle: B\n---\n",
    );
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(r.codes(), vec!["task-missing-field"]);
    assert_eq!(r.findings("task-missing-field")[0]["subject"], "status");
}

#[test]
fn a_p0_review_cannot_be_waived_inline_unless_allowed() {
    let repo = build(Fmt::Backlog, &[p0(3, "review")], &[], "");
    repo.commit("import");
    let file = Fmt::Backlog.task_file(3);
    let text = repo.read(&file);
    repo.write(
        &file,
        &text.replacen(
            "status: Review\n",
            "# qgate:ignore[p0-security-review] reviewed it myself\nstatus: Review\n",
            1,
        ),
    );
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    assert_eq!(r.findings("p0-missing-commit")[0]["suppressed"], false);
    assert_eq!(
        r.findings("suppression-not-allowed").len(),
        1,
        "{}",
        r.explain()
    );
    let r = repo.transition("TASK-3", "done");
    assert_eq!(r.code(), 1, "the move is still judged: {}", r.explain());

    // The team may decide otherwise.
    repo.write(
        "qgate.yaml",
        "suppress:\n  allow: [p0-security-review, wip-limit]\n",
    );
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    assert_eq!(r.findings("p0-missing-commit")[0]["suppressed"], true);

    repo.write("qgate.yaml", "suppress:\n  allow: [p0-sekurity]\n");
    let r = repo.qgate(&["check"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(r.stderr().contains("suppress.allow"), "{}", r.stderr());
}

#[test]
fn suppressions_in_task_files_and_unused_ones() {
    let allow = "suppress:\n  allow: [p0-security-review, wip-limit]\n";
    let repo = build(Fmt::Backlog, &[p0(3, "review")], &[], allow);
    repo.commit("import");
    let file = Fmt::Backlog.task_file(3);
    let text = repo.read(&file);
    let suppressed = text.replacen(
        "status: Review\n",
        "# qgate:ignore[p0-missing-commit] commits live in the ops repository\nstatus: Review\n",
        1,
    );
    repo.write(&file, &suppressed);
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    assert!(r.findings("p0-missing-commit")[0]["suppressed"] == true);

    repo.commit("TASK-3 done");
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(
        r.code(),
        0,
        "an unused suppression is a warning: {}",
        r.explain()
    );
    assert_eq!(r.codes(), vec!["unused-suppression"]);

    repo.write(
        &file,
        &text.replacen(
            "status: Review\n",
            "status: Review # qgate:ignore[wip-limit]\n",
            1,
        ),
    );
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(
        r.codes(),
        vec!["suppression-without-reason", "unused-suppression"],
        "{}",
        r.explain()
    );
}

#[test]
fn obsidian_cards_without_notes_use_inline_tags() {
    let repo = Repo::new();
    repo.write(
        "boards/Team.md",
        "---\nkanban-plugin: basic\n---\n\n## Backlog\n\n- [ ] Patch CVE in parser #security #P0 @alice\n\n## Doing (1)\n\n- [ ] Something else\n\n## Done\n\n**Complete**\n- [x] Old\n\n***\n\n## Archive\n\n- [x] Archived card\n",
    );
    repo.commit("board");
    let r = repo.transition("Patch CVE", "Done");
    assert_eq!(
        r.codes(),
        vec![
            "p0-missing-commit",
            "p0-missing-plan",
            "p0-missing-security-review"
        ],
        "{}",
        r.explain()
    );
    let r = repo.transition("Old", "Doing");
    assert_eq!(r.codes(), vec!["wip-limit-full"], "{}", r.explain());
    let r = repo.transition("Old", "Archive");
    assert_eq!(
        r.codes(),
        vec!["unknown-status"],
        "the archive is not a lane: {}",
        r.explain()
    );
}

#[test]
fn broken_board_config_is_exit_2_naming_the_file() {
    let repo = build(Fmt::Promethean, &[task(1, "A", "todo")], &[], "");
    repo.write(
        "promethean.kanban.json",
        "{\n  \"tasksDir\": \"docs/agile/tasks\",\n  \"wipLimits\": {\"todo\": }\n}\n",
    );
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    let f = &r.findings("check-failed")[0];
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("promethean.kanban.json:3"),
        "{f}"
    );
    let r = repo.qgate(&["transition", "T-1", "--to", "done"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("promethean.kanban.json:3"),
        "{}",
        r.stderr()
    );
}

#[test]
fn the_task_cache_never_serves_a_stale_task() {
    for fmt in [Fmt::Promethean, Fmt::Backlog, Fmt::KanbanMd] {
        let tasks = vec![
            task(1, "A", "todo"),
            task(2, "B", "todo"),
            task(3, "C", "review"),
        ];
        let repo = build(fmt, &tasks, &[("review", 1)], "");
        repo.commit("board");
        // Only files whose timestamps are older than two seconds are cached.
        std::thread::sleep(std::time::Duration::from_millis(2200));
        let first = repo.qgate(&["check", "--format", "json"]);
        assert_eq!(first.code(), 0, "{fmt:?}: {}", first.explain());
        let cache = std::fs::read(repo.path(".qgate/cache/tasks.bin")).expect("cache written");
        let needle = fmt.task_file(2);
        assert!(
            cache.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{fmt:?}: settled tasks are cached"
        );
        assert!(repo.read(".qgate/cache/.gitignore").contains('*'));

        // Same size, new content: todo → done is 4 bytes either way for promethean/kanban-md;
        // the change time still differs.
        let file = fmt.task_file(2);
        let text = repo.read(&file);
        let (old, new) = (
            format!("status: {}\n", fmt.status("todo")),
            format!("status: {}\n", fmt.status("review")),
        );
        repo.write(&file, &text.replacen(&old, &new, 1));
        let r = repo.qgate(&["check", "--format", "json"]);
        assert_eq!(
            r.codes(),
            vec!["wip-limit-exceeded"],
            "{fmt:?}: the edit is seen: {}",
            r.explain()
        );
        let uncached = repo.qgate(&["check", "--format", "json", "--no-cache"]);
        assert_eq!(uncached.codes(), r.codes());

        // A P0 task served from the cache still has its sections read for the review gate.
        let repo = build(fmt, &[p0(7, "review")], &[], "");
        repo.commit(&format!("{} fix", fmt.id(7)));
        std::thread::sleep(std::time::Duration::from_millis(2200));
        assert_eq!(repo.qgate(&["check"]).code(), 0, "{fmt:?}: cold");
        let r = repo.qgate(&["check", "--format", "json"]);
        assert_eq!(r.code(), 0, "{fmt:?}: warm: {}", r.explain());
        let cache = std::fs::read(repo.path(".qgate/cache/tasks.bin")).expect("cache written");
        let needle = fmt.task_file(7);
        assert!(cache.windows(needle.len()).any(|w| w == needle.as_bytes()));
    }
}
