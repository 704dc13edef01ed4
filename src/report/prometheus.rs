//! Prometheus text exposition (format 0.0.4): the metrics `check --format prometheus` prints
//! and watch mode serves on `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Report, Severity};
use crate::score::Score;

/// Upper bounds of the duration buckets, seconds.
pub const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A cumulative histogram.
#[derive(Debug, Clone)]
pub struct Histogram {
    /// Observations at or below each bound of [`DURATION_BUCKETS`].
    counts: [u64; DURATION_BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: [0; DURATION_BUCKETS.len()],
            sum: 0.0,
            count: 0,
        }
    }
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        for (bound, n) in DURATION_BUCKETS.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *n += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, n) in DURATION_BUCKETS.iter().zip(self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// What a process has seen over its life (watch mode); one observation for a single run.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub evaluations: u64,
    /// Check id → how long it took, over all evaluations that ran it.
    pub durations: BTreeMap<String, Histogram>,
    /// File change → updated verdict (watch mode only).
    pub lag: Option<Histogram>,
    /// Config reloads that failed (watch mode only).
    pub config_errors: Option<u64>,
    /// Unix time of the last evaluation.
    pub last_evaluation: f64,
}

impl Stats {
    /// Records one evaluation's check durations.
    pub fn record(&mut self, report: &Report) {
        self.evaluations += 1;
        for c in &report.checks {
            if c.id == crate::engine::SUPPRESSIONS {
                continue;
            }
            self.durations
                .entry(c.id.clone())
                .or_default()
                .observe(c.duration_ms / 1000.0);
        }
        self.last_evaluation = crate::score::now_unix();
    }
}

/// A label value, escaped as the exposition format asks.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Renders the metrics of `report` (and `stats`) as exposition text.
pub fn render(report: &Report, score: &Score, stats: &Stats) -> String {
    let mut o = String::new();
    o.push_str("# HELP qgate_findings Open findings (not suppressed, not baselined) by check and severity.\n# TYPE qgate_findings gauge\n");
    for c in &report.checks {
        for sev in [Severity::Error, Severity::Warning, Severity::Note] {
            let n = c.active().filter(|f| f.severity == sev).count();
            let _ = writeln!(
                o,
                "qgate_findings{{check=\"{}\",severity=\"{sev}\"}} {n}",
                label(&c.id)
            );
        }
    }
    o.push_str("# HELP qgate_suppressed_findings Findings suppressed inline or by the baseline, by check.\n# TYPE qgate_suppressed_findings gauge\n");
    for c in &report.checks {
        let n = c.findings.iter().filter(|f| f.suppressed).count();
        let _ = writeln!(
            o,
            "qgate_suppressed_findings{{check=\"{}\"}} {n}",
            label(&c.id)
        );
    }
    o.push_str("# HELP qgate_compliance_score Compliance score, 0 to 100 (see `qgate explain compliance-score`).\n# TYPE qgate_compliance_score gauge\n");
    let _ = writeln!(
        o,
        "qgate_compliance_score{{category=\"overall\"}} {}",
        score.overall
    );
    for (cat, s) in &score.categories {
        let _ = writeln!(
            o,
            "qgate_compliance_score{{category=\"{}\"}} {s}",
            label(cat)
        );
    }
    o.push_str("# HELP qgate_blocked Whether the gate blocks: 1 when the verdict is fail or error.\n# TYPE qgate_blocked gauge\n");
    let _ = writeln!(o, "qgate_blocked {}", u8::from(report.exit_code != 0));
    o.push_str("# HELP qgate_check_duration_seconds Time each check took per evaluation.\n# TYPE qgate_check_duration_seconds histogram\n");
    for (id, h) in &stats.durations {
        h.write(
            &mut o,
            "qgate_check_duration_seconds",
            &format!("check=\"{}\"", label(id)),
        );
    }
    o.push_str(
        "# HELP qgate_evaluations_total Evaluations run.\n# TYPE qgate_evaluations_total counter\n",
    );
    let _ = writeln!(o, "qgate_evaluations_total {}", stats.evaluations);
    o.push_str("# HELP qgate_last_evaluation_timestamp_seconds When the last evaluation finished.\n# TYPE qgate_last_evaluation_timestamp_seconds gauge\n");
    let _ = writeln!(
        o,
        "qgate_last_evaluation_timestamp_seconds {:.3}",
        stats.last_evaluation
    );
    if let Some(lag) = &stats.lag {
        o.push_str("# HELP qgate_watch_event_lag_seconds Time from a file change to the updated verdict.\n# TYPE qgate_watch_event_lag_seconds histogram\n");
        lag.write(&mut o, "qgate_watch_event_lag_seconds", "");
    }
    if let Some(n) = stats.config_errors {
        o.push_str("# HELP qgate_config_reload_errors_total Config changes that did not load (the last good config stays in effect).\n# TYPE qgate_config_reload_errors_total counter\n");
        let _ = writeln!(o, "qgate_config_reload_errors_total {n}");
    }
    o
}

/// `check --format prometheus`: the metrics of one run.
pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut stats = Stats::default();
    stats.record(report);
    w.write_all(render(report, &crate::score::score(report), &stats).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let mut h = Histogram::default();
        h.observe(0.002);
        h.observe(0.3);
        let mut s = String::new();
        h.write(&mut s, "m", "check=\"a\"");
        assert!(s.contains("m_bucket{check=\"a\",le=\"0.001\"} 0\n"));
        assert!(s.contains("m_bucket{check=\"a\",le=\"0.0025\"} 1\n"));
        assert!(s.contains("m_bucket{check=\"a\",le=\"0.5\"} 2\n"));
        assert!(s.contains("m_bucket{check=\"a\",le=\"+Inf\"} 2\n"));
        assert!(s.contains("m_count{check=\"a\"} 2\n"));
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
