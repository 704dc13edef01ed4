//! The data-flow analysis of one file: every function's control-flow graph is solved to a
//! fixpoint (taint facts, constants, shapes; guards refine the state on the edge where they
//! hold, constant conditions prune the dead edge), and each function becomes a summary —
//! what reaches its return value, its parameters and its sinks, in terms of its parameters,
//! the sources it reads and the calls it makes. Calls to the repository's own functions are
//! left symbolic here; [`super::program`] resolves them across files.
//!
//! Function literals (callbacks, lambdas, nested functions) are analysed where they are
//! written, with the variables they capture; a local function called by name is analysed at
//! the call with its arguments.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use super::cfg::{BlockId, Cfg, Instr, Term};
use super::fold;
use super::ir::{
    Arg, AssignOp, BinOp, Call, ClassId, CmpOp, Expr, FnId, FnKind, Function, Lit, Module, Stmt,
};
use super::rules::{Kind, Lang, Pack, Sink, matches, prefix_matches};
use super::summary::{
    ClassInfo, FileSummary, FnSummary, SCall, SFact, SSink, SSource, SVal, Target,
};
use super::value::{Canon, Const, Fact, Key, Origin, RECV, Val, add_fact, add_facts, push_step};

/// What the analysis of a file needs besides the file.
pub struct Settings<'p> {
    pub pack: &'p Pack,
    pub lang: Lang,
    /// Threat models in effect (bits of [`super::rules::model`]).
    pub models: u8,
}

/// Analyses a lowered file.
pub fn analyze(m: &Module, s: &Settings<'_>) -> FileSummary {
    let mut a = Analyzer::new(m, s);
    a.prepare();
    let mut functions = Vec::new();
    // Top-level code first: its constants and sources are the functions' globals.
    let (module_summary, globals) = a.standalone(0);
    a.globals = globals
        .into_iter()
        .filter_map(|(k, v)| keep_global(v).map(|v| (k, v)))
        .collect();
    functions.push(module_summary);
    for (id, f) in m.functions.iter().enumerate().skip(1) {
        if f.parent.is_none() && !is_sliced(f) {
            functions.push(a.standalone(id).0);
        }
    }
    FileSummary {
        functions,
        classes: m
            .classes
            .iter()
            .map(|c| ClassInfo {
                name: c.name.clone(),
                supers: c.supers.clone(),
                is_interface: c.is_interface || c.is_abstract,
                outer: c.outer.map(|o| m.classes[o].name.clone()),
            })
            .collect(),
        imports: m
            .imports
            .iter()
            .map(|i| (i.local.clone(), i.path.clone()))
            .collect(),
        package: m.package.clone(),
        exports: m.exports.clone(),
        covered: None,
        truncated: m.truncated || a.exhausted,
    }
}

/// A function whose body a slice left out (`{$sliced; …}`): nothing is known of it.
fn is_sliced(f: &Function) -> bool {
    matches!(f.body.first(), Some(Stmt::Expr(Expr::Name(n, _))) if n == "$sliced")
}

/// What top-level code leaves for the functions: constants, classes and functions, sources
/// (not its own parameters or calls, which mean nothing inside another function).
fn keep_global(mut v: Val) -> Option<Val> {
    v.facts.retain(|f| matches!(f.origin, Origin::Source(_)));
    v.shape = v.shape.filter(|s| {
        s.fields.values().all(|x| {
            x.facts
                .iter()
                .all(|f| matches!(f.origin, Origin::Source(_)))
        }) && s.rest.iter().all(|f| matches!(f.origin, Origin::Source(_)))
    });
    (v.konst.is_some()
        || v.func.is_some()
        || v.ty.is_some()
        || v.req.is_some()
        || !v.facts.is_empty()
        || v.shape.is_some())
    .then_some(v)
}

/// A variable's refinable place: the variable and a field path under it.
type Place = (Rc<str>, Vec<Key>);

#[derive(Clone, Default)]
struct Env<'a> {
    /// Shared between the states of a function's blocks: a copy of the state copies
    /// pointers, and a value is copied only where a block changes it.
    vars: HashMap<Rc<str>, Rc<Val>>,
    /// Booleans that hold a test (`ok = v in ALLOWED`), so `if not ok` validates `v`.
    tests: HashMap<Rc<str>, &'a Expr>,
    /// Relative paths (`rel = filepath.Rel(base, p)`) → the places they were made from.
    rel: HashMap<Rc<str>, Vec<Place>>,
    /// No path reaches here (after a `return`, `exit()`, a failed constant test).
    dead: bool,
}

impl<'a> Env<'a> {
    fn join(&mut self, o: &Env<'a>) -> bool {
        if o.dead {
            return false;
        }
        if self.dead {
            *self = o.clone();
            return true;
        }
        let mut changed = false;
        for (k, v) in &o.vars {
            match self.vars.get_mut(k) {
                Some(mine) if Rc::ptr_eq(mine, v) => {}
                Some(mine) => {
                    let mut joined = (**mine).clone();
                    if joined.join(v) {
                        *mine = Rc::new(joined);
                        changed = true;
                    }
                }
                None => {
                    let mut v = (**v).clone();
                    v.join(&Val::default());
                    self.vars.insert(k.clone(), Rc::new(v));
                    changed = true;
                }
            }
        }
        for (k, mine) in &mut self.vars {
            if !o.vars.contains_key(k) {
                changed |= Rc::make_mut(mine).join(&Val::default());
            }
        }
        let before = self.tests.len();
        self.tests
            .retain(|k, e| o.tests.get(k).is_some_and(|x| std::ptr::eq(*x, *e)));
        changed |= before != self.tests.len();
        for (k, v) in &o.rel {
            if !self.rel.contains_key(k) {
                self.rel.insert(k.clone(), v.clone());
                changed = true;
            }
        }
        changed
    }
}

/// What a true (or false) condition proves about a place.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Proof {
    /// Safe for every kind (allowlist, anchored regex, equality, numeric).
    Full,
    /// Contained in a base directory: safe as a path if the value is canonical (`canonical`:
    /// the tested expression was canonicalized).
    Contained { canonical: bool },
    /// Safe for these kinds only (a name without `/` or `.` is a safe path, nothing more).
    Kinds(u8),
}

type Proofs = (Vec<(Place, Proof)>, Vec<(Place, Proof)>);

/// A call site as recorded while the function is analysed.
struct CallRec {
    target: Target,
    new: bool,
    line: u32,
    col: u32,
    name: String,
    recv: Option<Val>,
    args: Vec<Val>,
    seen: bool,
}

struct SinkRec {
    kind: Kind,
    line: u32,
    col: u32,
    sink: String,
    facts: Vec<Fact>,
}

/// The state of one standalone function's analysis.
#[derive(Default)]
struct Fx {
    sources: Vec<SSource>,
    source_ids: HashMap<(u32, u32, String), u32>,
    calls: Vec<CallRec>,
    call_ids: HashMap<*const Call, u32>,
    sinks: Vec<SinkRec>,
    sink_ids: HashMap<(u32, u32, Kind), usize>,
    /// Function literals analysed as callbacks already (in the reporting pass), and what
    /// each returned.
    callbacks: HashMap<FnId, Val>,
    /// Java: the names declared as locals (anything else unqualified is a field).
    locals: HashSet<Rc<str>>,
    /// The class of the method being analysed.
    class: Option<ClassId>,
}

/// What one run of a function body produced.
struct Exit<'a> {
    ret: Val,
    env: Env<'a>,
}

struct Analyzer<'a, 'p> {
    m: &'a Module,
    pack: &'p Pack,
    lang: Lang,
    models: u8,
    /// Functions registered as request handlers, and which parameter is the request.
    handlers: HashMap<FnId, usize>,
    /// Top-level functions and classes by name.
    top_fns: HashMap<&'a str, FnId>,
    top_classes: HashMap<&'a str, ClassId>,
    /// Constant static fields by class.
    class_consts: HashMap<(ClassId, String), Val>,
    globals: HashMap<Rc<str>, Val>,
    fx: Fx,
    /// The reporting pass: sinks and calls are recorded.
    report: bool,
    /// How deep local functions are being analysed inside each other.
    depth: usize,
    /// Instructions the current top-level function may still spend: nested closures and
    /// callbacks are analysed in place, so one function's cost is bounded here.
    fuel: u32,
    /// What the file's remaining functions may still spend.
    file_fuel: u32,
    /// Some function ran out of fuel: its analysis was cut short.
    exhausted: bool,
    /// The local functions being analysed in place, innermost last.
    inlining: Vec<FnId>,
}

/// How deep local functions and callbacks are analysed inside each other.
const MAX_INLINE: usize = 4;
/// The most times one block is visited before the fixpoint stops refining it.
const MAX_VISITS: u32 = 40;
/// Instructions one top-level function's analysis may run, its closures included.
const FUEL: u32 = 10_000;
/// Instructions one file's analysis may run: a very large file is followed in part.
const FILE_FUEL: u32 = 50_000;

impl<'a, 'p> Analyzer<'a, 'p> {
    fn new(m: &'a Module, s: &Settings<'p>) -> Self {
        Analyzer {
            m,
            pack: s.pack,
            lang: s.lang,
            models: s.models,
            handlers: HashMap::new(),
            top_fns: HashMap::new(),
            top_classes: HashMap::new(),
            class_consts: HashMap::new(),
            globals: HashMap::new(),
            fx: Fx::default(),
            report: false,
            depth: 0,
            fuel: FUEL,
            file_fuel: FILE_FUEL,
            exhausted: false,
            inlining: Vec::new(),
        }
    }

    /// Names, registrations and constant fields, before any function is analysed.
    fn prepare(&mut self) {
        for (i, f) in self.m.functions.iter().enumerate() {
            if f.parent.is_none() && f.class.is_none() && f.kind != FnKind::Module {
                self.top_fns.entry(f.name.as_str()).or_insert(i);
            }
        }
        for (i, c) in self.m.classes.iter().enumerate() {
            self.top_classes.entry(c.name.as_str()).or_insert(i);
        }
        // Handler registrations anywhere in the file: `app.get(path, handler)`.
        let mut regs: Vec<(FnId, usize)> = Vec::new();
        for f in &self.m.functions {
            walk_calls(&f.body, &mut |c| {
                let method = match &c.callee {
                    Expr::Attr(_, m, _) => m.as_str(),
                    Expr::Name(n, _) => n.as_str(),
                    _ => return,
                };
                if !self.pack.registrations.iter().any(|r| r == method) {
                    return;
                }
                for a in &c.args {
                    let mut fns = Vec::new();
                    match &a.value {
                        Expr::Lambda(id, _) => fns.push(*id),
                        Expr::Name(n, _) => fns.extend(self.top_fns.get(n.as_str()).copied()),
                        Expr::Object(kv, _) => {
                            for (k, v) in kv {
                                if k == "handler"
                                    && let Expr::Lambda(id, _) = v
                                {
                                    fns.push(*id);
                                }
                            }
                        }
                        _ => {}
                    }
                    for id in fns {
                        let n = self.m.functions[id].params.len();
                        regs.push((id, usize::from(n >= 4)));
                    }
                }
            });
        }
        self.handlers.extend(regs);
        for (ci, c) in self.m.classes.iter().enumerate() {
            for f in &c.fields {
                if let Some(v) = &f.value
                    && let Some(k) = const_of(v)
                {
                    self.class_consts
                        .insert((ci, f.name.clone()), Val::konst(k));
                }
            }
        }
    }

    /// Analyses a function that stands alone (not inside another): its summary, and the
    /// variables at its end.
    fn standalone(&mut self, id: FnId) -> (FnSummary, HashMap<Rc<str>, Val>) {
        let f = &self.m.functions[id];
        self.fx = Fx {
            class: f.class,
            ..Fx::default()
        };
        if self.lang == Lang::Java {
            self.fx.locals = java_locals(self.m, id);
        }
        let env = self.entry_env(id, None, None);
        self.report = true;
        let budget = FUEL.min(self.file_fuel);
        self.fuel = budget;
        let exit = self.run(id, env);
        self.exhausted |= self.fuel == 0;
        self.file_fuel -= budget - self.fuel;
        self.report = false;
        let fx = std::mem::take(&mut self.fx);
        let mut outs = Vec::new();
        let names: Vec<(u8, &str)> = f
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u8, p.name.as_str()))
            .chain(
                f.receiver
                    .as_deref()
                    .filter(|_| f.has_receiver())
                    .map(|r| (RECV, r)),
            )
            .collect();
        for (i, name) in names {
            if let Some(v) = exit.env.vars.get(name) {
                let mut v = (**v).clone();
                // What the caller passed is not news to the caller.
                v.facts.retain(|x| {
                    !(x.origin == Origin::Param(i) && x.path.is_empty() && x.via.is_empty())
                });
                let sv = SVal::of(&v);
                if !sv.is_empty() {
                    outs.push((i, sv));
                }
            }
        }
        let summary = FnSummary {
            name: f.name.clone(),
            class: f.class.map(|c| self.m.classes[c].name.clone()),
            line: f.loc.line,
            params: f.params.len().min(250) as u8,
            rest: f.params.iter().position(|p| p.rest).map(|i| i as u8),
            has_receiver: f.has_receiver(),
            is_ctor: f.kind == FnKind::Constructor,
            ret: SVal::of(&exit.ret),
            outs,
            sinks: fx
                .sinks
                .into_iter()
                .map(|s| SSink {
                    kind: s.kind,
                    line: s.line,
                    col: s.col,
                    sink: s.sink,
                    facts: s.facts.iter().map(SFact::of).collect(),
                })
                .collect(),
            calls: fx
                .calls
                .into_iter()
                .enumerate()
                .filter(|(_, c)| c.seen)
                .map(|(i, c)| SCall {
                    id: i as u32,
                    target: c.target,
                    new: c.new,
                    line: c.line,
                    col: c.col,
                    name: c.name,
                    recv: c.recv.as_ref().map(SVal::of),
                    args: c.args.iter().map(SVal::of).collect(),
                })
                .collect(),
            sources: fx.sources,
        };
        let vars = exit
            .env
            .vars
            .into_iter()
            .map(|(k, v)| (k, Rc::unwrap_or_clone(v)))
            .collect();
        (summary, vars)
    }

    /// The variables a function starts with: its parameters (symbolic, and untrusted when
    /// a handler rule says so), its receiver, and — for a function literal — what it
    /// captures.
    fn entry_env(
        &mut self,
        id: FnId,
        captured: Option<&Env<'a>>,
        args: Option<Vec<Val>>,
    ) -> Env<'a> {
        let f = &self.m.functions[id];
        let mut env = captured.cloned().unwrap_or_default();
        env.dead = false;
        let standalone = captured.is_none();
        if let (Some(r), true) = (&f.receiver, f.has_receiver()) {
            let mut v = if standalone {
                Val::from_facts(vec![Fact::new(Origin::Param(RECV), None)])
            } else {
                Val::default()
            };
            v.ty = f.class.map(|c| Rc::from(self.m.classes[c].name.as_str()));
            env.vars.insert(Rc::from(r.as_str()), Rc::new(v));
        }
        let handler_req = self.handlers.get(&id).copied();
        let mut args = args.map(|a| a.into_iter());
        for (i, p) in f.params.iter().enumerate() {
            let name: Rc<str> = Rc::from(p.name.as_str());
            let mut v = match &mut args {
                Some(it) if p.rest => Val::list(it.collect()),
                Some(it) => it.next().unwrap_or_default(),
                None if standalone => {
                    Val::from_facts(vec![Fact::new(Origin::Param(i.min(250) as u8), None)])
                }
                None => Val::default(),
            };
            if let Some(ty) = &p.ty {
                v.ty = Some(Rc::from(simple_type(ty).as_str()));
                if numeric_type(ty) {
                    v.map_facts(&mut |x| x.cleared = 0xff);
                }
            }
            let req_by_type =
                p.ty.as_deref()
                    .is_some_and(|ty| self.pack.request_types.iter().any(|rt| type_is(ty, rt)));
            let req_by_name = self.pack.request_names.contains(&p.name)
                && p.ty.as_deref().is_none_or(|t| !numeric_type(t));
            if req_by_type || req_by_name || handler_req == Some(i) {
                v.req = Some(Rc::from("$req"));
            } else if let Some(why) = self.untrusted_param(f, i) {
                let src = self.source(f.loc.line, f.loc.col, why);
                add_fact(&mut v.facts, src);
            }
            env.vars.insert(name, Rc::new(v));
        }
        env
    }

    /// Whether parameter `i` of `f` is untrusted input, and why.
    fn untrusted_param(&self, f: &Function, i: usize) -> Option<String> {
        if self.models & super::rules::model::REMOTE == 0 && !matches!(f.name.as_str(), "main") {
            return None;
        }
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
            if h.function.as_deref() == Some("main")
                && self.models & super::rules::model::COMMANDARGS == 0
            {
                continue;
            }
            if h.unless_type.iter().any(|t| {
                p.ty.as_deref()
                    .is_some_and(|ty| ty.trim() == t.as_str() || simple_type(ty) == *t)
            }) {
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
                // A mapped handler's plain parameters are bound from the request too.
                if h.params == "unannotated"
                    && f.decorators.iter().any(|x| x.contains(a.as_str()))
                    && p.annotations.is_empty()
                    && p.ty
                        .as_deref()
                        .is_some_and(|t| matches!(simple_type(t).as_str(), "String" | "String[]"))
                {
                    return Some(format!("handler parameter `{}`", p.name));
                }
                continue;
            }
            if h.decorator.is_some() && by_decorator.is_none() {
                continue;
            }
            let injected = p
                .annotations
                .iter()
                .chain(&p.default)
                .any(|a| a.contains("Depends"))
                || p.name == "self"
                || p.name == "cls"
                || p.ty.as_deref().is_some_and(|t| {
                    self.pack.request_types.iter().any(|rt| type_is(t, rt))
                        || ["Response", "BackgroundTasks", "Session", "WebSocket"]
                            .iter()
                            .any(|x| t.contains(x))
                });
            if injected {
                continue;
            }
            let in_route = |d: &str| {
                let typed = ["int", "float", "uuid", "path"]
                    .iter()
                    .any(|c| d.contains(&format!("<{c}:{}>", p.name)) && *c != "path");
                !typed
                    && (d.contains(&format!("<{}>", p.name))
                        || d.contains(&format!(":{}>", p.name))
                        || d.contains(&format!("{{{}}}", p.name))
                        || d.contains(&format!("{{{}:", p.name)))
            };
            let ok = match h.params.as_str() {
                "after_first" => {
                    i > 0
                        && f.params
                            .first()
                            .is_some_and(|p0| self.pack.request_names.contains(&p0.name))
                }
                // Typed converters (`<int:id>`, `<uuid:id>`) are validated by the framework.
                "route" => by_decorator.is_some_and(|d| in_route(d)),
                // FastAPI: route parameters, and any other annotated parameter (query,
                // header, body).
                "route_or_typed" => by_decorator.is_some_and(|d| {
                    in_route(d) || (p.ty.is_some() && !d.contains(&format!("<{}", p.name)))
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

    /// A source read at `line:col`: its fact.
    fn source(&mut self, line: u32, col: u32, what: String) -> Fact {
        let key = (line, col, what.clone());
        let id = match self.fx.source_ids.get(&key) {
            Some(id) => *id,
            None => {
                let id = self.fx.sources.len() as u32;
                self.fx.sources.push(SSource {
                    what: what.clone(),
                    line,
                    col,
                });
                self.fx.source_ids.insert(key, id);
                id
            }
        };
        Fact::new(Origin::Source(id), push_step(&None, line, col, || what))
    }

    /// Runs a function's body from `env`: the fixpoint, then (when reporting) one pass that
    /// records sinks and calls with the final states.
    fn run(&mut self, id: FnId, env: Env<'a>) -> Exit<'a> {
        let body: &'a [Stmt] = &self.m.functions[id].body;
        let cfg = Cfg::build(body);
        let n = cfg.blocks.len();
        let mut states: Vec<Option<Env<'a>>> = vec![None; n];
        states[Cfg::ENTRY] = Some(env);
        let mut visits = vec![0u32; n];
        let mut work: BTreeSet<BlockId> = BTreeSet::from([Cfg::ENTRY]);
        let report = std::mem::replace(&mut self.report, false);
        while let Some(b) = work.pop_first() {
            if self.fuel == 0 {
                break;
            }
            visits[b] += 1;
            let Some(entry) = states[b].clone() else {
                continue;
            };
            // Copying and joining states costs with their size.
            self.fuel = self.fuel.saturating_sub(entry.vars.len() as u32 / 8);
            let outs = self.block(&cfg, b, entry, None);
            for (to, e) in outs {
                let changed = match &mut states[to] {
                    Some(s) => s.join(&e),
                    slot @ None => {
                        *slot = Some(e);
                        true
                    }
                };
                if changed && visits[to] < MAX_VISITS {
                    work.insert(to);
                }
            }
        }
        self.report = report;
        // The final pass: every reachable block once, with its fixpoint state.
        let mut exit = Exit {
            ret: Val::default(),
            env: Env {
                dead: true,
                ..Env::default()
            },
        };
        for (b, st) in states.iter().enumerate() {
            if let Some(entry) = st.clone() {
                let _ = self.block(&cfg, b, entry, Some(&mut exit));
            }
        }
        exit
    }

    /// Runs one block: the states it passes to its successors. With `exit`, returns and
    /// the end of the body are collected there.
    fn block(
        &mut self,
        cfg: &Cfg<'a>,
        b: BlockId,
        mut env: Env<'a>,
        exit: Option<&mut Exit<'a>>,
    ) -> Vec<(BlockId, Env<'a>)> {
        let block = &cfg.blocks[b];
        let mut out = Vec::new();
        if let Some(h) = block.handler {
            out.push((h, env.clone()));
        }
        for i in &block.instrs {
            self.instr(i, &mut env);
            if env.dead {
                return out;
            }
        }
        if let Some(h) = block.handler {
            out.push((h, env.clone()));
        }
        match &block.term {
            Term::Goto(x) => out.push((*x, env)),
            Term::Any(xs) => {
                for x in xs {
                    out.push((*x, env.clone()));
                }
            }
            Term::Branch { cond, t, f } => {
                let v = self.eval(cond, &mut env);
                match v.konst.as_ref().map(|k| self.truthy(k)) {
                    Some(true) => out.push((*t, env)),
                    Some(false) => out.push((*f, env)),
                    None => {
                        let (on_t, on_f) = self.proofs(cond, &env);
                        let mut te = env.clone();
                        self.apply(&on_t, &mut te);
                        let mut fe = env;
                        self.apply(&on_f, &mut fe);
                        out.push((*t, te));
                        out.push((*f, fe));
                    }
                }
            }
            Term::Case {
                subject,
                tests,
                t,
                f,
            } => {
                let sv = self.eval(subject, &mut env);
                let tv: Vec<Val> = tests.iter().map(|x| self.eval(x, &mut env)).collect();
                let eq: Vec<Option<bool>> = tv
                    .iter()
                    .map(|v| match (&sv.konst, &v.konst) {
                        (Some(a), Some(b)) => fold::compare(CmpOp::Eq, a, b),
                        _ => None,
                    })
                    .collect();
                if eq.contains(&Some(true)) {
                    out.push((*t, env));
                } else if eq.iter().all(|e| *e == Some(false)) {
                    out.push((*f, env));
                } else {
                    let mut te = env.clone();
                    if tv.iter().all(|v| v.konst.is_some() && !v.is_tainted()) {
                        let subjects = self.subjects(subject, &env, Proof::Full);
                        self.apply(&subjects, &mut te);
                    }
                    out.push((*t, te));
                    out.push((*f, env));
                }
            }
            Term::Return(e, _) => {
                let v = match e {
                    Some(e) => self.eval(e, &mut env),
                    None => Val::default(),
                };
                if let Some(x) = exit {
                    if x.env.dead && x.ret.facts.is_empty() && x.ret.shape.is_none() {
                        x.ret = v;
                    } else {
                        x.ret.join(&v);
                    }
                    x.env.join(&env);
                }
            }
            Term::End => {
                if let Some(x) = exit {
                    x.env.join(&env);
                }
            }
            Term::Throw => {}
        }
        out
    }

    fn truthy(&self, k: &Const) -> bool {
        k.truthy()
    }

    fn instr(&mut self, i: &Instr<'a>, env: &mut Env<'a>) {
        self.fuel = self.fuel.saturating_sub(1);
        match i {
            Instr::Assign {
                target,
                value,
                op,
                loc,
            } => {
                let v = self.eval(value, env);
                if env.dead {
                    return;
                }
                let v = match op {
                    AssignOp::Set => v,
                    _ => {
                        let old = self.eval(target, env);
                        self.combine_assign(*op, old, v)
                    }
                };
                self.assign(target, v, loc.line, loc.col, env);
                self.remember_test(target, value, env);
            }
            Instr::Decl {
                name,
                ty,
                value,
                loc,
            } => {
                let key: Rc<str> = Rc::from(*name);
                self.fx.locals.insert(key.clone());
                let mut v = match value {
                    Some(e) => self.eval(e, env),
                    None => env
                        .vars
                        .get(&key)
                        .map(|v| (**v).clone())
                        .unwrap_or_default(),
                };
                if *ty != "var" {
                    if numeric_type(ty) {
                        v.map_facts(&mut |f| f.cleared = 0xff);
                    }
                    v.ty = Some(Rc::from(simple_type(ty).as_str()));
                    if self.pack.request_types.iter().any(|rt| type_is(ty, rt)) {
                        v.req = Some(Rc::from("$req"));
                    }
                }
                let v = with_step(v, loc.line, loc.col, &key);
                env.vars.insert(key, Rc::new(v));
                if let Some(e) = value {
                    self.remember_test(&Expr::Name(name.to_string(), *loc), e, env);
                }
            }
            Instr::Eval(e) => {
                let _ = self.eval(e, env);
            }
            Instr::Elem { target, iter, keys } => {
                let it = self.eval(iter, env);
                let elem = element_of(&it, *keys);
                let l = target.loc();
                self.assign(target, elem, l.line, l.col, env);
            }
            Instr::Bind { target, value } => {
                let v = self.eval(value, env);
                let l = target.loc();
                self.assign(target, v, l.line, l.col, env);
            }
            Instr::Catch(name) => {
                env.vars.insert(Rc::from(*name), Rc::default());
            }
            Instr::FuncDef(name, id) => {
                let v = Val {
                    func: Some(*id),
                    ..Val::default()
                };
                env.vars.insert(Rc::from(*name), Rc::new(v));
                // A nested function may be called from anywhere (a route handler defined
                // inside an app factory): it is analysed here, with what it captures.
                if self.report {
                    self.callback(*id, env, None);
                }
            }
        }
    }

    /// `x ||= y`, `x += y`, …
    fn combine_assign(&self, op: AssignOp, old: Val, new: Val) -> Val {
        let truth = old.konst.as_ref().map(Const::truthy);
        match op {
            AssignOp::Set => new,
            AssignOp::OrElse => match truth {
                Some(true) => old,
                Some(false) => new,
                None => join2(old, &new),
            },
            AssignOp::AndThen => match truth {
                Some(true) => new,
                Some(false) => old,
                None => join2(old, &new),
            },
            AssignOp::IfNull => match old.konst {
                Some(Const::Null) => new,
                Some(_) => old,
                None => join2(old, &new),
            },
            AssignOp::Update(bop) => {
                let konst = match (&old.konst, &new.konst) {
                    (Some(a), Some(b)) => fold::binary(self.lang, bop, a, b),
                    _ => None,
                };
                let list = old.shape.as_ref().is_some_and(|s| s.list);
                if list && bop == BinOp::Add {
                    // `args += [x]`: the list grows.
                    let mut l = old;
                    match new.shape.as_ref().filter(|s| s.list && s.len.is_some()) {
                        Some(s) => {
                            for k in 0..s.len.unwrap_or(0) {
                                l.push(
                                    s.fields
                                        .get(&Key::I(i64::from(k)))
                                        .cloned()
                                        .unwrap_or_default(),
                                );
                            }
                        }
                        None => l.set(None, new),
                    }
                    return l;
                }
                let mut v = old.derived();
                add_facts(&mut v.facts, new.derived().facts);
                v.konst = konst;
                v
            }
        }
    }

    /// `ok = v in ALLOWED`: remember the test, so `if ok` validates `v`. Also the relative
    /// paths (`rel = filepath.Rel(base, p)`).
    fn remember_test(&mut self, target: &Expr, value: &'a Expr, env: &mut Env<'a>) {
        let Expr::Name(n, _) = target else { return };
        let key: Rc<str> = Rc::from(n.as_str());
        let (t, f) = self.proofs(value, env);
        if !t.is_empty() || !f.is_empty() {
            env.tests.insert(key.clone(), value);
        } else {
            env.tests.remove(&key);
        }
        match self.relativized(value, env) {
            Some(places) => {
                env.rel.insert(key, places);
            }
            None => {
                env.rel.remove(&key);
            }
        }
    }

    // ---- assignment ----

    fn assign(&mut self, target: &'a Expr, v: Val, line: u32, col: u32, env: &mut Env<'a>) {
        match target {
            Expr::Name(n, _) => {
                let key = self.var_key(n, env);
                match key {
                    VarKey::Local(k) => {
                        let mut v = with_step(v, line, col, &k);
                        // A statically typed variable keeps its declared class.
                        if v.ty.is_none()
                            && matches!(
                                self.lang,
                                Lang::Java | Lang::Go | Lang::TypeScript | Lang::Tsx
                            )
                            && let Some(old) = env.vars.get(&k)
                        {
                            v.ty = old.ty.clone();
                        }
                        env.tests.remove(&k);
                        env.rel.remove(&k);
                        env.vars.insert(k, Rc::new(v));
                    }
                    VarKey::Field(recv, f) => {
                        let v = with_step(v, line, col, &f);
                        self.place_set(&Place::from((recv, Vec::new())), Some(Key::f(&f)), v, env);
                    }
                }
            }
            Expr::Attr(base, f, _) => {
                let v = with_step(v, line, col, f);
                if let Some(p) = self.place(base, env) {
                    self.place_set(&p, Some(Key::f(f.as_str())), v, env);
                }
            }
            Expr::Index(base, idx, _) => {
                let k = self.eval(idx, env);
                let key = key_of(&k);
                let l = base.loc();
                let v = with_step(v, l.line, l.col, "an element");
                if let Some(p) = self.place(base, env) {
                    self.place_set(&p, key, v, env);
                }
            }
            Expr::Seq(items, _) => {
                for (i, t) in items.iter().enumerate() {
                    let part = v.get(Some(&Key::I(i as i64)));
                    self.assign(t, part, line, col, env);
                }
            }
            Expr::Object(kv, _) => {
                for (k, t) in kv {
                    let part = if k == "..." {
                        v.clone()
                    } else {
                        // `const { req } = context`: a field, as a read would see it.
                        self.attr(v.clone(), k, line, col)
                    };
                    self.assign(t, part, line, col, env);
                }
            }
            _ => {}
        }
    }

    /// Whether a bare name is a local variable or (Java, Go receivers aside) a field of
    /// the class being analysed.
    fn var_key(&self, n: &str, env: &Env<'a>) -> VarKey {
        let key: Rc<str> = Rc::from(n);
        if self.lang == Lang::Java
            && !env.vars.contains_key(&key)
            && !self.fx.locals.contains(&key)
            && let Some(c) = self.fx.class
            && self.field_of(c, n).is_some()
        {
            return VarKey::Field(Rc::from("this"), key);
        }
        VarKey::Local(key)
    }

    /// A field declared in class `c` or an enclosing or parent class of this file.
    fn field_of(&self, c: ClassId, n: &str) -> Option<(ClassId, &'a super::ir::Field)> {
        let mut cur = Some(c);
        let mut guard = 0;
        while let Some(ci) = cur {
            guard += 1;
            if guard > 8 {
                break;
            }
            let class = &self.m.classes[ci];
            if let Some(f) = class.fields.iter().find(|f| f.name == n) {
                return Some((ci, f));
            }
            cur = class
                .supers
                .iter()
                .find_map(|s| self.top_classes.get(s.as_str()).copied())
                .or(class.outer);
        }
        None
    }

    /// The place an assignable expression names (`x`, `self.path`, `m["k"]`).
    fn place(&mut self, e: &'a Expr, env: &mut Env<'a>) -> Option<Place> {
        match e {
            Expr::Name(n, _) => match self.var_key(n, env) {
                VarKey::Local(k) => Some((k, Vec::new())),
                VarKey::Field(r, f) => Some((r, vec![Key::f(&f)])),
            },
            Expr::Attr(b, f, _) => {
                let (v, mut path) = self.place(b, env)?;
                if path.len() >= 3 {
                    return None;
                }
                path.push(Key::f(f.as_str()));
                Some((v, path))
            }
            Expr::Index(b, i, _) => {
                let k = self.eval(i, env);
                let (v, mut path) = self.place(b, env)?;
                if path.len() >= 3 {
                    return None;
                }
                path.push(key_of(&k).unwrap_or(Key::Any));
                Some((v, path))
            }
            Expr::Cast(_, inner, _) => self.place(inner, env),
            _ => None,
        }
    }

    /// Writes `v` at key `k` of the value at place `p` (creating what is missing).
    fn place_set(&mut self, p: &Place, k: Option<Key>, v: Val, env: &mut Env<'a>) {
        let root = match env.vars.remove(&p.0) {
            Some(r) => Rc::unwrap_or_clone(r),
            None => self.global(&p.0),
        };
        let updated = set_in(root, &p.1, k, v);
        env.vars.insert(p.0.clone(), Rc::new(updated));
    }

    /// Changes the facts of the value at place `p` with `f`.
    fn place_map(&mut self, p: &Place, env: &mut Env<'a>, f: &mut impl FnMut(&mut Val)) {
        let Some(root) = env.vars.get_mut(&p.0) else {
            return;
        };
        map_in(Rc::make_mut(root), &p.1, f);
    }

    fn global(&self, n: &str) -> Val {
        self.globals.get(n).cloned().unwrap_or_default()
    }

    // ---- evaluation ----

    fn eval(&mut self, e: &'a Expr, env: &mut Env<'a>) -> Val {
        match e {
            Expr::Name(n, l) => self.name(n, l.line, l.col, env),
            Expr::Attr(base, a, l) => {
                // `sys.argv`, `os.environ`, `process.argv`: sources by their path.
                if let Some(path) = self.static_path(e, env) {
                    let short = short_path(&path);
                    if let Some(v) =
                        self.path_source(short.as_deref().unwrap_or(&path), l.line, l.col)
                    {
                        return v;
                    }
                }
                let b = self.eval(base, env);
                self.attr(b, a, l.line, l.col)
            }
            Expr::Index(base, idx, l) => {
                let b = self.eval(base, env);
                let k = self.eval(idx, env);
                if let Some(r) = &b.req
                    && let Some(v) = self.req_source(&format!("{r}[]"), l.line, l.col)
                {
                    return v;
                }
                let mut v = b.get(key_of(&k).as_ref());
                // A value read with a tainted key is as tainted as the key (`ALLOWED[k]` of
                // a known map is not; the key chose among constants).
                if v.konst.is_none() && b.shape.is_none() && k.is_tainted() && b.facts.is_empty() {
                    v = Val::default();
                }
                v
            }
            Expr::Call(c) => self.call(c, env),
            Expr::Str { parts, text, loc } => {
                if let Some(t) = text {
                    return Val::konst(Const::Str(Rc::from(t.as_str())));
                }
                let vals: Vec<Val> = parts.iter().map(|p| self.eval(p, env)).collect();
                let mut facts = Vec::new();
                for v in &vals {
                    add_facts(&mut facts, v.derived().facts);
                }
                let mut v = Val::from_facts(facts);
                if vals.iter().any(|x| {
                    x.flags & SQL_TEXT != 0
                        || matches!(&x.konst, Some(Const::Str(t)) if sql_text(t))
                }) {
                    v.flags |= SQL_TEXT;
                }
                // All of it constant: the text itself.
                if vals.iter().all(|x| x.konst.is_some()) {
                    let t: Option<String> = vals
                        .iter()
                        .map(|x| x.konst.as_ref().and_then(Const::as_text))
                        .collect();
                    v.konst = t.map(|t| Const::Str(Rc::from(t.as_str())));
                }
                v = stepped(v, loc.line, loc.col, "formatted into a string");
                v
            }
            Expr::Lit(l, _) => match l {
                Lit::Int(i) => Val::konst(Const::Int(*i)),
                Lit::Float(f) => Val::konst(Const::Float(*f)),
                Lit::Bool(b) => Val::konst(Const::Bool(*b)),
                Lit::Null => Val::konst(Const::Null),
                Lit::Other => Val::default(),
            },
            Expr::Binary(op, a, b, l) => {
                let (x, y) = (self.eval(a, env), self.eval(b, env));
                let konst = match (&x.konst, &y.konst) {
                    (Some(p), Some(q)) => fold::binary(self.lang, *op, p, q),
                    _ => None,
                };
                // `"%s" % x`, `"…" + x`, `a * b`: the data of both.
                let mut v = x.derived();
                add_facts(&mut v.facts, y.derived().facts);
                let sqlish = |z: &Val| {
                    z.flags & SQL_TEXT != 0
                        || matches!(&z.konst, Some(Const::Str(t)) if sql_text(t))
                };
                if sqlish(&x) || sqlish(&y) {
                    v.flags |= SQL_TEXT;
                }
                // `root / name`: a path joined to a path object is one (pathlib).
                if *op == BinOp::Div {
                    v.flags |= (x.flags | y.flags) & flag_bit(self.pack, "file_object");
                }
                v.konst = konst;
                stepped(v, l.line, l.col, "concatenated")
            }
            Expr::Compare(op, a, b, _) => {
                let (x, y) = (self.eval(a, env), self.eval(b, env));
                let k = match (op, &x.konst, &y.konst) {
                    (CmpOp::In | CmpOp::NotIn, Some(xk), _) => {
                        let inside = member_of(xk, &y);
                        inside.map(|i| if *op == CmpOp::In { i } else { !i })
                    }
                    (_, Some(p), Some(q)) => fold::compare(*op, p, q),
                    _ => None,
                };
                k.map_or_else(Val::default, |b| Val::konst(Const::Bool(b)))
            }
            Expr::Neg(a, _) => {
                let x = self.eval(a, env);
                let k = match x.konst {
                    Some(Const::Int(i)) => i.checked_neg().map(Const::Int),
                    Some(Const::Float(f)) => Some(Const::Float(-f)),
                    _ => None,
                };
                let mut v = x.derived();
                v.konst = k;
                v
            }
            Expr::Not(a) => {
                let x = self.eval(a, env);
                x.konst
                    .map(|k| Val::konst(Const::Bool(!self.truthy(&k))))
                    .unwrap_or_default()
            }
            Expr::And(items) | Expr::Or(items) => {
                let and = matches!(e, Expr::And(_));
                let mut acc: Option<Val> = None;
                for (i, it) in items.iter().enumerate() {
                    let v = self.eval(it, env);
                    let last = i + 1 == items.len();
                    match v.konst.as_ref().map(Const::truthy) {
                        // `a and b` stops at a falsy operand, `a or b` at a truthy one.
                        Some(t) if t != and => return acc.map_or(v.clone(), |a| join2(a, &v)),
                        // A constant that does not stop the chain: only the last is a value.
                        Some(_) if !last => {}
                        _ => acc = Some(acc.map_or(v.clone(), |a| join2(a, &v))),
                    }
                }
                acc.unwrap_or_default()
            }
            Expr::Coalesce(items) => {
                let mut acc: Option<Val> = None;
                for it in items {
                    let v = self.eval(it, env);
                    match &v.konst {
                        Some(Const::Null) => continue,
                        Some(_) if acc.is_none() => return v,
                        _ => {
                            acc = Some(match acc {
                                Some(a) => join2(a, &v),
                                None => v,
                            })
                        }
                    }
                }
                acc.unwrap_or_default()
            }
            Expr::Cond(c, a, b, _) => {
                let cv = self.eval(c, env);
                match cv.konst.as_ref().map(|k| self.truthy(k)) {
                    Some(true) => self.eval(a, env),
                    Some(false) => self.eval(b, env),
                    None => {
                        let (on_t, on_f) = self.proofs(c, env);
                        let mut te = env.clone();
                        self.apply(&on_t, &mut te);
                        let x = self.eval(a, &mut te);
                        let mut fe = env.clone();
                        self.apply(&on_f, &mut fe);
                        let y = self.eval(b, &mut fe);
                        join2(x, &y)
                    }
                }
            }
            Expr::Seq(items, _) => {
                let vals: Vec<Val> = items.iter().map(|x| self.eval(x, env)).collect();
                Val::list(vals)
            }
            Expr::Map(kvs, _) => {
                let mut v = Val::default();
                for (k, x) in kvs {
                    let kv = self.eval(k, env);
                    let xv = self.eval(x, env);
                    v.set(key_of(&kv), xv);
                }
                if v.shape.is_none() {
                    v.set(Some(Key::f("$")), Val::default());
                }
                v
            }
            Expr::Object(kvs, _) => {
                let mut v = Val::default();
                for (k, x) in kvs {
                    let xv = self.eval(x, env);
                    if k == "..." {
                        // A spread: its fields and its data.
                        if let Some(s) = &xv.shape {
                            for (fk, fv) in &s.fields {
                                v.set(Some(fk.clone()), fv.clone());
                            }
                            add_facts(&mut v.facts, s.rest.iter().cloned());
                        }
                        add_facts(&mut v.facts, xv.facts.iter().cloned());
                    } else if k == "[]" {
                        v.set(None, xv);
                    } else {
                        v.set(Some(Key::f(k.as_str())), xv);
                    }
                }
                if v.shape.is_none() {
                    v.set(Some(Key::f("$")), Val::default());
                }
                v
            }
            Expr::Lambda(id, _) => {
                if self.report && self.m.functions[*id].parent.is_some() {
                    self.callback(*id, env, None);
                }
                Val {
                    func: Some(*id),
                    ..Val::default()
                }
            }
            Expr::Assign(target, value, op, l) => {
                let v = self.eval(value, env);
                let v = match op {
                    AssignOp::Set => v,
                    _ => {
                        let old = self.eval(target, env);
                        self.combine_assign(*op, old, v)
                    }
                };
                self.assign(target, v.clone(), l.line, l.col, env);
                self.remember_test(target, value, env);
                v
            }
            Expr::Cast(ty, inner, _) => {
                let mut v = self.eval(inner, env);
                if numeric_type(ty) {
                    v.map_facts(&mut |f| f.cleared = 0xff);
                }
                if !ty.is_empty() {
                    v.ty = Some(Rc::from(simple_type(ty).as_str()));
                }
                v
            }
            Expr::Comp(binds, body, _) => {
                let mut inner = env.clone();
                for (t, iter) in binds {
                    let it = self.eval(iter, &mut inner);
                    let el = element_of(&it, false);
                    let l = t.loc();
                    self.assign(t, el, l.line, l.col, &mut inner);
                }
                let b = self.eval(body, &mut inner);
                let mut out = Val::default();
                out.set(None, b);
                out
            }
            Expr::Other(parts, _) => {
                let mut facts = Vec::new();
                let mut req = None;
                for p in parts {
                    let v = self.eval(p, env);
                    add_facts(&mut facts, v.derived().facts);
                    if parts.len() == 1 {
                        req = v.req;
                    }
                }
                let mut v = Val::from_facts(facts);
                v.req = req;
                v
            }
        }
    }

    fn name(&mut self, n: &str, line: u32, col: u32, env: &mut Env<'a>) -> Val {
        if let Some(v) = env.vars.get(n) {
            return (**v).clone();
        }
        // A `static final` constant of the class: its value, whatever `this` holds.
        if let Some(c) = self.fx.class
            && let Some((ci, f)) = self.field_of(c, n)
            && f.is_static
            && f.is_final
            && let Some(v) = self.class_consts.get(&(ci, n.to_string()))
        {
            return v.clone();
        }
        if let VarKey::Field(recv, f) = self.var_key(n, env) {
            let this = env
                .vars
                .get(&recv)
                .map(|v| (**v).clone())
                .unwrap_or_default();
            return self.attr(this, &f, line, col);
        }
        // A static constant of the class (`DIR` in a method of the class declaring it).
        if let Some(c) = self.fx.class
            && let Some((ci, _)) = self.field_of(c, n)
            && let Some(v) = self.class_consts.get(&(ci, n.to_string()))
        {
            return v.clone();
        }
        if let Some(v) = self.globals.get(n) {
            return v.clone();
        }
        if let Some(id) = self.top_fns.get(n) {
            return Val {
                func: Some(*id),
                ..Val::default()
            };
        }
        let path = self
            .m
            .import(n)
            .map_or_else(|| n.to_string(), str::to_string);
        if let Some(v) = self.path_source(&path, line, col) {
            return v;
        }
        Val::default()
    }

    /// `base.a`: a source when `base` is the request object and `a` leads to one; the
    /// field otherwise.
    fn attr(&mut self, b: Val, a: &str, line: u32, col: u32) -> Val {
        if let Some(r) = &b.req {
            let path = format!("{r}.{a}");
            if let Some(v) = self.req_source(&path, line, col) {
                return v;
            }
            if self.on_the_way(&path) {
                return Val {
                    req: Some(Rc::from(path.as_str())),
                    ..Val::default()
                };
            }
        }
        let mut v = b.get(Some(&Key::f(a)));
        // A field declared with a request type, or named like one (`self.request`).
        let field_ty =
            b.ty.as_deref()
                .and_then(|t| self.top_classes.get(t))
                .and_then(|c| self.field_of(*c, a))
                .and_then(|(_, f)| f.ty.clone());
        if let Some(t) = &field_ty {
            if v.ty.is_none() {
                v.ty = Some(Rc::from(simple_type(t).as_str()));
            }
            if self.pack.request_types.iter().any(|rt| type_is(t, rt)) {
                v.req = Some(Rc::from("$req"));
            }
        }
        if self.pack.request_fields.iter().any(|f| f == a)
            && v.req.is_none()
            && v.facts
                .iter()
                .all(|f| !matches!(f.origin, Origin::Source(_)))
        {
            v.req = Some(Rc::from("$req"));
        }
        v
    }

    /// A source of the request object at `path` (`$req.args`), if one starts there.
    fn req_source(&mut self, path: &str, line: u32, col: u32) -> Option<Val> {
        if self.models & super::rules::model::REMOTE == 0 {
            return None;
        }
        let src = self
            .pack
            .sources
            .iter()
            .find(|s| s.path.starts_with("$req") && prefix_matches(&s.path, path))?;
        let what = format!("untrusted input `{}`", src.path.replace("$req", "request"));
        Some(Val::from_facts(vec![self.source(line, col, what)]))
    }

    /// Whether some source starts further along `path` (`$req.URL` on the way to
    /// `$req.URL.Query`).
    fn on_the_way(&self, path: &str) -> bool {
        self.pack.sources.iter().any(|s| {
            s.path.len() > path.len()
                && s.path.starts_with(path)
                && s.path.as_bytes().get(path.len()) == Some(&b'.')
        })
    }

    /// A source named by its static path (`sys.argv`, `os.environ`, `input`), or the request
    /// object itself (`flask.request`).
    fn path_source(&mut self, path: &str, line: u32, col: u32) -> Option<Val> {
        if self.pack.request_globals.iter().any(|g| g == path) {
            return Some(Val {
                req: Some(Rc::from("$req")),
                ..Val::default()
            });
        }
        let models = self.models;
        let src = self.pack.sources.iter().find(|s| {
            !s.path.starts_with("$req")
                && s.model_bit() & models != 0
                && prefix_matches(&s.path, path)
        })?;
        let what = format!("untrusted input `{}`", src.path);
        Some(Val::from_facts(vec![self.source(line, col, what)]))
    }

    /// The dotted path of an expression whose root is not a local value, imports applied
    /// (`osp.join` → `os.path.join`, `require('fs').readFile` → `fs.readFile`).
    fn static_path(&self, e: &Expr, env: &Env<'a>) -> Option<String> {
        match e {
            Expr::Name(n, _) => {
                if env.vars.contains_key(n.as_str()) || self.fx.locals.contains(n.as_str()) {
                    return None;
                }
                // Java's packs name classes simply (`Files.readAllBytes`); its imports only
                // help resolution.
                if self.lang == Lang::Java {
                    return Some(n.clone());
                }
                Some(self.m.import(n).map_or_else(|| n.clone(), str::to_string))
            }
            Expr::Attr(b, a, _) => self.static_path(b, env).map(|p| format!("{p}.{a}")),
            Expr::Call(c) => match (&c.callee, c.args.first().and_then(|a| a.value.text())) {
                (Expr::Name(r, _), Some(m))
                    if (r == "require" || r == "import") && !env.vars.contains_key(r.as_str()) =>
                {
                    Some(super::lower::javascript::module_name(m))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The dotted path of any callee, local roots as written (`cursor.execute`), for sink
    /// and sanitizer patterns; the request object is `$req`.
    fn any_path(&self, e: &Expr, env: &Env<'a>) -> Option<String> {
        if let Some(p) = self.static_path(e, env) {
            return Some(p);
        }
        match e {
            Expr::Name(n, _) => {
                if env.vars.get(n.as_str()).is_some_and(|v| v.req.is_some()) {
                    return Some("$req".into());
                }
                Some(n.clone())
            }
            // A method of a value without a name (`(base / name).resolve()`): `?.resolve`,
            // which `*.resolve` patterns match.
            Expr::Attr(b, a, _) => Some(format!(
                "{}.{a}",
                self.any_path(b, env).unwrap_or_else(|| "?".into())
            )),
            Expr::Index(b, _, _) => self.any_path(b, env).map(|p| format!("{p}[]")),
            Expr::Call(c) => self.any_path(&c.callee, env).map(|p| format!("{p}()")),
            Expr::Cast(_, inner, _) => self.any_path(inner, env),
            _ => None,
        }
    }

    // ---- calls ----

    fn call_id(&mut self, c: &'a Call, target: Option<Target>, name: &str) -> u32 {
        let key = c as *const Call;
        if let Some(id) = self.fx.call_ids.get(&key) {
            return *id;
        }
        let id = self.fx.calls.len() as u32;
        self.fx.calls.push(CallRec {
            target: target.unwrap_or(Target::Name(String::new())),
            new: c.new,
            line: c.loc.line,
            col: c.loc.col,
            name: name.to_string(),
            recv: None,
            args: Vec::new(),
            seen: false,
        });
        self.fx.call_ids.insert(key, id);
        id
    }

    fn call(&mut self, c: &'a Call, env: &mut Env<'a>) -> Val {
        let (recv_expr, method): (Option<&'a Expr>, Option<&'a str>) = match &c.callee {
            Expr::Attr(b, m, _) => (Some(b), Some(m.as_str())),
            Expr::Name(n, _) => (None, Some(n.as_str())),
            _ => (None, None),
        };
        let recv = recv_expr.map(|r| self.eval(r, env));
        let callee_val = match &c.callee {
            Expr::Name(n, l) => Some(self.name(n, l.line, l.col, env)),
            Expr::Attr(_, m, _) => recv.as_ref().map(|r| r.get(Some(&Key::f(m.as_str())))),
            Expr::Lambda(..) | Expr::Call(_) => Some(self.eval(&c.callee, env)),
            _ => None,
        };
        let spath = self.static_path(&c.callee, env);
        let apath = self.any_path(&c.callee, env);
        // `ZipEntry.getName`: the method of a receiver of a known class.
        let tpath = match (recv.as_ref().and_then(|r| r.ty.clone()), method) {
            (Some(t), Some(m)) if recv_expr.is_some() => Some(format!("{t}.{m}")),
            _ => None,
        };
        let rpath = match (recv.as_ref().and_then(|r| r.req.clone()), method) {
            (Some(r), Some(m)) => Some(format!("{r}.{m}")),
            _ => None,
        };
        let mut args: Vec<Val> = Vec::with_capacity(c.args.len());
        for a in &c.args {
            let v = match &a.value {
                // Callbacks are analysed below, once the callee is known.
                Expr::Lambda(id, _) => Val {
                    func: Some(*id),
                    ..Val::default()
                },
                other => self.eval(other, env),
            };
            args.push(if a.spread { element_of(&v, false) } else { v });
        }
        if env.dead {
            return Val::default();
        }
        let line = c.loc.line;
        let col = c.loc.col;
        // Go: a module's package is matched by its name (`<github.com/gorilla/mux>.Vars` is
        // `mux.Vars`).
        let short = apath.as_deref().and_then(short_path);
        let paths: Vec<&str> = [
            tpath.as_deref(),
            rpath.as_deref(),
            apath.as_deref(),
            short.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let shown = apath
            .clone()
            .unwrap_or_else(|| method.unwrap_or("call").to_string())
            .replace("$req", "request");

        let empty = Val::default();
        let recv_v = recv.as_ref().unwrap_or(&empty);
        self.check_sinks(c, &paths, method, recv_v, &args, &shown, env);
        // Sources: a method of the request object, a source function, a typed source.
        if let Some(r) = &rpath
            && let Some(v) = self.req_source(r, line, col)
        {
            let _ = self.callbacks_of(c, &args, recv.as_ref(), method, env);
            return v;
        }
        if let Some(v) = [
            spath.as_deref(),
            tpath.as_deref(),
            short.as_deref(),
            apath.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|p| self.call_source(p, recv.as_ref(), line, col))
        {
            let _ = self.callbacks_of(c, &args, recv.as_ref(), method, env);
            return v;
        }
        let named = |list: &[String]| list.iter().any(|pat| paths.iter().any(|p| matches(pat, p)));
        if named(&self.pack.exits) {
            env.dead = true;
            return Val::default();
        }
        let by_callbacks = self.callbacks_of(c, &args, recv.as_ref(), method, env);
        if let Some(v) = by_callbacks {
            return v;
        }
        // Flags a call sets on its receiver (`mapper.enableDefaultTyping()`).
        let mut result_flags = 0u8;
        for fs in &self.pack.flags {
            let hit = fs
                .call
                .as_ref()
                .is_some_and(|pat| paths.iter().any(|p| matches(pat, p)))
                || (fs.method.is_some() && fs.method.as_deref() == method);
            if !hit {
                continue;
            }
            let bit = flag_bit(self.pack, &fs.flag);
            if fs.result {
                result_flags |= bit;
            } else if let Some(r) = recv_expr
                && let Some(p) = self.place(r, env)
            {
                self.place_map(&p, env, &mut |v| v.flags |= bit);
            }
        }

        let all_facts = || {
            let mut facts: Vec<Fact> = Vec::new();
            if let Some(r) = &recv {
                add_facts(&mut facts, r.deep());
            }
            for a in &args {
                add_facts(&mut facts, a.deep());
            }
            facts
        };
        for s in &self.pack.sanitizers {
            let hit = s
                .call
                .as_ref()
                .is_some_and(|pat| paths.iter().any(|p| matches(pat, p)))
                || (s.method.is_some() && s.method.as_deref() == method && recv_expr.is_some());
            if hit {
                let bits = s.kinds.iter().fold(0u8, |b, k| b | k.bits());
                let mut v = Val::from_facts(all_facts());
                v.map_facts(&mut |f| f.cleared |= bits);
                v.flags |= result_flags;
                return stepped(v, line, col, &format!("sanitized by `{shown}`"));
            }
        }
        if named(&self.pack.canonicalizers) {
            let mut v = Val::from_facts(all_facts());
            v.map_facts(&mut |f| f.canon = Canon::Set);
            v.ty = tpath.as_ref().and(recv.as_ref().and_then(|r| r.ty.clone()));
            v.flags |= result_flags | recv.as_ref().map_or(0, |r| r.flags);
            return stepped(v, line, col, &format!("canonicalized by `{shown}`"));
        }
        if named(&self.pack.non_propagating) {
            return self
                .fold_call(method, recv.as_ref(), &args)
                .unwrap_or_default();
        }
        // A local function value: analysed here with its arguments.
        if let Some(fid) = callee_val.as_ref().and_then(|v| v.func)
            && self.m.functions[fid].parent.is_some()
        {
            return self.inline(fid, args, env);
        }
        if let Some(v) = self.builtin(c, recv_expr, recv.as_ref(), method, &args, env) {
            let mut v = v;
            v.flags |= result_flags;
            return v;
        }
        if named(&self.pack.propagators) {
            let mut v = Val::from_facts(all_facts()).derived();
            if sql_of(recv.as_ref(), &args) {
                v.flags |= SQL_TEXT;
            }
            // A path built from a path is still a file (`new File(dir, name)`).
            v.flags |= result_flags
                | (recv.as_ref().map_or(0, |r| r.flags) | args.iter().fold(0, |f, a| f | a.flags))
                    & flag_bit(self.pack, "file_object");
            if c.new {
                v.ty = Some(Rc::from(class_name_of(&c.callee).as_str()));
            }
            return stepped(v, line, col, &format!("passed through `{shown}`"));
        }
        // A function or method of the repository (perhaps): symbolic, resolved later.
        let target = self.target(
            c,
            recv_expr,
            recv.as_ref(),
            method,
            callee_val.as_ref(),
            spath.as_deref(),
            env,
        );
        let conservative = {
            let mut v = Val::from_facts(all_facts()).derived();
            if let Some(t) = &tpath
                && t.ends_with(".toString")
            {
                v.ty = None;
            }
            v
        };
        let mut v = match target {
            Some(t) => {
                let id = self.call_id(c, Some(t.clone()), &shown);
                if self.report {
                    let rec = &mut self.fx.calls[id as usize];
                    rec.seen = true;
                    rec.target = t;
                    match (&mut rec.recv, &recv) {
                        (Some(r), Some(x)) => {
                            r.join(x);
                        }
                        (slot @ None, Some(x)) => *slot = Some(x.clone()),
                        _ => {}
                    }
                    for (i, a) in args.iter().enumerate() {
                        match rec.args.get_mut(i) {
                            Some(r) => {
                                r.join(a);
                            }
                            None => rec.args.push(a.clone()),
                        }
                    }
                }
                // What the callee writes into its arguments and receiver.
                let any_input =
                    args.iter().any(Val::is_tainted) || recv.as_ref().is_some_and(Val::is_tainted);
                if any_input || c.new {
                    for (j, a) in c.args.iter().enumerate() {
                        if args[j].konst.is_none()
                            && args[j].func.is_none()
                            && let Some(p) = self.place(&a.value, env)
                        {
                            let out = Fact::new(Origin::Out(id, j.min(250) as u8), None);
                            self.place_map(&p, env, &mut |v| {
                                add_fact(&mut v.facts, out.clone());
                            });
                        }
                    }
                    if let Some(r) = recv_expr
                        && let Some(p) = self.place(r, env)
                    {
                        let out = Fact::new(Origin::Out(id, RECV), None);
                        self.place_map(&p, env, &mut |v| {
                            add_fact(&mut v.facts, out.clone());
                        });
                    }
                }
                let mut v = Val::from_facts(vec![Fact::new(
                    Origin::Ret(id),
                    push_step(&None, line, col, || format!("returned by `{shown}`")),
                )]);
                for f in conservative.facts {
                    add_fact(&mut v.facts, f.with_via(id));
                }
                if c.new || self.is_class_ref(callee_val.as_ref(), spath.as_deref()) {
                    v.ty = Some(Rc::from(class_name_of(&c.callee).as_str()));
                }
                v
            }
            None => {
                // A library call qgate has no model for: its result carries its inputs.
                if c.new {
                    let mut v = conservative;
                    v.ty = Some(Rc::from(class_name_of(&c.callee).as_str()));
                    v
                } else {
                    self.mutate_receiver(recv_expr, method, &args, None, env);
                    stepped(
                        conservative,
                        line,
                        col,
                        &format!("passed through `{shown}`"),
                    )
                }
            }
        };
        v.flags |= result_flags;
        v
    }

    fn is_class_ref(&self, v: Option<&Val>, spath: Option<&str>) -> bool {
        let _ = v;
        spath.is_some_and(|p| {
            let last = p.rsplit('.').next().unwrap_or(p);
            self.top_classes.contains_key(last)
                || (self.lang == Lang::Python
                    && last.chars().next().is_some_and(char::is_uppercase)
                    && self.m.import(p.split('.').next().unwrap_or(p)).is_some())
        })
    }

    /// A library method that stores its arguments in its receiver (`sb.append(x)`,
    /// `buf.write(x)`): the receiver now holds them.
    fn mutate_receiver(
        &mut self,
        recv_expr: Option<&'a Expr>,
        method: Option<&str>,
        args: &[Val],
        via: Option<u32>,
        env: &mut Env<'a>,
    ) {
        let (Some(r), Some(m)) = (recv_expr, method) else {
            return;
        };
        let mutator =
            matches!(
                m,
                "append"
                    | "add"
                    | "push"
                    | "put"
                    | "insert"
                    | "write"
                    | "writeString"
                    | "print"
                    | "println"
                    | "extend"
                    | "update"
                    | "addAll"
                    | "putAll"
                    | "unshift"
                    | "WriteString"
                    | "Write"
                    | "Add"
                    | "Set"
                    | "concat"
                    | "setProperty"
                    | "setdefault"
            ) || (m.starts_with("set") && m.len() > 3 && m.as_bytes()[3].is_ascii_uppercase());
        let facts: Vec<Fact> = args.iter().flat_map(Val::deep).collect();
        if !mutator || facts.is_empty() {
            return;
        }
        if let Some(p) = self.place(r, env) {
            self.place_map(&p, env, &mut |v| {
                for f in &facts {
                    let mut f = f.clone();
                    f.canon = Canon::Clear;
                    let f = match via {
                        Some(c) => f.with_via(c),
                        None => f,
                    };
                    add_fact(&mut v.facts, f);
                }
            });
        }
    }

    /// Who a call may reach in the repository, as this file names it; `None` for what is
    /// certainly a library (or the language's own) call.
    #[allow(clippy::too_many_arguments)]
    fn target(
        &self,
        c: &Call,
        recv_expr: Option<&Expr>,
        recv: Option<&Val>,
        method: Option<&str>,
        callee: Option<&Val>,
        spath: Option<&str>,
        env: &Env<'a>,
    ) -> Option<Target> {
        let class_name = self.fx.class.map(|c| self.m.classes[c].name.clone());
        let own_recv = |r: &Expr| match r {
            Expr::Name(n, _) => {
                matches!(n.as_str(), "self" | "this" | "cls")
                    || self.fx.class.is_some_and(|_| {
                        self.lang == Lang::Go
                            && env.vars.get(n.as_str()).is_some_and(|v| {
                                v.facts.iter().any(|f| f.origin == Origin::Param(RECV))
                            })
                    })
            }
            _ => false,
        };
        let m = method?;
        match (recv_expr, &c.callee) {
            // `super(...)`, `super.m()`, `super().m()`.
            (None, Expr::Name(n, _)) if n == "super" => {
                let ctor = if self.lang == Lang::Java {
                    "<init>"
                } else {
                    "constructor"
                };
                return Some(Target::Super {
                    class: class_name?,
                    name: ctor.into(),
                });
            }
            (Some(Expr::Name(s, _)), _) if s == "super" => {
                return Some(Target::Super {
                    class: class_name?,
                    name: m.into(),
                });
            }
            (Some(Expr::Call(sc)), _) if matches!(&sc.callee, Expr::Name(s, _) if s == "super") => {
                return Some(Target::Super {
                    class: class_name?,
                    name: m.into(),
                });
            }
            _ => {}
        }
        if c.new {
            let name = class_name_of(&c.callee);
            if self.lang == Lang::Java && jdk_type(&name) {
                return None;
            }
            let n = spath.map_or(name, str::to_string);
            return Some(Target::Name(n));
        }
        match recv_expr {
            None => {
                // A plain name: a function of this file, an imported one, or (Java) a
                // method of this class.
                if callee.is_some_and(|v| v.func.is_some()) || self.top_classes.contains_key(m) {
                    return Some(Target::Name(spath.unwrap_or(m).to_string()));
                }
                if let Some(p) = self.m.import(m) {
                    return Some(Target::Name(p.to_string()));
                }
                match self.lang {
                    Lang::Java => Some(Target::Own {
                        class: class_name?,
                        name: m.into(),
                    }),
                    // Another file of the package.
                    Lang::Go if !go_builtin(m) => Some(Target::Name(m.into())),
                    _ => None,
                }
            }
            Some(r) if own_recv(r) => Some(Target::Own {
                class: class_name?,
                name: m.into(),
            }),
            Some(r) => {
                // `module.f()` on an imported module, `Cls.m()` on a class.
                if let Some(p) = spath {
                    let root = p.split('.').next().unwrap_or(p);
                    let r_root = match r {
                        Expr::Name(n, _) => Some(n.as_str()),
                        _ => None,
                    };
                    let imported = r_root.is_some_and(|n| self.m.import(n).is_some());
                    let own_class = r_root.is_some_and(|n| self.top_classes.contains_key(n));
                    if imported || own_class || p.starts_with('<') || p.starts_with('.') {
                        return Some(Target::Name(p.to_string()));
                    }
                    if self.lang == Lang::Java
                        && r_root.is_some_and(|n| n.chars().next().is_some_and(char::is_uppercase))
                        && !jdk_type(root)
                    {
                        return Some(Target::Method {
                            ty: root.to_string(),
                            name: m.into(),
                        });
                    }
                    return None;
                }
                // A receiver of a known class.
                let ty = recv.and_then(|v| v.ty.clone())?;
                if jdk_type(&ty) || (self.lang != Lang::Java && !self.known_class(&ty)) {
                    return None;
                }
                Some(Target::Method {
                    ty: ty.to_string(),
                    name: m.into(),
                })
            }
        }
    }

    /// A class this file defines or imports.
    fn known_class(&self, ty: &str) -> bool {
        self.top_classes.contains_key(ty) || self.m.import(ty).is_some() || ty.contains('.')
    }

    /// Analyses a local function called here with `args`: its return value.
    fn inline(&mut self, fid: FnId, args: Vec<Val>, env: &mut Env<'a>) -> Val {
        // A closure that calls itself (or one that calls it) is not unrolled: its calls
        // inside are approximated, or the nesting would multiply the work at each level.
        if self.depth >= MAX_INLINE || self.fuel == 0 || self.inlining.contains(&fid) {
            let mut facts = Vec::new();
            for a in &args {
                add_facts(&mut facts, a.deep());
            }
            return Val::from_facts(facts).derived();
        }
        let e = self.entry_env(fid, Some(env), Some(args));
        self.depth += 1;
        self.inlining.push(fid);
        let out = self.run(fid, e);
        self.inlining.pop();
        self.depth -= 1;
        self.fx.callbacks.insert(fid, out.ret.clone());
        out.ret
    }

    /// A function literal passed to a call or defined here: analysed once (when reporting)
    /// with what it captures, its parameters as the call gives them. What it returns (when
    /// it was analysed, now or before in this pass).
    fn callback(&mut self, fid: FnId, env: &Env<'a>, params: Option<Vec<Val>>) -> Option<Val> {
        if !self.report || self.depth >= MAX_INLINE || self.fuel == 0 {
            return None;
        }
        if let Some(ret) = self.fx.callbacks.get(&fid) {
            return Some(ret.clone());
        }
        self.fx.callbacks.insert(fid, Val::default());
        let mut e = self.entry_env(fid, Some(env), params);
        // Untrusted parameters by the handler rules (a nested route handler).
        let f = &self.m.functions[fid];
        for i in 0..f.params.len() {
            if let Some(why) = self.untrusted_param(f, i) {
                let src = self.source(f.loc.line, f.loc.col, why);
                if let Some(v) = e.vars.get_mut(f.params[i].name.as_str()) {
                    add_fact(&mut Rc::make_mut(v).facts, src);
                }
            }
        }
        self.depth += 1;
        let ret = self.run(fid, e).ret;
        self.depth -= 1;
        self.fx.callbacks.insert(fid, ret.clone());
        Some(ret)
    }

    /// The callbacks among a call's arguments, with what their parameters receive:
    /// `xs.map(x => …)` gets the elements, a registered handler the request.
    fn callbacks_of(
        &mut self,
        c: &'a Call,
        args: &[Val],
        recv: Option<&Val>,
        method: Option<&str>,
        env: &Env<'a>,
    ) -> Option<Val> {
        if !self.report {
            return None;
        }
        let mut result = None;
        let elems = matches!(
            method,
            Some(
                "map"
                    | "forEach"
                    | "filter"
                    | "flatMap"
                    | "some"
                    | "every"
                    | "find"
                    | "findIndex"
                    | "reduce"
                    | "each"
                    | "forEachOrdered"
                    | "anyMatch"
                    | "allMatch"
                    | "sort"
            )
        );
        let then = matches!(
            method,
            Some("then" | "thenApply" | "thenAccept" | "subscribe")
        );
        for (i, a) in c.args.iter().enumerate() {
            let Expr::Lambda(fid, _) = &a.value else {
                if let Expr::Object(kv, _) = &a.value {
                    for (k, v) in kv {
                        if let Expr::Lambda(fid, _) = v
                            && k == "handler"
                        {
                            let _ = self.callback(*fid, env, None);
                        }
                    }
                }
                continue;
            };
            // Python's builtins take the function and the iterable as arguments:
            // `map(f, xs)`, `filter(f, xs)`, `sorted(xs, key=f)`, `min`/`max(xs, key=f)`.
            if self.lang == Lang::Python && recv.is_none() {
                let positional = |j: usize| {
                    c.args
                        .iter()
                        .zip(args)
                        .filter(|(a, _)| a.name.is_none())
                        .nth(j)
                        .map(|(_, v)| v)
                };
                let iterable = match (method, a.name.as_deref()) {
                    (Some("map" | "filter"), None) if i == 0 => {
                        // One parameter per iterable given.
                        let els: Vec<Val> = (1..c.args.len())
                            .filter_map(positional)
                            .map(|v| element_of(v, false))
                            .collect();
                        Some(els)
                    }
                    (Some("sorted" | "min" | "max"), Some("key")) => {
                        positional(0).map(|v| vec![element_of(v, false)])
                    }
                    _ => None,
                };
                if let Some(params) = iterable {
                    let ret = self.callback(*fid, env, Some(params));
                    if method == Some("map") {
                        result = ret.map(|r| mapped(vec![r]));
                    }
                    continue;
                }
            }
            let params = if elems || then {
                recv.map(|r| {
                    let el = if then {
                        r.clone()
                    } else {
                        element_of(r, false)
                    };
                    if method == Some("reduce") {
                        vec![Val::default(), el]
                    } else {
                        vec![el]
                    }
                })
            } else {
                None
            };
            let ret = self.callback(*fid, env, params);
            // What the call gives: what the callback made of each element, or of the
            // resolved value (`xs.map(f)`, `p.then(f)`).
            if i == 0 {
                result = match (method, ret) {
                    (Some("map" | "flatMap"), Some(r)) if recv.is_some() => Some(mapped(vec![r])),
                    (Some("then" | "thenApply"), Some(r)) if recv.is_some() => Some(r),
                    _ => result,
                };
            }
        }
        result
    }

    /// A source function or typed source (`os.getenv`, `input`, `ZipEntry.getName`).
    fn call_source(&mut self, path: &str, recv: Option<&Val>, line: u32, col: u32) -> Option<Val> {
        let models = self.models;
        let pack = self.pack;
        let src = pack.sources.iter().find(|s| {
            !s.path.starts_with("$req")
                && s.model_bit() & models != 0
                && (matches(&s.path, path) || prefix_matches(&s.path, path))
                && s.when_flag
                    .as_deref()
                    .is_none_or(|f| recv.is_some_and(|r| has_flag(pack, r, f)))
        })?;
        let what = format!("untrusted input `{}`", src.path);
        Some(Val::from_facts(vec![self.source(line, col, what)]))
    }

    /// Constant folding of calls whose result is not data (`len("ab")`, `s.equals("x")`).
    fn fold_call(&self, method: Option<&str>, recv: Option<&Val>, args: &[Val]) -> Option<Val> {
        let m = method?;
        let consts: Vec<Option<Const>> = args.iter().map(|a| a.konst.clone()).collect();
        match recv.and_then(|r| r.konst.as_ref()) {
            Some(Const::Str(s)) => fold::string_method(m, s, &consts).map(Val::konst),
            _ if m == "len" => match consts.first() {
                Some(Some(Const::Str(s))) => Some(Val::konst(Const::Int(s.chars().count() as i64))),
                _ => None,
            },
            _ => None,
        }
    }

    // ---- library semantics ----

    /// Containers, builders, strings and conversions the languages ship with.
    fn builtin(
        &mut self,
        c: &'a Call,
        recv_expr: Option<&'a Expr>,
        recv: Option<&Val>,
        method: Option<&'a str>,
        args: &[Val],
        env: &mut Env<'a>,
    ) -> Option<Val> {
        let m = method?;
        let line = c.loc.line;
        let col = c.loc.col;
        // Constant receivers: string methods fold.
        if let Some(r) = recv
            && let Some(Const::Str(s)) = &r.konst
        {
            let consts: Vec<Option<Const>> = args.iter().map(|a| a.konst.clone()).collect();
            if let Some(k) = fold::string_method(m, s, &consts) {
                return Some(Val::konst(k));
            }
            // `"sep".join(xs)`, `"{}".format(x)`: the data of the arguments.
            if matches!(
                m,
                "join" | "format" | "formatted" | "concat" | "replace" | "repeat"
            ) {
                let mut v = Val::default();
                for a in args {
                    add_facts(&mut v.facts, a.derived().facts);
                }
                if sql_of(Some(r), args) {
                    v.flags |= SQL_TEXT;
                }
                return Some(stepped(v, line, col, "formatted into a string"));
            }
        }
        // Static constructors of lists and strings.
        if recv_expr.is_none()
            || matches!(recv_expr, Some(Expr::Name(n, _)) if !env.vars.contains_key(n.as_str()))
        {
            let path = self.static_path(&c.callee, env).unwrap_or_default();
            match path.as_str() {
                "Arrays.asList"
                | "List.of"
                | "Set.of"
                | "Collections.singletonList"
                | "Stream.of" => {
                    return Some(Val::list(args.to_vec()));
                }
                "Object.entries" => return Some(pairs_of(args.first()?)),
                "Object.values" => {
                    let mut v = Val::default();
                    v.set(None, element_of(args.first()?, false));
                    return Some(v);
                }
                "Object.keys" => {
                    let mut v = Val::default();
                    v.set(None, keys_of(args.first()?));
                    return Some(v);
                }
                "list" | "tuple" | "set" | "sorted" | "reversed" | "Array.from" | "frozenset" => {
                    return Some(match args.first() {
                        Some(a)
                            if a.shape.as_ref().is_some_and(|s| s.list)
                                && path != "sorted"
                                && path != "set" =>
                        {
                            a.clone()
                        }
                        Some(a) => {
                            let mut v = Val::default();
                            v.set(None, element_of(a, false));
                            v
                        }
                        None => Val::list(Vec::new()),
                    });
                }
                "dict" => {
                    let mut v = args.first().cloned().unwrap_or_default();
                    for (a, arg) in c.args.iter().zip(args) {
                        if let Some(n) = &a.name {
                            v.set(Some(Key::f(n.as_str())), arg.clone());
                        }
                    }
                    if v.shape.is_none() {
                        v.set(Some(Key::f("$")), Val::default());
                    }
                    return Some(v);
                }
                "append" if self.lang == Lang::Go => {
                    let mut v = args.first().cloned().unwrap_or_default();
                    for a in args.iter().skip(1) {
                        v.push(a.clone());
                    }
                    return Some(v);
                }
                "make" if self.lang == Lang::Go => {
                    let mut v = Val::default();
                    v.set(Some(Key::f("$")), Val::default());
                    return Some(v);
                }
                "$contains" | "$keys" => {
                    return Some(match (path.as_str(), args.first()) {
                        ("$keys", Some(a)) => Val::from_facts(a.facts.clone()),
                        _ => Val::default(),
                    });
                }
                "Object.assign" => {
                    if let Some(t) = c.args.first()
                        && let Some(p) = self.place(&t.value, env)
                    {
                        let facts: Vec<Fact> = args.iter().skip(1).flat_map(Val::deep).collect();
                        self.place_map(&p, env, &mut |v| {
                            add_facts(&mut v.facts, facts.iter().cloned());
                        });
                    }
                    let mut v = Val::default();
                    for a in args {
                        add_facts(&mut v.facts, a.deep());
                    }
                    return Some(v);
                }
                _ => {}
            }
        }
        if c.new {
            let ty = class_name_of(&c.callee);
            match ty.as_str() {
                "ArrayList" | "LinkedList" | "Vector" | "ArrayDeque" | "HashSet" | "TreeSet"
                | "LinkedHashSet" | "Stack" => {
                    let mut v = match args.first() {
                        Some(a) if a.shape.is_some() || a.is_tainted() => {
                            let mut v = a.clone();
                            if v.shape.is_none() {
                                let facts = std::mem::take(&mut v.facts);
                                v.set(None, Val::from_facts(facts));
                            }
                            v
                        }
                        _ => Val::list(Vec::new()),
                    };
                    v.ty = Some(Rc::from(ty.as_str()));
                    return Some(v);
                }
                "HashMap" | "TreeMap" | "LinkedHashMap" | "Hashtable" | "Properties"
                | "ConcurrentHashMap" | "Map" => {
                    let mut v = args.first().cloned().unwrap_or_default();
                    if v.shape.is_none() {
                        let facts = std::mem::take(&mut v.facts);
                        v.set(Some(Key::f("$")), Val::default());
                        if !facts.is_empty() {
                            v.set(None, Val::from_facts(facts));
                        }
                    }
                    v.ty = Some(Rc::from(ty.as_str()));
                    return Some(v);
                }
                "StringBuilder" | "StringBuffer" | "String" | "StringJoiner" => {
                    let mut v = args.first().map(|a| a.derived()).unwrap_or_default();
                    if let Some(k) = args
                        .first()
                        .and_then(|a| a.konst.clone())
                        .filter(|k| matches!(k, Const::Str(_)))
                    {
                        v.konst = Some(k);
                    } else if args.is_empty() {
                        v.konst = Some(Const::Str(Rc::from("")));
                    }
                    v.ty = Some(Rc::from(ty.as_str()));
                    return Some(v);
                }
                _ => {}
            }
            return None;
        }
        let r = recv?;
        let rexpr = recv_expr?;
        let key0 = args.first().and_then(key_of);
        let is_builder = r.ty.as_deref().is_some_and(|t| {
            matches!(
                t,
                "StringBuilder"
                    | "StringBuffer"
                    | "StringJoiner"
                    | "bytes.Buffer"
                    | "strings.Builder"
                    | "Builder"
                    | "Buffer"
            )
        });
        let shaped = r.shape.is_some();
        let configparser = r.ty.as_deref().is_some_and(|t| t.contains("ConfigParser"));
        let is_list = r.shape.as_ref().is_some_and(|s| s.list);
        match (m, args.len()) {
            // configparser: `set(section, key, value)` / `get(section, key)`.
            ("set", 3) if configparser => {
                let k = section_key(&args[0], &args[1]);
                self.write_at(rexpr, k, args[2].clone(), env);
                Some(Val::default())
            }
            ("get", 2) if configparser => Some(r.get(section_key(&args[0], &args[1]).as_ref())),
            ("add_section" | "remove_section", _) if configparser => Some(Val::default()),
            // Builders: `sb.append(x)` adds the data and returns the builder.
            (
                "append" | "insert" | "add" | "WriteString" | "Write" | "write" | "print"
                | "printf",
                _,
            ) if is_builder
                || (m == "append"
                    && !is_list
                    && !shaped
                    && r.ty.is_none()
                    && self.lang == Lang::Java) =>
            {
                let piece = if m == "insert" {
                    args.get(1)
                } else {
                    args.first()
                };
                let mut nv = r.clone();
                let konst = match (&r.konst, piece.and_then(|p| p.konst.clone())) {
                    (Some(a), Some(b)) if m == "append" => {
                        fold::binary(self.lang, BinOp::Add, a, &b)
                    }
                    _ => None,
                };
                nv.facts.iter_mut().for_each(|f| f.canon = Canon::Clear);
                if let Some(p) = piece {
                    add_facts(&mut nv.facts, p.derived().facts);
                }
                nv.konst = konst;
                if nv.ty.is_none() {
                    nv.ty = Some(Rc::from("StringBuilder"));
                }
                let nv = stepped(nv, line, col, "appended");
                if let Some(p) = self.place(rexpr, env) {
                    let stored = nv.clone();
                    self.place_map(&p, env, &mut |v| *v = stored.clone());
                }
                Some(nv)
            }
            ("toString" | "String" | "string", 0) if is_builder => {
                let mut v = r.clone();
                v.ty = None;
                Some(v)
            }
            ("reverse" | "setLength" | "deleteCharAt" | "delete", _) if is_builder => {
                let mut v = r.derived();
                v.ty = r.ty.clone();
                Some(v)
            }
            // Maps and lists.
            (
                "get" | "getOrDefault" | "getProperty" | "Get" | "pop" | "getFirst" | "getLast"
                | "peek" | "element" | "at",
                n,
            ) if shaped || r.is_tainted() || r.req.is_some() => {
                let k = match m {
                    "getFirst" | "peek" | "element" => Some(Key::I(0)),
                    "getLast" => r
                        .shape
                        .as_ref()
                        .and_then(|s| s.len)
                        .and_then(|l| l.checked_sub(1))
                        .map(|l| Key::I(i64::from(l))),
                    "pop" if n == 0 && is_list => r
                        .shape
                        .as_ref()
                        .and_then(|s| s.len)
                        .and_then(|l| l.checked_sub(1))
                        .map(|l| Key::I(i64::from(l))),
                    "at" => match args.first().and_then(|a| a.konst.clone()) {
                        Some(Const::Int(i)) if i < 0 => r
                            .shape
                            .as_ref()
                            .and_then(|s| s.len)
                            .map(|l| Key::I(i64::from(l) + i)),
                        _ => key0.clone(),
                    },
                    _ if n == 0 => None,
                    _ => key0.clone(),
                };
                let mut v = r.get(k.as_ref());
                if matches!(m, "pop") {
                    // Removes what it returns.
                    if is_list {
                        let idx = match &k {
                            Some(Key::I(i)) => Some(*i),
                            _ => None,
                        };
                        if let Some(p) = self.place(rexpr, env) {
                            self.place_map(&p, env, &mut |x| {
                                let _ = x.remove_at(idx);
                            });
                        }
                    }
                }
                if let Some(d) = args
                    .get(1)
                    .filter(|_| matches!(m, "get" | "getOrDefault" | "getProperty" | "pop"))
                {
                    v = join2(v, d);
                }
                if r.ty
                    .as_deref()
                    .is_some_and(|t| t.contains("Map") || t == "Properties")
                {
                    v.ty = None;
                }
                Some(v)
            }
            ("put" | "set" | "setProperty" | "Set" | "__setitem__" | "setdefault", 2)
                if shaped || self.lang != Lang::Go =>
            {
                if m == "set" && is_list && !matches!(args[0].konst, Some(Const::Int(_))) {
                    return None;
                }
                let old = r.get(key0.as_ref());
                self.write_at(rexpr, key0, args[1].clone(), env);
                Some(if m == "setdefault" {
                    join2(old, &args[1])
                } else if self.lang == Lang::JavaScript
                    || self.lang == Lang::TypeScript
                    || self.lang == Lang::Tsx
                {
                    r.clone()
                } else {
                    old
                })
            }
            (
                "add" | "append" | "push" | "addLast" | "offer" | "offerLast" | "addElement"
                | "Add",
                1,
            ) => {
                if let Some(p) = self.place(rexpr, env) {
                    let x = args[0].clone();
                    self.place_map(&p, env, &mut |v| v.push(x.clone()));
                    return Some(Val::konst(Const::Bool(true)));
                }
                None
            }
            ("push" | "unshift", _) if args.len() > 1 => {
                if let Some(p) = self.place(rexpr, env) {
                    let xs = args.to_vec();
                    self.place_map(&p, env, &mut |v| {
                        for x in &xs {
                            v.push(x.clone());
                        }
                    });
                }
                Some(Val::default())
            }
            ("add" | "insert" | "splice", 2) if matches!(args[0].konst, Some(Const::Int(_))) => {
                let i = match args[0].konst {
                    Some(Const::Int(i)) => Some(i),
                    _ => None,
                };
                if let Some(p) = self.place(rexpr, env) {
                    let x = args[1].clone();
                    self.place_map(&p, env, &mut |v| v.insert_at(i, x.clone()));
                }
                Some(Val::default())
            }
            (
                "remove" | "shift" | "removeFirst" | "poll" | "pollFirst" | "delete" | "discard",
                n,
            ) if shaped => {
                let idx = match (m, args.first().and_then(|a| a.konst.clone())) {
                    ("shift" | "removeFirst" | "poll" | "pollFirst", _) => Some(0),
                    // Java's `remove(int)` removes by index; Python's `remove(x)` by value.
                    ("remove", Some(Const::Int(i))) if self.lang != Lang::Python => Some(i),
                    _ => None,
                };
                let by_key = matches!(key0, Some(Key::F(_))) && !is_list;
                let out = if by_key {
                    r.get(key0.as_ref())
                } else if idx.is_some() || n == 0 {
                    r.get(idx.map(Key::I).as_ref())
                } else {
                    Val::default()
                };
                if let Some(p) = self.place(rexpr, env) {
                    let k = key0.clone();
                    self.place_map(&p, env, &mut |v| {
                        if by_key {
                            if let (Some(s), Some(k)) = (v.shape.as_mut(), &k) {
                                Rc::make_mut(s).fields.remove(k);
                            }
                        } else if idx.is_some() || n == 0 {
                            let _ = v.remove_at(idx);
                        } else {
                            let _ = v.remove_at(None);
                        }
                    });
                }
                Some(out)
            }
            ("extend" | "addAll" | "concat" | "update" | "putAll", 1) => {
                let other = args[0].clone();
                if m == "concat" {
                    // Returns a new list.
                    let mut v = r.clone();
                    append_all(&mut v, &other);
                    return Some(v);
                }
                if let Some(p) = self.place(rexpr, env) {
                    self.place_map(&p, env, &mut |v| {
                        if matches!(m, "update" | "putAll") {
                            if let Some(s) = &other.shape {
                                for (k, x) in &s.fields {
                                    v.set(Some(k.clone()), x.clone());
                                }
                                add_facts(&mut v.facts, s.rest.iter().cloned());
                            }
                            add_facts(&mut v.facts, other.facts.iter().cloned());
                        } else {
                            append_all(v, &other);
                        }
                    });
                }
                Some(Val::default())
            }
            ("keys" | "keySet" | "Keys" | "names", 0) => {
                // Keys a program wrote are its own; keys of input are input.
                let mut v = Val::default();
                v.set(None, Val::from_facts(r.facts.clone()));
                Some(v)
            }
            (
                "values" | "items" | "entrySet" | "entries" | "iterator" | "stream" | "toArray"
                | "elements" | "listIterator" | "spliterator" | "asList" | "copy" | "clone"
                | "toList" | "collect",
                _,
            ) => {
                if m == "copy" || m == "clone" {
                    return Some(r.clone());
                }
                if matches!(m, "items" | "entrySet" | "entries") {
                    return Some(pairs_of(r));
                }
                let mut v = Val::default();
                v.set(None, element_of(r, false));
                Some(v)
            }
            (
                "next" | "nextElement" | "getValue" | "getKey" | "orElse" | "orElseGet" | "get",
                0,
            ) => Some(element_of(r, false)),
            ("join", _) if is_list || shaped => {
                let mut v = r.get(None).derived();
                if let Some(sep) = args.first() {
                    add_facts(&mut v.facts, sep.derived().facts);
                }
                Some(stepped(v, line, col, "joined"))
            }
            (
                "contains" | "containsKey" | "includes" | "has" | "isEmpty" | "size" | "length"
                | "indexOf" | "count" | "containsValue",
                _,
            ) if shaped => Some(Val::default()),
            _ => None,
        }
    }

    /// Writes `v` at key `k` of the container `rexpr` names.
    fn write_at(&mut self, rexpr: &'a Expr, k: Option<Key>, v: Val, env: &mut Env<'a>) {
        if let Some(p) = self.place(rexpr, env) {
            self.place_set(&p, k, v, env);
        }
    }

    // ---- sinks ----

    #[allow(clippy::too_many_arguments)]
    fn check_sinks(
        &mut self,
        c: &'a Call,
        paths: &[&str],
        method: Option<&str>,
        recv: &Val,
        args: &[Val],
        shown: &str,
        env: &Env<'a>,
    ) {
        let pack = self.pack;
        for sink in &pack.sinks {
            let by_call = sink
                .call
                .as_ref()
                .is_some_and(|pat| paths.iter().any(|p| matches(pat, p)));
            // `exists()`, `delete()`, `list()` act on a file only when the receiver is one
            // (in packs that know file objects): not on a query set or a list.
            let by_method = sink.method.is_some()
                && sink.method.as_deref() == method
                && recv.is_tainted()
                && (sink.when_flag.is_some()
                    || flag_bit(pack, "file_object") == 0
                    || has_flag(pack, recv, "file_object"));
            if !by_call && !by_method {
                continue;
            }
            if !self.conditions_hold(sink, c, args, env) {
                continue;
            }
            if let Some(flag) = &sink.when_flag {
                let flags = recv.flags | args.iter().fold(0, |f, a| f | a.flags);
                if flags & flag_bit(pack, flag) == 0 {
                    continue;
                }
            }
            let mut facts: Vec<Fact> = Vec::new();
            if by_method && !by_call {
                facts = recv.deep();
            } else {
                let positional: Vec<(usize, &Val)> = c
                    .args
                    .iter()
                    .zip(args)
                    .filter(|(a, _)| a.name.is_none())
                    .enumerate()
                    .map(|(i, (_, v))| (i, v))
                    .collect();
                let spread = c.args.iter().any(|a| a.spread);
                for (i, v) in &positional {
                    let wanted =
                        sink.args.is_empty() && sink.argv.is_empty() && sink.program.is_none()
                            || sink.args.contains(i)
                            || (spread && !sink.args.is_empty());
                    if sink.argv.contains(i) {
                        add_facts(&mut facts, argv_facts(v));
                        continue;
                    }
                    if sink.program == Some(*i) {
                        add_facts(&mut facts, v.deep());
                        let shell = v.konst.as_ref().is_some_and(is_shell);
                        if shell && let Some(rest) = sink.argv_rest.and_then(|j| positional.get(j))
                        {
                            let r0 = rest.1.get(Some(&Key::I(0)));
                            if r0.konst.as_ref().is_some_and(is_shell_flag) {
                                add_facts(&mut facts, rest.1.get(Some(&Key::I(1))).deep());
                            }
                        }
                        continue;
                    }
                    if !wanted {
                        continue;
                    }
                    let value = match &sink.object_key {
                        Some(_) if sink.shaped && v.shape.is_none() => continue,
                        Some(k) => v.get(Some(&Key::f(k.as_str()))),
                        None => (*v).clone(),
                    };
                    if sink.unless_list && value.shape.as_ref().is_some_and(|s| s.list) {
                        continue;
                    }
                    // A name of unknown text is a query only when given to a database.
                    if sink.sql_like
                        && v.flags & SQL_TEXT == 0
                        && !looks_like_sql(
                            c.args.get(*i).map(|a| &a.value),
                            has_flag(pack, recv, "database"),
                        )
                    {
                        continue;
                    }
                    add_facts(&mut facts, value.deep());
                }
                // An options object that turns a shell on makes every argument a command.
                if sink.when_option.is_some() {
                    for (_, v) in positional.iter().skip(1) {
                        add_facts(&mut facts, v.get(None).deep());
                    }
                }
            }
            facts.retain(|f| f.cleared & sink.kind.bit() == 0);
            if facts.is_empty() || !self.report {
                continue;
            }
            let key = (c.loc.line, c.loc.col, sink.kind);
            let idx = match self.fx.sink_ids.get(&key) {
                Some(i) => *i,
                None => {
                    self.fx.sinks.push(SinkRec {
                        kind: sink.kind,
                        line: c.loc.line,
                        col: c.loc.col,
                        sink: shown.to_string(),
                        facts: Vec::new(),
                    });
                    let i = self.fx.sinks.len() - 1;
                    self.fx.sink_ids.insert(key, i);
                    i
                }
            };
            add_facts(&mut self.fx.sinks[idx].facts, facts);
        }
    }

    fn conditions_hold(&self, sink: &Sink, c: &Call, args: &[Val], env: &Env<'a>) -> bool {
        let kw = |name: &str| {
            c.args
                .iter()
                .zip(args)
                .find(|(a, _)| a.name.as_deref() == Some(name))
        };
        let text_of = |a: &Arg, v: &Val| -> String {
            match &v.konst {
                Some(Const::Bool(b)) => if *b { "True" } else { "False" }.to_string(),
                Some(k) => k.as_text().unwrap_or_default(),
                None => self.any_path(&a.value, env).unwrap_or_default(),
            }
        };
        let one_of = |value: &str, alts: &str| {
            alts == "*"
                || alts
                    .split('|')
                    .any(|a| a.eq_ignore_ascii_case(value) || value.rsplit('.').next() == Some(a))
        };
        for (k, alts) in &sink.when_kwarg {
            if !kw(k).is_some_and(|(a, v)| one_of(&text_of(a, v), alts)) {
                return false;
            }
        }
        for (k, alts) in &sink.unless_kwarg {
            if kw(k).is_some_and(|(a, v)| one_of(&text_of(a, v), alts)) {
                return false;
            }
        }
        let positional: Vec<&Val> = c
            .args
            .iter()
            .zip(args)
            .filter(|(a, _)| a.name.is_none())
            .map(|(_, v)| v)
            .collect();
        for (i, alts) in &sink.when_args {
            let ok = positional
                .get(*i)
                .is_some_and(|v| matches!(&v.konst, Some(Const::Str(t)) if one_of(t, alts)));
            if !ok {
                return false;
            }
        }
        let opt_true = |v: &Val, key: &str| {
            let x = v.get(Some(&Key::f(key)));
            v.shape
                .as_ref()
                .is_some_and(|s| s.fields.contains_key(&Key::f(key)))
                && x.konst.as_ref().is_none_or(Const::truthy)
        };
        if let Some(key) = &sink.unless_option {
            let has = |v: &Val| {
                v.shape
                    .as_ref()
                    .is_some_and(|s| s.fields.contains_key(&Key::f(key.as_str())))
            };
            if args.iter().any(has) || c.args.iter().any(|a| a.name.as_deref() == Some(key)) {
                return false;
            }
        }
        if let Some(key) = &sink.when_option
            && !args.iter().any(|v| opt_true(v, key))
            && !kw(key).is_some_and(|(_, v)| v.konst.as_ref().is_none_or(Const::truthy))
        {
            return false;
        }
        true
    }

    // ---- guards ----

    /// What `cond` proves when true, and when false.
    fn proofs(&mut self, cond: &'a Expr, env: &Env<'a>) -> Proofs {
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
            Expr::Name(n, _) => match env.tests.get(n.as_str()) {
                Some(test) => self.proofs(test, env),
                None => (Vec::new(), Vec::new()),
            },
            Expr::Assign(_, value, AssignOp::Set, _) => self.proofs(value, env),
            Expr::Compare(op, a, b, _) => {
                let is_const =
                    |e: &Expr| matches!(e, Expr::Lit(..) | Expr::Str { text: Some(_), .. });
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
                            let nullish = matches!(
                                other.as_ref(),
                                Expr::Lit(Lit::Null | Lit::Bool(false), _)
                            );
                            if nullish { (f, t) } else { (t, f) }
                        } else if is_const(b) && !matches!(b.as_ref(), Expr::Lit(Lit::Null, _)) {
                            (self.subjects(a, env, Proof::Full), Vec::new())
                        } else if is_const(a) && !matches!(a.as_ref(), Expr::Lit(Lit::Null, _)) {
                            (self.subjects(b, env, Proof::Full), Vec::new())
                        } else {
                            (Vec::new(), Vec::new())
                        };
                        if *op == CmpOp::Ne { (f, t) } else { (t, f) }
                    }
                    _ => (Vec::new(), Vec::new()),
                }
            }
            Expr::Call(c) => self.validator_proofs(c, env),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn validator_proofs(&mut self, c: &'a Call, env: &Env<'a>) -> Proofs {
        let p = self.any_path(&c.callee, env).unwrap_or_default();
        let (method, receiver) = match &c.callee {
            Expr::Attr(base, m, _) => (Some(m.as_str()), Some(base.as_ref())),
            _ => (None, None),
        };
        let positional: Vec<&'a Expr> = c
            .args
            .iter()
            .filter(|a| a.name.is_none())
            .map(|a| &a.value)
            .collect();
        let pack = self.pack;
        for v in &pack.validators {
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
            if v.anchored && !anchored(v.pattern_arg, receiver, &positional) {
                continue;
            }
            if let Some(j) = v.refuses {
                let chars = positional.get(j).and_then(|e| e.text()).unwrap_or_default();
                if !(chars.contains('/') && chars.contains('.')) {
                    continue;
                }
                // True: it holds a forbidden character; false: none, so no separator or `..`.
                let subjects = self.subjects(subject, env, Proof::Kinds(Kind::Path.bit()));
                return (Vec::new(), subjects);
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
                    canonical: self.is_canonical_expr(subject, env),
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

    fn is_canonical_expr(&self, e: &Expr, env: &Env<'a>) -> bool {
        match e {
            Expr::Call(c) => self
                .any_path(&c.callee, env)
                .is_some_and(|p| self.pack.canonicalizers.iter().any(|pat| matches(pat, &p))),
            _ => false,
        }
    }

    /// The places a tested expression speaks for: the variables in it (through calls,
    /// operators), and what relative paths were made from.
    fn subjects(&mut self, e: &Expr, env: &Env<'a>, proof: Proof) -> Vec<(Place, Proof)> {
        let mut places = Vec::new();
        self.collect_places(e, env, &mut places);
        let mut out = Vec::new();
        for p in places {
            if p.1.is_empty()
                && let Some(from) = env.rel.get(&p.0)
            {
                for f in from {
                    out.push((f.clone(), Proof::Contained { canonical: true }));
                }
            }
            out.push((p, proof));
        }
        out
    }

    fn collect_places(&mut self, e: &Expr, env: &Env<'a>, out: &mut Vec<Place>) {
        match e {
            Expr::Name(n, _) => {
                if env.vars.contains_key(n.as_str()) {
                    out.push((Rc::from(n.as_str()), Vec::new()));
                } else if let VarKey::Field(r, f) = self.var_key(n, env) {
                    out.push((r, vec![Key::f(&f)]));
                }
            }
            Expr::Attr(b, a, _) => {
                if let Some((v, mut path)) = self.static_place(b, env) {
                    path.push(Key::f(a.as_str()));
                    out.push((v, path));
                }
                self.collect_places(b, env, out);
            }
            Expr::Call(c) => {
                if let Expr::Attr(base, _, _) = &c.callee {
                    self.collect_places(base, env, out);
                }
                for arg in &c.args {
                    self.collect_places(&arg.value, env, out);
                }
            }
            Expr::Index(b, _, _) | Expr::Not(b) | Expr::Cast(_, b, _) | Expr::Neg(b, _) => {
                self.collect_places(b, env, out)
            }
            Expr::Binary(_, x, y, _) => {
                self.collect_places(x, env, out);
                self.collect_places(y, env, out);
            }
            Expr::Seq(v, _)
            | Expr::Other(v, _)
            | Expr::And(v)
            | Expr::Or(v)
            | Expr::Coalesce(v) => v.iter().for_each(|x| self.collect_places(x, env, out)),
            Expr::Str { parts, .. } => parts.iter().for_each(|x| self.collect_places(x, env, out)),
            Expr::Assign(t, _, _, _) => self.collect_places(t, env, out),
            _ => {}
        }
    }

    /// A place without evaluating anything (for guards).
    fn static_place(&self, e: &Expr, env: &Env<'a>) -> Option<Place> {
        match e {
            Expr::Name(n, _) => match self.var_key(n, env) {
                VarKey::Local(k) => env.vars.contains_key(&k).then_some((k, Vec::new())),
                VarKey::Field(r, f) => Some((r, vec![Key::f(&f)])),
            },
            Expr::Attr(b, a, _) => {
                let (v, mut p) = self.static_place(b, env)?;
                if p.len() >= 3 {
                    return None;
                }
                p.push(Key::f(a.as_str()));
                Some((v, p))
            }
            _ => None,
        }
    }

    fn apply(&mut self, proofs: &[(Place, Proof)], env: &mut Env<'a>) {
        for (p, proof) in proofs {
            let proof = *proof;
            let Some(root) = env.vars.get_mut(&p.0) else {
                continue;
            };
            // Guard a field of an object: materialize it so the refinement sticks.
            let f = |v: &mut Val| {
                v.map_facts(&mut |x| match proof {
                    Proof::Full => x.cleared = 0xff,
                    Proof::Kinds(k) => x.cleared |= k,
                    Proof::Contained { canonical } => {
                        if canonical || x.canon == Canon::Set {
                            x.cleared |= Kind::Path.bit();
                        } else if x.canon == Canon::Keep && !matches!(x.origin, Origin::Source(_)) {
                            x.contain = true;
                        }
                    }
                });
            };
            if p.1.is_empty() {
                f(Rc::make_mut(root));
            } else {
                let cur = (**root).clone();
                let mut inner = get_in(&cur, &p.1);
                f(&mut inner);
                *root = Rc::new(set_in(
                    cur,
                    &p.1[..p.1.len() - 1],
                    p.1.last().cloned(),
                    inner,
                ));
            }
        }
    }

    /// `rel = filepath.Rel(base, p)`: the places `rel` speaks for.
    fn relativized(&mut self, value: &'a Expr, env: &Env<'a>) -> Option<Vec<Place>> {
        let Expr::Call(c) = value else { return None };
        let p = self.any_path(&c.callee, env)?;
        if !self.pack.relativizers.iter().any(|pat| matches(pat, &p)) {
            return None;
        }
        let mut places = Vec::new();
        for a in c.args.iter().skip(1) {
            self.collect_places(&a.value, env, &mut places);
        }
        if let Expr::Attr(base, _, _) = &c.callee
            && c.args.len() == 1
        {
            // Java: `base.relativize(p)`.
            self.collect_places(&c.args[0].value, env, &mut places);
            let _ = base;
        }
        (!places.is_empty()).then_some(places)
    }
}

enum VarKey {
    Local(Rc<str>),
    /// A field of the receiver named by its variable.
    Field(Rc<str>, Rc<str>),
}

/// The proofs every list holds (by place); the weaker proof when they differ.
fn common<'p>(mut lists: impl Iterator<Item = &'p Vec<(Place, Proof)>>) -> Vec<(Place, Proof)> {
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

/// Whether a regex test's pattern is anchored (`^…$`); a pattern qgate cannot see is given
/// the benefit of the doubt.
fn anchored(pattern_arg: Option<usize>, receiver: Option<&Expr>, positional: &[&Expr]) -> bool {
    let pattern = match pattern_arg {
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

/// The value at `path` under `v`.
fn get_in(v: &Val, path: &[Key]) -> Val {
    let mut cur = v.clone();
    for k in path {
        cur = cur.get(if *k == Key::Any { None } else { Some(k) });
    }
    cur
}

/// `v` with `x` written at `path` + `k`.
fn set_in(mut v: Val, path: &[Key], k: Option<Key>, x: Val) -> Val {
    match path.split_first() {
        None => {
            v.set(k.filter(|k| *k != Key::Any), x);
            v
        }
        Some((first, rest)) => {
            let key = (*first != Key::Any).then(|| first.clone());
            let inner = v.get(key.as_ref());
            let inner = set_in(inner, rest, k, x);
            v.set(key, inner);
            v
        }
    }
}

fn map_in(v: &mut Val, path: &[Key], f: &mut impl FnMut(&mut Val)) {
    match path.split_first() {
        None => f(v),
        Some((first, rest)) => {
            let key = (*first != Key::Any).then(|| first.clone());
            let mut inner = v.get(key.as_ref());
            map_in(&mut inner, rest, f);
            v.set(key, inner);
        }
    }
}

/// The key a value names, when it is a constant.
fn key_of(v: &Val) -> Option<Key> {
    match &v.konst {
        Some(Const::Int(i)) => Some(Key::I(*i)),
        Some(Const::Str(s)) => Some(Key::f(s)),
        Some(Const::Bool(b)) => Some(Key::I(i64::from(*b))),
        _ => None,
    }
}

/// configparser's two-level key.
fn section_key(section: &Val, key: &Val) -> Option<Key> {
    match (&section.konst, &key.konst) {
        (Some(Const::Str(s)), Some(Const::Str(k))) => {
            Some(Key::f(&format!("{s}\u{1}{}", k.to_lowercase())))
        }
        _ => None,
    }
}

/// An element (or key) of an iterable value.
/// The keys of a container: those the program wrote are its own constants, those of input
/// are input.
fn keys_of(r: &Val) -> Val {
    let mut facts = r.facts.clone();
    if let Some(s) = &r.shape {
        add_facts(&mut facts, s.rest.iter().cloned());
    }
    Val::from_facts(facts)
}

/// `[key, value]` pairs of a container (`Object.entries(o)`, `d.items()`, `m.entrySet()`).
fn pairs_of(r: &Val) -> Val {
    mapped(vec![Val::list(vec![keys_of(r), element_of(r, false)])])
}

/// A list of unknown length whose elements are `items` joined (`xs.map(f)`).
fn mapped(items: Vec<Val>) -> Val {
    let mut v = Val::list(items);
    v.shape_mut().len = None;
    v
}

fn element_of(v: &Val, keys: bool) -> Val {
    if keys {
        // Keys the program wrote are constants; keys of input are input.
        let mut facts = v.facts.clone();
        if let Some(s) = &v.shape {
            add_facts(&mut facts, s.rest.iter().cloned());
        }
        return Val::from_facts(facts);
    }
    let mut e = v.get(None);
    e.ty = None;
    e
}

fn append_all(v: &mut Val, other: &Val) {
    match other.shape.as_ref().filter(|s| s.list && s.len.is_some()) {
        Some(s) => {
            for k in 0..s.len.unwrap_or(0) {
                v.push(
                    s.fields
                        .get(&Key::I(i64::from(k)))
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
        None => v.set(None, element_of(other, false)),
    }
}

/// Whether the constant `x` is in the container `y`, when that is known.
fn member_of(x: &Const, y: &Val) -> Option<bool> {
    let s = y.shape.as_ref()?;
    if !s.rest.is_empty() || !y.facts.is_empty() {
        return None;
    }
    let mut unknown = false;
    for (k, v) in &s.fields {
        let hit = if s.list {
            v.konst.as_ref().map(|c| c == x)
        } else {
            Some(matches!((k, x), (Key::F(a), Const::Str(b)) if **a == **b))
        };
        match hit {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unknown = true,
        }
    }
    (!unknown && (s.len.is_some() || !s.list)).then_some(false)
}

fn join2(mut a: Val, b: &Val) -> Val {
    a.join(b);
    a
}

/// A step on every fact of `v`.
fn stepped(mut v: Val, line: u32, col: u32, what: &str) -> Val {
    v.map_facts(&mut |f| f.trail = push_step(&f.trail, line, col, || what.to_string()));
    v
}

fn with_step(v: Val, line: u32, col: u32, name: &str) -> Val {
    if !v.is_tainted() {
        return v;
    }
    stepped(v, line, col, &format!("assigned to `{name}`"))
}

/// The facts of an argv list argument: its program, or a shell's `-c` command; a value that
/// is not a list is the program itself.
fn argv_facts(v: &Val) -> Vec<Fact> {
    let Some(s) = v.shape.as_ref().filter(|s| s.list) else {
        return v.deep();
    };
    let e0 = v.get(Some(&Key::I(0)));
    let mut facts = e0.deep();
    let shell = e0.konst.as_ref().is_some_and(is_shell);
    let flag = v
        .get(Some(&Key::I(1)))
        .konst
        .as_ref()
        .is_some_and(is_shell_flag);
    if shell && flag {
        add_facts(&mut facts, v.get(Some(&Key::I(2))).deep());
    }
    if e0.konst.is_none() || (shell && s.len.is_none()) {
        add_facts(&mut facts, s.rest.iter().cloned());
    }
    facts
}

fn is_shell(k: &Const) -> bool {
    matches!(k, Const::Str(s) if {
        let name = s.rsplit(['/', '\\']).next().unwrap_or(s);
        matches!(name, "sh" | "bash" | "zsh" | "dash" | "ksh" | "cmd" | "cmd.exe" | "powershell" | "powershell.exe" | "pwsh")
    })
}

fn is_shell_flag(k: &Const) -> bool {
    matches!(k, Const::Str(s) if matches!(&**s, "-c" | "/c" | "/C" | "-Command" | "-lc" | "-ic"))
}

/// Whether the query argument has a constant part that starts like an SQL statement.
fn looks_like_sql(e: Option<&Expr>, unknown_counts: bool) -> bool {
    fn texts<'e>(e: &'e Expr, out: &mut Vec<&'e str>) {
        match e {
            Expr::Str { text: Some(t), .. } => out.push(t),
            Expr::Str { parts, .. } => parts.iter().for_each(|p| texts(p, out)),
            Expr::Binary(_, a, b, _) => {
                texts(a, out);
                texts(b, out);
            }
            _ => {}
        }
    }
    let Some(e) = e else { return false };
    let mut t = Vec::new();
    texts(e, &mut t);
    // Template literals keep their text in the expression's source: read it from the
    // first literal part; a name whose value is not known may hold anything.
    if t.is_empty() {
        return match e {
            Expr::Str { .. } => true,
            Expr::Name(..) => unknown_counts,
            _ => false,
        };
    }
    t.iter().any(|s| sql_text(s))
}

/// The bit of a named flag (its place among the pack's flag names).
fn flag_bit(pack: &Pack, name: &str) -> u8 {
    let mut names: Vec<&str> = pack.flags.iter().map(|f| f.flag.as_str()).collect();
    names.dedup();
    names
        .iter()
        .position(|n| *n == name)
        .map_or(0, |i| 1u8 << (i.min(7)))
}

/// Whether `v` carries the pack's flag `name`: set on it by a flag setter, or its class is
/// one a setter constructs (a parameter declared `File`, a field declared `JdbcTemplate`).
fn has_flag(pack: &Pack, v: &Val, name: &str) -> bool {
    if v.flags & flag_bit(pack, name) != 0 {
        return true;
    }
    let Some(ty) = v.ty.as_deref() else {
        return false;
    };
    pack.flags.iter().any(|f| {
        f.flag == name
            && f.result
            && f.call
                .as_deref()
                .is_some_and(|c| c.rsplit('.').next() == Some(ty))
    })
}

/// A value flag (beside the packs' flags): text built from a constant that starts like an
/// SQL statement.
const SQL_TEXT: u8 = 0x80;

/// `<github.com/gorilla/mux>.Vars` → `mux.Vars` (a Go module package by its name).
fn short_path(p: &str) -> Option<String> {
    let rest = p.strip_prefix('<')?;
    let (import, member) = rest.split_once('>')?;
    Some(format!("{}{member}", super::lower::go::package_of(import)))
}

/// Whether a call's receiver or arguments are SQL text (`String.format("SELECT …", x)`).
fn sql_of(recv: Option<&Val>, args: &[Val]) -> bool {
    recv.into_iter()
        .chain(args)
        .any(|x| x.flags & SQL_TEXT != 0 || matches!(&x.konst, Some(Const::Str(t)) if sql_text(t)))
}

/// Whether a constant text starts like an SQL statement.
fn sql_text(t: &str) -> bool {
    let w = t
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        w.as_str(),
        "SELECT"
            | "INSERT"
            | "UPDATE"
            | "DELETE"
            | "WITH"
            | "CREATE"
            | "DROP"
            | "ALTER"
            | "REPLACE"
            | "MERGE"
            | "CALL"
            | "EXEC"
            | "TRUNCATE"
            | "UPSERT"
    )
}

/// A constant initializer's value.
fn const_of(e: &Expr) -> Option<Const> {
    match e {
        Expr::Str { text: Some(t), .. } => Some(Const::Str(Rc::from(t.as_str()))),
        Expr::Lit(Lit::Int(i), _) => Some(Const::Int(*i)),
        Expr::Lit(Lit::Bool(b), _) => Some(Const::Bool(*b)),
        Expr::Lit(Lit::Float(f), _) => Some(Const::Float(*f)),
        _ => None,
    }
}

/// `java.io.File` / `List<String>` / `*http.Request` → `File` / `List` / `http.Request`.
pub fn simple_type(t: &str) -> String {
    let t = t
        .trim()
        .trim_start_matches(['*', '&'])
        .trim_start_matches("final ");
    let t = t.split('<').next().unwrap_or(t).trim();
    let t = t
        .trim_end_matches("[]")
        .trim_end_matches("...")
        .trim_end_matches('?');
    let t = t.split('|').next().unwrap_or(t).trim();
    // Go keeps its package qualifier (`http.Request`); Java and TypeScript names drop it.
    if t.contains('.')
        && t.split('.')
            .next()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && t.split('.').count() > 2
    {
        return t.rsplit('.').next().unwrap_or(t).to_string();
    }
    t.to_string()
}

/// Whether a declared type `ty` is (or wraps) the request type `rt`.
fn type_is(ty: &str, rt: &str) -> bool {
    let s = simple_type(ty);
    s == rt || s.ends_with(&format!(".{rt}")) || ty.contains(rt) && rt.contains('.')
}

/// Types that cannot hold a string.
fn numeric_type(t: &str) -> bool {
    matches!(
        simple_type(t).as_str(),
        "int"
            | "long"
            | "short"
            | "byte"
            | "double"
            | "float"
            | "boolean"
            | "char"
            | "Integer"
            | "Long"
            | "Short"
            | "Byte"
            | "Double"
            | "Float"
            | "Boolean"
            | "number"
            | "bigint"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "float32"
            | "float64"
            | "bool"
            | "BigInteger"
            | "BigDecimal"
            | "UUID"
            | "uuid.UUID"
    )
}

/// Library types of the JDK (and their equivalents) that are never the repository's.
fn jdk_type(t: &str) -> bool {
    matches!(
        t,
        "String"
            | "StringBuilder"
            | "StringBuffer"
            | "Object"
            | "Integer"
            | "Long"
            | "Short"
            | "Byte"
            | "Double"
            | "Float"
            | "Boolean"
            | "Character"
            | "Math"
            | "System"
            | "List"
            | "ArrayList"
            | "LinkedList"
            | "Map"
            | "HashMap"
            | "TreeMap"
            | "LinkedHashMap"
            | "Hashtable"
            | "Properties"
            | "Set"
            | "HashSet"
            | "TreeSet"
            | "Collection"
            | "Collections"
            | "Arrays"
            | "Iterator"
            | "Enumeration"
            | "Optional"
            | "Stream"
            | "Collectors"
            | "File"
            | "Path"
            | "Paths"
            | "Files"
            | "Scanner"
            | "BufferedReader"
            | "InputStream"
            | "OutputStream"
            | "Writer"
            | "PrintWriter"
            | "Reader"
            | "Thread"
            | "Runtime"
            | "ProcessBuilder"
            | "Process"
            | "URL"
            | "URI"
            | "Pattern"
            | "Matcher"
            | "UUID"
            | "Random"
            | "SecureRandom"
            | "Base64"
            | "MessageDigest"
            | "Cipher"
            | "Connection"
            | "Statement"
            | "PreparedStatement"
            | "ResultSet"
            | "DriverManager"
            | "Logger"
            | "Cookie"
            | "HttpServletRequest"
            | "HttpServletResponse"
            | "HttpSession"
            | "Class"
            | "Exception"
            | "Objects"
            | "LocalDate"
            | "LocalDateTime"
            | "Instant"
            | "Duration"
            | "Date"
            | "Calendar"
            | "Vector"
            | "Stack"
            | "Deque"
            | "ArrayDeque"
            | "Queue"
            | "StringJoiner"
            | "FileInputStream"
            | "FileOutputStream"
            | "FileReader"
            | "FileWriter"
            | "ObjectInputStream"
            | "ObjectOutputStream"
            | "JdbcTemplate"
            | "EntityManager"
            | "ScriptEngine"
            | "ScriptEngineManager"
            | "XMLDecoder"
            | "ObjectMapper"
            | "Yaml"
            | "XStream"
            | "ZipEntry"
            | "ZipFile"
            | "ZipInputStream"
            | "Entry"
    )
}

/// Go's builtin functions.
fn go_builtin(n: &str) -> bool {
    matches!(
        n,
        "append"
            | "len"
            | "cap"
            | "make"
            | "new"
            | "panic"
            | "print"
            | "println"
            | "copy"
            | "delete"
            | "close"
            | "recover"
            | "min"
            | "max"
            | "string"
            | "int"
            | "int64"
            | "byte"
            | "rune"
            | "float64"
            | "complex"
            | "real"
            | "imag"
            | "clear"
    )
}

/// The class a `new`/constructor callee names (`java.io.File` → `File`).
fn class_name_of(callee: &Expr) -> String {
    match callee {
        Expr::Name(n, _) => simple_type(n),
        Expr::Attr(_, a, _) => a.clone(),
        _ => String::new(),
    }
}

/// Java's locals of a function: its parameters and every declaration in it.
fn java_locals(m: &Module, id: FnId) -> HashSet<Rc<str>> {
    let mut out: HashSet<Rc<str>> = m.functions[id]
        .params
        .iter()
        .map(|p| Rc::from(p.name.as_str()))
        .collect();
    let mut lambdas = Vec::new();
    walk_stmts(
        &m.functions[id].body,
        &mut |s| match s {
            Stmt::Decl { name, .. } => {
                out.insert(Rc::from(name.as_str()));
            }
            Stmt::ForEach {
                target: Expr::Name(n, _),
                ..
            } => {
                out.insert(Rc::from(n.as_str()));
            }
            Stmt::Try { catches, .. } => {
                for c in catches {
                    if let Some(b) = &c.bind {
                        out.insert(Rc::from(b.as_str()));
                    }
                }
            }
            _ => {}
        },
        &mut |e| {
            if let Expr::Lambda(l, _) = e {
                lambdas.push(*l);
            }
        },
    );
    for l in lambdas {
        if l != id && m.functions[l].parent.is_some() {
            out.extend(java_locals(m, l));
        }
    }
    out
}

/// Every call in `stmts` (lambdas' bodies are functions of their own).
fn walk_calls<'e>(stmts: &'e [Stmt], f: &mut impl FnMut(&'e Call)) {
    walk_stmts(stmts, &mut |_| {}, &mut |e| {
        if let Expr::Call(c) = e {
            f(c);
        }
    });
}

/// Visits every statement and expression under `stmts`.
pub fn walk_stmts<'e>(
    stmts: &'e [Stmt],
    fs: &mut impl FnMut(&'e Stmt),
    fe: &mut impl FnMut(&'e Expr),
) {
    for s in stmts {
        fs(s);
        match s {
            Stmt::Assign { target, value, .. } => {
                walk_expr(target, fe);
                walk_expr(value, fe);
            }
            Stmt::Decl { value, .. } => {
                if let Some(v) = value {
                    walk_expr(v, fe);
                }
            }
            Stmt::Expr(e) | Stmt::Return(Some(e), _) | Stmt::Throw(Some(e)) => walk_expr(e, fe),
            Stmt::If { cond, then, els } => {
                walk_expr(cond, fe);
                walk_stmts(then, fs, fe);
                walk_stmts(els, fs, fe);
            }
            Stmt::While {
                cond, body, update, ..
            } => {
                if let Some(c) = cond {
                    walk_expr(c, fe);
                }
                walk_stmts(body, fs, fe);
                walk_stmts(update, fs, fe);
            }
            Stmt::ForEach {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                walk_expr(target, fe);
                walk_expr(iter, fe);
                walk_stmts(body, fs, fe);
                walk_stmts(orelse, fs, fe);
            }
            Stmt::Switch { subject, cases, .. } => {
                walk_expr(subject, fe);
                for c in cases {
                    c.tests.iter().for_each(|t| walk_expr(t, fe));
                    if let Some(g) = &c.guard {
                        walk_expr(g, fe);
                    }
                    walk_stmts(&c.body, fs, fe);
                }
            }
            Stmt::Try {
                body,
                catches,
                orelse,
                finally,
            } => {
                walk_stmts(body, fs, fe);
                for c in catches {
                    walk_stmts(&c.body, fs, fe);
                }
                walk_stmts(orelse, fs, fe);
                walk_stmts(finally, fs, fe);
            }
            Stmt::Labeled(_, b) | Stmt::Block(b) => walk_stmts(b, fs, fe),
            Stmt::Return(None, _)
            | Stmt::Throw(None)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::FuncDef(..) => {}
        }
    }
}

fn walk_expr<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    f(e);
    match e {
        Expr::Attr(b, _, _) | Expr::Not(b) | Expr::Neg(b, _) | Expr::Cast(_, b, _) => {
            walk_expr(b, f)
        }
        Expr::Index(a, b, _)
        | Expr::Binary(_, a, b, _)
        | Expr::Compare(_, a, b, _)
        | Expr::Assign(a, b, _, _) => {
            walk_expr(a, f);
            walk_expr(b, f);
        }
        Expr::Call(c) => {
            walk_expr(&c.callee, f);
            c.args.iter().for_each(|a| walk_expr(&a.value, f));
        }
        Expr::Str { parts, .. } => parts.iter().for_each(|p| walk_expr(p, f)),
        Expr::And(v) | Expr::Or(v) | Expr::Coalesce(v) | Expr::Seq(v, _) | Expr::Other(v, _) => {
            v.iter().for_each(|x| walk_expr(x, f))
        }
        Expr::Cond(a, b, c, _) => {
            walk_expr(a, f);
            walk_expr(b, f);
            walk_expr(c, f);
        }
        Expr::Map(kv, _) => kv.iter().for_each(|(k, v)| {
            walk_expr(k, f);
            walk_expr(v, f);
        }),
        Expr::Object(kv, _) => kv.iter().for_each(|(_, v)| walk_expr(v, f)),
        Expr::Comp(binds, body, _) => {
            binds.iter().for_each(|(t, i)| {
                walk_expr(t, f);
                walk_expr(i, f);
            });
            walk_expr(body, f);
        }
        Expr::Name(..) | Expr::Lit(..) | Expr::Lambda(..) => {}
    }
}
