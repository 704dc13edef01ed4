//! The HTML dashboard: one self-contained page (inline CSS and SVG, no script, nothing
//! fetched), written by `check --format html`, `watch --dashboard FILE` and served on `/` by
//! `watch --http`.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Report, Severity, Verdict};
use crate::score::{CATEGORIES, HistoryPoint, Score};

/// At most this many violations are listed; the rest are counted.
const MAX_ROWS: usize = 1000;

/// How the page is rendered.
#[derive(Debug, Clone, Default)]
pub struct Page<'a> {
    /// The score's history, oldest first (the current score is appended as the last point).
    pub history: &'a [HistoryPoint],
    /// Served live: the page reloads itself every this many seconds.
    pub refresh_secs: Option<u32>,
    /// Shown under the title (e.g. the repository path).
    pub subtitle: String,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The colour of a score: red below 50, amber below 80, green from 80.
fn colour(score: f64) -> &'static str {
    if score < 50.0 {
        "#d1242f"
    } else if score < 80.0 {
        "#bf8700"
    } else {
        "#1a7f37"
    }
}

/// A half-circle gauge for `score` (0..100).
fn gauge(score: f64) -> String {
    let frac = (score / 100.0).clamp(0.0, 1.0);
    // The arc runs from the left (180°) to the right (0°) over the top.
    let angle = std::f64::consts::PI * (1.0 - frac);
    let (cx, cy, r) = (100.0, 100.0, 80.0);
    let (x, y) = (cx + r * angle.cos(), cy - r * angle.sin());
    let value_arc = if frac > 0.0 {
        format!(
            "<path class=\"gauge-value\" d=\"M 20 100 A 80 80 0 0 1 {x:.2} {y:.2}\" stroke=\"{}\" stroke-width=\"18\" fill=\"none\" stroke-linecap=\"butt\"/>",
            colour(score)
        )
    } else {
        String::new()
    };
    format!(
        "<svg id=\"score-gauge\" role=\"img\" aria-label=\"compliance score {score}\" width=\"200\" height=\"120\" viewBox=\"0 0 200 120\">\
<path d=\"M 20 100 A 80 80 0 0 1 180 100\" stroke=\"#d0d7de\" stroke-width=\"18\" fill=\"none\"/>{value_arc}\
<text x=\"100\" y=\"95\" text-anchor=\"middle\" font-size=\"32\" font-weight=\"bold\" fill=\"{}\" data-score=\"{score}\">{score}</text></svg>",
        colour(score)
    )
}

/// The score's trend as an inline SVG line chart.
fn trend(points: &[HistoryPoint]) -> String {
    let (w, h, pad) = (600.0, 160.0, 24.0);
    let mut o = format!(
        "<svg id=\"score-trend\" role=\"img\" aria-label=\"score trend\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" data-points=\"{}\">",
        points.len()
    );
    for v in [0.0, 50.0, 100.0] {
        let y = h - pad - (v / 100.0) * (h - 2.0 * pad);
        let _ = write!(
            o,
            "<line x1=\"{pad}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#d0d7de\"/><text x=\"2\" y=\"{}\" font-size=\"10\" fill=\"#57606a\">{v}</text>",
            w - pad,
            y + 3.0
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let span = (last.ts - first.ts).max(1e-9);
        let coords: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = if points.len() == 1 {
                    1.0
                } else if last.ts > first.ts {
                    (p.ts - first.ts) / span
                } else {
                    i as f64 / (points.len() - 1) as f64
                };
                let x = pad + t * (w - 2.0 * pad);
                let y = h - pad - (p.overall.clamp(0.0, 100.0) / 100.0) * (h - 2.0 * pad);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(
            o,
            "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\" points=\"{}\"/>",
            coords.join(" ")
        );
        if let Some(c) = coords.last() {
            let (x, y) = c.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                o,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"4\" fill=\"#0969da\"/>"
            );
        }
    }
    o.push_str("</svg>");
    o
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1f2328;background:#fff}\
h1{margin:0 0 4px;font-size:24px}h2{font-size:18px;margin:28px 0 8px}.sub{color:#57606a;margin:0 0 16px}\
.top{display:flex;gap:32px;align-items:flex-start;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px}\
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d0d7de;vertical-align:top}\
th{background:#f6f8fa}.verdict{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:bold}\
.pass{background:#1a7f37}.fail{background:#d1242f}.error{background:#8250df}.sev-error{color:#d1242f;font-weight:bold}\
.sev-warning{color:#9a6700;font-weight:bold}.sev-note{color:#57606a}.bar{height:10px;background:#d1242f;display:inline-block}\
code{font-size:13px}.muted{color:#57606a}";

/// Renders the dashboard page.
pub fn render(report: &Report, score: &Score, page: &Page<'_>) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let (verdict, class) = match report.verdict {
        Verdict::Pass => ("pass", "pass"),
        Verdict::Fail => ("blocked", "fail"),
        Verdict::Error => ("error", "error"),
    };
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    if let Some(s) = page.refresh_secs {
        let _ = write!(o, "<meta http-equiv=\"refresh\" content=\"{s}\">");
    }
    let _ = write!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width\"><title>qgate: {} — compliance {}</title><style>{STYLE}</style></head><body>",
        verdict, score.overall
    );
    let mut sub = Vec::new();
    if !page.subtitle.is_empty() {
        sub.push(esc(&page.subtitle));
    }
    sub.push(format!("qgate {}", esc(&report.tool.version)));
    sub.push(format!("evaluated in {:.1} ms", report.duration_ms));
    let _ = write!(
        o,
        "<h1>qgate compliance <span id=\"verdict\" class=\"verdict {class}\">{verdict}</span></h1><p class=\"sub\">{}</p>",
        sub.join(" · ")
    );

    // Score gauge and categories.
    o.push_str("<div class=\"top\"><div class=\"card\"><h2>Score</h2>");
    o.push_str(&gauge(score.overall));
    o.push_str("</div><div class=\"card\"><h2>By category</h2><table id=\"categories\"><tr><th>category</th><th>score</th></tr>");
    for cat in CATEGORIES {
        if let Some(s) = score.categories.get(cat) {
            let _ = write!(
                o,
                "<tr data-category=\"{cat}\"><td>{cat}</td><td style=\"color:{}\">{s}</td></tr>",
                colour(*s)
            );
        }
    }
    o.push_str("</table></div><div class=\"card\"><h2>Trend</h2>");
    let mut points: Vec<HistoryPoint> = page.history.to_vec();
    if points.last().is_none_or(|p| p.overall != score.overall) {
        points.push(HistoryPoint {
            ts: crate::score::now_unix(),
            overall: score.overall,
            categories: score.categories.clone(),
        });
    }
    o.push_str(&trend(&points));
    o.push_str("</div></div>");

    // Findings per check.
    let max = report
        .checks
        .iter()
        .map(|c| c.active().count())
        .max()
        .unwrap_or(0)
        .max(1);
    o.push_str("<h2>Checks</h2><table id=\"findings-by-check\"><tr><th>check</th><th>status</th><th>score</th><th>errors</th><th>warnings</th><th>notes</th><th>suppressed</th><th>time</th><th></th></tr>");
    for c in &report.checks {
        let n = |s: Severity| c.active().filter(|f| f.severity == s).count();
        let active = c.active().count();
        let sc = score
            .checks
            .get(&c.id)
            .map_or("–".to_string(), |s| s.to_string());
        let _ = write!(
            o,
            "<tr data-check=\"{id}\"><td><code>{id}</code></td><td>{}</td><td>{sc}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1} ms</td><td>{}</td></tr>",
            c.status,
            n(Severity::Error),
            n(Severity::Warning),
            n(Severity::Note),
            c.findings.len() - active,
            c.duration_ms,
            if active > 0 {
                format!(
                    "<span class=\"bar\" style=\"width:{}px\"></span>",
                    (active * 120 / max).max(2)
                )
            } else {
                String::new()
            },
            id = esc(&c.id),
        );
    }
    o.push_str("</table>");

    // Open violations.
    let mut open: Vec<(&str, &super::Finding)> = report
        .checks
        .iter()
        .flat_map(|c| c.active().map(move |f| (c.id.as_str(), f)))
        .filter(|(_, f)| f.severity >= Severity::Warning)
        .collect();
    open.sort_by(|a, b| {
        b.1.severity
            .cmp(&a.1.severity)
            .then_with(|| a.1.path.cmp(&b.1.path))
            .then_with(|| a.1.line.cmp(&b.1.line))
    });
    let _ = write!(
        o,
        "<h2>Open violations ({})</h2><table id=\"violations\"><tr><th>severity</th><th>check</th><th>code</th><th>where</th><th>message</th></tr>",
        open.len()
    );
    for (check, f) in open.iter().take(MAX_ROWS) {
        let at = match (&f.path, f.line) {
            (Some(p), Some(l)) => format!("{p}:{l}"),
            (Some(p), None) => p.clone(),
            _ => f.subject.clone().unwrap_or_default(),
        };
        let _ = write!(
            o,
            "<tr class=\"violation\" data-fingerprint=\"{}\"><td class=\"sev-{sev}\">{sev}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&f.fingerprint),
            esc(check),
            esc(&f.code),
            esc(&at),
            esc(&f.message),
            sev = f.severity,
        );
    }
    if open.len() > MAX_ROWS {
        let _ = write!(
            o,
            "<tr><td colspan=\"5\" class=\"muted\">… and {} more (see the JSON report)</td></tr>",
            open.len() - MAX_ROWS
        );
    }
    if open.is_empty() {
        o.push_str("<tr><td colspan=\"5\" class=\"muted\">none</td></tr>");
    }
    o.push_str("</table>");

    // Performance.
    o.push_str("<h2>Performance</h2><table id=\"perf\"><tr><th>benchmark</th><th>severity</th><th>result</th></tr>");
    let perf: Vec<&super::Finding> = report
        .checks
        .iter()
        .filter(|c| c.id == "perf-regression")
        .flat_map(|c| c.findings.iter())
        .collect();
    for f in &perf {
        let _ = write!(
            o,
            "<tr data-benchmark=\"{b}\"><td><code>{b}</code></td><td class=\"sev-{sev}\">{sev}{}</td><td>{}</td></tr>",
            if f.suppressed { " (suppressed)" } else { "" },
            esc(&f.message),
            b = esc(f.subject.as_deref().unwrap_or("")),
            sev = f.severity,
        );
    }
    if perf.is_empty() {
        o.push_str(
            "<tr><td colspan=\"3\" class=\"muted\">no regressions and no benchmark notes</td></tr>",
        );
    }
    o.push_str("</table></body></html>\n");
    o
}

/// `check --format html`: the dashboard of one run, with the trend from the score history.
pub fn write(report: &Report, history: &[HistoryPoint], w: &mut dyn Write) -> io::Result<()> {
    let page = Page {
        history,
        refresh_secs: None,
        subtitle: String::new(),
    };
    w.write_all(render(report, &crate::score::score(report), &page).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn gauge_arc_ends_where_the_score_says() {
        assert!(gauge(100.0).contains("180.00 100.00"));
        assert!(gauge(50.0).contains("100.00 20.00"));
        assert!(!gauge(0.0).contains("gauge-value"));
    }
}
