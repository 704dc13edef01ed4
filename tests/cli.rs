//! The command line as users meet it: no config, `init`, config errors, levels, flags.

mod common;

use common::{Fmt, Repo, build, p0, qgate_in, task};

#[test]
fn no_config_no_board_passes_and_says_what_it_checked() {
    for repo in [Repo::new(), Repo::without_git()] {
        repo.write("src/main.py", "print('hi')\n");
        let r = repo.qgate(&["check"]);
        assert_eq!(r.code(), 0, "{}", r.explain());
        let out = r.stdout();
        assert!(out.contains("no kanban board found"), "{out}");
        // Said once, naming the other checks it holds for, not once per kanban check.
        assert_eq!(out.matches("no kanban board found").count(), 1, "{out}");
        assert!(
            out.contains("(also wip-limit, transition-rules, p0-security-review)"),
            "{out}"
        );
        assert!(
            out.contains("qgate: passed: 0 errors, 0 warnings in 7 checks"),
            "{out}"
        );
    }
}

#[test]
fn runs_from_a_subdirectory_against_the_repository_root() {
    let repo = build(Fmt::Backlog, &[task(1, "A", "todo")], &[], "");
    repo.write("src/deep/x.txt", "x");
    repo.commit("init");
    let r = qgate_in(
        &repo.path("src/deep"),
        &["transition", "TASK-1", "--to", "done"],
    );
    assert_eq!(r.code(), 0, "{}", r.explain());
}

#[test]
fn init_writes_a_valid_template_and_never_clobbers() {
    let repo = Repo::new();
    let r = repo.qgate(&["init"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    let text = repo.read("qgate.yaml");
    for key in [
        "checks:",
        "wip-limit: error",
        "perf-regression: warn",
        "exclude:",
        "kanban:",
        "p0:",
        "perf:",
    ] {
        assert!(text.contains(key), "template has {key}");
    }
    assert_eq!(
        repo.qgate(&["check"]).code(),
        0,
        "the template is a valid config"
    );
    repo.write("qgate.yaml", "# mine\n");
    let r = repo.qgate(&["init"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("--force"), "{}", r.stderr());
    assert_eq!(repo.read("qgate.yaml"), "# mine\n");
    assert_eq!(repo.qgate(&["init", "--force"]).code(), 0);
    assert_eq!(repo.read("qgate.yaml"), text);
}

#[test]
fn invalid_config_is_exit_2_naming_file_line_and_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "kanban:\n  format: auto\n  wip_limit:\n    review: 2\n",
            "qgate.yaml:3",
            "unknown field `wip_limit`",
        ),
        (
            "checks:\n  wip-limit: fatal\n",
            "qgate.yaml:2",
            "checks.wip-limit",
        ),
        (
            "kanban:\n  wip_limits:\n    review: two\n",
            "qgate.yaml:3",
            "kanban.wip_limits.review",
        ),
        ("p0:\n  reviewers: bob\n", "qgate.yaml:2", "p0.reviewers"),
        (
            "p0:\n  keywords: [cve, \"\"]\n",
            "qgate.yaml:2",
            "p0.keywords",
        ),
        (
            "scan:\n  max_file_size: 18000000000000MB\n",
            "qgate.yaml:2",
            "too large",
        ),
        (
            "perf:\n  confidence: 2\n",
            "qgate.yaml:2",
            "perf.confidence",
        ),
        (
            "checks:\n  wip-limit: error\n  - oops\n",
            "qgate.yaml:3:3",
            "did not find expected key, while parsing",
        ),
        (
            "checks: [wip-limit]\n",
            "qgate.yaml:1",
            "expected a mapping",
        ),
        (
            "kanban:\n  format: trello\n",
            "qgate.yaml:2",
            "kanban.format",
        ),
        ("exclude: [\"a/[\"]\n", "qgate.yaml:1", "exclude[0]"),
    ];
    for (yaml, at, what) in cases {
        let repo = Repo::new();
        repo.write("qgate.yaml", yaml);
        let r = repo.qgate(&["check"]);
        assert_eq!(r.code(), 2, "{yaml:?}: {}", r.explain());
        let err = r.stderr();
        assert!(
            err.contains(at) && err.contains(what),
            "{yaml:?}: want {at} and {what} in: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // A byte that is not UTF-8: its line.
    let repo = Repo::new();
    std::fs::write(repo.path("qgate.yaml"), b"checks:\n  wip-limit: \xff\n").unwrap();
    let r = repo.qgate(&["check"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("qgate.yaml:2"), "{}", r.stderr());
    assert!(r.stderr().contains("UTF-8"), "{}", r.stderr());
}

#[test]
fn explicit_config_path_and_missing_file() {
    let repo = Repo::new();
    repo.write("ci/qgate.yaml", "checks:\n  wip-limit: off\n");
    let r = repo.qgate(&["checks", "--config", "ci/qgate.yaml"]);
    assert_eq!(r.code(), 0);
    assert!(
        r.stdout()
            .lines()
            .any(|l| l.starts_with("wip-limit") && l.contains("off")),
        "{}",
        r.stdout()
    );
    let r = repo.qgate(&["check", "--config", "nope.yaml"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("nope.yaml"), "{}", r.stderr());
}

#[test]
fn checks_and_explain_document_every_check_and_code() {
    let repo = Repo::new();
    let r = repo.qgate(&["checks"]);
    assert_eq!(r.code(), 0);
    for id in [
        "wip-limit",
        "p0-security-review",
        "transition-rules",
        "task-format",
    ] {
        assert!(
            r.stdout()
                .lines()
                .any(|l| l.starts_with(id) && l.contains("error")),
            "{id}: {}",
            r.stdout()
        );
        let e = repo.qgate(&["explain", id]);
        assert_eq!(e.code(), 0);
        assert!(e.stdout().contains("Finding codes:"), "{}", e.stdout());
    }
    for code in [
        "p0-self-review",
        "wip-limit-full",
        "unused-suppression",
        "task-front-matter-invalid",
    ] {
        let e = repo.qgate(&["explain", code]);
        assert_eq!(e.code(), 0, "{code}");
        assert!(e.stdout().starts_with(code), "{}", e.stdout());
    }
    let e = repo.qgate(&["explain", "no-such-thing"]);
    assert_eq!(e.code(), 2);
}

#[test]
fn levels_warn_and_off() {
    let tasks = [task(1, "A", "review"), task(2, "B", "review")];
    let repo = build(
        Fmt::KanbanMd,
        &tasks,
        &[("review", 1)],
        "checks:\n  wip-limit: warn\n",
    );
    repo.commit("x");
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(r.code(), 0, "warn does not block: {}", r.explain());
    let f = &r.findings("wip-limit-exceeded")[0];
    assert_eq!(f["severity"], "warning");
    assert_eq!(repo.qgate(&["check", "--fail-on", "warning"]).code(), 1);

    repo.write("qgate.yaml", "checks:\n  wip-limit: off\n");
    let r = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(r.code(), 0);
    let wip = r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "wip-limit")
        .cloned()
        .unwrap();
    assert_eq!(wip["status"], "skipped");
}

#[test]
fn exit_zero_checks_selection_and_formats() {
    let tasks = [task(1, "A", "review"), task(2, "B", "review")];
    let repo = build(Fmt::KanbanMd, &tasks, &[("review", 1)], "");
    repo.commit("x");
    assert_eq!(repo.qgate(&["check"]).code(), 1);
    assert_eq!(repo.qgate(&["check", "--exit-zero"]).code(), 0);
    let r = repo.qgate(&[
        "check",
        "--checks",
        "task-format,transition-rules",
        "--format",
        "json",
    ]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    let ids: Vec<String> = r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["task-format", "transition-rules"]);

    let r = repo.qgate(&["check", "--checks", "wip-limits"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("unknown check `wip-limits`"),
        "{}",
        r.stderr()
    );
    let r = repo.qgate(&["check", "--format", "yaml"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("possible values"), "{}", r.stderr());
    let r = repo.qgate(&["check", "--report", "junit"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("FORMAT=PATH"), "{}", r.stderr());
    let r = repo.qgate(&["check", "does-not-exist.py"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("does-not-exist.py"), "{}", r.stderr());
}

#[test]
fn watch_refuses_bad_options_before_it_starts() {
    let repo = Repo::new();
    let r = repo.qgate(&["watch", "--http", "nonsense"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(
        r.stderr().contains("--http: `nonsense` is not an address"),
        "{}",
        r.stderr()
    );
    let r = repo.qgate(&["watch", "--on-violation", "true", "--no-exec"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    let r = repo.qgate(&["watch", "--checks", "nope"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(
        r.stderr().contains("unknown check `nope`"),
        "{}",
        r.stderr()
    );
    repo.write("qgate.yaml", "checks: [\n");
    let r = repo.qgate(&["watch"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(r.stderr().contains("qgate.yaml"), "{}", r.stderr());
}

#[test]
fn unknown_commands_exit_2() {
    let repo = Repo::new();
    let r = repo.qgate(&["frobnicate"]);
    assert_eq!(r.code(), 2, "usage errors are exit 2");
}

#[test]
fn colour_only_when_asked() {
    let repo = build(Fmt::Backlog, &[p0(3, "review")], &[], "");
    repo.commit("x");
    let plain = repo.qgate(&["check"]);
    assert!(
        !plain.stdout().contains('\x1b'),
        "no colour when piped or with NO_COLOR"
    );
    let forced = repo.qgate(&["check", "--color", "always"]);
    assert!(forced.stdout().contains('\x1b'), "--color always");
}

#[test]
fn transition_needs_a_board() {
    let repo = Repo::new();
    let r = repo.qgate(&["transition", "X-1", "--to", "done"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("no kanban board found"),
        "{}",
        r.stderr()
    );
}

#[test]
fn explain_teaches_the_compliance_score() {
    let repo = Repo::new();
    let r = repo.qgate(&["explain", "compliance-score"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    for needle in [
        "risk weight",
        "10 points for every open error",
        "security",
        "weighted mean",
    ] {
        assert!(
            r.stdout().contains(needle),
            "missing `{needle}`:\n{}",
            r.stdout()
        );
    }
}

#[test]
fn a_new_state_directory_ignores_itself() {
    let repo = Repo::new();
    repo.write("src/a.py", "print('ok')\n");
    repo.commit("code");
    assert_eq!(repo.qgate(&["check"]).code(), 0);
    assert!(repo.read(".qgate/.gitignore").lines().any(|l| l == "*"));
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(repo.root())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&status.stdout);
    assert!(!out.contains(".qgate"), "untracked state: {out}");

    // A `.qgate` the project keeps (a committed baseline) gets no ignore file.
    let kept = Repo::new();
    kept.write(
        ".qgate/baseline.json",
        "{\"version\": 1, \"entries\": []}\n",
    );
    let _ = kept.qgate(&["check"]);
    assert!(!kept.path(".qgate/.gitignore").exists());
}

#[test]
fn directory_arguments_mean_every_file_below_them() {
    let repo = Repo::new();
    repo.write(
        "src/app.py",
        "from flask import request\n\n\ndef view():\n    return open(request.args['p']).read()\n",
    );
    repo.write("other/ok.py", "print('hi')\n");
    for arg in [".", "src", "src/"] {
        let r = repo.qgate(&["check", arg]);
        assert_eq!(
            r.code(),
            1,
            "`qgate check {arg}` scans what is below: {}",
            r.explain()
        );
        assert!(r.stdout().contains("src/app.py"), "{}", r.stdout());
    }
    let r = repo.qgate(&["check", "other"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
}
