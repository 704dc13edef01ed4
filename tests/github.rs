//! `--format github`: escaped workflow commands, at most 10 per level with the most important
//! first and a trailing count, and the Markdown step summary.

mod common;

use common::Repo;

#[test]
fn annotations_are_escaped_capped_and_counted() {
    let repo = Repo::new();
    // 12 vulnerable sinks in a file whose name needs escaping, one warning-level check.
    let mut src = String::from("import os\nfrom flask import request\n\n");
    for i in 0..12 {
        src.push_str(&format!(
            "def h{i}():\n    os.remove(request.args['f{i}'])\n\n"
        ));
    }
    repo.write("we,ird:name.py", &src);
    repo.write("qgate.yaml", "checks:\n  input-validation: warn\n");
    repo.write("cmd.py", "import os\nfrom flask import request\n\ndef run():\n    os.system('ls ' + request.args['d'])\n");
    let summary = repo.path("summary.md");
    let out = assert_cmd::Command::cargo_bin("qgate")
        .unwrap()
        .current_dir(repo.root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("::error ")).collect();
    let warnings: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("::warning "))
        .collect();
    assert_eq!(errors.len(), 10, "{stdout}");
    assert_eq!(warnings.len(), 1, "{stdout}");
    let first_warning = lines
        .iter()
        .position(|l| l.starts_with("::warning "))
        .unwrap();
    let last_error = lines
        .iter()
        .rposition(|l| l.starts_with("::error "))
        .unwrap();
    assert!(last_error < first_warning, "errors come first");
    assert!(
        errors[0].starts_with("::error file=we%2Cird%3Aname.py,line="),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains(",title=qgate tainted-path::"),
        "{}",
        errors[0]
    );
    let notice = lines
        .iter()
        .find(|l| l.starts_with("::notice "))
        .expect("a trailing notice");
    assert!(notice.contains("2 more finding(s) not shown"), "{notice}");
    assert!(
        stdout.contains("qgate: blocked"),
        "the log keeps the full report"
    );

    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## qgate: blocked"), "{md}");
    assert!(
        md.contains("| `path-traversal` | **fail** | 12 | 0 |"),
        "{md}"
    );
    assert!(md.contains("| `input-validation` | warn | 0 | 1 |"), "{md}");
    assert!(md.len() < 1024 * 1024);
}

#[test]
fn messages_with_newlines_and_percent_stay_one_command() {
    let repo = Repo::new();
    repo.write("backlog/config.yml", "statuses: [\"Todo\", \"Done\"]\n");
    repo.write(
        "backlog/tasks/t.md",
        "---\nid: T-1\ntitle: 100% broken: yes\nstatus: [x\n---\n",
    );
    let r = repo.qgate(&["check", "--format", "github"]);
    let line = r
        .stdout()
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap()
        .to_string();
    assert!(!line.contains('\n') && !line.contains('\r'));
    assert!(line.contains("file=backlog/tasks/t.md,line="), "{line}");
}

#[test]
fn the_summary_has_a_benchmark_table() {
    let repo = Repo::new();
    repo.write(
        "old.json",
        r#"[{"name":"parse","unit":"ms","value":10},{"name":"render","unit":"ms","value":5}]"#,
    );
    repo.write(
        "new.json",
        r#"[{"name":"parse","unit":"ms","value":15},{"name":"render","unit":"ms","value":5}]"#,
    );
    repo.write(
        "qgate.yaml",
        "perf:\n  results: [new.json]\n  baseline: [old.json]\n",
    );
    let summary = repo.path("s.md");
    let out = assert_cmd::Command::cargo_bin("qgate")
        .unwrap()
        .current_dir(repo.root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "check",
            "--checks",
            "perf-regression",
            "--format",
            "json",
            "--report",
            "github=gh.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("### Benchmarks"), "{md}");
    assert!(md.contains("| `parse` | **slower** ❌ |"), "{md}");
    assert!(md.contains("| `render` | unchanged |"), "{md}");
}
