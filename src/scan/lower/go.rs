//! Go → IR. Struct types are classes (their methods found by receiver type); function
//! literals are functions of their own, analysed where they are written. A comma-ok map
//! lookup (`_, ok := allowed[name]`) becomes a `$contains(allowed, name)` test, so an
//! allowlist guard on `ok` is understood.

use tree_sitter::{Node, Tree};

use super::{FLAT_DEPTH, MAX_DEPTH, fields, loc, named, number, text, unquote};
use crate::scan::ir::{
    Arg, AssignOp, Call, Case, Class, Expr, Field, FnId, FnKind, Function, Import, Lit, Loc,
    Module, Param, Stmt,
};

struct Lower<'s> {
    src: &'s str,
    m: Module,
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
    // Types first, so methods find their receiver's class whatever the order.
    for c in named(root) {
        match c.kind() {
            "package_clause" => {
                l.m.package = named(c).first().map(|p| l.t(*p).to_string());
            }
            "import_declaration" => l.imports(c),
            "type_declaration" => l.types(c),
            _ => {}
        }
    }
    let mut module_body = Vec::new();
    for c in named(root) {
        match c.kind() {
            "function_declaration" | "method_declaration" => {
                l.function(c, 0);
            }
            "var_declaration" | "const_declaration" => l.stmt(c, 0, &mut module_body),
            _ => {}
        }
    }
    l.m.functions[0].body = module_body;
    l.m
}

/// `github.com/labstack/echo/v4` → `echo`, `os/exec` → `exec`.
pub fn package_of(path: &str) -> &str {
    let mut segs = path.rsplit('/');
    let last = segs.next().unwrap_or(path);
    let versioned = last.len() > 1
        && last.starts_with('v')
        && last
            .get(1..)
            .is_some_and(|r| r.bytes().all(|b| b.is_ascii_digit()));
    if versioned {
        segs.next().unwrap_or(last)
    } else {
        last
    }
}

/// `*http.Request` → `http.Request`, `[]string` → `string`.
fn base_type(t: &str) -> String {
    t.trim_start_matches(['*', '&', '[', ']'])
        .split('[')
        .next()
        .unwrap_or(t)
        .trim()
        .to_string()
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn imports(&mut self, n: Node<'_>) {
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            if x.kind() == "import_spec" {
                let Some(path) = x.child_by_field_name("path") else {
                    continue;
                };
                let path = unquote(self.t(path));
                let alias = x
                    .child_by_field_name("name")
                    .map(|a| self.t(a).to_string())
                    .unwrap_or_else(|| package_of(&path).to_string());
                if alias == "_" || alias == "." {
                    continue;
                }
                // Standard-library packages are named by their last segment (`exec`), which
                // is how the rule packs spell them; module packages keep their full path
                // for resolution.
                let is_std = !path.split('/').next().unwrap_or("").contains('.');
                self.m.imports.push(Import {
                    local: alias,
                    path: if is_std {
                        package_of(&path).to_string()
                    } else {
                        format!("<{path}>")
                    },
                });
                continue;
            }
            stack.extend(named(x));
        }
    }

    fn types(&mut self, n: Node<'_>) {
        for spec in named(n).into_iter().filter(|s| s.kind() == "type_spec") {
            let name = spec
                .child_by_field_name("name")
                .map(|x| self.t(x).to_string())
                .unwrap_or_default();
            let ty = spec.child_by_field_name("type");
            let mut class = Class {
                name,
                is_interface: ty.is_some_and(|t| t.kind() == "interface_type"),
                loc: loc(spec),
                ..Class::default()
            };
            if let Some(st) = ty.filter(|t| t.kind() == "struct_type") {
                for list in named(st) {
                    for fd in named(list)
                        .into_iter()
                        .filter(|f| f.kind() == "field_declaration")
                    {
                        let fty = fd.child_by_field_name("type").map(|t| base_type(self.t(t)));
                        let names = fields(fd, "name");
                        if names.is_empty() {
                            // An embedded type: its methods are promoted.
                            if let Some(t) = &fty {
                                class.supers.push(t.clone());
                            }
                        }
                        for nm in names {
                            class.fields.push(Field {
                                name: self.t(nm).to_string(),
                                ty: fty.clone(),
                                is_static: false,
                                is_final: false,
                                value: None,
                            });
                        }
                    }
                }
            }
            self.m.classes.push(class);
        }
    }

    fn params(&self, list: Node<'_>, out: &mut Vec<Param>) {
        for decl in named(list) {
            let ty = decl
                .child_by_field_name("type")
                .map(|t| self.t(t).to_string());
            let rest = decl.kind() == "variadic_parameter_declaration";
            let names = fields(decl, "name");
            if names.is_empty() {
                out.push(Param {
                    name: "_".into(),
                    ty: ty.clone(),
                    rest,
                    ..Param::default()
                });
            }
            for id in names {
                out.push(Param {
                    name: self.t(id).to_string(),
                    ty: ty.clone(),
                    rest,
                    ..Param::default()
                });
            }
        }
    }

    fn function(&mut self, n: Node<'_>, d: usize) -> FnId {
        let l = loc(n);
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_else(|| "<lambda>".into());
        let mut receiver = None;
        let mut class = None;
        if let Some(r) = n.child_by_field_name("receiver") {
            let mut rp = Vec::new();
            self.params(r, &mut rp);
            if let Some(p) = rp.into_iter().next() {
                let ty = p.ty.as_deref().map(base_type).unwrap_or_default();
                class = self.m.classes.iter().position(|c| c.name == ty);
                if class.is_none() {
                    // A method on a type declared in another file of the package.
                    self.m.classes.push(Class {
                        name: ty,
                        loc: l,
                        ..Class::default()
                    });
                    class = Some(self.m.classes.len() - 1);
                }
                receiver = Some(p.name);
            }
        }
        let mut params = Vec::new();
        if let Some(ps) = n.child_by_field_name("parameters") {
            self.params(ps, &mut params);
        }
        let lambda = n.kind() == "func_literal";
        let id = self.m.functions.len();
        self.m.functions.push(Function {
            name,
            kind: if lambda {
                FnKind::Lambda
            } else if class.is_some() {
                FnKind::Method
            } else {
                FnKind::Function
            },
            class,
            params,
            loc: l,
            parent: lambda.then_some(self.cur),
            receiver,
            ..Function::default()
        });
        if let Some(c) = class {
            self.m.classes[c].methods.push(id);
        }
        let saved = std::mem::replace(&mut self.cur, id);
        let body = n
            .child_by_field_name("body")
            .map(|b| self.block(b, d))
            .unwrap_or_default();
        self.cur = saved;
        self.m.functions[id].body = body;
        id
    }

    /// A `block` (or `statement_list`): its statements.
    fn block(&mut self, n: Node<'_>, d: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        if d > MAX_DEPTH {
            self.m.truncated = true;
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
        if d > MAX_DEPTH {
            self.m.truncated = true;
            return;
        }
        match n.kind() {
            "short_var_declaration" | "assignment_statement" => {
                let op = super::operator(n, self.src);
                let op = match op {
                    "=" | ":=" | "" => AssignOp::Set,
                    o => AssignOp::Update(super::bin_op(o.trim_end_matches('='))),
                };
                let lefts = n.child_by_field_name("left").map(named).unwrap_or_default();
                let rights = n
                    .child_by_field_name("right")
                    .map(named)
                    .unwrap_or_default();
                self.assign(&lefts, &rights, op, loc(n), d, out);
            }
            "var_declaration" | "const_declaration" => {
                let mut specs = Vec::new();
                for spec in named(n) {
                    if spec.kind().ends_with("_spec_list") {
                        specs.extend(named(spec));
                    } else {
                        specs.push(spec);
                    }
                }
                for s in specs {
                    let names = fields(s, "name");
                    let values = s
                        .child_by_field_name("value")
                        .map(named)
                        .unwrap_or_default();
                    let ty = s.child_by_field_name("type").map(|t| self.t(t).to_string());
                    if values.is_empty() {
                        if let Some(ty) = ty {
                            for nm in names {
                                out.push(Stmt::Decl {
                                    name: self.t(nm).to_string(),
                                    ty: ty.clone(),
                                    value: Some(Expr::Lit(Lit::Null, loc(s))),
                                    loc: loc(s),
                                });
                            }
                        }
                        continue;
                    }
                    self.assign(&names, &values, AssignOp::Set, loc(s), d, out);
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
                let mut pre = Vec::new();
                if let Some(init) = n.child_by_field_name("initializer") {
                    self.stmt(init, d, &mut pre);
                }
                let cond = n
                    .child_by_field_name("condition")
                    .map_or_else(|| Expr::unknown(loc(n)), |c| self.expr(c, d));
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
                pre.push(Stmt::If { cond, then, els });
                out.push(Stmt::Block(pre));
            }
            "for_statement" => self.for_loop(n, d, None, out),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                self.switch(n, d, None, out)
            }
            "return_statement" => {
                let vals: Vec<Expr> = named(n)
                    .into_iter()
                    .flat_map(|x| {
                        if x.kind() == "expression_list" {
                            named(x)
                        } else {
                            vec![x]
                        }
                    })
                    .map(|x| self.expr(x, d))
                    .collect();
                let l = loc(n);
                let value = match vals.len() {
                    0 => None,
                    1 => vals.into_iter().next(),
                    _ => Some(Expr::Seq(vals, l)),
                };
                out.push(Stmt::Return(value, l));
            }
            "break_statement" => out.push(Stmt::Break(
                named(n).first().map(|c| self.t(*c).to_string()),
            )),
            "continue_statement" => out.push(Stmt::Continue(
                named(n).first().map(|c| self.t(*c).to_string()),
            )),
            "fallthrough_statement" => out.push(Stmt::Continue(Some("$fallthrough".into()))),
            "goto_statement" => out.push(Stmt::Throw(None)),
            "labeled_statement" => {
                let label = n
                    .child_by_field_name("label")
                    .map(|l| self.t(l).to_string())
                    .unwrap_or_default();
                let parts = named(n);
                let Some(body) = parts.iter().find(|c| c.kind() != "label_name").copied() else {
                    return;
                };
                match body.kind() {
                    "for_statement" => self.for_loop(body, d, Some(label), out),
                    "expression_switch_statement"
                    | "type_switch_statement"
                    | "select_statement" => self.switch(body, d, Some(label), out),
                    _ => {
                        let mut inner = Vec::new();
                        self.stmt(body, d, &mut inner);
                        out.push(Stmt::Labeled(label, inner));
                    }
                }
            }
            _ => {}
        }
    }

    fn for_loop(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        let body = n
            .child_by_field_name("body")
            .map(|b| self.block(b, d))
            .unwrap_or_default();
        let parts = named(n);
        if let Some(r) = parts.iter().find(|c| c.kind() == "range_clause") {
            let vars: Vec<Expr> = r
                .child_by_field_name("left")
                .map(named)
                .unwrap_or_default()
                .into_iter()
                .map(|v| self.expr(v, d))
                .collect();
            let iter = r
                .child_by_field_name("right")
                .map_or_else(|| Expr::unknown(loc(n)), |x| self.expr(x, d));
            // `for i, v := range xs`: `i` is an index (or a map key), `v` the element.
            let (target, keys) = match vars.len() {
                0 => (Expr::Name("_".into(), loc(n)), false),
                1 => (vars[0].clone(), true),
                _ => (vars[1].clone(), false),
            };
            let mut body = body;
            if vars.len() >= 2 {
                // The key of a map range is a key: as tainted as the map's keys.
                body.insert(
                    0,
                    Stmt::Assign {
                        target: vars[0].clone(),
                        value: Expr::Call(Box::new(Call {
                            callee: Expr::Name("$keys".into(), loc(n)),
                            args: vec![Arg::positional(iter.clone())],
                            new: false,
                            loc: loc(n),
                        })),
                        op: AssignOp::Set,
                        loc: loc(n),
                    },
                );
            }
            out.push(Stmt::ForEach {
                target,
                keys,
                iter,
                body,
                orelse: Vec::new(),
                label,
            });
            return;
        }
        if let Some(fc) = parts.iter().find(|c| c.kind() == "for_clause") {
            if let Some(i) = fc.child_by_field_name("initializer") {
                self.stmt(i, d, out);
            }
            let cond = fc.child_by_field_name("condition").map(|c| self.expr(c, d));
            let mut update = Vec::new();
            if let Some(u) = fc.child_by_field_name("update") {
                self.stmt(u, d, &mut update);
            }
            out.push(Stmt::While {
                cond,
                body,
                update,
                do_while: false,
                label,
            });
            return;
        }
        // `for cond { }` or `for { }`.
        let cond = parts
            .iter()
            .find(|c| c.kind() != "block")
            .map(|c| self.expr(*c, d));
        out.push(Stmt::While {
            cond,
            body,
            update: Vec::new(),
            do_while: false,
            label,
        });
    }

    fn switch(&mut self, n: Node<'_>, d: usize, label: Option<String>, out: &mut Vec<Stmt>) {
        if let Some(init) = n.child_by_field_name("initializer") {
            self.stmt(init, d, out);
        }
        let l = loc(n);
        let typed = n.kind() != "expression_switch_statement";
        // A switch without a value tests each case's condition: `switch { case a > 1: }`.
        let subject = match n.child_by_field_name("value") {
            Some(v) if !typed => self.expr(v, d),
            Some(v) => {
                // `switch x := v.(type)`: the cases see `x`.
                let e = self.expr(v, d);
                if let Some(alias) = n.child_by_field_name("alias") {
                    for a in named(alias) {
                        out.push(Stmt::Assign {
                            target: Expr::Name(self.t(a).to_string(), loc(a)),
                            value: e.clone(),
                            op: AssignOp::Set,
                            loc: l,
                        });
                    }
                }
                Expr::unknown(l)
            }
            None if typed => Expr::unknown(l),
            None => Expr::Lit(Lit::Bool(true), l),
        };
        let mut cases = Vec::new();
        for case in named(n)
            .into_iter()
            .filter(|c| c.kind().ends_with("_case") || c.kind() == "default_case")
        {
            let mut tests = Vec::new();
            let mut body = Vec::new();
            for s in named(case) {
                match s.kind() {
                    "statement_list" => body.extend(self.block(s, d)),
                    "expression_list" if case.kind() == "expression_case" => {
                        for v in named(s) {
                            tests.push(self.expr(v, d));
                        }
                    }
                    _ if case.kind() == "default_case" => self.stmt(s, d + 1, &mut body),
                    _ if typed || case.kind() == "communication_case" => {
                        // Types and channel operations: the case may run.
                        if !s.kind().contains("type") {
                            self.stmt(s, d + 1, &mut body);
                        }
                    }
                    _ => self.stmt(s, d + 1, &mut body),
                }
            }
            if typed && case.kind() != "default_case" {
                tests.push(Expr::unknown(loc(case)));
            }
            cases.push(Case {
                tests,
                binds: None,
                guard: None,
                body,
            });
        }
        out.push(Stmt::Switch {
            subject,
            cases,
            fallthrough: false,
            label,
        });
    }

    fn assign(
        &mut self,
        lefts: &[Node<'_>],
        rights: &[Node<'_>],
        op: AssignOp,
        l: Loc,
        d: usize,
        out: &mut Vec<Stmt>,
    ) {
        let targets: Vec<Expr> = lefts.iter().map(|x| self.expr(*x, d)).collect();
        if targets.len() == rights.len() {
            for (t, r) in targets.into_iter().zip(rights) {
                let value = self.expr(*r, d);
                out.push(Stmt::Assign {
                    target: t,
                    value,
                    op,
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
                        Arg::positional((**m).clone()),
                        Arg::positional((**k).clone()),
                    ],
                    new: false,
                    loc: *il,
                }));
                out.push(Stmt::Assign {
                    target: first.clone(),
                    value: value.clone(),
                    op,
                    loc: l,
                });
                out.push(Stmt::Assign {
                    target: second.clone(),
                    value: test,
                    op: AssignOp::Set,
                    loc: l,
                });
                return;
            }
        }
        // `a, err := f()`: the call's first result is the value (the rest are errors and
        // flags); a multi-value call is an element list.
        let values: Vec<Expr> = rights.iter().map(|r| self.expr(*r, d)).collect();
        let value = match values.len() {
            1 => values
                .into_iter()
                .next()
                .unwrap_or_else(|| Expr::unknown(l)),
            _ => Expr::Other(values, l),
        };
        let mut targets = targets.into_iter();
        if let Some(first) = targets.next() {
            out.push(Stmt::Assign {
                target: first,
                value: value.clone(),
                op,
                loc: l,
            });
        }
        for t in targets {
            // Errors and flags carry no input.
            out.push(Stmt::Assign {
                target: t,
                value: Expr::Lit(Lit::Other, l),
                op: AssignOp::Set,
                loc: l,
            });
        }
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
            "identifier" | "field_identifier" | "package_identifier" | "type_identifier" => {
                Expr::Name(self.t(n).to_string(), l)
            }
            "selector_expression" => {
                let obj = sub(self, "operand");
                let f = n
                    .child_by_field_name("field")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), f, l)
            }
            "index_expression" => {
                let obj = sub(self, "operand");
                let idx = sub(self, "index");
                Expr::Index(Box::new(obj), Box::new(idx), l)
            }
            "slice_expression" | "parenthesized_expression" => {
                let inner = n
                    .child_by_field_name("operand")
                    .or_else(|| named(n).into_iter().next());
                inner.map_or_else(|| Expr::unknown(l), |x| self.expr(x, d))
            }
            "type_assertion_expression" | "type_conversion_expression" => {
                let ty = n
                    .child_by_field_name("type")
                    .map(|t| base_type(self.t(t)))
                    .unwrap_or_default();
                let v = sub(self, "operand");
                Expr::Cast(ty, Box::new(v), l)
            }
            "call_expression" => {
                let callee = sub(self, "function");
                let args = n
                    .child_by_field_name("arguments")
                    .map(named)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| {
                        if a.kind() == "variadic_argument" {
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
                    // `&x`, `*p`, `<-ch`: the same value for taint.
                    _ => a,
                }
            }
            "composite_literal" => {
                let ty = n
                    .child_by_field_name("type")
                    .map(|t| base_type(self.t(t)))
                    .unwrap_or_default();
                let body = n.child_by_field_name("body");
                let lit = match body {
                    Some(b) => self.literal(b, d),
                    None => Expr::Seq(Vec::new(), l),
                };
                if self.m.classes.iter().any(|c| c.name == ty) || ty.contains('.') {
                    Expr::Cast(ty, Box::new(lit), l)
                } else {
                    lit
                }
            }
            "literal_value" => self.literal(n, d),
            "int_literal" | "float_literal" | "imaginary_literal" => {
                Expr::Lit(number(self.t(n)), l)
            }
            "true" => Expr::Lit(Lit::Bool(true), l),
            "false" => Expr::Lit(Lit::Bool(false), l),
            "nil" => Expr::Lit(Lit::Null, l),
            "iota" => Expr::Lit(Lit::Other, l),
            "func_literal" => {
                let id = self.function(n, d);
                Expr::Lambda(id, l)
            }
            _ => Expr::Other(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l),
        }
    }

    /// `{a, b}` → a list; `{Key: v}` → an object of fields; `{"k": v}` → a map.
    fn literal(&mut self, body: Node<'_>, d: usize) -> Expr {
        let l = loc(body);
        let els = named(body);
        let keyed = els.iter().any(|e| e.kind() == "keyed_element");
        if !keyed {
            let items = els
                .into_iter()
                .map(|e| {
                    let inner = if e.kind() == "literal_element" {
                        named(e).first().copied().unwrap_or(e)
                    } else {
                        e
                    };
                    self.expr(inner, d)
                })
                .collect();
            return Expr::Seq(items, l);
        }
        let mut fields_ = Vec::new();
        let mut map = Vec::new();
        for e in els {
            let parts = named(e);
            let (Some(k), Some(v)) = (parts.first(), parts.last()) else {
                continue;
            };
            let k = if k.kind() == "literal_element" {
                named(*k).first().copied().unwrap_or(*k)
            } else {
                *k
            };
            let v = if v.kind() == "literal_element" {
                named(*v).first().copied().unwrap_or(*v)
            } else {
                *v
            };
            let value = self.expr(v, d);
            match k.kind() {
                "identifier" | "field_identifier" => {
                    fields_.push((self.t(k).to_string(), value));
                }
                _ => {
                    let key = self.expr(k, d);
                    map.push((key, value));
                }
            }
        }
        if map.is_empty() {
            Expr::Object(fields_, l)
        } else {
            map.extend(fields_.into_iter().map(|(k, v)| (Expr::Name(k, l), v)));
            Expr::Map(map, l)
        }
    }
}
