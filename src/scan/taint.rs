//! Intra-procedural taint tracking over the IR: sources → propagation → sinks, blocked by
//! sanitizers and by guards.
//!
//! Each function is analysed on its own, statement by statement, with an environment that
//! maps variables (and `a.b` paths) to their taint. Branches are analysed on copies and
//! merged; a branch that always leaves (return, raise, abort, continue) does not flow on,
//! and the condition that led into it refines what does: after `if not ok(v): abort()`,
//! `v` is validated. A containment test (`startswith`, `commonpath`, `HasPrefix`) proves
//! only a canonical path (`realpath`, `resolve`, `Clean`, `normalize`) safe, and only as a
//! path; `realpath` alone, or `replace("..", "")`, proves nothing.

use std::collections::{HashMap, HashSet};

use super::ir::{Arg, Call, CmpOp, Expr, Function, Loc, Module, Stmt};
use super::rules::{Kind, Pack, Validator, matches, prefix_matches};

/// One step of a flow, for people and for SARIF code flows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub line: u32,
    pub col: u32,
    pub what: String,
}

/// A tainted value reaching a sink.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flow {
    pub kind: Kind,
    /// The sink's position.
    pub line: u32,
    pub col: u32,
    /// The sink as written (`open`, `cursor.execute`).
    pub sink: String,
    /// Source first, then the steps in between.
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
struct Taint {
    steps: Vec<Step>,
    /// Kinds this value is safe for.
    cleared: u8,
    /// The value is a canonical path (realpath, resolve, Clean...).
    canonical: bool,
    /// The value is an array/list literal (an argv list, not a command string).
    list: bool,
}

impl Taint {
    fn source(loc: Loc, what: String) -> Taint {
        Taint {
            steps: vec![Step {
                line: loc.line,
                col: loc.col,
                what,
            }],
            cleared: 0,
            canonical: false,
            list: false,
        }
    }

    fn step(mut self, loc: Loc, what: impl FnOnce() -> String) -> Taint {
        const MAX_STEPS: usize = 12;
        if self.steps.len() < MAX_STEPS && self.steps.last().is_none_or(|s| s.line != loc.line) {
            self.steps.push(Step {
                line: loc.line,
                col: loc.col,
                what: what(),
            });
        }
        self
    }
}

/// Several tainted parts make one value: safe for a kind only if every part is.
fn combine(parts: impl IntoIterator<Item = Option<Taint>>) -> Option<Taint> {
    let mut out: Option<Taint> = None;
    let mut n = 0;
    for t in parts.into_iter().flatten() {
        n += 1;
        out = Some(match out {
            None => t,
            Some(mut o) => {
                o.cleared &= t.cleared;
                o
            }
        });
    }
    if n > 1
        && let Some(o) = &mut out
    {
        o.canonical = false;
        o.list = false;
    }
    out
}

#[derive(Debug, Clone, Default)]
struct Env {
    vars: HashMap<String, Taint>,
    /// Booleans that hold a test (`ok = v in ALLOWED`), so `if not ok` validates `v`.
    tests: HashMap<String, Expr>,
    /// Relative paths (`rel = filepath.Rel(base, p)`) → the variables they were made from.
    relative_of: HashMap<String, Vec<String>>,
}

impl Env {
    /// Union of two branches: a variable is as dangerous as in the worse branch.
    fn merge(mut self, other: Env) -> Env {
        for (k, t) in other.vars {
            match self.vars.get_mut(&k) {
                Some(mine) => mine.cleared &= t.cleared,
                None => {
                    self.vars.insert(k, t);
                }
            }
        }
        self.tests.extend(other.tests);
        self.relative_of.extend(other.relative_of);
        self
    }
}

/// What a condition proves when true, and when false: (variable, proof) pairs.
type Proofs = (Vec<(String, Proof)>, Vec<(String, Proof)>);

/// What a true (or false) condition proves about a variable.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Proof {
    /// Safe for every kind (allowlist, anchored regex, equality, numeric).
    Full,
    /// Contained in a base directory: safe as a path, if the value is canonical.
    Contained { canonical: bool },
}

pub struct Analyzer<'a> {
    pack: &'a Pack,
    imports: &'a HashMap<String, String>,
    env_sources: bool,
    /// Names that are request objects in the function being analysed.
    roots: HashSet<String>,
    pub flows: Vec<Flow>,
    seen: HashSet<(u32, u32, Kind)>,
}

impl<'a> Analyzer<'a> {
    pub fn new(pack: &'a Pack, module: &'a Module, env_sources: bool) -> Analyzer<'a> {
        Analyzer {
            pack,
            imports: &module.imports,
            env_sources,
            roots: HashSet::new(),
            flows: Vec::new(),
            seen: HashSet::new(),
        }
    }

    pub fn run(mut self, module: &Module) -> Vec<Flow> {
        for f in &module.functions {
            self.function(f);
        }
        self.flows.sort_by_key(|f| (f.line, f.col, f.kind));
        self.flows
    }

    fn function(&mut self, f: &Function) {
        let mut env = Env::default();
        self.roots = self.pack.request_names.iter().cloned().collect();
        for p in &f.params {
            if p.ty.as_deref().is_some_and(|ty| {
                self.pack
                    .request_types
                    .iter()
                    .any(|rt| ty.contains(rt.as_str()))
            }) {
                self.roots.insert(p.name.clone());
            }
        }
        for (i, p) in f.params.iter().enumerate() {
            if self.roots.contains(&p.name) {
                continue;
            }
            if let Some(why) = self.untrusted_param(f, i) {
                env.vars.insert(p.name.clone(), Taint::source(f.loc, why));
            }
        }
        self.block(&f.body, &mut env);
    }

    /// Whether parameter `i` of `f` is untrusted input, and why.
    fn untrusted_param(&self, f: &Function, i: usize) -> Option<String> {
        let p = &f.params[i];
        for h in &self.pack.handlers {
            if let Some(name) = &h.function
                && &f.name != name
            {
                continue;
            }
            if let Some(pn) = &h.param
                && &p.name != pn
            {
                continue;
            }
            if h.unless_type
                .iter()
                .any(|t| p.ty.as_deref().is_some_and(|ty| ty.trim() == t.as_str()))
            {
                continue;
            }
            let by_decorator = h
                .decorator
                .as_ref()
                .and_then(|d| f.decorators.iter().find(|x| x.contains(d.as_str())));
            if let Some(a) = &h.annotation {
                if p.annotations.iter().any(|x| x.contains(a.as_str())) {
                    return Some(format!("handler parameter `{}` ({a})", p.name));
                }
                continue;
            }
            if h.decorator.is_some() && by_decorator.is_none() {
                continue;
            }
            if p.annotations.iter().any(|a| a.contains("Depends"))
                || p.name == "self"
                || p.name == "cls"
            {
                continue;
            }
            let ok = match h.params.as_str() {
                "after_first" => {
                    i > 0
                        && f.params
                            .first()
                            .is_some_and(|p0| self.roots.contains(&p0.name))
                }
                // Typed converters (`<int:id>`, `<uuid:id>`) are validated by the framework.
                "route" => by_decorator.is_some_and(|d| {
                    let typed = ["int", "float", "uuid"]
                        .iter()
                        .any(|c| d.contains(&format!("<{c}:{}>", p.name)));
                    !typed
                        && (d.contains(&format!("<{}>", p.name))
                            || d.contains(&format!(":{}>", p.name))
                            || d.contains(&format!("{{{}}}", p.name))
                            || d.contains(&format!("{{{}:", p.name)))
                }),
                _ => true,
            };
            if ok {
                let why = match by_decorator {
                    Some(d) => format!("route parameter `{}` of {d}", p.name),
                    None => format!("parameter `{}`", p.name),
                };
                return Some(why);
            }
        }
        None
    }

    /// Runs `stmts`; true when control never falls through.
    fn block(&mut self, stmts: &[Stmt], env: &mut Env) -> bool {
        for s in stmts {
            if self.stmt(s, env) {
                return true;
            }
        }
        false
    }

    fn stmt(&mut self, s: &Stmt, env: &mut Env) -> bool {
        match s {
            Stmt::Assign {
                targets,
                value,
                aug,
                loc,
            } => {
                let t = self.eval(value, env);
                let test =
                    !self.proofs(value, env).0.is_empty() || !self.proofs(value, env).1.is_empty();
                let relative_to = self.relativized(value, env);
                for target in targets {
                    self.assign(target, t.clone(), *aug, *loc, env);
                    if let Some(k) = self.key(target) {
                        if test {
                            env.tests.insert(k.clone(), value.clone());
                        } else {
                            env.tests.remove(&k);
                        }
                        match &relative_to {
                            Some(keys) => {
                                env.relative_of.insert(k, keys.clone());
                            }
                            None => {
                                env.relative_of.remove(&k);
                            }
                        }
                    }
                }
                false
            }
            Stmt::Expr(e) => {
                self.eval(e, env);
                self.is_exit(e)
            }
            Stmt::If { cond, then, els } => {
                self.eval(cond, env);
                let (on_true, on_false) = self.proofs(cond, env);
                let mut then_env = env.clone();
                self.apply(&on_true, &mut then_env);
                let then_exits = self.block(then, &mut then_env);
                let mut else_env = env.clone();
                self.apply(&on_false, &mut else_env);
                let else_exits = self.block(els, &mut else_env);
                match (then_exits, else_exits) {
                    (true, true) => return true,
                    (true, false) => *env = else_env,
                    (false, true) => *env = then_env,
                    (false, false) => *env = then_env.merge(else_env),
                }
                false
            }
            Stmt::Loop { vars, iter, body } => {
                if let Some(it) = iter {
                    let t = self.eval(it, env);
                    for v in vars {
                        self.assign(v, t.clone(), false, it.loc(), env);
                    }
                }
                // Twice, so a value tainted late in the body reaches uses early in it.
                let mut body_env = env.clone();
                self.block(body, &mut body_env);
                let merged = env.clone().merge(body_env);
                let mut second = merged.clone();
                self.block(body, &mut second);
                *env = merged.merge(second);
                false
            }
            Stmt::Return(e) => {
                if let Some(e) = e {
                    self.eval(e, env);
                }
                true
            }
            Stmt::Throw | Stmt::Jump => true,
            Stmt::Block(b) => self.block(b, env),
        }
    }

    fn assign(&mut self, target: &Expr, t: Option<Taint>, aug: bool, loc: Loc, env: &mut Env) {
        match target {
            Expr::Seq(items, _) => {
                for i in items {
                    self.assign(i, t.clone(), aug, loc, env);
                }
            }
            // `d[k] = v` / `obj.f = v`: a tainted element taints the container.
            Expr::Index(base, _, _) => {
                if t.is_some() {
                    self.assign(base, t, true, loc, env);
                }
            }
            _ => {
                let Some(k) = self.key(target) else { return };
                let t = t.map(|t| t.step(loc, || format!("assigned to `{k}`")));
                if aug {
                    let old = env.vars.get(&k).cloned();
                    if let Some(t) = combine([old, t]) {
                        env.vars.insert(k, t);
                    }
                } else {
                    match t {
                        Some(t) => {
                            env.vars.insert(k, t);
                        }
                        None => {
                            env.vars.remove(&k);
                        }
                    }
                }
            }
        }
    }

    /// The environment key of an assignable expression (`x`, `self.path`).
    fn key(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Name(n, _) => Some(n.clone()),
            Expr::Attr(base, a, _) => self.key(base).map(|b| format!("{b}.{a}")),
            _ => None,
        }
    }

    /// The access path of an expression with imports resolved and request objects written
    /// `$req`: `request.args.get()` → `$req.args.get()`, `osp.join` → `os.path.join`.
    fn path(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Name(n, _) => {
                if self.roots.contains(n) {
                    return Some("$req".into());
                }
                Some(self.imports.get(n).cloned().unwrap_or_else(|| n.clone()))
            }
            Expr::Attr(base, a, _) => self.path(base).map(|b| format!("{b}.{a}")),
            Expr::Index(base, _, _) => self.path(base).map(|b| format!("{b}[]")),
            Expr::Call(c) => self.path(&c.callee).map(|b| format!("{b}()")),
            _ => None,
        }
    }

    fn callee_path(&self, c: &Call) -> Option<String> {
        self.path(&c.callee)
    }

    fn source_at(&self, path: &str) -> Option<&str> {
        self.pack
            .sources
            .iter()
            .find(|s| (!s.env || self.env_sources) && prefix_matches(&s.path, path))
            .map(|s| s.path.as_str())
    }

    fn eval(&mut self, e: &Expr, env: &mut Env) -> Option<Taint> {
        match e {
            Expr::Name(n, loc) => {
                if let Some(t) = env.vars.get(n) {
                    return Some(t.clone());
                }
                let p = self.path(e)?;
                self.source_at(&p)
                    .map(|src| Taint::source(*loc, format!("untrusted input `{}`", shown(src, n))))
            }
            Expr::Attr(base, _, loc) | Expr::Index(base, _, loc) => {
                if let Expr::Index(_, idx, _) = e {
                    self.eval(idx, env);
                }
                if let Some(p) = self.path(e)
                    && let Some(src) = self.source_at(&p)
                {
                    return Some(Taint::source(
                        *loc,
                        format!("untrusted input `{}`", shown(src, "")),
                    ));
                }
                if let Some(k) = self.key(e)
                    && let Some(t) = env.vars.get(&k)
                {
                    return Some(t.clone());
                }
                self.eval(base, env)
            }
            Expr::Call(c) => self.call(c, env),
            Expr::Str { parts, .. } => {
                let ts: Vec<Option<Taint>> = parts.iter().map(|p| self.eval(p, env)).collect();
                combine(ts).map(|mut t| {
                    t.list = false;
                    t.step(e.loc(), || "formatted into a string".into())
                })
            }
            Expr::Binary(a, b, loc) => {
                let ts = [self.eval(a, env), self.eval(b, env)];
                combine(ts).map(|mut t| {
                    t.list = false;
                    t.canonical = false;
                    t.step(*loc, || "concatenated".into())
                })
            }
            Expr::Seq(v, _) => {
                let ts: Vec<Option<Taint>> = v.iter().map(|p| self.eval(p, env)).collect();
                combine(ts).map(|mut t| {
                    t.list = true;
                    t
                })
            }
            Expr::Compare(_, a, b, _) => {
                self.eval(a, env);
                self.eval(b, env);
                None
            }
            Expr::Not(a) => {
                self.eval(a, env);
                None
            }
            // `x = a or b` yields a value in Python and JavaScript.
            Expr::And(v) | Expr::Or(v) | Expr::Other(v, _) => {
                let ts: Vec<Option<Taint>> = v.iter().map(|p| self.eval(p, env)).collect();
                combine(ts)
            }
            Expr::Object(kv, _) => {
                let ts: Vec<Option<Taint>> = kv.iter().map(|(_, v)| self.eval(v, env)).collect();
                combine(ts)
            }
            Expr::Lit(..) => None,
        }
    }

    fn call(&mut self, c: &Call, env: &mut Env) -> Option<Taint> {
        let path = self.callee_path(c);
        let (receiver, method) = match &c.callee {
            Expr::Attr(base, m, _) => (Some(base.as_ref()), Some(m.as_str())),
            _ => (None, None),
        };
        let recv_taint = receiver.and_then(|r| self.eval(r, env));
        let arg_taints: Vec<Option<Taint>> =
            c.args.iter().map(|a| self.eval(&a.value, env)).collect();

        // A source introduced by this call (`request.get_json()`), not one already in the
        // receiver (`request.args.get()` carries the taint of `request.args`).
        if let Some(p) = &path {
            let in_receiver = receiver
                .and_then(|r| self.path(r))
                .is_some_and(|rp| self.source_at(&rp).is_some());
            if !in_receiver
                && let Some(src) = self
                    .source_at(p)
                    .or_else(|| self.source_at(&format!("{p}()")))
            {
                return Some(Taint::source(
                    c.loc,
                    format!("untrusted input `{}`", shown(src, "")),
                ));
            }
        }
        self.check_sinks(c, path.as_deref(), method, &recv_taint, &arg_taints);

        let p = path.as_deref().unwrap_or("");
        let named = |list: &[String]| list.iter().any(|pat| matches(pat, p));
        if named(&self.pack.exits) {
            return None;
        }
        let all = || combine(std::iter::once(recv_taint.clone()).chain(arg_taints.iter().cloned()));
        for s in &self.pack.sanitizers {
            let hit = s.call.as_ref().is_some_and(|pat| matches(pat, p))
                || (s.method.is_some() && s.method.as_deref() == method);
            if hit {
                let bits = s.kinds.iter().fold(0u8, |b, k| b | k.bits());
                return all().map(|mut t| {
                    t.cleared |= bits;
                    t.step(c.loc, || format!("sanitized by `{}`", shown(p, "call")))
                });
            }
        }
        if named(&self.pack.canonicalizers) {
            return all().map(|mut t| {
                t.canonical = true;
                t.step(c.loc, || format!("canonicalized by `{}`", shown(p, "call")))
            });
        }
        if named(&self.pack.non_propagating) {
            return None;
        }
        all().map(|mut t| {
            t.list = false;
            t.step(c.loc, || format!("passed through `{}`", shown(p, "call")))
        })
    }

    fn check_sinks(
        &mut self,
        c: &Call,
        path: Option<&str>,
        method: Option<&str>,
        recv: &Option<Taint>,
        args: &[Option<Taint>],
    ) {
        let p = path.unwrap_or("");
        for sink in &self.pack.sinks {
            let by_call = sink.call.as_ref().is_some_and(|pat| matches(pat, p));
            let by_method =
                sink.method.is_some() && sink.method.as_deref() == method && recv.is_some();
            if !by_call && !by_method {
                continue;
            }
            if !self.conditions_hold(sink, c) {
                continue;
            }
            let tainted: Option<&Taint> = if by_method && !by_call {
                recv.as_ref()
            } else {
                let positional: Vec<(usize, &Option<Taint>)> = c
                    .args
                    .iter()
                    .zip(args)
                    .filter(|(a, _)| a.name.is_none())
                    .enumerate()
                    .map(|(i, (_, t))| (i, t))
                    .collect();
                positional
                    .into_iter()
                    .filter(|(i, _)| sink.args.is_empty() || sink.args.contains(i))
                    .find_map(|(_, t)| {
                        t.as_ref().filter(|t| {
                            t.cleared & sink.kind.bit() == 0 && !(sink.unless_list && t.list)
                        })
                    })
            };
            let Some(t) = tainted
                .filter(|t| t.cleared & sink.kind.bit() == 0 && !(sink.unless_list && t.list))
            else {
                continue;
            };
            if !self.seen.insert((c.loc.line, c.loc.col, sink.kind)) {
                continue;
            }
            self.flows.push(Flow {
                kind: sink.kind,
                line: c.loc.line,
                col: c.loc.col,
                sink: if p.is_empty() {
                    method.unwrap_or("call").to_string()
                } else {
                    p.replace("$req", "request")
                },
                steps: t.steps.clone(),
            });
        }
    }

    fn conditions_hold(&self, sink: &super::rules::Sink, c: &Call) -> bool {
        let kw = |name: &str| c.args.iter().find(|a| a.name.as_deref() == Some(name));
        let text_of = |a: &Arg| -> String {
            match &a.value {
                Expr::Lit(t, _) => t.clone(),
                Expr::Str { text: Some(t), .. } => t.clone(),
                other => self.path(other).unwrap_or_default(),
            }
        };
        let one_of = |value: &str, alts: &str| {
            alts == "*"
                || alts
                    .split('|')
                    .any(|a| a == value || value.rsplit('.').next() == Some(a))
        };
        for (k, alts) in &sink.when_kwarg {
            if !kw(k).is_some_and(|a| one_of(&text_of(a), alts)) {
                return false;
            }
        }
        for (k, alts) in &sink.unless_kwarg {
            if kw(k).is_some_and(|a| one_of(&text_of(a), alts)) {
                return false;
            }
        }
        let positional: Vec<&Arg> = c.args.iter().filter(|a| a.name.is_none()).collect();
        for (i, alts) in &sink.when_args {
            if !positional
                .get(*i)
                .is_some_and(|a| a.value.text().is_some_and(|t| one_of(t, alts)))
            {
                return false;
            }
        }
        if let Some(key) = &sink.unless_option {
            let has =
                |e: &Expr| matches!(e, Expr::Object(kv, _) if kv.iter().any(|(k, _)| k == key));
            if c.args
                .iter()
                .any(|a| has(&a.value) || a.name.as_deref() == Some(key))
            {
                return false;
            }
        }
        true
    }

    fn is_exit(&self, e: &Expr) -> bool {
        let Expr::Call(c) = e else { return false };
        let Some(p) = self.callee_path(c) else {
            return false;
        };
        self.pack.exits.iter().any(|pat| matches(pat, &p))
    }

    // ---- guards ----

    /// What `cond` proves when true, and when false: (variable, proof) pairs.
    fn proofs(&self, cond: &Expr, env: &Env) -> Proofs {
        match cond {
            Expr::Not(e) => {
                let (t, f) = self.proofs(e, env);
                (f, t)
            }
            // `a and b` true proves what either proves; false proves only what every
            // conjunct's falsity proves (`x != "a" and x != "b"` false: x is "a" or "b").
            Expr::And(v) => {
                let parts: Vec<Proofs> = v.iter().map(|e| self.proofs(e, env)).collect();
                let on_true = parts.iter().flat_map(|p| p.0.clone()).collect();
                (on_true, common(parts.iter().map(|p| &p.1)))
            }
            Expr::Or(v) => {
                let parts: Vec<Proofs> = v.iter().map(|e| self.proofs(e, env)).collect();
                let on_false = parts.iter().flat_map(|p| p.1.clone()).collect();
                (common(parts.iter().map(|p| &p.0)), on_false)
            }
            Expr::Name(n, _) => match env.tests.get(n) {
                Some(test) => self.proofs(test, env),
                None => (Vec::new(), Vec::new()),
            },
            Expr::Compare(op, a, b, _) => {
                let is_const = |e: &Expr| {
                    matches!(
                        e,
                        Expr::Lit(..)
                            | Expr::Str {
                                parts: _,
                                text: Some(_),
                                ..
                            }
                    )
                };
                match op {
                    CmpOp::In => (self.subjects(a, env, Proof::Full), Vec::new()),
                    CmpOp::NotIn => (Vec::new(), self.subjects(a, env, Proof::Full)),
                    CmpOp::Eq | CmpOp::Ne => {
                        // `check(v) is None`, `commonpath([base, p]) == base`, `v == "x"`.
                        let (t, f) = if let Some(inner) = [a, b]
                            .into_iter()
                            .find(|e| matches!(e.as_ref(), Expr::Call(_)))
                        {
                            let other = if std::ptr::eq(inner.as_ref(), a.as_ref()) {
                                b
                            } else {
                                a
                            };
                            let (t, f) = self.proofs(inner, env);
                            let nullish = matches!(other.as_ref(), Expr::Lit(t, _) if matches!(t.as_str(), "None" | "null" | "nil" | "undefined" | "false" | "False"));
                            if nullish { (f, t) } else { (t, f) }
                        } else if is_const(b) {
                            (self.subjects(a, env, Proof::Full), Vec::new())
                        } else if is_const(a) {
                            (self.subjects(b, env, Proof::Full), Vec::new())
                        } else {
                            (Vec::new(), Vec::new())
                        };
                        if *op == CmpOp::Ne { (f, t) } else { (t, f) }
                    }
                    CmpOp::Other => (Vec::new(), Vec::new()),
                }
            }
            Expr::Call(c) => self.validator_proofs(c, env),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn validator_proofs(&self, c: &Call, env: &Env) -> Proofs {
        let p = self.callee_path(c).unwrap_or_default();
        let method = match &c.callee {
            Expr::Attr(_, m, _) => Some(m.as_str()),
            _ => None,
        };
        let receiver = match &c.callee {
            Expr::Attr(base, _, _) => Some(base.as_ref()),
            _ => None,
        };
        let positional: Vec<&Expr> = c
            .args
            .iter()
            .filter(|a| a.name.is_none())
            .map(|a| &a.value)
            .collect();
        for v in &self.pack.validators {
            let by_call = v.call.as_ref().is_some_and(|pat| matches(pat, &p));
            let by_method = v.method.is_some() && v.method.as_deref() == method;
            if !by_call && !by_method {
                continue;
            }
            let subject = match v.arg {
                Some(i) => positional.get(i).copied(),
                None => receiver,
            };
            let Some(subject) = subject else { continue };
            if v.anchored && !self.anchored(v, receiver, &positional) {
                continue;
            }
            // `rel.startsWith("..")` / `HasPrefix(rel, "..")`: true means *escaping*.
            let escaping = v.containment
                && positional
                    .iter()
                    .copied()
                    .chain(receiver)
                    .any(|e| e.text().is_some_and(|t| t.starts_with("..")));
            let proof = if v.containment {
                Proof::Contained {
                    canonical: is_canonical_expr(self, subject),
                }
            } else {
                Proof::Full
            };
            let subjects = self.subjects(subject, env, proof);
            return if escaping {
                (Vec::new(), subjects)
            } else {
                (subjects, Vec::new())
            };
        }
        (Vec::new(), Vec::new())
    }

    fn anchored(&self, v: &Validator, receiver: Option<&Expr>, positional: &[&Expr]) -> bool {
        let pattern = match v.pattern_arg {
            Some(i) => positional.get(i).copied(),
            None => receiver,
        };
        let text = pattern.and_then(|p| match p {
            Expr::Str { text: Some(t), .. } => Some(t.clone()),
            Expr::Call(inner) => inner
                .args
                .first()
                .and_then(|a| a.value.text().map(str::to_string)),
            _ => None,
        });
        match text {
            // A regex we cannot see is given the benefit of the doubt.
            None => true,
            Some(t) => {
                let t = t
                    .trim_start_matches('/')
                    .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .trim_end_matches('/');
                (t.starts_with('^') || t.starts_with("\\A"))
                    && (t.ends_with('$') || t.ends_with("\\z") || t.ends_with("\\Z"))
            }
        }
    }

    /// The tainted variables a validated expression speaks for.
    fn subjects(&self, e: &Expr, env: &Env, proof: Proof) -> Vec<(String, Proof)> {
        let mut out = Vec::new();
        collect_keys(self, e, &mut out);
        let mut result = Vec::new();
        for k in out {
            if let Some(from) = env.relative_of.get(&k) {
                for f in from {
                    result.push((f.clone(), Proof::Contained { canonical: true }));
                }
            }
            if env.vars.contains_key(&k) {
                result.push((k, proof));
            }
        }
        result
    }

    fn apply(&self, proofs: &[(String, Proof)], env: &mut Env) {
        for (k, proof) in proofs {
            if let Some(t) = env.vars.get_mut(k) {
                match proof {
                    Proof::Full => t.cleared = 0xff,
                    Proof::Contained { canonical } => {
                        if *canonical || t.canonical {
                            t.cleared |= Kind::Path.bit();
                        }
                    }
                }
            }
        }
    }

    /// `rel = filepath.Rel(base, p)`: the variables `rel` speaks for.
    fn relativized(&self, value: &Expr, env: &Env) -> Option<Vec<String>> {
        let Expr::Call(c) = value else { return None };
        let p = self.callee_path(c)?;
        if !self.pack.relativizers.iter().any(|pat| matches(pat, &p)) {
            return None;
        }
        let mut keys = Vec::new();
        for a in c.args.iter().skip(1) {
            collect_keys(self, &a.value, &mut keys);
        }
        keys.retain(|k| env.vars.contains_key(k));
        (!keys.is_empty()).then_some(keys)
    }
}

/// The proofs every list holds (by variable); the weaker proof when they differ.
fn common<'p>(mut lists: impl Iterator<Item = &'p Vec<(String, Proof)>>) -> Vec<(String, Proof)> {
    let Some(first) = lists.next() else {
        return Vec::new();
    };
    let mut out = first.clone();
    for l in lists {
        out.retain_mut(|(k, p)| match l.iter().find(|(k2, _)| k2 == k) {
            Some((_, Proof::Full)) => true,
            Some((_, other)) => {
                *p = *other;
                true
            }
            None => false,
        });
    }
    out
}

/// Variable keys inside `e`, looking through calls (canonicalizers, joins) and operators.
fn collect_keys(a: &Analyzer<'_>, e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Name(..) | Expr::Attr(..) => {
            if let Some(k) = a.key(e) {
                out.push(k);
            }
            if let Expr::Attr(base, _, _) = e {
                collect_keys(a, base, out);
            }
        }
        Expr::Call(c) => {
            if let Expr::Attr(base, _, _) = &c.callee {
                collect_keys(a, base, out);
            }
            for arg in &c.args {
                collect_keys(a, &arg.value, out);
            }
        }
        Expr::Index(b, _, _) | Expr::Not(b) => collect_keys(a, b, out),
        Expr::Binary(x, y, _) => {
            collect_keys(a, x, out);
            collect_keys(a, y, out);
        }
        Expr::Seq(v, _) | Expr::Other(v, _) | Expr::And(v) | Expr::Or(v) => {
            v.iter().for_each(|x| collect_keys(a, x, out))
        }
        Expr::Str { parts, .. } => parts.iter().for_each(|x| collect_keys(a, x, out)),
        _ => {}
    }
}

/// Whether `e` is a canonicalizer's result (`realpath(x)`, `path.resolve(...)`).
fn is_canonical_expr(a: &Analyzer<'_>, e: &Expr) -> bool {
    match e {
        Expr::Call(c) => a
            .callee_path(c)
            .is_some_and(|p| a.pack.canonicalizers.iter().any(|pat| matches(pat, &p))),
        _ => false,
    }
}

/// A path for messages: `$req` written as `request`.
fn shown(path: &str, fallback: &str) -> String {
    if path.is_empty() {
        fallback.to_string()
    } else {
        path.replace("$req", "request")
    }
}
