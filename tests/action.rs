//! The GitHub Action's steps, run locally with the GitHub environment simulated: inputs are
//! substituted into each step's `env:` block as written in action.yml, and GITHUB_OUTPUT /
//! GITHUB_STEP_SUMMARY are temp files. The build step is replaced by the test binary.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::Repo;

struct Action {
    doc: yaml_serde::Value,
}

impl Action {
    fn load() -> Action {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
                .unwrap();
        Action {
            doc: yaml_serde::from_str(&text).unwrap(),
        }
    }

    fn step(&self, id: &str) -> &yaml_serde::Value {
        self.doc["runs"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["id"].as_str() == Some(id))
            .unwrap()
    }

    fn default_input(&self, name: &str) -> String {
        self.doc["inputs"][name]["default"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// Runs step `id` in `dir` with `inputs` (others at their defaults) and `context` for the
/// other `${{ ... }}` expressions; returns (exit code, stdout, GITHUB_OUTPUT, summary).
fn run_step(
    action: &Action,
    id: &str,
    dir: &Path,
    inputs: &[(&str, &str)],
    context: &[(&str, &str)],
) -> (i32, String, HashMap<String, String>, String) {
    let step = action.step(id);
    let script = step["run"].as_str().unwrap();
    assert!(
        !script.contains("${{"),
        "step `{id}`: expressions reach the shell only through env:"
    );
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("output");
    let summary = tmp.path().join("summary");
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("-c").arg(script).current_dir(dir);
    cmd.env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", tmp.path());
    for (k, v) in step["env"].as_mapping().unwrap() {
        let expr = v.as_str().unwrap().trim();
        let inner = expr.trim_start_matches("${{").trim_end_matches("}}").trim();
        let value = if let Some(name) = inner.strip_prefix("inputs.") {
            inputs
                .iter()
                .find(|(k, _)| *k == name)
                .map_or_else(|| action.default_input(name), |(_, v)| v.to_string())
        } else {
            context
                .iter()
                .find(|(k, _)| *k == inner)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        };
        cmd.env(k.as_str().unwrap(), value);
    }
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&output)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let summary = std::fs::read_to_string(&summary).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        outputs,
        summary,
    )
}

/// A fake `QGATE_ROOT` whose bin/qgate is the binary under test.
fn qgate_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("qgate"),
        root.path().join("bin/qgate"),
    )
    .unwrap();
    root
}

#[test]
fn the_run_step_reports_outputs_reports_and_a_summary() {
    let action = Action::load();
    let repo = Repo::new();
    repo.write("app.py", "import os\nfrom flask import request\n\ndef v():\n    return open(request.args['f']).read()\n");
    repo.commit("app");
    let root = qgate_root();
    let root_s = root.path().display().to_string();
    let sarif = repo.path("qgate.sarif");
    let sarif_s = sarif.display().to_string();
    let ctx = [("steps.key.outputs.root", root_s.as_str())];

    let (code, stdout, out, summary) = run_step(
        &action,
        "run",
        repo.root(),
        &[("sarif-file", &sarif_s), ("junit-file", "qgate.xml")],
        &ctx,
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("::error file=app.py,line=5"), "{stdout}");
    assert_eq!(out["exit-code"], "1");
    assert_eq!(out["findings"], "1");
    assert_eq!(out["new-findings"], "1");
    assert_eq!(out["sarif-file"], sarif_s);
    assert!(sarif.exists() && repo.path("qgate.xml").exists());
    assert!(summary.starts_with("## qgate: blocked"), "{summary}");

    // A baseline makes the same finding old: the step passes; the counts say so.
    assert_eq!(repo.qgate(&["baseline", "write"]).code(), 0);
    let (code, stdout, out, _) = run_step(
        &action,
        "run",
        repo.root(),
        &[
            ("baseline", ".qgate/baseline.json"),
            ("annotations", "none"),
            ("summary", "false"),
        ],
        &ctx,
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("::error"), "annotations: none");
    assert_eq!(
        (out["findings"].as_str(), out["new-findings"].as_str()),
        ("1", "0")
    );

    // On a pull request, the base commit is the default for changed-since.
    let base = repo
        .git
        .as_ref()
        .unwrap()
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .id()
        .to_string();
    repo.write("other.py", "print('clean')\n");
    repo.commit("clean change");
    let ctx_pr = [
        ("steps.key.outputs.root", root_s.as_str()),
        ("github.event.pull_request.base.sha", base.as_str()),
    ];
    let (code, stdout, out, _) = run_step(&action, "run", repo.root(), &[], &ctx_pr);
    assert_eq!(
        code, 0,
        "only the changed (clean) file is scanned: {stdout}"
    );
    assert_eq!(out["new-findings"], "0");

    let (code, stdout, _, _) = run_step(
        &action,
        "run",
        repo.root(),
        &[("annotations", "sometimes")],
        &ctx,
    );
    assert_eq!(code, 2, "{stdout}");

    // A fork's pull request: command checks from its config do not run.
    repo.write(
        "qgate.yaml",
        "commands:\n  - id: evil\n    run: [python3, -c, \"open('pwned', 'w').write('x')\"]\n",
    );
    let ctx_fork = [
        ("steps.key.outputs.root", root_s.as_str()),
        ("github.event.pull_request.head.repo.fork", "true"),
    ];
    let (_, stdout, _, _) = run_step(
        &action,
        "run",
        repo.root(),
        &[("changed-since", "none")],
        &ctx_fork,
    );
    assert!(!repo.path("pwned").exists(), "no command ran: {stdout}");
    assert!(stdout.contains("--no-exec"), "{stdout}");
}

#[test]
fn the_key_step_hashes_the_sources() {
    let action = Action::load();
    let me = Path::new(env!("CARGO_MANIFEST_DIR")).display().to_string();
    let (code, _, out, _) = run_step(
        &action,
        "key",
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[],
        &[("github.action_path", me.as_str())],
    );
    assert_eq!(code, 0);
    assert_eq!(out["hash"].len(), 16);
    assert!(out["root"].contains(&out["hash"]));
}
