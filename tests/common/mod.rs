//! Test harness: real repositories (made with git2 in temp dirs), one board description
//! rendered into each of the four board formats, and the real `qgate` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub struct Repo {
    pub dir: tempfile::TempDir,
    pub git: Option<git2::Repository>,
}

impl Repo {
    /// An empty directory with a git repository (no commits yet).
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let git = git2::Repository::init(dir.path()).expect("git init");
        Repo {
            dir,
            git: Some(git),
        }
    }

    /// An empty directory that is not a git repository.
    pub fn without_git() -> Repo {
        Repo {
            dir: tempfile::tempdir().expect("tempdir"),
            git: None,
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).expect("read")
    }

    /// Stages everything and commits with `message`.
    pub fn commit(&self, message: &str) {
        let repo = self.git.as_ref().expect("a git repository");
        let mut index = repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        index.write().expect("index write");
        let tree_id = index.write_tree().expect("tree");
        let tree = repo.find_tree(tree_id).expect("find tree");
        let sig = git2::Signature::now("Test", "test@example.com").expect("sig");
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .expect("commit");
    }

    pub fn qgate(&self, args: &[&str]) -> Run {
        qgate_in(self.root(), args)
    }

    /// `qgate transition TASK --to STATUS --format json`.
    pub fn transition(&self, task: &str, to: &str) -> Run {
        self.qgate(&["transition", task, "--to", to, "--format", "json"])
    }
}

pub fn qgate_in(dir: &Path, args: &[&str]) -> Run {
    let out = assert_cmd::Command::cargo_bin("qgate")
        .expect("binary")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .output()
        .expect("run qgate");
    Run { out }
}

pub struct Run {
    pub out: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.out.status.code().expect("exit code")
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            )
        })
    }
    /// Active (unsuppressed) finding codes in a JSON report, sorted.
    pub fn codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self.json()["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
            .filter(|f| f["suppressed"] == false && f["severity"] != "note")
            .map(|f| f["code"].as_str().expect("code").to_string())
            .collect();
        codes.sort();
        codes
    }
    pub fn findings(&self, code: &str) -> Vec<serde_json::Value> {
        self.json()["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
            .filter(|f| f["code"] == code)
            .collect()
    }
    pub fn explain(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Promethean,
    Backlog,
    KanbanMd,
    Obsidian,
}

pub const ALL: [Fmt; 4] = [Fmt::Promethean, Fmt::Backlog, Fmt::KanbanMd, Fmt::Obsidian];

/// One task of a board description.
#[derive(Debug, Clone, Default)]
pub struct T {
    pub n: u32,
    pub title: &'static str,
    /// Normalized status key: todo | in_progress | review | done.
    pub status: &'static str,
    pub priority: &'static str,
    pub labels: Vec<&'static str>,
    pub assignee: Option<&'static str>,
    pub plan: bool,
    /// Front-matter review (reviewer, verdict).
    pub fm_review: Option<(&'static str, &'static str)>,
    /// `Approved-by:` in a `## Security Review` section.
    pub section_review: Option<&'static str>,
}

pub fn task(n: u32, title: &'static str, status: &'static str) -> T {
    T {
        n,
        title,
        status,
        priority: "P2",
        ..T::default()
    }
}

/// A P0 security task with everything the gate asks for except the commit.
pub fn p0(n: u32, status: &'static str) -> T {
    T {
        n,
        title: "Fix path traversal in upload",
        status,
        priority: "P0",
        labels: vec!["security"],
        assignee: Some("alice"),
        plan: true,
        fm_review: Some(("bob", "approved")),
        section_review: None,
    }
}

pub const STATUS_KEYS: [&str; 4] = ["todo", "in_progress", "review", "done"];

impl Fmt {
    pub fn id(self, n: u32) -> String {
        match self {
            Fmt::Promethean | Fmt::Obsidian => format!("T-{n}"),
            Fmt::Backlog => format!("TASK-{n}"),
            Fmt::KanbanMd => n.to_string(),
        }
    }

    /// The status as this format's board spells it.
    pub fn status(self, key: &str) -> String {
        match (self, key) {
            (Fmt::Promethean, k) => k.to_string(),
            (Fmt::KanbanMd, k) => k.replace('_', "-"),
            (Fmt::Backlog | Fmt::Obsidian, "todo") => "Todo".into(),
            (Fmt::Backlog | Fmt::Obsidian, "in_progress") => "In Progress".into(),
            (Fmt::Backlog | Fmt::Obsidian, "review") => "Review".into(),
            (Fmt::Backlog | Fmt::Obsidian, "done") => "Done".into(),
            (_, other) => other.to_string(),
        }
    }

    /// The file that holds task `n` (its status line, for Obsidian the board).
    pub fn task_file(self, n: u32) -> String {
        match self {
            Fmt::Promethean => format!("docs/agile/tasks/t-{n}.md"),
            Fmt::Backlog => format!("backlog/tasks/task-{n} - Task.md"),
            Fmt::KanbanMd => format!("kanban/tasks/{n:03}-task.md"),
            Fmt::Obsidian => "Board.md".into(),
        }
    }

    /// The file that holds task `n`'s sections and front matter.
    pub fn doc_file(self, n: u32) -> String {
        match self {
            Fmt::Obsidian => format!("T-{n}.md"),
            other => other.task_file(n),
        }
    }
}

fn body(t: &T) -> String {
    let mut b = format!("\n# {}\n\nSome description.\n", t.title);
    if t.plan {
        b.push_str("\n## Implementation Plan\n\n<!-- SECTION:PLAN:BEGIN -->\n1. Canonicalize the path and check containment.\n<!-- SECTION:PLAN:END -->\n");
    }
    if let Some(r) = t.section_review {
        b.push_str(&format!("\n## Security Review\n\nApproved-by: {r}\n"));
    }
    b
}

fn front_matter(fmt: Fmt, t: &T, with_status: bool) -> String {
    let mut y = String::from("---\n");
    match fmt {
        Fmt::Promethean => y.push_str(&format!("uuid: \"T-{}\"\n", t.n)),
        Fmt::Backlog => y.push_str(&format!("id: TASK-{}\n", t.n)),
        Fmt::KanbanMd => y.push_str(&format!("id: {}\n", t.n)),
        Fmt::Obsidian => {}
    }
    y.push_str(&format!("title: {}\n", t.title));
    if with_status {
        y.push_str(&format!("status: {}\n", fmt.status(t.status)));
    }
    y.push_str(&format!("priority: {}\n", t.priority));
    if let Some(a) = t.assignee {
        match fmt {
            Fmt::Backlog => y.push_str(&format!("assignee:\n  - '@{a}'\n")),
            _ => y.push_str(&format!("assignee: {a}\n")),
        }
    }
    if !t.labels.is_empty() {
        let key = if fmt == Fmt::KanbanMd {
            "tags"
        } else {
            "labels"
        };
        y.push_str(&format!("{key}: [{}]\n", t.labels.join(", ")));
    }
    if let Some((r, v)) = t.fm_review {
        y.push_str(&format!(
            "security_review:\n  reviewer: '{r}'\n  verdict: {v}\n"
        ));
    }
    y.push_str("---\n");
    y
}

/// Writes a board in `fmt` with `tasks` and WIP `limits` (status key → limit), plus
/// `qgate_yaml` (merged with the limits for formats whose board cannot hold them).
pub fn build(fmt: Fmt, tasks: &[T], limits: &[(&str, i64)], qgate_yaml: &str) -> Repo {
    let repo = Repo::new();
    write_board(&repo, fmt, tasks, limits, qgate_yaml);
    repo
}

pub fn write_board(repo: &Repo, fmt: Fmt, tasks: &[T], limits: &[(&str, i64)], qgate_yaml: &str) {
    let statuses: Vec<String> = STATUS_KEYS.iter().map(|k| fmt.status(k)).collect();
    let mut yaml = qgate_yaml.to_string();
    match fmt {
        Fmt::Promethean => {
            let limits: Vec<String> = limits
                .iter()
                .map(|(k, v)| format!("\"{}\": {v}", fmt.status(k)))
                .collect();
            let quoted: Vec<String> = statuses.iter().map(|s| format!("\"{s}\"")).collect();
            repo.write(
                "promethean.kanban.json",
                &format!(
                    "{{\n  \"tasksDir\": \"docs/agile/tasks\",\n  \"statusValues\": [{}],\n  \"wipLimits\": {{{}}}\n}}\n",
                    quoted.join(", "),
                    limits.join(", ")
                ),
            );
        }
        Fmt::Backlog => {
            let quoted: Vec<String> = statuses.iter().map(|s| format!("\"{s}\"")).collect();
            repo.write(
                "backlog/config.yml",
                &format!("project_name: \"Test\"\ndefault_status: \"Todo\"\nstatuses: [{}]\nlabels: []\n", quoted.join(", ")),
            );
            if !limits.is_empty() {
                assert!(
                    !yaml.contains("kanban:"),
                    "the Backlog.md builder writes kanban.wip_limits itself"
                );
                yaml.push_str("kanban:\n  wip_limits:\n");
                for (k, v) in limits {
                    yaml.push_str(&format!("    {}: {v}\n", fmt.status(k)));
                }
            }
        }
        Fmt::KanbanMd => {
            let mut c =
                String::from("version: 3\nboard:\n  name: Test\ntasks_dir: tasks\nstatuses:\n");
            for s in &statuses {
                c.push_str(&format!("  - {s}\n"));
            }
            c.push_str("priorities: [low, medium, high, critical]\nwip_limits:\n");
            for (k, v) in limits {
                c.push_str(&format!("  {}: {v}\n", fmt.status(k)));
            }
            c.push_str("next_id: 100\n");
            repo.write("kanban/config.yml", &c);
        }
        Fmt::Obsidian => {
            let mut b = String::from("---\n\nkanban-plugin: board\n\n---\n\n");
            for key in STATUS_KEYS {
                let limit = limits
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| format!(" ({v})"))
                    .unwrap_or_default();
                b.push_str(&format!("## {}{limit}\n\n", fmt.status(key)));
                for t in tasks.iter().filter(|t| t.status == key) {
                    b.push_str(&format!("- [ ] [[T-{}]] {}\n", t.n, t.title));
                }
                b.push_str("\n\n");
            }
            b.push_str("%% kanban:settings\n```\n{\"kanban-plugin\":\"board\"}\n```\n%%\n");
            repo.write("Board.md", &b);
        }
    }
    for t in tasks {
        let text = format!("{}{}", front_matter(fmt, t, fmt != Fmt::Obsidian), body(t));
        repo.write(&fmt.doc_file(t.n), &text);
    }
    if !yaml.is_empty() {
        repo.write("qgate.yaml", &yaml);
    }
}

/// Copies a directory tree (fixtures into a test repository).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read fixture dir").flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

/// Whether the `python3 -c "import MODULE"` works; in CI a missing tool fails the test.
pub fn python_module(module: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("python module `{module}` is required in CI (pip install it in .ci/run)");
    }
    ok
}

/// Whether `program args` runs and succeeds; in CI a missing tool fails the test.
pub fn tool(program: &str, args: &[&str], install_hint: &str) -> bool {
    let ok = std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("`{program}` is required in CI ({install_hint} in .ci/run)");
    }
    if !ok {
        eprintln!("skipped: `{program}` is not installed ({install_hint})");
    }
    ok
}

/// Headless Chromium's flags for this closed network (no background connections).
pub const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The Chromium binary, if installed (in CI its absence fails the test).
pub fn chromium() -> Option<&'static str> {
    tool("chromium", &["--version"], "apt-get install -y chromium").then_some("chromium")
}

/// Makes a FIFO at `path` (Unix).
#[cfg(unix)]
#[allow(dead_code)]
pub fn mkfifo(path: &Path) {
    unsafe extern "C" {
        #[link_name = "mkfifo"]
        fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
    }
    let c = std::ffi::CString::new(path.to_str().expect("UTF-8 path")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path; mkfifo reads it and returns a status.
    assert_eq!(
        unsafe { libc_mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {}",
        path.display()
    );
}
