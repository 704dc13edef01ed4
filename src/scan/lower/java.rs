//! Java → IR. Classes keep their fields (with types and constant initializers), supertypes
//! and methods; constructors are named `<init>`; lambdas and anonymous classes' methods are
//! functions of their own. Parameter and method annotations are kept (`@RequestParam`,
//! `@GetMapping`) for the handler rules, declared types for call resolution.

use tree_sitter::{Node, Tree};

use super::{FLAT_DEPTH, MAX_DEPTH, fields, loc, named, number, text, unquote};
use crate::scan::ir::{
    Arg, AssignOp, Call, Case, Catch, Class, ClassId, CmpOp, Expr, Field, FnId, FnKind, Function,
    Import, Lit, Module, Param, Stmt,
};

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
    for c in named(root) {
        l.top(c, 0);
    }
    l.m
}

/// `java.nio.file.Files`: lower-case package segments, then a class name.
fn is_qualified_class(t: &str) -> bool {
    let segs: Vec<&str> = t.split('.').collect();
    segs.len() >= 2
        && segs[..segs.len() - 1]
            .iter()
            .all(|s| s.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        && segs[segs.len() - 1]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
}

/// `java.io.File` / `List<String>` / `final String` → `File` / `List` / `String`.
pub fn simple_type(t: &str) -> String {
    let t = t.split('<').next().unwrap_or(t);
    let t = t.trim_end_matches("[]").trim_end_matches("...");
    t.rsplit('.')
        .next()
        .unwrap_or(t)
        .split_whitespace()
        .last()
        .unwrap_or("")
        .to_string()
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn top(&mut self, n: Node<'_>, d: usize) {
        match n.kind() {
            "package_declaration" => {
                self.m.package = named(n).first().map(|p| self.t(*p).to_string());
            }
            "import_declaration" => {
                let t = self.t(n);
                let body = t
                    .trim_start_matches("import")
                    .trim()
                    .trim_start_matches("static")
                    .trim()
                    .trim_end_matches(';')
                    .trim();
                if let Some(pkg) = body.strip_suffix(".*") {
                    self.m.imports.push(Import {
                        local: "*".into(),
                        path: pkg.to_string(),
                    });
                } else if let Some((_, last)) = body.rsplit_once('.') {
                    self.m.imports.push(Import {
                        local: last.to_string(),
                        path: body.to_string(),
                    });
                }
            }
            k if is_type_decl(k) => {
                self.class(n, d, None);
            }
            _ => {}
        }
    }

    fn modifiers(&self, n: Node<'_>) -> (Vec<String>, bool, bool) {
        let mut annotations = Vec::new();
        let (mut is_static, mut is_abstract) = (false, false);
        for m in named(n).into_iter().filter(|c| c.kind() == "modifiers") {
            for c in super::all(m) {
                if c.kind().ends_with("annotation") {
                    annotations.push(self.t(c).to_string());
                }
                match self.t(c) {
                    "static" => is_static = true,
                    "abstract" => is_abstract = true,
                    _ => {}
                }
            }
        }
        (annotations, is_static, is_abstract)
    }

    /// A class, interface, enum or record; `supers_extra` names the type an anonymous class
    /// extends.
    fn class(&mut self, n: Node<'_>, d: usize, anon_of: Option<String>) -> ClassId {
        let name = match &anon_of {
            Some(base) => format!("{base}$anon"),
            None => n
                .child_by_field_name("name")
                .map(|x| self.t(x).to_string())
                .unwrap_or_default(),
        };
        let mut supers: Vec<String> = anon_of.into_iter().collect();
        if let Some(s) = n.child_by_field_name("superclass") {
            supers.extend(named(s).into_iter().map(|t| simple_type(self.t(t))));
        }
        for field in ["interfaces", "extends"] {
            if let Some(list) = n.child_by_field_name(field) {
                for tl in named(list) {
                    if tl.kind() == "type_list" {
                        supers.extend(named(tl).into_iter().map(|t| simple_type(self.t(t))));
                    } else {
                        supers.push(simple_type(self.t(tl)));
                    }
                }
            }
        }
        // tree-sitter-java writes an interface's parents as `extends_interfaces`.
        for c in named(n) {
            if c.kind() == "extends_interfaces" || c.kind() == "super_interfaces" {
                for tl in named(c) {
                    supers.extend(named(tl).into_iter().map(|t| simple_type(self.t(t))));
                }
            }
        }
        supers.dedup();
        let (_, _, is_abstract) = self.modifiers(n);
        let id = self.m.classes.len();
        self.m.classes.push(Class {
            name,
            supers,
            is_interface: n.kind() == "interface_declaration",
            is_abstract,
            outer: self.class,
            loc: loc(n),
            ..Class::default()
        });
        let saved = self.class.replace(id);
        let body = if n.kind() == "class_body" {
            Some(n)
        } else {
            n.child_by_field_name("body")
        };
        if let Some(body) = body {
            for m in named(body) {
                self.member(m, d + 1, id);
            }
            // An enum's body holds its constants and then a declarations block.
            for decls in named(body)
                .into_iter()
                .filter(|c| c.kind() == "enum_body_declarations")
            {
                for m in named(decls) {
                    self.member(m, d + 1, id);
                }
            }
        }
        self.class = saved;
        id
    }

    fn member(&mut self, m: Node<'_>, d: usize, class: ClassId) {
        match m.kind() {
            "field_declaration" | "constant_declaration" => {
                let (_, is_static, _) = self.modifiers(m);
                let interface = self.m.classes[class].is_interface;
                let is_static = is_static || interface;
                let is_final = interface
                    || named(m)
                        .into_iter()
                        .filter(|c| c.kind() == "modifiers")
                        .any(|ms| super::all(ms).iter().any(|c| self.t(*c) == "final"));
                let ty = m
                    .child_by_field_name("type")
                    .map(|t| simple_type(self.t(t)));
                for decl in fields(m, "declarator") {
                    let name = decl
                        .child_by_field_name("name")
                        .map(|x| self.t(x).to_string())
                        .unwrap_or_default();
                    let value = decl.child_by_field_name("value").map(|v| self.expr(v, d));
                    self.m.classes[class].fields.push(Field {
                        name,
                        ty: ty.clone(),
                        is_static,
                        is_final,
                        value,
                    });
                }
            }
            "method_declaration"
            | "constructor_declaration"
            | "compact_constructor_declaration" => {
                let f = self.method(m, d, class);
                self.m.classes[class].methods.push(f);
            }
            "static_initializer" | "block" => {
                // Initializer blocks: a method run with the class (fields they set are read
                // by other methods through the class's summary).
                let id = self.m.functions.len();
                self.m.functions.push(Function {
                    name: "<clinit>".into(),
                    kind: FnKind::Method,
                    class: Some(class),
                    is_static: m.kind() == "static_initializer",
                    loc: loc(m),
                    receiver: Some("this".into()),
                    ..Function::default()
                });
                let saved = std::mem::replace(&mut self.cur, id);
                let b = named(m)
                    .into_iter()
                    .find(|c| c.kind() == "block")
                    .unwrap_or(m);
                let body = self.block(b, d);
                self.cur = saved;
                self.m.functions[id].body = body;
                self.m.classes[class].methods.push(id);
            }
            k if is_type_decl(k) => {
                self.class(m, d, None);
            }
            _ => {}
        }
    }

    fn params(&self, ps: Node<'_>) -> Vec<Param> {
        let mut params = Vec::new();
        if ps.kind() == "identifier" {
            params.push(Param {
                name: self.t(ps).to_string(),
                ..Param::default()
            });
            return params;
        }
        for p in named(ps) {
            match p.kind() {
                "formal_parameter" | "spread_parameter" => {
                    let pname = p
                        .child_by_field_name("name")
                        .or_else(|| {
                            named(p).into_iter().rev().find(|c| {
                                c.kind() == "identifier" || c.kind() == "variable_declarator"
                            })
                        })
                        .map(|x| {
                            let t = self.t(x);
                            t.split_whitespace().next().unwrap_or(t).to_string()
                        })
                        .unwrap_or_default();
                    let ty = p
                        .child_by_field_name("type")
                        .or_else(|| named(p).into_iter().find(|c| c.kind().contains("type")))
                        .map(|t| self.t(t).to_string());
                    let (annotations, _, _) = self.modifiers(p);
                    params.push(Param {
                        name: pname,
                        ty,
                        annotations,
                        rest: p.kind() == "spread_parameter",
                        default: None,
                    });
                }
                "identifier" => params.push(Param {
                    name: self.t(p).to_string(),
                    ..Param::default()
                }),
                _ => {}
            }
        }
        params
    }

    fn method(&mut self, n: Node<'_>, _d: usize, class: ClassId) -> FnId {
        let ctor = n.kind() != "method_declaration";
        let name = if ctor {
            "<init>".to_string()
        } else {
            n.child_by_field_name("name")
                .map(|x| self.t(x).to_string())
                .unwrap_or_default()
        };
        let params = n
            .child_by_field_name("parameters")
            .map(|ps| self.params(ps))
            .unwrap_or_default();
        let (decorators, is_static, _) = self.modifiers(n);
        let id = self.m.functions.len();
        self.m.functions.push(Function {
            name,
            kind: if ctor {
                FnKind::Constructor
            } else {
                FnKind::Method
            },
            class: Some(class),
            is_static,
            params,
            decorators,
            loc: loc(n),
            receiver: Some("this".into()),
            ..Function::default()
        });
        let saved = std::mem::replace(&mut self.cur, id);
        let body = match n.child_by_field_name("body") {
            Some(b) => self.block(b, 0),
            None => Vec::new(),
        };
        self.cur = saved;
        self.m.functions[id].body = body;
        id
    }

    fn lambda(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        let params = n
            .child_by_field_name("parameters")
            .map(|ps| match ps.kind() {
                "inferred_parameters" => named(ps)
                    .into_iter()
                    .map(|p| Param {
                        name: self.t(p).to_string(),
                        ..Param::default()
                    })
                    .collect(),
                _ => self.params(ps),
            })
            .unwrap_or_default();
        let id = self.m.functions.len();
        self.m.functions.push(Function {
            name: "<lambda>".into(),
            kind: FnKind::Lambda,
            class: self.class,
            params,
            loc: l,
            parent: Some(self.cur),
            ..Function::default()
        });
        let saved = std::mem::replace(&mut self.cur, id);
        let body = match n.child_by_field_name("body") {
            Some(b) if b.kind() == "block" => self.block(b, d),
            Some(e) => vec![Stmt::Return(Some(self.expr(e, d)), loc(e))],
            None => Vec::new(),
        };
        self.cur = saved;
        self.m.functions[id].body = body;
        Expr::Lambda(id, l)
    }

    fn block(&mut self, n: Node<'_>, d: usize) -> Vec<Stmt> {
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
            if b.kind() == "block" {
                return self.block(b, d);
            }
            self.stmt(b, d, &mut out);
        }
        out
    }

    fn local(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        let ty = n
            .child_by_field_name("type")
            .map(|t| self.t(t).to_string())
            .filter(|t| t != "var");
        for decl in fields(n, "declarator") {
            let Some(name) = decl.child_by_field_name("name") else {
                continue;
            };
            let value = decl.child_by_field_name("value").map(|v| self.expr(v, d));
            let name = self.t(name).to_string();
            let l = loc(decl);
            match (&ty, value) {
                (Some(ty), value) => out.push(Stmt::Decl {
                    name,
                    ty: ty.clone(),
                    value: value.or(Some(Expr::Lit(Lit::Null, l))),
                    loc: l,
                }),
                // `var x = …`: a local, its type the value's.
                (None, Some(value)) => out.push(Stmt::Decl {
                    name,
                    ty: "var".into(),
                    value: Some(value),
                    loc: l,
                }),
                (None, None) => {}
            }
        }
    }

    fn stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        if d > MAX_DEPTH {
            self.m.truncated = true;
            return;
        }
        match n.kind() {
            "local_variable_declaration" => self.local(n, d, out),
            "expression_statement" => {
                for c in named(n) {
                    self.expr_stmt(c, d, out);
                }
            }
            "explicit_constructor_invocation" => {
                let callee = named(n)
                    .into_iter()
                    .find(|c| matches!(c.kind(), "super" | "this"))
                    .map_or_else(
                        || Expr::Name("super".into(), loc(n)),
                        |c| Expr::Name(self.t(c).to_string(), loc(c)),
                    );
                let args = self.args(n.child_by_field_name("arguments"), d);
                out.push(Stmt::Expr(Expr::Call(Box::new(Call {
                    callee,
                    args,
                    new: false,
                    loc: loc(n),
                }))));
            }
            "block" => out.push(Stmt::Block(self.block(n, d))),
            "if_statement" => {
                let cond = n
                    .child_by_field_name("condition")
                    .map_or_else(|| Expr::unknown(loc(n)), |c| self.expr(c, d));
                let then = self.body_of(n.child_by_field_name("consequence"), d);
                let els = self.body_of(n.child_by_field_name("alternative"), d);
                out.push(Stmt::If { cond, then, els });
            }
            "for_statement" => self.for_loop(n, d, None, out),
            "enhanced_for_statement" => self.for_each(n, d, None, out),
            "while_statement" | "do_statement" => {
                let cond = n.child_by_field_name("condition").map(|c| self.expr(c, d));
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::While {
                    cond,
                    body,
                    update: Vec::new(),
                    do_while: n.kind() == "do_statement",
                    label: None,
                });
            }
            "try_statement" | "try_with_resources_statement" => {
                let mut body = Vec::new();
                if let Some(res) = n.child_by_field_name("resources") {
                    for r in named(res) {
                        match (
                            r.child_by_field_name("name"),
                            r.child_by_field_name("value"),
                        ) {
                            (Some(name), Some(value)) => {
                                let value = self.expr(value, d);
                                let l = loc(r);
                                let name = self.t(name).to_string();
                                match r.child_by_field_name("type") {
                                    Some(t) if self.t(t) != "var" => body.push(Stmt::Decl {
                                        name,
                                        ty: self.t(t).to_string(),
                                        value: Some(value),
                                        loc: l,
                                    }),
                                    _ => body.push(Stmt::Assign {
                                        target: Expr::Name(name, l),
                                        value,
                                        op: AssignOp::Set,
                                        loc: l,
                                    }),
                                }
                            }
                            _ => body.push(Stmt::Expr(self.expr(r, d))),
                        }
                    }
                }
                body.extend(self.body_of(n.child_by_field_name("body"), d));
                let mut catches = Vec::new();
                let mut finally = Vec::new();
                for c in named(n) {
                    match c.kind() {
                        "catch_clause" => {
                            let bind = named(c)
                                .into_iter()
                                .find(|x| x.kind() == "catch_formal_parameter")
                                .and_then(|p| p.child_by_field_name("name"))
                                .map(|x| self.t(x).to_string());
                            catches.push(Catch {
                                bind,
                                body: self.body_of(c.child_by_field_name("body"), d),
                            });
                        }
                        "finally_clause" => {
                            for b in named(c) {
                                finally.extend(self.body_of(Some(b), d));
                            }
                        }
                        _ => {}
                    }
                }
                out.push(Stmt::Try {
                    body,
                    catches,
                    orelse: Vec::new(),
                    finally,
                });
            }
            "switch_expression" | "switch_statement" => self.switch(n, d, None, out),
            "return_statement" => out.push(Stmt::Return(
                named(n).first().map(|e| self.expr(*e, d)),
                loc(n),
            )),
            "yield_statement" => out.push(Stmt::Expr(
                named(n)
                    .first()
                    .map_or_else(|| Expr::unknown(loc(n)), |e| self.expr(*e, d)),
            )),
            "throw_statement" => out.push(Stmt::Throw(named(n).first().map(|e| self.expr(*e, d)))),
            "break_statement" => out.push(Stmt::Break(
                named(n)
                    .into_iter()
                    .find(|c| c.kind() == "identifier")
                    .map(|c| self.t(c).to_string()),
            )),
            "continue_statement" => out.push(Stmt::Continue(
                named(n)
                    .into_iter()
                    .find(|c| c.kind() == "identifier")
                    .map(|c| self.t(c).to_string()),
            )),
            "labeled_statement" => {
                let parts = named(n);
                let label = parts
                    .iter()
                    .find(|c| c.kind() == "identifier")
                    .map(|c| self.t(*c).to_string())
                    .unwrap_or_default();
                let Some(body) = parts.iter().find(|c| c.kind() != "identifier").copied() else {
                    return;
                };
                match body.kind() {
                    "for_statement" => self.for_loop(body, d, Some(label), out),
                    "enhanced_for_statement" => self.for_each(body, d, Some(label), out),
                    "switch_expression" | "switch_statement" => {
                        self.switch(body, d, Some(label), out)
                    }
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
            "synchronized_statement" => {
                for c in named(n) {
                    if c.kind() == "block" {
                        out.push(Stmt::Block(self.block(c, d)));
                    }
                }
            }
            "assert_statement" => {
                if let Some(c) = named(n).first() {
                    let cond = self.expr(*c, d);
                    out.push(Stmt::If {
                        cond: Expr::Not(Box::new(cond)),
                        then: vec![Stmt::Throw(None)],
                        els: Vec::new(),
                    });
                }
            }
            k if is_type_decl(k) || k == "local_class_declaration" => {
                self.class(n, d, None);
            }
            _ => {}
        }
    }

    fn expr_stmt(&mut self, c: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        if c.kind() == "assignment_expression" {
            let op = assign_op(super::operator(c, self.src));
            let (Some(l), Some(r)) = (
                c.child_by_field_name("left"),
                c.child_by_field_name("right"),
            ) else {
                return;
            };
            let target = self.expr(l, d);
            let value = self.expr(r, d);
            out.push(Stmt::Assign {
                target,
                value,
                op,
                loc: loc(c),
            });
        } else {
            out.push(Stmt::Expr(self.expr(c, d)));
        }
    }

    fn for_loop(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        for i in fields(n, "init") {
            if i.kind() == "local_variable_declaration" {
                self.local(i, d, out);
            } else {
                self.expr_stmt(i, d, out);
            }
        }
        let cond = n.child_by_field_name("condition").map(|c| self.expr(c, d));
        let mut update = Vec::new();
        for u in fields(n, "update") {
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

    fn for_each(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        let name = n
            .child_by_field_name("name")
            .map(|v| self.t(v).to_string())
            .unwrap_or_default();
        let l = loc(n);
        let iter = n
            .child_by_field_name("value")
            .map_or_else(|| Expr::unknown(l), |v| self.expr(v, d));
        let mut body = Vec::new();
        if let Some(t) = n.child_by_field_name("type").map(|t| self.t(t).to_string())
            && t != "var"
        {
            body.push(Stmt::Decl {
                name: name.clone(),
                ty: t,
                value: None,
                loc: l,
            });
        }
        body.extend(self.body_of(n.child_by_field_name("body"), d));
        out.push(Stmt::ForEach {
            target: Expr::Name(name, l),
            keys: false,
            iter,
            body,
            orelse: Vec::new(),
            label,
        });
    }

    fn switch(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        let subject = n
            .child_by_field_name("condition")
            .map_or_else(|| Expr::unknown(loc(n)), |c| self.expr(c, d));
        let mut cases = Vec::new();
        let mut arrows = false;
        if let Some(body) = n.child_by_field_name("body") {
            for group in named(body) {
                arrows |= group.kind() == "switch_rule";
                let mut tests = Vec::new();
                let mut default = false;
                let mut stmts = Vec::new();
                for s in named(group) {
                    if s.kind() == "switch_label" {
                        let vals = named(s);
                        if vals.is_empty() {
                            default = true;
                        }
                        for v in vals {
                            tests.push(self.expr(v, d));
                        }
                    } else {
                        self.stmt(s, d + 1, &mut stmts);
                    }
                }
                if default {
                    tests.clear();
                }
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
            fallthrough: !arrows,
            label,
        });
    }

    fn args(&mut self, n: Option<Node<'_>>, d: usize) -> Vec<Arg> {
        n.map(named)
            .unwrap_or_default()
            .into_iter()
            .map(|a| Arg::positional(self.expr(a, d)))
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
            "identifier" | "this" | "super" | "type_identifier" => {
                Expr::Name(self.t(n).to_string(), l)
            }
            "scoped_identifier" | "scoped_type_identifier" if is_qualified_class(self.t(n)) => {
                Expr::Name(simple_type(self.t(n)), l)
            }
            "scoped_identifier" | "scoped_type_identifier" => Expr::Name(self.t(n).to_string(), l),
            // `java.nio.file.Files` names the class `Files`.
            "field_access" if is_qualified_class(self.t(n)) => {
                Expr::Name(simple_type(self.t(n)), l)
            }
            "field_access" => {
                let obj = sub(self, "object");
                let f = n
                    .child_by_field_name("field")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), f, l)
            }
            "array_access" => {
                let a = sub(self, "array");
                let i = sub(self, "index");
                Expr::Index(Box::new(a), Box::new(i), l)
            }
            "method_invocation" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                let callee = match n.child_by_field_name("object") {
                    Some(o) => Expr::Attr(Box::new(self.expr(o, d)), name, l),
                    None => Expr::Name(name, l),
                };
                let args = self.args(n.child_by_field_name("arguments"), d);
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    new: false,
                    loc: l,
                }))
            }
            "object_creation_expression" => {
                let ty = n
                    .child_by_field_name("type")
                    .map(|t| simple_type(self.t(t)))
                    .unwrap_or_default();
                let args = self.args(n.child_by_field_name("arguments"), d);
                // `new Base() { … }`: an anonymous subclass whose methods stand alone.
                let anon = named(n).into_iter().find(|c| c.kind() == "class_body");
                let ty = match anon {
                    Some(body) => {
                        let c = self.class(body, d, Some(ty.clone()));
                        self.m.classes[c].name.clone()
                    }
                    None => ty,
                };
                Expr::Call(Box::new(Call {
                    callee: Expr::Name(ty, l),
                    args,
                    new: true,
                    loc: l,
                }))
            }
            "string_literal" | "text_block" | "character_literal" => {
                let raw = self.t(n);
                let text = if n.kind() == "text_block" {
                    raw.trim_start_matches("\"\"\"")
                        .trim_end_matches("\"\"\"")
                        .to_string()
                } else {
                    unquote(raw)
                };
                Expr::Str {
                    parts: Vec::new(),
                    text: Some(text),
                    loc: l,
                }
            }
            "binary_expression" => {
                let op = super::operator(n, self.src);
                let a = sub(self, "left");
                let b = sub(self, "right");
                super::binary(op, a, b, l)
            }
            "unary_expression" => {
                let op = super::operator(n, self.src);
                let a = sub(self, "operand");
                match op {
                    "!" => Expr::Not(Box::new(a)),
                    "-" => Expr::Neg(Box::new(a), l),
                    "+" => a,
                    _ => Expr::Other(vec![a], l),
                }
            }
            "update_expression" => {
                Expr::Other(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l)
            }
            "ternary_expression" => {
                let c = sub(self, "condition");
                let a = sub(self, "consequence");
                let b = sub(self, "alternative");
                Expr::Cond(Box::new(c), Box::new(a), Box::new(b), l)
            }
            "parenthesized_expression" => named(n)
                .first()
                .map_or_else(|| Expr::unknown(l), |x| self.expr(*x, d)),
            "cast_expression" => {
                let ty = n
                    .child_by_field_name("type")
                    .map(|t| simple_type(self.t(t)))
                    .unwrap_or_default();
                let v = sub(self, "value");
                Expr::Cast(ty, Box::new(v), l)
            }
            "array_creation_expression" => match n.child_by_field_name("value") {
                Some(v) => self.expr(v, d),
                None => Expr::Other(Vec::new(), l),
            },
            "array_initializer" => {
                Expr::Seq(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l)
            }
            "assignment_expression" => {
                let op = assign_op(super::operator(n, self.src));
                let t = sub(self, "left");
                let v = sub(self, "right");
                Expr::Assign(Box::new(t), Box::new(v), op, l)
            }
            "instanceof_expression" => Expr::Compare(
                CmpOp::Other,
                Box::new(sub(self, "left")),
                Box::new(Expr::Lit(Lit::Other, l)),
                l,
            ),
            "decimal_integer_literal"
            | "hex_integer_literal"
            | "octal_integer_literal"
            | "binary_integer_literal"
            | "decimal_floating_point_literal"
            | "hex_floating_point_literal" => Expr::Lit(number(self.t(n)), l),
            "true" => Expr::Lit(Lit::Bool(true), l),
            "false" => Expr::Lit(Lit::Bool(false), l),
            "null_literal" => Expr::Lit(Lit::Null, l),
            "lambda_expression" => self.lambda(n, d),
            "method_reference" | "class_literal" => Expr::Lit(Lit::Other, l),
            "switch_expression" => {
                // As a value: whatever one of its arms yields.
                let mut stmts = Vec::new();
                self.switch(n, d, None, &mut stmts);
                let mut vals = Vec::new();
                collect_values(&stmts, &mut vals);
                Expr::Other(vals, l)
            }
            _ => Expr::Other(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l),
        }
    }
}

/// The values a switch expression's arms produce (`case A -> v;`, `yield v;`).
fn collect_values(stmts: &[Stmt], out: &mut Vec<Expr>) {
    for s in stmts {
        match s {
            Stmt::Expr(e) => out.push(e.clone()),
            Stmt::Switch { cases, .. } => {
                for c in cases {
                    collect_values(&c.body, out);
                }
            }
            Stmt::Block(b) => collect_values(b, out),
            _ => {}
        }
    }
}

fn is_type_decl(k: &str) -> bool {
    matches!(
        k,
        "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration"
    )
}

fn assign_op(op: &str) -> AssignOp {
    match op {
        "=" | "" => AssignOp::Set,
        o => AssignOp::Update(super::bin_op(o.trim_end_matches('='))),
    }
}
