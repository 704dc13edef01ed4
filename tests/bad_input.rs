//! Broken and hostile input: every case ends with a clear exit code and a message that names
//! the file — never a panic, never a hang. (Other cases live next to their features:
//! binary, invalid UTF-8, huge, deep and broken sources and symlinks in tests/scan.rs;
//! shallow clones in tests/diff_aware.rs; no repository and no commits in tests/kanban_gates.rs.)

mod common;

use std::time::{Duration, Instant};

use common::{Fmt, Repo, build, p0};

fn timed(repo: &Repo, args: &[&str]) -> common::Run {
    let started = Instant::now();
    let r = repo.qgate(args);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{args:?} took {:?}",
        started.elapsed()
    );
    assert!(!r.stderr().contains("panicked"), "{}", r.stderr());
    r
}

#[test]
fn detached_head_still_walks_the_history() {
    let repo = build(Fmt::Backlog, &[p0(3, "review")], &[], "");
    repo.commit("TASK-3: fix");
    repo.write("other.txt", "x");
    repo.commit("unrelated");
    let git = repo.git.as_ref().unwrap();
    let first = git
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .parent(0)
        .unwrap();
    git.set_head_detached(first.id()).unwrap();
    let r = timed(&repo, &["check", "--format", "json"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
}

#[test]
fn a_twenty_megabyte_line_is_skipped_with_a_note() {
    let repo = Repo::new();
    let mut big = Vec::with_capacity(20 * 1024 * 1024 + 16);
    big.extend_from_slice(b"x = '");
    big.resize(20 * 1024 * 1024, b'a');
    big.extend_from_slice(b"'\n");
    std::fs::write(repo.path("huge.py"), big).unwrap();
    let r = timed(&repo, &["check", "--format", "json"]);
    assert_eq!(r.code(), 0);
    assert!(
        r.stdout().contains("huge.py: not scanned: larger than"),
        "{}",
        r.stdout()
    );
}

#[test]
fn crlf_and_bom_parse_fine() {
    let repo = Repo::new();
    repo.write("qgate.yaml", "\u{feff}checks:\r\n  wip-limit: warn\r\n");
    repo.write(
        "backlog/config.yml",
        "\u{feff}statuses: [\"Todo\", \"Done\"]\r\n",
    );
    repo.write(
        "backlog/tasks/t.md",
        "\u{feff}---\r\nid: T-1\r\ntitle: A\r\nstatus: Todo\r\n---\r\n\r\nBody\r\n",
    );
    repo.write(
        "app.py",
        "\u{feff}from flask import request\r\nimport os\r\nos.remove(request.args['f'])\r\n",
    );
    let r = timed(&repo, &["check", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    assert_eq!(r.codes(), vec!["tainted-path"], "{}", r.stdout());
    assert_eq!(r.findings("tainted-path")[0]["line"], 3);
    let t = timed(&repo, &["transition", "T-1", "--to", "Done", "--apply"]);
    assert_eq!(t.code(), 0, "{}", t.explain());
    assert_eq!(
        repo.read("backlog/tasks/t.md"),
        "\u{feff}---\r\nid: T-1\r\ntitle: A\r\nstatus: Done\r\n---\r\n\r\nBody\r\n"
    );

    // A promethean board config with a byte-order mark.
    let repo = Repo::new();
    repo.write(
        "promethean.kanban.json",
        "\u{feff}{\"tasksDir\": \"tasks\", \"statusValues\": [\"todo\", \"done\"]}\n",
    );
    repo.write(
        "tasks/a.md",
        "---\nuuid: 11111111-aaaa\ntitle: A\nstatus: todo\npriority: P3\n---\n",
    );
    let r = timed(&repo, &["check", "--format", "json"]);
    assert_ne!(r.code(), 2, "{}", r.explain());
    assert!(r.findings("check-failed").is_empty(), "{}", r.stdout());
}

#[test]
fn yaml_bombs_in_config_and_front_matter_fail_fast() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let repo = Repo::new();
    repo.write("qgate.yaml", &bomb);
    let r = timed(&repo, &["check"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("qgate.yaml"), "{}", r.stderr());

    let repo = Repo::new();
    repo.write("backlog/config.yml", "statuses: [\"Todo\"]\n");
    repo.write("backlog/tasks/bomb.md", &format!("---\n{bomb}---\n"));
    repo.write(
        "backlog/tasks/deep.md",
        &format!(
            "---\nx: {}{}\n---\n",
            "[".repeat(20_000),
            "]".repeat(20_000)
        ),
    );
    repo.write(
        "backlog/tasks/ok.md",
        "---\nid: T-1\ntitle: A\nstatus: Todo\n---\n",
    );
    let r = timed(&repo, &["check", "--format", "json"]);
    assert_eq!(r.code(), 1);
    let bad: Vec<String> = r
        .findings("task-front-matter-invalid")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bad, vec!["backlog/tasks/bomb.md", "backlog/tasks/deep.md"]);
}

#[test]
fn special_files_and_unreadable_input_never_hang_or_crash() {
    let repo = Repo::new();
    repo.write("backlog/config.yml", "statuses: [\"Todo\"]\n");
    repo.write(
        "backlog/tasks/ok.md",
        "---\nid: T-1\ntitle: A\nstatus: Todo\n---\n",
    );
    std::fs::write(
        repo.path("backlog/tasks/latin1.md"),
        b"---\nid: T-2\ntitle: caf\xe9\nstatus: Todo\n---\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        // A FIFO opened for reading would block forever: it must never be read.
        for p in ["pipe.py", "backlog/tasks/pipe.md"] {
            common::mkfifo(&repo.path(p));
        }
        // A file that vanished between listing and reading: a dangling link.
        std::os::unix::fs::symlink(repo.path("gone.py"), repo.path("vanished.py")).unwrap();
    }
    let r = timed(&repo, &["check", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let unreadable = r.findings("task-unreadable");
    assert_eq!(unreadable.len(), 1, "{}", r.stdout());
    assert_eq!(unreadable[0]["path"], "backlog/tasks/latin1.md");
    assert!(unreadable[0]["message"].as_str().unwrap().contains("UTF-8"));
}

#[test]
fn control_characters_from_the_repository_never_reach_the_terminal_raw() {
    let repo = Repo::new();
    repo.write("backlog/config.yml", "statuses: [\"Todo\", \"Done\"]\n");
    repo.write(
        "backlog/tasks/t.md",
        "---\nid: T-1\ntitle: A\nstatus: \"Wa\\e[2Jit\\a\"\n---\n\nBody\n",
    );
    // An unknown id is echoed in the error.
    let t = timed(&repo, &["transition", "T-\u{1b}[31m9", "--to", "Done"]);
    assert_eq!(t.code(), 2, "{}", t.explain());
    assert!(!t.stderr().contains('\u{1b}'), "{:?}", t.stderr());
    assert!(t.stderr().contains("\\u{1b}"), "{:?}", t.stderr());
    // A title with ESC and BEL in a GitHub annotation.
    let r = timed(&repo, &["board", "--format", "github"]);
    let out = r.stdout();
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
}

#[test]
fn a_minified_line_full_of_findings_stays_small_and_fast() {
    let repo = Repo::new();
    // One line, thousands of sinks fed by the request, ~600 KB.
    let mut line = String::from("const fs=require('fs');app.get('/x',(req,res)=>{");
    for i in 0..6000 {
        line.push_str(&format!("fs.readFileSync(req.query.a{i});"));
    }
    line.push_str("});\n");
    repo.write("dist/app.min.js", &line);
    let r = timed(
        &repo,
        &["check", "--checks", "path-traversal", "--format", "json"],
    );
    assert_eq!(r.code(), 1, "{}", r.explain());
    let shown = r.findings("tainted-path");
    assert_eq!(shown.len(), 100, "capped per file and code");
    let notes = r.findings("too-many-findings");
    assert_eq!(notes.len(), 1, "{}", r.stdout());
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("5900 more"),
        "{}",
        notes[0]["message"]
    );
    // The text report shows a window of the line, not the whole line per finding.
    let t = timed(&repo, &["check", "--checks", "path-traversal"]);
    assert!(t.stdout().len() < 100 * 1500, "{} bytes", t.stdout().len());
    assert!(t.stdout().contains('…'));
}

#[cfg(unix)]
#[test]
fn perf_results_that_are_fifos_or_devices_are_refused_at_once() {
    let repo = Repo::new();
    repo.write(
        "bench/base.txt",
        "test a ... bench:         100 ns/iter (+/- 1)\n",
    );
    common::mkfifo(&repo.path("bench/fifo.txt"));
    std::os::unix::fs::symlink("/dev/zero", repo.path("bench/zero.txt")).unwrap();
    for results in ["bench/fifo.txt", "bench/zero.txt"] {
        repo.write(
            "qgate.yaml",
            &format!("checks:\n  perf-regression: error\nperf:\n  results: [{results}]\n  baseline: [bench/base.txt]\n"),
        );
        let started = Instant::now();
        let r = timed(
            &repo,
            &["check", "--checks", "perf-regression", "--format", "json"],
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{results}");
        assert_eq!(r.code(), 2, "{results}: {}", r.explain());
        assert!(r.stdout().contains("not a regular file"), "{}", r.stdout());
    }
}

#[test]
fn deep_yaml_and_many_keys_are_read_in_linear_time() {
    let repo = Repo::new();
    // 100k levels of flow nesting in the config: refused at once, naming the line.
    repo.write(
        "qgate.yaml",
        &format!(
            "checks:\n  x: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    );
    let r = timed(&repo, &["check"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("qgate.yaml:2"), "{}", r.stderr());
    assert!(r.stderr().contains("deeper than 64"), "{}", r.stderr());

    // Block nesting in front matter, and 100k keys.
    let repo = Repo::new();
    repo.write("backlog/config.yml", "statuses: [\"Todo\"]\n");
    let mut deep = String::from("---\n");
    for i in 0..2000 {
        deep.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
    }
    deep.push_str("---\n");
    repo.write("backlog/tasks/deep.md", &deep);
    let mut keys = String::from("---\nid: T-2\ntitle: B\nstatus: Todo\n");
    for i in 0..100_000 {
        keys.push_str(&format!("k{i}: v\n"));
    }
    keys.push_str("---\n");
    repo.write("backlog/tasks/keys.md", &keys);
    let started = Instant::now();
    let r = timed(&repo, &["check", "--format", "json"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let bad: Vec<String> = r
        .findings("task-front-matter-invalid")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bad, vec!["backlog/tasks/deep.md"], "{}", r.stdout());
}
