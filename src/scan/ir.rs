//! The intermediate form every language is lowered into before analysis: a module of
//! functions and classes, each function a tree of statements with the control flow the
//! data-flow analysis needs (branches, loops, `switch`, `try`, `break`/`continue` with
//! labels, early exits), expressions that keep operators and literals (for constant folding),
//! and closures as functions of their own referenced where they are written.

/// A 1-based source position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

/// Index of a function in its module.
pub type FnId = usize;
/// Index of a class in its module.
pub type ClassId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    /// `instanceof`, `is` on types, anything else that yields a boolean.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    /// Python's `//`.
    FloorDiv,
    Rem,
    /// Bitwise and shift operators, power, anything else arithmetic.
    Other,
}

/// A literal that is not a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// A literal qgate does not fold (`...`, a regex flag, an unparsable number).
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
    Lit(Lit, Loc),
    Binary(BinOp, Box<Expr>, Box<Expr>, Loc),
    Compare(CmpOp, Box<Expr>, Box<Expr>, Loc),
    /// Arithmetic negation (`-x`); logical negation is `Not`.
    Neg(Box<Expr>, Loc),
    Not(Box<Expr>),
    And(Vec<Expr>),
    /// `a or b`, `a || b`: the first truthy operand.
    Or(Vec<Expr>),
    /// `a ?? b`: the first operand that is not null.
    Coalesce(Vec<Expr>),
    /// `c ? a : b`, `a if c else b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>, Loc),
    /// A list, tuple, array or set literal: element `i` is item `i`.
    Seq(Vec<Expr>, Loc),
    /// A dict or map literal with computed keys.
    Map(Vec<(Expr, Expr)>, Loc),
    /// An object literal's `key: value` pairs (`...` for a spread).
    Object(Vec<(String, Expr)>, Loc),
    /// A function literal (lambda, arrow function, anonymous class method) of the module.
    Lambda(FnId, Loc),
    /// An assignment used as a value: walrus `(x := f())`, `a = b` in JavaScript, `a ||= b`.
    Assign(Box<Expr>, Box<Expr>, AssignOp, Loc),
    /// A cast or type conversion to a named type (`(ZipEntry) e`, `x as Foo`).
    Cast(String, Box<Expr>, Loc),
    /// A comprehension: each `(target, iter)` binds `target` to an element of `iter`, then
    /// `body` is one element of the result.
    Comp(Vec<(Expr, Expr)>, Box<Expr>, Loc),
    /// Anything else: its value depends on every part.
    Other(Vec<Expr>, Loc),
}

/// How an assignment combines with the old value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`
    Set,
    /// `+=` and the other arithmetic compound assignments.
    Update(BinOp),
    /// `||=`: assigns when the target is falsy.
    OrElse,
    /// `&&=`: assigns when the target is truthy.
    AndThen,
    /// `??=`: assigns when the target is null.
    IfNull,
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
    /// `*args`, `...xs`: the elements of the value are the arguments.
    pub spread: bool,
}

impl Arg {
    pub fn positional(value: Expr) -> Arg {
        Arg {
            name: None,
            value,
            spread: false,
        }
    }
}

/// One `case` of a `switch` or `match`.
#[derive(Debug, Clone)]
pub struct Case {
    /// The values compared with the subject; empty for `default` (and for a pattern that
    /// always matches).
    pub tests: Vec<Expr>,
    /// A pattern that captures the subject (`case x:` in Python): assigned before the body.
    pub binds: Option<Expr>,
    /// A guard (`case x if cond`).
    pub guard: Option<Expr>,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone)]
pub struct Catch {
    /// The exception's name in the handler, if it binds one.
    pub bind: Option<String>,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    /// `target = value` (or a compound assignment).
    Assign {
        target: Expr,
        value: Expr,
        op: AssignOp,
        loc: Loc,
    },
    /// A declaration with a written type (`String s = …`, `var x Foo`), with or without a
    /// value: the type names the variable's class for call resolution.
    Decl {
        name: String,
        ty: String,
        value: Option<Expr>,
        loc: Loc,
    },
    Expr(Expr),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
    },
    /// `while cond { body }` (cond `None`: until a `break`); `update` runs after the body and
    /// after each `continue` (a C-style `for`); `do_while` runs the body once before the test.
    While {
        cond: Option<Expr>,
        body: Vec<Stmt>,
        update: Vec<Stmt>,
        do_while: bool,
        label: Option<String>,
    },
    /// `for target in iter: body` (Python for, for-of/for-in, enhanced for, Go range). `orelse`
    /// runs when the loop ends without `break` (Python).
    ForEach {
        target: Expr,
        /// Iterating over keys (`for k in dict`, `for (k in obj)`, a Go range's index).
        keys: bool,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        label: Option<String>,
    },
    Switch {
        subject: Expr,
        cases: Vec<Case>,
        /// C-style: a case's end runs into the next case (Java, JavaScript); Go and Python do
        /// not (Go's `fallthrough` is a `Continue` to the next case, lowered as such).
        fallthrough: bool,
        label: Option<String>,
    },
    Try {
        body: Vec<Stmt>,
        catches: Vec<Catch>,
        /// Python's `else:` — runs when the body raised nothing.
        orelse: Vec<Stmt>,
        finally: Vec<Stmt>,
    },
    Return(Option<Expr>, Loc),
    /// raise / throw / panic.
    Throw(Option<Expr>),
    Break(Option<String>),
    Continue(Option<String>),
    /// A labelled block (`label: { … break label; }`).
    Labeled(String, Vec<Stmt>),
    Block(Vec<Stmt>),
    /// A named function defined here (`def inner():` inside a function): binds its name.
    FuncDef(String, FnId),
}

#[derive(Debug, Clone, Default)]
pub struct Param {
    pub name: String,
    /// The declared type as written (`*http.Request`, `int`, `HttpServletRequest`).
    pub ty: Option<String>,
    /// Annotations or decorators on the parameter (`@RequestParam`, `Depends(...)` default).
    pub annotations: Vec<String>,
    /// `*args` / `...rest`: the remaining arguments as a list.
    pub rest: bool,
    /// The default value's text, if any.
    pub default: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FnKind {
    /// Top-level code of a file (and a class body's statements).
    #[default]
    Module,
    Function,
    Method,
    Constructor,
    /// A function literal: analysed where it is written, with the variables it captures.
    Lambda,
}

#[derive(Debug, Clone, Default)]
pub struct Function {
    pub name: String,
    pub kind: FnKind,
    /// The class a method belongs to.
    pub class: Option<ClassId>,
    /// Static methods have no receiver.
    pub is_static: bool,
    pub params: Vec<Param>,
    /// Decorators (Python) or annotations (Java) as source text.
    pub decorators: Vec<String>,
    pub body: Vec<Stmt>,
    pub loc: Loc,
    /// The function this one is written in (lambdas, nested functions).
    pub parent: Option<FnId>,
    /// The receiver's name when the language names it (`self`, Go's `(s *Server)`).
    pub receiver: Option<String>,
}

impl Function {
    /// Whether calls pass a receiver: methods and constructors that are not static.
    pub fn has_receiver(&self) -> bool {
        matches!(self.kind, FnKind::Method | FnKind::Constructor) && !self.is_static
    }
}

#[derive(Debug, Clone, Default)]
pub struct Field {
    pub name: String,
    pub ty: Option<String>,
    pub is_static: bool,
    /// Declared `final` (Java; an interface's fields are): its initializer is its value.
    pub is_final: bool,
    /// The initializer, if any (`static final String DIR = "/srv"`).
    pub value: Option<Expr>,
}

#[derive(Debug, Clone, Default)]
pub struct Class {
    pub name: String,
    /// Classes it extends and interfaces it implements, as written (simple or qualified).
    pub supers: Vec<String>,
    pub fields: Vec<Field>,
    pub methods: Vec<FnId>,
    pub is_interface: bool,
    pub is_abstract: bool,
    /// The class this one is nested in.
    pub outer: Option<ClassId>,
    pub loc: Loc,
}

/// One imported name: `local` is bound to `path` (`osp` → `os.path`, `readFile` →
/// `fs.readFile`, `utils` → `.helpers.utils` for a relative import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub local: String,
    pub path: String,
}

/// A whole file. Function 0 is the file's top-level code (`<module>`).
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    pub imports: Vec<Import>,
    /// Java's `package`, Go's `package` clause.
    pub package: Option<String>,
    /// JavaScript exports that name something else: exported name → local name
    /// (`module.exports = { read: readFile }`, `export { a as b }`).
    pub exports: Vec<(String, String)>,
    /// Some code was nested deeper than the lowering follows: it was reduced to the names
    /// and values it mentions (their taint kept, their structure lost).
    pub truncated: bool,
}

impl Module {
    /// The module's import table as a lookup.
    pub fn import(&self, local: &str) -> Option<&str> {
        self.imports
            .iter()
            .rev()
            .find(|i| i.local == local)
            .map(|i| i.path.as_str())
    }
}

impl Expr {
    pub fn loc(&self) -> Loc {
        match self {
            Expr::Name(_, l)
            | Expr::Attr(_, _, l)
            | Expr::Index(_, _, l)
            | Expr::Binary(_, _, _, l)
            | Expr::Compare(_, _, _, l)
            | Expr::Neg(_, l)
            | Expr::Cond(_, _, _, l)
            | Expr::Seq(_, l)
            | Expr::Map(_, l)
            | Expr::Object(_, l)
            | Expr::Lit(_, l)
            | Expr::Lambda(_, l)
            | Expr::Assign(_, _, _, l)
            | Expr::Cast(_, _, l)
            | Expr::Comp(_, _, l)
            | Expr::Other(_, l) => *l,
            Expr::Str { loc, .. } => *loc,
            Expr::Call(c) => c.loc,
            Expr::Not(e) => e.loc(),
            Expr::And(v) | Expr::Or(v) | Expr::Coalesce(v) => {
                v.first().map_or_else(Loc::default, Expr::loc)
            }
        }
    }

    /// The literal text of a plain string.
    pub fn text(&self) -> Option<&str> {
        match self {
            Expr::Str { text: Some(t), .. } => Some(t),
            _ => None,
        }
    }

    /// A placeholder for what could not be lowered.
    pub fn unknown(loc: Loc) -> Expr {
        Expr::Other(Vec::new(), loc)
    }

    /// The dotted name of a plain name or attribute chain (`os.path.join`).
    pub fn dotted(&self) -> Option<String> {
        match self {
            Expr::Name(n, _) => Some(n.clone()),
            Expr::Attr(b, a, _) => b.dotted().map(|b| format!("{b}.{a}")),
            _ => None,
        }
    }
}
