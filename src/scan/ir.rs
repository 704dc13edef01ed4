//! The small intermediate form every language is lowered into before taint analysis: just
//! what data flow needs — functions, assignments, calls, branches, loops and exits.

/// A 1-based source position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    In,
    NotIn,
    Eq,
    Ne,
    Other,
}

#[derive(Debug, Clone)]
pub enum Expr {
    Name(String, Loc),
    Attr(Box<Expr>, String, Loc),
    Index(Box<Expr>, Box<Expr>, Loc),
    Call(Box<Call>),
    /// A string; `parts` are interpolated expressions, `text` the literal text when plain.
    Str {
        parts: Vec<Expr>,
        text: Option<String>,
        loc: Loc,
    },
    /// Arithmetic or concatenation: tainted when either side is.
    Binary(Box<Expr>, Box<Expr>, Loc),
    Compare(CmpOp, Box<Expr>, Box<Expr>, Loc),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// A list, tuple, array or map literal (map values and keys).
    Seq(Vec<Expr>, Loc),
    /// An object literal's `key: value` pairs (JavaScript options objects).
    Object(Vec<(String, Expr)>, Loc),
    /// A number, boolean, null (its source text): never tainted.
    Lit(String, Loc),
    /// Anything else: tainted when any part is.
    Other(Vec<Expr>, Loc),
}

#[derive(Debug, Clone)]
pub struct Call {
    pub callee: Expr,
    pub args: Vec<Arg>,
    /// `new X(...)`.
    pub new: bool,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Arg {
    /// Keyword name (`shell=True`), if any.
    pub name: Option<String>,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    /// `targets = value` (several targets for tuple/destructuring assignment).
    Assign {
        targets: Vec<Expr>,
        value: Expr,
        aug: bool,
        loc: Loc,
    },
    Expr(Expr),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
    },
    /// `for var in iter: body` (iter `None` for while loops).
    Loop {
        vars: Vec<Expr>,
        iter: Option<Expr>,
        body: Vec<Stmt>,
    },
    Return(Option<Expr>),
    /// raise / throw / panic: leaves the function.
    Throw,
    /// break / continue: leaves the enclosing block.
    Jump,
    Block(Vec<Stmt>),
}

#[derive(Debug, Clone, Default)]
pub struct Param {
    pub name: String,
    /// The declared type as written (`*http.Request`, `int`, `HttpServletRequest`).
    pub ty: Option<String>,
    /// Annotations or decorators on the parameter (`@RequestParam`, `Depends(...)` default).
    pub annotations: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Function {
    pub name: String,
    pub params: Vec<Param>,
    /// Decorators (Python) or annotations (Java) as source text.
    pub decorators: Vec<String>,
    pub body: Vec<Stmt>,
    pub loc: Loc,
}

/// A whole file: its functions (top-level code is a function named `<module>`) and the
/// names its imports bind (`osp` → `os.path`, `readFile` → `fs.readFile`).
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub functions: Vec<Function>,
    pub imports: std::collections::HashMap<String, String>,
}

impl Expr {
    pub fn loc(&self) -> Loc {
        match self {
            Expr::Name(_, l)
            | Expr::Attr(_, _, l)
            | Expr::Index(_, _, l)
            | Expr::Binary(_, _, l) => *l,
            Expr::Compare(_, _, _, l)
            | Expr::Seq(_, l)
            | Expr::Object(_, l)
            | Expr::Lit(_, l)
            | Expr::Other(_, l) => *l,
            Expr::Str { loc, .. } => *loc,
            Expr::Call(c) => c.loc,
            Expr::Not(e) => e.loc(),
            Expr::And(v) | Expr::Or(v) => v.first().map_or_else(Loc::default, Expr::loc),
        }
    }

    /// The literal text of a plain string.
    pub fn text(&self) -> Option<&str> {
        match self {
            Expr::Str { text: Some(t), .. } => Some(t),
            _ => None,
        }
    }
}
