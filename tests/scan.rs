//! The scanning checks as users meet them: suppressions in every language's comments, bad
//! input that must never crash or hang, the cache, exclusions and PATH arguments.

mod common;

use common::Repo;

fn scan(repo: &Repo, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "check",
        "--checks",
        "path-traversal,input-validation",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    repo.qgate(&args)
}

#[test]
fn every_grammar_loads_and_finds_its_sink() {
    let repo = Repo::new();
    // Command-line arguments are local input: sources only under the `local` threat model.
    repo.write("qgate.yaml", "scan:\n  threat_models: [remote, local]\n");
    repo.write(
        "a.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    repo.write(
        "b.js",
        "const fs = require('fs');\nfs.unlinkSync(process.argv[2]);\n",
    );
    repo.write(
        "c.ts",
        "import fs from 'fs';\nconst p: string = process.argv[2];\nfs.unlinkSync(p);\n",
    );
    repo.write("d.tsx", "import fs from 'fs';\nexport const X = () => <div>{fs.readFileSync(process.argv[2])}</div>;\n");
    repo.write(
        "e.go",
        "package main\nimport \"os\"\nfunc main() { os.Remove(os.Args[1]) }\n",
    );
    repo.write("F.java", "class F { public static void main(String[] args) throws Exception { java.nio.file.Files.delete(java.nio.file.Paths.get(args[0])); } }\n");
    let r = scan(&repo, &[]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    assert_eq!(
        tainted_paths(&r),
        vec!["F.java", "a.py", "b.js", "c.ts", "d.tsx", "e.go"]
    );
    let f = &r.findings("tainted-path")[0];
    assert!(
        f["flow"].as_array().is_some_and(|s| s.len() >= 2),
        "findings carry their flow: {f}"
    );
    // By default only remote input (the Flask request) is a source.
    std::fs::remove_file(repo.path("qgate.yaml")).unwrap();
    let r = scan(&repo, &[]);
    assert_eq!(tainted_paths(&r), vec!["a.py"], "{}", r.explain());
}

#[test]
fn suppressions_work_in_every_comment_syntax() {
    let repo = Repo::new();
    repo.write("qgate.yaml", "scan:\n  threat_models: [remote, local]\n");
    repo.write("a.py", "from flask import request\nimport os\n# qgate:ignore[tainted-path] operators pass trusted paths\nos.remove(request.args['f1'])\n");
    repo.write("b.js", "const fs = require('fs');\nfs.unlinkSync(process.argv[2]); // qgate:ignore[path-traversal] CLI only\n");
    repo.write("e.go", "package main\nimport \"os\"\nfunc main() {\n\t/* qgate:ignore[tainted-path] internal tool */\n\tos.Remove(os.Args[1])\n}\n");
    repo.write("F.java", "class F {\n  public static void main(String[] args) throws Exception {\n    // qgate:ignore[tainted-path] build step\n    java.nio.file.Files.delete(java.nio.file.Paths.get(args[0]));\n  }\n}\n");
    repo.write(
        "g.py",
        "import os\n# qgate:ignore[command-injection] nothing here\nos.system('ls')\n",
    );
    let r = scan(&repo, &[]);
    assert_eq!(r.code(), 0, "{}", r.explain());
    let suppressed = r.findings("tainted-path");
    assert_eq!(suppressed.len(), 4);
    assert!(suppressed.iter().all(|f| f["suppressed"] == true));
    let unused = r.findings("unused-suppression");
    assert_eq!(unused.len(), 1, "{}", r.stdout());
    assert_eq!(unused[0]["path"], "g.py");
}

#[test]
fn bad_input_never_crashes_or_hangs() {
    let repo = Repo::new();
    repo.write(
        "ok.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    std::fs::write(
        repo.path("binary.py"),
        b"\x00\x01\x02ELF\x00\x00import os\n",
    )
    .unwrap();
    std::fs::write(
        repo.path("latin1.py"),
        b"from flask import request\nimport os\n# caf\xe9\nos.remove(request.args['f'])\n",
    )
    .unwrap();
    repo.write(
        "broken.py",
        "from flask import request\nimport os\ndef f(:\n    pass\nos.remove(request.args['f'])\n",
    );
    let mut long = String::from("x = '");
    long.push_str(&"a".repeat(3 * 1024 * 1024));
    long.push_str("'\n");
    repo.write("huge.js", &long);
    repo.write(
        "deep.py",
        &format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000)),
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(repo.path("loop"), repo.path("loop")).ok();
        std::os::unix::fs::symlink("/etc/hostname", repo.path("outside.py")).ok();
    }
    let started = std::time::Instant::now();
    let r = scan(&repo, &[]);
    assert!(started.elapsed().as_secs() < 60, "no hang");
    assert_eq!(r.code(), 1, "{}", r.explain());
    let paths: HashSet<String> = r
        .findings("tainted-path")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        paths.contains("ok.py") && paths.contains("latin1.py") && paths.contains("broken.py"),
        "{paths:?}"
    );
    let notes: Vec<String> = r
        .findings("nothing-to-check")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    let joined = notes.join("\n");
    assert!(
        joined.contains("binary.py: not scanned: binary content"),
        "{joined}"
    );
    assert!(
        joined.contains("huge.js: not scanned: larger than"),
        "{joined}"
    );
    assert!(joined.contains("syntax errors"), "{joined}");
    assert!(!r.stderr().contains("panicked"), "{}", r.stderr());
}

use std::collections::HashSet;

#[test]
fn the_cache_serves_unchanged_files_and_sees_changes() {
    let repo = Repo::new();
    repo.write(
        "a.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    repo.write("b.py", "import os\nos.remove('/tmp/x')\n");
    assert_eq!(scan(&repo, &[]).code(), 1);
    assert!(repo.path(".qgate/cache/scan.bin").exists());
    repo.write(
        "a.py",
        "from flask import request\nimport os\nos.remove(os.path.basename(request.args['f1']))\n",
    );
    let r = scan(&repo, &[]);
    assert_eq!(
        r.code(),
        0,
        "an edited file is scanned again: {}",
        r.explain()
    );
    repo.write(
        "b.py",
        "from flask import request\nimport os\nos.remove(request.args['f2'])\n",
    );
    assert_eq!(scan(&repo, &[]).code(), 1);
    assert_eq!(scan(&repo, &["--no-cache"]).code(), 1);
}

#[test]
fn excludes_paths_and_gitignore_apply() {
    let repo = Repo::new();
    repo.write(
        "vendor/lib.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    repo.write(
        "build/gen.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    repo.write(".gitignore", "build/\n");
    repo.write(
        "app.py",
        "from flask import request\nimport os\nos.remove(request.args['f1'])\n",
    );
    repo.write("clean.py", "print('hi')\n");
    repo.write("qgate.yaml", "exclude: [\"vendor/**\"]\n");
    let r = scan(&repo, &[]);
    let paths: Vec<String> = r
        .findings("tainted-path")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["app.py"]);
    let r = scan(&repo, &["clean.py"]);
    assert_eq!(
        r.code(),
        0,
        "PATH arguments restrict the scan: {}",
        r.explain()
    );
    let r = scan(&repo, &["vendor/lib.py"]);
    assert_eq!(
        r.code(),
        0,
        "excludes apply to PATH arguments too: {}",
        r.explain()
    );
}

#[test]
fn user_rules_extend_the_packs() {
    let repo = Repo::new();
    repo.write(
        "app.py",
        "from myframework import current_input, store\n\ndef handler():\n    name = current_input('name')\n    store.put_file(name)\n",
    );
    assert_eq!(scan(&repo, &[]).code(), 0);
    repo.write(
        "qgate.yaml",
        "scan:\n  rules:\n    python:\n      sources: [{path: myframework.current_input}]\n      sinks: [{call: \"*.put_file\", kind: path, args: [0]}]\n",
    );
    let r = scan(&repo, &[]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    repo.write(
        "qgate.yaml",
        "scan:\n  rules:\n    python:\n      sinks: [{call: x, kind: nonsense}]\n",
    );
    let r = scan(&repo, &[]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("qgate.yaml:4") && r.stderr().contains("scan.rules"),
        "{}",
        r.stderr()
    );
}

#[test]
fn env_reads_are_sources_only_when_asked() {
    let repo = Repo::new();
    repo.write("a.py", "import os\nos.remove(os.environ['TARGET'])\n");
    assert_eq!(scan(&repo, &[]).code(), 0);
    repo.write("qgate.yaml", "scan:\n  env_sources: true\n");
    assert_eq!(scan(&repo, &[]).code(), 1);
}

#[test]
fn explain_prints_the_rule_packs() {
    let repo = Repo::new();
    let r = repo.qgate(&["explain", "path-traversal"]);
    assert_eq!(r.code(), 0);
    for needle in [
        "--- python",
        "--- javascript",
        "--- go",
        "--- java",
        "os.path.basename",
        "Finding codes:",
    ] {
        assert!(r.stdout().contains(needle), "{needle}");
    }
}

/// The paths of the `tainted-path` findings of a run, sorted.
fn tainted_paths(r: &common::Run) -> Vec<String> {
    let mut p: Vec<String> = r
        .findings("tainted-path")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    p.sort();
    p
}

/// When the last walk of the tree began (the cached file list's stamp).
fn walk_stamp(repo: &Repo) -> Option<std::time::SystemTime> {
    std::fs::metadata(repo.path(".qgate/cache/walk.stamp"))
        .and_then(|m| m.modified())
        .ok()
}

/// The file list is cached across runs (`.qgate/cache/walk.bin`) and must never go stale: a
/// new file, an edited `.gitignore` and an edited `.git/info/exclude` are each seen at once.
#[test]
fn the_cached_file_list_sees_new_files_and_ignore_edits() {
    let vuln = "from flask import request\nimport os\nos.remove(request.args['f1'])\n";
    let repo = Repo::new();
    repo.write("app/a.py", vuln);
    repo.write("lib/deep/notes.txt", "x\n");
    repo.write(".gitignore", "build/\n");
    // Runs until the list is saved (the tree must be quiet since the walk began), then
    // once more: that run must take the list from the cache — it writes no walk stamp.
    let settle_and_reuse = |want: &[&str]| {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let r = scan(&repo, &[]);
        assert_eq!(tainted_paths(&r), want, "{}", r.explain());
        assert!(repo.path(".qgate/cache/walk.bin").exists());
        let before = walk_stamp(&repo);
        let r = scan(&repo, &[]);
        assert_eq!(tainted_paths(&r), want, "{}", r.explain());
        assert_eq!(
            walk_stamp(&repo),
            before,
            "the cached file list was not used"
        );
    };
    scan(&repo, &[]);
    settle_and_reuse(&["app/a.py"]);

    // A new file in an existing directory.
    repo.write("lib/deep/b.py", vuln);
    assert_eq!(
        tainted_paths(&scan(&repo, &[])),
        ["app/a.py", "lib/deep/b.py"]
    );
    settle_and_reuse(&["app/a.py", "lib/deep/b.py"]);

    // .gitignore edited in place (same file, same directory entry).
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(repo.path(".gitignore"))
        .expect("open .gitignore");
    std::io::Write::write_all(&mut f, b"lib/\n").expect("append");
    drop(f);
    assert_eq!(tainted_paths(&scan(&repo, &[])), ["app/a.py"]);
    settle_and_reuse(&["app/a.py"]);

    // .git/info/exclude edited.
    repo.write(".git/info/exclude", "app/\n");
    assert!(tainted_paths(&scan(&repo, &[])).is_empty());

    // And a fresh walk agrees.
    assert!(tainted_paths(&scan(&repo, &["--no-cache"])).is_empty());
}

/// An ignore file that is itself ignored is still obeyed by the walk, so the cached file list
/// must notice when it changes although the walk never lists it.
#[test]
fn the_cached_file_list_sees_edits_to_ignored_ignore_files() {
    let vuln = "from flask import request\nimport os\nos.remove(request.args['f1'])\n";
    let repo = Repo::new();
    repo.write(".gitignore", ".ignore\n");
    repo.write("lib/.ignore", "secret/\n");
    repo.write("lib/secret/x.py", vuln);
    repo.write("app/a.py", vuln);
    scan(&repo, &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(tainted_paths(&scan(&repo, &[])), ["app/a.py"]);
    let before = walk_stamp(&repo);
    assert_eq!(tainted_paths(&scan(&repo, &[])), ["app/a.py"]);
    assert_eq!(
        walk_stamp(&repo),
        before,
        "the cached file list was not used"
    );
    // Rewritten in place: same inode, same directory entries.
    std::fs::write(repo.path("lib/.ignore"), "other/\n").expect("rewrite");
    assert_eq!(
        tainted_paths(&scan(&repo, &[])),
        ["app/a.py", "lib/secret/x.py"]
    );
}

/// A flow whose sink is in a helper of another file: found at the helper's sink, and the
/// text report shows the whole way under the finding — the source in the handler, the call
/// into the helper, the sink.
#[test]
fn text_report_shows_the_flow_through_a_helper_in_another_file() {
    let repo = Repo::new();
    repo.write(
        "app/views.py",
        "from flask import request\nfrom app.storage import read_doc\n\n\ndef show():\n    name = request.args['doc']\n    return read_doc(name)\n",
    );
    repo.write(
        "app/storage.py",
        "import os\n\nROOT = '/srv/docs'\n\n\ndef read_doc(name):\n    path = os.path.join(ROOT, name)\n    with open(path) as fh:\n        return fh.read()\n",
    );
    repo.write("app/__init__.py", "");
    let r = repo.qgate(&["check", "--checks", "path-traversal", "--format", "text"]);
    assert_eq!(r.code(), 1, "{}", r.explain());
    let out = r.stdout();
    assert!(
        out.contains("app/storage.py:8"),
        "the sink in the helper: {out}"
    );
    let flow = out
        .split("= flow:")
        .nth(1)
        .unwrap_or_else(|| panic!("a flow under the finding: {out}"));
    let at = |needle: &str| {
        flow.find(needle)
            .unwrap_or_else(|| panic!("{needle} in the flow: {flow}"))
    };
    assert!(
        at("app/views.py:6") < at("app/views.py:7"),
        "source, then the call: {flow}"
    );
    assert!(
        at("app/views.py:7") < at("app/storage.py:8"),
        "then the sink: {flow}"
    );
}
