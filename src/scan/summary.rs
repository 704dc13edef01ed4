//! Function summaries: what one function does with its inputs, in terms of its own
//! parameters, the sources it reads and the calls it makes — computed from one file alone
//! (so they are cached by the file's content hash) and combined across the repository by
//! [`super::program`].

use serde::{Deserialize, Serialize};

use super::rules::Kind;
use super::value::{Canon, Fact, Key, Origin, Step, Val, steps};

/// A fact as a summary keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SFact {
    pub origin: Origin,
    pub path: Vec<Key>,
    pub cleared: u8,
    pub canon: Canon,
    pub contain: bool,
    /// Call sites that must stay unresolved for this fact to exist.
    pub via: Vec<u32>,
    /// The steps from the origin to here, inside the function.
    pub trail: Vec<Step>,
}

impl SFact {
    pub fn of(f: &Fact) -> SFact {
        SFact {
            origin: f.origin,
            path: f.path.clone(),
            cleared: f.cleared,
            canon: f.canon,
            contain: f.contain,
            via: f.via.clone(),
            trail: steps(&f.trail),
        }
    }
}

/// A value as a summary keeps it: its facts, and its fields' values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SVal {
    pub facts: Vec<SFact>,
    pub fields: Vec<(Key, SVal)>,
    /// Facts of elements at keys not known.
    pub rest: Vec<SFact>,
    /// A list literal: its elements by index (`fields`), for argv checks.
    pub list: bool,
    /// A constant string, when the value is one (a shell's name in an argv list).
    pub text: Option<String>,
}

impl SVal {
    /// Whether any part of the value carries a fact.
    pub fn carries(&self) -> bool {
        !self.facts.is_empty()
            || !self.rest.is_empty()
            || self.fields.iter().any(|(_, v)| v.carries())
    }

    pub fn of(v: &Val) -> SVal {
        SVal::of_depth(v, 0)
    }

    fn of_depth(v: &Val, depth: usize) -> SVal {
        let mut out = SVal {
            facts: v.facts.iter().map(SFact::of).collect(),
            text: match &v.konst {
                Some(super::value::Const::Str(s)) => Some(s.to_string()),
                _ => None,
            },
            ..SVal::default()
        };
        if let Some(s) = &v.shape {
            if depth >= 3 {
                out.facts.extend(v.deep().iter().map(SFact::of));
                return out;
            }
            out.rest = s.rest.iter().map(SFact::of).collect();
            out.list = s.list;
            out.fields = s
                .fields
                .iter()
                .map(|(k, x)| (k.clone(), SVal::of_depth(x, depth + 1)))
                .filter(|(_, x)| !x.is_empty())
                .collect();
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty() && self.rest.is_empty() && self.fields.is_empty()
    }

    /// Every fact of the value and its parts.
    pub fn deep(&self) -> Vec<&SFact> {
        let mut out: Vec<&SFact> = self.facts.iter().chain(&self.rest).collect();
        for (_, v) in &self.fields {
            out.extend(v.deep());
        }
        out
    }

    /// The facts of the value at `path` (a key not known: any element). A part the summary
    /// does not break down is its whole value read at the rest of the path.
    pub fn at(&self, path: &[Key]) -> Vec<(SFact, Vec<Key>)> {
        let Some((k, more)) = path.split_first() else {
            return self
                .deep()
                .into_iter()
                .map(|f| (f.clone(), Vec::new()))
                .collect();
        };
        let mut out: Vec<(SFact, Vec<Key>)> = self
            .facts
            .iter()
            .map(|f| (f.clone(), path.to_vec()))
            .collect();
        out.extend(self.rest.iter().map(|f| (f.clone(), more.to_vec())));
        match k {
            Key::Any => {
                for (_, v) in &self.fields {
                    out.extend(v.at(more));
                }
            }
            k => {
                if let Some((_, v)) = self.fields.iter().find(|(fk, _)| fk == k) {
                    out.extend(v.at(more));
                }
            }
        }
        out
    }
}

/// Who a call may reach, as the calling file names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Target {
    /// A function or class by its dotted name in the calling file, imports applied
    /// (`build_path`, `helpers.paths.build`, `<./util>.read`, `Foo`).
    Name(String),
    /// A method of a receiver whose class is known (declared, constructed or static).
    Method { ty: String, name: String },
    /// A method of the calling method's own class (`self.m()`, `this.m()`, `m()` in Java).
    Own { class: String, name: String },
    /// A method of the calling class's superclass (`super.m()`, `super(...)`).
    Super { class: String, name: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SCall {
    pub id: u32,
    pub target: Target,
    /// `new T(…)`: the result is the constructed object.
    pub new: bool,
    pub line: u32,
    pub col: u32,
    /// The callee as written, for messages.
    pub name: String,
    pub recv: Option<SVal>,
    pub args: Vec<SVal>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SSink {
    pub kind: Kind,
    pub line: u32,
    pub col: u32,
    /// The sink as written (`open`, `cursor.execute`).
    pub sink: String,
    /// What reaches it (facts already safe for `kind` are left out).
    pub facts: Vec<SFact>,
}

/// Untrusted input read in the function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SSource {
    pub what: String,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FnSummary {
    pub name: String,
    /// The class a method belongs to.
    pub class: Option<String>,
    pub line: u32,
    pub params: u8,
    /// `*args` / `...rest`: the index of the parameter that takes the rest.
    pub rest: Option<u8>,
    pub has_receiver: bool,
    pub is_ctor: bool,
    pub ret: SVal,
    /// What the function leaves in its parameters (and receiver) when it returns.
    pub outs: Vec<(u8, SVal)>,
    pub sinks: Vec<SSink>,
    pub calls: Vec<SCall>,
    pub sources: Vec<SSource>,
}

/// What other files need to know of a class.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClassInfo {
    pub name: String,
    pub supers: Vec<String>,
    pub is_interface: bool,
    pub outer: Option<String>,
}

/// One file's analysis: its summaries and what resolution needs of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileSummary {
    pub functions: Vec<FnSummary>,
    pub classes: Vec<ClassInfo>,
    pub imports: Vec<(String, String)>,
    pub package: Option<String>,
    pub exports: Vec<(String, String)>,
    /// Which functions and classes were analysed: `None` for all of them (the file was
    /// parsed whole), else the names kept when the file was sliced.
    pub covered: Option<Vec<String>>,
    /// Code nested too deep to follow was reduced (a note says so).
    pub truncated: bool,
}

impl FileSummary {
    pub fn covers(&self, name: &str) -> bool {
        self.covered
            .as_ref()
            .is_none_or(|c| c.iter().any(|n| n == name))
    }
}
