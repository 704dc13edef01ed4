//! Lowering: each language's tree-sitter syntax tree into the shared IR. One module per
//! language; helpers for walking trees live here.

pub mod go;
pub mod java;
pub mod javascript;
pub mod python;

use tree_sitter::Node;

use super::ir::{CmpOp, Expr, Loc};

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

/// Named children of `n`.
pub fn named(n: Node<'_>) -> Vec<Node<'_>> {
    let mut c = n.walk();
    n.named_children(&mut c).collect()
}

/// All children of `n`, including anonymous tokens.
pub fn all(n: Node<'_>) -> Vec<Node<'_>> {
    let mut c = n.walk();
    n.children(&mut c).collect()
}

/// A string literal's text without its quotes and prefixes.
pub fn unquote(s: &str) -> String {
    // Python prefixes (`f"`, `rb'`): only letters directly before the opening quote.
    let prefix = s.find(['"', '\'', '`']).unwrap_or(0);
    let s = if prefix <= 3 && s[..prefix].chars().all(|c| "rRbBuUfF".contains(c)) {
        &s[prefix..]
    } else {
        s
    };
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    s.to_string()
}

/// The text of `n`'s `operator` field ("" when it has none).
pub fn operator<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    n.child_by_field_name("operator")
        .map_or("", |o| text(o, src))
}

/// A C-family binary operator (Go, Java, JavaScript/TypeScript) applied to `a` and `b`.
pub fn binary(op: &str, a: Expr, b: Expr, l: Loc) -> Expr {
    match op {
        "&&" => Expr::And(vec![a, b]),
        "||" | "??" => Expr::Or(vec![a, b]),
        "==" | "===" => Expr::Compare(CmpOp::Eq, Box::new(a), Box::new(b), l),
        "!=" | "!==" => Expr::Compare(CmpOp::Ne, Box::new(a), Box::new(b), l),
        "<" | ">" | "<=" | ">=" | "in" | "instanceof" => {
            Expr::Compare(CmpOp::Other, Box::new(a), Box::new(b), l)
        }
        _ => Expr::Binary(Box::new(a), Box::new(b), l),
    }
}

/// Depth guard: deeply nested input is cut off rather than overflowing the stack.
pub const MAX_DEPTH: usize = 200;

#[cfg(test)]
mod tests {
    #[test]
    fn unquote_keeps_identifiers() {
        assert_eq!(super::unquote("root"), "root");
        assert_eq!(super::unquote("f\"a{b}\""), "a{b}");
        assert_eq!(super::unquote("rb'x'"), "x");
        assert_eq!(super::unquote("`t`"), "t");
        assert_eq!(super::unquote("\"\"\"doc\"\"\""), "doc");
    }
}
