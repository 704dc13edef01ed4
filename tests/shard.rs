//! `check --shard K/N` and `merge`: the union of N shards' findings equals the unsharded
//! run's, for N = 1..5; incomplete or mismatched shards are refused.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Fmt, Repo, p0};

fn repo() -> Repo {
    let repo = Repo::new();
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scan"),
        &repo.path("src"),
    );
    let mut t = p0(3, "review");
    t.plan = false;
    common::write_board(&repo, Fmt::Backlog, &[t], &[("review", 0)], "");
    repo.commit("code and board");
    repo
}

fn findings(v: &serde_json::Value) -> BTreeSet<(String, String, u64, String)> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap().clone())
        .filter(|f| f["severity"] != "note")
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_union_of_shards_is_the_whole_run() {
    let repo = repo();
    let whole = repo.qgate(&["check", "--format", "json", "--no-cache"]);
    assert_eq!(whole.code(), 1);
    let expected = findings(&whole.json());
    assert!(expected.len() > 50, "{}", expected.len());
    for n in 1..=5u32 {
        let mut files = Vec::new();
        for k in 1..=n {
            let out = format!("shard-{k}-of-{n}.json");
            let r = repo.qgate(&[
                "check",
                "--shard",
                &format!("{k}/{n}"),
                "--format",
                "json",
                "--report",
                &format!("json={out}"),
                "--no-cache",
            ]);
            assert!(r.code() <= 1, "{}", r.explain());
            assert_eq!(r.json()["shard"]["index"], k);
            files.push(out);
        }
        let mut args = vec!["merge", "--format", "json"];
        args.extend(files.iter().map(String::as_str));
        let merged = repo.qgate(&args);
        assert_eq!(merged.code(), 1, "{}", merged.explain());
        assert_eq!(findings(&merged.json()), expected, "N = {n}");
    }
}

#[test]
fn incomplete_or_mismatched_shards_are_refused() {
    let repo = repo();
    for k in 1..=3 {
        let r = repo.qgate(&[
            "check",
            "--shard",
            &format!("{k}/3"),
            "--format",
            "json",
            "--report",
            &format!("json=s{k}.json"),
        ]);
        assert!(r.code() <= 1);
    }
    let r = repo.qgate(&["merge", "s1.json", "s2.json"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("3/3 missing"), "{}", r.stderr());
    let r = repo.qgate(&["merge", "s1.json", "s1.json", "s2.json", "s3.json"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("appears twice"), "{}", r.stderr());

    let plain = repo.qgate(&["check", "--format", "json", "--report", "json=plain.json"]);
    assert!(plain.code() <= 1);
    let r = repo.qgate(&["merge", "plain.json"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("not a sharded report"),
        "{}",
        r.stderr()
    );

    repo.write("new.txt", "x");
    repo.commit("another commit");
    let r = repo.qgate(&[
        "check",
        "--shard",
        "3/3",
        "--format",
        "json",
        "--report",
        "json=s3-later.json",
    ]);
    assert!(r.code() <= 1);
    let r = repo.qgate(&["merge", "s1.json", "s2.json", "s3-later.json"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("ran on commit"), "{}", r.stderr());

    for bad in ["0/3", "4/3", "x", "1/0"] {
        let r = repo.qgate(&["check", "--shard", bad]);
        assert_eq!(r.code(), 2, "{bad}");
    }
}

#[test]
fn shards_of_a_diff_aware_run_merge_too() {
    let repo = repo();
    repo.write(
        "src/extra.py",
        "from flask import request\nimport os\nos.remove(request.args['f'])\n",
    );
    repo.commit("one more file");
    let whole = repo.qgate(&[
        "check",
        "--changed-since",
        "HEAD~1",
        "--format",
        "json",
        "--no-cache",
    ]);
    let expected = findings(&whole.json());
    assert!(!expected.is_empty(), "{}", whole.stdout());
    let mut files = Vec::new();
    for k in 1..=2 {
        let out = format!("diff-shard-{k}.json");
        let r = repo.qgate(&[
            "check",
            "--changed-since",
            "HEAD~1",
            "--shard",
            &format!("{k}/2"),
            "--report",
            &format!("json={out}"),
            "--no-cache",
        ]);
        assert!(r.code() <= 1, "{}", r.explain());
        files.push(out);
    }
    let mut args = vec!["merge", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let merged = repo.qgate(&args);
    assert_eq!(merged.code(), 1, "{}", merged.explain());
    assert_eq!(findings(&merged.json()), expected);
}
