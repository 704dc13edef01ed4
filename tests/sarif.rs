//! SARIF output validated against the official SARIF 2.1.0 JSON schema (shipped in
//! fixtures/sarif, from the npm package @microsoft/jest-sarif), on taint findings with code
//! flows, suppressed findings and kanban findings.

mod common;

use std::path::Path;

use common::{Fmt, Repo, build, p0};

fn validator() -> jsonschema::Validator {
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sarif/sarif-2.1.0-rtm.5.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // The official file's `language` patterns have a stray `]` (`...[a-zA-Z]{2}]?$`) that a
    // strict regex engine rejects; they are replaced by their evident intent. Nothing qgate
    // writes has a `language`; every other rule of the schema applies unchanged.
    const BAD: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    fn fix(v: &mut serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(m) => {
                let mut n = 0;
                for (k, x) in m.iter_mut() {
                    if k == "pattern" && x == BAD {
                        *x = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                        n += 1;
                    } else {
                        n += fix(x);
                    }
                }
                n
            }
            serde_json::Value::Array(a) => a.iter_mut().map(fix).sum(),
            _ => 0,
        }
    }
    assert!(
        fix(&mut schema) > 0,
        "the shipped schema is the official one"
    );
    jsonschema::options()
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn sarif(repo: &Repo) -> serde_json::Value {
    let r = repo.qgate(&["check", "--format", "sarif"]);
    assert!(r.code() == 0 || r.code() == 1, "{}", r.explain());
    serde_json::from_slice(&r.out.stdout).expect("SARIF is JSON")
}

fn assert_valid(doc: &serde_json::Value) {
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn taint_findings_with_code_flows_validate() {
    let repo = build(Fmt::Backlog, &[p0(3, "review")], &[], "");
    repo.write(
        "app.py",
        "import os, subprocess\nfrom flask import request\n\ndef view():\n    name = request.args['n']\n    path = os.path.join('/srv', name)\n    return open(path).read()\n\ndef run():\n    # qgate:ignore[command-injection] admin-only endpoint\n    subprocess.run('ls ' + request.args['d'], shell=True)\n",
    );
    repo.commit("import");
    let doc = sarif(&repo);
    assert_valid(&doc);
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "qgate");
    assert_eq!(run["invocations"][0]["exitCode"], 1);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let tainted = rules
        .iter()
        .find(|r| r["id"] == "tainted-path")
        .expect("rule");
    assert_eq!(tainted["properties"]["security-severity"], "7.5");
    let tags = tainted["properties"]["tags"].as_array().unwrap();
    for want in ["security", "CWE-22", "external/cwe/cwe-022"] {
        assert!(tags.iter().any(|t| t == want), "tag {want} in {tags:?}");
    }
    assert!(
        tainted["help"]["text"]
            .as_str()
            .unwrap()
            .contains("basename")
    );
    let results = run["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "tainted-path")
        .unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app.py"
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    let flow = r["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    let lines: Vec<u64> = flow
        .iter()
        .map(|l| {
            l["location"]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines, vec![5, 6, 7], "source → step → sink");
    assert!(r["partialFingerprints"]["qgate/v1"].as_str().unwrap().len() == 32);
    let cmd = results
        .iter()
        .find(|r| r["ruleId"] == "command-injection")
        .unwrap();
    assert_eq!(cmd["suppressions"][0]["kind"], "inSource");
    assert!(results.iter().any(|r| r["ruleId"] == "p0-missing-commit"));
}

#[test]
fn clean_and_failed_runs_validate() {
    let repo = Repo::new();
    repo.write("ok.py", "print('hi')\n");
    let doc = sarif(&repo);
    assert_valid(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);

    repo.write("promethean.kanban.json", "{ broken");
    let r = repo.qgate(&["check", "--format", "sarif"]);
    assert_eq!(r.code(), 2);
    let doc: serde_json::Value = serde_json::from_slice(&r.out.stdout).unwrap();
    assert_valid(&doc);
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}
