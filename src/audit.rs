//! The audit trail: an append-only JSON Lines log of transition decisions and watch-mode
//! violations, each entry chained to the one before by a SHA-256 hash, so that an edited,
//! removed, inserted or reordered entry is found by `qgate audit verify`.
//!
//! Entry: `{"seq":N,"ts":"…","kind":"…",…,"prev":"<hash of entry N-1>","hash":"<hash>"}`
//! where `hash` = SHA-256 of `prev` and the entry's canonical JSON without `hash` (keys
//! sorted). The first entry's `prev` is 64 zeros. A head file next to the log
//! (`audit.jsonl.head`) holds the last entry's number and hash, so removing entries from the
//! end is found too. Appends take an exclusive lock, are fsynced, and never rewrite a byte.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const DEFAULT_PATH: &str = ".qgate/audit.jsonl";
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The log of a repository, from its config; `None` when disabled.
pub fn path_of(root: &Path, config: &crate::config::Config) -> Option<PathBuf> {
    config.audit.enabled.then(|| root.join(&config.audit.path))
}

fn head_path(log: &Path) -> PathBuf {
    let mut p = log.as_os_str().to_owned();
    p.push(".head");
    PathBuf::from(p)
}

/// RFC 3339 UTC time, milliseconds.
pub fn timestamp() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// The hash of an entry: `prev`, a newline, and the entry's canonical JSON without `hash`.
fn entry_hash(entry: &Map<String, Value>) -> String {
    let mut body = entry.clone();
    body.remove("hash");
    let prev = body.get("prev").and_then(Value::as_str).unwrap_or("");
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    // serde_json's map is ordered by key: the serialization is canonical.
    h.update(Value::Object(body).to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The last complete, parseable entry's (seq, hash) from the log's tail, and whether the file
/// ends in the middle of a line.
fn tail_state(f: &mut File) -> std::io::Result<(Option<(u64, String)>, bool)> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((None, false));
    }
    // Entries are small; read back far enough to hold several.
    let mut window = 64 * 1024u64;
    loop {
        let start = len.saturating_sub(window);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        f.take(len - start).read_to_end(&mut buf)?;
        let partial = buf.last() != Some(&b'\n');
        let text = String::from_utf8_lossy(&buf);
        let mut lines: Vec<&str> = text.split('\n').collect();
        if start > 0 {
            // The first piece may be cut.
            lines.remove(0);
        }
        if partial {
            lines.pop();
        }
        for l in lines.iter().rev() {
            if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(l)
                && let (Some(seq), Some(hash)) = (
                    m.get("seq").and_then(Value::as_u64),
                    m.get("hash").and_then(Value::as_str),
                )
            {
                return Ok((Some((seq, hash.to_string())), partial));
            }
        }
        if start == 0 {
            return Ok((None, partial));
        }
        window *= 4;
    }
}

/// Appends one entry of `kind` with the fields of `body` (an object); returns its number.
pub fn append(log: &Path, kind: &str, body: Value) -> Result<u64, String> {
    append_many(log, &[(kind, body)])
}

/// Appends entries under one lock and one fsync; returns the last one's number.
pub fn append_many(log: &Path, entries: &[(&str, Value)]) -> Result<u64, String> {
    let shown = log.display();
    if let Some(dir) = log.parent() {
        crate::fsutil::create_dirs(dir).map_err(|e| format!("{shown}: {e}"))?;
    }
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create(true);
    let mut f = crate::fsutil::no_follow(&mut opts).open(log).map_err(|e| {
        if std::fs::symlink_metadata(log).is_ok_and(|m| m.file_type().is_symlink()) {
            format!("{shown}: the audit log is a symbolic link; qgate never follows links for its own state (remove the link)")
        } else {
            format!("{shown}: cannot open the audit log: {e}")
        }
    })?;
    f.lock()
        .map_err(|e| format!("{shown}: cannot lock the audit log: {e}"))?;
    let (last, partial) = tail_state(&mut f).map_err(|e| format!("{shown}: {e}"))?;
    let mut out = Vec::new();
    if partial {
        // A crash cut the last line. It stays (verify reports it); the new entry starts on a
        // line of its own and chains to the last complete entry.
        eprintln!(
            "qgate: warning: {shown}: the last line is incomplete (a crash while writing?); `qgate audit verify` reports it"
        );
        out.push(b'\n');
    }
    let (mut seq, mut prev) = match last {
        Some((n, h)) => (n, h),
        None => (0, GENESIS.to_string()),
    };
    let ts = timestamp();
    for (kind, body) in entries {
        seq += 1;
        let mut entry = Map::new();
        if let Value::Object(fields) = body {
            entry.extend(fields.clone());
        }
        entry.insert("seq".into(), seq.into());
        entry.insert("ts".into(), ts.clone().into());
        entry.insert("kind".into(), (*kind).into());
        entry.insert("prev".into(), prev.into());
        let hash = entry_hash(&entry);
        entry.insert("hash".into(), hash.clone().into());
        out.extend_from_slice(Value::Object(entry).to_string().as_bytes());
        out.push(b'\n');
        prev = hash;
    }
    let hash = prev;
    f.write_all(&out)
        .and_then(|()| f.sync_data())
        .map_err(|e| format!("{shown}: cannot append to the audit log: {e}"))?;
    let head = serde_json::json!({ "seq": seq, "hash": hash }).to_string() + "\n";
    crate::fsutil::atomic_write(&head_path(log), head.as_bytes())
        .map_err(|e| format!("{}: {e}", head_path(log).display()))?;
    Ok(seq)
}

/// Who acts: git's `user.name`, else `$USER`.
pub fn actor(root: &Path) -> String {
    git2::Repository::discover(root)
        .ok()
        .and_then(|r| r.config().ok())
        .and_then(|c| c.get_string("user.name").ok())
        .filter(|n| !n.trim().is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// The entry for a transition decision.
pub fn transition_entry(
    root: &Path,
    task: &crate::kanban::Task,
    from: Option<String>,
    to: &str,
    report: &crate::report::Report,
    applied: bool,
) -> Value {
    let findings: Vec<Value> = report
        .checks
        .iter()
        .flat_map(|c| c.active().map(move |f| (c, f)))
        .filter(|(_, f)| f.severity >= crate::report::Severity::Warning)
        .map(|(c, f)| {
            serde_json::json!({"check": c.id, "code": f.code, "severity": f.severity, "message": f.message})
        })
        .collect();
    serde_json::json!({
        "task": task.display_id(),
        "path": task.path,
        "from": from,
        "to": to,
        "verdict": report.verdict,
        "applied": applied,
        "actor": actor(root),
        "findings": findings,
    })
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    pub entries: u64,
    pub problems: Vec<String>,
}

/// Checks the chain of `log`: every entry's hash, its link to the one before, the numbering,
/// and the head file.
pub fn verify(log: &Path) -> Result<Verification, String> {
    let shown = log.display().to_string();
    let bytes = std::fs::read(log).map_err(|e| format!("{shown}: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut v = Verification::default();
    let mut prev: Option<(u64, String)> = None;
    let ends_cleanly = bytes.is_empty() || bytes.last() == Some(&b'\n');
    let lines: Vec<&str> = text.split('\n').collect();
    let n_lines = if ends_cleanly {
        lines.len().saturating_sub(1)
    } else {
        lines.len()
    };
    for (i, line) in lines.iter().take(n_lines).enumerate() {
        let at = format!("{shown}:{}", i + 1);
        let last_line = i + 1 == n_lines;
        let parsed = serde_json::from_str::<Value>(line);
        let Ok(Value::Object(entry)) = parsed else {
            let why = if last_line && !ends_cleanly {
                "incomplete last entry (a crash while writing?)"
            } else if line.trim().is_empty() {
                "empty line where an entry should be"
            } else {
                "not a complete JSON entry (cut short or edited)"
            };
            v.problems.push(format!("{at}: {why}"));
            continue;
        };
        let seq = entry.get("seq").and_then(Value::as_u64);
        let hash = entry.get("hash").and_then(Value::as_str).unwrap_or("");
        let link = entry.get("prev").and_then(Value::as_str).unwrap_or("");
        let Some(seq) = seq else {
            v.problems
                .push(format!("{at}: entry without a number (`seq`)"));
            continue;
        };
        if entry_hash(&entry) != hash {
            v.problems.push(format!(
                "{at}: entry #{seq} does not match its hash: it was edited"
            ));
        }
        let (want_seq, want_prev) = match &prev {
            Some((n, h)) => (n + 1, h.as_str()),
            None => (1, GENESIS),
        };
        if seq != want_seq || link != want_prev {
            let after = prev
                .as_ref()
                .map_or("the start of the log".to_string(), |(n, _)| {
                    format!("entry #{n}")
                });
            v.problems.push(format!(
                "{at}: entry #{seq} does not follow {after}: entries were removed, inserted or reordered"
            ));
        }
        v.entries += 1;
        prev = Some((seq, hash.to_string()));
    }
    match std::fs::read_to_string(head_path(log)) {
        Ok(h) => {
            let head: Value = serde_json::from_str(&h).unwrap_or(Value::Null);
            let want = (
                head.get("seq").and_then(Value::as_u64),
                head.get("hash").and_then(Value::as_str),
            );
            let have = prev.as_ref().map(|(n, h)| (Some(*n), Some(h.as_str())));
            if have != Some(want) {
                v.problems.push(format!(
                    "{shown}: the last entry is not the one the head file ({}) records (#{}): entries were removed from the end or the head was edited",
                    head_path(log).display(),
                    want.0.map_or("?".into(), |n| n.to_string())
                ));
            }
        }
        Err(_) if v.entries == 0 => {}
        Err(e) => v.problems.push(format!(
            "{}: cannot read the head file: {e}",
            head_path(log).display()
        )),
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log_with(n: u64) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/audit.jsonl");
        for i in 0..n {
            append(&p, "transition", json!({"task": format!("T-{i}")})).unwrap();
        }
        (d, p)
    }

    fn lines(p: &Path) -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn write_lines(p: &Path, l: &[String]) {
        std::fs::write(p, l.join("\n") + "\n").unwrap();
    }

    #[test]
    fn intact_chain_verifies() {
        let (_d, p) = log_with(5);
        let v = verify(&p).unwrap();
        assert_eq!(v.entries, 5);
        assert!(v.problems.is_empty(), "{:?}", v.problems);
    }

    #[test]
    fn edits_removals_and_reorders_are_found() {
        let (_d, p) = log_with(4);
        let orig = lines(&p);

        let mut edited = orig.clone();
        edited[1] = edited[1].replace("T-1", "T-9");
        write_lines(&p, &edited);
        let v = verify(&p).unwrap();
        assert!(
            v.problems
                .iter()
                .any(|m| m.contains(":2: entry #2") && m.contains("edited")),
            "{:?}",
            v.problems
        );

        let mut removed = orig.clone();
        removed.remove(2);
        write_lines(&p, &removed);
        assert!(
            verify(&p)
                .unwrap()
                .problems
                .iter()
                .any(|m| m.contains("removed"))
        );

        let mut swapped = orig.clone();
        swapped.swap(1, 2);
        write_lines(&p, &swapped);
        assert!(!verify(&p).unwrap().problems.is_empty());

        let mut tail_cut = orig.clone();
        tail_cut.pop();
        write_lines(&p, &tail_cut);
        assert!(
            verify(&p)
                .unwrap()
                .problems
                .iter()
                .any(|m| m.contains("head file"))
        );
    }

    #[test]
    fn a_cut_last_line_is_reported_and_appends_go_on() {
        let (_d, p) = log_with(3);
        let mut text = std::fs::read_to_string(&p).unwrap();
        let keep = text.len() - 20;
        text.truncate(keep);
        std::fs::write(&p, &text).unwrap();
        let v = verify(&p).unwrap();
        assert!(
            v.problems
                .iter()
                .any(|m| m.contains("incomplete last entry")),
            "{:?}",
            v.problems
        );
        // The next append chains to entry #2, the last complete one, on a line of its own.
        assert_eq!(append(&p, "transition", json!({})).unwrap(), 3);
        let v = verify(&p).unwrap();
        assert_eq!(v.entries, 3);
        assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
        assert!(v.problems[0].contains(":3: not a complete JSON entry"));
    }
}
