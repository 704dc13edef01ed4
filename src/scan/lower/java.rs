//! Java → IR. Methods, constructors and lambdas are analysed one by one; parameter and method
//! annotations are kept (`@RequestParam`, `@GetMapping`) for the handler rules.

use std::collections::HashMap;

use tree_sitter::{Node, Tree};

use super::{MAX_DEPTH, loc, named, text, unquote};
use crate::scan::ir::{Arg, Call, CmpOp, Expr, Function, Module, Param, Stmt};

const FUNCTIONS: &[&str] = &[
    "method_declaration",
    "constructor_declaration",
    "lambda_expression",
    "compact_constructor_declaration",
];

struct Lower<'s> {
    src: &'s str,
}

pub fn lower(tree: &Tree, src: &str) -> Module {
    let mut l = Lower { src };
    let root = tree.root_node();
    let mut functions = Vec::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        if depth > MAX_DEPTH * 4 {
            continue;
        }
        if FUNCTIONS.contains(&n.kind()) {
            functions.push(l.function(n));
        }
        for c in named(n) {
            stack.push((c, depth + 1));
        }
    }
    Module {
        functions,
        imports: HashMap::new(),
    }
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

/// `java.io.File` / `List<String>` → `File` / `List`.
fn simple_type(t: &str) -> String {
    let t = t.split('<').next().unwrap_or(t);
    t.rsplit('.').next().unwrap_or(t).trim().to_string()
}

impl<'s> Lower<'s> {
    fn t(&self, n: Node<'_>) -> &'s str {
        text(n, self.src)
    }

    fn annotations(&self, n: Node<'_>) -> Vec<String> {
        named(n)
            .into_iter()
            .filter(|c| c.kind() == "modifiers")
            .flat_map(named)
            .filter(|a| a.kind().ends_with("annotation"))
            .map(|a| self.t(a).to_string())
            .collect()
    }

    fn function(&mut self, n: Node<'_>) -> Function {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let mut params = Vec::new();
        if let Some(ps) = n.child_by_field_name("parameters") {
            if ps.kind() == "identifier" {
                params.push(Param {
                    name: self.t(ps).to_string(),
                    ..Param::default()
                });
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
                            .map(|x| self.t(x).to_string())
                            .unwrap_or_default();
                        let ty = p.child_by_field_name("type").map(|t| self.t(t).to_string());
                        params.push(Param {
                            name: pname,
                            ty,
                            annotations: self.annotations(p),
                        });
                    }
                    "identifier" => params.push(Param {
                        name: self.t(p).to_string(),
                        ..Param::default()
                    }),
                    _ => {}
                }
            }
        }
        let body = match n.child_by_field_name("body") {
            Some(b) if b.kind() == "block" || b.kind() == "constructor_body" => self.block(b, 0),
            Some(e) => vec![Stmt::Return(Some(self.expr(e, 0)))],
            None => Vec::new(),
        };
        Function {
            name,
            params,
            decorators: self.annotations(n),
            body,
            loc: loc(n),
        }
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
            "local_variable_declaration" | "field_declaration" => {
                let mut c = n.walk();
                let decls: Vec<Node<'_>> = n.children_by_field_name("declarator", &mut c).collect();
                for decl in decls {
                    let (Some(name), Some(value)) = (
                        decl.child_by_field_name("name"),
                        decl.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    let value = self.expr(value, d);
                    out.push(Stmt::Assign {
                        targets: vec![Expr::Name(self.t(name).to_string(), loc(name))],
                        value,
                        aug: false,
                        loc: loc(decl),
                    });
                }
            }
            "expression_statement" => {
                for c in named(n) {
                    if c.kind() == "assignment_expression" {
                        let op = c
                            .child_by_field_name("operator")
                            .map(|o| self.t(o))
                            .unwrap_or("=");
                        let (Some(l), Some(r)) = (
                            c.child_by_field_name("left"),
                            c.child_by_field_name("right"),
                        ) else {
                            continue;
                        };
                        let target = self.expr(l, d);
                        let value = self.expr(r, d);
                        out.push(Stmt::Assign {
                            targets: vec![target],
                            value,
                            aug: op != "=",
                            loc: loc(c),
                        });
                    } else {
                        out.push(Stmt::Expr(self.expr(c, d)));
                    }
                }
            }
            "block" | "constructor_body" => out.push(Stmt::Block(self.block(n, d))),
            "if_statement" => {
                let cond = n
                    .child_by_field_name("condition")
                    .map_or(Expr::Lit("?".into(), loc(n)), |c| self.expr(c, d));
                let then = self.body_of(n.child_by_field_name("consequence"), d);
                let els = self.body_of(n.child_by_field_name("alternative"), d);
                out.push(Stmt::If { cond, then, els });
            }
            "for_statement" => {
                let mut c = n.walk();
                let inits: Vec<Node<'_>> = n.children_by_field_name("init", &mut c).collect();
                for i in inits {
                    self.stmt(i, d, out);
                }
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::Loop {
                    vars: Vec::new(),
                    iter: None,
                    body,
                });
            }
            "enhanced_for_statement" => {
                let vars = n
                    .child_by_field_name("name")
                    .map(|v| vec![Expr::Name(self.t(v).to_string(), loc(v))])
                    .unwrap_or_default();
                let iter = n.child_by_field_name("value").map(|v| self.expr(v, d));
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
            "try_statement" | "try_with_resources_statement" => {
                if let Some(res) = n.child_by_field_name("resources") {
                    for r in named(res) {
                        if let (Some(name), Some(value)) = (
                            r.child_by_field_name("name"),
                            r.child_by_field_name("value"),
                        ) {
                            let value = self.expr(value, d);
                            out.push(Stmt::Assign {
                                targets: vec![Expr::Name(self.t(name).to_string(), loc(name))],
                                value,
                                aug: false,
                                loc: loc(r),
                            });
                        } else {
                            out.push(Stmt::Expr(self.expr(r, d)));
                        }
                    }
                }
                let body = self.body_of(n.child_by_field_name("body"), d);
                out.push(Stmt::Block(body));
                for c in named(n) {
                    match c.kind() {
                        "catch_clause" => {
                            let then = self.body_of(c.child_by_field_name("body"), d);
                            out.push(Stmt::If {
                                cond: Expr::Lit("catch".into(), loc(c)),
                                then,
                                els: Vec::new(),
                            });
                        }
                        "finally_clause" => {
                            for b in named(c) {
                                self.stmt(b, d, out);
                            }
                        }
                        _ => {}
                    }
                }
            }
            "switch_expression" | "switch_statement" => {
                if let Some(c) = n.child_by_field_name("condition") {
                    out.push(Stmt::Expr(self.expr(c, d)));
                }
                if let Some(body) = n.child_by_field_name("body") {
                    for group in named(body) {
                        let mut then = Vec::new();
                        for s in named(group) {
                            if s.kind() != "switch_label" {
                                self.stmt(s, d + 1, &mut then);
                            }
                        }
                        out.push(Stmt::If {
                            cond: Expr::Lit("case".into(), loc(group)),
                            then,
                            els: Vec::new(),
                        });
                    }
                }
            }
            "return_statement" => {
                out.push(Stmt::Return(named(n).first().map(|e| self.expr(*e, d))))
            }
            "yield_statement" => out.push(Stmt::Expr(
                named(n)
                    .first()
                    .map_or(Expr::Lit("?".into(), loc(n)), |e| self.expr(*e, d)),
            )),
            "throw_statement" => out.push(Stmt::Throw),
            "break_statement" | "continue_statement" => out.push(Stmt::Jump),
            "synchronized_statement" | "labeled_statement" => {
                for c in named(n) {
                    self.stmt(c, d, out);
                }
            }
            _ => {}
        }
    }

    fn args(&mut self, n: Option<Node<'_>>, d: usize) -> Vec<Arg> {
        n.map(named)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| !a.kind().contains("comment"))
            .map(|a| Arg {
                name: None,
                value: self.expr(a, d),
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
            "identifier" | "this" | "type_identifier" => Expr::Name(self.t(n).to_string(), l),
            "scoped_identifier" | "scoped_type_identifier" => Expr::Name(self.t(n).to_string(), l),
            // `java.nio.file.Files` names the class `Files`.
            "field_access" if is_qualified_class(self.t(n)) => {
                Expr::Name(simple_type(self.t(n)), l)
            }
            "field_access" => {
                let obj = field(self, "object");
                let f = n
                    .child_by_field_name("field")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), f, l)
            }
            "array_access" => {
                let a = field(self, "array");
                let i = field(self, "index");
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
                Expr::Call(Box::new(Call {
                    callee: Expr::Name(ty, l),
                    args,
                    new: true,
                    loc: l,
                }))
            }
            "string_literal" | "text_block" | "character_literal" => Expr::Str {
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
            "parenthesized_expression" => named(n)
                .first()
                .map_or(Expr::Lit("()".into(), l), |x| self.expr(*x, d)),
            "cast_expression" => field(self, "value"),
            "array_creation_expression" => n
                .child_by_field_name("value")
                .map_or(Expr::Seq(Vec::new(), l), |v| self.expr(v, d)),
            "array_initializer" => {
                Expr::Seq(named(n).into_iter().map(|x| self.expr(x, d)).collect(), l)
            }
            "assignment_expression" => field(self, "right"),
            "instanceof_expression" => Expr::Compare(
                CmpOp::Other,
                Box::new(field(self, "left")),
                Box::new(Expr::Lit("type".into(), l)),
                l,
            ),
            "decimal_integer_literal"
            | "hex_integer_literal"
            | "decimal_floating_point_literal"
            | "true"
            | "false"
            | "null_literal" => Expr::Lit(self.t(n).to_string(), l),
            "lambda_expression" | "method_reference" | "class_literal" => {
                Expr::Lit("lambda".into(), l)
            }
            _ => Expr::Other(
                named(n)
                    .into_iter()
                    .filter(|c| !c.kind().contains("comment"))
                    .map(|x| self.expr(x, d))
                    .collect(),
                l,
            ),
        }
    }
}
