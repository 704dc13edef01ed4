//! Python → IR.

use tree_sitter::{Node, Tree};

use super::{FLAT_DEPTH, MAX_DEPTH, all, fields, loc, named, number, text, unquote};
use crate::scan::ir::{
    Arg, AssignOp, BinOp, Call, Case, Catch, Class, ClassId, CmpOp, Expr, Field, FnId, FnKind,
    Function, Import, Lit, Module, Param, Stmt,
};

struct Lower<'s> {
    src: &'s str,
    m: Module,
    /// The function whose body is being lowered (lambdas and nested functions name it as
    /// their parent).
    cur: FnId,
}

pub fn lower(tree: &Tree, src: &str) -> Module {
    let root = tree.root_node();
    let mut l = Lower {
        src,
        m: Module::default(),
        cur: 0,
    };
    l.m.functions.push(Function {
        name: "<module>".into(),
        kind: FnKind::Module,
        loc: loc(root),
        ..Function::default()
    });
    let body = l.block(root, 0, None);
    l.m.functions[0].body = body;
    l.m
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    /// The statements of a block; `class` is the class whose body this is.
    fn block(&mut self, n: Node<'_>, d: usize, class: Option<ClassId>) -> Vec<Stmt> {
        let mut out = Vec::new();
        if d > MAX_DEPTH {
            self.m.truncated = true;
            return out;
        }
        for c in named(n) {
            self.stmt(c, d + 1, class, &mut out);
        }
        out
    }

    fn field_block(&mut self, n: Node<'_>, field: &str, d: usize) -> Vec<Stmt> {
        n.child_by_field_name(field)
            .map(|b| self.block(b, d, None))
            .unwrap_or_default()
    }

    /// The body of an `else:`/`finally:`/`except:` clause: its block child.
    fn clause_block(&mut self, n: Node<'_>, d: usize) -> Vec<Stmt> {
        if let Some(b) = n.child_by_field_name("body") {
            return self.block(b, d, None);
        }
        named(n)
            .into_iter()
            .filter(|x| x.kind() == "block")
            .flat_map(|b| self.block(b, d, None))
            .collect()
    }

    fn stmt(&mut self, n: Node<'_>, d: usize, class: Option<ClassId>, out: &mut Vec<Stmt>) {
        match n.kind() {
            "expression_statement" => {
                for c in named(n) {
                    match c.kind() {
                        "assignment" | "augmented_assignment" => self.assignment(c, d, class, out),
                        _ => out.push(Stmt::Expr(self.expr(c, d))),
                    }
                }
            }
            "function_definition" => self.def(n, Vec::new(), d, class, out),
            "decorated_definition" => {
                let decorators: Vec<String> = named(n)
                    .into_iter()
                    .filter(|c| c.kind() == "decorator")
                    .map(|c| self.t(c).to_string())
                    .collect();
                if let Some(def) = n.child_by_field_name("definition") {
                    match def.kind() {
                        "function_definition" => self.def(def, decorators, d, class, out),
                        _ => self.stmt(def, d, class, out),
                    }
                }
            }
            "class_definition" => self.class(n, d),
            "if_statement" => out.push(self.if_chain(n, d)),
            "for_statement" => {
                let target = n
                    .child_by_field_name("left")
                    .map_or_else(|| Expr::unknown(loc(n)), |l| self.expr(l, d));
                let iter = n
                    .child_by_field_name("right")
                    .map_or_else(|| Expr::unknown(loc(n)), |r| self.expr(r, d));
                let body = self.field_block(n, "body", d);
                let orelse = n
                    .child_by_field_name("alternative")
                    .map(|a| self.clause_block(a, d))
                    .unwrap_or_default();
                out.push(Stmt::ForEach {
                    target,
                    keys: false,
                    iter,
                    body,
                    orelse,
                    label: None,
                });
            }
            "while_statement" => {
                let cond = n.child_by_field_name("condition").map(|c| self.expr(c, d));
                let body = self.field_block(n, "body", d);
                let orelse = n
                    .child_by_field_name("alternative")
                    .map(|a| self.clause_block(a, d))
                    .unwrap_or_default();
                // `while …: … else: …` — the else runs when the test fails; as a loop
                // followed by the else on the exit edge of a break-free run, running it after
                // the loop is a sound approximation.
                out.push(Stmt::While {
                    cond,
                    body,
                    update: Vec::new(),
                    do_while: false,
                    label: None,
                });
                out.extend(orelse);
            }
            "try_statement" => {
                let body = self.field_block(n, "body", d);
                let mut catches = Vec::new();
                let mut orelse = Vec::new();
                let mut finally = Vec::new();
                for c in named(n) {
                    match c.kind() {
                        "except_clause" | "except_group_clause" => {
                            let bind = self.except_name(c);
                            catches.push(Catch {
                                bind,
                                body: self.clause_block(c, d),
                            });
                        }
                        "else_clause" => orelse = self.clause_block(c, d),
                        "finally_clause" => finally = self.clause_block(c, d),
                        _ => {}
                    }
                }
                out.push(Stmt::Try {
                    body,
                    catches,
                    orelse,
                    finally,
                });
            }
            "with_statement" => {
                for c in named(n) {
                    match c.kind() {
                        "with_clause" => {
                            for item in named(c) {
                                let Some(v) = item.child_by_field_name("value") else {
                                    continue;
                                };
                                self.with_item(v, d, out);
                            }
                        }
                        "block" => out.push(Stmt::Block(self.block(c, d, None))),
                        _ => {}
                    }
                }
            }
            "return_statement" => out.push(Stmt::Return(
                named(n).first().map(|e| self.expr(*e, d)),
                loc(n),
            )),
            "raise_statement" => out.push(Stmt::Throw(named(n).first().map(|e| self.expr(*e, d)))),
            "break_statement" => out.push(Stmt::Break(None)),
            "continue_statement" => out.push(Stmt::Continue(None)),
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
            "match_statement" => self.match_stmt(n, d, out),
            "import_statement" => {
                for c in named(n) {
                    // `import a.b` binds `a`.
                    if c.kind() == "dotted_name" {
                        let first = self.t(c).split('.').next().unwrap_or("").to_string();
                        if !first.is_empty() {
                            self.m.imports.push(Import {
                                local: first.clone(),
                                path: first,
                            });
                        }
                    }
                    if c.kind() == "aliased_import"
                        && let (Some(name), Some(alias)) = (
                            c.child_by_field_name("name"),
                            c.child_by_field_name("alias"),
                        )
                    {
                        self.m.imports.push(Import {
                            local: self.t(alias).to_string(),
                            path: self.t(name).to_string(),
                        });
                    }
                }
            }
            "import_from_statement" => self.import_from(n),
            "block" => out.push(Stmt::Block(self.block(n, d, class))),
            "delete_statement" => {
                // `del d["k"]` removes a key; as a use it is harmless.
            }
            _ => {}
        }
    }

    fn except_name(&self, c: Node<'_>) -> Option<String> {
        let kids = all(c);
        for (i, k) in kids.iter().enumerate() {
            if k.kind() == "as_pattern" {
                return k
                    .child_by_field_name("alias")
                    .map(|a| self.t(a).to_string());
            }
            if self.t(*k) == "as" {
                return kids.get(i + 1).map(|a| self.t(*a).to_string());
            }
        }
        None
    }

    fn with_item(&mut self, v: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        if v.kind() == "as_pattern" {
            let parts = named(v);
            let value = parts.first().map(|e| self.expr(*e, d));
            let alias = v
                .child_by_field_name("alias")
                .or_else(|| parts.get(1).copied());
            // `with open(p) as f`: the alias is an `as_pattern_target` around the name(s).
            let alias = alias.map(|a| {
                if a.kind() == "as_pattern_target" {
                    named(a).first().copied().unwrap_or(a)
                } else {
                    a
                }
            });
            if let (Some(value), Some(alias)) = (value, alias) {
                let target = self.expr(alias, d);
                out.push(Stmt::Assign {
                    target,
                    value,
                    op: AssignOp::Set,
                    loc: loc(v),
                });
            }
        } else {
            out.push(Stmt::Expr(self.expr(v, d)));
        }
    }

    fn match_stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        let subject = n
            .child_by_field_name("subject")
            .map_or_else(|| Expr::unknown(loc(n)), |s| self.expr(s, d));
        let mut cases = Vec::new();
        if let Some(body) = n.child_by_field_name("body") {
            for case in named(body)
                .into_iter()
                .filter(|c| c.kind() == "case_clause")
            {
                let mut tests = Vec::new();
                let mut binds = None;
                let mut always = false;
                for p in named(case)
                    .into_iter()
                    .filter(|c| c.kind() == "case_pattern")
                {
                    let inner = named(p).into_iter().next();
                    match inner {
                        None => always = true,
                        Some(x) => match x.kind() {
                            "string"
                            | "integer"
                            | "float"
                            | "true"
                            | "false"
                            | "none"
                            | "concatenated_string" => tests.push(self.expr(x, d)),
                            "dotted_name" if self.t(x) == "_" => always = true,
                            "dotted_name" if !self.t(x).contains('.') => {
                                always = true;
                                binds = Some(Expr::Name(self.t(x).to_string(), loc(x)));
                            }
                            "union_pattern" => {
                                for alt in named(x) {
                                    tests.push(self.expr(alt, d));
                                }
                            }
                            // Class, mapping and sequence patterns: they may match.
                            _ => tests.push(Expr::unknown(loc(x))),
                        },
                    }
                }
                if always {
                    tests.clear();
                }
                let guard = case
                    .child_by_field_name("guard")
                    .and_then(|g| named(g).first().copied())
                    .map(|g| self.expr(g, d));
                let body = self.field_block(case, "consequence", d);
                cases.push(Case {
                    tests,
                    binds,
                    guard,
                    body,
                });
            }
        }
        out.push(Stmt::Switch {
            subject,
            cases,
            fallthrough: false,
            label: None,
        });
    }

    fn import_from(&mut self, n: Node<'_>) {
        let module = n
            .child_by_field_name("module_name")
            .map(|m| self.t(m).to_string())
            .unwrap_or_default();
        for name in fields(n, "name") {
            let (full, local) = match name.kind() {
                "aliased_import" => (
                    name.child_by_field_name("name")
                        .map(|x| self.t(x))
                        .unwrap_or(""),
                    name.child_by_field_name("alias")
                        .map(|x| self.t(x))
                        .unwrap_or(""),
                ),
                _ => (self.t(name), self.t(name)),
            };
            if !full.is_empty() && !local.is_empty() {
                let path = if module.is_empty() {
                    full.to_string()
                } else if module.ends_with('.') {
                    format!("{module}{full}")
                } else {
                    format!("{module}.{full}")
                };
                self.m.imports.push(Import {
                    local: local.to_string(),
                    path,
                });
            }
        }
        if named(n).iter().any(|c| c.kind() == "wildcard_import") {
            self.m.imports.push(Import {
                local: "*".into(),
                path: module,
            });
        }
    }

    fn if_chain(&mut self, n: Node<'_>, d: usize) -> Stmt {
        let cond = n
            .child_by_field_name("condition")
            .map_or_else(|| Expr::unknown(loc(n)), |c| self.expr(c, d));
        let then = self.field_block(n, "consequence", d);
        let alts = fields(n, "alternative");
        let mut els: Vec<Stmt> = Vec::new();
        for alt in alts.iter().rev() {
            match alt.kind() {
                "else_clause" => els = self.clause_block(*alt, d),
                "elif_clause" => {
                    let cond = alt
                        .child_by_field_name("condition")
                        .map_or_else(|| Expr::unknown(loc(*alt)), |c| self.expr(c, d));
                    let then = self.field_block(*alt, "consequence", d);
                    els = vec![Stmt::If { cond, then, els }];
                }
                _ => {}
            }
        }
        Stmt::If { cond, then, els }
    }

    fn assignment(&mut self, n: Node<'_>, d: usize, class: Option<ClassId>, out: &mut Vec<Stmt>) {
        let op = if n.kind() == "augmented_assignment" {
            let o = super::operator(n, self.src);
            AssignOp::Update(super::bin_op(o.trim_end_matches('=')))
        } else {
            AssignOp::Set
        };
        let Some(left) = n.child_by_field_name("left") else {
            return;
        };
        // `x: Foo` without a value declares a type.
        let ty = n.child_by_field_name("type").map(|t| self.t(t).to_string());
        let Some(right) = n.child_by_field_name("right") else {
            if let (Some(ty), "identifier") = (ty, left.kind()) {
                out.push(Stmt::Decl {
                    name: self.t(left).to_string(),
                    ty,
                    value: None,
                    loc: loc(n),
                });
            }
            return;
        };
        // a = b = value
        let mut targets = vec![left];
        let mut value_node = right;
        while value_node.kind() == "assignment" {
            if let Some(l) = value_node.child_by_field_name("left") {
                targets.push(l);
            }
            match value_node.child_by_field_name("right") {
                Some(r) => value_node = r,
                None => return,
            }
        }
        let l = loc(n);
        if let Some(c) = class {
            // A class attribute: a field, with its value when it is one.
            for t in &targets {
                if t.kind() == "identifier" {
                    let value = self.expr(value_node, d);
                    let name = self.t(*t).to_string();
                    self.m.classes[c].fields.push(Field {
                        name,
                        ty: ty.clone(),
                        is_static: true,
                        is_final: false,
                        value: Some(value),
                    });
                }
            }
            return;
        }
        // `a, b = x, y` pairs up.
        let tuple = |k: &str| {
            matches!(
                k,
                "pattern_list" | "tuple_pattern" | "expression_list" | "tuple"
            )
        };
        if targets.len() == 1
            && tuple(left.kind())
            && tuple(value_node.kind())
            && named(left).len() == named(value_node).len()
        {
            let lefts = named(left);
            let rights: Vec<Expr> = named(value_node)
                .into_iter()
                .map(|r| self.expr(r, d))
                .collect();
            // Through temporaries, so `a, b = b, a` swaps.
            let tmps: Vec<String> = (0..rights.len())
                .map(|i| format!("$t{}_{i}", l.line))
                .collect();
            for (tmp, r) in tmps.iter().zip(rights) {
                out.push(Stmt::Assign {
                    target: Expr::Name(tmp.clone(), l),
                    value: r,
                    op: AssignOp::Set,
                    loc: l,
                });
            }
            for (t, tmp) in lefts.into_iter().zip(tmps) {
                let target = self.expr(t, d);
                out.push(Stmt::Assign {
                    target,
                    value: Expr::Name(tmp, l),
                    op,
                    loc: l,
                });
            }
            return;
        }
        let value = self.expr(value_node, d);
        if let (Some(ty), "identifier") = (&ty, left.kind()) {
            out.push(Stmt::Decl {
                name: self.t(left).to_string(),
                ty: ty.clone(),
                value: Some(value),
                loc: l,
            });
            return;
        }
        for t in targets {
            let target = self.expr(t, d);
            out.push(Stmt::Assign {
                target,
                value: value.clone(),
                op,
                loc: l,
            });
        }
    }

    fn class(&mut self, n: Node<'_>, d: usize) {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let supers = n
            .child_by_field_name("superclasses")
            .map(|s| {
                named(s)
                    .into_iter()
                    .filter(|a| a.kind() != "keyword_argument")
                    .map(|a| self.t(a).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let id = self.m.classes.len();
        self.m.classes.push(Class {
            name,
            supers,
            loc: loc(n),
            ..Class::default()
        });
        if let Some(body) = n.child_by_field_name("body") {
            // Class-level statements: fields and methods; the rest runs once at import.
            let _ = self.block(body, d, Some(id));
        }
    }

    fn def(
        &mut self,
        n: Node<'_>,
        decorators: Vec<String>,
        d: usize,
        class: Option<ClassId>,
        out: &mut Vec<Stmt>,
    ) {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let is_static = decorators.iter().any(|x| x.contains("staticmethod"));
        let mut params = n
            .child_by_field_name("parameters")
            .map(|ps| self.params(ps))
            .unwrap_or_default();
        let kind = match class {
            Some(_) if name == "__init__" => FnKind::Constructor,
            Some(_) => FnKind::Method,
            None => FnKind::Function,
        };
        let receiver = if class.is_some() && !is_static && !params.is_empty() {
            Some(params.remove(0).name)
        } else {
            None
        };
        let id = self.m.functions.len();
        // Nested in a function (not a method, not top-level): analysed with what it captures.
        let parent = (self.cur != 0 && class.is_none()).then_some(self.cur);
        self.m.functions.push(Function {
            name: name.clone(),
            kind,
            class,
            is_static,
            params,
            decorators,
            loc: loc(n),
            parent,
            receiver,
            ..Function::default()
        });
        if let Some(c) = class {
            self.m.classes[c].methods.push(id);
        }
        let saved = std::mem::replace(&mut self.cur, id);
        let body = self.field_block(n, "body", d);
        self.cur = saved;
        self.m.functions[id].body = body;
        if class.is_none() {
            out.push(Stmt::FuncDef(name, id));
        }
    }

    fn params(&self, ps: Node<'_>) -> Vec<Param> {
        let mut out = Vec::new();
        for p in named(ps) {
            let param = match p.kind() {
                "identifier" => Param {
                    name: self.t(p).into(),
                    ..Param::default()
                },
                "typed_parameter" => {
                    let inner = named(p).into_iter().next();
                    let rest = inner.is_some_and(|i| i.kind().contains("splat"));
                    Param {
                        name: inner
                            .map(|x| self.t(x).trim_start_matches('*').to_string())
                            .unwrap_or_default(),
                        ty: p.child_by_field_name("type").map(|t| self.t(t).to_string()),
                        rest,
                        ..Param::default()
                    }
                }
                "default_parameter" | "typed_default_parameter" => {
                    let default = p
                        .child_by_field_name("value")
                        .map(|v| self.t(v).to_string());
                    Param {
                        name: p
                            .child_by_field_name("name")
                            .map(|x| self.t(x).to_string())
                            .unwrap_or_default(),
                        ty: p.child_by_field_name("type").map(|t| self.t(t).to_string()),
                        annotations: default.iter().cloned().collect(),
                        rest: false,
                        default,
                    }
                }
                "list_splat_pattern" | "dictionary_splat_pattern" => Param {
                    name: self.t(p).trim_start_matches('*').to_string(),
                    rest: true,
                    ..Param::default()
                },
                _ => continue,
            };
            out.push(param);
        }
        out
    }

    fn args(&mut self, n: Node<'_>, d: usize) -> Vec<Arg> {
        if n.kind() != "argument_list" {
            return vec![Arg::positional(self.expr(n, d))];
        }
        let mut out = Vec::new();
        for a in named(n) {
            match a.kind() {
                "keyword_argument" => {
                    let name = a.child_by_field_name("name").map(|x| self.t(x).to_string());
                    if let Some(v) = a.child_by_field_name("value") {
                        out.push(Arg {
                            name,
                            value: self.expr(v, d),
                            spread: false,
                        });
                    }
                }
                "list_splat" | "dictionary_splat" => {
                    if let Some(v) = named(a).first() {
                        out.push(Arg {
                            name: None,
                            value: self.expr(*v, d),
                            spread: true,
                        });
                    }
                }
                _ => out.push(Arg::positional(self.expr(a, d))),
            }
        }
        out
    }

    fn lambda(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        let params = n
            .child_by_field_name("parameters")
            .map(|ps| self.params(ps))
            .unwrap_or_default();
        let id = self.m.functions.len();
        self.m.functions.push(Function {
            name: "<lambda>".into(),
            kind: FnKind::Lambda,
            params,
            loc: l,
            parent: Some(self.cur),
            ..Function::default()
        });
        let saved = std::mem::replace(&mut self.cur, id);
        let body = n
            .child_by_field_name("body")
            .map(|b| self.expr(b, d))
            .map(|e| vec![Stmt::Return(Some(e), l)])
            .unwrap_or_default();
        self.cur = saved;
        self.m.functions[id].body = body;
        Expr::Lambda(id, l)
    }

    fn comprehension(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        let mut binds = Vec::new();
        for c in named(n).into_iter().filter(|c| c.kind() == "for_in_clause") {
            let target = c
                .child_by_field_name("left")
                .map_or_else(|| Expr::unknown(l), |x| self.expr(x, d));
            let iter = c
                .child_by_field_name("right")
                .map_or_else(|| Expr::unknown(l), |x| self.expr(x, d));
            binds.push((target, iter));
        }
        let body = match n.child_by_field_name("body") {
            Some(b) if b.kind() == "pair" => b
                .child_by_field_name("value")
                .map_or_else(|| Expr::unknown(l), |v| self.expr(v, d)),
            Some(b) => self.expr(b, d),
            None => Expr::unknown(l),
        };
        Expr::Comp(binds, Box::new(body), l)
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
            "identifier" => Expr::Name(self.t(n).to_string(), l),
            "attribute" => {
                let obj = sub(self, "object");
                let attr = n
                    .child_by_field_name("attribute")
                    .map(|a| self.t(a).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), attr, l)
            }
            "subscript" => {
                let v = sub(self, "value");
                let subs = fields(n, "subscript");
                let i = match subs.as_slice() {
                    [one] if one.kind() != "slice" => self.expr(*one, d),
                    _ => Expr::Other(subs.iter().map(|x| self.expr(*x, d)).collect(), l),
                };
                Expr::Index(Box::new(v), Box::new(i), l)
            }
            "call" => {
                let callee = sub(self, "function");
                let args = n
                    .child_by_field_name("arguments")
                    .map(|a| self.args(a, d))
                    .unwrap_or_default();
                Expr::Call(Box::new(Call {
                    callee,
                    args,
                    new: false,
                    loc: l,
                }))
            }
            "string" => {
                let kids = named(n);
                let interpolated = kids.iter().any(|c| c.kind() == "interpolation");
                // An f-string: its literal pieces and its expressions, in order.
                let parts: Vec<Expr> = if interpolated {
                    kids.into_iter()
                        .filter_map(|c| match c.kind() {
                            "interpolation" => c
                                .child_by_field_name("expression")
                                .or_else(|| named(c).first().copied())
                                .map(|e| self.expr(e, d)),
                            "string_content" => Some(Expr::Str {
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
            "concatenated_string" => {
                let strs: Vec<Expr> = named(n).into_iter().map(|c| self.expr(c, d)).collect();
                let plain = strs.iter().all(|s| s.text().is_some());
                let text = plain.then(|| strs.iter().filter_map(Expr::text).collect::<String>());
                let parts = if plain { Vec::new() } else { strs };
                Expr::Str {
                    parts,
                    text,
                    loc: l,
                }
            }
            "binary_operator" => {
                let op = super::operator(n, self.src);
                let a = sub(self, "left");
                let b = sub(self, "right");
                let op = match op {
                    "//" => BinOp::FloorDiv,
                    "**" => BinOp::Other,
                    o => super::bin_op(o),
                };
                Expr::Binary(op, Box::new(a), Box::new(b), l)
            }
            "boolean_operator" => {
                let op = super::operator(n, self.src);
                let items: Vec<Expr> = ["left", "right"]
                    .iter()
                    .filter_map(|f| n.child_by_field_name(f))
                    .map(|x| self.expr(x, d))
                    .collect();
                if op == "or" {
                    Expr::Or(items)
                } else {
                    Expr::And(items)
                }
            }
            "not_operator" => Expr::Not(Box::new(sub(self, "argument"))),
            "unary_operator" => {
                let a = sub(self, "argument");
                match super::operator(n, self.src) {
                    "-" => Expr::Neg(Box::new(a), l),
                    "+" => a,
                    _ => Expr::Other(vec![a], l),
                }
            }
            "comparison_operator" => self.comparison(n, d),
            "conditional_expression" => {
                let parts = named(n);
                match parts.as_slice() {
                    [a, c, b] => {
                        let (a, c, b) = (self.expr(*a, d), self.expr(*c, d), self.expr(*b, d));
                        Expr::Cond(Box::new(c), Box::new(a), Box::new(b), l)
                    }
                    _ => Expr::Other(parts.iter().map(|x| self.expr(*x, d)).collect(), l),
                }
            }
            "named_expression" => {
                let target = sub(self, "name");
                let value = sub(self, "value");
                Expr::Assign(Box::new(target), Box::new(value), AssignOp::Set, l)
            }
            "parenthesized_expression" | "await" | "expression_statement" => named(n)
                .first()
                .map_or_else(|| Expr::unknown(l), |x| self.expr(*x, d)),
            "list" | "tuple" | "set" | "pattern_list" | "tuple_pattern" | "list_pattern"
            | "expression_list" => {
                let items: Vec<Node<'_>> = named(n);
                if items.iter().any(|i| i.kind() == "list_splat") {
                    return Expr::Other(items.iter().map(|x| self.expr(*x, d)).collect(), l);
                }
                Expr::Seq(items.iter().map(|x| self.expr(*x, d)).collect(), l)
            }
            "list_splat" | "list_splat_pattern" | "dictionary_splat" => named(n)
                .first()
                .map_or_else(|| Expr::unknown(l), |x| self.expr(*x, d)),
            "dictionary" => {
                let mut items = Vec::new();
                let mut splats = Vec::new();
                for p in named(n) {
                    match (p.child_by_field_name("key"), p.child_by_field_name("value")) {
                        (Some(k), Some(v)) => {
                            let k = self.expr(k, d);
                            let v = self.expr(v, d);
                            items.push((k, v));
                        }
                        _ => splats.push(self.expr(p, d)),
                    }
                }
                if splats.is_empty() {
                    Expr::Map(items, l)
                } else {
                    splats.extend(items.into_iter().map(|(_, v)| v));
                    Expr::Other(splats, l)
                }
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => self.comprehension(n, d),
            "integer" | "float" => Expr::Lit(number(self.t(n)), l),
            "true" => Expr::Lit(Lit::Bool(true), l),
            "false" => Expr::Lit(Lit::Bool(false), l),
            "none" => Expr::Lit(Lit::Null, l),
            "ellipsis" => Expr::Lit(Lit::Other, l),
            "lambda" => self.lambda(n, d),
            "keyword_argument" => sub(self, "value"),
            _ => Expr::Other(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l),
        }
    }

    /// `a < b`, `x not in ALLOWED`, `a is None`, and chains (`0 < i < n`).
    fn comparison(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        let operands: Vec<Expr> = named(n).into_iter().map(|x| self.expr(x, d)).collect();
        // Operators between the operands; `not in` and `is not` are two tokens.
        let mut ops: Vec<String> = Vec::new();
        let mut last_named = true;
        for c in all(n) {
            if c.is_named() {
                last_named = true;
                continue;
            }
            let t = self.t(c).to_string();
            if !last_named && let Some(prev) = ops.last_mut() {
                prev.push(' ');
                prev.push_str(&t);
            } else {
                ops.push(t);
            }
            last_named = false;
        }
        let op = |o: &str| match o {
            "in" => CmpOp::In,
            "not in" => CmpOp::NotIn,
            "==" | "is" => CmpOp::Eq,
            "!=" | "is not" | "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => CmpOp::Other,
        };
        let mut parts = Vec::new();
        for (i, o) in ops.iter().enumerate() {
            let (Some(a), Some(b)) = (operands.get(i), operands.get(i + 1)) else {
                break;
            };
            parts.push(Expr::Compare(
                op(o),
                Box::new(a.clone()),
                Box::new(b.clone()),
                l,
            ));
        }
        match parts.len() {
            0 => Expr::Other(operands, l),
            1 => parts.pop().unwrap_or_else(|| Expr::unknown(l)),
            _ => Expr::And(parts),
        }
    }
}
