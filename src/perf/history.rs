//! The perf history file (`.qgate/perf-history.json`): the benchmark results of earlier runs,
//! each with the commit and time it was recorded at, appended by `qgate perf record`.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Bench, Run};

/// The key that marks a history file.
pub const MARKER: &str = "qgate_perf_history";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub qgate_perf_history: u32,
    pub runs: Vec<HistoryRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRun {
    /// The commit the results were recorded at (`None` outside a git repository).
    pub commit: Option<String>,
    /// Seconds since the Unix epoch: the commit's time, or the recording time without git.
    pub time: i64,
    pub benchmarks: Vec<Bench>,
}

impl Default for History {
    fn default() -> Self {
        History {
            qgate_perf_history: VERSION,
            runs: Vec::new(),
        }
    }
}

impl History {
    pub fn from_value(v: &Value, label: &str) -> Result<History, String> {
        let version = v.get(MARKER).and_then(Value::as_u64);
        if version != Some(u64::from(VERSION)) {
            return Err(format!(
                "{label}: perf history version {:?} is not {VERSION}",
                v.get(MARKER)
            ));
        }
        History::deserialize(v).map_err(|e| format!("{label}: invalid perf history: {e}"))
    }

    /// `Ok(None)` when the file does not exist yet.
    pub fn read(path: &Path, label: &str) -> Result<Option<History>, String> {
        let bytes = match crate::fsutil::read_regular(path, crate::fsutil::MAX_INPUT) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{label}: cannot read: {e}")),
        };
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{label}:{}:{}: invalid JSON: {e}", e.line(), e.column()))?;
        History::from_value(&v, label).map(Some)
    }

    pub fn into_runs(self, label: &str) -> Vec<Run> {
        self.runs
            .into_iter()
            .enumerate()
            .map(|(i, r)| Run {
                label: match &r.commit {
                    Some(c) => format!("{label}@{}", &c[..c.len().min(10)]),
                    None => format!("{label}#{}", i + 1),
                },
                benches: r.benchmarks,
            })
            .collect()
    }

    /// Appends a run and keeps the newest `keep` runs.
    pub fn append(&mut self, run: HistoryRun, keep: usize) {
        self.runs.push(run);
        if self.runs.len() > keep {
            let drop = self.runs.len() - keep;
            self.runs.drain(..drop);
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// HEAD's commit id and commit time, read with git2.
pub fn head_commit(root: &Path) -> Option<(String, i64)> {
    let repo = git2::Repository::open(root).ok()?;
    let commit = repo.head().ok()?.peel_to_commit().ok()?;
    Some((commit.id().to_string(), commit.time().seconds()))
}

/// The content of `path` at `rev` (`origin/main:.qgate/perf-history.json`), without a
/// checkout. `Ok(None)`: the revision exists but has no such file.
pub fn git_blob(root: &Path, spec: &str) -> Result<Option<Vec<u8>>, String> {
    let (rev, path) = spec
        .split_once(':')
        .filter(|(r, p)| !r.is_empty() && !p.is_empty())
        .ok_or_else(|| {
            format!(
                "git:{spec}: expected git:REF:PATH, e.g. git:origin/main:.qgate/perf-history.json"
            )
        })?;
    let repo = git2::Repository::open(root)
        .map_err(|_| format!("git:{spec}: no git repository at {}", root.display()))?;
    let obj = repo.revparse_single(rev).map_err(|e| {
        format!(
            "git:{spec}: unknown revision `{rev}` ({}); in CI fetch it first (e.g. fetch-depth: 0)",
            e.message()
        )
    })?;
    let tree = obj
        .peel_to_tree()
        .map_err(|e| format!("git:{spec}: `{rev}` is not a commit: {}", e.message()))?;
    let entry = match tree.get_path(Path::new(path)) {
        Ok(e) => e,
        Err(_) => return Ok(None),
    };
    let blob = entry
        .to_object(&repo)
        .and_then(|o| o.peel_to_blob())
        .map_err(|e| format!("git:{spec}: `{path}` is not a file: {}", e.message()))?;
    Ok(Some(blob.content().to_vec()))
}
