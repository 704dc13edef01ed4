//! Checks users declare in qgate.yaml: regex rules (`rules:`) and external commands
//! (`commands:`). They run behind the same `Check` trait as the built-in ones.
//!
//! The trait hands out `&'static` text (ids, docs); a user check's text comes from the config,
//! which lives for the whole process, so it is leaked once per check when the list is built.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use super::{Check, CodeDoc, Context, Raw, Sink};
use crate::config::{CommandConfig, Config, Level, RuleConfig};
use crate::report::Severity;

/// The most a command may write on each of stdout and stderr.
const MAX_OUTPUT: u64 = 64 << 20;

/// Kills the command's process group (what it started too) and reaps the command.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `s` as static text, leaked once per distinct text: a config reloaded by `watch` (the
/// same checks again) leaks nothing more.
fn leak(s: String) -> &'static str {
    static SEEN: std::sync::Mutex<Option<std::collections::HashSet<&'static str>>> =
        std::sync::Mutex::new(None);
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let seen = seen.get_or_insert_with(Default::default);
    if let Some(k) = seen.get(s.as_str()) {
        return k;
    }
    let k: &'static str = Box::leak(s.into_boxed_str());
    seen.insert(k);
    k
}

/// The user checks declared in `config`.
pub fn from_config(config: &Config) -> Vec<Box<dyn Check>> {
    let mut out: Vec<Box<dyn Check>> = Vec::new();
    for r in &config.rules {
        out.push(Box::new(RuleCheck::new(r.clone())));
    }
    for c in &config.commands {
        out.push(Box::new(CommandCheck::new(c.clone())));
    }
    out
}

/// Files of the workspace (PATH arguments, shard and excludes applied) matching `keep`.
fn files(cx: &Context<'_>, keep: impl Fn(&str) -> bool + Sync) -> Vec<String> {
    let ws = cx.ws;
    if let Some(paths) = &ws.paths {
        return paths
            .iter()
            .filter(|p| ws.in_shard(p) && keep(p))
            .cloned()
            .collect();
    }
    let mut out: Vec<String> = ignore::WalkBuilder::new(&ws.root)
        .hidden(true)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| crate::fsutil::rel_path(&ws.root, e.path()))
        .filter(|rel| !ws.exclude.is_excluded(rel) && ws.in_shard(rel) && keep(rel))
        .collect();
    out.sort();
    out
}

pub struct RuleCheck {
    rule: RuleConfig,
    id: &'static str,
    summary: &'static str,
    explanation: &'static str,
    codes: &'static [CodeDoc],
    code: &'static str,
}

impl RuleCheck {
    fn new(rule: RuleConfig) -> RuleCheck {
        let id = leak(rule.id.clone());
        let code = leak(format!(
            "{}-{}",
            rule.id,
            if rule.forbid { "match" } else { "missing" }
        ));
        let summary = leak(rule.message.clone());
        let what = if rule.forbid {
            "must never appear"
        } else {
            "must appear in every file it covers"
        };
        let explanation = leak(format!(
            "A rule from qgate.yaml: the regex `{}` {what}.\n\n{}\n\nSuppress one occurrence: `qgate:ignore[{code}] reason` in a comment on or above the line.",
            rule.source, rule.message
        ));
        let codes: &'static [CodeDoc] = Box::leak(
            vec![CodeDoc {
                code,
                summary,
                explanation,
            }]
            .into_boxed_slice(),
        );
        RuleCheck {
            rule,
            id,
            summary,
            explanation,
            codes,
            code,
        }
    }

    fn covers(&self, rel: &str) -> bool {
        (self.rule.paths.is_empty() || self.rule.paths.is_match(rel))
            && (self.rule.languages.is_empty()
                || crate::scan::rules::Lang::of(rel)
                    .is_some_and(|l| self.rule.languages.contains(&l)))
    }
}

impl Check for RuleCheck {
    fn id(&self) -> &'static str {
        self.id
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn explanation(&self) -> &'static str {
        self.explanation
    }
    fn default_level(&self) -> Level {
        self.rule.level
    }
    fn codes(&self) -> &'static [CodeDoc] {
        self.codes
    }
    fn file_based(&self) -> bool {
        true
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        let files = files(cx, |rel| self.covers(rel));
        let max = cx.ws.config.scan.max_file_size;
        for rel in &files {
            let abs = cx.ws.root.join(rel);
            let bytes = match cx.ws.overlay.as_ref().and_then(|o| o.get(rel)) {
                Some(b) => b.clone(),
                None => match std::fs::metadata(&abs) {
                    Ok(m) if m.len() > max => continue,
                    _ => match std::fs::read(&abs) {
                        Ok(b) => b,
                        Err(_) => continue,
                    },
                },
            };
            if bytes.iter().take(8192).any(|&b| b == 0) {
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            if self.rule.forbid {
                for (n, line) in text.lines().enumerate() {
                    if let Some(m) = self.rule.regex.find(line) {
                        let mut f = Raw::new(self.code, Severity::Error, self.rule.message.clone())
                            .at(rel.clone(), Some(n as u32 + 1));
                        f.column = Some(line[..m.start()].chars().count() as u32 + 1);
                        f.content = m.as_str().to_string();
                        sink.push(f);
                    }
                }
            } else if !self.rule.regex.is_match(&text) {
                let mut f = Raw::new(self.code, Severity::Error, self.rule.message.clone())
                    .at(rel.clone(), None);
                f.content = rel.clone();
                sink.push(f);
            }
        }
        if files.is_empty() {
            sink.note("no file matches this rule's paths and languages");
        }
        Ok(())
    }
}

pub struct CommandCheck {
    cmd: CommandConfig,
    id: &'static str,
    summary: &'static str,
    codes: &'static [CodeDoc],
    code: &'static str,
}

/// What a command check writes on stdout.
#[derive(Deserialize)]
struct Response {
    findings: Vec<ResponseFinding>,
}

#[derive(Deserialize)]
struct ResponseFinding {
    message: String,
    path: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    severity: Option<Severity>,
    code: Option<String>,
}

/// The version of the request qgate sends to command checks.
pub const PROTOCOL: u32 = 1;

impl CommandCheck {
    fn new(cmd: CommandConfig) -> CommandCheck {
        let id = leak(cmd.id.clone());
        let code = leak(format!("{}-finding", cmd.id));
        let summary = leak(
            cmd.description
                .clone()
                .unwrap_or_else(|| format!("command check: {}", cmd.run.join(" "))),
        );
        let explanation = leak(format!(
            "An external command check from qgate.yaml: `{}`. qgate sends it a JSON request on stdin and reads findings as JSON from stdout (see the README, \"Your own checks\"). It fails closed: a timeout ({} s) or a non-zero exit without valid JSON is an error. It never runs under --no-exec.",
            cmd.run.join(" "),
            cmd.timeout_secs
        ));
        let codes: &'static [CodeDoc] = Box::leak(
            vec![CodeDoc {
                code,
                summary,
                explanation,
            }]
            .into_boxed_slice(),
        );
        CommandCheck {
            cmd,
            id,
            summary,
            codes,
            code,
        }
    }
}

impl Check for CommandCheck {
    fn id(&self) -> &'static str {
        self.id
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn explanation(&self) -> &'static str {
        self.codes[0].explanation
    }
    fn default_level(&self) -> Level {
        self.cmd.level
    }
    fn codes(&self) -> &'static [CodeDoc] {
        self.codes
    }
    fn file_based(&self) -> bool {
        self.cmd.files.is_some()
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        if cx.ws.no_exec {
            sink.note("command checks do not run under --no-exec (an untrusted config must not run programs)");
            return Ok(());
        }
        let files = match &self.cmd.files {
            Some(g) => files(cx, |rel| g.is_match(rel)),
            None => Vec::new(),
        };
        let request = json!({
            "qgate_command_check": PROTOCOL,
            "check": self.cmd.id,
            "root": cx.ws.root.display().to_string(),
            "files": files,
            "config": self.cmd.config,
        });
        let shown = crate::text::printable(&self.cmd.run.join(" ")).into_owned();
        let mut command = Command::new(&self.cmd.run[0]);
        command
            .args(&self.cmd.run[1..])
            .current_dir(&cx.ws.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group, so the timeout stops what it started too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
        let (tx, rx) = std::sync::mpsc::channel::<(bool, Vec<u8>)>();
        for (is_out, pipe) in [
            (
                true,
                child
                    .stdout
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ),
            (
                false,
                child
                    .stderr
                    .take()
                    .map(|p| Box::new(p) as Box<dyn Read + Send>),
            ),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                if let Some(mut p) = pipe {
                    // Bounded: a command that floods its output is cut, not buffered whole.
                    let _ = p.by_ref().take(MAX_OUTPUT).read_to_end(&mut out);
                }
                let _ = tx.send((is_out, out));
            });
        }
        drop(tx);
        if let Some(mut stdin) = child.stdin.take() {
            // A command that does not read its input is not an error.
            let _ = stdin.write_all(request.to_string().as_bytes());
        }
        let deadline = Instant::now() + Duration::from_secs_f64(self.cmd.timeout_secs);
        let timed_out = || {
            format!(
                "`{shown}` did not finish within {} s (failing closed)",
                self.cmd.timeout_secs
            )
        };
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    stop(&mut child);
                    return Err(timed_out());
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => {
                    stop(&mut child);
                    return Err(format!("`{shown}`: {e}"));
                }
            }
        };
        // A child left in the background may hold the pipes open: read until the deadline.
        let (mut out, mut err) = (None, None);
        while out.is_none() || err.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((true, b)) => out = Some(b),
                Ok((false, b)) => err = Some(b),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    stop(&mut child);
                    return Err(format!(
                        "{} (its output stayed open: a process it started still holds it)",
                        timed_out()
                    ));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let (out, err) = (out.unwrap_or_default(), err.unwrap_or_default());
        let parsed: Result<Response, _> = serde_json::from_slice(&out);
        let response = match (parsed, status.success()) {
            (Ok(r), _) => r,
            (Err(e), true) => return Err(format!("`{shown}` wrote no valid JSON on stdout: {e}")),
            (Err(_), false) => {
                let tail = String::from_utf8_lossy(&err);
                let tail = tail.trim();
                let tail = crate::text::printable(crate::text::tail(tail, 400));
                return Err(format!(
                    "`{shown}` failed ({status}) without a JSON response (failing closed): {tail}"
                ));
            }
        };
        for f in response.findings {
            let code: std::borrow::Cow<'static, str> = match &f.code {
                Some(c) if c != self.code => format!("{}-{c}", self.cmd.id).into(),
                _ => self.code.into(),
            };
            let mut raw = Raw::new(code, f.severity.unwrap_or(Severity::Error), f.message);
            if let Some(p) = f.path {
                raw = raw.at(p, f.line);
                raw.column = f.column;
            }
            sink.push(raw);
        }
        Ok(())
    }
}
