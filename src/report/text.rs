//! `--format text`: for people. Findings grouped by check, each pointing at `file:line` with
//! the offending source line and a caret (rendered by annotate-snippets, rustc's renderer),
//! notes under their check, a taint finding's data flow under it (source, steps, sink), and
//! a one-line summary. Colour only when asked for.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::{CheckStatus, Finding, Report, Severity, TextStyle, Verdict};

pub fn write(report: &Report, style: TextStyle, w: &mut dyn Write) -> io::Result<()> {
    let renderer = if style.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let paint = |code: &str, s: &str| {
        if style.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    // A note several checks share (no board, no source files) is printed once, under the
    // first of them, naming the others.
    let mut noted: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let sharing = |message: &str, from: usize| -> Vec<&str> {
        report.checks[from + 1..]
            .iter()
            .filter(|c| {
                c.active()
                    .any(|f| f.severity == Severity::Note && f.message == message)
            })
            .map(|c| c.id.as_str())
            .collect()
    };
    for (ci, check) in report.checks.iter().enumerate() {
        let status = match check.status {
            CheckStatus::Pass => paint("32", "pass"),
            CheckStatus::Fail => paint("1;31", "FAIL"),
            CheckStatus::Warn => paint("33", "warn"),
            CheckStatus::Error => paint("1;31", "ERROR"),
            CheckStatus::Skipped => paint("2", "off"),
        };
        let level = match check.level {
            crate::config::Level::Warn => " [level: warn]",
            _ => "",
        };
        let id = paint("1", &check.id);
        writeln!(w, "{id}: {status} ({}){level}", fmt_ms(check.duration_ms))?;
        for f in check.active() {
            if f.severity != Severity::Note || !noted.insert(&f.message) {
                continue;
            }
            let also = sharing(&f.message, ci);
            if also.is_empty() {
                writeln!(w, "  note: {}", f.message)?;
            } else {
                writeln!(w, "  note: {} (also {})", f.message, also.join(", "))?;
            }
        }
        let shown: Vec<&Finding> = check
            .active()
            .filter(|f| f.severity != Severity::Note)
            .collect();
        for f in &shown {
            writeln!(w, "{}", renderer.render(&[group(f)]))?;
            flow(f, w)?;
        }
        if !shown.is_empty() {
            writeln!(w)?;
        }
    }
    summary(report, style, w)
}

/// A taint finding's data flow, source first: where each step is and what it does.
fn flow(f: &Finding, w: &mut dyn Write) -> io::Result<()> {
    if f.flow.is_empty() {
        return Ok(());
    }
    writeln!(w, "   = flow:")?;
    let width = f.flow.len().to_string().len();
    for (i, s) in f.flow.iter().enumerate() {
        writeln!(
            w,
            "     {:>width$}. {}:{}:{}  {}",
            i + 1,
            s.path,
            s.line,
            s.column,
            s.message
        )?;
    }
    Ok(())
}

fn group(f: &Finding) -> Group<'_> {
    let level = match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let title = level.primary_title(f.message.as_str()).id(f.code.as_str());
    match (&f.path, f.line, &f.snippet) {
        (Some(path), Some(line), Some(src)) if !src.trim().is_empty() => {
            let start = match f.snippet_column.or(f.column) {
                Some(c) if c > 1 => src.char_indices().nth(c as usize - 1).map_or(0, |(i, _)| i),
                _ => src.len() - src.trim_start().len(),
            };
            let end = src.trim_end().len().max(start);
            title.element(
                Snippet::source(src.as_str())
                    .line_start(line as usize)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )
        }
        (Some(path), line, _) => {
            let mut origin = Origin::path(path.as_str());
            if let Some(l) = line {
                origin = origin.line(l as usize);
                if let Some(c) = f.column {
                    origin = origin.char_column(c as usize);
                }
            }
            title.element(origin)
        }
        _ => Group::with_title(title),
    }
}

fn summary(report: &Report, style: TextStyle, w: &mut dyn Write) -> io::Result<()> {
    let c = report.counts();
    let word = match report.verdict {
        Verdict::Pass => "passed",
        Verdict::Fail => "blocked",
        Verdict::Error => "error",
    };
    let word = if style.color {
        let code = if report.verdict == Verdict::Pass {
            "1;32"
        } else {
            "1;31"
        };
        format!("\x1b[{code}m{word}\x1b[0m")
    } else {
        word.to_string()
    };
    let checks = report
        .checks
        .iter()
        .filter(|c| c.status != CheckStatus::Skipped)
        .count();
    let mut parts = vec![plural(c.errors, "error"), plural(c.warnings, "warning")];
    if c.suppressed > 0 {
        parts.push(format!("{} suppressed", c.suppressed));
    }
    writeln!(
        w,
        "qgate: {word}: {} in {} ({})",
        parts.join(", "),
        plural(checks, "check"),
        fmt_ms(report.duration_ms)
    )
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

pub fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}
