//! JavaScript and TypeScript (incl. JSX/TSX) → IR. Every function — declarations, methods,
//! function expressions and arrow callbacks (`app.get('/x', (req, res) => ...)`) — is
//! analysed on its own; top-level code is `<module>`.

use std::collections::HashMap;

use tree_sitter::{Node, Tree};

use super::{MAX_DEPTH, loc, named, text, unquote};
use crate::scan::ir::{Arg, Call, Expr, Function, Module, Param, Stmt};

const FUNCTIONS: &[&str] = &[
    "function_declaration",
    "generator_function_declaration",
    "function_expression",
    "function",
    "generator_function",
    "arrow_function",
    "method_definition",
];

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
    let mut fnodes = Vec::new();
    while let Some((n, depth)) = stack.pop() {
        if depth > MAX_DEPTH * 4 {
            continue;
        }
        if FUNCTIONS.contains(&n.kind()) {
            fnodes.push(n);
        }
        for c in named(n) {
            stack.push((c, depth + 1));
        }
    }
    // Imports first, so every function sees them.
    let body = l.block_items(root, 0);
    for f in fnodes {
        functions.push(l.function(f));
    }
    functions.push(Function {
        name: "<module>".into(),
        body,
        loc: loc(root),
        ..Function::default()
    });
    Module {
        functions,
        imports: l.imports,
    }
}

/// `node:fs` → `fs`, `fs/promises` → `fs`.
fn module_name(m: &str) -> String {
    let m = m.strip_prefix("node:").unwrap_or(m);
    match m {
        "fs/promises" => "fs".into(),
        other => other.to_string(),
    }
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn function(&mut self, n: Node<'_>) -> Function {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let mut params = Vec::new();
        if let Some(p) = n.child_by_field_name("parameter") {
            params.push(Param {
                name: self.t(p).to_string(),
                ..Param::default()
            });
        }
        if let Some(ps) = n.child_by_field_name("parameters") {
            for p in named(ps) {
                let (pat, ty) = match p.kind() {
                    "required_parameter" | "optional_parameter" => (
                        p.child_by_field_name("pattern").unwrap_or(p),
                        p.child_by_field_name("type")
                            .map(|t| self.t(t).trim_start_matches(':').trim().to_string()),
                    ),
                    "assignment_pattern" => (p.child_by_field_name("left").unwrap_or(p), None),
                    _ => (p, None),
                };
                params.push(Param {
                    name: self.t(pat).to_string(),
                    ty,
                    annotations: Vec::new(),
                });
            }
        }
        let body = match n.child_by_field_name("body") {
            Some(b) if b.kind() == "statement_block" => self.block_items(b, 0),
            Some(e) => vec![Stmt::Return(Some(self.expr(e, 0)))],
            None => Vec::new(),
        };
        Function {
            name,
            params,
            decorators: Vec::new(),
            body,
            loc: loc(n),
        }
    }

    fn block_items(&mut self, n: Node<'_>, d: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        if d > MAX_DEPTH {
            return out;
        }
        for c in named(n) {
            self.stmt(c, d + 1, &mut out);
        }
        out
    }

    fn body_of(&mut self, n: Option<Node<'_>>, d: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        if let Some(b) = n {
            self.stmt(b, d, &mut out);
        }
        out
    }

    fn stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        if d > MAX_DEPTH {
            return;
        }
        match n.kind() {
            "expression_statement" => {
                for c in named(n) {
                    self.expr_stmt(c, d, out);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                for decl in named(n)
                    .into_iter()
                    .filter(|c| c.kind() == "variable_declarator")
                {
                    let (Some(name), Some(value)) = (
                        decl.child_by_field_name("name"),
                        decl.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    self.record_require(name, value);
                    let target = self.target(name, d);
                    let value = self.expr(value, d);
                    out.push(Stmt::Assign {
                        targets: vec![target],
                        value,
                        aug: false,
                        loc: loc(decl),
                    });
                }
            }
            "statement_block" | "class_body" | "program" => {
                out.push(Stmt::Block(self.block_items(n, d)))
            }
            "class_declaration" | "abstract_class_declaration" | "class" => {}
            "if_statement" => {
                let cond = n
                    .child_by_field_name("condition")
                    .map_or(Expr::Lit("?".into(), loc(n)), |c| self.expr(c, d));
                let then = self.body_of(n.child_by_field_name("consequence"), d);
                let els = match n.child_by_field_name("alternative") {
                    Some(alt) => {
                        let inner = named(alt).into_iter().next();
                        self.body_of(inner, d)
                    }
                    None => Vec::new(),
                };
                out.push(Stmt::If { cond, then, els });
            }
            "for_statement" => {
                let mut pre = Vec::new();
                if let Some(i) = n.child_by_field_name("initializer") {
                    self.stmt(i, d, &mut pre);
                }
                out.extend(pre);
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::Loop {
                    vars: Vec::new(),
                    iter: None,
                    body,
                });
            }
            "for_in_statement" => {
                let vars = n
                    .child_by_field_name("left")
                    .map(|l| vec![self.target(l, d)])
                    .unwrap_or_default();
                let iter = n.child_by_field_name("right").map(|r| self.expr(r, d));
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::Loop { vars, iter, body });
            }
            "while_statement" | "do_statement" => {
                if let Some(c) = n.child_by_field_name("condition") {
                    out.push(Stmt::Expr(self.expr(c, d)));
                }
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::Loop {
                    vars: Vec::new(),
                    iter: None,
                    body,
                });
            }
            "try_statement" => {
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::Block(body));
                if let Some(h) = n.child_by_field_name("handler") {
                    let then = self.body_of(h.child_by_field_name("body"), d);
                    out.push(Stmt::If {
                        cond: Expr::Lit("catch".into(), loc(h)),
                        then,
                        els: Vec::new(),
                    });
                }
                if let Some(f) = n.child_by_field_name("finalizer") {
                    let body = self.body_of(f.child_by_field_name("body"), d);
                    out.push(Stmt::Block(body));
                }
            }
            "switch_statement" => {
                if let Some(v) = n.child_by_field_name("value") {
                    out.push(Stmt::Expr(self.expr(v, d)));
                }
                if let Some(body) = n.child_by_field_name("body") {
                    for case in named(body) {
                        let mut then = Vec::new();
                        for s in named(case) {
                            if Some(s) != case.child_by_field_name("value") {
                                self.stmt(s, d + 1, &mut then);
                            }
                        }
                        out.push(Stmt::If {
                            cond: Expr::Lit("case".into(), loc(case)),
                            then,
                            els: Vec::new(),
                        });
                    }
                }
            }
            "return_statement" => {
                out.push(Stmt::Return(named(n).first().map(|e| self.expr(*e, d))))
            }
            "throw_statement" => out.push(Stmt::Throw),
            "break_statement" | "continue_statement" => out.push(Stmt::Jump),
            "export_statement" => {
                if let Some(decl) = n.child_by_field_name("declaration") {
                    self.stmt(decl, d, out);
                } else if let Some(v) = n.child_by_field_name("value") {
                    out.push(Stmt::Expr(self.expr(v, d)));
                }
            }
            "import_statement" => self.import(n),
            "labeled_statement" => {
                if let Some(b) = n.child_by_field_name("body") {
                    self.stmt(b, d, out);
                }
            }
            k if FUNCTIONS.contains(&k) => {}
            "internal_module" | "module" => {
                if let Some(b) = n.child_by_field_name("body") {
                    out.push(Stmt::Block(self.block_items(b, d)));
                }
            }
            _ => {}
        }
    }

    fn expr_stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        match n.kind() {
            "assignment_expression" | "augmented_assignment_expression" => {
                let aug = n.kind() == "augmented_assignment_expression";
                let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) else {
                    return;
                };
                self.record_require(l, r);
                let mut targets = vec![self.target(l, d)];
                let mut value = r;
                while value.kind() == "assignment_expression" {
                    if let Some(l2) = value.child_by_field_name("left") {
                        targets.push(self.target(l2, d));
                    }
                    match value.child_by_field_name("right") {
                        Some(r2) => value = r2,
                        None => return,
                    }
                }
                let value = self.expr(value, d);
                out.push(Stmt::Assign {
                    targets,
                    value,
                    aug,
                    loc: loc(n),
                });
            }
            "sequence_expression" => {
                for c in named(n) {
                    self.expr_stmt(c, d, out);
                }
            }
            _ => out.push(Stmt::Expr(self.expr(n, d))),
        }
    }

    /// An assignment target: names, members, and destructuring patterns.
    fn target(&mut self, n: Node<'_>, d: usize) -> Expr {
        match n.kind() {
            "object_pattern" | "array_pattern" => {
                let mut items = Vec::new();
                for c in named(n) {
                    let inner = match c.kind() {
                        "pair_pattern" => c.child_by_field_name("value").unwrap_or(c),
                        "object_assignment_pattern" | "assignment_pattern" => {
                            c.child_by_field_name("left").unwrap_or(c)
                        }
                        "rest_pattern" => named(c).first().copied().unwrap_or(c),
                        _ => c,
                    };
                    items.push(self.target(inner, d));
                }
                Expr::Seq(items, loc(n))
            }
            "shorthand_property_identifier_pattern" | "identifier" => {
                Expr::Name(self.t(n).to_string(), loc(n))
            }
            _ => self.expr(n, d),
        }
    }

    /// `const fs = require('fs')`, `const { exec } = require('child_process')`,
    /// `const fsp = require('fs').promises`.
    fn record_require(&mut self, name: Node<'_>, value: Node<'_>) {
        let mut v = value;
        let mut suffix = String::new();
        while v.kind() == "member_expression" {
            if let (Some(o), Some(p)) = (
                v.child_by_field_name("object"),
                v.child_by_field_name("property"),
            ) {
                suffix = format!(".{}{suffix}", self.t(p));
                v = o;
            } else {
                return;
            }
        }
        if v.kind() != "call_expression" {
            return;
        }
        let is_require = v
            .child_by_field_name("function")
            .is_some_and(|f| self.t(f) == "require");
        let Some(arg) = v
            .child_by_field_name("arguments")
            .and_then(|a| named(a).first().copied())
        else {
            return;
        };
        if !is_require || arg.kind() != "string" {
            return;
        }
        let module = module_name(&unquote(self.t(arg)));
        let module = if suffix == ".promises" {
            module
        } else {
            format!("{module}{suffix}")
        };
        match name.kind() {
            "identifier" => {
                self.imports.insert(self.t(name).to_string(), module);
            }
            "object_pattern" => {
                for c in named(name) {
                    match c.kind() {
                        "shorthand_property_identifier_pattern" => {
                            self.imports
                                .insert(self.t(c).to_string(), format!("{module}.{}", self.t(c)));
                        }
                        "pair_pattern" => {
                            if let (Some(k), Some(v)) =
                                (c.child_by_field_name("key"), c.child_by_field_name("value"))
                            {
                                self.imports.insert(
                                    self.t(v).to_string(),
                                    format!("{module}.{}", self.t(k)),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn import(&mut self, n: Node<'_>) {
        let Some(source) = n.child_by_field_name("source") else {
            return;
        };
        let module = module_name(&unquote(self.t(source)));
        let Some(clause) = named(n).into_iter().find(|c| c.kind() == "import_clause") else {
            return;
        };
        for c in named(clause) {
            match c.kind() {
                "identifier" => {
                    self.imports.insert(self.t(c).to_string(), module.clone());
                }
                "namespace_import" => {
                    if let Some(id) = named(c).first() {
                        self.imports.insert(self.t(*id).to_string(), module.clone());
                    }
                }
                "named_imports" => {
                    for spec in named(c)
                        .into_iter()
                        .filter(|s| s.kind() == "import_specifier")
                    {
                        let Some(name) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        let local = spec.child_by_field_name("alias").unwrap_or(name);
                        self.imports.insert(
                            self.t(local).to_string(),
                            format!("{module}.{}", self.t(name)),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn args(&mut self, n: Option<Node<'_>>, d: usize) -> Vec<Arg> {
        let Some(n) = n else { return Vec::new() };
        if n.kind() == "template_string" {
            return vec![Arg {
                name: None,
                value: self.expr(n, d),
            }];
        }
        named(n)
            .into_iter()
            .filter(|a| a.kind() != "comment")
            .map(|a| {
                let v = if a.kind() == "spread_element" {
                    named(a).first().copied().unwrap_or(a)
                } else {
                    a
                };
                Arg {
                    name: None,
                    value: self.expr(v, d),
                }
            })
            .collect()
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
            "identifier"
            | "property_identifier"
            | "shorthand_property_identifier"
            | "this"
            | "super" => Expr::Name(self.t(n).to_string(), l),
            "member_expression" => {
                let obj = field(self, "object");
                let prop = n
                    .child_by_field_name("property")
                    .map(|p| self.t(p).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), prop, l)
            }
            "subscript_expression" => {
                let obj = field(self, "object");
                let idx = field(self, "index");
                Expr::Index(Box::new(obj), Box::new(idx), l)
            }
            "call_expression" | "new_expression" => {
                let callee = if n.kind() == "new_expression" {
                    field(self, "constructor")
                } else {
                    field(self, "function")
                };
                let args = self.args(n.child_by_field_name("arguments"), d);
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    new: n.kind() == "new_expression",
                    loc: l,
                }))
            }
            "string" => Expr::Str {
                parts: Vec::new(),
                text: Some(unquote(self.t(n))),
                loc: l,
            },
            "template_string" => {
                let parts: Vec<Expr> = named(n)
                    .into_iter()
                    .filter(|c| c.kind() == "template_substitution")
                    .filter_map(|c| named(c).first().copied())
                    .map(|e| self.expr(e, d))
                    .collect();
                let text = parts.is_empty().then(|| unquote(self.t(n)));
                Expr::Str {
                    parts,
                    text,
                    loc: l,
                }
            }
            "regex" => Expr::Str {
                parts: Vec::new(),
                text: Some(self.t(n).to_string()),
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
                let a = field(self, "argument");
                if op == "!" {
                    Expr::Not(Box::new(a))
                } else {
                    Expr::Other(vec![a], l)
                }
            }
            "parenthesized_expression"
            | "await_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "type_assertion" => named(n)
                .into_iter()
                .find(|c| !c.kind().contains("type"))
                .map_or(Expr::Lit("()".into(), l), |x| self.expr(x, d)),
            "array" => Expr::Seq(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l),
            "object" => {
                let mut kv = Vec::new();
                for p in named(n) {
                    match p.kind() {
                        "pair" => {
                            let k = p
                                .child_by_field_name("key")
                                .map(|k| unquote(self.t(k)))
                                .unwrap_or_default();
                            let v = p
                                .child_by_field_name("value")
                                .map_or(Expr::Lit("?".into(), l), |v| self.expr(v, d));
                            kv.push((k, v));
                        }
                        "shorthand_property_identifier" => kv.push((
                            self.t(p).to_string(),
                            Expr::Name(self.t(p).to_string(), loc(p)),
                        )),
                        "spread_element" => {
                            if let Some(v) = named(p).first() {
                                kv.push(("...".into(), self.expr(*v, d)));
                            }
                        }
                        _ => {}
                    }
                }
                Expr::Object(kv, l)
            }
            "assignment_expression" | "augmented_assignment_expression" => field(self, "right"),
            "number" | "true" | "false" | "null" | "undefined" => {
                Expr::Lit(self.t(n).to_string(), l)
            }
            k if FUNCTIONS.contains(&k) || k == "class" => Expr::Lit("function".into(), l),
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
}
