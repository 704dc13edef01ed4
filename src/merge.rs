//! `qgate merge`: one report from the JSON reports of sharded runs (`check --shard K/N`).
//! The shards must be complete (1..N, once each) and from the same commit and config.

use std::collections::BTreeMap;

use crate::report::{CheckReport, CheckStatus, Policy, Report};

/// Combines `reports` (path, report); errors say which file is wrong and why.
pub fn merge(reports: Vec<(String, Report)>, policy: Policy) -> Result<Report, String> {
    let Some((first_path, first)) = reports.first() else {
        return Err("merge needs at least one report".into());
    };
    let Some(info) = &first.shard else {
        return Err(format!(
            "{first_path}: not a sharded report (write it with `qgate check --shard K/N --format json`)"
        ));
    };
    let total = info.total;
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    for (path, r) in &reports {
        let Some(s) = &r.shard else {
            return Err(format!(
                "{path}: not a sharded report (write it with `qgate check --shard K/N --format json`)"
            ));
        };
        if s.total != total {
            return Err(format!(
                "{path}: shard {}/{} does not belong with {first_path} (of {total})",
                s.index, s.total
            ));
        }
        if s.commit != info.commit {
            return Err(format!(
                "{path}: ran on commit {} but {first_path} on {}",
                s.commit.as_deref().unwrap_or("(none)"),
                info.commit.as_deref().unwrap_or("(none)")
            ));
        }
        if s.config != info.config {
            return Err(format!(
                "{path}: ran with a different configuration than {first_path}"
            ));
        }
        if let Some(other) = seen.insert(s.index, path) {
            return Err(format!(
                "shard {}/{total} appears twice: {other} and {path}",
                s.index
            ));
        }
    }
    let missing: Vec<String> = (1..=total)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{total}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "incomplete: shard(s) {} missing",
            missing.join(", ")
        ));
    }

    let mut order: Vec<String> = Vec::new();
    let mut checks: BTreeMap<String, CheckReport> = BTreeMap::new();
    let mut duration: f64 = 0.0;
    for (_, r) in reports {
        duration = duration.max(r.duration_ms);
        for c in r.checks {
            if !order.contains(&c.id) {
                order.push(c.id.clone());
            }
            let entry = checks.entry(c.id.clone()).or_insert_with(|| CheckReport {
                id: c.id.clone(),
                level: c.level,
                status: CheckStatus::Skipped,
                duration_ms: 0.0,
                findings: Vec::new(),
            });
            // A shard that did not run the check (repository-wide, outside shard 1) adds nothing.
            if c.status == CheckStatus::Skipped && c.level != crate::config::Level::Off {
                continue;
            }
            entry.level = c.level;
            entry.duration_ms += c.duration_ms;
            if c.status == CheckStatus::Error {
                entry.status = CheckStatus::Error;
            } else if entry.status == CheckStatus::Skipped && c.status != CheckStatus::Skipped {
                entry.status = CheckStatus::Pass;
            }
            for f in c.findings {
                if !entry
                    .findings
                    .iter()
                    .any(|x| x.fingerprint == f.fingerprint && x.code == f.code)
                {
                    entry.findings.push(f);
                }
            }
        }
    }
    let mut merged: Vec<CheckReport> = order
        .into_iter()
        .filter_map(|id| checks.remove(&id))
        .collect();
    for c in &mut merged {
        c.derive_status();
    }
    Ok(Report::new(merged, duration, policy))
}
