//! The repository-wide pass: calls are resolved to the functions they reach (same file,
//! imports, packages, classes by declared type, implementations of an interface), and the
//! functions' summaries are combined bottom-up — a callee's summary applied at each call
//! site, with its parameters replaced by what the caller passes — until every flow from a
//! source to a sink is known, however many functions and files it crosses. Recursion is
//! solved to a fixpoint (bounded).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use super::rules::{Kind, Lang};
use super::summary::{FileSummary, FnSummary, SCall, SFact, SVal, Target};
use super::value::{Canon, Key, Origin, RECV, Step};

/// A function of the program: (file index, function index in the file's summary).
pub type FnRef = (u32, u32);

/// One analysed file, as the program sees it.
pub struct Unit<'s> {
    pub path: &'s str,
    pub lang: Lang,
    pub summary: &'s FileSummary,
}

/// What the program would like analysed next: a function or class of a file, or (Java)
/// the classes that extend or implement a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Demand {
    Name(String, String),
    Implementors(String),
}

/// A flow from a source to a sink, found by the program.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flow {
    pub kind: Kind,
    /// The sink's position.
    pub line: u32,
    pub col: u32,
    /// The sink as written (`open`, `cursor.execute`).
    pub sink: String,
    /// Source first, then the steps in between; a step in another file than the sink's
    /// names its file.
    pub steps: Vec<Step>,
}

/// Every source file of the tree, for resolution by path (also the files not analysed).
pub struct Tree<'s> {
    pub files: &'s [(&'s str, Lang)],
}

pub struct Program<'s> {
    units: Vec<Unit<'s>>,
    by_path: HashMap<&'s str, u32>,
    /// Python module names (every dotted suffix of a path) → source files.
    py_modules: HashMap<String, Vec<&'s str>>,
    /// Java: class simple name → files that hold it (analysed, or named after it).
    java_classes: HashMap<String, Vec<&'s str>>,
    /// Go: package directory → its files.
    go_dirs: HashMap<&'s str, Vec<&'s str>>,
    all_paths: HashSet<&'s str>,
    /// Classes by name among the analysed files, with the supertypes they name.
    subclasses: HashMap<String, Vec<(u32, String)>>,
}

impl<'s> Program<'s> {
    pub fn new(units: Vec<Unit<'s>>, tree: &Tree<'s>) -> Program<'s> {
        let mut p = Program {
            by_path: units
                .iter()
                .enumerate()
                .map(|(i, u)| (u.path, i as u32))
                .collect(),
            units,
            py_modules: HashMap::new(),
            java_classes: HashMap::new(),
            go_dirs: HashMap::new(),
            all_paths: HashSet::new(),
            subclasses: HashMap::new(),
        };
        for (path, lang) in tree.files {
            p.all_paths.insert(path);
            match lang {
                Lang::Python => {
                    let stem = path.trim_end_matches(".pyw").trim_end_matches(".py");
                    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
                    let parts: Vec<&str> = stem.split('/').collect();
                    for k in 0..parts.len() {
                        p.py_modules
                            .entry(parts[k..].join("."))
                            .or_default()
                            .push(path);
                    }
                }
                Lang::Java => {
                    let stem = path
                        .rsplit('/')
                        .next()
                        .unwrap_or(path)
                        .trim_end_matches(".java");
                    p.java_classes
                        .entry(stem.to_string())
                        .or_default()
                        .push(path);
                }
                Lang::Go if !path.ends_with("_test.go") => {
                    p.go_dirs.entry(dir_of(path)).or_default().push(path);
                }
                _ => {}
            }
        }
        for (ui, u) in p.units.iter().enumerate() {
            for c in &u.summary.classes {
                if u.lang == Lang::Java {
                    let e = p.java_classes.entry(c.name.clone()).or_default();
                    if !e.contains(&u.path) {
                        e.push(u.path);
                    }
                }
                for s in &c.supers {
                    let simple = s.rsplit('.').next().unwrap_or(s).to_string();
                    p.subclasses
                        .entry(simple)
                        .or_default()
                        .push((ui as u32, c.name.clone()));
                }
            }
        }
        p
    }

    pub fn units(&self) -> &[Unit<'s>] {
        &self.units
    }

    fn summary(&self, f: FnRef) -> &'s FnSummary {
        &self.units[f.0 as usize].summary.functions[f.1 as usize]
    }

    /// Functions named `name` (in class `class`) of unit `u`; `Err` when the file was
    /// sliced and the name not analysed (it must be asked for).
    fn lookup(&self, u: u32, class: Option<&str>, name: &str) -> Result<Vec<FnRef>, Demand> {
        let unit = &self.units[u as usize];
        let s = unit.summary;
        let found: Vec<FnRef> = s
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name == name && f.class.as_deref() == class)
            .map(|(i, _)| (u, i as u32))
            .collect();
        if found.is_empty() && !s.covers(class.unwrap_or(name)) && !s.covers(name) {
            return Err(Demand::Name(
                unit.path.to_string(),
                class.unwrap_or(name).to_string(),
            ));
        }
        Ok(found)
    }

    /// A unit by path, or the demand to analyse it.
    fn unit(&self, path: &str, name: &str) -> Result<u32, Demand> {
        match self.by_path.get(path) {
            Some(u) => Ok(*u),
            None => Err(Demand::Name(path.to_string(), name.to_string())),
        }
    }

    /// Whether a class of this name is declared in unit `u`.
    fn has_class(&self, u: u32, name: &str) -> bool {
        self.units[u as usize]
            .summary
            .classes
            .iter()
            .any(|c| c.name == name)
    }

    /// The functions a call site may reach; demands for what is not analysed yet.
    pub fn targets(&self, caller: FnRef, call: &SCall, demands: &mut Vec<Demand>) -> Vec<FnRef> {
        let unit = &self.units[caller.0 as usize];
        let out = match &call.target {
            Target::Name(n) => self.by_name(caller.0, n, call.new, call.args.len(), demands),
            Target::Method { ty, name } => self.method(caller.0, ty, name, demands, true),
            Target::Own { class, name } => {
                let mut v = self.in_class(caller.0, class, name, demands, 0);
                if unit.lang == Lang::Java {
                    // A method of this class may be overridden below it.
                    v.extend(self.overrides(class, name, demands));
                }
                if v.is_empty() && unit.lang == Lang::Java {
                    // An unqualified call in an inner class: the outer class's method.
                    if let Some(outer) = unit
                        .summary
                        .classes
                        .iter()
                        .find(|c| c.name == *class)
                        .and_then(|c| c.outer.clone())
                    {
                        v = self.in_class(caller.0, &outer, name, demands, 0);
                    }
                }
                v
            }
            Target::Super { class, name } => {
                let supers = self.supers_of(caller.0, class);
                let mut v = Vec::new();
                for (u, c) in supers {
                    v.extend(self.in_class(u, &c, name, demands, 0));
                }
                v
            }
        };
        let mut seen = HashSet::new();
        let mut out: Vec<FnRef> = out.into_iter().filter(|f| seen.insert(*f)).collect();
        // Overloads: prefer those whose arity fits.
        let fits: Vec<FnRef> = out
            .iter()
            .copied()
            .filter(|f| {
                let s = self.summary(*f);
                s.rest.is_some() || usize::from(s.params) == call.args.len()
            })
            .collect();
        if !fits.is_empty() && unit.lang == Lang::Java {
            out = fits;
        }
        out.truncate(8);
        out
    }

    /// A dotted name as the calling file wrote it (imports applied).
    fn by_name(
        &self,
        u: u32,
        n: &str,
        new: bool,
        _arity: usize,
        demands: &mut Vec<Demand>,
    ) -> Vec<FnRef> {
        let unit = &self.units[u as usize];
        match unit.lang {
            Lang::Python => self.python_name(u, n, demands),
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => self.js_name(u, n, demands),
            Lang::Java => {
                // `new Foo(...)` / `Foo.m()` handled by type.
                let simple = n.rsplit('.').next().unwrap_or(n);
                if new {
                    return self.method(u, simple, "<init>", demands, false);
                }
                match self.lookup(u, None, simple) {
                    Ok(v) => v,
                    Err(d) => {
                        demands.push(d);
                        Vec::new()
                    }
                }
            }
            Lang::Go => self.go_name(u, n, demands),
        }
    }

    fn python_name(&self, u: u32, n: &str, demands: &mut Vec<Demand>) -> Vec<FnRef> {
        let unit = &self.units[u as usize];
        let parts: Vec<&str> = n.split('.').collect();
        // A name of this file.
        if !n.starts_with('.') {
            let first = parts[0];
            if parts.len() == 1 || self.has_class(u, first) {
                let v = self.symbol(u, &parts, demands);
                if !v.is_empty() || self.local_symbol(u, first) {
                    return v;
                }
            }
        }
        // A relative import: from the calling file's package.
        let absolute = if let Some(rest) = n.strip_prefix('.') {
            let mut pkg: Vec<&str> = unit.path.split('/').collect();
            pkg.pop();
            let mut rest = rest;
            while let Some(r) = rest.strip_prefix('.') {
                pkg.pop();
                rest = r;
            }
            let mut all = pkg.join(".");
            if !rest.is_empty() {
                if !all.is_empty() {
                    all.push('.');
                }
                all.push_str(rest);
            }
            all
        } else {
            n.to_string()
        };
        let parts: Vec<&str> = absolute.split('.').collect();
        for k in (1..parts.len()).rev() {
            let module = parts[..k].join(".");
            let Some(files) = self.py_modules.get(&module) else {
                continue;
            };
            let file = best_match(files, unit.path, &module);
            match self.unit(file, parts[k]) {
                Ok(t) => return self.symbol(t, &parts[k..], demands),
                Err(d) => {
                    demands.push(d);
                    return Vec::new();
                }
            }
        }
        Vec::new()
    }

    fn local_symbol(&self, u: u32, name: &str) -> bool {
        let s = self.units[u as usize].summary;
        s.functions
            .iter()
            .any(|f| f.name == name && f.class.is_none())
            || s.classes.iter().any(|c| c.name == name)
    }

    /// `f`, `Cls`, `Cls.m` in unit `u`: a function, a class's constructor, a method.
    fn symbol(&self, u: u32, parts: &[&str], demands: &mut Vec<Demand>) -> Vec<FnRef> {
        let lang = self.units[u as usize].lang;
        match parts {
            [name] => {
                if self.has_class(u, name) {
                    let ctor = match lang {
                        Lang::Python => "__init__",
                        Lang::Java => "<init>",
                        _ => "constructor",
                    };
                    return self.in_class(u, name, ctor, demands, 0);
                }
                match self.lookup(u, None, name) {
                    Ok(v) if !v.is_empty() => v,
                    Ok(_) => {
                        // An export under another name.
                        let s = self.units[u as usize].summary;
                        match s.exports.iter().find(|(e, _)| e == name) {
                            Some((_, local)) if local != name => {
                                self.symbol(u, &[local.as_str()], demands)
                            }
                            _ => Vec::new(),
                        }
                    }
                    Err(d) => {
                        demands.push(d);
                        Vec::new()
                    }
                }
            }
            [class, method] => self.in_class(u, class, method, demands, 0),
            _ => Vec::new(),
        }
    }

    fn js_name(&self, u: u32, n: &str, demands: &mut Vec<Demand>) -> Vec<FnRef> {
        let unit = &self.units[u as usize];
        if let Some(rest) = n.strip_prefix('<') {
            let Some((spec, member)) = rest.split_once('>') else {
                return Vec::new();
            };
            let member = member.trim_start_matches('.');
            let members: Vec<&str> = if member.is_empty() {
                vec!["default"]
            } else {
                member.split('.').collect()
            };
            let Some(file) = self.js_file(unit.path, spec) else {
                return Vec::new();
            };
            return match self.unit(file, members[0]) {
                Ok(t) => {
                    let v = self.symbol(t, &members, demands);
                    if v.is_empty() && members == ["default"] {
                        // `module.exports = function …` or a default-exported class.
                        self.symbol(t, &["default"], demands)
                    } else {
                        v
                    }
                }
                Err(d) => {
                    demands.push(d);
                    Vec::new()
                }
            };
        }
        let parts: Vec<&str> = n.split('.').collect();
        self.symbol(u, &parts, demands)
    }

    /// The file a relative module specifier names, as Node and TypeScript resolve it.
    fn js_file(&self, from: &str, spec: &str) -> Option<&'s str> {
        let base = normalize(&format!("{}/{spec}", dir_of(from)));
        let exts = [
            "", ".js", ".ts", ".tsx", ".jsx", ".mjs", ".cjs", ".mts", ".cts",
        ];
        let stem = base
            .strip_suffix(".js")
            .map(str::to_string)
            .unwrap_or_else(|| base.clone());
        for cand in exts
            .iter()
            .map(|e| format!("{base}{e}"))
            .chain(exts.iter().skip(1).map(|e| format!("{stem}{e}")))
            .chain(exts.iter().skip(1).map(|e| format!("{base}/index{e}")))
        {
            if let Some(p) = self.all_paths.get(cand.as_str()) {
                return Some(p);
            }
        }
        None
    }

    fn go_name(&self, u: u32, n: &str, demands: &mut Vec<Demand>) -> Vec<FnRef> {
        let unit = &self.units[u as usize];
        let (dir, name) = match n.strip_prefix('<').and_then(|r| r.split_once('>')) {
            Some((import, member)) => {
                let member = member.trim_start_matches('.');
                // The package's directory: the longest directory the import path ends with.
                let dir = self
                    .go_dirs
                    .keys()
                    .filter(|d| {
                        !d.is_empty() && (import.ends_with(&format!("/{d}")) || import == **d)
                    })
                    .max_by_key(|d| d.len())
                    .copied();
                match dir {
                    Some(d) => (d, member.to_string()),
                    None => return Vec::new(),
                }
            }
            None => (dir_of(unit.path), n.to_string()),
        };
        let mut out = Vec::new();
        let (class, name) = match name.split_once('.') {
            Some((c, m)) => (Some(c.to_string()), m.to_string()),
            None => (None, name),
        };
        for f in self.go_dirs.get(dir).into_iter().flatten() {
            match self.by_path.get(f) {
                Some(t) => {
                    if let Ok(v) = self.lookup(*t, class.as_deref(), &name) {
                        out.extend(v);
                    }
                }
                None => demands.push(Demand::Name((*f).to_string(), name.clone())),
            }
        }
        out
    }

    /// A method by its receiver's class (Java, Go, and classes Python and JavaScript files
    /// define or import): the class's own method or an inherited one, and (Java) the
    /// overrides and implementations below it.
    fn method(
        &self,
        u: u32,
        ty: &str,
        name: &str,
        demands: &mut Vec<Demand>,
        dispatch: bool,
    ) -> Vec<FnRef> {
        let unit = &self.units[u as usize];
        let mut out = Vec::new();
        match unit.lang {
            Lang::Java => {
                let simple = ty.rsplit('.').next().unwrap_or(ty);
                for (cu, c) in self.java_class(u, simple, demands) {
                    out.extend(self.in_class(cu, &c, name, demands, 0));
                }
                if dispatch && name != "<init>" {
                    out.extend(self.overrides(simple, name, demands));
                }
            }
            Lang::Go => {
                for f in self.go_dirs.get(dir_of(unit.path)).into_iter().flatten() {
                    if let Some(t) = self.by_path.get(f)
                        && let Ok(v) = self.lookup(*t, Some(ty), name)
                    {
                        out.extend(v);
                    }
                }
            }
            _ => {
                // The class as this file names it: its own, or imported.
                let path = self.units[u as usize]
                    .summary
                    .imports
                    .iter()
                    .rev()
                    .find(|(l, _)| l == ty)
                    .map(|(_, p)| p.clone());
                match path {
                    Some(p) => {
                        let full = format!("{p}.{name}");
                        out.extend(if unit.lang == Lang::Python {
                            self.python_name(u, &full, demands)
                        } else {
                            self.js_name(u, &full, demands)
                        });
                    }
                    None if self.has_class(u, ty) => {
                        out.extend(self.in_class(u, ty, name, demands, 0));
                    }
                    None => {}
                }
            }
        }
        out
    }

    /// Java classes named `simple` that the calling unit can see: imported, in its package,
    /// or anywhere when only one has that name.
    fn java_class(&self, u: u32, simple: &str, demands: &mut Vec<Demand>) -> Vec<(u32, String)> {
        let unit = &self.units[u as usize];
        if self.has_class(u, simple) {
            return vec![(u, simple.to_string())];
        }
        let Some(files) = self.java_classes.get(simple) else {
            return Vec::new();
        };
        let imported = unit
            .summary
            .imports
            .iter()
            .find(|(l, _)| l == simple)
            .map(|(_, p)| p.replace('.', "/"));
        let pkg_dir = dir_of(unit.path);
        let mut ranked: Vec<&&str> = files.iter().collect();
        ranked.sort_by_key(|f| {
            let by_import = imported
                .as_ref()
                .is_some_and(|i| f.trim_end_matches(".java").ends_with(i.as_str()));
            (!by_import, dir_of(f) != pkg_dir, f.len())
        });
        let mut out = Vec::new();
        for f in ranked.into_iter().take(2) {
            match self.unit(f, simple) {
                Ok(t) if self.has_class(t, simple) => out.push((t, simple.to_string())),
                Ok(_) => {}
                Err(d) => demands.push(d),
            }
        }
        out
    }

    /// Subclasses' and implementations' versions of `class.name` (Java).
    fn overrides(&self, class: &str, name: &str, demands: &mut Vec<Demand>) -> Vec<FnRef> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![class.to_string()];
        let mut asked = false;
        while let Some(c) = stack.pop() {
            if !seen.insert(c.clone()) || seen.len() > 32 {
                continue;
            }
            let subs = self.subclasses.get(&c).cloned().unwrap_or_default();
            if subs.is_empty() && c == class && !asked {
                asked = true;
                demands.push(Demand::Implementors(class.to_string()));
            }
            for (u, sub) in subs {
                if let Ok(v) = self.lookup(u, Some(&sub), name) {
                    out.extend(v);
                }
                stack.push(sub);
            }
        }
        out
    }

    /// `name` in class `class` of unit `u`, or inherited from its supertypes.
    fn in_class(
        &self,
        u: u32,
        class: &str,
        name: &str,
        demands: &mut Vec<Demand>,
        depth: u32,
    ) -> Vec<FnRef> {
        if depth > 6 {
            return Vec::new();
        }
        match self.lookup(u, Some(class), name) {
            Ok(v) if !v.is_empty() => return v,
            Ok(_) => {}
            Err(d) => {
                demands.push(d);
                return Vec::new();
            }
        }
        let mut out = Vec::new();
        for (su, sc) in self.supers_of(u, class) {
            out.extend(self.in_class(su, &sc, name, demands, depth + 1));
            if !out.is_empty() {
                break;
            }
        }
        out
    }

    /// The supertypes of `class` (declared in unit `u`) that the program has.
    fn supers_of(&self, u: u32, class: &str) -> Vec<(u32, String)> {
        let unit = &self.units[u as usize];
        let Some(c) = unit.summary.classes.iter().find(|c| c.name == class) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut none = Vec::new();
        for s in &c.supers {
            let simple = s.rsplit('.').next().unwrap_or(s).to_string();
            if self.has_class(u, &simple) {
                out.push((u, simple));
                continue;
            }
            match unit.lang {
                Lang::Java => out.extend(self.java_class(u, &simple, &mut none)),
                Lang::Python | Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
                    let path = unit
                        .summary
                        .imports
                        .iter()
                        .rev()
                        .find(|(l, _)| *l == simple)
                        .map(|(_, p)| p.clone());
                    if let Some(p) = path {
                        // The imported class's file.
                        let refs = if unit.lang == Lang::Python {
                            self.python_name(u, &p, &mut none)
                        } else {
                            self.js_name(u, &p, &mut none)
                        };
                        if let Some(f) = refs.first() {
                            out.push((f.0, simple));
                        }
                    }
                }
                Lang::Go => {}
            }
        }
        out
    }
}

/// A fact of the program: its origin is untrusted input somewhere, or a parameter of the
/// function being combined.
#[derive(Debug, Clone)]
pub struct RFact {
    origin: ROrigin,
    path: Vec<Key>,
    cleared: u8,
    canon: Canon,
    contain: bool,
    trail: Rc<Vec<Step>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ROrigin {
    /// Source `i` of function `f`.
    Src(FnRef, u32),
    Param(u8),
}

#[derive(Debug, Clone, Default)]
struct RVal {
    facts: Vec<RFact>,
    fields: Vec<(Key, RVal)>,
    rest: Vec<RFact>,
}

impl RVal {
    fn at(&self, path: &[Key]) -> Vec<RFact> {
        let Some((k, more)) = path.split_first() else {
            let mut out = self.facts.clone();
            out.extend(self.rest.iter().cloned());
            for (_, v) in &self.fields {
                out.extend(v.at(&[]));
            }
            return out;
        };
        let mut out: Vec<RFact> = self
            .facts
            .iter()
            .map(|f| {
                let mut f = f.clone();
                if matches!(f.origin, ROrigin::Param(_)) && f.path.len() < 3 {
                    f.path.extend(path.iter().cloned());
                }
                f
            })
            .collect();
        out.extend(self.rest.iter().cloned());
        for (fk, v) in &self.fields {
            if *k == Key::Any || fk == k {
                out.extend(v.at(more));
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
struct RSink {
    file: u32,
    line: u32,
    col: u32,
    kind: Kind,
    sink: String,
    facts: Vec<RFact>,
}

#[derive(Debug, Default)]
struct Resolved {
    ret: RVal,
    outs: Vec<(u8, RVal)>,
    sinks: Vec<RSink>,
}

const MAX_RFACTS: usize = 12;
const MAX_SINKS: usize = 200;
const MAX_TRAIL: usize = 24;

/// A demand, and whether the call asking passes facts to what it asks for.
pub type Asked = (Demand, bool);

/// Combines the program's summaries; the flows found, by the sink's file.
pub struct Solver<'p, 's> {
    prog: &'p Program<'s>,
    /// The units' paths, shared by the steps that name them.
    files: Vec<Arc<str>>,
    memo: HashMap<FnRef, Rc<Resolved>>,
    prev: HashMap<FnRef, Rc<Resolved>>,
    in_progress: HashSet<FnRef>,
    cut: bool,
    targets: HashMap<(FnRef, u32), Rc<Vec<FnRef>>>,
    /// What is not analysed yet, and whether the call asking passes facts to it.
    pub demands: Vec<Asked>,
    /// Call results being worked out (a loop-carried call's own result): cut off.
    active: HashSet<(FnRef, Origin, Vec<Key>)>,
    /// Call results worked out, by function, origin and path.
    origins: HashMap<(FnRef, Origin, Vec<Key>), Rc<Vec<RFact>>>,
}

impl<'p, 's> Solver<'p, 's> {
    pub fn new(prog: &'p Program<'s>) -> Solver<'p, 's> {
        Solver {
            prog,
            files: prog.units.iter().map(|u| Arc::from(u.path)).collect(),
            memo: HashMap::new(),
            prev: HashMap::new(),
            in_progress: HashSet::new(),
            cut: false,
            targets: HashMap::new(),
            demands: Vec::new(),
            active: HashSet::new(),
            origins: HashMap::new(),
        }
    }

    /// Solves every function; returns the flows by the file of their sink (unit index).
    pub fn flows(mut self) -> (Vec<(u32, Flow)>, Vec<Asked>) {
        let all: Vec<FnRef> = self
            .prog
            .units
            .iter()
            .enumerate()
            .flat_map(|(u, unit)| {
                (0..unit.summary.functions.len()).map(move |i| (u as u32, i as u32))
            })
            .collect();
        let all = self.roots(all);
        for round in 0..3 {
            self.cut = false;
            for f in &all {
                let _ = self.resolve(*f);
            }
            if !self.cut || round == 2 {
                break;
            }
            self.prev = std::mem::take(&mut self.memo);
            self.origins.clear();
        }
        // The first source of each sink (by file, then position).
        type Rank = (u32, u32, u32);
        let mut best: HashMap<(u32, u32, u32, Kind), (Flow, Rank)> = HashMap::new();
        for f in &all {
            let r = self.memo.get(f).cloned().unwrap_or_default();
            for s in &r.sinks {
                for fact in &s.facts {
                    let ROrigin::Src(sf, si) = fact.origin else {
                        continue;
                    };
                    if fact.cleared & s.kind.bit() != 0 {
                        continue;
                    }
                    let src_file = sf.0;
                    let src = &self.prog.summary(sf).sources[si as usize];
                    let rank = (u32::from(src_file != s.file), src.line, src.col);
                    let key = (s.file, s.line, s.col, s.kind);
                    if best.get(&key).is_some_and(|(_, r)| *r <= rank) {
                        continue;
                    }
                    let sink_file = self.prog.units[s.file as usize].path;
                    let steps = fact
                        .trail
                        .iter()
                        .map(|st| {
                            let mut st = st.clone();
                            if st.file.as_deref() == Some(sink_file) {
                                st.file = None;
                            }
                            st
                        })
                        .collect();
                    best.insert(
                        key,
                        (
                            Flow {
                                kind: s.kind,
                                line: s.line,
                                col: s.col,
                                sink: s.sink.clone(),
                                steps,
                            },
                            rank,
                        ),
                    );
                }
            }
        }
        let mut out: Vec<(u32, Flow)> = best
            .into_iter()
            .map(|((file, ..), (flow, _))| (file, flow))
            .collect();
        out.sort_by_key(|(file, f)| (*file, f.line, f.col, f.kind));
        let mut demands = self.demands;
        // Those that carry facts first: each demand is kept once, carrying if any asker does.
        demands.sort_by_key(|(_, carries)| !carries);
        let mut seen = HashSet::new();
        demands.retain(|(d, _)| seen.insert(d.clone()));
        (out, demands)
    }

    /// The functions a flow can be found in: those that read untrusted input, and those
    /// that call them (a source's value comes back to its callers). Their callees are
    /// solved as they ask for them.
    fn roots(&mut self, all: Vec<FnRef>) -> Vec<FnRef> {
        let mut callers: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
        let mut todo: Vec<FnRef> = Vec::new();
        for f in &all {
            let s = self.prog.summary(*f);
            if !s.sources.is_empty() {
                todo.push(*f);
            }
            for c in &s.calls {
                for g in self.targets_of(*f, c).iter() {
                    callers.entry(*g).or_default().push(*f);
                }
            }
        }
        let mut keep: HashSet<FnRef> = todo.iter().copied().collect();
        while let Some(g) = todo.pop() {
            for f in callers.get(&g).into_iter().flatten() {
                if keep.insert(*f) {
                    todo.push(*f);
                }
            }
        }
        all.into_iter().filter(|f| keep.contains(f)).collect()
    }

    fn targets_of(&mut self, f: FnRef, c: &SCall) -> Rc<Vec<FnRef>> {
        if let Some(t) = self.targets.get(&(f, c.id)) {
            return t.clone();
        }
        let mut asked = Vec::new();
        let t = Rc::new(self.prog.targets(f, c, &mut asked));
        // A call that passes nothing untrusted can only matter when the callee reads
        // untrusted input itself; the scan decides which files may.
        let carries =
            c.recv.as_ref().is_some_and(SVal::carries) || c.args.iter().any(SVal::carries);
        self.demands.extend(asked.into_iter().map(|d| (d, carries)));
        self.targets.insert((f, c.id), t.clone());
        t
    }

    fn resolve(&mut self, f: FnRef) -> Rc<Resolved> {
        if let Some(r) = self.memo.get(&f) {
            return r.clone();
        }
        if self.in_progress.contains(&f) {
            self.cut = true;
            return self.prev.get(&f).cloned().unwrap_or_default();
        }
        self.in_progress.insert(f);
        let s = self.prog.summary(f);
        let ret = self.rval(f, &s.ret);
        let outs = s.outs.iter().map(|(i, v)| (*i, self.rval(f, v))).collect();
        let mut sinks = Vec::new();
        for sk in &s.sinks {
            let mut facts = Vec::new();
            for x in &sk.facts {
                for r in self.subst(f, x) {
                    if r.cleared & sk.kind.bit() == 0 {
                        push_fact(&mut facts, r);
                    }
                }
            }
            if !facts.is_empty() {
                sinks.push(RSink {
                    file: f.0,
                    line: sk.line,
                    col: sk.col,
                    kind: sk.kind,
                    sink: sk.sink.clone(),
                    facts,
                });
            }
        }
        // The sinks of the callees, reached through this function's arguments.
        for c in &s.calls {
            let targets = self.targets_of(f, c);
            for g in targets.iter() {
                if *g == f {
                    continue;
                }
                let r = self.resolve(*g);
                for gs in &r.sinks {
                    let mut facts = Vec::new();
                    // Input the callee reads itself is reported there; what its
                    // parameters carry to its sinks is what this call may send.
                    for gf in gs
                        .facts
                        .iter()
                        .filter(|x| matches!(x.origin, ROrigin::Param(_)))
                    {
                        for x in self.bind(f, c, *g, gf) {
                            if x.cleared & gs.kind.bit() == 0 {
                                push_fact(&mut facts, x);
                            }
                        }
                    }
                    if facts.is_empty() {
                        continue;
                    }
                    let same = |s: &RSink| {
                        (s.file, s.line, s.col, s.kind) == (gs.file, gs.line, gs.col, gs.kind)
                    };
                    if let Some(mine) = sinks.iter_mut().find(|s| same(s)) {
                        for x in facts {
                            push_fact(&mut mine.facts, x);
                        }
                    } else if sinks.len() < MAX_SINKS {
                        sinks.push(RSink {
                            facts,
                            ..gs.clone()
                        });
                    }
                }
            }
        }
        let r = Rc::new(Resolved { ret, outs, sinks });
        self.in_progress.remove(&f);
        self.memo.insert(f, r.clone());
        r
    }

    fn rval(&mut self, f: FnRef, v: &SVal) -> RVal {
        let mut out = RVal::default();
        for x in &v.facts {
            for r in self.subst(f, x) {
                push_fact(&mut out.facts, r);
            }
        }
        for x in &v.rest {
            for r in self.subst(f, x) {
                push_fact(&mut out.rest, r);
            }
        }
        for (k, fv) in &v.fields {
            let r = self.rval(f, fv);
            if !r.facts.is_empty() || !r.rest.is_empty() || !r.fields.is_empty() {
                out.fields.push((k.clone(), r));
            }
        }
        out
    }

    /// Whether call `c` of `f` reaches functions of the program (then its summary, not the
    /// conservative guess, says what flows).
    fn resolves(&mut self, f: FnRef, c: u32) -> bool {
        let s = self.prog.summary(f);
        match s.calls.iter().find(|x| x.id == c) {
            Some(call) => !self.targets_of(f, call).is_empty(),
            None => false,
        }
    }

    /// A fact of `f`'s summary in terms of sources and `f`'s parameters.
    fn subst(&mut self, f: FnRef, x: &SFact) -> Vec<RFact> {
        if x.via.iter().any(|c| self.resolves(f, *c)) {
            return Vec::new();
        }
        let file = self.files[f.0 as usize].clone();
        let trail = |t: &[Step]| -> Vec<Step> {
            t.iter()
                .map(|s| Step {
                    file: Some(s.file.clone().unwrap_or_else(|| file.clone())),
                    ..s.clone()
                })
                .collect()
        };
        match x.origin {
            Origin::Source(i) => vec![RFact {
                origin: ROrigin::Src(f, i),
                path: Vec::new(),
                cleared: x.cleared,
                canon: x.canon,
                contain: x.contain,
                trail: Rc::new(trail(&x.trail)),
            }],
            Origin::Param(i) => vec![RFact {
                origin: ROrigin::Param(i),
                path: x.path.clone(),
                cleared: x.cleared,
                canon: x.canon,
                contain: x.contain,
                trail: Rc::new(trail(&x.trail)),
            }],
            Origin::Ret(_) | Origin::Out(..) => {
                let base = self.origin_facts(f, x.origin, &x.path);
                let mut out = Vec::new();
                for r in base.iter() {
                    push_fact(&mut out, outer(r.clone(), x, &file));
                }
                out
            }
        }
    }

    /// What a call's result (or what it wrote into an argument) is made of, in terms of
    /// sources and `f`'s parameters; computed once per origin and path.
    fn origin_facts(&mut self, f: FnRef, origin: Origin, path: &[Key]) -> Rc<Vec<RFact>> {
        let key = (f, origin, path.to_vec());
        if let Some(r) = self.origins.get(&key) {
            return r.clone();
        }
        // A loop-carried call's own result: cut off.
        if !self.active.insert(key.clone()) {
            return Rc::default();
        }
        let (Origin::Ret(c) | Origin::Out(c, _)) = origin else {
            self.active.remove(&key);
            return Rc::default();
        };
        let s = self.prog.summary(f);
        let mut out = Vec::new();
        if let Some(call) = s.calls.iter().find(|k| k.id == c) {
            let targets = self.targets_of(f, call);
            for g in targets.iter() {
                let r = self.resolve(*g);
                let gs = self.prog.summary(*g);
                let produced: Vec<RFact> = match origin {
                    // A constructor's result is the object it built.
                    Origin::Ret(_) if gs.is_ctor || call.new => r
                        .outs
                        .iter()
                        .find(|(i, _)| *i == RECV)
                        .map(|(_, v)| v.at(path))
                        .unwrap_or_default(),
                    Origin::Ret(_) => r.ret.at(path),
                    Origin::Out(_, j) => r
                        .outs
                        .iter()
                        .find(|(i, _)| *i == j)
                        .map(|(_, v)| v.at(path))
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                for p in produced {
                    for b in self.bind(f, call, *g, &p) {
                        push_fact(&mut out, b);
                    }
                }
            }
        }
        self.active.remove(&key);
        let out = Rc::new(out);
        self.origins.insert(key, out.clone());
        out
    }

    /// A fact of callee `g` (in `g`'s parameters) as seen at call site `call` of `f`.
    fn bind(&mut self, f: FnRef, call: &SCall, g: FnRef, inner: &RFact) -> Vec<RFact> {
        let file = self.files[f.0 as usize].clone();
        let gs = self.prog.summary(g);
        let name = call.name.trim_end_matches("()");
        match inner.origin {
            ROrigin::Src(..) => {
                let mut r = inner.clone();
                let mut t = (*r.trail).clone();
                t.push(Step {
                    file: Some(file),
                    line: call.line,
                    col: call.col,
                    what: format!("returned by `{name}()`").into(),
                });
                r.trail = Rc::new(cap_trail(t));
                vec![r]
            }
            ROrigin::Param(j) => {
                let Some(arg) = arg_for(gs, call, j) else {
                    return Vec::new();
                };
                let call_step = Step {
                    file: Some(file),
                    line: call.line,
                    col: call.col,
                    what: format!("into `{name}()`").into(),
                };
                let mut out = Vec::new();
                for (af, extra) in arg.at(&inner.path) {
                    let mut af = af.clone();
                    if !matches!(af.origin, Origin::Source(_)) && af.path.len() + extra.len() <= 3 {
                        af.path.extend(extra);
                    }
                    for x in self.subst(f, &af) {
                        let mut r = x.clone();
                        r.cleared |= inner.cleared;
                        if inner.contain && x.canon == Canon::Set {
                            r.cleared |= Kind::Path.bit();
                        }
                        r.contain = x.contain || (inner.contain && x.canon == Canon::Keep);
                        r.canon = then(x.canon, inner.canon);
                        let mut t = (*x.trail).clone();
                        t.push(call_step.clone());
                        t.extend(inner.trail.iter().cloned());
                        r.trail = Rc::new(cap_trail(t));
                        push_fact(&mut out, r);
                    }
                }
                out
            }
        }
    }
}

/// `r` (what a call site produced) after what `f` does to the call's result on the way to
/// the use `x`.
fn outer(mut r: RFact, x: &SFact, file: &Arc<str>) -> RFact {
    r.cleared |= x.cleared;
    if x.contain && r.canon == Canon::Set {
        r.cleared |= Kind::Path.bit();
    }
    r.canon = then(r.canon, x.canon);
    if !x.trail.is_empty() {
        let mut t = (*r.trail).clone();
        t.extend(x.trail.iter().map(|s| Step {
            file: Some(s.file.clone().unwrap_or_else(|| file.clone())),
            ..s.clone()
        }));
        r.trail = Rc::new(cap_trail(t));
    }
    r
}

/// The callee's parameter `j` as the caller passes it: an argument, the receiver, or (for a
/// rest parameter) the remaining arguments.
fn arg_for(g: &FnSummary, call: &SCall, j: u8) -> Option<SVal> {
    if j == RECV {
        return call.recv.clone();
    }
    let j = usize::from(j);
    if g.rest == Some(j as u8) {
        let mut v = SVal {
            list: true,
            ..SVal::default()
        };
        for (i, a) in call.args.iter().skip(j).enumerate() {
            v.fields.push((Key::I(i as i64), a.clone()));
        }
        return Some(v);
    }
    call.args.get(j).cloned()
}

fn then(a: Canon, b: Canon) -> Canon {
    match b {
        Canon::Keep => a,
        other => other,
    }
}

fn cap_trail(mut t: Vec<Step>) -> Vec<Step> {
    t.dedup_by(|a, b| a.line == b.line && a.file == b.file && a.what == b.what);
    if t.len() > MAX_TRAIL {
        let tail = t.split_off(t.len() - MAX_TRAIL / 2);
        t.truncate(MAX_TRAIL / 2);
        t.extend(tail);
    }
    t
}

fn push_fact(out: &mut Vec<RFact>, f: RFact) {
    if let Some(m) = out
        .iter_mut()
        .find(|m| m.origin == f.origin && m.path == f.path)
    {
        m.cleared &= f.cleared;
        m.canon = m.canon.min(f.canon);
        m.contain &= f.contain;
        return;
    }
    if out.len() < MAX_RFACTS {
        out.push(f);
    }
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `a/./b/../c` → `a/c`.
fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// Of the files a module name may mean, the one nearest the caller (the longest shared
/// directory prefix), the whole name matched first.
fn best_match<'a>(files: &[&'a str], caller: &str, module: &str) -> &'a str {
    let exact = module.replace('.', "/");
    files
        .iter()
        .copied()
        .max_by_key(|f| {
            let stem = f.trim_end_matches(".py").trim_end_matches("/__init__");
            let whole = stem == exact;
            let shared = f
                .split('/')
                .zip(caller.split('/'))
                .take_while(|(a, b)| a == b)
                .count();
            (whole, shared, std::cmp::Reverse(f.len()))
        })
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_normalize() {
        assert_eq!(super::normalize("a/./b/../c"), "a/c");
        assert_eq!(super::normalize("src/routes/../lib/util"), "src/lib/util");
    }
}
