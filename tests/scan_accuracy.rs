//! Accuracy of the taint engine on labelled fixtures (fixtures/scan, one directory per
//! language, labels inline on the sink's line: `// expect: path-traversal`,
//! `# safe: input-validation`, `// expect-local: …` for input of the `local` threat model):
//! precision and recall per language and per check, printed as a table; the test fails
//! below 0.90 for any of them. A finding on a line without a label counts as a false
//! positive.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// One labelled line: `// expect: path-traversal` (a vulnerable sink the scan must
/// report), `// safe: input-validation` (a look-alike it must not), or
/// `// expect-local: path-traversal` (vulnerable once the `local` threat model is on; safe
/// under the default `remote` one).
struct Site {
    file: String,
    line: u64,
    check: String,
    vulnerable: bool,
    local: bool,
    why: String,
}

/// Every label in the fixture files under `root`.
fn sites(root: &Path) -> Vec<Site> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(e.path()).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some(at) = line.find("// ").or_else(|| line.find("# ")) else {
                continue;
            };
            let comment = &line[at..];
            for (tag, vulnerable, local) in [
                ("expect-local:", true, true),
                ("expect:", true, false),
                ("safe:", false, false),
            ] {
                let mut rest = comment;
                while let Some(p) = rest.find(tag) {
                    // `expect:` inside `expect-local:` is not a label of its own.
                    let before = &rest[..p];
                    rest = &rest[p + tag.len()..];
                    if before.ends_with('-') || before.ends_with(|c: char| c.is_alphanumeric()) {
                        continue;
                    }
                    let check: String = rest
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                        .collect();
                    assert!(
                        matches!(check.as_str(), "path-traversal" | "input-validation"),
                        "{rel}:{}: unknown check in label: {check:?}",
                        i + 1
                    );
                    out.push(Site {
                        file: rel.clone(),
                        line: i as u64 + 1,
                        check,
                        vulnerable,
                        local,
                        why: comment.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// The findings of one run over `dir`: (file, line, check id).
fn findings(dir: &Path) -> HashSet<(String, u64, String)> {
    findings_with(dir, false)
}

/// The findings of one run over `dir`, with slicing turned off when `whole`.
fn findings_with(dir: &Path, whole: bool) -> HashSet<(String, u64, String)> {
    let mut cmd = assert_cmd::Command::cargo_bin("qgate").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1").args([
        "check",
        "--checks",
        "path-traversal,input-validation",
        "--format",
        "json",
        "--no-cache",
    ]);
    if whole {
        cmd.env("QGATE_SCAN_WHOLE", "1");
    }
    let r = common::Run {
        out: cmd.output().unwrap(),
    };
    assert!(r.code() == 0 || r.code() == 1, "{}", r.explain());
    r.json()["checks"]
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
        .collect()
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
    let sites = sites(&fixtures);
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixtures, dir.path());
    // The default threat model first: sites labelled `expect-local` must stay quiet.
    let remote = findings(dir.path());
    let loud: Vec<String> = sites
        .iter()
        .filter(|s| s.local && remote.contains(&(s.file.clone(), s.line, s.check.clone())))
        .map(|s| format!("{}:{}", s.file, s.line))
        .collect();
    assert!(
        loud.is_empty(),
        "local-input sites reported under the default `remote` threat model: {loud:?}"
    );
    std::fs::write(
        dir.path().join("qgate.yaml"),
        "scan:\n  threat_models: [remote, local]\n",
    )
    .unwrap();
    let found = findings(dir.path());
    let lang_of = |file: &str| file.split('/').next().unwrap_or("?").to_string();
    let mut by_lang: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_check: BTreeMap<String, Counts> = BTreeMap::new();
    let mut misses = Vec::new();
    // What went wrong, as known-misses.txt spells it (`missed go/a.go:12`).
    let mut wrong: HashSet<String> = HashSet::new();
    let mut labelled = HashSet::new();
    for s in &sites {
        labelled.insert((s.file.clone(), s.line, s.check.clone()));
        let hit = found.contains(&(s.file.clone(), s.line, s.check.clone()));
        for c in [
            by_lang.entry(lang_of(&s.file)).or_default(),
            by_check.entry(s.check.clone()).or_default(),
        ] {
            c.sites += 1;
            match (s.vulnerable, hit) {
                (true, true) => c.tp += 1,
                (true, false) => c.fn_ += 1,
                (false, true) => c.fp += 1,
                _ => {}
            }
        }
        let what = match (s.vulnerable, hit) {
            (true, false) => "missed",
            (false, true) => "flagged",
            _ => continue,
        };
        misses.push(format!(
            "  {what:8} {}:{} [{}] {}",
            s.file, s.line, s.check, s.why
        ));
        wrong.insert(format!("{what} {}:{}", s.file, s.line));
    }
    for (file, line, check) in &found {
        if !labelled.contains(&(file.clone(), *line, check.clone())) {
            by_lang.entry(lang_of(file)).or_default().fp += 1;
            by_check.entry(check.clone()).or_default().fp += 1;
            misses.push(format!("  unlabelled finding {file}:{line} [{check}]"));
            wrong.insert(format!("unlabelled {file}:{line}"));
        }
    }

    println!("scan accuracy on {} labelled sites", sites.len());
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
    // Every site the engine gets wrong today is listed: a new one is a regression, and one
    // that is right again must leave the list, so the list stays true.
    let known_text = std::fs::read_to_string(fixtures.join("known-misses.txt")).unwrap();
    let known: HashSet<&str> = known_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let new: Vec<&String> = wrong
        .iter()
        .filter(|w| !known.contains(w.as_str()))
        .collect();
    let fixed: Vec<&&str> = known.iter().filter(|k| !wrong.contains(**k)).collect();
    assert!(
        new.is_empty(),
        "regressions (not in known-misses.txt): {new:?}"
    );
    assert!(
        fixed.is_empty(),
        "right now, remove from fixtures/scan/known-misses.txt: {fixed:?}"
    );
    for lang in ["go", "java", "javascript", "python", "typescript"] {
        let n = sites.iter().filter(|s| s.file.starts_with(lang)).count();
        assert!(n >= 40, "{lang}: at least 40 labelled sites, found {n}");
    }
    assert!(
        sites.len() >= 400,
        "at least 400 labelled sites, found {}",
        sites.len()
    );
    assert!(failed.is_empty(), "below 0.90: {failed:?}");
}

/// Slicing (analysing only the parts of a file that can matter) is a shortcut that must never
/// change a finding: on the fixtures and on generated files full of the text that fools a
/// lexer (docstrings closed at a line's start, `""" % message`, quotes and braces in strings
/// and comments), sliced and whole-file analysis report the same.
#[test]
fn slicing_changes_no_finding() {
    use rand::{Rng, SeedableRng};
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scan");
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixtures, dir.path());
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    let py_noise = [
        "    \"\"\"A docstring.\n\n    More text with 'quotes' and {braces}.\n    \"\"\"\n",
        "    msg = \"\"\"\n    Dear %s,\n    \"\"\" % name_of_user\n",
        "    # a comment with \"\"\" and ' in it\n",
        "    text = 'it\\'s {not} a \"sink\": open(x)'\n",
        "    raw = r\"\\d+\\\"\"\n",
        "    other = f\"{len('a')} and {{literal}}\"\n",
    ];
    let py_flow = [
        ("    v = request.args['p']\n", "    open(v)\n"),
        (
            "    v = request.form.get('q', '')\n",
            "    os.remove(helper(v))\n",
        ),
        (
            "    v = request.args['c']\n",
            "    subprocess.call(v, shell=True)\n",
        ),
        ("    v = 'constant'\n", "    open(v)\n"),
    ];
    let js_noise = [
        "  /* a comment with { and ` and ' */\n",
        "  const s = `template ${'{'} with } and ${1 + 2}`;\n",
        "  const r = /[}{]\\/'\"/g;\n",
        "  // a line comment with } { ` '\n",
        "  const q = \"it's } fine\";\n",
    ];
    let js_flow = [
        ("  const v = req.query.p;\n", "  fs.readFileSync(v);\n"),
        (
            "  const v = req.body.cmd;\n",
            "  child_process.exec(wrap(v));\n",
        ),
        ("  const v = 'fixed';\n", "  fs.readFileSync(v);\n"),
    ];
    for n in 0..12 {
        let mut py = String::from(
            "import os\nimport subprocess\nfrom flask import request\n\n\ndef helper(x):\n    return x\n\n",
        );
        let mut js = String::from(
            "const fs = require('fs');\nconst child_process = require('child_process');\nfunction wrap(x) { return x; }\n",
        );
        for f in 0..rng.random_range(2..7) {
            py.push_str(&format!("\n\ndef view_{f}():\n"));
            js.push_str(&format!("\nfunction route{f}(req, res) {{\n"));
            let (pa, pb) = py_flow[rng.random_range(0..py_flow.len())];
            let (ja, jb) = js_flow[rng.random_range(0..js_flow.len())];
            for part in [0, 1] {
                for _ in 0..rng.random_range(0..3) {
                    py.push_str(py_noise[rng.random_range(0..py_noise.len())]);
                    js.push_str(js_noise[rng.random_range(0..js_noise.len())]);
                }
                py.push_str(if part == 0 { pa } else { pb });
                js.push_str(if part == 0 { ja } else { jb });
            }
            js.push_str("}\n");
            js.push_str(&format!("app.get('/r{f}', route{f});\n"));
        }
        std::fs::write(dir.path().join(format!("gen_{n}.py")), py).unwrap();
        std::fs::write(dir.path().join(format!("gen_{n}.js")), js).unwrap();
    }
    std::fs::write(
        dir.path().join("qgate.yaml"),
        "scan:\n  threat_models: [remote, local]\n",
    )
    .unwrap();
    let sliced = findings_with(dir.path(), false);
    let whole = findings_with(dir.path(), true);
    let generated = whole.iter().filter(|(f, ..)| f.starts_with("gen_")).count();
    assert!(
        generated >= 10,
        "the generated files have flows: {generated}"
    );
    let mut only_sliced: Vec<_> = sliced.difference(&whole).collect();
    let mut only_whole: Vec<_> = whole.difference(&sliced).collect();
    only_sliced.sort();
    only_whole.sort();
    assert!(
        only_sliced.is_empty() && only_whole.is_empty(),
        "sliced and whole-file analysis differ:\n  only sliced: {only_sliced:?}\n  only whole: {only_whole:?}"
    );
}
