//! Inline suppressions: `qgate:ignore[CODE-OR-CHECK-ID] reason`.
//!
//! A directive suppresses findings on its own line, or on the next line when it stands alone
//! on its line (only a comment opener before it). The engine marks which directives were
//! used, so stale ones can be reported as `unused-suppression`.

const MARKER: &str = "qgate:ignore";

/// One `qgate:ignore` found in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Directive {
    /// 1-based line of the directive.
    pub line: u32,
    /// Codes or check ids it names (empty when malformed).
    pub ids: Vec<String>,
    pub reason: Option<String>,
    /// Alone on its line: it also covers the following line.
    pub standalone: bool,
}

impl Directive {
    pub fn covers_line(&self, line: u32) -> bool {
        self.line == line || (self.standalone && self.line + 1 == line)
    }

    pub fn names(&self, code: &str, check: &str) -> bool {
        self.ids.iter().any(|id| id == code || id == check)
    }
}

/// Every directive in `text`. Cheap when there is none (one substring search).
pub fn parse(text: &str) -> Vec<Directive> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let before = line[..at].trim();
        let standalone = before.chars().all(|c| "#/!<-*;%".contains(c)) && !before.is_empty();
        let rest = &line[at + MARKER.len()..];
        let (ids, reason) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((ids, reason)) => {
                let ids = ids
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                (ids, clean_reason(reason))
            }
            None => (Vec::new(), None),
        };
        out.push(Directive {
            line: n as u32 + 1,
            ids,
            reason,
            standalone,
        });
    }
    out
}

fn clean_reason(raw: &str) -> Option<String> {
    let r = raw.trim();
    let r = r
        .strip_suffix("-->")
        .or_else(|| r.strip_suffix("*/"))
        .unwrap_or(r)
        .trim();
    let r = r.trim_start_matches([':', '-', '—']).trim();
    (!r.is_empty()).then(|| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives_in_several_comment_syntaxes() {
        let text = "a\n# qgate:ignore[wip-limit] agreed with the team\nstatus: x\n<!-- qgate:ignore[p0-missing-plan, p0-missing-commit] tracked in OPS-1 -->\ncode() // qgate:ignore[path-traversal]\nqgate:ignore no brackets\n";
        let d = parse(text);
        assert_eq!(d.len(), 4);
        assert!(d[0].standalone && d[0].covers_line(3) && d[0].names("x", "wip-limit"));
        assert_eq!(d[0].reason.as_deref(), Some("agreed with the team"));
        assert_eq!(d[1].ids, vec!["p0-missing-plan", "p0-missing-commit"]);
        assert_eq!(d[1].reason.as_deref(), Some("tracked in OPS-1"));
        assert!(!d[2].standalone && d[2].covers_line(5) && !d[2].covers_line(6));
        assert_eq!(d[2].reason, None);
        assert!(d[3].ids.is_empty());
    }
}
