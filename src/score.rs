//! The compliance score: one number from 0 to 100 for the whole repository, and one per
//! category, computed from a report. `qgate explain compliance-score` prints [`EXPLANATION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::{CheckReport, CheckStatus, Report, Severity};

/// Points one open finding takes off its check's score.
pub const ERROR_COST: f64 = 10.0;
pub const WARNING_COST: f64 = 3.0;

/// The categories, in display order.
pub const CATEGORIES: [&str; 4] = ["security", "kanban", "performance", "custom"];

/// A check's category and risk weight (OpenSSF Scorecard's scale: critical 10, high 7.5,
/// medium 5, low 2.5). Checks from the config (`rules:`, `commands:`) are `custom`, medium.
pub fn weight(check: &str) -> (&'static str, f64) {
    match check {
        "path-traversal" | "input-validation" => ("security", 10.0),
        "p0-security-review" => ("kanban", 10.0),
        "transition-rules" => ("kanban", 7.5),
        "wip-limit" => ("kanban", 5.0),
        "task-format" => ("kanban", 2.5),
        "perf-regression" => ("performance", 5.0),
        _ => ("custom", 5.0),
    }
}

pub const EXPLANATION: &str = "\
compliance-score — how compliant the repository is, from 0 (worst) to 100

Watch mode, the HTML dashboard and the Prometheus output show it, overall and per category:
  security     path-traversal, input-validation
  kanban       p0-security-review, transition-rules, wip-limit, task-format
  performance  perf-regression
  custom       the checks defined in qgate.yaml (rules:, commands:)

How it is computed:
  1. Each check that ran scores 100, minus 10 points for every open error finding and
     3 points for every open warning, never below 0. Notes, suppressed findings and
     baselined findings cost nothing. A check that could not run (status `error`) scores 0:
     what cannot be checked is not counted as compliant. Skipped and disabled checks, and
     checks with nothing to judge (no board, no benchmark results), are left out.
  2. Each check carries a risk weight, on OpenSSF Scorecard's scale:
       critical 10    path-traversal, input-validation, p0-security-review
       high     7.5   transition-rules
       medium   5     wip-limit, perf-regression, checks from qgate.yaml
       low      2.5   task-format
  3. A category's score is the weighted mean of its checks' scores; the overall score is
     the weighted mean of all checks' scores. Both are rounded to one decimal. With no
     check run, a category has no score, and the overall score is 100.

Example: path-traversal with 2 errors scores 80, input-validation with none 100, so
security is (80*10 + 100*10) / 20 = 90.

Watch mode keeps the score's history in .qgate/score-history.jsonl for the trend chart.
";

/// The score of one report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub overall: f64,
    /// Category → score, for the categories with at least one check that ran.
    pub categories: BTreeMap<String, f64>,
    /// Check id → score, for the checks that ran.
    pub checks: BTreeMap<String, f64>,
}

/// One check's score, `None` when it did not run.
pub fn check_score(c: &CheckReport) -> Option<f64> {
    match c.status {
        CheckStatus::Skipped => None,
        CheckStatus::Error => Some(0.0),
        // Nothing to judge here (no board, no benchmark results): not applicable.
        _ if !c.findings.is_empty() && c.findings.iter().all(|f| f.code == "nothing-to-check") => {
            None
        }
        _ => {
            let cost: f64 = c
                .active()
                .filter(|f| !f.baselined)
                .map(|f| match f.severity {
                    Severity::Error => ERROR_COST,
                    Severity::Warning => WARNING_COST,
                    Severity::Note => 0.0,
                })
                .sum();
            Some((100.0 - cost).max(0.0))
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores `report` (the entry about suppressions themselves is not a check and not scored).
pub fn score(report: &Report) -> Score {
    let mut checks = BTreeMap::new();
    let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let (mut total, mut weights) = (0.0, 0.0);
    for c in report
        .checks
        .iter()
        .filter(|c| c.id != crate::engine::SUPPRESSIONS)
    {
        let Some(s) = check_score(c) else { continue };
        let (category, w) = weight(&c.id);
        checks.insert(c.id.clone(), s);
        let e = sums.entry(category).or_insert((0.0, 0.0));
        e.0 += s * w;
        e.1 += w;
        total += s * w;
        weights += w;
    }
    Score {
        overall: if weights > 0.0 {
            round1(total / weights)
        } else {
            100.0
        },
        categories: sums
            .into_iter()
            .map(|(k, (s, w))| (k.to_string(), round1(s / w)))
            .collect(),
        checks,
    }
}

/// One point of the score's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    /// Unix time, seconds.
    pub ts: f64,
    pub overall: f64,
    #[serde(default)]
    pub categories: BTreeMap<String, f64>,
}

/// Where the history lives, relative to the repository root.
pub const HISTORY_FILE: &str = ".qgate/score-history.jsonl";
/// The history keeps this many points (older ones are dropped when it grows past twice that).
pub const HISTORY_KEEP: usize = 1000;

/// Reads the history; unreadable lines are skipped (it only feeds a chart).
pub fn read_history(path: &std::path::Path) -> Vec<HistoryPoint> {
    std::fs::read_to_string(path)
        .map(|t| {
            t.lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Appends a point, trimming the file when it holds more than twice [`HISTORY_KEEP`].
pub fn append_history(path: &std::path::Path, p: &HistoryPoint) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        crate::fsutil::create_dirs(dir)?;
    }
    let line = serde_json::to_string(p).map_err(std::io::Error::other)?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{line}")?;
    // Points are about 100 bytes; only a file that may hold twice the points kept is read back.
    let size = f.metadata()?.len();
    drop(f);
    if size < (2 * HISTORY_KEEP * 100) as u64 {
        return Ok(());
    }
    let all = read_history(path);
    if all.len() > 2 * HISTORY_KEEP {
        let mut out = String::new();
        for p in &all[all.len() - HISTORY_KEEP..] {
            out.push_str(&serde_json::to_string(p).map_err(std::io::Error::other)?);
            out.push('\n');
        }
        crate::fsutil::atomic_write(path, out.as_bytes())?;
    }
    Ok(())
}

/// Now as Unix seconds.
pub fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Level;
    use crate::report::{Finding, Policy};

    fn finding(sev: Severity, suppressed: bool) -> Finding {
        Finding {
            code: "x".into(),
            severity: sev,
            message: String::new(),
            path: None,
            line: None,
            column: None,
            subject: None,
            fingerprint: String::new(),
            suppressed,
            baselined: false,
            flow: Vec::new(),
            snippet: None,
            snippet_column: None,
        }
    }

    fn check(id: &str, status: CheckStatus, findings: Vec<Finding>) -> CheckReport {
        CheckReport {
            id: id.into(),
            level: Level::Error,
            status,
            duration_ms: 0.0,
            findings,
        }
    }

    #[test]
    fn weighted_by_risk_and_severity() {
        let r = Report::new(
            vec![
                check(
                    "path-traversal",
                    CheckStatus::Fail,
                    vec![
                        finding(Severity::Error, false),
                        finding(Severity::Error, false),
                        finding(Severity::Error, true),
                    ],
                ),
                check("input-validation", CheckStatus::Pass, vec![]),
                check(
                    "task-format",
                    CheckStatus::Warn,
                    vec![finding(Severity::Warning, false)],
                ),
                check("perf-regression", CheckStatus::Skipped, vec![]),
                check("wip-limit", CheckStatus::Error, vec![]),
            ],
            0.0,
            Policy::default(),
        );
        let s = score(&r);
        assert_eq!(s.checks["path-traversal"], 80.0);
        assert_eq!(s.categories["security"], 90.0);
        // kanban: (97 * 2.5 + 0 * 5) / 7.5
        assert_eq!(s.categories["kanban"], 32.3);
        assert!(!s.categories.contains_key("performance"));
        // (80*10 + 100*10 + 97*2.5 + 0*5) / 27.5
        assert_eq!(s.overall, 74.3);
    }

    #[test]
    fn nothing_ran_is_full_marks() {
        let r = Report::new(vec![], 0.0, Policy::default());
        assert_eq!(score(&r).overall, 100.0);
    }
}
