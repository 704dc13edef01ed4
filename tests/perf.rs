//! The perf gate on output of the real harnesses (fixtures/perf, made by generate.sh):
//! a 30–50% slowdown of one benchmark is blocked naming exactly that benchmark, an A/A rerun
//! passes, an improvement passes.

mod common;

use std::path::Path;

use common::Repo;

/// (fixture dir, file extension, name of the benchmark whose work the slow run raised)
const HARNESSES: &[(&str, &str, &str)] = &[
    ("criterion", "", "parse"),
    ("libtest", ".txt", "parse"),
    ("gbench", ".json", "BM_parse"),
    ("pytest", ".json", "test_parse"),
    ("hyperfine", ".json", "parse"),
    ("generic", ".json", "parse"),
];

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/perf")
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

/// A repository holding one harness's six runs under `bench/`.
fn harness_repo(dir: &str) -> Repo {
    let repo = Repo::new();
    copy(&fixtures().join(dir), &repo.path("bench"));
    repo
}

fn config(ext: &str, current: &str, extra: &str) -> String {
    format!(
        "checks:\n  perf-regression: error\nperf:\n  results: [bench/{current}{ext}]\n  baseline: [bench/base1{ext}, bench/base2{ext}, bench/base3{ext}]\n{extra}"
    )
}

#[test]
fn slowdown_is_blocked_naming_exactly_that_benchmark() {
    for (dir, ext, slowed) in HARNESSES {
        let repo = harness_repo(dir);
        repo.write("qgate.yaml", &config(ext, "slow", ""));
        let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
        assert_eq!(r.code(), 1, "{dir}: {}", r.explain());
        assert_eq!(r.codes(), vec!["perf-slowdown"], "{dir}");
        let f = &r.findings("perf-slowdown")[0];
        assert_eq!(f["subject"], *slowed, "{dir}: {f}");
        let msg = f["message"].as_str().unwrap();
        let pct: f64 = msg
            .split("% slower")
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (30.0..=50.0).contains(&pct),
            "{dir}: a 30–50% slowdown: {msg}"
        );
        assert!(
            msg.contains("limit 10%") && msg.contains("→"),
            "{dir}: names baseline, value, limit: {msg}"
        );
    }
}

#[test]
fn an_a_a_rerun_and_an_improvement_pass() {
    for (dir, ext, slowed) in HARNESSES {
        let repo = harness_repo(dir);
        repo.write("qgate.yaml", &config(ext, "aa", ""));
        let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
        assert_eq!(r.code(), 0, "{dir} A/A: {}", r.explain());
        assert!(r.codes().is_empty(), "{dir}: {:?}", r.codes());

        repo.write("qgate.yaml", &config(ext, "fast", ""));
        let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
        assert_eq!(r.code(), 0, "{dir} faster: {}", r.explain());
        let improved = r.findings("perf-improved");
        assert!(
            improved.iter().any(|f| f["subject"] == *slowed),
            "{dir}: {}",
            r.stdout()
        );
    }
}

#[test]
fn the_default_level_is_warn() {
    let repo = harness_repo("hyperfine");
    let cfg = config(".json", "slow", "").replace("checks:\n  perf-regression: error\n", "");
    repo.write("qgate.yaml", &cfg);
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    assert_eq!(r.findings("perf-slowdown")[0]["severity"], "warning");
}

#[test]
fn overrides_by_name_glob() {
    let repo = harness_repo("gbench");
    repo.write(
        "qgate.yaml",
        &config(
            ".json",
            "slow",
            "  overrides:\n    \"BM_p*\":\n      threshold: 60%\n",
        ),
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
}

#[test]
fn one_baseline_run_without_samples_falls_back_to_the_percentage_test() {
    let repo = harness_repo("libtest");
    repo.write(
        "qgate.yaml",
        "checks:\n  perf-regression: error\nperf:\n  results: [bench/slow.txt]\n  baseline: [bench/base1.txt]\n",
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 1);
    let msg = r.findings("perf-slowdown")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("percentage test only"), "{msg}");
}

#[test]
fn perf_record_builds_history_from_git_and_the_gate_reads_it() {
    let repo = harness_repo("pytest");
    let cfg =
        "checks:\n  perf-regression: error\nperf:\n  results: [bench/current.json]\n  keep: 2\n";
    repo.write("qgate.yaml", cfg);
    for run in ["base1", "base2", "base3"] {
        std::fs::copy(
            repo.path(&format!("bench/{run}.json")),
            repo.path("bench/current.json"),
        )
        .unwrap();
        repo.commit(&format!("measure {run}"));
        let r = repo.qgate(&["perf", "record"]);
        assert_eq!(r.code(), 0, "{}", r.explain());
        assert!(
            r.stderr().contains("recorded 2 benchmark(s)"),
            "{}",
            r.stderr()
        );
    }
    let history: serde_json::Value =
        serde_json::from_str(&repo.read(".qgate/perf-history.json")).unwrap();
    let runs = history["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "keep: 2");
    let head = repo
        .git
        .as_ref()
        .unwrap()
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap();
    assert_eq!(runs[1]["commit"], head.id().to_string());
    assert_eq!(runs[1]["time"], head.time().seconds());

    std::fs::copy(
        repo.path("bench/slow.json"),
        repo.path("bench/current.json"),
    )
    .unwrap();
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    assert_eq!(r.findings("perf-slowdown")[0]["subject"], "test_parse");

    // The same history read from git, without the file in the work tree.
    repo.commit("record history");
    std::fs::remove_file(repo.path(".qgate/perf-history.json")).unwrap();
    repo.write(
        "qgate.yaml",
        &format!("{cfg}  baseline: [\"git:HEAD:.qgate/perf-history.json\"]\n"),
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());

    repo.write(
        "qgate.yaml",
        &format!("{cfg}  baseline: [\"git:no-such-branch:.qgate/perf-history.json\"]\n"),
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression"]);
    assert_eq!(r.code(), 2, "an unknown ref is an error: {}", r.explain());
    assert!(r.stdout().contains("no-such-branch"), "{}", r.stdout());

    repo.write(
        "qgate.yaml",
        &format!("{cfg}  baseline: [\"git:HEAD:nothing-here.json\"]\n"),
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 0, "no baseline yet is a note: {}", r.explain());
    assert_eq!(r.findings("perf-new-benchmark").len(), 2);
}

#[test]
fn a_broken_history_file_is_never_overwritten() {
    let repo = harness_repo("hyperfine");
    repo.write("qgate.yaml", "perf:\n  results: [bench/aa.json]\n");
    repo.write(
        ".qgate/perf-history.json",
        "{\"qgate_perf_history\": 1, \"runs\": [",
    );
    let r = repo.qgate(&["perf", "record"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains(".qgate/perf-history.json:1"),
        "{}",
        r.stderr()
    );
    assert_eq!(
        repo.read(".qgate/perf-history.json"),
        "{\"qgate_perf_history\": 1, \"runs\": ["
    );
}

#[test]
fn malformed_and_missing_results() {
    let repo = harness_repo("gbench");
    let slow = repo.read("bench/slow.json");
    repo.write("bench/truncated.json", &slow[..slow.len() / 2]);
    repo.write(
        "qgate.yaml",
        "perf:\n  results: [bench/truncated.json]\n  baseline: [bench/base1.json]\n",
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    let msg = r.findings("check-failed")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("bench/truncated.json:") && msg.contains("invalid JSON"),
        "{msg}"
    );

    repo.write("bench/words.txt", "hello\n");
    repo.write("qgate.yaml", "perf:\n  results: [bench/words.txt]\n");
    assert_eq!(
        repo.qgate(&["check", "--checks", "perf-regression"]).code(),
        2
    );

    let crit = harness_repo("criterion");
    let est = "bench/slow/parse/new/estimates.json";
    let text = crit.read(est);
    crit.write(est, &text[..20]);
    crit.write("qgate.yaml", "perf:\n  results: [bench/slow]\n");
    let r = crit.qgate(&["check", "--checks", "perf-regression"]);
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert!(r.stdout().contains("estimates.json"), "{}", r.stdout());

    repo.write("qgate.yaml", "perf:\n  results: [bench/none/*.json]\n");
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 0, "level warn: a warning");
    assert_eq!(r.findings("perf-no-results")[0]["severity"], "warning");
    // At level error, results that are not there block: the gate never fails open.
    repo.write(
        "qgate.yaml",
        "checks:\n  perf-regression: error\nperf:\n  results: [bench/none/*.json]\n",
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    assert_eq!(r.findings("perf-no-results")[0]["severity"], "error");

    // Times no harness writes are invalid input, naming the file and the benchmark.
    let generic = |v: &str| {
        format!(
            "[{{\"name\": \"parse\", \"unit\": \"ns\", \"value\": 100, \"samples\": [100, {v}]}}]"
        )
    };
    for (bad, base) in [("-5", false), ("1e308", false), ("0", true)] {
        let (cur, old) = if base {
            (
                generic("100"),
                generic(bad).replace("\"value\": 100", "\"value\": 0"),
            )
        } else {
            (generic(bad), generic("100"))
        };
        repo.write("bench/g_cur.json", &cur);
        repo.write("bench/g_old.json", &old);
        repo.write(
            "qgate.yaml",
            "checks:\n  perf-regression: error\nperf:\n  results: [bench/g_cur.json]\n  baseline: [bench/g_old.json]\n",
        );
        let r = repo.qgate(&["check", "--checks", "perf-regression"]);
        assert_eq!(r.code(), 2, "{bad}: {}", r.explain());
        let file = if base {
            "bench/g_old.json"
        } else {
            "bench/g_cur.json"
        };
        assert!(
            r.stdout().contains(file) && r.stdout().contains("`parse`"),
            "{bad}: {}",
            r.stdout()
        );
    }

    let empty = Repo::new();
    let r = empty.qgate(&["check", "--checks", "perf-regression"]);
    assert_eq!(r.code(), 0);
    assert!(
        r.stdout().contains("perf.results is not set"),
        "{}",
        r.stdout()
    );
}

#[test]
fn globs_new_and_vanished_benchmarks() {
    let repo = harness_repo("generic");
    let mut aa: serde_json::Value = serde_json::from_str(&repo.read("bench/aa.json")).unwrap();
    let list = aa.as_array_mut().unwrap();
    list.retain(|b| b["name"] != "render throughput");
    list.push(serde_json::json!({"name": "brand new", "unit": "us", "value": 3.5}));
    repo.write("out/run.json", &serde_json::to_string(&aa).unwrap());
    repo.write(
        "qgate.yaml",
        "perf:\n  results: [\"out/*.json\"]\n  baseline: [bench/base1.json, bench/base2.json]\n",
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    assert_eq!(r.findings("perf-new-benchmark")[0]["subject"], "brand new");
    assert_eq!(
        r.findings("perf-missing-benchmark")[0]["subject"],
        "render throughput"
    );
}

#[test]
fn qgate_reports_are_benchmarks_too() {
    let repo = Repo::new();
    let report = |ms: f64| {
        format!(
            "{{\"schema_version\":1,\"tool\":{{\"name\":\"qgate\",\"version\":\"0.1.0\"}},\"verdict\":\"pass\",\"exit_code\":0,\"duration_ms\":{ms},\"checks\":[{{\"id\":\"wip-limit\",\"level\":\"error\",\"status\":\"pass\",\"duration_ms\":{ms},\"findings\":[]}}]}}"
        )
    };
    repo.write("old.json", &report(10.0));
    repo.write("new.json", &report(20.0));
    repo.write(
        "qgate.yaml",
        "checks:\n  perf-regression: error\nperf:\n  results: [new.json]\n  baseline: [old.json]\n",
    );
    let r = repo.qgate(&["check", "--checks", "perf-regression", "--format", "json"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let subjects: Vec<String> = r
        .findings("perf-slowdown")
        .iter()
        .map(|f| f["subject"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(subjects, vec!["qgate", "qgate/wip-limit"]);
}
