//! Where watch mode's results go after each evaluation: the HTTP state, the events file, the
//! audit trail, the `--on-violation` command, the dashboard file and the score history.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::http::Shared;
use crate::report::{Report, Severity};
use crate::score::{self, HistoryPoint};

/// An open violation: an active finding of warning severity or worse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Violation {
    check: String,
    code: String,
    severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    message: String,
    fingerprint: String,
}

/// What survives a restart, so a new watch logs only what changed since the last one.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Persisted {
    score: Option<f64>,
    open: Vec<Violation>,
}

const STATE_FILE: &str = ".qgate/cache/watch-state.json";
/// How often the open set is saved while changes keep coming.
const PERSIST_EVERY: Duration = Duration::from_secs(2);

pub struct Outputs {
    root: PathBuf,
    audit: Option<PathBuf>,
    events: Option<PathBuf>,
    dashboard: Option<PathBuf>,
    alerts: Option<mpsc::SyncSender<String>>,
    fail_on: Severity,
    shared: Shared,
    persist: bool,
    /// (check, fingerprint) → violation.
    open: BTreeMap<(String, String), Violation>,
    score: Option<f64>,
    history: Vec<HistoryPoint>,
    last: Option<(i32, usize, f64)>,
    /// The open set changed since it was last saved.
    dirty: bool,
    persisted_at: Instant,
}

impl Outputs {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        root: &Path,
        config: &crate::config::Config,
        events: Option<PathBuf>,
        dashboard: Option<PathBuf>,
        on_violation: Option<String>,
        timeout: Duration,
        fail_on: Severity,
        shared: Shared,
        persist: bool,
    ) -> Outputs {
        let previous: Persisted = if persist {
            std::fs::read(root.join(STATE_FILE))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default()
        } else {
            Persisted::default()
        };
        let history = score::read_history(&root.join(score::HISTORY_FILE));
        Outputs {
            root: root.to_path_buf(),
            audit: crate::audit::path_of(root, config),
            events,
            dashboard,
            alerts: on_violation.map(|cmd| spawn_alerts(cmd, timeout)),
            fail_on,
            shared,
            persist,
            open: previous
                .open
                .into_iter()
                .map(|v| ((v.check.clone(), v.fingerprint.clone()), v))
                .collect(),
            score: previous.score,
            history,
            last: None,
            dirty: false,
            persisted_at: Instant::now(),
        }
    }

    pub fn reconfigure(&mut self, config: &crate::config::Config) {
        self.audit = crate::audit::path_of(&self.root, config);
    }

    /// One line for the terminal about the current state.
    pub fn summary(&self) -> String {
        match self.last {
            Some((code, open, score)) => format!(
                "{} — compliance score {score}, {open} open violation(s)",
                match code {
                    0 => "pass",
                    1 => "blocked",
                    _ => "error",
                }
            ),
            None => "not evaluated".into(),
        }
    }

    /// Publishes an evaluation: HTTP state first (it is what readers wait for), then the
    /// events, the audit trail, alerts, the dashboard and the history.
    pub fn publish(&mut self, report: Report, changed_at: Option<Instant>, kind: &str) {
        let sc = score::score(&report);
        let now: BTreeMap<(String, String), Violation> = violations(&report);
        let opened: Vec<&Violation> = now
            .iter()
            .filter(|(k, _)| !self.open.contains_key(*k))
            .map(|(_, v)| v)
            .collect();
        let resolved: Vec<&Violation> = self
            .open
            .iter()
            .filter(|(k, _)| !now.contains_key(*k))
            .map(|(_, v)| v)
            .collect();
        let score_changed = self.score != Some(sc.overall);
        let point = HistoryPoint {
            ts: score::now_unix(),
            overall: sc.overall,
            categories: sc.categories.clone(),
        };
        if score_changed {
            self.history.push(point.clone());
            if self.history.len() > score::HISTORY_KEEP {
                let cut = self.history.len() - score::HISTORY_KEEP;
                self.history.drain(..cut);
            }
        }
        let report = Arc::new(report);
        if let Ok(mut p) = self.shared.write() {
            p.stats.record(&report);
            if let (Some(t), Some(lag)) = (changed_at, p.stats.lag.as_mut()) {
                lag.observe(t.elapsed().as_secs_f64());
            }
            p.report = Some(Arc::clone(&report));
            p.score = Some(sc.clone());
            if score_changed {
                p.history = self.history.clone();
            }
        }

        let ts = crate::audit::timestamp();
        let mut lines = String::new();
        let mut audit_entries = Vec::new();
        // Events of newly opened blocking violations, for `--on-violation`.
        let mut alerts = Vec::new();
        for (event, list) in [
            ("violation_opened", &opened),
            ("violation_resolved", &resolved),
        ] {
            for v in list.iter() {
                let blocking = v.severity >= self.fail_on;
                let mut e = serde_json::to_value(v).unwrap_or_default();
                if let Value::Object(m) = &mut e {
                    m.insert("blocking".into(), blocking.into());
                }
                audit_entries.push((event, e.clone()));
                if let Value::Object(m) = &mut e {
                    m.insert("ts".into(), ts.clone().into());
                    m.insert("event".into(), event.into());
                    m.insert("evaluation".into(), kind.into());
                }
                let line = e.to_string();
                lines.push_str(&line);
                lines.push('\n');
                if blocking && event == "violation_opened" {
                    alerts.push((v.fingerprint.as_str(), line));
                }
            }
        }
        if score_changed {
            let e = json!({
                "ts": ts,
                "event": "score_changed",
                "from": self.score,
                "to": sc.overall,
                "categories": sc.categories,
            });
            lines.push_str(&e.to_string());
            lines.push('\n');
        }
        if let Some(path) = &self.events
            && !lines.is_empty()
            && let Err(e) = append(path, lines.as_bytes())
        {
            eprintln!("qgate: watch: {}: {e}", path.display());
        }
        if let Some(log) = &self.audit
            && !audit_entries.is_empty()
            && let Err(e) = crate::audit::append_many(log, &audit_entries)
        {
            eprintln!("qgate: watch: {e}");
        }
        if let Some(tx) = &self.alerts {
            for (fingerprint, event) in alerts {
                if tx.try_send(event).is_err() {
                    eprintln!(
                        "qgate: watch: --on-violation is behind; an alert for {fingerprint} was dropped"
                    );
                }
            }
        }
        for v in &opened {
            let at = match (&v.path, v.line) {
                (Some(p), Some(l)) => format!("{p}:{l}: "),
                (Some(p), None) => format!("{p}: "),
                _ => String::new(),
            };
            eprintln!(
                "qgate: watch: + {} {at}{} [{}]",
                v.severity, v.message, v.code
            );
        }
        for v in &resolved {
            let at = v
                .path
                .as_deref()
                .map_or(String::new(), |p| format!("{p}: "));
            eprintln!("qgate: watch: − resolved {at}{} [{}]", v.message, v.code);
        }
        if let Some(path) = &self.dashboard {
            let page = crate::report::html::Page {
                history: &self.history,
                refresh_secs: Some(2),
                subtitle: self.root.display().to_string(),
            };
            let html = crate::report::html::render(&report, &sc, &page);
            let written = path
                .parent()
                .map_or(Ok(()), crate::fsutil::create_dirs)
                .and_then(|()| crate::fsutil::write_output(path, html.as_bytes()));
            if let Err(e) = written {
                eprintln!("qgate: watch: {}: {e}", path.display());
            }
        }
        if score_changed
            && let Err(e) = score::append_history(&self.root.join(score::HISTORY_FILE), &point)
        {
            eprintln!("qgate: watch: {}: {e}", score::HISTORY_FILE);
        }
        let changed = score_changed || !opened.is_empty() || !resolved.is_empty();
        let first = self.last.is_none();
        self.open = now;
        self.score = Some(sc.overall);
        self.last = Some((report.exit_code, self.open.len(), sc.overall));
        if changed && self.persist {
            self.dirty = true;
            // At most every PERSIST_EVERY while changes stream in; `idle` writes the rest.
            if first || self.persisted_at.elapsed() >= PERSIST_EVERY {
                self.save_state();
            }
        }
    }

    /// Called when no change arrived for a while: writes what is not saved yet.
    pub fn idle(&mut self) {
        if self.dirty {
            self.save_state();
        }
    }

    fn save_state(&mut self) {
        let p = Persisted {
            score: self.score,
            open: self.open.values().cloned().collect(),
        };
        if let Ok(bytes) = serde_json::to_vec(&p) {
            let path = self.root.join(STATE_FILE);
            if let Some(dir) = path.parent() {
                let _ = crate::fsutil::create_dirs(dir);
            }
            let _ = crate::fsutil::atomic_write(&path, &bytes);
        }
        self.dirty = false;
        self.persisted_at = Instant::now();
    }

    /// A config edit that did not load.
    pub fn config_error(&mut self, message: &str) {
        if let Ok(mut p) = self.shared.write()
            && let Some(n) = p.stats.config_errors.as_mut()
        {
            *n += 1;
        }
        if let Some(path) = &self.events {
            let e = json!({"ts": crate::audit::timestamp(), "event": "config_error", "message": message});
            if let Err(err) = append(path, format!("{e}\n").as_bytes()) {
                eprintln!("qgate: watch: {}: {err}", path.display());
            }
        }
    }
}

fn violations(report: &Report) -> BTreeMap<(String, String), Violation> {
    let mut out = BTreeMap::new();
    for c in &report.checks {
        for f in c.active().filter(|f| f.severity >= Severity::Warning) {
            out.insert(
                (c.id.clone(), f.fingerprint.clone()),
                Violation {
                    check: c.id.clone(),
                    code: f.code.clone(),
                    severity: f.severity,
                    path: f.path.clone(),
                    line: f.line,
                    message: f.message.clone(),
                    fingerprint: f.fingerprint.clone(),
                },
            );
        }
    }
    out
}

fn append(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::fsutil::create_dirs(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.flush()
}

/// The `--on-violation` runner: one command at a time, beside the watcher, each killed after
/// `timeout`. Alerts queue up to a bound; past it they are dropped with a warning.
fn spawn_alerts(cmd: String, timeout: Duration) -> mpsc::SyncSender<String> {
    let (tx, rx) = mpsc::sync_channel::<String>(256);
    std::thread::spawn(move || {
        for event in rx {
            run_alert(&cmd, &event, timeout);
        }
    });
    tx
}

fn run_alert(cmd: &str, event: &str, timeout: Duration) {
    let child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("qgate: watch: --on-violation: cannot run `{cmd}`: {e}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is fine.
        let _ = stdin.write_all(event.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                if !status.success() {
                    eprintln!("qgate: watch: --on-violation `{cmd}` exited with {status}");
                }
                return;
            }
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!(
                    "qgate: watch: --on-violation `{cmd}` took longer than {:.1}s and was stopped",
                    timeout.as_secs_f64()
                );
                return;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                eprintln!("qgate: watch: --on-violation `{cmd}`: {e}");
                return;
            }
        }
    }
}
