//! Markdown task files: front matter, field lines and sections by heading.
//!
//! Everything here works on the file's text and reports 1-based line numbers, so findings
//! can point at the exact line a user has to edit.

use std::ops::Range;

/// The parts of a Markdown file with YAML front matter.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// The YAML text between the fences.
    pub yaml: &'a str,
    /// 1-based line of the first YAML line (the line after the opening `---`).
    pub yaml_line: u32,
    /// Byte offset of the YAML text in the file.
    pub yaml_offset: usize,
    /// Byte offset where the body starts (after the closing fence).
    pub body_offset: usize,
    /// 1-based line of the first body line.
    pub body_line: u32,
}

/// Why a file's front matter could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Length of a UTF-8 byte-order mark at the start of `text`, if any.
pub fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') { 3 } else { 0 }
}

/// Lines of `text` with their byte offsets; the line terminator (`\n` or `\r\n`) is not
/// part of the yielded line.
pub fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        (start, line.strip_suffix('\r').unwrap_or(line))
    })
}

/// Finds the front matter. `Ok(None)` when the file has none (does not open with `---`).
pub fn split(text: &str) -> Result<Option<Split<'_>>, FrontMatterError> {
    let start = bom_len(text);
    let mut lines = lines_with_offsets(&text[start..]);
    match lines.next() {
        Some((_, first)) if first.trim_end() == "---" => {}
        _ => return Ok(None),
    }
    let yaml_offset = start
        + text[start..]
            .find('\n')
            .map_or(text.len() - start, |i| i + 1);
    for (n, (off, line)) in lines.enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let abs = start + off;
            let body_offset = text[abs..].find('\n').map_or(text.len(), |i| abs + i + 1);
            return Ok(Some(Split {
                yaml: &text[yaml_offset..abs],
                yaml_line: 2,
                yaml_offset,
                body_offset,
                body_line: n as u32 + 3,
            }));
        }
    }
    Err(FrontMatterError {
        line: 1,
        column: 1,
        message: "front matter opened with `---` is never closed".into(),
    })
}

/// Parses front matter YAML into a mapping. Line numbers in errors are file lines.
pub fn parse_yaml(split: &Split<'_>) -> Result<yaml_serde::Mapping, FrontMatterError> {
    let max = crate::text::MAX_YAML_DEPTH;
    if let Some(line) = crate::text::yaml_too_deep(split.yaml, max) {
        return Err(FrontMatterError {
            line: split.yaml_line + line - 1,
            column: 1,
            message: format!("front matter is nested deeper than {max} levels"),
        });
    }
    let value: yaml_serde::Value = match yaml_serde::from_str(split.yaml) {
        Ok(v) => v,
        Err(err) => {
            let (line, column) = err
                .location()
                .map_or((0, 1), |l| (l.line() as u32, l.column() as u32));
            return Err(FrontMatterError {
                line: split.yaml_line + line.saturating_sub(1),
                column,
                message: format!(
                    "front matter is not valid YAML: {}",
                    strip_location(&err.to_string())
                ),
            });
        }
    };
    match value {
        yaml_serde::Value::Mapping(m) => Ok(m),
        yaml_serde::Value::Null => Ok(yaml_serde::Mapping::new()),
        other => Err(FrontMatterError {
            line: split.yaml_line,
            column: 1,
            message: format!(
                "front matter must be a mapping of keys to values, found {}",
                kind_name(&other)
            ),
        }),
    }
}

/// serde_yaml-style errors end with " at line L column C"; we print our own location.
pub fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

pub fn kind_name(v: &yaml_serde::Value) -> &'static str {
    match v {
        yaml_serde::Value::Null => "nothing",
        yaml_serde::Value::Bool(_) => "a boolean",
        yaml_serde::Value::Number(_) => "a number",
        yaml_serde::Value::String(_) => "a string",
        yaml_serde::Value::Sequence(_) => "a list",
        yaml_serde::Value::Mapping(_) => "a mapping",
        yaml_serde::Value::Tagged(_) => "a tagged value",
    }
}

/// The 1-based file line of each top-level key in the front matter (first occurrence).
pub fn key_lines(split: &Split<'_>) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    // First occurrence of each key, looked up by hash (front matter may hold 100k keys).
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (n, (_, line)) in lines_with_offsets(split.yaml).enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) || line.is_empty() {
            continue;
        }
        if let Some(colon) = line.find(':') {
            let key = line[..colon].trim().trim_matches(['"', '\'']);
            if !key.is_empty() && seen.insert(key) {
                out.push((key.to_string(), split.yaml_line + n as u32));
            }
        }
    }
    out
}

/// A Markdown section: an ATX heading and the text up to the next heading of the same or a
/// higher level.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub level: u8,
    /// 1-based line of the heading.
    pub line: u32,
    /// Byte range of the body in the file's text.
    pub body: Range<usize>,
}

/// The sections of `text[from..]`, whose first line is file line `first_line`.
/// Headings inside fenced code blocks are not headings.
pub fn sections(text: &str, from: usize, first_line: u32) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut fence: Option<&str> = None;
    let body = &text[from..];
    for (n, (off, line)) in lines_with_offsets(body).enumerate() {
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some("```");
            continue;
        }
        if trimmed.starts_with("~~~") {
            fence = Some("~~~");
            continue;
        }
        let Some((level, title)) = heading(line) else {
            continue;
        };
        let abs = from + off;
        // Close every open section at this level or deeper.
        open.retain(|&i| {
            if out[i].level >= level {
                out[i].body.end = abs;
                false
            } else {
                true
            }
        });
        let body_start = text[abs..].find('\n').map_or(text.len(), |i| abs + i + 1);
        out.push(Section {
            title: title.to_string(),
            level,
            line: first_line + n as u32,
            body: body_start..text.len(),
        });
        open.push(out.len() - 1);
    }
    out
}

/// `## Title` → `(2, "Title")`; closing `#`s are dropped.
pub fn heading(line: &str) -> Option<(u8, &str)> {
    if line.starts_with("    ") || line.starts_with('\t') {
        return None;
    }
    let t = line.trim_start();
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &t[hashes..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let title = rest.trim().trim_end_matches('#').trim_end();
    Some((hashes as u8, title))
}

/// Whether a section body says something: non-blank once HTML comments (Backlog.md's
/// `<!-- SECTION:PLAN:BEGIN -->` markers) are removed.
pub fn has_content(body: &str) -> bool {
    let mut rest = body;
    loop {
        match rest.find("<!--") {
            Some(i) => {
                if !rest[..i].trim().is_empty() {
                    return true;
                }
                match rest[i..].find("-->") {
                    Some(j) => rest = &rest[i + j + 3..],
                    None => return false,
                }
            }
            None => return !rest.trim().is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_with_bom_and_crlf() {
        let text = "\u{feff}---\r\ntitle: a\r\nstatus: todo\r\n---\r\n# Body\r\n";
        let s = split(text).unwrap().unwrap();
        assert_eq!(s.yaml, "title: a\r\nstatus: todo\r\n");
        assert_eq!(s.body_line, 5);
        assert_eq!(&text[s.body_offset..], "# Body\r\n");
        let lines = key_lines(&s);
        assert_eq!(lines, vec![("title".into(), 2), ("status".into(), 3)]);
        let m = parse_yaml(&s).unwrap();
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn unclosed_and_invalid_front_matter_name_a_line() {
        assert_eq!(split("---\ntitle: a\n").unwrap_err().line, 1);
        let text = "---\ntitle: a\nstatus: [todo\n---\n";
        let s = split(text).unwrap().unwrap();
        let err = parse_yaml(&s).unwrap_err();
        assert!(err.line >= 3, "{err:?}");
        assert!(split("no front matter").unwrap().is_none());
    }

    #[test]
    fn sections_by_heading_skip_code_fences() {
        let text = "# T\nintro\n## Implementation Plan\n1. do it\n```\n## not a heading\n```\n### Sub\nx\n## Security Review\nApproved-by: bob\n";
        let secs = sections(text, 0, 1);
        let titles: Vec<_> = secs
            .iter()
            .map(|s| (s.title.as_str(), s.level, s.line))
            .collect();
        assert_eq!(
            titles,
            vec![
                ("T", 1, 1),
                ("Implementation Plan", 2, 3),
                ("Sub", 3, 8),
                ("Security Review", 2, 10)
            ]
        );
        assert!(text[secs[1].body.clone()].contains("## not a heading"));
        assert!(text[secs[1].body.clone()].contains("### Sub"));
        assert_eq!(&text[secs[3].body.clone()], "Approved-by: bob\n");
    }

    #[test]
    fn plan_markers_alone_are_empty() {
        assert!(!has_content(
            "\n<!-- SECTION:PLAN:BEGIN -->\n\n<!-- SECTION:PLAN:END -->\n"
        ));
        assert!(has_content(
            "<!-- SECTION:PLAN:BEGIN -->\n1. Step\n<!-- SECTION:PLAN:END -->"
        ));
        assert!(!has_content("  \n"));
    }
}
