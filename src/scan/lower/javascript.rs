//! JavaScript and TypeScript (incl. JSX/TSX) → IR. Function literals are functions of their
//! own, analysed where they are written (a callback sees the variables it captures); named
//! top-level functions, classes and what the file exports are what other files can call.

use tree_sitter::{Node, Tree};

use super::{FLAT_DEPTH, MAX_DEPTH, all, loc, named, number, text, unquote};
use crate::scan::ir::{
    Arg, AssignOp, Call, Case, Catch, Class, ClassId, Expr, Field, FnId, FnKind, Function, Import,
    Lit, Module, Param, Stmt,
};

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
    m: Module,
    cur: FnId,
    class: Option<ClassId>,
}

pub fn lower(tree: &Tree, src: &str) -> Module {
    let root = tree.root_node();
    let mut l = Lower {
        src,
        m: Module::default(),
        cur: 0,
        class: None,
    };
    l.m.functions.push(Function {
        name: "<module>".into(),
        kind: FnKind::Module,
        loc: loc(root),
        ..Function::default()
    });
    let body = l.items(root, 0);
    l.m.functions[0].body = body;
    l.m
}

/// `node:fs` → `fs`, `fs/promises` → `fs`; a relative or absolute file specifier is written
/// `<./lib/util>` so that its dots and slashes are not read as members.
pub fn module_name(m: &str) -> String {
    let m = m.strip_prefix("node:").unwrap_or(m);
    if m.starts_with('.') || m.starts_with('/') {
        return format!("<{m}>");
    }
    match m {
        "fs/promises" => "fs".into(),
        "child_process" | "node:child_process" => "child_process".into(),
        other => other.replace('/', "."),
    }
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn items(&mut self, n: Node<'_>, d: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        if d > MAX_DEPTH {
            self.m.truncated = true;
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
            if b.kind() == "statement_block" {
                return self.items(b, d);
            }
            self.stmt(b, d, &mut out);
        }
        out
    }

    fn cond(&mut self, n: Node<'_>, d: usize) -> Expr {
        n.child_by_field_name("condition")
            .map_or_else(|| Expr::unknown(loc(n)), |c| self.expr(c, d))
    }

    fn stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        if d > MAX_DEPTH {
            self.m.truncated = true;
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
                    self.declarator(decl, d, out);
                }
            }
            "statement_block" => out.push(Stmt::Block(self.items(n, d))),
            "function_declaration" | "generator_function_declaration" => {
                let id = self.function(n, d, None);
                let name = self.m.functions[id].name.clone();
                out.push(Stmt::FuncDef(name, id));
            }
            "class_declaration" | "abstract_class_declaration" => {
                self.class(n, d);
            }
            "if_statement" => {
                let cond = self.cond(n, d);
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
            "for_statement" => self.for_loop(n, d, None, out),
            "for_in_statement" => self.for_in(n, d, None, out),
            "while_statement" => {
                let cond = Some(self.cond(n, d));
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::While {
                    cond,
                    body,
                    update: Vec::new(),
                    do_while: false,
                    label: None,
                });
            }
            "do_statement" => {
                let cond = Some(self.cond(n, d));
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::While {
                    cond,
                    body,
                    update: Vec::new(),
                    do_while: true,
                    label: None,
                });
            }
            "try_statement" => {
                let body = self.body_of(n.child_by_field_name("body"), d);
                let mut catches = Vec::new();
                if let Some(h) = n.child_by_field_name("handler") {
                    let bind = h
                        .child_by_field_name("parameter")
                        .filter(|p| p.kind() == "identifier")
                        .map(|p| self.t(p).to_string());
                    catches.push(Catch {
                        bind,
                        body: self.body_of(h.child_by_field_name("body"), d),
                    });
                }
                let finally = n
                    .child_by_field_name("finalizer")
                    .map(|f| self.body_of(f.child_by_field_name("body"), d))
                    .unwrap_or_default();
                out.push(Stmt::Try {
                    body,
                    catches,
                    orelse: Vec::new(),
                    finally,
                });
            }
            "switch_statement" => self.switch(n, d, None, out),
            "return_statement" => out.push(Stmt::Return(
                named(n).first().map(|e| self.expr(*e, d)),
                loc(n),
            )),
            "throw_statement" => out.push(Stmt::Throw(named(n).first().map(|e| self.expr(*e, d)))),
            "break_statement" => out.push(Stmt::Break(
                n.child_by_field_name("label")
                    .map(|l| self.t(l).to_string()),
            )),
            "continue_statement" => out.push(Stmt::Continue(
                n.child_by_field_name("label")
                    .map(|l| self.t(l).to_string()),
            )),
            "labeled_statement" => {
                let label = n
                    .child_by_field_name("label")
                    .map(|l| self.t(l).to_string())
                    .unwrap_or_default();
                let Some(body) = n.child_by_field_name("body") else {
                    return;
                };
                match body.kind() {
                    "for_statement" => self.for_loop(body, d, Some(label), out),
                    "for_in_statement" => self.for_in(body, d, Some(label), out),
                    "switch_statement" => self.switch(body, d, Some(label), out),
                    "while_statement" | "do_statement" => {
                        let mut inner = Vec::new();
                        self.stmt(body, d, &mut inner);
                        for s in &mut inner {
                            if let Stmt::While { label: l, .. } = s {
                                *l = Some(label.clone());
                            }
                        }
                        out.extend(inner);
                    }
                    _ => {
                        let inner = self.body_of(Some(body), d);
                        out.push(Stmt::Labeled(label, inner));
                    }
                }
            }
            "export_statement" => self.export(n, d, out),
            "import_statement" => self.import(n),
            "internal_module" | "module" => {
                if let Some(b) = n.child_by_field_name("body") {
                    out.push(Stmt::Block(self.items(b, d)));
                }
            }
            "ambient_declaration" => {}
            _ => {}
        }
    }

    fn declarator(&mut self, decl: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        let Some(name) = decl.child_by_field_name("name") else {
            return;
        };
        let ty = decl
            .child_by_field_name("type")
            .map(|t| self.t(t).trim_start_matches(':').trim().to_string());
        let Some(value) = decl.child_by_field_name("value") else {
            if let (Some(ty), "identifier") = (ty, name.kind()) {
                out.push(Stmt::Decl {
                    name: self.t(name).to_string(),
                    ty,
                    value: None,
                    loc: loc(decl),
                });
            }
            return;
        };
        // `const fs = require('fs')` binds an import, not a variable.
        if self.record_require(name, value) {
            return;
        }
        let value_expr = self.named_value(name, value, d);
        match (ty, name.kind()) {
            (Some(ty), "identifier") => out.push(Stmt::Decl {
                name: self.t(name).to_string(),
                ty,
                value: Some(value_expr),
                loc: loc(decl),
            }),
            _ => {
                let target = self.target(name, d);
                out.push(Stmt::Assign {
                    target,
                    value: value_expr,
                    op: AssignOp::Set,
                    loc: loc(decl),
                });
            }
        }
    }

    /// A value bound to a name: a function literal bound at the top level is a named
    /// function other files may call (`export const handler = (req) => …`).
    fn named_value(&mut self, name: Node<'_>, value: Node<'_>, d: usize) -> Expr {
        if FUNCTIONS.contains(&value.kind()) && self.cur == 0 && name.kind() == "identifier" {
            let id = self.function(value, d, Some(self.t(name).to_string()));
            return Expr::Lambda(id, loc(value));
        }
        self.expr(value, d)
    }

    fn for_loop(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        if let Some(i) = n.child_by_field_name("initializer") {
            self.stmt(i, d, out);
        }
        let cond = n.child_by_field_name("condition").and_then(|c| {
            // The condition is an expression statement, or `;` alone.
            let e = if c.kind() == "expression_statement" {
                named(c).into_iter().next()?
            } else if c.kind() == "empty_statement" {
                return None;
            } else {
                c
            };
            Some(self.expr(e, d))
        });
        let mut update = Vec::new();
        for u in super::fields(n, "increment") {
            self.expr_stmt(u, d, &mut update);
        }
        let body = self.body_of(n.child_by_field_name("body"), d);
        out.push(Stmt::While {
            cond,
            body,
            update,
            do_while: false,
            label,
        });
    }

    fn for_in(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        let target = n
            .child_by_field_name("left")
            .map_or_else(|| Expr::unknown(loc(n)), |l| self.target(l, d));
        let iter = n
            .child_by_field_name("right")
            .map_or_else(|| Expr::unknown(loc(n)), |r| self.expr(r, d));
        let keys = n
            .child_by_field_name("operator")
            .is_some_and(|o| self.t(o) == "in");
        let body = self.body_of(n.child_by_field_name("body"), d);
        out.push(Stmt::ForEach {
            target,
            keys,
            iter,
            body,
            orelse: Vec::new(),
            label,
        });
    }

    fn switch(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        let subject = n
            .child_by_field_name("value")
            .map_or_else(|| Expr::unknown(loc(n)), |v| self.expr(v, d));
        let mut cases = Vec::new();
        if let Some(body) = n.child_by_field_name("body") {
            for case in named(body) {
                let value = case.child_by_field_name("value");
                let mut stmts = Vec::new();
                for s in named(case) {
                    if Some(s) != value {
                        self.stmt(s, d + 1, &mut stmts);
                    }
                }
                let tests = value.map(|v| vec![self.expr(v, d)]).unwrap_or_default();
                cases.push(Case {
                    tests,
                    binds: None,
                    guard: None,
                    body: stmts,
                });
            }
        }
        out.push(Stmt::Switch {
            subject,
            cases,
            fallthrough: true,
            label,
        });
    }

    fn export(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        if let Some(decl) = n.child_by_field_name("declaration") {
            self.stmt(decl, d, out);
            return;
        }
        // `export default <expr>`
        if let Some(v) = n.child_by_field_name("value") {
            if FUNCTIONS.contains(&v.kind()) {
                self.function(v, d, Some("default".into()));
                return;
            }
            if let Expr::Name(local, _) = self.expr(v, d) {
                self.m.exports.push(("default".into(), local));
            }
            return;
        }
        for clause in named(n).into_iter().filter(|c| c.kind() == "export_clause") {
            for spec in named(clause) {
                if let Some(name) = spec.child_by_field_name("name") {
                    let alias = spec.child_by_field_name("alias").unwrap_or(name);
                    self.m
                        .exports
                        .push((self.t(alias).to_string(), self.t(name).to_string()));
                }
            }
        }
        let _ = out;
    }

    fn expr_stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        match n.kind() {
            "assignment_expression" | "augmented_assignment_expression" => {
                let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) else {
                    return;
                };
                let op = if n.kind() == "augmented_assignment_expression" {
                    assign_op(super::operator(n, self.src))
                } else {
                    AssignOp::Set
                };
                if self.record_require(l, r) && l.kind() == "identifier" && self.cur == 0 {
                    return;
                }
                if self.cur == 0 && op == AssignOp::Set && self.exported(l, r, d) {
                    return;
                }
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
                for target in targets {
                    out.push(Stmt::Assign {
                        target,
                        value: value.clone(),
                        op,
                        loc: loc(n),
                    });
                }
            }
            "sequence_expression" => {
                for c in named(n) {
                    self.expr_stmt(c, d, out);
                }
            }
            _ => out.push(Stmt::Expr(self.expr(n, d))),
        }
    }

    /// `module.exports = …`, `exports.f = …`, `module.exports.f = …` at the top level: the
    /// functions exported become named functions; names exported are recorded.
    fn exported(&mut self, l: Node<'_>, r: Node<'_>, d: usize) -> bool {
        let lt = self.t(l);
        let member = lt
            .strip_prefix("module.exports.")
            .or_else(|| lt.strip_prefix("exports."));
        if let Some(name) = member {
            if FUNCTIONS.contains(&r.kind()) {
                self.function(r, d, Some(name.to_string()));
                return true;
            }
            if r.kind() == "identifier" {
                self.m
                    .exports
                    .push((name.to_string(), self.t(r).to_string()));
            }
            return false;
        }
        if lt != "module.exports" {
            return false;
        }
        match r.kind() {
            k if FUNCTIONS.contains(&k) => {
                self.function(r, d, Some("default".into()));
                true
            }
            "identifier" => {
                self.m
                    .exports
                    .push(("default".into(), self.t(r).to_string()));
                false
            }
            "object" => {
                for p in named(r) {
                    match p.kind() {
                        "pair" => {
                            let (Some(k), Some(v)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            let key = unquote(self.t(k));
                            if FUNCTIONS.contains(&v.kind()) {
                                self.function(v, d, Some(key));
                            } else if v.kind() == "identifier" {
                                self.m.exports.push((key, self.t(v).to_string()));
                            }
                        }
                        "shorthand_property_identifier" => {
                            let name = self.t(p).to_string();
                            self.m.exports.push((name.clone(), name));
                        }
                        "method_definition" => {
                            self.function(p, d, None);
                        }
                        _ => {}
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// An assignment target: names, members, and destructuring patterns (an object pattern
    /// is an `Object` of key → target, an array pattern a `Seq` of targets).
    fn target(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        match n.kind() {
            "object_pattern" => {
                let mut items = Vec::new();
                for c in named(n) {
                    match c.kind() {
                        "pair_pattern" => {
                            let key = c
                                .child_by_field_name("key")
                                .map(|k| unquote(self.t(k)))
                                .unwrap_or_default();
                            let value = c.child_by_field_name("value").unwrap_or(c);
                            let value = match value.kind() {
                                "assignment_pattern" => {
                                    value.child_by_field_name("left").unwrap_or(value)
                                }
                                _ => value,
                            };
                            items.push((key, self.target(value, d)));
                        }
                        "shorthand_property_identifier_pattern" => {
                            let name = self.t(c).to_string();
                            items.push((name.clone(), Expr::Name(name, loc(c))));
                        }
                        "object_assignment_pattern" => {
                            if let Some(left) = c.child_by_field_name("left") {
                                let name = self.t(left).to_string();
                                items.push((name.clone(), Expr::Name(name, loc(left))));
                            }
                        }
                        "rest_pattern" => {
                            if let Some(inner) = named(c).first() {
                                items.push(("...".into(), self.target(*inner, d)));
                            }
                        }
                        _ => {}
                    }
                }
                Expr::Object(items, l)
            }
            "array_pattern" => {
                let mut items = Vec::new();
                for c in named(n) {
                    let inner = match c.kind() {
                        "assignment_pattern" => c.child_by_field_name("left").unwrap_or(c),
                        // The rest of an array: conservatively the whole value.
                        "rest_pattern" => named(c).first().copied().unwrap_or(c),
                        _ => c,
                    };
                    items.push(self.target(inner, d));
                }
                Expr::Seq(items, l)
            }
            "shorthand_property_identifier_pattern" | "identifier" => {
                Expr::Name(self.t(n).to_string(), l)
            }
            _ => self.expr(n, d),
        }
    }

    /// `const fs = require('fs')`, `const { exec } = require('child_process')`,
    /// `const fsp = require('fs').promises`, `const u = require('./util')`.
    fn record_require(&mut self, name: Node<'_>, value: Node<'_>) -> bool {
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
                return false;
            }
        }
        while matches!(v.kind(), "await_expression" | "parenthesized_expression") {
            match named(v).into_iter().next() {
                Some(inner) => v = inner,
                None => return false,
            }
        }
        if v.kind() != "call_expression" {
            return false;
        }
        let callee = v.child_by_field_name("function").map(|f| self.t(f));
        if !matches!(callee, Some("require" | "import")) {
            return false;
        }
        let Some(arg) = v
            .child_by_field_name("arguments")
            .and_then(|a| named(a).first().copied())
        else {
            return false;
        };
        if arg.kind() != "string" {
            return false;
        }
        let module = module_name(&unquote(self.t(arg)));
        let module = if suffix == ".promises" {
            module
        } else {
            format!("{module}{suffix}")
        };
        match name.kind() {
            "identifier" => {
                self.m.imports.push(Import {
                    local: self.t(name).to_string(),
                    path: module,
                });
                true
            }
            "object_pattern" => {
                for c in named(name) {
                    match c.kind() {
                        "shorthand_property_identifier_pattern" => {
                            self.m.imports.push(Import {
                                local: self.t(c).to_string(),
                                path: format!("{module}.{}", self.t(c)),
                            });
                        }
                        "pair_pattern" => {
                            if let (Some(k), Some(v)) =
                                (c.child_by_field_name("key"), c.child_by_field_name("value"))
                            {
                                self.m.imports.push(Import {
                                    local: self.t(v).to_string(),
                                    path: format!("{module}.{}", self.t(k)),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                true
            }
            _ => false,
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
                    // A default import: a file's default export, or a library module itself.
                    let path = if module.starts_with('<') {
                        format!("{module}.default")
                    } else {
                        module.clone()
                    };
                    self.m.imports.push(Import {
                        local: self.t(c).to_string(),
                        path,
                    });
                }
                "namespace_import" => {
                    if let Some(id) = named(c).first() {
                        self.m.imports.push(Import {
                            local: self.t(*id).to_string(),
                            path: module.clone(),
                        });
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
                        self.m.imports.push(Import {
                            local: self.t(local).to_string(),
                            path: format!("{module}.{}", unquote(self.t(name))),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn class(&mut self, n: Node<'_>, d: usize) -> ClassId {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let mut supers = Vec::new();
        for h in named(n)
            .into_iter()
            .filter(|c| c.kind() == "class_heritage")
        {
            for clause in named(h) {
                match clause.kind() {
                    "extends_clause" | "implements_clause" => {
                        for t in named(clause) {
                            if !t.kind().contains("type_arguments") {
                                supers.push(self.t(t).to_string());
                            }
                        }
                    }
                    _ => supers.push(self.t(clause).to_string()),
                }
            }
        }
        let id = self.m.classes.len();
        self.m.classes.push(Class {
            name,
            supers,
            is_abstract: n.kind() == "abstract_class_declaration",
            outer: self.class,
            loc: loc(n),
            ..Class::default()
        });
        let saved = self.class.replace(id);
        if let Some(body) = n.child_by_field_name("body") {
            for m in named(body) {
                match m.kind() {
                    "method_definition" | "abstract_method_signature" => {
                        let f = self.function(m, d, None);
                        self.m.classes[id].methods.push(f);
                    }
                    "field_definition" | "public_field_definition" => {
                        let name = m
                            .child_by_field_name("property")
                            .or_else(|| m.child_by_field_name("name"))
                            .map(|p| self.t(p).to_string())
                            .unwrap_or_default();
                        let is_static = all(m).iter().any(|c| self.t(*c) == "static");
                        let ty = m
                            .child_by_field_name("type")
                            .map(|t| self.t(t).trim_start_matches(':').trim().to_string());
                        let value = m.child_by_field_name("value").map(|v| self.expr(v, d));
                        self.m.classes[id].fields.push(Field {
                            name,
                            ty,
                            is_static,
                            is_final: false,
                            value,
                        });
                    }
                    _ => {}
                }
            }
        }
        self.class = saved;
        id
    }

    /// Lowers a function node into a new function; `name` overrides its own.
    fn function(&mut self, n: Node<'_>, d: usize, name: Option<String>) -> FnId {
        let own = n
            .child_by_field_name("name")
            .map(|x| unquote(self.t(x)))
            .unwrap_or_default();
        let is_method = n.kind() == "method_definition" || n.kind() == "abstract_method_signature";
        let in_class = is_method && self.class.is_some();
        let kind = if in_class && own == "constructor" {
            FnKind::Constructor
        } else if in_class {
            FnKind::Method
        } else if name.is_some() || n.kind().ends_with("declaration") {
            FnKind::Function
        } else {
            FnKind::Lambda
        };
        let is_static = is_method && all(n).iter().any(|c| self.t(*c) == "static");
        let mut params = Vec::new();
        // TypeScript parameter properties (`constructor(private readonly out: string)`):
        // each is also `this.out = out` at the start of the body.
        let mut properties: Vec<(String, crate::scan::ir::Loc)> = Vec::new();
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
                let rest = pat.kind() == "rest_pattern";
                let name = if rest {
                    named(pat)
                        .first()
                        .map(|x| self.t(*x).to_string())
                        .unwrap_or_default()
                } else {
                    self.t(pat).to_string()
                };
                if kind == FnKind::Constructor
                    && all(p)
                        .iter()
                        .any(|c| c.kind() == "accessibility_modifier" || self.t(*c) == "readonly")
                {
                    properties.push((name.clone(), loc(p)));
                }
                params.push(Param {
                    name,
                    ty,
                    rest,
                    ..Param::default()
                });
            }
        }
        let id = self.m.functions.len();
        // Literals inside a function (callbacks) are analysed where they are written; named
        // functions at the top level and class methods stand alone.
        let standalone = kind != FnKind::Lambda && (self.cur == 0 || in_class);
        self.m.functions.push(Function {
            name: name.unwrap_or(own),
            kind,
            class: if in_class { self.class } else { None },
            is_static,
            params,
            loc: loc(n),
            parent: (!standalone).then_some(self.cur),
            receiver: in_class.then(|| "this".to_string()),
            ..Function::default()
        });
        let saved_cur = std::mem::replace(&mut self.cur, id);
        let saved_class = if in_class { None } else { self.class.take() };
        let mut body: Vec<Stmt> = properties
            .into_iter()
            .map(|(name, l)| Stmt::Assign {
                target: Expr::Attr(Box::new(Expr::Name("this".into(), l)), name.clone(), l),
                value: Expr::Name(name, l),
                op: AssignOp::Set,
                loc: l,
            })
            .collect();
        body.extend(match n.child_by_field_name("body") {
            Some(b) if b.kind() == "statement_block" => self.items(b, d),
            Some(e) => {
                let l = loc(e);
                vec![Stmt::Return(Some(self.expr(e, d)), l)]
            }
            None => Vec::new(),
        });
        if !in_class {
            self.class = saved_class;
        }
        self.cur = saved_cur;
        self.m.functions[id].body = body;
        id
    }

    fn args(&mut self, n: Option<Node<'_>>, d: usize) -> Vec<Arg> {
        let Some(n) = n else { return Vec::new() };
        if n.kind() == "template_string" {
            return vec![Arg::positional(self.expr(n, d))];
        }
        named(n)
            .into_iter()
            .map(|a| {
                if a.kind() == "spread_element" {
                    let v = named(a).first().copied().unwrap_or(a);
                    Arg {
                        name: None,
                        value: self.expr(v, d),
                        spread: true,
                    }
                } else {
                    Arg::positional(self.expr(a, d))
                }
            })
            .collect()
    }

    fn expr(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        if d > MAX_DEPTH {
            self.m.truncated = true;
            return super::flat(n, |x| self.expr(x, FLAT_DEPTH));
        }
        let d = d + 1;
        let sub = |s: &mut Self, f: &str| {
            n.child_by_field_name(f)
                .map_or_else(|| Expr::unknown(l), |x| s.expr(x, d))
        };
        match n.kind() {
            "identifier"
            | "property_identifier"
            | "shorthand_property_identifier"
            | "private_property_identifier"
            | "this"
            | "super" => Expr::Name(self.t(n).to_string(), l),
            "member_expression" => {
                let obj = sub(self, "object");
                let prop = n
                    .child_by_field_name("property")
                    .map(|p| self.t(p).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), prop, l)
            }
            "subscript_expression" => {
                let obj = sub(self, "object");
                let idx = sub(self, "index");
                // `o["k"]` is `o.k` in JavaScript.
                match idx.text() {
                    Some(k) if !k.is_empty() => Expr::Attr(Box::new(obj), k.to_string(), l),
                    _ => Expr::Index(Box::new(obj), Box::new(idx), l),
                }
            }
            "call_expression" | "new_expression" => {
                let new = n.kind() == "new_expression";
                let callee = if new {
                    sub(self, "constructor")
                } else {
                    sub(self, "function")
                };
                let args = self.args(n.child_by_field_name("arguments"), d);
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    new,
                    loc: l,
                }))
            }
            "string" => Expr::Str {
                parts: Vec::new(),
                text: Some(unquote(self.t(n))),
                loc: l,
            },
            "template_string" => {
                let kids = named(n);
                let interpolated = kids.iter().any(|c| c.kind() == "template_substitution");
                // Its literal pieces and its expressions, in order.
                let parts: Vec<Expr> = if interpolated {
                    kids.into_iter()
                        .filter_map(|c| match c.kind() {
                            "template_substitution" => {
                                named(c).first().copied().map(|e| self.expr(e, d))
                            }
                            "string_fragment" => Some(Expr::Str {
                                parts: Vec::new(),
                                text: Some(self.t(c).to_string()),
                                loc: loc(c),
                            }),
                            _ => None,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
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
                let a = sub(self, "left");
                let b = sub(self, "right");
                super::binary(op, a, b, l)
            }
            "unary_expression" => {
                let op = super::operator(n, self.src);
                let a = sub(self, "argument");
                match op {
                    "!" => Expr::Not(Box::new(a)),
                    "-" => Expr::Neg(Box::new(a), l),
                    "+" => a,
                    // `typeof x`, `void x`, `delete x`, `~x`.
                    _ => Expr::Other(vec![], l),
                }
            }
            "update_expression" => Expr::Other(vec![sub(self, "argument")], l),
            "ternary_expression" => {
                let c = sub(self, "condition");
                let a = sub(self, "consequence");
                let b = sub(self, "alternative");
                Expr::Cond(Box::new(c), Box::new(a), Box::new(b), l)
            }
            "parenthesized_expression" | "await_expression" | "non_null_expression" => named(n)
                .into_iter()
                .find(|c| !c.kind().contains("type"))
                .map_or_else(|| Expr::unknown(l), |x| self.expr(x, d)),
            "as_expression" | "satisfies_expression" | "type_assertion" => {
                let parts = named(n);
                let value = parts.iter().find(|c| !c.kind().contains("type")).copied();
                let ty = parts
                    .iter()
                    .find(|c| c.kind().contains("type"))
                    .map(|t| self.t(*t).to_string());
                let v = value.map_or_else(|| Expr::unknown(l), |x| self.expr(x, d));
                match ty {
                    Some(t) if n.kind() != "satisfies_expression" => Expr::Cast(t, Box::new(v), l),
                    _ => v,
                }
            }
            "array" => {
                let items = named(n);
                if items.iter().any(|i| i.kind() == "spread_element") {
                    return Expr::Other(items.iter().map(|x| self.expr(*x, d)).collect(), l);
                }
                Expr::Seq(items.iter().map(|x| self.expr(*x, d)).collect(), l)
            }
            "spread_element" => named(n)
                .first()
                .map_or_else(|| Expr::unknown(l), |x| self.expr(*x, d)),
            "object" => {
                let mut kv = Vec::new();
                for p in named(n) {
                    match p.kind() {
                        "pair" => {
                            let key = p.child_by_field_name("key");
                            let k = key.map(|k| unquote(self.t(k))).unwrap_or_default();
                            let k = match key.map(|k| k.kind()) {
                                // `{[expr]: v}`: a key qgate cannot name.
                                Some("computed_property_name") => "[]".to_string(),
                                _ => k,
                            };
                            let v = p
                                .child_by_field_name("value")
                                .map_or_else(|| Expr::unknown(l), |v| self.expr(v, d));
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
                        "method_definition" => {
                            let k = p
                                .child_by_field_name("name")
                                .map(|x| unquote(self.t(x)))
                                .unwrap_or_default();
                            let f = self.function(p, d, None);
                            kv.push((k, Expr::Lambda(f, loc(p))));
                        }
                        _ => {}
                    }
                }
                Expr::Object(kv, l)
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                let op = if n.kind() == "augmented_assignment_expression" {
                    assign_op(super::operator(n, self.src))
                } else {
                    AssignOp::Set
                };
                let target = n
                    .child_by_field_name("left")
                    .map_or_else(|| Expr::unknown(l), |x| self.target(x, d));
                let value = sub(self, "right");
                Expr::Assign(Box::new(target), Box::new(value), op, l)
            }
            "sequence_expression" => {
                let parts: Vec<Expr> = named(n).into_iter().map(|x| self.expr(x, d)).collect();
                // The value of `(a, b)` is `b`; the others still run.
                Expr::Other(parts.into_iter().last().into_iter().collect(), l)
            }
            "number" => Expr::Lit(number(self.t(n)), l),
            "true" => Expr::Lit(Lit::Bool(true), l),
            "false" => Expr::Lit(Lit::Bool(false), l),
            "null" | "undefined" => Expr::Lit(Lit::Null, l),
            k if FUNCTIONS.contains(&k) => {
                let id = self.function(n, d, None);
                Expr::Lambda(id, l)
            }
            "class" => {
                self.class(n, d);
                Expr::Lit(Lit::Other, l)
            }
            _ => Expr::Other(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l),
        }
    }
}

fn assign_op(op: &str) -> AssignOp {
    match op {
        "||=" => AssignOp::OrElse,
        "&&=" => AssignOp::AndThen,
        "??=" => AssignOp::IfNull,
        o => AssignOp::Update(super::bin_op(o.trim_end_matches('='))),
    }
}
