//! Go → IR. Function literals are analysed as functions of their own. A comma-ok map lookup
//! (`_, ok := allowed[name]`) becomes a `$contains(allowed, name)` test, so an allowlist
//! guard on `ok` is understood.

use std::collections::HashMap;

use tree_sitter::{Node, Tree};

use super::{MAX_DEPTH, loc, named, text, unquote};
use crate::scan::ir::{Arg, Call, Expr, Function, Loc, Module, Param, Stmt};

struct Lower<'s> {
    src: &'s str,
    imports: HashMap<String, String>,
}

pub fn lower(tree: &Tree, src: &str) -> Module {
    let mut l = Lower {
        src,
        imports: HashMap::new(),
    };
    let root = tree.root_node();
    let mut functions = Vec::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        if depth > MAX_DEPTH * 4 {
            continue;
        }
        match n.kind() {
            "import_spec" => l.import(n),
            "function_declaration" | "method_declaration" | "func_literal" => {}
            _ => {}
        }
        for c in named(n) {
            stack.push((c, depth + 1));
        }
    }
    let mut stack = vec![(root, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        if depth > MAX_DEPTH * 4 {
            continue;
        }
        if matches!(
            n.kind(),
            "function_declaration" | "method_declaration" | "func_literal"
        ) {
            functions.push(l.function(n));
        }
        for c in named(n) {
            stack.push((c, depth + 1));
        }
    }
    Module {
        functions,
        imports: l.imports,
    }
}

/// `github.com/labstack/echo/v4` → `echo`, `os/exec` → `exec`.
fn package_of(path: &str) -> &str {
    let mut segs = path.rsplit('/');
    let last = segs.next().unwrap_or(path);
    let versioned =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    if versioned {
        segs.next().unwrap_or(last)
    } else {
        last
    }
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn import(&mut self, n: Node<'_>) {
        let (Some(name), Some(path)) =
            (n.child_by_field_name("name"), n.child_by_field_name("path"))
        else {
            return;
        };
        let alias = self.t(name);
        if alias == "_" || alias == "." {
            return;
        }
        let path = unquote(self.t(path));
        self.imports
            .insert(alias.to_string(), package_of(&path).to_string());
    }

    fn function(&mut self, n: Node<'_>) -> Function {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let mut params = Vec::new();
        for field in ["receiver", "parameters"] {
            let Some(list) = n.child_by_field_name(field) else {
                continue;
            };
            for decl in named(list) {
                let ty = decl
                    .child_by_field_name("type")
                    .map(|t| self.t(t).to_string());
                let mut c = decl.walk();
                for id in decl.children_by_field_name("name", &mut c) {
                    params.push(Param {
                        name: self.t(id).to_string(),
                        ty: ty.clone(),
                        annotations: Vec::new(),
                    });
                }
            }
        }
        let body = n
            .child_by_field_name("body")
            .map(|b| self.block(b, 0))
            .unwrap_or_default();
        Function {
            name,
            params,
            decorators: Vec::new(),
            body,
            loc: loc(n),
        }
    }

    /// A `block` (or `statement_list`): its statements.
    fn block(&mut self, n: Node<'_>, d: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        if d > MAX_DEPTH {
            return out;
        }
        for c in named(n) {
            if c.kind() == "statement_list" {
                out.extend(self.block(c, d + 1));
            } else {
                self.stmt(c, d + 1, &mut out);
            }
        }
        out
    }

    fn stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        match n.kind() {
            "short_var_declaration" | "assignment_statement" => {
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| self.t(o))
                    .unwrap_or("=");
                let aug = !matches!(op, "=" | ":=");
                let lefts = n.child_by_field_name("left").map(named).unwrap_or_default();
                let rights = n
                    .child_by_field_name("right")
                    .map(named)
                    .unwrap_or_default();
                self.assign(&lefts, &rights, aug, loc(n), d, out);
            }
            "var_declaration" => {
                for spec in named(n) {
                    let specs = if spec.kind() == "var_spec_list" {
                        named(spec)
                    } else {
                        vec![spec]
                    };
                    for s in specs {
                        let mut c = s.walk();
                        let names: Vec<Node<'_>> =
                            s.children_by_field_name("name", &mut c).collect();
                        let values = s
                            .child_by_field_name("value")
                            .map(named)
                            .unwrap_or_default();
                        if !values.is_empty() {
                            self.assign(&names, &values, false, loc(s), d, out);
                        }
                    }
                }
            }
            "expression_statement" | "go_statement" | "defer_statement" => {
                for c in named(n) {
                    out.push(Stmt::Expr(self.expr(c, d)));
                }
            }
            "inc_statement" | "dec_statement" | "send_statement" => {}
            "block" | "statement_list" => out.push(Stmt::Block(self.block(n, d))),
            "if_statement" => {
                if let Some(init) = n.child_by_field_name("initializer") {
                    self.stmt(init, d, out);
                }
                let cond = n
                    .child_by_field_name("condition")
                    .map_or(Expr::Lit("?".into(), loc(n)), |c| self.expr(c, d));
                let then = n
                    .child_by_field_name("consequence")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                let els = match n.child_by_field_name("alternative") {
                    Some(a) if a.kind() == "if_statement" => {
                        let mut v = Vec::new();
                        self.stmt(a, d, &mut v);
                        v
                    }
                    Some(b) => self.block(b, d),
                    None => Vec::new(),
                };
                out.push(Stmt::If { cond, then, els });
            }
            "for_statement" => {
                let body = n
                    .child_by_field_name("body")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                let range = named(n).into_iter().find(|c| c.kind() == "range_clause");
                match range {
                    Some(r) => {
                        let vars: Vec<Expr> = r
                            .child_by_field_name("left")
                            .map(named)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|v| self.expr(v, d))
                            .collect();
                        let iter = r.child_by_field_name("right").map(|x| self.expr(x, d));
                        // The key of a range over a slice is an index: only the value is tainted.
                        let vars = if vars.len() == 2 {
                            vars.into_iter().skip(1).collect()
                        } else {
                            vars
                        };
                        out.push(Stmt::Loop { vars, iter, body });
                    }
                    None => out.push(Stmt::Loop {
                        vars: Vec::new(),
                        iter: None,
                        body,
                    }),
                }
            }
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                if let Some(v) = n.child_by_field_name("value") {
                    out.push(Stmt::Expr(self.expr(v, d)));
                }
                for case in named(n)
                    .into_iter()
                    .filter(|c| c.kind().ends_with("_case") || c.kind() == "default_case")
                {
                    let mut then = Vec::new();
                    for s in named(case) {
                        if s.kind() == "statement_list" {
                            then.extend(self.block(s, d));
                        }
                    }
                    out.push(Stmt::If {
                        cond: Expr::Lit("case".into(), loc(case)),
                        then,
                        els: Vec::new(),
                    });
                }
            }
            "return_statement" => {
                let e = named(n).first().map(|x| self.expr(*x, d));
                out.push(Stmt::Return(e));
            }
            "break_statement" | "continue_statement" | "goto_statement" => out.push(Stmt::Jump),
            "labeled_statement" => {
                for c in named(n) {
                    self.stmt(c, d, out);
                }
            }
            _ => {}
        }
    }

    fn assign(
        &mut self,
        lefts: &[Node<'_>],
        rights: &[Node<'_>],
        aug: bool,
        l: Loc,
        d: usize,
        out: &mut Vec<Stmt>,
    ) {
        let targets: Vec<Expr> = lefts.iter().map(|x| self.expr(*x, d)).collect();
        if targets.len() == rights.len() {
            for (t, r) in targets.into_iter().zip(rights) {
                let value = self.expr(*r, d);
                out.push(Stmt::Assign {
                    targets: vec![t],
                    value,
                    aug,
                    loc: l,
                });
            }
            return;
        }
        // `v, ok := m[k]`: `ok` tests membership.
        if let ([first, second], [r]) = (targets.as_slice(), rights)
            && r.kind() == "index_expression"
        {
            let value = self.expr(*r, d);
            if let Expr::Index(m, k, il) = &value {
                let test = Expr::Call(Box::new(Call {
                    callee: Expr::Name("$contains".into(), *il),
                    args: vec![
                        Arg {
                            name: None,
                            value: (**m).clone(),
                        },
                        Arg {
                            name: None,
                            value: (**k).clone(),
                        },
                    ],
                    new: false,
                    loc: *il,
                }));
                out.push(Stmt::Assign {
                    targets: vec![first.clone()],
                    value: value.clone(),
                    aug,
                    loc: l,
                });
                out.push(Stmt::Assign {
                    targets: vec![second.clone()],
                    value: test,
                    aug: false,
                    loc: l,
                });
                return;
            }
        }
        let values: Vec<Expr> = rights.iter().map(|r| self.expr(*r, d)).collect();
        let value = if values.len() == 1 {
            values
                .into_iter()
                .next()
                .unwrap_or(Expr::Lit("?".into(), l))
        } else {
            Expr::Other(values, l)
        };
        out.push(Stmt::Assign {
            targets,
            value,
            aug,
            loc: l,
        });
    }

    fn expr(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        if d > MAX_DEPTH {
            return Expr::Lit("…".into(), l);
        }
        let d = d + 1;
        let field = |s: &mut Self, f: &str| {
            n.child_by_field_name(f)
                .map_or(Expr::Lit("?".into(), l), |x| s.expr(x, d))
        };
        match n.kind() {
            "identifier" | "field_identifier" | "package_identifier" | "type_identifier" => {
                Expr::Name(self.t(n).to_string(), l)
            }
            "selector_expression" => {
                let obj = field(self, "operand");
                let f = n
                    .child_by_field_name("field")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), f, l)
            }
            "index_expression" => {
                let obj = field(self, "operand");
                let idx = field(self, "index");
                Expr::Index(Box::new(obj), Box::new(idx), l)
            }
            "slice_expression"
            | "type_assertion_expression"
            | "parenthesized_expression"
            | "type_conversion_expression" => {
                let inner = n
                    .child_by_field_name("operand")
                    .or_else(|| named(n).into_iter().find(|c| !c.kind().contains("type")));
                inner.map_or(Expr::Lit("?".into(), l), |x| self.expr(x, d))
            }
            "call_expression" => {
                let callee = field(self, "function");
                let args = n
                    .child_by_field_name("arguments")
                    .map(named)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|a| a.kind() != "comment")
                    .map(|a| {
                        let v = if a.kind() == "variadic_argument" {
                            named(a).first().copied().unwrap_or(a)
                        } else {
                            a
                        };
                        Arg {
                            name: None,
                            value: self.expr(v, d),
                        }
                    })
                    .collect();
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    new: false,
                    loc: l,
                }))
            }
            "interpreted_string_literal" | "raw_string_literal" | "rune_literal" => Expr::Str {
                parts: Vec::new(),
                text: Some(unquote(self.t(n))),
                loc: l,
            },
            "binary_expression" => {
                let op = super::operator(n, self.src);
                let a = field(self, "left");
                let b = field(self, "right");
                super::binary(op, a, b, l)
            }
            "unary_expression" => {
                let op = super::operator(n, self.src);
                let a = field(self, "operand");
                if op == "!" { Expr::Not(Box::new(a)) } else { a }
            }
            "composite_literal" => {
                let mut items = Vec::new();
                if let Some(body) = n.child_by_field_name("body") {
                    self.literal_items(body, d, &mut items);
                }
                Expr::Seq(items, l)
            }
            "int_literal" | "float_literal" | "true" | "false" | "nil" | "iota"
            | "imaginary_literal" => Expr::Lit(self.t(n).to_string(), l),
            "func_literal" => Expr::Lit("func".into(), l),
            _ => Expr::Other(
                named(n)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .map(|x| self.expr(x, d))
                    .collect(),
                l,
            ),
        }
    }

    fn literal_items(&mut self, body: Node<'_>, d: usize, out: &mut Vec<Expr>) {
        for el in named(body) {
            match el.kind() {
                "keyed_element" => {
                    if let Some(v) = named(el).last() {
                        self.literal_items_one(*v, d, out);
                    }
                }
                _ => self.literal_items_one(el, d, out),
            }
        }
    }

    fn literal_items_one(&mut self, el: Node<'_>, d: usize, out: &mut Vec<Expr>) {
        let inner = if el.kind() == "literal_element" {
            named(el).first().copied().unwrap_or(el)
        } else {
            el
        };
        if inner.kind() == "literal_value" {
            self.literal_items(inner, d, out);
        } else {
            out.push(self.expr(inner, d));
        }
    }
}
