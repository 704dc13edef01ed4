//! Accuracy of the taint engine on labelled fixtures (fixtures/scan, labels in
//! manifest.yaml): precision and recall per language and per check, printed as a table;
//! the test fails below 0.90 for any of them. A finding on a line the manifest does not
//! label counts as a false positive.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize)]
struct Manifest {
    sites: Vec<Site>,
}

#[derive(Deserialize)]
struct Site {
    file: String,
    line: u64,
    check: String,
    expect: String,
    why: String,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
    sites: u32,
}

impl Counts {
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            f64::from(self.tp) / f64::from(self.tp + self.fp)
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            f64::from(self.tp) / f64::from(self.tp + self.fn_)
        }
    }
}

#[test]
fn precision_and_recall_on_labelled_fixtures() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scan");
    let manifest: Manifest =
        yaml_serde::from_str(&std::fs::read_to_string(fixtures.join("manifest.yaml")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixtures, dir.path());
    let r = common::qgate_in(
        dir.path(),
        &[
            "check",
            "--checks",
            "path-traversal,input-validation",
            "--format",
            "json",
            "--no-cache",
        ],
    );
    assert!(r.code() == 0 || r.code() == 1, "{}", r.explain());
    let found: HashSet<(String, u64, String)> = r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            let id = c["id"].as_str().unwrap().to_string();
            c["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["severity"] != "note")
                .map(move |f| {
                    (
                        f["path"].as_str().unwrap().to_string(),
                        f["line"].as_u64().unwrap(),
                        id.clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();

    let lang_of = |file: &str| file.split('/').next().unwrap_or("?").to_string();
    let mut by_lang: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_check: BTreeMap<String, Counts> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut labelled = HashSet::new();
    for s in &manifest.sites {
        labelled.insert((s.file.clone(), s.line, s.check.clone()));
        let hit = found.contains(&(s.file.clone(), s.line, s.check.clone()));
        for c in [
            by_lang.entry(lang_of(&s.file)).or_default(),
            by_check.entry(s.check.clone()).or_default(),
        ] {
            c.sites += 1;
            match (s.expect.as_str(), hit) {
                ("vulnerable", true) => c.tp += 1,
                ("vulnerable", false) => c.fn_ += 1,
                (_, true) => c.fp += 1,
                _ => {}
            }
        }
        match (s.expect.as_str(), hit) {
            ("vulnerable", false) => misses.push(format!(
                "  missed   {}:{} [{}] {}",
                s.file, s.line, s.check, s.why
            )),
            ("safe", true) => misses.push(format!(
                "  flagged  {}:{} [{}] {}",
                s.file, s.line, s.check, s.why
            )),
            _ => {}
        }
    }
    for (file, line, check) in &found {
        if !labelled.contains(&(file.clone(), *line, check.clone())) {
            by_lang.entry(lang_of(file)).or_default().fp += 1;
            by_check.entry(check.clone()).or_default().fp += 1;
            misses.push(format!("  unlabelled finding {file}:{line} [{check}]"));
        }
    }

    println!("scan accuracy on {} labelled sites", manifest.sites.len());
    println!(
        "  {:18} {:>5} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "", "sites", "TP", "FP", "FN", "precision", "recall"
    );
    let mut failed = Vec::new();
    for (title, table) in [("language", &by_lang), ("check", &by_check)] {
        for (k, c) in table.iter() {
            println!(
                "  {:18} {:>5} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
                format!("{title} {k}"),
                c.sites,
                c.tp,
                c.fp,
                c.fn_,
                c.precision(),
                c.recall()
            );
            if c.precision() < 0.90 || c.recall() < 0.90 {
                failed.push(format!("{title} {k}"));
            }
        }
    }
    for m in &misses {
        println!("{m}");
    }
    assert!(manifest.sites.len() >= 150, "at least 150 labelled sites");
    assert!(failed.is_empty(), "below 0.90: {failed:?}");
}
