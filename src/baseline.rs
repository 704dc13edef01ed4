//! Baselines: the fingerprints of accepted findings, so that a run fails only on new ones.
//!
//! Fingerprints hash the code, the path and the finding's content — never line numbers — so
//! a finding that moves keeps matching. Entries that no longer match anything are stale and
//! reported, like unused suppressions.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::{Report, Severity};

pub const VERSION: u32 = 1;
pub const DEFAULT_PATH: &str = ".qgate/baseline.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub qgate_baseline: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// For people reading the file; not compared.
    #[serde(default)]
    pub message: String,
}

impl Baseline {
    /// Today's unsuppressed findings (notes aside).
    pub fn from_report(report: &Report) -> Baseline {
        let mut findings: Vec<Entry> = report
            .checks
            .iter()
            .flat_map(|c| c.findings.iter())
            .filter(|f| !f.suppressed && f.severity != Severity::Note)
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                code: f.code.clone(),
                path: f.path.clone(),
                subject: f.subject.clone(),
                message: f.message.clone(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.path, &a.code, &a.fingerprint).cmp(&(&b.path, &b.code, &b.fingerprint))
        });
        Baseline {
            qgate_baseline: VERSION,
            findings,
        }
    }

    pub fn read(path: &Path) -> Result<Baseline, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{shown}: cannot read baseline: {e}"))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{shown}:{}:{}: not a qgate baseline: {e}",
                e.line(),
                e.column()
            )
        })?;
        if b.qgate_baseline != VERSION {
            return Err(format!(
                "{shown}: baseline version {} is not {VERSION}",
                b.qgate_baseline
            ));
        }
        Ok(b)
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    pub fn fingerprints(&self) -> HashSet<&str> {
        self.findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect()
    }
}
