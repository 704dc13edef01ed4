//! The report every run produces, and the emitters that print it.
//!
//! The model here is the JSON schema (version 1) of the interface contract. Emitters live one
//! per file and see only a `&Report`; the exit code is derived from the report here, once.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod prometheus;
pub mod sarif;
pub mod text;

use std::fmt;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::config::Level;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    Warn,
    Error,
    Skipped,
}

impl fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Warn => "warn",
            CheckStatus::Error => "error",
            CheckStatus::Skipped => "skipped",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub fingerprint: String,
    pub suppressed: bool,
    /// Why it is suppressed: an inline comment, or the baseline (not part of the schema).
    #[serde(skip)]
    pub baselined: bool,
    /// For taint findings: where the untrusted value came from and how it got to the sink
    /// (source first). Feeds SARIF code flows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow: Vec<FlowStep>,
    /// The source line the finding points at, for the text emitter (not part of the schema).
    #[serde(skip)]
    pub snippet: Option<String>,
    /// Where `column` falls in `snippet` (a long line's snippet is a window around it).
    #[serde(skip)]
    pub snippet_column: Option<u32>,
}

/// One location on a taint flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowStep {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub id: String,
    pub level: Level,
    pub status: CheckStatus,
    pub duration_ms: f64,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub verdict: Verdict,
    pub exit_code: i32,
    pub duration_ms: f64,
    pub checks: Vec<CheckReport>,
    /// Files changed in the range under review (`--changed-since`), for ordering annotations.
    #[serde(skip)]
    pub changed: Vec<String>,
    /// `--shard K/N`: which part of the work this report holds, with the commit and config it
    /// ran on, so `qgate merge` can check the shards belong together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// The compliance score's history, for the HTML trend chart (not part of the schema).
    #[serde(skip)]
    pub history: Vec<crate::score::HistoryPoint>,
}

/// The shard a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u32,
    pub total: u32,
    /// HEAD's commit id, if in a git repository.
    pub commit: Option<String>,
    /// A hash of the configuration in effect.
    pub config: String,
}

/// What makes a run fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The lowest severity that blocks.
    pub fail_on: Severity,
    pub exit_zero: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fail_on: Severity::Error,
            exit_zero: false,
        }
    }
}

impl CheckReport {
    /// Unsuppressed findings.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.suppressed)
    }

    /// The status that follows from the findings (an errored check stays `error`).
    pub fn derive_status(&mut self) {
        if matches!(self.status, CheckStatus::Error | CheckStatus::Skipped) {
            return;
        }
        let worst = self.active().map(|f| f.severity).max();
        self.status = match worst {
            Some(Severity::Error) => CheckStatus::Fail,
            Some(Severity::Warning) => CheckStatus::Warn,
            _ => CheckStatus::Pass,
        };
    }
}

impl Report {
    pub fn new(checks: Vec<CheckReport>, duration_ms: f64, policy: Policy) -> Report {
        let mut r = Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "qgate".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            verdict: Verdict::Pass,
            exit_code: 0,
            duration_ms,
            checks,
            changed: Vec::new(),
            shard: None,
            history: Vec::new(),
        };
        r.decide(policy);
        r
    }

    /// Sets `verdict` and `exit_code` from the checks: the only place an exit code is made.
    pub fn decide(&mut self, policy: Policy) {
        let errored = self.checks.iter().any(|c| c.status == CheckStatus::Error);
        let blocked = self
            .checks
            .iter()
            .flat_map(|c| c.active())
            .any(|f| f.severity >= policy.fail_on);
        (self.verdict, self.exit_code) = if errored {
            (Verdict::Error, 2)
        } else if blocked {
            (Verdict::Fail, 1)
        } else {
            (Verdict::Pass, 0)
        };
        if policy.exit_zero {
            self.exit_code = 0;
        }
    }

    /// Counts of unsuppressed findings by severity, and of suppressed ones.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in self.checks.iter().flat_map(|c| c.findings.iter()) {
            if f.suppressed {
                c.suppressed += 1;
                continue;
            }
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Note => c.notes += 1,
            }
        }
        c
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

/// Output formats of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Junit,
    Sarif,
    Github,
    Html,
    Prometheus,
}

impl OutputFormat {
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Junit => "junit",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Github => "github",
            OutputFormat::Html => "html",
            OutputFormat::Prometheus => "prometheus",
        }
    }
}

/// How the text emitter renders.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextStyle {
    pub color: bool,
}

/// Writes `report` in `format`.
pub fn emit(
    format: OutputFormat,
    report: &Report,
    style: TextStyle,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => text::write(report, style, w),
        OutputFormat::Json => json::write(report, w),
        OutputFormat::Junit => junit::write(report, w),
        OutputFormat::Sarif => sarif::write(report, w),
        OutputFormat::Github => github::write(report, w),
        OutputFormat::Html => html::write(report, &report.history, w),
        OutputFormat::Prometheus => prometheus::write(report, w),
    }
}
