//! The abstract values the data-flow analysis computes: for each variable, the facts that
//! taint it (where its data came from, what it is safe for), a constant when one is known,
//! the shape of its fields and elements (so `m["a"]` and `m["b"]` are told apart), its
//! class, and whether it is the HTTP request object itself.
//!
//! A fact's origin is either concrete — untrusted input read here — or symbolic: a
//! parameter of the function, the result of a call, what a call wrote into an argument.
//! Symbolic facts are what a function summary is made of; the program-wide pass replaces
//! them with what the callers and callees actually pass.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The parameter index that stands for the receiver (`self`, `this`).
pub const RECV: u8 = u8::MAX;

/// Where a tainted value's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Origin {
    /// Untrusted input read in this function: an index into its source table.
    Source(u32),
    /// The function's parameter (or [`RECV`]).
    Param(u8),
    /// The result of call site `c` of this function.
    Ret(u32),
    /// What call site `c` wrote into its argument `j` (or its receiver, [`RECV`]).
    Out(u32, u8),
}

/// A field, key or index of a value. In a fact's path, `Any` is an element whose key is not
/// known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Key {
    F(Arc<str>),
    I(i64),
    Any,
}

impl Key {
    pub fn f(name: &str) -> Key {
        Key::F(Arc::from(name))
    }
}

/// How canonical a value is relative to its origin: a containment test proves only a
/// canonical path safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
pub enum Canon {
    /// Changed since: not canonical (concatenated, formatted).
    Clear,
    /// As canonical as the origin was.
    Keep,
    /// Canonicalized since (`realpath`, `resolve`, `Clean`).
    Set,
}

/// One step of a flow, for people and for SARIF code flows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The file, when it is not the one the flow is reported in (set when flows cross
    /// files).
    pub file: Option<Arc<str>>,
    pub line: u32,
    pub col: u32,
    pub what: Arc<str>,
}

/// A trail of steps, shared between the values it reached.
#[derive(Debug)]
pub struct TrailNode {
    pub step: Step,
    pub prev: Trail,
    pub len: u16,
}

pub type Trail = Option<Rc<TrailNode>>;

/// The longest trail a fact keeps inside one function.
const MAX_TRAIL: u16 = 16;

pub fn push_step(t: &Trail, line: u32, col: u32, what: impl FnOnce() -> String) -> Trail {
    let len = t.as_ref().map_or(0, |n| n.len);
    if len >= MAX_TRAIL || t.as_ref().is_some_and(|n| n.step.line == line) {
        return t.clone();
    }
    Some(Rc::new(TrailNode {
        step: Step {
            file: None,
            line,
            col,
            what: what().into(),
        },
        prev: t.clone(),
        len: len + 1,
    }))
}

/// The steps of a trail, first to last.
pub fn steps(t: &Trail) -> Vec<Step> {
    let mut out = Vec::new();
    let mut cur = t.clone();
    while let Some(n) = cur {
        out.push(n.step.clone());
        cur = n.prev.clone();
    }
    out.reverse();
    out
}

/// Facts reach their value through calls whose resolution is not known yet: a fact in
/// `via` exists only if none of those call sites resolves to a function of the repository
/// (otherwise the callee's summary says what flows).
pub type Via = Vec<u32>;

#[derive(Debug, Clone)]
pub struct Fact {
    pub origin: Origin,
    /// The field path under the origin (`this.path` is `Param(RECV)` with `[path]`).
    pub path: Vec<Key>,
    /// Kinds this value is safe for (bits of `Kind`).
    pub cleared: u8,
    pub canon: Canon,
    /// A containment test was passed while the value was as canonical as its origin: safe
    /// as a path if the origin is canonical.
    pub contain: bool,
    pub via: Via,
    pub trail: Trail,
}

/// The longest field path a fact keeps; deeper reads are reads of the prefix.
pub const MAX_PATH: usize = 3;
/// The most call sites a fact remembers in `via`.
const MAX_VIA: usize = 6;
/// The most facts one value keeps.
const MAX_FACTS: usize = 24;

impl Fact {
    pub fn new(origin: Origin, trail: Trail) -> Fact {
        Fact {
            origin,
            path: Vec::new(),
            cleared: 0,
            canon: if matches!(origin, Origin::Source(_)) {
                Canon::Clear
            } else {
                Canon::Keep
            },
            contain: false,
            via: Vec::new(),
            trail,
        }
    }

    fn same(&self, o: &Fact) -> bool {
        self.origin == o.origin && self.path == o.path && self.via == o.via
    }

    /// This fact, read at field `k`.
    pub fn at(&self, k: &Key) -> Fact {
        let mut f = self.clone();
        // A source's every part is the source.
        if !matches!(f.origin, Origin::Source(_)) && f.path.len() < MAX_PATH {
            f.path.push(k.clone());
        }
        f
    }

    pub fn with_via(mut self, c: u32) -> Fact {
        if !self.via.contains(&c) && self.via.len() < MAX_VIA {
            self.via.push(c);
            self.via.sort_unstable();
        }
        self
    }

    /// Whether the fact's value is known to be canonical.
    pub fn is_canonical(&self) -> bool {
        self.canon == Canon::Set
    }
}

/// Adds `f` to `facts`; a fact already there from the same origin keeps the weaker
/// guarantees of the two. True when `facts` changed.
pub fn add_fact(facts: &mut Vec<Fact>, f: Fact) -> bool {
    if let Some(mine) = facts.iter_mut().find(|m| m.same(&f)) {
        let mut changed = false;
        let cleared = mine.cleared & f.cleared;
        if cleared != mine.cleared {
            mine.cleared = cleared;
            changed = true;
        }
        let canon = mine.canon.min(f.canon);
        if canon != mine.canon {
            mine.canon = canon;
            changed = true;
        }
        if mine.contain && !f.contain {
            mine.contain = false;
            changed = true;
        }
        return changed;
    }
    if facts.len() >= MAX_FACTS {
        return false;
    }
    facts.push(f);
    true
}

pub fn add_facts(facts: &mut Vec<Fact>, more: impl IntoIterator<Item = Fact>) -> bool {
    let mut changed = false;
    for f in more {
        changed |= add_fact(facts, f);
    }
    changed
}

/// A known constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(Rc<str>),
    Null,
}

impl Const {
    /// Truthiness as Python and JavaScript see it (Java and Go only test booleans).
    pub fn truthy(&self) -> bool {
        match self {
            Const::Int(i) => *i != 0,
            Const::Float(f) => *f != 0.0,
            Const::Bool(b) => *b,
            Const::Str(s) => !s.is_empty(),
            Const::Null => false,
        }
    }

    /// As text, for concatenation (`"a" + 1`).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Const::Int(i) => Some(i.to_string()),
            Const::Float(f) => Some(f.to_string()),
            Const::Bool(b) => Some(b.to_string()),
            Const::Str(s) => Some(s.to_string()),
            Const::Null => None,
        }
    }
}

/// Fields and elements of a value.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    pub fields: BTreeMap<Key, Val>,
    /// A list whose every element is known: its length.
    pub len: Option<u32>,
    /// Facts of elements at keys not known.
    pub rest: Vec<Fact>,
    /// A list or array literal (an argv list, not a command string).
    pub list: bool,
}

/// The most fields one shape keeps apart.
const MAX_FIELDS: usize = 32;
/// How deep shapes nest.
const MAX_DEPTH: usize = 3;

/// What the analysis knows of one value.
#[derive(Debug, Clone, Default)]
pub struct Val {
    pub facts: Vec<Fact>,
    pub konst: Option<Const>,
    pub shape: Option<Rc<Shape>>,
    /// The value's class, when declared or constructed (`File`, `ZipEntry`, `Foo`).
    pub ty: Option<Rc<str>>,
    /// The HTTP request object, or a part of it on the way to a source (`$req`,
    /// `$req.URL`).
    pub req: Option<Rc<str>>,
    /// A function value: a function of the module (lambda, nested or top-level def).
    pub func: Option<usize>,
    /// State set by calls on the object (an unsafe deserializer configuration).
    pub flags: u8,
}

impl Val {
    pub fn konst(c: Const) -> Val {
        Val {
            konst: Some(c),
            ..Val::default()
        }
    }

    pub fn from_facts(facts: Vec<Fact>) -> Val {
        Val {
            facts,
            ..Val::default()
        }
    }

    /// Whether anything untrusted or symbolic may be in the value.
    pub fn is_tainted(&self) -> bool {
        !self.facts.is_empty()
            || self
                .shape
                .as_ref()
                .is_some_and(|s| !s.rest.is_empty() || s.fields.values().any(Val::is_tainted))
    }

    /// Every fact of the value and of its parts.
    pub fn deep(&self) -> Vec<Fact> {
        let mut out = self.facts.clone();
        self.deep_into(&mut out, 0);
        out
    }

    fn deep_into(&self, out: &mut Vec<Fact>, depth: usize) {
        if depth > MAX_DEPTH + 1 {
            return;
        }
        if let Some(s) = &self.shape {
            add_facts(out, s.rest.iter().cloned());
            for v in s.fields.values() {
                add_facts(out, v.facts.iter().cloned());
                v.deep_into(out, depth + 1);
            }
        }
    }

    /// The value at field or key `k` (`None`: a key not known).
    pub fn get(&self, k: Option<&Key>) -> Val {
        let Some(k) = k else {
            // Any element: all of them.
            let mut facts: Vec<Fact> = self.facts.iter().map(|f| f.at(&Key::Any)).collect();
            if let Some(s) = &self.shape {
                add_facts(&mut facts, s.rest.iter().cloned());
                for v in s.fields.values() {
                    add_facts(&mut facts, v.deep());
                }
            }
            return Val {
                facts,
                req: self.req.clone(),
                ..Val::default()
            };
        };
        if let Some(s) = &self.shape {
            if let Some(v) = s.fields.get(k) {
                return v.clone();
            }
            let mut facts: Vec<Fact> = self.facts.iter().map(|f| f.at(k)).collect();
            // A list known in full has nothing past its end.
            let past_end =
                matches!((k, s.len), (Key::I(i), Some(n)) if *i >= i64::from(n) || *i < 0);
            if !past_end {
                add_facts(&mut facts, s.rest.iter().cloned());
            }
            return Val::from_facts(facts);
        }
        Val::from_facts(self.facts.iter().map(|f| f.at(k)).collect())
    }

    pub(crate) fn shape_mut(&mut self) -> &mut Shape {
        Rc::make_mut(self.shape.get_or_insert_with(|| Rc::new(Shape::default())))
    }

    /// Writes `v` at `k` (`None`: a key not known — every element may now hold it).
    pub fn set(&mut self, k: Option<Key>, v: Val) {
        let depth_ok = v.depth() < MAX_DEPTH;
        let s = self.shape_mut();
        match k {
            Some(k) if depth_ok && (s.fields.len() < MAX_FIELDS || s.fields.contains_key(&k)) => {
                if let (Key::I(i), Some(n)) = (&k, s.len)
                    && *i != i64::from(n)
                    && !(0..i64::from(n)).contains(i)
                {
                    s.len = None;
                }
                if let (Key::I(i), Some(n)) = (&k, s.len)
                    && *i == i64::from(n)
                {
                    s.len = Some(n + 1);
                }
                s.fields.insert(k, v);
            }
            _ => {
                add_facts(&mut s.rest, v.deep());
            }
        }
    }

    /// Appends `v` (a list's `append`/`add`/`push`).
    pub fn push(&mut self, v: Val) {
        let n = self.shape.as_ref().and_then(|s| s.len);
        let empty = self.shape.is_none();
        match (n, empty) {
            (Some(n), _) => self.set(Some(Key::I(i64::from(n))), v),
            (None, true) if self.facts.is_empty() && self.konst.is_none() => {
                let s = self.shape_mut();
                s.len = Some(0);
                s.list = true;
                self.set(Some(Key::I(0)), v);
            }
            _ => self.set(None, v),
        }
    }

    /// Removes element `i` of a list known in full; the later ones move down.
    pub fn remove_at(&mut self, i: Option<i64>) -> Val {
        let len = self.shape.as_ref().and_then(|s| s.len);
        match (i, len) {
            (Some(i), Some(n)) if i >= 0 && i < i64::from(n) => {
                let s = self.shape_mut();
                let out = s.fields.remove(&Key::I(i)).unwrap_or_default();
                for j in (i + 1)..i64::from(n) {
                    if let Some(v) = s.fields.remove(&Key::I(j)) {
                        s.fields.insert(Key::I(j - 1), v);
                    }
                }
                s.len = Some(n - 1);
                out
            }
            _ => {
                // Which element is gone is not known: every index may now hold any element.
                let all = self.get(None);
                if let Some(s) = self.shape.as_mut() {
                    let s = Rc::make_mut(s);
                    let facts: Vec<Fact> = s.fields.values().flat_map(Val::deep).collect();
                    s.fields.retain(|k, _| matches!(k, Key::F(_)));
                    add_facts(&mut s.rest, facts);
                    s.len = None;
                }
                all
            }
        }
    }

    /// Inserts `v` at index `i` of a list known in full, moving the later ones up.
    pub fn insert_at(&mut self, i: Option<i64>, v: Val) {
        let len = self.shape.as_ref().and_then(|s| s.len);
        match (i, len) {
            (Some(i), Some(n)) if i >= 0 && i <= i64::from(n) => {
                let s = self.shape_mut();
                for j in (i..i64::from(n)).rev() {
                    if let Some(x) = s.fields.remove(&Key::I(j)) {
                        s.fields.insert(Key::I(j + 1), x);
                    }
                }
                s.len = Some(n + 1);
                s.fields.insert(Key::I(i), v);
            }
            _ => {
                let _ = self.remove_at(None);
                self.set(None, v);
            }
        }
    }

    fn depth(&self) -> usize {
        self.shape.as_ref().map_or(0, |s| {
            1 + s.fields.values().map(Val::depth).max().unwrap_or(0)
        })
    }

    /// A list of `items`, each at its index.
    pub fn list(items: Vec<Val>) -> Val {
        let mut v = Val::default();
        {
            let s = v.shape_mut();
            s.list = true;
            s.len = Some(0);
        }
        for it in items {
            v.push(it);
        }
        v
    }

    /// Joins `o` into `self` (the value on either of two paths). True when `self` changed.
    pub fn join(&mut self, o: &Val) -> bool {
        let mut changed = add_facts(&mut self.facts, o.facts.iter().cloned());
        if self.konst.is_some() && self.konst != o.konst {
            self.konst = None;
            changed = true;
        }
        if self.ty.is_some() && self.ty != o.ty {
            self.ty = None;
            changed = true;
        }
        if self.func.is_some() && self.func != o.func {
            self.func = None;
            changed = true;
        }
        if self.req.is_none() && o.req.is_some() {
            self.req = o.req.clone();
            changed = true;
        }
        if self.flags | o.flags != self.flags {
            self.flags |= o.flags;
            changed = true;
        }
        match (&mut self.shape, &o.shape) {
            (_, None) => {}
            (None, Some(s)) => {
                self.shape = Some(s.clone());
                changed = true;
            }
            (Some(a), Some(b)) if Rc::ptr_eq(a, b) => {}
            (Some(a), Some(b)) => {
                let a = Rc::make_mut(a);
                changed |= add_facts(&mut a.rest, b.rest.iter().cloned());
                if a.len.is_some() && a.len != b.len {
                    a.len = None;
                    changed = true;
                }
                if a.list && !b.list {
                    a.list = false;
                    changed = true;
                }
                for (k, bv) in &b.fields {
                    match a.fields.get_mut(k) {
                        Some(av) => changed |= av.join(bv),
                        None => {
                            if a.fields.len() < MAX_FIELDS {
                                // What this side held there: its whole value read at `k`.
                                let mut v = bv.clone();
                                let implicit: Vec<Fact> = self
                                    .facts
                                    .iter()
                                    .map(|f| f.at(k))
                                    .chain(a.rest.iter().cloned())
                                    .collect();
                                add_facts(&mut v.facts, implicit);
                                if v.konst.is_some() {
                                    v.konst = None;
                                }
                                a.fields.insert(k.clone(), v);
                            } else {
                                add_facts(&mut a.rest, bv.deep());
                            }
                            changed = true;
                        }
                    }
                }
                // A field one side does not have may still be as the other side left it:
                // that is already the joined value; what the side without it had there is
                // its whole value's facts, read at the key.
                let missing: Vec<Key> = a
                    .fields
                    .keys()
                    .filter(|k| !b.fields.contains_key(*k))
                    .cloned()
                    .collect();
                for k in missing {
                    let from_b = o.get(Some(&k));
                    if let Some(av) = a.fields.get_mut(&k) {
                        changed |= av.join(&from_b);
                    }
                }
            }
        }
        changed
    }

    /// Every fact of the value transformed by `f` (in place, deep).
    pub fn map_facts(&mut self, f: &mut impl FnMut(&mut Fact)) {
        self.facts.iter_mut().for_each(&mut *f);
        if let Some(s) = self.shape.as_mut() {
            let s = Rc::make_mut(s);
            s.rest.iter_mut().for_each(&mut *f);
            for v in s.fields.values_mut() {
                v.map_facts(f);
            }
        }
    }

    /// The same data, changed on the way (concatenated, formatted): no constant, no shape,
    /// no longer canonical.
    pub fn derived(&self) -> Val {
        let mut facts = self.deep();
        for f in &mut facts {
            f.canon = Canon::Clear;
        }
        Val::from_facts(facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tainted() -> Val {
        Val::from_facts(vec![Fact::new(Origin::Source(0), None)])
    }

    #[test]
    fn constant_keys_are_kept_apart() {
        let mut m = Val::default();
        m.set(Some(Key::f("a")), Val::konst(Const::Str("safe".into())));
        m.set(Some(Key::f("b")), tainted());
        assert!(!m.get(Some(&Key::f("a"))).is_tainted());
        assert!(m.get(Some(&Key::f("b"))).is_tainted());
        assert!(m.get(None).is_tainted());
        // A key nobody wrote: only what unknown keys hold.
        assert!(!m.get(Some(&Key::f("c"))).is_tainted());
        m.set(None, tainted());
        assert!(m.get(Some(&Key::f("c"))).is_tainted());
        assert!(!m.get(Some(&Key::f("a"))).is_tainted());
    }

    #[test]
    fn lists_shift_on_remove() {
        let mut l = Val::default();
        l.push(Val::konst(Const::Str("safe".into())));
        l.push(tainted());
        let _ = l.remove_at(Some(0));
        assert!(l.get(Some(&Key::I(0))).is_tainted());
        let mut l = Val::list(vec![
            Val::konst(Const::Str("a".into())),
            tainted(),
            Val::konst(Const::Str("b".into())),
        ]);
        let _ = l.remove_at(Some(0));
        assert!(!l.get(Some(&Key::I(1))).is_tainted());
        assert!(l.get(Some(&Key::I(0))).is_tainted());
        assert!(!l.get(Some(&Key::I(5))).is_tainted());
    }

    #[test]
    fn joins_weaken() {
        let mut a = Val::konst(Const::Int(1));
        assert!(a.join(&Val::konst(Const::Int(2))));
        assert!(a.konst.is_none());
        let mut s = tainted();
        let mut cleared = tainted();
        cleared.facts[0].cleared = 0xff;
        assert!(!s.join(&cleared));
        assert!(cleared.join(&s));
        assert_eq!(cleared.facts[0].cleared, 0);
    }
}
