//! Constant folding: the value of an operator on constants, as each language computes it,
//! so that a condition that is always true or always false prunes its dead branch.

use std::rc::Rc;

use super::ir::{BinOp, CmpOp};
use super::rules::Lang;
use super::value::Const;

/// `a op b`, or `None` when it is not a constant (or the language would raise).
pub fn binary(lang: Lang, op: BinOp, a: &Const, b: &Const) -> Option<Const> {
    use Const::{Float, Int, Str};
    let float = |c: &Const| match c {
        Int(i) => Some(*i as f64),
        Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Int(x), Int(y)) => {
            let (x, y) = (*x, *y);
            Some(match op {
                BinOp::Add => Int(x.checked_add(y)?),
                BinOp::Sub => Int(x.checked_sub(y)?),
                BinOp::Mul => Int(x.checked_mul(y)?),
                BinOp::Div if y == 0 => return None,
                // Python's `/` and JavaScript's divide in floating point.
                BinOp::Div
                    if matches!(
                        lang,
                        Lang::Python | Lang::JavaScript | Lang::TypeScript | Lang::Tsx
                    ) =>
                {
                    let q = x as f64 / y as f64;
                    if q.fract() == 0.0 {
                        Int(q as i64)
                    } else {
                        Float(q)
                    }
                }
                BinOp::Div => Int(x.checked_div(y)?),
                BinOp::FloorDiv if y == 0 => return None,
                BinOp::FloorDiv => Int(x.div_euclid(y) - i64::from(x.rem_euclid(y) != 0 && y < 0)),
                BinOp::Rem if y == 0 => return None,
                // Python's `%` takes the divisor's sign; the C family the dividend's.
                BinOp::Rem if lang == Lang::Python => Int(((x % y) + y) % y),
                BinOp::Rem => Int(x.checked_rem(y)?),
                BinOp::Other => return None,
            })
        }
        (Str(x), _) | (_, Str(x)) if op == BinOp::Add => {
            // Python adds only strings to strings; the C family converts.
            if lang == Lang::Python && !(matches!(a, Str(_)) && matches!(b, Str(_))) {
                return None;
            }
            let _ = x;
            Some(Str(Rc::from(format!("{}{}", a.as_text()?, b.as_text()?))))
        }
        _ => {
            let (x, y) = (float(a)?, float(b)?);
            Some(Float(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div if y != 0.0 => x / y,
                _ => return None,
            }))
        }
    }
}

/// `a op b` for comparisons, or `None` when unknown.
pub fn compare(op: CmpOp, a: &Const, b: &Const) -> Option<bool> {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Const::Str(x), Const::Str(y)) => Some(x.cmp(y)),
        (Const::Bool(x), Const::Bool(y)) => Some(x.cmp(y)),
        (Const::Null, Const::Null) => Some(Ordering::Equal),
        (Const::Null, _) | (_, Const::Null) => None,
        _ => {
            let f = |c: &Const| match c {
                Const::Int(i) => Some(*i as f64),
                Const::Float(f) => Some(*f),
                _ => None,
            };
            match (f(a), f(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y),
                _ => None,
            }
        }
    };
    let eq = match (a, b) {
        (Const::Null, Const::Null) => Some(true),
        (Const::Null, _) | (_, Const::Null) => Some(false),
        _ => ord.map(|o| o == Ordering::Equal),
    };
    match op {
        CmpOp::Eq => eq,
        CmpOp::Ne => eq.map(|e| !e),
        CmpOp::Lt => ord.map(|o| o == Ordering::Less),
        CmpOp::Le => ord.map(|o| o != Ordering::Greater),
        CmpOp::Gt => ord.map(|o| o == Ordering::Greater),
        CmpOp::Ge => ord.map(|o| o != Ordering::Less),
        CmpOp::In | CmpOp::NotIn | CmpOp::Other => None,
    }
}

/// A string method on a constant receiver with constant arguments (`"ABC".charAt(2)`).
pub fn string_method(name: &str, s: &str, args: &[Option<Const>]) -> Option<Const> {
    let int = |i: usize| match args.get(i) {
        Some(Some(Const::Int(n))) => usize::try_from(*n).ok(),
        _ => None,
    };
    let text = |i: usize| match args.get(i) {
        Some(Some(Const::Str(t))) => Some(t.clone()),
        _ => None,
    };
    let chars: Vec<char> = s.chars().collect();
    let out = |t: String| Some(Const::Str(Rc::from(t)));
    match (name, args.len()) {
        ("charAt", 1) => chars
            .get(int(0)?)
            .map(|c| Const::Str(Rc::from(c.to_string()))),
        ("substring" | "substr" | "slice", 1) => out(chars.get(int(0)?..)?.iter().collect()),
        ("substring" | "slice", 2) => {
            let (a, b) = (int(0)?, int(1)?);
            out(chars.get(a..b)?.iter().collect())
        }
        ("toUpperCase" | "upper" | "ToUpper", 0) => out(s.to_uppercase()),
        ("toLowerCase" | "lower" | "ToLower", 0) => out(s.to_lowercase()),
        ("trim" | "strip" | "TrimSpace", 0) => out(s.trim().to_string()),
        ("length" | "len", 0) => Some(Const::Int(chars.len() as i64)),
        ("equals" | "equalsIgnoreCase" | "__eq__", 1) => {
            let t = text(0)?;
            Some(Const::Bool(if name == "equalsIgnoreCase" {
                t.to_lowercase() == s.to_lowercase()
            } else {
                *t == *s
            }))
        }
        ("startsWith" | "startswith", 1) => Some(Const::Bool(s.starts_with(&*text(0)?))),
        ("endsWith" | "endswith", 1) => Some(Const::Bool(s.ends_with(&*text(0)?))),
        ("contains" | "includes", 1) => Some(Const::Bool(s.contains(&*text(0)?))),
        ("isEmpty", 0) => Some(Const::Bool(s.is_empty())),
        ("indexOf" | "find", 1) => Some(Const::Int(
            s.find(&*text(0)?)
                .map_or(-1, |i| s[..i].chars().count() as i64),
        )),
        ("concat", 1) => out(format!("{s}{}", text(0)?)),
        ("replace" | "replaceAll", 2) => out(s.replace(&*text(0)?, &text(1)?)),
        ("toString" | "intern" | "valueOf", 0) => out(s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_as_the_language_does_it() {
        let i = Const::Int;
        assert_eq!(binary(Lang::Java, BinOp::Div, &i(500), &i(42)), Some(i(11)));
        assert_eq!(
            binary(Lang::Python, BinOp::Div, &i(7), &i(2)),
            Some(Const::Float(3.5))
        );
        assert_eq!(
            binary(Lang::Python, BinOp::FloorDiv, &i(-7), &i(2)),
            Some(i(-4))
        );
        assert_eq!(binary(Lang::Python, BinOp::Rem, &i(-7), &i(3)), Some(i(2)));
        assert_eq!(binary(Lang::Java, BinOp::Rem, &i(-7), &i(3)), Some(i(-1)));
        assert_eq!(binary(Lang::Java, BinOp::Div, &i(1), &i(0)), None);
        assert_eq!(
            binary(Lang::Java, BinOp::Add, &Const::Str("a".into()), &i(1)),
            Some(Const::Str("a1".into()))
        );
        assert_eq!(
            binary(Lang::Python, BinOp::Add, &Const::Str("a".into()), &i(1)),
            None
        );
        assert_eq!(compare(CmpOp::Gt, &i(232), &i(200)), Some(true));
        assert_eq!(
            string_method("charAt", "ABC", &[Some(i(2))]),
            Some(Const::Str("C".into()))
        );
        assert_eq!(string_method("charAt", "ABC", &[Some(i(9))]), None);
    }
}
