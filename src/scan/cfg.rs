//! A function's control-flow graph, built from its statements: basic blocks of simple
//! instructions ended by a terminator (a jump, a two-way branch on a condition, a `case`
//! test, a return or a throw). Loops get back edges, `break`/`continue` (labelled or not)
//! jump where they lead, `switch` cases fall through where the language says so, and every
//! block inside a `try` has an exceptional edge to its handlers. The data-flow analysis runs
//! over this graph to a fixpoint.

use super::ir::{AssignOp, Case, Expr, FnId, Loc, Stmt};

pub type BlockId = usize;

#[derive(Debug)]
pub enum Instr<'a> {
    Assign {
        target: &'a Expr,
        value: &'a Expr,
        op: AssignOp,
        loc: Loc,
    },
    Decl {
        name: &'a str,
        ty: &'a str,
        value: Option<&'a Expr>,
        loc: Loc,
    },
    Eval(&'a Expr),
    /// `target` takes an element (or, with `keys`, a key) of `iter`.
    Elem {
        target: &'a Expr,
        iter: &'a Expr,
        keys: bool,
    },
    /// A pattern that captures a `switch`/`match` subject.
    Bind {
        target: &'a Expr,
        value: &'a Expr,
    },
    /// An exception handler's variable: no input of its own.
    Catch(&'a str),
    FuncDef(&'a str, FnId),
}

#[derive(Debug)]
pub enum Term<'a> {
    Goto(BlockId),
    /// To `t` when `cond` holds, to `f` otherwise.
    Branch {
        cond: &'a Expr,
        t: BlockId,
        f: BlockId,
    },
    /// To `t` when `subject` equals one of `tests`, to `f` otherwise.
    Case {
        subject: &'a Expr,
        tests: &'a [Expr],
        t: BlockId,
        f: BlockId,
    },
    /// To any of these (a loop's next iteration or exit, an exception's handlers).
    Any(Vec<BlockId>),
    Return(Option<&'a Expr>, Loc),
    /// Leaves the function by an exception (no handler in the function).
    Throw,
    /// The end of the function's body.
    End,
}

#[derive(Debug)]
pub struct Block<'a> {
    pub instrs: Vec<Instr<'a>>,
    pub term: Term<'a>,
    /// Where an exception raised in this block goes.
    pub handler: Option<BlockId>,
}

#[derive(Debug)]
pub struct Cfg<'a> {
    pub blocks: Vec<Block<'a>>,
}

impl<'a> Cfg<'a> {
    pub const ENTRY: BlockId = 0;

    pub fn build(body: &'a [Stmt]) -> Cfg<'a> {
        let mut b = Builder {
            blocks: Vec::new(),
            cur: 0,
            targets: Vec::new(),
            handlers: Vec::new(),
        };
        b.cur = b.new_block();
        b.stmts(body);
        b.terminate(Term::End);
        Cfg { blocks: b.blocks }
    }

    /// The successors of `b` by normal control flow (not exceptions).
    pub fn succs(&self, b: BlockId) -> Vec<BlockId> {
        match &self.blocks[b].term {
            Term::Goto(x) => vec![*x],
            Term::Branch { t, f, .. } | Term::Case { t, f, .. } => vec![*t, *f],
            Term::Any(v) => v.clone(),
            Term::Return(..) | Term::Throw | Term::End => Vec::new(),
        }
    }
}

/// Where `break` and `continue` go inside a loop, `switch` or labelled block.
struct Target {
    label: Option<String>,
    brk: BlockId,
    /// `None` for a `switch` or a labelled block.
    cont: Option<BlockId>,
    /// A `switch` case's next case (Go's `fallthrough`).
    next_case: Option<BlockId>,
}

struct Builder<'a> {
    blocks: Vec<Block<'a>>,
    cur: BlockId,
    targets: Vec<Target>,
    handlers: Vec<BlockId>,
}

impl<'a> Builder<'a> {
    fn new_block(&mut self) -> BlockId {
        self.blocks.push(Block {
            instrs: Vec::new(),
            term: Term::End,
            handler: self.handlers.last().copied(),
        });
        self.blocks.len() - 1
    }

    fn emit(&mut self, i: Instr<'a>) {
        self.blocks[self.cur].instrs.push(i);
    }

    /// Ends the current block with `t`; what follows goes into a fresh block, which nothing
    /// reaches unless a jump does.
    fn terminate(&mut self, t: Term<'a>) {
        self.blocks[self.cur].term = t;
        self.cur = self.new_block();
    }

    fn goto(&mut self, b: BlockId) {
        self.terminate(Term::Goto(b));
    }

    fn stmts(&mut self, ss: &'a [Stmt]) {
        for s in ss {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::Assign {
                target,
                value,
                op,
                loc,
            } => self.emit(Instr::Assign {
                target,
                value,
                op: *op,
                loc: *loc,
            }),
            Stmt::Decl {
                name,
                ty,
                value,
                loc,
            } => self.emit(Instr::Decl {
                name,
                ty,
                value: value.as_ref(),
                loc: *loc,
            }),
            Stmt::Expr(e) => self.emit(Instr::Eval(e)),
            Stmt::If { cond, then, els } => {
                let (t, f, join) = (self.new_block(), self.new_block(), self.new_block());
                self.terminate(Term::Branch { cond, t, f });
                self.cur = t;
                self.stmts(then);
                self.goto(join);
                self.cur = f;
                self.stmts(els);
                self.goto(join);
                self.cur = join;
            }
            Stmt::While {
                cond,
                body,
                update,
                do_while,
                label,
            } => {
                let (head, body_b, upd, exit) = (
                    self.new_block(),
                    self.new_block(),
                    self.new_block(),
                    self.new_block(),
                );
                // The first test is a block of its own, reached from the entry only: a loop
                // that always runs once (`i = 0; while i < 3`) does not exit with the state
                // it started with. The head then tests the states the body left.
                let first = match cond {
                    Some(c) if !*do_while => {
                        let b = self.new_block();
                        self.goto(b);
                        self.cur = b;
                        self.terminate(Term::Branch {
                            cond: c,
                            t: body_b,
                            f: exit,
                        });
                        true
                    }
                    _ => false,
                };
                if !first {
                    self.goto(if *do_while { body_b } else { head });
                }
                self.cur = head;
                match cond {
                    Some(c) => self.terminate(Term::Branch {
                        cond: c,
                        t: body_b,
                        f: exit,
                    }),
                    None => self.goto(body_b),
                }
                self.targets.push(Target {
                    label: label.clone(),
                    brk: exit,
                    cont: Some(upd),
                    next_case: None,
                });
                self.cur = body_b;
                self.stmts(body);
                self.goto(upd);
                self.targets.pop();
                self.cur = upd;
                self.stmts(update);
                self.goto(head);
                self.cur = exit;
            }
            Stmt::ForEach {
                target,
                keys,
                iter,
                body,
                orelse,
                label,
            } => {
                // The iterable is evaluated once, before the loop.
                self.emit(Instr::Eval(iter));
                let (head, body_b, done, exit) = (
                    self.new_block(),
                    self.new_block(),
                    self.new_block(),
                    self.new_block(),
                );
                self.goto(head);
                self.cur = head;
                self.terminate(Term::Any(vec![body_b, done]));
                self.targets.push(Target {
                    label: label.clone(),
                    brk: exit,
                    cont: Some(head),
                    next_case: None,
                });
                self.cur = body_b;
                self.emit(Instr::Elem {
                    target,
                    iter,
                    keys: *keys,
                });
                self.stmts(body);
                self.goto(head);
                self.targets.pop();
                self.cur = done;
                self.stmts(orelse);
                self.goto(exit);
                self.cur = exit;
            }
            Stmt::Switch {
                subject,
                cases,
                fallthrough,
                label,
            } => self.switch(subject, cases, *fallthrough, label.clone()),
            Stmt::Try {
                body,
                catches,
                orelse,
                finally,
            } => {
                let (handler, after) = (self.new_block(), self.new_block());
                // The body's blocks (from a fresh one on) raise into `handler`.
                self.handlers.push(handler);
                let start = self.new_block();
                self.goto(start);
                self.cur = start;
                self.stmts(body);
                let end = self.new_block();
                self.goto(end);
                self.handlers.pop();
                self.cur = end;
                self.stmts(orelse);
                self.stmts(finally);
                self.goto(after);
                self.cur = handler;
                if catches.is_empty() {
                    // No handler here: `finally` runs, then the exception goes on.
                    self.stmts(finally);
                    self.raise();
                } else {
                    let entries: Vec<BlockId> = catches.iter().map(|_| self.new_block()).collect();
                    self.terminate(Term::Any(entries.clone()));
                    for (c, b) in catches.iter().zip(entries) {
                        self.cur = b;
                        if let Some(name) = &c.bind {
                            self.emit(Instr::Catch(name));
                        }
                        self.stmts(&c.body);
                        self.stmts(finally);
                        self.goto(after);
                    }
                }
                self.cur = after;
            }
            Stmt::Return(e, loc) => self.terminate(Term::Return(e.as_ref(), *loc)),
            Stmt::Throw(e) => {
                if let Some(e) = e {
                    self.emit(Instr::Eval(e));
                }
                self.raise();
            }
            Stmt::Break(label) => {
                let to = self
                    .targets
                    .iter()
                    .rev()
                    .find(|t| match label {
                        Some(l) => t.label.as_deref() == Some(l.as_str()),
                        // An unlabelled break leaves the innermost loop or switch, not a
                        // labelled block.
                        None => t.cont.is_some() || t.next_case.is_some() || t.label.is_none(),
                    })
                    .map(|t| t.brk);
                match to {
                    Some(b) => self.goto(b),
                    None => self.terminate(Term::Throw),
                }
            }
            Stmt::Continue(label) => {
                let to = if label.as_deref() == Some("$fallthrough") {
                    self.targets.iter().rev().find_map(|t| t.next_case)
                } else {
                    self.targets
                        .iter()
                        .rev()
                        .filter(|t| t.cont.is_some())
                        .find(|t| match label {
                            Some(l) => t.label.as_deref() == Some(l.as_str()),
                            None => true,
                        })
                        .and_then(|t| t.cont)
                };
                match to {
                    Some(b) => self.goto(b),
                    None => self.terminate(Term::Throw),
                }
            }
            Stmt::Labeled(label, body) => {
                let exit = self.new_block();
                self.targets.push(Target {
                    label: Some(label.clone()),
                    brk: exit,
                    cont: None,
                    next_case: None,
                });
                self.stmts(body);
                self.goto(exit);
                self.targets.pop();
                self.cur = exit;
            }
            Stmt::Block(b) => self.stmts(b),
            Stmt::FuncDef(name, id) => self.emit(Instr::FuncDef(name, *id)),
        }
    }

    /// An exception: to the innermost handler, or out of the function.
    fn raise(&mut self) {
        match self.handlers.last().copied() {
            Some(h) => self.goto(h),
            None => self.terminate(Term::Throw),
        }
    }

    fn switch(
        &mut self,
        subject: &'a Expr,
        cases: &'a [Case],
        fallthrough: bool,
        label: Option<String>,
    ) {
        self.emit(Instr::Eval(subject));
        let exit = self.new_block();
        let bodies: Vec<BlockId> = cases.iter().map(|_| self.new_block()).collect();
        // The tests in order; a case without tests (`default`, `case _`) is taken when none
        // of the others matched.
        let default = cases
            .iter()
            .position(|c| c.tests.is_empty() && c.guard.is_none());
        for (i, c) in cases.iter().enumerate() {
            if c.tests.is_empty() && c.guard.is_none() {
                continue;
            }
            let next = self.new_block();
            let into = match &c.guard {
                Some(g) => {
                    let gb = self.new_block();
                    let after_guard = gb;
                    if c.tests.is_empty() {
                        self.goto(gb);
                    } else {
                        self.terminate(Term::Case {
                            subject,
                            tests: &c.tests,
                            t: gb,
                            f: next,
                        });
                    }
                    self.cur = after_guard;
                    if let Some(b) = &c.binds {
                        self.emit(Instr::Bind {
                            target: b,
                            value: subject,
                        });
                    }
                    self.terminate(Term::Branch {
                        cond: g,
                        t: bodies[i],
                        f: next,
                    });
                    None
                }
                None => Some(bodies[i]),
            };
            if let Some(t) = into {
                self.terminate(Term::Case {
                    subject,
                    tests: &c.tests,
                    t,
                    f: next,
                });
            }
            self.cur = next;
        }
        self.goto(default.map_or(exit, |d| bodies[d]));
        for (i, c) in cases.iter().enumerate() {
            let next = bodies.get(i + 1).copied();
            self.cur = bodies[i];
            if c.guard.is_none()
                && let Some(b) = &c.binds
            {
                self.emit(Instr::Bind {
                    target: b,
                    value: subject,
                });
            }
            self.targets.push(Target {
                label: label.clone(),
                brk: exit,
                cont: None,
                next_case: Some(next.unwrap_or(exit)),
            });
            self.stmts(&c.body);
            self.targets.pop();
            match next {
                Some(n) if fallthrough => self.goto(n),
                _ => self.goto(exit),
            }
        }
        self.cur = exit;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ir::{Expr, Lit, Loc, Stmt};

    fn lit() -> Expr {
        Expr::Lit(Lit::Int(1), Loc::default())
    }

    #[test]
    fn break_leaves_the_loop_and_continue_goes_back() {
        let body = vec![Stmt::While {
            cond: Some(lit()),
            body: vec![
                Stmt::If {
                    cond: lit(),
                    then: vec![Stmt::Break(None)],
                    els: vec![Stmt::Continue(None)],
                },
                Stmt::Expr(lit()),
            ],
            update: vec![],
            do_while: false,
            label: None,
        }];
        let cfg = Cfg::build(&body);
        // Every block reachable from the entry; the statement after the if is unreachable.
        let mut seen = vec![false; cfg.blocks.len()];
        let mut stack = vec![Cfg::ENTRY];
        while let Some(b) = stack.pop() {
            if std::mem::replace(&mut seen[b], true) {
                continue;
            }
            stack.extend(cfg.succs(b));
        }
        let evals_reached = cfg
            .blocks
            .iter()
            .enumerate()
            .filter(|(i, b)| seen[*i] && b.instrs.iter().any(|x| matches!(x, Instr::Eval(_))))
            .count();
        assert_eq!(evals_reached, 0, "{cfg:#?}");
        assert!(seen.iter().filter(|s| **s).count() >= 5);
    }
}
