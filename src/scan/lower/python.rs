//! Python → IR.

use std::collections::HashMap;

use tree_sitter::{Node, Tree};

use super::{MAX_DEPTH, all, loc, named, text, unquote};
use crate::scan::ir::{Arg, Call, CmpOp, Expr, Function, Module, Param, Stmt};

struct Lower<'s> {
    src: &'s str,
    imports: HashMap<String, String>,
    functions: Vec<Function>,
}

pub fn lower(tree: &Tree, src: &str) -> Module {
    let mut l = Lower {
        src,
        imports: HashMap::new(),
        functions: Vec::new(),
    };
    let root = tree.root_node();
    let body = l.block(root, 0);
    l.functions.push(Function {
        name: "<module>".into(),
        body,
        loc: loc(root),
        ..Function::default()
    });
    Module {
        functions: l.functions,
        imports: l.imports,
    }
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn block(&mut self, n: Node<'_>, d: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        if d > MAX_DEPTH {
            return out;
        }
        for c in named(n) {
            self.stmt(c, d + 1, &mut out);
        }
        out
    }

    fn field_block(&mut self, n: Node<'_>, field: &str, d: usize) -> Vec<Stmt> {
        n.child_by_field_name(field)
            .map(|b| self.block(b, d))
            .unwrap_or_default()
    }

    fn stmt(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        match n.kind() {
            "expression_statement" => {
                for c in named(n) {
                    match c.kind() {
                        "assignment" | "augmented_assignment" => self.assignment(c, d, out),
                        _ => out.push(Stmt::Expr(self.expr(c, d))),
                    }
                }
            }
            "function_definition" => self.function(n, Vec::new(), d),
            "decorated_definition" => {
                let decorators: Vec<String> = named(n)
                    .into_iter()
                    .filter(|c| c.kind() == "decorator")
                    .map(|c| self.t(c).to_string())
                    .collect();
                if let Some(def) = n.child_by_field_name("definition") {
                    match def.kind() {
                        "function_definition" => self.function(def, decorators, d),
                        _ => self.stmt(def, d, out),
                    }
                }
            }
            "class_definition" => {
                // Methods are collected as functions; class-level statements do not run per request.
                let _ = self.field_block(n, "body", d);
            }
            "if_statement" => out.push(self.if_chain(n, d)),
            "for_statement" => {
                let vars = n
                    .child_by_field_name("left")
                    .map(|l| vec![self.expr(l, d)])
                    .unwrap_or_default();
                let iter = n.child_by_field_name("right").map(|r| self.expr(r, d));
                let body = self.field_block(n, "body", d);
                out.push(Stmt::Loop { vars, iter, body });
            }
            "while_statement" => {
                if let Some(c) = n.child_by_field_name("condition") {
                    out.push(Stmt::Expr(self.expr(c, d)));
                }
                let body = self.field_block(n, "body", d);
                out.push(Stmt::Loop {
                    vars: Vec::new(),
                    iter: None,
                    body,
                });
            }
            "try_statement" => {
                for c in named(n) {
                    match c.kind() {
                        "block" => out.push(Stmt::Block(self.block(c, d))),
                        "except_clause" | "except_group_clause" => {
                            let body: Vec<Stmt> = named(c)
                                .into_iter()
                                .filter(|x| x.kind() == "block")
                                .flat_map(|b| self.block(b, d))
                                .collect();
                            out.push(Stmt::If {
                                cond: Expr::Lit("except".into(), loc(c)),
                                then: body,
                                els: Vec::new(),
                            });
                        }
                        "else_clause" | "finally_clause" => {
                            let body: Vec<Stmt> = named(c)
                                .into_iter()
                                .filter(|x| x.kind() == "block")
                                .flat_map(|b| self.block(b, d))
                                .collect();
                            out.push(Stmt::Block(body));
                        }
                        _ => {}
                    }
                }
            }
            "with_statement" => {
                for c in named(n) {
                    match c.kind() {
                        "with_clause" => {
                            for item in named(c) {
                                let Some(v) = item.child_by_field_name("value") else {
                                    continue;
                                };
                                if v.kind() == "as_pattern" {
                                    let parts = named(v);
                                    let value = parts.first().map(|e| self.expr(*e, d));
                                    let alias = v
                                        .child_by_field_name("alias")
                                        .or_else(|| parts.get(1).copied());
                                    if let (Some(value), Some(alias)) = (value, alias) {
                                        let target = self.expr(alias, d);
                                        out.push(Stmt::Assign {
                                            targets: vec![target],
                                            value,
                                            aug: false,
                                            loc: loc(v),
                                        });
                                    }
                                } else {
                                    out.push(Stmt::Expr(self.expr(v, d)));
                                }
                            }
                        }
                        "block" => out.push(Stmt::Block(self.block(c, d))),
                        _ => {}
                    }
                }
            }
            "return_statement" => {
                out.push(Stmt::Return(named(n).first().map(|e| self.expr(*e, d))))
            }
            "raise_statement" => out.push(Stmt::Throw),
            "break_statement" | "continue_statement" => out.push(Stmt::Jump),
            "assert_statement" => {
                if let Some(c) = named(n).first() {
                    let cond = self.expr(*c, d);
                    out.push(Stmt::If {
                        cond: Expr::Not(Box::new(cond)),
                        then: vec![Stmt::Throw],
                        els: Vec::new(),
                    });
                }
            }
            "match_statement" => {
                if let Some(s) = n.child_by_field_name("subject") {
                    out.push(Stmt::Expr(self.expr(s, d)));
                }
                if let Some(body) = n.child_by_field_name("body") {
                    for case in named(body) {
                        let then = self.field_block(case, "consequence", d);
                        out.push(Stmt::If {
                            cond: Expr::Lit("case".into(), loc(case)),
                            then,
                            els: Vec::new(),
                        });
                    }
                }
            }
            "import_statement" => {
                for c in named(n) {
                    if c.kind() == "aliased_import"
                        && let (Some(name), Some(alias)) = (
                            c.child_by_field_name("name"),
                            c.child_by_field_name("alias"),
                        )
                    {
                        self.imports
                            .insert(self.t(alias).to_string(), self.t(name).to_string());
                    }
                }
            }
            "import_from_statement" => {
                let module = n
                    .child_by_field_name("module_name")
                    .map(|m| self.t(m).trim_start_matches('.').to_string())
                    .unwrap_or_default();
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
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
                        } else {
                            format!("{module}.{full}")
                        };
                        self.imports.insert(local.to_string(), path);
                    }
                }
            }
            "block" => out.push(Stmt::Block(self.block(n, d))),
            _ => {}
        }
    }

    fn if_chain(&mut self, n: Node<'_>, d: usize) -> Stmt {
        let cond = n
            .child_by_field_name("condition")
            .map_or(Expr::Lit("?".into(), loc(n)), |c| self.expr(c, d));
        let then = self.field_block(n, "consequence", d);
        let mut c = n.walk();
        let alts: Vec<Node<'_>> = n.children_by_field_name("alternative", &mut c).collect();
        let mut els: Vec<Stmt> = Vec::new();
        for alt in alts.iter().rev() {
            match alt.kind() {
                "else_clause" => els = self.field_block(*alt, "body", d),
                "elif_clause" => {
                    let cond = alt
                        .child_by_field_name("condition")
                        .map_or(Expr::Lit("?".into(), loc(*alt)), |c| self.expr(c, d));
                    let then = self.field_block(*alt, "consequence", d);
                    els = vec![Stmt::If { cond, then, els }];
                }
                _ => {}
            }
        }
        Stmt::If { cond, then, els }
    }

    fn assignment(&mut self, n: Node<'_>, d: usize, out: &mut Vec<Stmt>) {
        let aug = n.kind() == "augmented_assignment";
        let Some(left) = n.child_by_field_name("left") else {
            return;
        };
        let Some(right) = n.child_by_field_name("right") else {
            return;
        };
        // a = b = value
        let mut targets = vec![self.expr(left, d)];
        let mut value_node = right;
        while value_node.kind() == "assignment" {
            if let Some(l) = value_node.child_by_field_name("left") {
                targets.push(self.expr(l, d));
            }
            match value_node.child_by_field_name("right") {
                Some(r) => value_node = r,
                None => return,
            }
        }
        let value = self.expr(value_node, d);
        out.push(Stmt::Assign {
            targets,
            value,
            aug,
            loc: loc(n),
        });
    }

    fn function(&mut self, n: Node<'_>, decorators: Vec<String>, d: usize) {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let mut params = Vec::new();
        if let Some(ps) = n.child_by_field_name("parameters") {
            for p in named(ps) {
                let param = match p.kind() {
                    "identifier" => Param {
                        name: self.t(p).into(),
                        ..Param::default()
                    },
                    "typed_parameter" => Param {
                        name: named(p)
                            .first()
                            .map(|x| self.t(*x).trim_start_matches('*').to_string())
                            .unwrap_or_default(),
                        ty: p.child_by_field_name("type").map(|t| self.t(t).to_string()),
                        annotations: Vec::new(),
                    },
                    "default_parameter" | "typed_default_parameter" => Param {
                        name: p
                            .child_by_field_name("name")
                            .map(|x| self.t(x).to_string())
                            .unwrap_or_default(),
                        ty: p.child_by_field_name("type").map(|t| self.t(t).to_string()),
                        annotations: p
                            .child_by_field_name("value")
                            .map(|v| vec![self.t(v).to_string()])
                            .unwrap_or_default(),
                    },
                    "list_splat_pattern" | "dictionary_splat_pattern" => Param {
                        name: self.t(p).trim_start_matches('*').to_string(),
                        ..Param::default()
                    },
                    _ => continue,
                };
                params.push(param);
            }
        }
        let body = self.field_block(n, "body", d);
        self.functions.push(Function {
            name,
            params,
            decorators,
            body,
            loc: loc(n),
        });
    }

    fn args(&mut self, n: Node<'_>, d: usize) -> Vec<Arg> {
        let mut out = Vec::new();
        if n.kind() != "argument_list" {
            out.push(Arg {
                name: None,
                value: self.expr(n, d),
            });
            return out;
        }
        for a in named(n) {
            match a.kind() {
                "keyword_argument" => {
                    let name = a.child_by_field_name("name").map(|x| self.t(x).to_string());
                    if let Some(v) = a.child_by_field_name("value") {
                        out.push(Arg {
                            name,
                            value: self.expr(v, d),
                        });
                    }
                }
                "list_splat" | "dictionary_splat" => {
                    if let Some(v) = named(a).first() {
                        out.push(Arg {
                            name: None,
                            value: self.expr(*v, d),
                        });
                    }
                }
                "comment" => {}
                _ => out.push(Arg {
                    name: None,
                    value: self.expr(a, d),
                }),
            }
        }
        out
    }

    fn expr(&mut self, n: Node<'_>, d: usize) -> Expr {
        let l = loc(n);
        if d > MAX_DEPTH {
            return Expr::Lit("…".into(), l);
        }
        let d = d + 1;
        match n.kind() {
            "identifier" => Expr::Name(self.t(n).to_string(), l),
            "attribute" => {
                let obj = n
                    .child_by_field_name("object")
                    .map_or(Expr::Lit("?".into(), l), |o| self.expr(o, d));
                let attr = n
                    .child_by_field_name("attribute")
                    .map(|a| self.t(a).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), attr, l)
            }
            "subscript" => {
                let v = n
                    .child_by_field_name("value")
                    .map_or(Expr::Lit("?".into(), l), |o| self.expr(o, d));
                let i = n
                    .child_by_field_name("subscript")
                    .map_or(Expr::Lit("?".into(), l), |o| self.expr(o, d));
                Expr::Index(Box::new(v), Box::new(i), l)
            }
            "call" => {
                let callee = n
                    .child_by_field_name("function")
                    .map_or(Expr::Lit("?".into(), l), |f| self.expr(f, d));
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
                let parts: Vec<Expr> = named(n)
                    .into_iter()
                    .filter(|c| c.kind() == "interpolation")
                    .filter_map(|c| {
                        c.child_by_field_name("expression")
                            .or_else(|| named(c).first().copied())
                    })
                    .map(|e| self.expr(e, d))
                    .collect();
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
                let a = n
                    .child_by_field_name("left")
                    .map_or(Expr::Lit("?".into(), l), |x| self.expr(x, d));
                let b = n
                    .child_by_field_name("right")
                    .map_or(Expr::Lit("?".into(), l), |x| self.expr(x, d));
                Expr::Binary(Box::new(a), Box::new(b), l)
            }
            "boolean_operator" => {
                let op = n
                    .child_by_field_name("operator")
                    .map(|o| self.t(o))
                    .unwrap_or("and");
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
            "not_operator" => {
                let a = n
                    .child_by_field_name("argument")
                    .map_or(Expr::Lit("?".into(), l), |x| self.expr(x, d));
                Expr::Not(Box::new(a))
            }
            "comparison_operator" => {
                let operands = named(n);
                let ops: Vec<&str> = all(n)
                    .into_iter()
                    .filter(|c| !c.is_named())
                    .map(|c| self.t(c))
                    .collect();
                let op = match ops.join(" ").as_str() {
                    "in" => CmpOp::In,
                    "not in" => CmpOp::NotIn,
                    "==" | "is" => CmpOp::Eq,
                    "!=" | "is not" => CmpOp::Ne,
                    _ => CmpOp::Other,
                };
                let a = operands
                    .first()
                    .map_or(Expr::Lit("?".into(), l), |x| self.expr(*x, d));
                let b = operands
                    .get(1)
                    .map_or(Expr::Lit("?".into(), l), |x| self.expr(*x, d));
                Expr::Compare(op, Box::new(a), Box::new(b), l)
            }
            "parenthesized_expression" | "await" | "expression_statement" => named(n)
                .first()
                .map_or(Expr::Lit("()".into(), l), |x| self.expr(*x, d)),
            "list" | "tuple" | "set" | "pattern_list" | "tuple_pattern" | "list_pattern"
            | "expression_list" => {
                Expr::Seq(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l)
            }
            "dictionary" => {
                let mut items = Vec::new();
                for p in named(n) {
                    for f in ["key", "value"] {
                        if let Some(x) = p.child_by_field_name(f) {
                            items.push(self.expr(x, d));
                        }
                    }
                }
                Expr::Seq(items, l)
            }
            "integer" | "float" | "true" | "false" | "none" | "ellipsis" => {
                Expr::Lit(self.t(n).to_string(), l)
            }
            "lambda" | "comment" => Expr::Lit("lambda".into(), l),
            "keyword_argument" => n
                .child_by_field_name("value")
                .map_or(Expr::Lit("?".into(), l), |v| self.expr(v, d)),
            _ => Expr::Other(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l),
        }
    }
}
