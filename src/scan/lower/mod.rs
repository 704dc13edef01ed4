//! Lowering: each language's tree-sitter syntax tree into the shared IR. One module per
//! language; what they share (tree helpers, operators, literals, the depth guard) lives here.

pub mod go;
pub mod java;
pub mod javascript;
pub mod python;

use tree_sitter::Node;

use super::ir::{BinOp, CmpOp, Expr, Lit, Loc};

/// The source text of `n`.
pub fn text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

pub fn loc(n: Node<'_>) -> Loc {
    let p = n.start_position();
    Loc {
        line: p.row as u32 + 1,
        col: p.column as u32 + 1,
    }
}

/// Named children of `n`, comments left out.
pub fn named(n: Node<'_>) -> Vec<Node<'_>> {
    let mut c = n.walk();
    n.named_children(&mut c)
        .filter(|c| !c.kind().contains("comment"))
        .collect()
}

/// All children of `n`, including anonymous tokens.
pub fn all(n: Node<'_>) -> Vec<Node<'_>> {
    let mut c = n.walk();
    n.children(&mut c).collect()
}

/// The children of `n` in field `field`.
pub fn fields<'t>(n: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut c = n.walk();
    n.children_by_field_name(field, &mut c).collect()
}

/// A string literal's text without its quotes and prefixes.
pub fn unquote(s: &str) -> String {
    // Python prefixes (`f"`, `rb'`): only letters directly before the opening quote.
    let prefix = s.find(['"', '\'', '`']).unwrap_or(0);
    let s = match s.get(..prefix) {
        Some(p) if prefix <= 3 && p.chars().all(|c| "rRbBuUfF".contains(c)) => &s[prefix..],
        _ => s,
    };
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return unescape(inner);
        }
    }
    s.to_string()
}

/// The common backslash escapes of a string literal's text.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A number literal's value (`106`, `0x1F`, `10L`, `1_000`, `2.5`).
pub fn number(t: &str) -> Lit {
    let clean: String = t
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .trim_end_matches(['l', 'L', 'n', 'u', 'U'])
        .to_string();
    let lower = clean.to_ascii_lowercase();
    let int = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else {
        clean.parse::<i64>().ok()
    };
    if let Some(i) = int {
        return Lit::Int(i);
    }
    match clean.trim_end_matches(['f', 'F', 'd', 'D']).parse::<f64>() {
        Ok(f) => Lit::Float(f),
        Err(_) => Lit::Other,
    }
}

/// The text of `n`'s `operator` field ("" when it has none).
pub fn operator<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    n.child_by_field_name("operator")
        .map_or("", |o| text(o, src))
}

/// An arithmetic operator's kind.
pub fn bin_op(op: &str) -> BinOp {
    match op {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Rem,
        _ => BinOp::Other,
    }
}

/// A C-family binary operator (Go, Java, JavaScript/TypeScript) applied to `a` and `b`.
pub fn binary(op: &str, a: Expr, b: Expr, l: Loc) -> Expr {
    let cmp = |op| Expr::Compare(op, Box::new(a.clone()), Box::new(b.clone()), l);
    match op {
        "&&" => Expr::And(vec![a, b]),
        "||" => Expr::Or(vec![a, b]),
        "??" => Expr::Coalesce(vec![a, b]),
        "==" | "===" => cmp(CmpOp::Eq),
        "!=" | "!==" => cmp(CmpOp::Ne),
        "<" => cmp(CmpOp::Lt),
        "<=" => cmp(CmpOp::Le),
        ">" => cmp(CmpOp::Gt),
        ">=" => cmp(CmpOp::Ge),
        "in" => cmp(CmpOp::In),
        "instanceof" => cmp(CmpOp::Other),
        _ => Expr::Binary(bin_op(op), Box::new(a), Box::new(b), l),
    }
}

/// Depth guard: expressions and statements nested deeper than this are not followed by
/// recursion (which would overflow the stack); see [`Flat`].
pub const MAX_DEPTH: usize = 200;

/// How deep a subtree may be for [`Flat`] to lower it whole.
const FLAT_HEIGHT: usize = 24;

/// Lowers code nested past [`MAX_DEPTH`] without recursing: the maximal subtrees that are
/// shallow enough are lowered by `lower` and collected as the parts of one value, so the
/// names, sources and calls they mention keep their taint (`a + '' + '' + …` stays tainted
/// by `a`); only the structure between them is lost.
pub fn flat<'t>(n: Node<'t>, mut lower: impl FnMut(Node<'t>) -> Expr) -> Expr {
    let l = loc(n);
    let mut parts = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if shallow(x, FLAT_HEIGHT) {
            if x.is_named() && !x.kind().contains("comment") {
                parts.push(lower(x));
            }
            continue;
        }
        let mut c = x.walk();
        let kids: Vec<Node<'t>> = x.children(&mut c).collect();
        stack.extend(kids.into_iter().rev());
    }
    Expr::Other(parts, l)
}

/// Whether `n`'s subtree is at most `h` levels high.
fn shallow(n: Node<'_>, h: usize) -> bool {
    if n.child_count() == 0 {
        return true;
    }
    if h == 0 {
        return false;
    }
    let mut c = n.walk();
    n.children(&mut c).all(|k| shallow(k, h - 1))
}

/// The depth to lower a flattened part at: room for [`FLAT_HEIGHT`] levels.
pub const FLAT_DEPTH: usize = MAX_DEPTH - FLAT_HEIGHT - 4;

#[cfg(test)]
mod tests {
    #[test]
    fn unquote_keeps_identifiers() {
        assert_eq!(super::unquote("root"), "root");
        assert_eq!(super::unquote("f\"a{b}\""), "a{b}");
        assert_eq!(super::unquote("rb'x'"), "x");
        assert_eq!(super::unquote("`t`"), "t");
        assert_eq!(super::unquote("\"\"\"doc\"\"\""), "doc");
        assert_eq!(super::unquote("'a\\'b'"), "a'b");
        assert_eq!(super::unquote("é'x'"), "é'x'");
    }

    #[test]
    fn numbers() {
        use super::{Lit, number};
        assert_eq!(number("106"), Lit::Int(106));
        assert_eq!(number("0x1F"), Lit::Int(31));
        assert_eq!(number("10L"), Lit::Int(10));
        assert_eq!(number("1_000"), Lit::Int(1000));
        assert_eq!(number("2.5"), Lit::Float(2.5));
        assert_eq!(number("2.5f"), Lit::Float(2.5));
    }
}
