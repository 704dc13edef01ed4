//! Checks users declare in qgate.yaml: regex rules and external command checks.

mod common;

use common::Repo;

#[test]
fn regex_rules_forbid_and_require() {
    let repo = Repo::new();
    repo.write("src/a.py", "import pdb\n\ndef f():\n    print('debug')  # qgate:ignore[no-print-match] kept on purpose\n    x = 1; print(x)\n");
    repo.write("src/b.js", "console.log('x')\n");
    repo.write("src/lib.rs", "// SPDX-License-Identifier: MIT\nfn f() {}\n");
    repo.write("src/main.rs", "fn main() {}\n");
    repo.write(
        "qgate.yaml",
        "rules:\n  - id: no-print\n    message: remove debug prints\n    languages: [python]\n    pattern: '\\bprint\\('\n  - id: license-header\n    message: every Rust file carries an SPDX header\n    level: warn\n    paths: [\"src/**/*.rs\"]\n    not_pattern: 'SPDX-License-Identifier'\n",
    );
    let r = repo.qgate(&[
        "check",
        "--checks",
        "no-print,license-header",
        "--format",
        "json",
    ]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let prints = r.findings("no-print-match");
    assert_eq!(prints.len(), 2);
    assert!(
        prints
            .iter()
            .any(|f| f["line"] == 4 && f["suppressed"] == true)
    );
    let active: Vec<_> = prints.iter().filter(|f| f["suppressed"] == false).collect();
    assert_eq!(
        (active[0]["line"].as_u64(), active[0]["column"].as_u64()),
        (Some(5), Some(12))
    );
    let missing = r.findings("license-header-missing");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["path"], "src/main.rs");
    assert_eq!(missing[0]["severity"], "warning");

    let checks = repo.qgate(&["checks"]);
    assert!(
        checks
            .stdout()
            .lines()
            .any(|l| l.starts_with("no-print") && l.contains("remove debug prints")),
        "{}",
        checks.stdout()
    );
    assert!(
        checks
            .stdout()
            .lines()
            .any(|l| l.starts_with("license-header") && l.contains("warn"))
    );
    let e = repo.qgate(&["explain", "no-print-match"]);
    assert_eq!(e.code(), 0, "{}", e.explain());
    assert!(e.stdout().contains("\\bprint\\("), "{}", e.stdout());
}

#[test]
fn bad_rules_are_config_errors() {
    let cases = [
        (
            "rules:\n  - id: x\n    message: m\n    pattern: '('\n",
            "invalid regex",
        ),
        (
            "rules:\n  - id: wip-limit\n    message: m\n    pattern: a\n",
            "already taken",
        ),
        (
            "rules:\n  - id: Bad_Id\n    message: m\n    pattern: a\n",
            "kebab-case",
        ),
        ("rules:\n  - id: x\n    message: m\n", "exactly one of"),
        ("commands:\n  - id: c\n    run: []\n", "must name a program"),
        (
            "commands:\n  - id: c\n    run: [x]\n    timeout: soon\n",
            "duration",
        ),
    ];
    for (yaml, want) in cases {
        let repo = Repo::new();
        repo.write("qgate.yaml", yaml);
        let r = repo.qgate(&["check"]);
        assert_eq!(r.code(), 2, "{yaml}: {}", r.explain());
        assert!(
            r.stderr().contains(want) && r.stderr().contains("qgate.yaml"),
            "{yaml}: {}",
            r.stderr()
        );
    }
}

const CHECKER: &str = r#"import json, sys
req = json.load(sys.stdin)
assert req["qgate_command_check"] == 1
out = [{"message": "TODO left in " + f, "path": f, "line": 1, "severity": "warning"} for f in req["files"]
       if "TODO" in open(f).read()]
if req["config"] and req["config"].get("fail"):
    out.append({"message": "configured to fail", "code": "forced"})
json.dump({"findings": out}, sys.stdout)
"#;

#[test]
fn command_checks_speak_json_and_fail_closed() {
    let repo = Repo::new();
    repo.write("checks/todo.py", CHECKER);
    repo.write("src/a.py", "# TODO: later\n");
    repo.write("src/b.py", "print('done')\n");
    let cfg = "commands:\n  - id: todos\n    run: [python3, checks/todo.py]\n    files: \"src/**/*.py\"\n    timeout: 30s\n";
    repo.write("qgate.yaml", cfg);
    let r = repo.qgate(&["check", "--checks", "todos", "--format", "json"]);
    assert_eq!(r.code(), 0, "warnings only: {}", r.explain());
    let found = r.findings("todos-finding");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["path"], "src/a.py");

    repo.write("qgate.yaml", &format!("{cfg}    config: {{fail: true}}\n"));
    let r = repo.qgate(&["check", "--checks", "todos", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    assert_eq!(r.findings("todos-forced").len(), 1);

    let r = repo.qgate(&[
        "check",
        "--checks",
        "todos",
        "--no-exec",
        "--format",
        "json",
    ]);
    assert_eq!(r.code(), 0);
    assert!(r.stdout().contains("do not run under --no-exec"));

    repo.write(
        "qgate.yaml",
        "commands:\n  - id: broken\n    run: [python3, -c, \"import sys; sys.exit(3)\"]\n",
    );
    let r = repo.qgate(&["check", "--checks", "broken", "--format", "json"]);
    assert_eq!(
        r.code(),
        2,
        "a failure without JSON fails closed: {}",
        r.explain()
    );
    assert!(
        r.findings("check-failed")[0]["message"]
            .as_str()
            .unwrap()
            .contains("failing closed")
    );

    repo.write("qgate.yaml", "commands:\n  - id: slow\n    run: [python3, -c, \"import time; time.sleep(10)\"]\n    timeout: 500ms\n");
    let started = std::time::Instant::now();
    let r = repo.qgate(&["check", "--checks", "slow", "--format", "json"]);
    assert!(
        started.elapsed().as_secs() < 5,
        "the timeout kills the command"
    );
    assert_eq!(r.code(), 2);
    assert!(
        r.findings("check-failed")[0]["message"]
            .as_str()
            .unwrap()
            .contains("did not finish")
    );

    // A background child holding stdout does not outlive the timeout.
    repo.write(
        "qgate.yaml",
        "commands:\n  - id: daemon\n    run: [sh, -c, \"sleep 30 & echo started\"]\n    timeout: 1s\n",
    );
    let started = std::time::Instant::now();
    let r = repo.qgate(&["check", "--checks", "daemon", "--format", "json"]);
    assert!(
        started.elapsed().as_secs() < 5,
        "the timeout stops a command's background child: {:?}",
        started.elapsed()
    );
    assert_eq!(r.code(), 2, "{}", r.explain());

    // Multi-byte stderr from a failing command is cut on a character boundary.
    repo.write(
        "qgate.yaml",
        "commands:\n  - id: noisy\n    run: [python3, -c, \"import sys; sys.stderr.write('é' * 500 + '\\x1b[2J'); sys.exit(1)\"]\n",
    );
    let r = repo.qgate(&["check", "--checks", "noisy", "--format", "json"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    let msg = r.findings("check-failed")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("éé") && !msg.contains('\x1b'), "{msg}");

    repo.write(
        "qgate.yaml",
        "commands:\n  - id: missing\n    run: [no-such-program-qgate]\n",
    );
    assert_eq!(repo.qgate(&["check", "--checks", "missing"]).code(), 2);
}
