//! Cutting and cleaning text that came from input: every cut lands on a character boundary,
//! and control characters never reach a terminal or a log as they are.

use std::borrow::Cow;

/// The last `max` bytes of `s` at most, starting on a character boundary.
pub fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The first `max` bytes of `s` at most, ending on a character boundary.
pub fn head(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `s` with control characters (other than tab and newline) shown as `\u{…}` escapes, so a
/// task title or a command's output cannot move the cursor, ring or start a terminal escape.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `width` characters of `line` around the 1-based character column `col`, with
/// `…` where it was cut (a finding's snippet stays small on a minified one-line file), and
/// where `col` is in it.
pub fn window(line: &str, col: usize, width: usize) -> (Cow<'_, str>, usize) {
    let count = line.chars().count();
    if count <= width {
        return (Cow::Borrowed(line), col);
    }
    let col = col.saturating_sub(1).min(count);
    let start = col
        .saturating_sub(width / 4)
        .min(count.saturating_sub(width));
    let end = (start + width).min(count);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(line.chars().skip(start).take(end - start));
    if end < count {
        out.push('…');
    }
    let at = col + 1 - start + usize::from(start > 0);
    (Cow::Owned(out), at)
}

/// The deepest YAML nesting qgate reads (config and front matter need a handful).
pub const MAX_YAML_DEPTH: usize = 64;

/// The first line (1-based) where YAML `text` nests deeper than `max`: block indentation
/// and `- ` items, plus `[`/`{` flow collections outside quotes. One linear pass, run before
/// a parser whose time grows much faster with depth (a fork's PR could burn CI time).
pub fn yaml_too_deep(text: &str, max: usize) -> Option<u32> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (n, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        if flow == 0 && !body.is_empty() && !body.starts_with('#') {
            let indent = line.len() - body.len();
            while indents.last().is_some_and(|&i| i > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&i| i < indent) {
                indents.push(indent);
            }
        }
        let mut items = 0;
        let mut rest = body;
        while let Some(r) = rest.strip_prefix("- ") {
            items += 1;
            rest = r.trim_start_matches(' ');
        }
        let mut quote: Option<char> = None;
        let mut escaped = false;
        let mut deepest = flow;
        for c in rest.chars() {
            match quote {
                Some('"') if escaped => escaped = false,
                Some('"') if c == '\\' => escaped = true,
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '"' | '\'' => quote = Some(c),
                    '#' => break,
                    '[' | '{' => {
                        flow += 1;
                        deepest = deepest.max(flow);
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
        }
        if indents.len() + items + deepest > max {
            return Some(n as u32 + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_boundaries() {
        assert_eq!(tail("aé", 1), "");
        assert_eq!(tail("aéb", 2), "b");
        assert_eq!(head("aé", 2), "a");
        assert_eq!(head("abc", 10), "abc");
        assert_eq!(printable("a\x1b[2Jb\x07"), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(printable("ok\n"), "ok\n");
        let long = "x".repeat(1000) + "HERE" + &"y".repeat(1000);
        let (w, at) = window(&long, 1001, 200);
        assert!(w.contains("HERE") && w.starts_with('…') && w.ends_with('…'));
        assert!(w.chars().count() <= 202);
        assert_eq!(w.chars().skip(at - 1).take(4).collect::<String>(), "HERE");
        assert_eq!(window("short", 3, 200), (Cow::Borrowed("short"), 3));
    }

    #[test]
    fn yaml_depth() {
        assert_eq!(yaml_too_deep("a:\n  b:\n    c: [1, {d: 2}]\n", 8), None);
        let deep = format!("x: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(yaml_too_deep(&deep, 64), Some(1));
        let mut block = String::new();
        for i in 0..100 {
            block.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert_eq!(yaml_too_deep(&block, 64), Some(65));
        assert_eq!(
            yaml_too_deep(&format!("{}x\n", "- ".repeat(80)), 64),
            Some(1)
        );
        assert_eq!(yaml_too_deep("t: \"[[[[[[[[[[\"\n", 4), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,60}|.{0,60}", n in 0usize..80, c in 0usize..80) {
            let _ = tail(&s, n);
            let _ = head(&s, n);
            let _ = printable(&s);
            let _ = yaml_too_deep(&s, n);
            let (w, _) = window(&s, c, n.max(1));
            proptest::prop_assert!(w.chars().count() <= n.max(1) + 2 || w == s);
        }
    }
}
