//! Report formats, read as their consumers read them: JSON through a schema declared here,
//! JUnit through a real JUnit parser (Python's junitparser), text and all formats as snapshots.

mod common;

use std::path::Path;

use common::{Repo, python_module};
use serde::Deserialize;

const FORMATS: [&str; 4] = ["backlog", "promethean", "kanban-md", "obsidian"];

/// A fixture board copied into a fresh git repository with one commit.
fn fixture(name: &str) -> Repo {
    let repo = Repo::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/kanban")
        .join(name)
        .join("basic");
    common::copy_dir(&src, repo.root());
    repo.commit("import the board (work on BACK-1, SEC-4)");
    repo
}

/// Durations and the version change between runs; nothing else may.
fn stable_text(s: &str) -> String {
    let re = regex_lite(s);
    re.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

/// Replaces `(12.3 ms)` / `(1.20 s)` with `([TIME])` without pulling in a regex crate.
fn regex_lite(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('(') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find(')') {
            Some(j) if is_duration(&after[..j]) => {
                out.push_str("([TIME])");
                rest = &after[j + 1..];
            }
            _ => {
                out.push('(');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_duration(s: &str) -> bool {
    let num = s.strip_suffix(" ms").or_else(|| s.strip_suffix(" s"));
    num.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

#[test]
fn text_reports() {
    for name in FORMATS {
        let repo = fixture(name);
        let r = repo.qgate(&["check"]);
        assert_eq!(r.code(), 1, "{name}: {}", r.explain());
        insta::assert_snapshot!(format!("text-{name}"), stable_text(&r.stdout()));
    }
}

#[test]
fn json_reports() {
    for name in FORMATS {
        let repo = fixture(name);
        let r = repo.qgate(&["check", "--format", "json"]);
        assert_eq!(r.code(), 1, "{name}: {}", r.explain());
        let v = r.json();
        insta::assert_json_snapshot!(format!("json-{name}"), v, {
            ".duration_ms" => "[ms]",
            ".checks[].duration_ms" => "[ms]",
            ".tool.version" => "[VERSION]",
        });
    }
}

#[test]
fn junit_report_snapshot() {
    let repo = fixture("backlog");
    let r = repo.qgate(&["check", "--format", "junit"]);
    assert_eq!(r.code(), 1);
    let xml = r.stdout();
    let mut stable = String::new();
    for line in xml.lines() {
        let mut l = line.to_string();
        while let Some(i) = l.find(" time=\"") {
            let end = l[i + 7..].find('"').map_or(l.len(), |j| i + 7 + j + 1);
            l.replace_range(i..end, "");
        }
        stable.push_str(&l);
        stable.push('\n');
    }
    insta::assert_snapshot!("junit-backlog", stable);
}

// ---- the JSON report read through the contract's schema, version 1 ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ReportV1 {
    schema_version: u32,
    tool: ToolV1,
    verdict: String,
    exit_code: i32,
    duration_ms: f64,
    checks: Vec<CheckV1>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ToolV1 {
    name: String,
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CheckV1 {
    id: String,
    level: String,
    status: String,
    duration_ms: f64,
    findings: Vec<FindingV1>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FindingV1 {
    code: String,
    severity: String,
    message: String,
    path: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    subject: Option<String>,
    fingerprint: String,
    suppressed: bool,
}

#[test]
fn json_follows_schema_version_1() {
    for name in FORMATS {
        let repo = fixture(name);
        let r = repo.qgate(&["check", "--format", "json"]);
        let rep: ReportV1 = serde_json::from_slice(&r.out.stdout).expect("schema v1");
        assert_eq!(rep.schema_version, 1);
        assert_eq!(rep.tool.name, "qgate");
        assert_eq!((rep.verdict.as_str(), rep.exit_code), ("fail", 1));
        for c in &rep.checks {
            assert!(
                ["error", "warn", "off"].contains(&c.level.as_str()),
                "{c:?}"
            );
            assert!(
                ["pass", "fail", "warn", "error", "skipped"].contains(&c.status.as_str()),
                "{c:?}"
            );
            assert!(c.duration_ms >= 0.0);
            for f in &c.findings {
                assert!(
                    ["error", "warning", "note"].contains(&f.severity.as_str()),
                    "{f:?}"
                );
                assert!(
                    f.code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                );
                assert_eq!(f.fingerprint.len(), 32);
                if let Some(p) = &f.path {
                    assert!(
                        !p.starts_with('/') && !p.contains('\\'),
                        "repo-relative, `/`: {p}"
                    );
                }
            }
        }
    }
}

#[test]
fn fingerprints_survive_line_moves() {
    let repo = fixture("backlog");
    let before = repo.qgate(&["check", "--format", "json"]).json();
    let file = "backlog/tasks/back-2 - Fix-path-traversal-in-receipt-download.md";
    let text = repo.read(file);
    repo.write(file, &text.replacen("---\n", "---\nreporter: '@erin'\n", 1));
    let after = repo.qgate(&["check", "--format", "json"]).json();
    let prints = |v: &serde_json::Value| -> Vec<(String, u64)> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["findings"].as_array().unwrap().clone())
            .filter(|f| f["path"] == file)
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (b, a) = (prints(&before), prints(&after));
    assert!(!b.is_empty());
    assert_eq!(
        b.iter().map(|x| &x.0).collect::<Vec<_>>(),
        a.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    assert_ne!(
        b.iter().map(|x| x.1).collect::<Vec<_>>(),
        a.iter().map(|x| x.1).collect::<Vec<_>>()
    );
}

#[test]
fn junit_reads_back_in_a_real_junit_parser() {
    if !python_module("junitparser") {
        eprintln!("skipped: python junitparser is not installed (pip install junitparser)");
        return;
    }
    for name in FORMATS {
        let repo = fixture(name);
        let out = repo.path("out");
        std::fs::create_dir_all(&out).unwrap();
        let r = repo.qgate(&[
            "check",
            "--format",
            "json",
            "--report",
            "junit=out/qgate.xml",
            "--report",
            "text=out/qgate.txt",
        ]);
        assert_eq!(r.code(), 1);
        assert!(
            std::fs::read_to_string(out.join("qgate.txt"))
                .unwrap()
                .contains("qgate: blocked")
        );
        let report = r.json();
        let checks = report["checks"].as_array().unwrap();
        let failing: usize = checks
            .iter()
            .flat_map(|c| c["findings"].as_array().unwrap())
            .filter(|f| f["severity"] != "note" && f["suppressed"] == false)
            .count();
        let script = r#"
import sys, json
from junitparser import JUnitXml, Failure, Error
xml = JUnitXml.fromfile(sys.argv[1])
suites, failing, located = [], 0, 0
for suite in xml:
    suites.append(suite.name)
    for case in suite:
        bad = [r for r in case.result if isinstance(r, (Failure, Error))]
        if bad:
            failing += 1
            if case._elem.get("file") and case._elem.get("line"):
                located += 1
print(json.dumps({"suites": suites, "failing": failing, "located": located}))
"#;
        let py = std::process::Command::new("python3")
            .args(["-c", script, out.join("qgate.xml").to_str().unwrap()])
            .output()
            .expect("python3");
        assert!(
            py.status.success(),
            "{}",
            String::from_utf8_lossy(&py.stderr)
        );
        let parsed: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
        let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
        let suites: Vec<&str> = parsed["suites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(suites, ids, "{name}: one <testsuite> per check");
        assert_eq!(
            parsed["failing"].as_u64().unwrap() as usize,
            failing,
            "{name}: one failing case per finding"
        );
        assert!(
            parsed["located"].as_u64().unwrap() > 0,
            "{name}: failing cases carry file and line"
        );
    }
}

/// `12.3 ms` → `[ms]` anywhere.
fn scrub_ms(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start_ok = i == 0 || !(b[i - 1].is_ascii_digit() || b[i - 1] == b'.');
        if start_ok && b[i].is_ascii_digit() {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            if s[j..].starts_with(" ms") {
                out.push_str("[ms]");
                i = j + 3;
                continue;
            }
            out.push_str(&s[i..j]);
            i = j;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[test]
fn prometheus_report_snapshot() {
    let repo = fixture("backlog");
    let r = repo.qgate(&["check", "--format", "prometheus"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let stable: Vec<String> = r
        .stdout()
        .lines()
        .map(|l| {
            let timed = l.starts_with("qgate_check_duration_seconds")
                || l.starts_with("qgate_last_evaluation_timestamp_seconds");
            match (timed && !l.starts_with('#'), l.rsplit_once(' ')) {
                (true, Some((k, _))) if !k.contains("le=\"+Inf\"") && !k.ends_with("_count") => {
                    format!("{k} [value]")
                }
                _ => l.to_string(),
            }
        })
        .collect();
    insta::assert_snapshot!("prometheus-backlog", stable.join("\n"));
}

#[test]
fn html_report_snapshot() {
    let repo = fixture("backlog");
    let r = repo.qgate(&["check", "--format", "html"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let html = scrub_ms(&r.stdout()).replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    // One row per element, so a change reads as a small diff.
    insta::assert_snapshot!("html-backlog", html.replace("><", ">\n<"));
}

#[cfg(unix)]
#[test]
fn report_outputs_write_through_links_fifos_and_stdout() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let repo = Repo::new();
    repo.write("src/a.py", "print('ok')\n");
    // A link: its target is replaced, the link stays.
    std::fs::create_dir_all(repo.path("out")).unwrap();
    std::os::unix::fs::symlink("out/real.json", repo.path("link.json")).unwrap();
    // A FIFO with a reader: it receives the report and stays a FIFO.
    let fifo = repo.path("pipe.json");
    common::mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::fs::File::open(fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    let r = repo.qgate(&[
        "check",
        "--report",
        "json=link.json",
        "--report",
        "json=pipe.json",
        "--report",
        "sarif=-",
    ]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    let meta = std::fs::symlink_metadata(repo.path("link.json")).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    assert!(repo.read("out/real.json").contains("\"schema_version\""));
    let through = reader.join().unwrap();
    assert!(through.contains("\"schema_version\""), "{through}");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(
        r.stdout().contains("\"$schema\""),
        "SARIF on stdout: {}",
        r.stdout()
    );
}
