//! `--format github`: workflow-command annotations for the Actions UI, then the plain text
//! report for the log; and the Markdown step summary (`GITHUB_STEP_SUMMARY`).
//!
//! GitHub shows at most 10 annotations per level per step, so the most important come first —
//! errors in changed files, then other errors, then warnings — and one notice says how many
//! were not shown.

use std::io::{self, Write};

use super::{CheckStatus, Finding, Report, Severity, TextStyle, Verdict};

/// Annotations GitHub displays per level and step.
pub const PER_LEVEL: usize = 10;
/// The step summary stays well under GitHub's 1 MiB limit.
pub const SUMMARY_LIMIT: usize = 512 * 1024;

/// Workflow-command data: `%`, CR and LF escaped, other control characters (a task title's
/// ESC or BEL) shown as escapes.
pub fn escape_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace('\t', " ");
    crate::text::printable(&s).into_owned()
}

/// Workflow-command properties: as data, plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(f: &Finding) -> String {
    let level = if f.severity == Severity::Error {
        "error"
    } else {
        "warning"
    };
    let mut props = Vec::new();
    if let Some(p) = &f.path {
        props.push(format!("file={}", escape_property(p)));
        if let Some(l) = f.line {
            props.push(format!("line={l}"));
            if let Some(c) = f.column {
                props.push(format!("col={c}"));
            }
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("qgate {}", f.code))
    ));
    format!("::{level} {}::{}", props.join(","), escape_data(&f.message))
}

pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut items: Vec<&Finding> = report
        .checks
        .iter()
        .flat_map(|c| c.active())
        .filter(|f| f.severity != Severity::Note)
        .collect();
    let changed = |f: &Finding| {
        f.path
            .as_ref()
            .is_some_and(|p| report.changed.iter().any(|c| c == p))
    };
    items.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.severity),
            !changed(f),
            f.path.clone(),
            f.line,
        )
    });
    let (mut errors, mut warnings, mut hidden) = (0, 0, 0);
    for f in items {
        let n = if f.severity == Severity::Error {
            &mut errors
        } else {
            &mut warnings
        };
        if *n < PER_LEVEL {
            *n += 1;
            writeln!(w, "{}", annotation(f))?;
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        writeln!(
            w,
            "::notice title=qgate::{}",
            escape_data(&format!(
                "{hidden} more finding(s) not shown as annotations (GitHub shows {PER_LEVEL} per level); see the log below or the SARIF report"
            ))
        )?;
    }
    super::text::write(report, TextStyle::default(), w)
}

/// The Markdown step summary: verdict, a table of checks, the findings, and the benchmarks.
pub fn summary(report: &Report) -> String {
    let mut s = String::new();
    let verdict = match report.verdict {
        Verdict::Pass => "passed ✅",
        Verdict::Fail => "blocked ❌",
        Verdict::Error => "error ⚠️",
    };
    let c = report.counts();
    s.push_str(&format!(
        "## qgate: {verdict}\n\n{} error(s), {} warning(s), {} suppressed — exit code {}\n\n",
        c.errors, c.warnings, c.suppressed, report.exit_code
    ));
    s.push_str("| check | status | errors | warnings | time |\n|:---|:---|---:|---:|---:|\n");
    for check in &report.checks {
        let count = |sev: Severity| check.active().filter(|f| f.severity == sev).count();
        let status = match check.status {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "**fail**",
            CheckStatus::Warn => "warn",
            CheckStatus::Error => "**error**",
            CheckStatus::Skipped => "off",
        };
        s.push_str(&format!(
            "| `{}` | {status} | {} | {} | {} |\n",
            check.id,
            count(Severity::Error),
            count(Severity::Warning),
            super::text::fmt_ms(check.duration_ms)
        ));
    }
    let findings: Vec<&Finding> = report
        .checks
        .iter()
        .flat_map(|c| c.active())
        .filter(|f| f.severity != Severity::Note)
        .collect();
    if !findings.is_empty() {
        s.push_str("\n### Findings\n\n| | code | where | message |\n|:---|:---|:---|:---|\n");
        for f in &findings {
            let icon = if f.severity == Severity::Error {
                "❌"
            } else {
                "⚠️"
            };
            let at = match (&f.path, f.line) {
                (Some(p), Some(l)) => format!("`{p}:{l}`"),
                (Some(p), None) => format!("`{p}`"),
                _ => String::new(),
            };
            let row = format!(
                "| {icon} | `{}` | {at} | {} |\n",
                f.code,
                md_cell(&f.message)
            );
            if s.len() + row.len() > SUMMARY_LIMIT - 200 {
                s.push_str("\n_… more findings in the log and the SARIF report._\n");
                return s;
            }
            s.push_str(&row);
        }
    }
    let perf: Vec<&Finding> = report
        .checks
        .iter()
        .filter(|c| c.id == "perf-regression")
        .flat_map(|c| c.findings.iter())
        .filter(|f| f.subject.is_some() && f.code.starts_with("perf-"))
        .collect();
    if !perf.is_empty() {
        s.push_str("\n### Benchmarks\n\n| benchmark | result | details |\n|:---|:---|:---|\n");
        for f in perf {
            let result = match f.code.as_str() {
                "perf-slowdown" => "**slower** ❌",
                "perf-improved" => "faster",
                "perf-unchanged" => "unchanged",
                "perf-new-benchmark" => "new",
                "perf-missing-benchmark" => "missing",
                other => other,
            };
            let row = format!(
                "| `{}` | {result} | {} |\n",
                f.subject.as_deref().unwrap_or(""),
                md_cell(&f.message)
            );
            if s.len() + row.len() > SUMMARY_LIMIT - 200 {
                s.push_str("\n_… more benchmarks in the log._\n");
                return s;
            }
            s.push_str(&row);
        }
    }
    s
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_data("a\x1b]0;x\x07b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
