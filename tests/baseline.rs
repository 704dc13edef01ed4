//! Baselines: old findings pass, a new finding in the same file fails, a moved finding still
//! matches, an identical second copy is new, entries that match nothing are stale.

mod common;

use common::Repo;

const APP: &str =
    "import os\nfrom flask import request\n\ndef a():\n    return open(request.args['a']).read()\n";

fn repo() -> Repo {
    let repo = Repo::new();
    repo.write("app.py", APP);
    repo.commit("app");
    repo
}

#[test]
fn old_findings_pass_new_ones_fail_moved_ones_match() {
    let repo = repo();
    assert_eq!(repo.qgate(&["check"]).code(), 1);
    let w = repo.qgate(&["baseline", "write"]);
    assert_eq!(w.code(), 0, "{}", w.explain());
    assert!(w.stderr().contains("wrote 1 finding(s)"), "{}", w.stderr());
    let b: serde_json::Value = serde_json::from_str(&repo.read(".qgate/baseline.json")).unwrap();
    assert_eq!(b["findings"][0]["code"], "tainted-path");

    let base = [
        "check",
        "--baseline",
        ".qgate/baseline.json",
        "--format",
        "json",
    ];
    let r = repo.qgate(&base);
    assert_eq!(r.code(), 0, "old findings pass: {}", r.explain());
    assert_eq!(r.findings("tainted-path")[0]["suppressed"], true);

    // Moved: lines inserted above; same fingerprint.
    repo.write(
        "app.py",
        &APP.replace("import os\n", "import os\nimport sys\n\n# helpers\n"),
    );
    assert_eq!(repo.qgate(&base).code(), 0, "a moved finding still matches");

    // New finding in the same file.
    repo.write(
        "app.py",
        &format!("{APP}\ndef b():\n    os.remove(request.args['b'])\n"),
    );
    let r = repo.qgate(&base);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let active: Vec<_> = r
        .findings("tainted-path")
        .into_iter()
        .filter(|f| f["suppressed"] == false)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["line"], 8);

    // An identical second copy of the accepted flow is new too.
    repo.write(
        "app.py",
        &format!("{APP}\ndef c():\n    return open(request.args['a']).read()\n"),
    );
    assert_eq!(
        repo.qgate(&base).code(),
        1,
        "a copy of an accepted finding is not accepted"
    );

    // Fixed: the entry is stale (a note), the run passes.
    repo.write("app.py", "print('fixed')\n");
    let r = repo.qgate(&base);
    assert_eq!(r.code(), 0);
    let stale = r.findings("stale-baseline-entry");
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["severity"], "note");

    // SARIF marks baselined results as external suppressions.
    repo.write("app.py", APP);
    let r = repo.qgate(&[
        "check",
        "--baseline",
        ".qgate/baseline.json",
        "--format",
        "sarif",
    ]);
    let sarif: serde_json::Value = serde_json::from_slice(&r.out.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["suppressions"][0]["kind"],
        "external"
    );
}

#[test]
fn bad_baselines_are_errors() {
    let repo = repo();
    let r = repo.qgate(&["check", "--baseline", "missing.json"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("missing.json"), "{}", r.stderr());
    repo.write("b.json", "{\"qgate_baseline\": 1, \"findings\": [");
    let r = repo.qgate(&["check", "--baseline", "b.json"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("b.json:1"), "{}", r.stderr());
    let w = repo.qgate(&["baseline", "write", "--output", "custom/base.json"]);
    assert_eq!(w.code(), 0);
    assert!(repo.path("custom/base.json").exists());
}
