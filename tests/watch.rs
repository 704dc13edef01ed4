//! `qgate watch` end to end: the real binary watching a real repository, driven by real file
//! changes, observed through its HTTP endpoints, its events file and its stderr.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Fmt, Repo, task};
use serde_json::Value;

const VULN: &str = "from flask import request\n\n\ndef read():\n    name = request.args.get(\"name\")\n    return open(name).read()\n";
const SAFE: &str = "from flask import request\nimport os\n\n\ndef read():\n    name = os.path.basename(request.args.get(\"name\"))\n    return open(name).read()\n";

/// A running `qgate watch`; killed when dropped.
struct Watch {
    child: Child,
    addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    fn start(dir: &Path, extra: &[&str]) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qgate"))
            .current_dir(dir)
            .args(["watch", "--http", "127.0.0.1:0", "--events", "events.jsonl"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start qgate watch");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&stderr);
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().expect("lock").push(line);
            }
        });
        let mut w = Watch {
            child,
            addr: String::new(),
            stderr,
        };
        let addr = w.wait_for("serving address", |w| {
            w.lines().iter().find_map(|l| {
                l.split("http://")
                    .nth(1)
                    .and_then(|rest| rest.split('/').next())
                    .map(str::to_string)
            })
        });
        w.addr = addr.unwrap_or_default();
        w.wait_for("the first evaluation", |w| {
            w.lines()
                .iter()
                .any(|l| l.contains("watching"))
                .then_some(())
        });
        w
    }

    fn lines(&self) -> Vec<String> {
        self.stderr.lock().expect("lock").clone()
    }

    /// Polls `f` until it yields, for at most 30 s (debug builds on a loaded machine).
    fn wait_for<T>(&self, what: &str, f: impl Fn(&Watch) -> Option<T>) -> Option<T> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Some(v) = f(self) {
                return Some(v);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "timed out waiting for {what}; stderr:\n{}",
            self.lines().join("\n")
        );
    }

    fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.addr, path)
    }

    fn status(&self) -> Value {
        let (code, body) = self.get("/api/status");
        assert_eq!(code, 200, "{body}");
        serde_json::from_str(&body).expect("status JSON")
    }

    fn evaluations(&self) -> u64 {
        self.status()["evaluations"].as_u64().expect("evaluations")
    }

    /// Waits until an evaluation after `after` has been published, nothing is pending and
    /// the state has stopped changing for a moment; returns the status.
    fn settle(&self, after: u64) -> Value {
        self.wait_for("an evaluation", |w| (w.evaluations() > after).then_some(()));
        let mut last = self.evaluations();
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let s = self.status();
            let now = s["evaluations"].as_u64().expect("evaluations");
            if now == last && s["pending"] == false {
                return s;
            }
            last = now;
        }
    }
}

impl Watch {
    /// Stops it as a service manager would (SIGTERM) and waits for the exit code.
    fn terminate(mut self) -> i32 {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let code = self.child.wait().expect("wait").code().unwrap_or(-1);
        assert!(self.lines().iter().any(|l| l.contains("stopped")) || code == 0);
        code
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

/// Fingerprints of active warning-or-worse findings in a JSON report.
fn open_set(report: &Value) -> BTreeSet<String> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["suppressed"] == false && f["severity"] != "note")
        .map(|f| f["fingerprint"].as_str().expect("fingerprint").to_string())
        .collect()
}

/// The watch state's open violations are exactly what `qgate check` reports.
fn assert_same_as_check(repo: &Repo, status: &Value) {
    let check = repo.qgate(&["check", "--format", "json"]);
    assert_eq!(open_set(status), open_set(&check.json()));
}

fn paths_with(report: &Value, code: &str) -> Vec<String> {
    let mut v: Vec<String> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["code"] == code && f["suppressed"] == false)
        .map(|f| f["path"].as_str().unwrap_or("").to_string())
        .collect();
    v.sort();
    v
}

fn events(repo: &Repo) -> Vec<Value> {
    std::fs::read_to_string(repo.path("events.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("event line is JSON"))
        .collect()
}

/// An editor's atomic save: write a temporary file, rename it over the target.
fn atomic_save(repo: &Repo, rel: &str, text: &str) {
    let target = repo.path(rel);
    let tmp = target.with_extension("py.swp~");
    std::fs::write(&tmp, text).expect("write temp");
    std::fs::rename(&tmp, &target).expect("rename");
}

#[test]
fn saves_deletes_renames_and_new_directories_update_the_state() {
    let repo = Repo::new();
    repo.write("src/app.py", VULN);
    repo.write("src/ok.py", SAFE);
    let w = Watch::start(repo.root(), &[]);

    assert_eq!(w.get("/health").0, 200);
    assert_eq!(w.get("/ready").0, 200);
    let s = w.status();
    assert_eq!(paths_with(&s, "tainted-path"), ["src/app.py"]);
    assert_eq!(s["exit_code"], 1);
    let ev = events(&repo);
    assert!(
        ev.iter().any(|e| e["event"] == "violation_opened"
            && e["path"] == "src/app.py"
            && e["blocking"] == true),
        "{ev:?}"
    );
    assert!(ev.iter().any(|e| e["event"] == "score_changed"));

    // An editor's atomic save that fixes the file.
    let n = w.evaluations();
    atomic_save(&repo, "src/app.py", SAFE);
    let s = w.settle(n);
    assert!(paths_with(&s, "tainted-path").is_empty(), "{s}");
    assert_eq!(s["exit_code"], 0);
    assert!(
        events(&repo)
            .iter()
            .any(|e| e["event"] == "violation_resolved" && e["path"] == "src/app.py")
    );

    // A new directory with a vulnerable file in it.
    let n = w.evaluations();
    repo.write("pkg/deep/new.py", VULN);
    let s = w.settle(n);
    assert_eq!(paths_with(&s, "tainted-path"), ["pkg/deep/new.py"]);

    // A rename: the finding moves with the file.
    let n = w.evaluations();
    std::fs::rename(repo.path("pkg/deep/new.py"), repo.path("pkg/deep/moved.py")).expect("rename");
    let s = w.settle(n);
    assert_eq!(paths_with(&s, "tainted-path"), ["pkg/deep/moved.py"]);

    // Removing the directory resolves it.
    let n = w.evaluations();
    std::fs::remove_dir_all(repo.path("pkg")).expect("rm");
    let s = w.settle(n);
    assert!(paths_with(&s, "tainted-path").is_empty(), "{s}");

    // Gitignored and excluded files are not watched into the state.
    let n = w.evaluations();
    repo.write(".gitignore", "build/\n");
    w.settle(n);
    let n = w.evaluations();
    repo.write("build/gen.py", VULN);
    std::thread::sleep(Duration::from_millis(500));
    let s = w.status();
    assert!(paths_with(&s, "tainted-path").is_empty(), "{s}");
    assert!(w.evaluations() <= n + 1);

    // The final state is what `qgate check` says.
    assert_same_as_check(&repo, &w.status());
}

#[test]
fn a_burst_of_a_thousand_files_is_one_evaluation_and_matches_check() {
    let repo = Repo::new();
    repo.write("src/app.py", SAFE);
    let w = Watch::start(repo.root(), &[]);
    let n = w.evaluations();
    // Like a branch checkout: a thousand files in new directories, written back to back.
    for i in 0..1000 {
        let text = if i % 100 == 7 { VULN } else { SAFE };
        repo.write(&format!("mod{}/sub{}/f{i}.py", i % 10, i % 7), text);
    }
    let s = w.settle(n);
    // One batch closes after 2 s at most, so a slow writer may make it two.
    let evaluations = w.evaluations() - n;
    assert!(
        evaluations <= 2,
        "a burst should coalesce; it took {evaluations} evaluations"
    );
    assert_eq!(paths_with(&s, "tainted-path").len(), 10, "{s}");
    assert_same_as_check(&repo, &s);
}

#[test]
fn an_invalid_config_keeps_the_last_good_one() {
    let repo = Repo::new();
    repo.write("src/app.py", VULN);
    repo.write("qgate.yaml", "checks:\n  input-validation: warn\n");
    let w = Watch::start(repo.root(), &[]);
    assert_eq!(paths_with(&w.status(), "tainted-path"), ["src/app.py"]);

    repo.write("qgate.yaml", "checks:\n  path-traversal: [not, a, level\n");
    w.wait_for("the config error", |w| {
        w.lines()
            .iter()
            .any(|l| l.contains("config not reloaded") && l.contains("qgate.yaml"))
            .then_some(())
    });
    let (_, metrics) = w.get("/metrics");
    assert!(
        metrics.contains("qgate_config_reload_errors_total 1"),
        "{metrics}"
    );
    assert!(events(&repo).iter().any(|e| e["event"] == "config_error"));
    // Still serving the last good state.
    assert_eq!(paths_with(&w.status(), "tainted-path"), ["src/app.py"]);

    let n = w.evaluations();
    repo.write("qgate.yaml", "checks:\n  path-traversal: off\n");
    let s = w.settle(n);
    assert!(paths_with(&s, "tainted-path").is_empty(), "{s}");
    assert!(w.lines().iter().any(|l| l.contains("config reloaded")));
}

#[test]
fn moving_a_task_past_the_wip_limit_opens_a_violation() {
    let fmt = Fmt::KanbanMd;
    let repo = common::build(
        fmt,
        &[task(1, "One", "in_progress"), task(2, "Two", "todo")],
        &[("in_progress", 1)],
        "",
    );
    let w = Watch::start(repo.root(), &[]);
    assert!(!w.status().to_string().contains("wip-limit-exceeded"));
    let n = w.evaluations();
    let file = fmt.task_file(2);
    let text = repo.read(&file).replace(
        &format!("status: {}", fmt.status("todo")),
        &format!("status: {}", fmt.status("in_progress")),
    );
    assert_ne!(text, repo.read(&file), "the status line was found");
    repo.write(&file, &text);
    let s = w.settle(n);
    let wip: Vec<&Value> = s["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["id"] == "wip-limit")
        .flat_map(|c| c["findings"].as_array().expect("findings"))
        .filter(|f| f["severity"] != "note")
        .collect();
    assert_eq!(wip.len(), 1, "{s}");
    assert!(
        events(&repo)
            .iter()
            .any(|e| e["event"] == "violation_opened" && e["check"] == "wip-limit")
    );
    assert_same_as_check(&repo, &s);
}

#[test]
fn on_violation_gets_the_event_and_never_blocks_the_watcher() {
    let repo = Repo::new();
    repo.write("src/a.py", VULN);
    let w = Watch::start(repo.root(), &["--on-violation", "cat > alert.json"]);
    let alert = w.wait_for("the alert", |_| {
        std::fs::read_to_string(repo.path("alert.json"))
            .ok()
            .filter(|t| t.ends_with('\n'))
    });
    let alert: Value = serde_json::from_str(alert.as_deref().unwrap_or("")).expect("alert JSON");
    assert_eq!(alert["event"], "violation_opened");
    assert_eq!(alert["code"], "tainted-path");
    assert_eq!(alert["path"], "src/a.py");
    drop(w);

    // A command that hangs is stopped after the timeout, and the watcher goes on meanwhile.
    let repo = Repo::new();
    repo.write("src/a.py", VULN);
    let w = Watch::start(
        repo.root(),
        &["--on-violation", "sleep 30", "--on-violation-timeout", "2"],
    );
    let n = w.evaluations();
    let started = Instant::now();
    repo.write("src/a.py", SAFE);
    let s = w.settle(n);
    assert!(paths_with(&s, "tainted-path").is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the watcher waited for the alert command"
    );
    w.wait_for("the timeout notice", |w| {
        w.lines()
            .iter()
            .any(|l| l.contains("was stopped"))
            .then_some(())
    });
}

#[test]
fn ready_is_503_until_the_first_evaluation() {
    let repo = Repo::new();
    repo.write("src/a.py", SAFE);
    // A command check that takes a while holds the first evaluation back.
    repo.write(
        "qgate.yaml",
        "commands:\n  - id: slow\n    run: [sh, -c, 'sleep 3']\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_qgate"))
        .current_dir(repo.root())
        .args(["watch", "--http", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut reader = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("address")
        .to_string();
    assert_eq!(http_get(&addr, "/health").0, 200);
    assert_eq!(http_get(&addr, "/ready").0, 503);
    assert_eq!(http_get(&addr, "/api/status").0, 503);
    let start = Instant::now();
    while http_get(&addr, "/ready").0 != 200 {
        assert!(start.elapsed() < Duration::from_secs(30), "never ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(http_get(&addr, "/nope").0, 404);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn metrics_pass_promtool() {
    if !common::tool("promtool", &["--version"], "apt-get install -y prometheus") {
        return;
    }
    let repo = Repo::new();
    repo.write("src/a.py", VULN);
    let w = Watch::start(repo.root(), &[]);
    let n = w.evaluations();
    repo.write("src/a.py", SAFE);
    w.settle(n);
    let (code, metrics) = w.get("/metrics");
    assert_eq!(code, 200);
    for name in [
        "qgate_findings{check=\"path-traversal\",severity=\"error\"} 0",
        "qgate_compliance_score{category=\"overall\"}",
        "qgate_check_duration_seconds_bucket{check=\"path-traversal\",le=\"+Inf\"} 2",
        "qgate_evaluations_total 2",
        "qgate_watch_event_lag_seconds_count 1",
    ] {
        assert!(metrics.contains(name), "missing `{name}` in\n{metrics}");
    }
    promtool(&metrics);
    // And the one-shot format.
    let once = repo.qgate(&["check", "--format", "prometheus"]);
    assert_eq!(once.code(), 0, "{}", once.explain());
    promtool(&once.stdout());
}

fn promtool(metrics: &str) {
    let mut p = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    p.stdin
        .take()
        .expect("stdin")
        .write_all(metrics.as_bytes())
        .expect("write");
    let out = p.wait_with_output().expect("promtool");
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n{metrics}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn violations_are_audited_and_the_log_verifies() {
    let repo = Repo::new();
    repo.write("src/a.py", VULN);
    let w = Watch::start(repo.root(), &[]);
    let n = w.evaluations();
    repo.write("src/a.py", SAFE);
    w.settle(n);
    assert_eq!(w.terminate(), 0, "SIGTERM is a clean stop");
    let log = repo.read(".qgate/audit.jsonl");
    let kinds: Vec<String> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("entry")["kind"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["violation_opened", "violation_resolved"]);
    let v = repo.qgate(&["audit", "verify"]);
    assert_eq!(v.code(), 0, "{}", v.explain());

    // A restart does not log again what was already logged.
    let w = Watch::start(repo.root(), &[]);
    w.terminate();
    assert_eq!(repo.read(".qgate/audit.jsonl").lines().count(), 2);
}

#[test]
fn the_dashboard_is_served_and_kept_as_a_file() {
    let repo = Repo::new();
    repo.write("src/a.py", VULN);
    let w = Watch::start(repo.root(), &["--dashboard", "out/dashboard.html"]);
    let (code, page) = w.get("/");
    assert_eq!(code, 200);
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "the live page reloads itself"
    );
    assert_eq!(page.matches("<tr class=\"violation\"").count(), 1);
    let file = repo.read("out/dashboard.html");
    assert_eq!(file.matches("<tr class=\"violation\"").count(), 1);

    let n = w.evaluations();
    repo.write("src/a.py", SAFE);
    w.settle(n);
    assert_eq!(
        repo.read("out/dashboard.html")
            .matches("<tr class=\"violation\"")
            .count(),
        0
    );

    if let Some(chrome) = common::chromium() {
        let profile = tempfile::tempdir().expect("profile");
        let out = Command::new(chrome)
            .args(common::CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(["--dump-dom", &format!("http://{}/", w.addr)])
            .output()
            .expect("chromium");
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(dom.contains("id=\"score-gauge\""), "{dom}");
        assert!(dom.contains("data-score=\"100\""), "{dom}");
    }
}

#[test]
fn stalled_clients_and_huge_headers_do_not_block_health() {
    let repo = Repo::new();
    repo.write("src/a.py", SAFE);
    let w = Watch::start(repo.root(), &[]);
    let addr = w.addr.clone();
    // Clients that ask and never read, and clients that never finish their request.
    let mut stalled = Vec::new();
    for i in 0..8 {
        let mut s = TcpStream::connect(&addr).expect("connect");
        if i % 2 == 0 {
            write!(s, "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
        } else {
            write!(s, "GET /metrics HTTP/1.1\r\nHost: x\r\n").expect("request");
        }
        stalled.push(s);
    }
    let t = Instant::now();
    assert_eq!(http_get(&addr, "/health").0, 200);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // A header line far over the limit is refused, not buffered.
    let mut s = TcpStream::connect(&addr).expect("connect");
    let _ = write!(
        s,
        "GET /health HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    assert_eq!(http_get(&addr, "/health").0, 200);
    drop(stalled);
}

/// The inotify watches process `pid` holds (Linux: `inotify wd:` lines of its fdinfo).
#[cfg(target_os = "linux")]
fn inotify_watches(pid: u32) -> usize {
    let mut n = 0;
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fds")
        .flatten()
    {
        let is_inotify =
            std::fs::read_link(fd.path()).is_ok_and(|t| t.to_string_lossy().contains("inotify"));
        if is_inotify {
            let info = std::fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                fd.file_name().to_string_lossy()
            ))
            .unwrap_or_default();
            n += info
                .lines()
                .filter(|l| l.starts_with("inotify wd:"))
                .count();
        }
    }
    n
}

#[cfg(target_os = "linux")]
#[test]
fn a_link_to_a_big_directory_outside_adds_no_watches() {
    let repo = Repo::new();
    repo.write("src/a.py", SAFE);
    std::os::unix::fs::symlink("/usr", repo.path("usr-link")).expect("link");
    let w = Watch::start(repo.root(), &[]);
    let watches = inotify_watches(w.child.id());
    assert!(watches < 20, "{watches} inotify watches");
}
