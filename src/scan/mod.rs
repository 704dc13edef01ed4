//! The source scanner shared by `path-traversal` and `input-validation`.
//!
//! Each source file is read and prefiltered (does it mention untrusted input or a sink at
//! all?); the files that read input are parsed with tree-sitter — sliced to the functions a
//! flow can pass through — lowered to the IR and analysed one function at a time into
//! summaries ([`analyze`]). The program-wide pass ([`program`]) resolves calls across
//! functions and files, combines the summaries, and asks for the functions it meets that
//! were not analysed yet, until no flow can reach further. Files are read and analysed in
//! parallel; each file's summary is cached by its content hash, so a warm run parses only
//! what changed, and reuses the last flows when nothing did.

pub mod analyze;
pub mod cfg;
pub mod fold;
pub mod ir;
pub mod lower;
pub mod program;
pub mod rules;
pub mod slice;
pub mod summary;
pub mod value;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::kanban::cache::Key;
pub use program::Flow;
use rules::{Lang, Pack};
use summary::FileSummary;
pub use value::Step;

use crate::suppress::Directive;
use crate::workspace::Workspace;

/// Files larger than this are skipped with a note (configurable: `scan.max_file_size`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// How many times the program-wide pass asks for more functions before it settles.
const MAX_ROUNDS: usize = 4;

/// The scan of one file, as the checks see it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileScan {
    /// The flows whose sink is in this file.
    pub flows: Vec<Flow>,
    pub directives: Vec<Directive>,
    /// Why the file was not scanned (binary, too large), if it was not.
    pub skipped: Option<String>,
    /// The parse had errors: what could be parsed was scanned.
    pub partial: bool,
    /// Code nested deeper, or more of it, than the analysis follows was reduced to the
    /// values it mentions.
    pub truncated: bool,
}

/// What the scan keeps of a file for the program-wide pass.
#[derive(Debug, Clone, Default)]
struct State {
    lang: Option<Lang>,
    hash: Option<Hash>,
    key: Option<Key>,
    /// The prefilter: the file mentions untrusted input / a sink.
    source: bool,
    sink: bool,
    /// Java: the types it extends or implements (for implementations of an interface).
    supers: Vec<String>,
    summary: Summ,
}

/// A file's summary: none, still encoded (as read from the cache), or decoded.
#[derive(Debug, Clone, Default)]
enum Summ {
    #[default]
    None,
    Bytes(Vec<u8>),
    Value(Box<FileSummary>),
}

impl Summ {
    fn decode(&mut self) {
        if let Summ::Bytes(b) = self {
            *self = match postcard::from_bytes::<FileSummary>(b) {
                Ok(s) => Summ::Value(Box::new(s)),
                Err(_) => Summ::None,
            };
        }
    }

    fn get(&self) -> Option<&FileSummary> {
        match self {
            Summ::Value(s) => Some(s),
            _ => None,
        }
    }

    fn is_some(&self) -> bool {
        !matches!(self, Summ::None)
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Summ::None => Vec::new(),
            Summ::Bytes(b) => b.clone(),
            Summ::Value(s) => postcard::to_stdvec(s.as_ref()).unwrap_or_default(),
        }
    }
}

/// The scan of the whole workspace.
#[derive(Debug, Default)]
pub struct Scan {
    /// Repository-relative path → its scan, for every source file looked at, sorted.
    pub files: Vec<(String, FileScan)>,
    /// Files skipped, with the reason.
    pub notes: Vec<String>,
    /// Aligned with `files`.
    states: Vec<State>,
    /// Files outside `files` analysed because a call reached them (PATH arguments).
    aux: Vec<(String, State)>,
    /// Every source file of the tree, for resolution (PATH arguments: the listed tree).
    tree: Vec<(String, Lang)>,
}

impl Scan {
    /// Whether `rel` is one of the scanned files.
    pub fn contains(&self, rel: &str) -> bool {
        self.files
            .binary_search_by(|(p, _)| p.as_str().cmp(rel))
            .is_ok()
    }

    /// Scans `changed` files again (removed ones are dropped) and recombines the program:
    /// what watch mode does on a save.
    pub fn refresh(&mut self, root: &Path, changed: &[(String, Option<Lang>)], rules: &Rules) {
        for (rel, lang) in changed {
            let at = self.files.binary_search_by(|(p, _)| p.as_str().cmp(rel));
            match (at, lang) {
                (Ok(i), None) => {
                    self.files.remove(i);
                    self.states.remove(i);
                }
                (at, Some(lang)) => {
                    let (state, fs) = match read_inside(root, rel) {
                        Ok(bytes) => first_look(*lang, &bytes, rules, true),
                        Err(why) => (
                            State::default(),
                            FileScan {
                                skipped: Some(why),
                                ..FileScan::default()
                            },
                        ),
                    };
                    match at {
                        Ok(i) => {
                            self.files[i].1 = fs;
                            self.states[i] = state;
                        }
                        Err(i) => {
                            self.files.insert(i, (rel.clone(), fs));
                            self.states.insert(i, state);
                        }
                    }
                }
                (Err(_), None) => {}
            }
            self.aux.retain(|(p, _)| p != rel);
        }
        self.tree = self
            .files
            .iter()
            .filter_map(|(p, _)| Lang::of(p).map(|l| (p.clone(), l)))
            .collect();
        let read = |rel: &str| read_inside(root, rel);
        self.solve(&read, rules);
        self.notes = notes_of(&self.files);
    }

    /// The program-wide pass: combines the summaries, analyses what calls reach, and puts
    /// every flow in the file of its sink.
    fn solve(&mut self, read: &(dyn Fn(&str) -> Result<Vec<u8>, String> + Sync), rules: &Rules) {
        let mut asked: HashSet<(String, String)> = HashSet::new();
        for round in 0..MAX_ROUNDS {
            for s in self
                .states
                .iter_mut()
                .chain(self.aux.iter_mut().map(|(_, s)| s))
            {
                s.summary.decode();
            }
            let tree: Vec<(&str, Lang)> = self.tree.iter().map(|(p, l)| (p.as_str(), *l)).collect();
            let units: Vec<program::Unit<'_>> = self
                .files
                .iter()
                .zip(&self.states)
                .map(|((p, _), s)| (p.as_str(), s))
                .chain(self.aux.iter().map(|(p, s)| (p.as_str(), s)))
                .filter_map(|(path, s)| {
                    Some(program::Unit {
                        path,
                        lang: s.lang?,
                        summary: s.summary.get()?,
                    })
                })
                .collect();
            let unit_paths: Vec<String> = units.iter().map(|u| u.path.to_string()).collect();
            if std::env::var_os("QGATE_SCAN_DEBUG").is_some() {
                for u in &units {
                    eprintln!("qgate: scan: round {round}: {}: {:#?}", u.path, u.summary);
                }
            }
            let prog = program::Program::new(units, &program::Tree { files: &tree });
            let (flows, demands) = program::Solver::new(&prog).flows();
            drop(prog);
            // What to analyse next: (path, names to add), and implementors by type.
            let mut todo: HashMap<String, Vec<String>> = HashMap::new();
            for (d, carries) in demands {
                match d {
                    program::Demand::Name(path, name) => {
                        // A callee given nothing untrusted matters only where it reads
                        // untrusted input itself.
                        if !carries && !self.state_of(&path).is_some_and(|s| s.source) {
                            continue;
                        }
                        if asked.insert((path.clone(), name.clone())) {
                            todo.entry(path).or_default().push(name);
                        }
                    }
                    program::Demand::Implementors(ty) => {
                        for ((p, _), s) in self.files.iter().zip(&self.states) {
                            if s.supers.contains(&ty)
                                && (carries || s.source)
                                && !s.summary.is_some()
                                && asked.insert((p.clone(), "*".into()))
                            {
                                todo.entry(p.clone()).or_default().push("*".into());
                            }
                        }
                    }
                }
            }
            if todo.is_empty() || round + 1 == MAX_ROUNDS {
                for (_, f) in &mut self.files {
                    f.flows.clear();
                }
                for (unit, flow) in flows {
                    let path = &unit_paths[unit as usize];
                    if let Ok(i) = self.files.binary_search_by(|(p, _)| p.as_str().cmp(path)) {
                        self.files[i].1.flows.push(flow);
                    }
                }
                return;
            }
            let jobs: Vec<Job> = todo
                .into_iter()
                .filter_map(|(path, names)| {
                    let state = self.state_of(&path);
                    let lang = state.and_then(|s| s.lang).or_else(|| Lang::of(&path))?;
                    let covered = state
                        .and_then(|s| s.summary.get())
                        .map(|s| s.covered.clone());
                    // Already analysed whole: nothing more to find there.
                    if covered == Some(None) {
                        return None;
                    }
                    Some((path, names, Some(lang), covered.flatten()))
                })
                .collect();
            if jobs.is_empty() {
                continue;
            }
            let done: Vec<(String, Option<State>)> = jobs
                .into_par_iter()
                .map(|(path, names, lang, covered)| {
                    let Some(lang) = lang else {
                        return (path, None);
                    };
                    let Ok(bytes) = read(&path) else {
                        return (path, None);
                    };
                    let (mut state, _) = first_look(lang, &bytes, rules, false);
                    if state.hash.is_none() {
                        return (path, None);
                    }
                    let text = String::from_utf8_lossy(&bytes);
                    let mut want: Vec<String> = covered.unwrap_or_default();
                    want.extend(names.iter().cloned());
                    let whole = names.iter().any(|n| n == "*");
                    let (summary, _) = analyse(lang, &text, rules, &want, whole);
                    state.summary = Summ::Value(Box::new(summary));
                    (path, Some(state))
                })
                .collect();
            for (path, state) in done {
                let Some(mut state) = state else { continue };
                match self.files.binary_search_by(|(p, _)| p.as_str().cmp(&path)) {
                    Ok(i) => {
                        state.key = self.states[i].key.clone().or(state.key);
                        self.states[i] = state;
                    }
                    Err(_) => match self.aux.iter_mut().find(|(p, _)| *p == path) {
                        Some((_, s)) => *s = state,
                        None => self.aux.push((path, state)),
                    },
                }
            }
        }
    }

    fn state_of(&self, path: &str) -> Option<&State> {
        match self.files.binary_search_by(|(p, _)| p.as_str().cmp(path)) {
            Ok(i) => Some(&self.states[i]),
            Err(_) => self.aux.iter().find(|(p, _)| p == path).map(|(_, s)| s),
        }
    }
}

/// A file to analyse for the program: its path, the names asked for, its language, and
/// what its last analysis covered.
type Job = (String, Vec<String>, Option<Lang>, Option<Vec<String>>);

fn notes_of(files: &[(String, FileScan)]) -> Vec<String> {
    let mut notes = Vec::new();
    for (rel, fs) in files {
        if let Some(why) = &fs.skipped {
            notes.push(format!("{rel}: not scanned: {why}"));
        }
        if fs.truncated {
            notes.push(format!(
                "{rel}: analysed in part: code too deep or too large to follow in full was reduced to the values it mentions"
            ));
        }
    }
    notes
}

/// Parses `src` as `lang` and lowers it; whether the parse had errors.
pub fn parse(lang: Lang, src: &str) -> Option<(ir::Module, bool)> {
    let mut parser = tree_sitter::Parser::new();
    let language: tree_sitter::Language = match lang {
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
        Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Lang::Go => tree_sitter_go::LANGUAGE.into(),
        Lang::Java => tree_sitter_java::LANGUAGE.into(),
    };
    parser.set_language(&language).ok()?;
    let tree = parser.parse(src, None)?;
    let partial = tree.root_node().has_error();
    let module = match lang {
        Lang::Python => lower::python::lower(&tree, src),
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => lower::javascript::lower(&tree, src),
        Lang::Go => lower::go::lower(&tree, src),
        Lang::Java => lower::java::lower(&tree, src),
    };
    Some((module, partial))
}

/// Analyses one file: sliced to the functions that read input and the `names` asked for
/// (unless `whole`), or whole when the slice does not parse cleanly. The summary, and
/// whether the parse had errors.
pub fn analyse(
    lang: Lang,
    text: &str,
    rules: &Rules,
    names: &[String],
    whole: bool,
) -> (FileSummary, bool) {
    let settings = analyze::Settings {
        pack: rules.pack(lang),
        lang,
        models: rules.models,
    };
    let words = rules.flow_words(lang, text.as_bytes());
    let seed = |c: &str| words.source(c.as_bytes());
    let sink = |c: &str| words.sink(c.as_bytes());
    let want = slice::Want {
        seed: &seed,
        sink: &sink,
        names,
    };
    // `QGATE_SCAN_WHOLE=1` turns slicing off (a check that slices change no finding).
    static WHOLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let whole = whole || *WHOLE.get_or_init(|| std::env::var_os("QGATE_SCAN_WHOLE").is_some());
    let sliced = match lang {
        _ if whole => None,
        Lang::Python => slice::python(text, &want),
        // JSX's text makes quotes and braces ambiguous to a lexer: .tsx files are not sliced.
        Lang::JavaScript | Lang::TypeScript => slice::javascript(text, &want),
        _ => None,
    };
    // A slice that keeps most of the file saves little now and costs a second analysis
    // later, when another file's call asks for a function it left out: analyse it whole.
    let code = |t: &str| t.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    let sliced = sliced.filter(|s| 2 * code(&s.text) < code(text));
    if let Some(s) = sliced
        && let Some((m, false)) = parse(lang, &s.text)
    {
        let mut fs = analyze::analyze(&m, &settings);
        fs.covered = Some(s.kept);
        return (fs, false);
    }
    match parse(lang, text) {
        Some((m, partial)) => (analyze::analyze(&m, &settings), partial),
        None => (FileSummary::default(), true),
    }
}

/// A file read for the first time (or changed): its prefilter, suppressions, and — when it
/// reads untrusted input and `analysis` is asked for — its analysis.
fn first_look(lang: Lang, bytes: &[u8], rules: &Rules, analysis: bool) -> (State, FileScan) {
    let skip = |why: String| {
        (
            State {
                lang: Some(lang),
                ..State::default()
            },
            FileScan {
                skipped: Some(why),
                ..FileScan::default()
            },
        )
    };
    if bytes.len() as u64 > rules.max_file_size {
        return skip(format!(
            "larger than {} bytes (scan.max_file_size)",
            rules.max_file_size
        ));
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return skip("binary content".into());
    }
    // Invalid UTF-8 is replaced, not refused: what can be read is scanned.
    let text = String::from_utf8_lossy(bytes);
    let words = rules.flow_words(lang, bytes);
    let code: std::borrow::Cow<'_, str> = if lang == Lang::Python {
        std::borrow::Cow::Borrowed(&text)
    } else {
        std::borrow::Cow::Owned(slice::c_like_code(&text))
    };
    // Words in comments do not count.
    let source = words.source(bytes) && words.source(code.as_bytes());
    let sink = words.sink(bytes) && words.sink(code.as_bytes());
    let mut state = State {
        lang: Some(lang),
        hash: Some(content_hash(bytes)),
        source,
        sink,
        supers: if lang == Lang::Java {
            java_supers(&code)
        } else {
            Vec::new()
        },
        ..State::default()
    };
    let mut fs = FileScan {
        directives: crate::suppress::parse(&text),
        ..FileScan::default()
    };
    if source && analysis {
        let (summary, partial) = analyse(lang, &text, rules, &[], false);
        fs.partial = partial;
        fs.truncated = summary.truncated;
        state.summary = Summ::Value(Box::new(summary));
    }
    (state, fs)
}

/// The types a Java file's classes extend or implement (`extends Base`, `implements A, B`).
fn java_supers(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for kw in ["extends ", "implements "] {
        let mut rest = code;
        while let Some(at) = rest.find(kw) {
            let after = &rest[at + kw.len()..];
            let list: String = after.chars().take_while(|c| *c != '{').collect();
            for t in list.split([',', ' ', '\n', '\t']) {
                let t = t.split('<').next().unwrap_or(t).trim();
                let t = t.rsplit('.').next().unwrap_or(t);
                if !t.is_empty()
                    && t.chars().next().is_some_and(char::is_uppercase)
                    && t.chars().all(|c| c.is_alphanumeric() || c == '_')
                    && !out.iter().any(|o| o == t)
                {
                    out.push(t.to_string());
                }
            }
            rest = after;
        }
    }
    out
}

/// A pack's prefilter.
struct Prefilter {
    /// Every sink name by its last segment.
    sinks: Words,
    /// Members of the request object, its names, and words that are input on their own.
    members: Option<Words>,
    roots: Option<Words>,
    plain: Option<Words>,
    /// Python: the sink words for files that import no sink module's names bare, and the
    /// import spellings that rule a file out.
    qualified: Option<(Words, aho_corasick::AhoCorasick)>,
    /// JavaScript: the request object's name is whatever the handler calls it, so its
    /// members that are not common words (`.query`, `.body`) count on their own — in a
    /// file that registers a handler (`app.get('/x', …)`).
    lone: Option<Words>,
    registered: Option<Words>,
}

/// The word tests for one file: whether a piece of it mentions untrusted input, a sink.
pub struct FlowWords<'r> {
    p: Option<&'r Prefilter>,
    sinks: Option<&'r Words>,
    lone: Option<&'r Words>,
}

impl FlowWords<'_> {
    pub fn source(&self, chunk: &[u8]) -> bool {
        let Some(p) = self.p else { return true };
        let has = |w: &Option<Words>| w.as_ref().is_some_and(|w| w.occur_in(chunk));
        has(&p.plain)
            || self.lone.is_some_and(|w| w.occur_in(chunk))
            || (has(&p.members) && has(&p.roots))
    }

    pub fn sink(&self, chunk: &[u8]) -> bool {
        self.sinks.is_none_or(|s| s.occur_in(chunk))
    }
}

/// Prefilter words, found together by one automaton.
struct Words {
    ac: aho_corasick::AhoCorasick,
    words: Vec<rules::Word>,
}

impl Words {
    fn new(words: Vec<rules::Word>) -> Option<Words> {
        let ac = aho_corasick::AhoCorasick::new(words.iter().map(|w| &w.text)).ok()?;
        Some(Words { ac, words })
    }

    /// Whether one of the words occurs in `bytes` as a whole word, and where it counts: a
    /// word that starts (ends) with an identifier character must not continue an identifier
    /// before (after) it; see [`rules::Word`] for calls, bare names and decorators.
    fn occur_in(&self, bytes: &[u8]) -> bool {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        self.ac.find_overlapping_iter(bytes).any(|m| {
            let (start, end) = (m.start(), m.end());
            let Some(w) = self.words.get(m.pattern().as_usize()) else {
                return true;
            };
            let before_ok = !ident(bytes[start]) || start == 0 || !ident(bytes[start - 1]);
            let after_ok = !ident(bytes[end - 1]) || end == bytes.len() || !ident(bytes[end]);
            before_ok
                && after_ok
                && (!w.bare || start == 0 || bytes[start - 1] != b'.')
                && (!w.member || (start > 0 && bytes[start - 1] == b'.'))
                && (!w.called || called_at(bytes, end))
                && (!w.decorator || on_decorator_line(bytes, start))
                && (!w.annotation || annotates(bytes, start))
                && (!w.def_header || in_def_header(bytes, start))
                && w.route.is_none_or(|strict| route_at(bytes, end, strict))
        })
    }
}

/// Whether the call whose `(` ends at `at` may register a route (see [`rules::Word`]).
fn route_at(bytes: &[u8], at: usize, strict: bool) -> bool {
    let rest = bytes.get(at..).unwrap_or_default();
    let rest = &rest[rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len())..];
    // Python's string prefixes (`f"/x"`, `r'/x'`).
    let prefix = rest
        .iter()
        .take(2)
        .take_while(|b| matches!(b.to_ascii_lowercase(), b'f' | b'r' | b'b' | b'u'))
        .count();
    match rest.get(prefix) {
        Some(q @ (b'"' | b'\'' | b'`')) => match rest.get(prefix + 1) {
            Some(b'/' | b'*') => true,
            Some(b'$') => *q == b'`',
            Some(c) => !strict && c == q,
            None => false,
        },
        _ => !strict,
    }
}

/// Whether the type name at `at` is in an annotation: `:` before it (after its qualifier
/// `express.` and blanks).
fn annotates(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .find(|&&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b' ' | b'\t')))
        .is_some_and(|&b| b == b':')
}

/// Whether the `(` at `at` opens a function definition's parameters: `def name` (or
/// `async def name`) before it on its line.
fn in_def_header(bytes: &[u8], at: usize) -> bool {
    let before = &bytes[..at];
    let name_start = before
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .map_or(0, |i| i + 1);
    let rest = before[..name_start].trim_ascii_end();
    rest.strip_suffix(b"def").is_some_and(|r| {
        name_start > rest.len() && r.last().is_none_or(|b| b.is_ascii_whitespace())
    })
}

/// Whether the text at `at` calls what precedes it: blanks (and line continuations), then
/// `(`, type arguments `<`, a template literal, an optional call `?.(` or `!(`.
fn called_at(bytes: &[u8], at: usize) -> bool {
    bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\\'))
        .is_some_and(|b| matches!(b, b'(' | b'<' | b'`' | b'?' | b'!' | b'['))
}

/// Whether the line holding `at` is a decorator line (`@` first).
fn on_decorator_line(bytes: &[u8], at: usize) -> bool {
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    bytes[line_start..at]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'@')
}

/// The rule packs in effect, and a hash of them for the cache key.
pub struct Rules {
    /// Parsed on first use, like the prefilters.
    packs: std::sync::OnceLock<HashMap<&'static str, Pack>>,
    extra: HashMap<&'static str, Pack>,
    /// Per pack: the words a file must contain to be worth parsing (built on first use: a
    /// run whose files are all cached needs none).
    prefilters: std::sync::OnceLock<HashMap<&'static str, Prefilter>>,
    /// Threat models in effect.
    pub models: u8,
    pub max_file_size: u64,
    hash: String,
}

impl Rules {
    pub fn new(cfg: &crate::config::ScanConfig) -> Rules {
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION"));
        // A rebuilt binary may analyse differently under the same version number.
        if let Some(meta) = std::env::current_exe()
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
        {
            h.update(meta.len().to_le_bytes());
            if let Ok(t) = meta.modified() {
                h.update(format!("{t:?}"));
            }
        }
        for (name, text) in rules::BUILTIN {
            // The pack's text and the user's additions decide the pack.
            h.update(name);
            h.update(text);
            h.update(serde_json::to_vec(&cfg.rules.get(name)).unwrap_or_default());
        }
        h.update([cfg.models]);
        let hash = h
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        Rules {
            packs: std::sync::OnceLock::new(),
            extra: cfg.rules.clone(),
            prefilters: std::sync::OnceLock::new(),
            models: cfg.models,
            max_file_size: cfg.max_file_size,
            hash,
        }
    }

    fn packs(&self) -> &HashMap<&'static str, Pack> {
        self.packs.get_or_init(|| {
            rules::BUILTIN
                .iter()
                .map(|(name, _)| (*name, rules::pack(name, self.extra.get(name))))
                .collect()
        })
    }

    fn prefilters(&self) -> &HashMap<&'static str, Prefilter> {
        self.prefilters.get_or_init(|| {
            let mut out = HashMap::new();
            for (name, pack) in self.packs() {
                let Some(sinks) = Words::new(pack.sink_words(*name == "python")) else {
                    continue;
                };
                let words = pack.source_words(self.models);
                // Python spells imports so that a file's bare names can be told apart.
                let qualified = (*name == "python")
                    .then(|| {
                        let (words, modules) = pack.qualified_sink_words();
                        let imports: Vec<String> = modules
                            .iter()
                            .flat_map(|m| [format!("from {m} import"), format!("import {m} as")])
                            .collect();
                        Some((
                            Words::new(words)?,
                            aho_corasick::AhoCorasick::new(imports).ok()?,
                        ))
                    })
                    .flatten();
                out.insert(
                    *name,
                    Prefilter {
                        sinks,
                        members: Words::new(words.members),
                        roots: Words::new(words.roots),
                        plain: Words::new(words.plain),
                        qualified,
                        lone: (*name == "javascript")
                            .then(|| Words::new(words.lone))
                            .flatten(),
                        registered: (*name == "javascript")
                            .then(|| Words::new(words.registered))
                            .flatten(),
                    },
                );
            }
            out
        })
    }

    /// Whether `bytes` mention both untrusted input and a sink of `lang`'s pack.
    pub fn may_have_flow(&self, lang: Lang, bytes: &[u8]) -> bool {
        let w = self.flow_words(lang, bytes);
        w.source(bytes) && w.sink(bytes)
    }

    /// The word tests for the parts of one file. In a Python file that imports no sink
    /// module's names bare (`from os import …`, `import os as …`), a qualified sink counts
    /// only written out: `os.replace`, not every `str.replace`.
    pub fn flow_words(&self, lang: Lang, file: &[u8]) -> FlowWords<'_> {
        let p = self.prefilters().get(lang.pack_name());
        let sinks = p.map(|p| match &p.qualified {
            Some((strict, bare_imports)) if !bare_imports.is_match(file) => strict,
            _ => &p.sinks,
        });
        let lone = p.and_then(|p| {
            let r = p.registered.as_ref()?;
            p.lone.as_ref().filter(|_| r.occur_in(file))
        });
        FlowWords { p, sinks, lone }
    }

    pub fn pack(&self, lang: Lang) -> &Pack {
        static EMPTY: std::sync::OnceLock<Pack> = std::sync::OnceLock::new();
        self.packs()
            .get(lang.pack_name())
            .unwrap_or_else(|| EMPTY.get_or_init(Pack::default))
    }
}

/// The scan cache. It is read borrowing from the file's bytes (no string is copied).
#[derive(Serialize, Deserialize)]
struct CacheFile<'a, F> {
    version: &'a str,
    rules: &'a str,
    /// Sorted by path.
    #[serde(borrow)]
    entries: Vec<CacheEntry<'a, F>>,
}

#[derive(Serialize, Deserialize)]
struct CacheEntry<'a, F> {
    path: &'a str,
    hash: Hash,
    /// The file's metadata when it was hashed (`None`: it had changed too recently to vouch
    /// for the content).
    key: Option<Key>,
    source: bool,
    sink: bool,
    #[serde(borrow)]
    supers: Vec<&'a str>,
    scan: F,
    /// The file's summary, encoded (decoded only when the program must be combined again).
    #[serde(borrow)]
    summary: &'a [u8],
}

/// A file's content hash: the first 16 bytes of its SHA-256.
type Hash = [u8; 16];

const CACHE_FILE: &str = "scan.bin";

/// The source files of the workspace — its PATH arguments, or the work tree's files with
/// excludes applied — and their metadata keys (for the tree, read while it was listed).
fn sources(ws: &Workspace) -> (Vec<(&str, Lang)>, Vec<Option<Key>>) {
    if let Some(paths) = &ws.paths {
        let files: Vec<(&str, Lang)> = paths
            .iter()
            .filter_map(|p| Lang::of(p).map(|l| (p.as_str(), l)))
            .collect();
        let rels: Vec<&str> = files.iter().map(|&(r, _)| r).collect();
        let keys = crate::kanban::cache::keys_of(&ws.root, &rels);
        return (files, keys);
    }
    let wanted = ws.tree().wanted();
    // Room for every wanted file: capacity that is never written costs no memory.
    let room = wanted.size_hint().1.unwrap_or(0);
    let (mut files, mut keys) = (Vec::with_capacity(room), Vec::with_capacity(room));
    for (rel, key) in wanted {
        if let Some(lang) = Lang::of(rel)
            && !ws.exclude.is_excluded(rel)
        {
            files.push((rel, lang));
            keys.push(key.cloned());
        }
    }
    (files, keys)
}

/// Scans the workspace, reusing cached results for files whose content did not change.
pub fn scan(ws: &Workspace) -> Scan {
    let rules = Rules::new(&ws.config.scan);
    let cache_path = ws.cache_dir.as_ref().map(|d| d.join(CACHE_FILE));
    // The cache first: in a full run the board's checks are listing the tree meanwhile.
    let bytes = cache_path.as_ref().and_then(|p| std::fs::read(p).ok());
    let mut cached: Vec<CacheEntry<'_, FileScan>> = bytes
        .as_deref()
        .and_then(|b| postcard::from_bytes::<CacheFile<'_, FileScan>>(b).ok())
        .filter(|c| c.version == env!("CARGO_PKG_VERSION") && c.rules == rules.hash)
        .map(|c| c.entries)
        .unwrap_or_default();
    let (files, keys) = sources(ws);
    let now = crate::kanban::cache::now_ns();
    // The walker yields no symbolic link and descends into none: its files need no check
    // that they resolve inside the repository. PATH arguments do.
    let walked = ws.paths.is_none();
    // One pass over the two sorted lists: a file whose metadata still matches its entry
    // keeps the entry's results (moved, not cloned); the others are read below. A path
    // named twice finds its entry taken.
    let cached_len = cached.len();
    let mut taken = vec![false; cached_len];
    let mut at = 0;
    let mut files_out: Vec<(String, FileScan)> = Vec::with_capacity(files.len());
    let mut states: Vec<State> = Vec::with_capacity(files.len());
    let mut stale: Vec<Stale<'_>> = Vec::new();
    for ((rel, lang), key) in files.into_iter().zip(keys) {
        at = seek(&cached, at, rel);
        let prior = match cached.get_mut(at) {
            Some(e) if e.path == rel && !std::mem::replace(&mut taken[at], true) => Some(e),
            _ => None,
        };
        let staged = ws.overlay.as_ref().and_then(|o| o.get(rel));
        // Unchanged metadata (size, mtime, ctime, inode; settled): the cached content hash
        // still holds, as in git's index — the file is not even read.
        let key = if staged.is_none() { key } else { None };
        let vouched = |e: &CacheEntry<'_, FileScan>| {
            key.as_ref()
                .is_some_and(|k| e.key.as_ref() == Some(k) && k.settled(now))
        };
        match prior {
            Some(e) if vouched(e) => {
                states.push(state_of_entry(e, lang, key));
                files_out.push((rel.to_string(), std::mem::take(&mut e.scan)));
            }
            prior => {
                stale.push(Stale {
                    slot: files_out.len(),
                    rel,
                    lang,
                    key,
                    prior: prior
                        .map(|e| (state_of_entry(e, lang, None), std::mem::take(&mut e.scan))),
                    staged,
                });
                files_out.push((rel.to_string(), FileScan::default()));
                states.push(State::default());
            }
        }
    }
    let progress = Progress::new(stale.len());
    let read = |rel: &str| {
        if walked {
            std::fs::read(ws.root.join(rel)).map_err(|e| format!("cannot read: {e}"))
        } else {
            read_inside(&ws.root, rel)
        }
    };
    // (The thread pool is not even started when every file was vouched for.)
    let redone: Vec<(usize, State, FileScan)> = if stale.is_empty() {
        Vec::new()
    } else {
        stale
            .into_par_iter()
            .inspect(|_| progress.tick())
            .map(|s| {
                let bytes = match s.staged.map_or_else(|| read(s.rel), |b| Ok(b.clone())) {
                    Ok(b) => b,
                    Err(why) => {
                        let scan = FileScan {
                            skipped: Some(why),
                            ..FileScan::default()
                        };
                        return (s.slot, State::default(), scan);
                    }
                };
                let hash = content_hash(&bytes);
                let (mut state, scan) = match s.prior {
                    // Same content, new metadata: reuse the results, remember the metadata.
                    Some((st, scan)) if st.hash == Some(hash) => (st, scan),
                    _ => first_look(s.lang, &bytes, &rules, true),
                };
                state.key = s.key;
                (s.slot, state, scan)
            })
            .collect()
    };
    progress.done();
    let changed = !redone.is_empty() || cached_len != files_out.len();
    if std::env::var_os("QGATE_SCAN_DEBUG").is_some() {
        eprintln!(
            "qgate: scan: {} files, {cached_len} cached, {} redone",
            files_out.len(),
            redone.len()
        );
    }
    for (slot, state, scan) in redone {
        files_out[slot].1 = scan;
        states[slot] = state;
    }
    let mut scan = Scan {
        files: files_out,
        notes: Vec::new(),
        states,
        aux: Vec::new(),
        tree: Vec::new(),
    };
    // The flows cached with the files hold while no file changed; otherwise the program is
    // combined again.
    if changed {
        scan.tree = match &ws.paths {
            None => scan
                .files
                .iter()
                .filter_map(|(p, _)| Lang::of(p).map(|l| (p.clone(), l)))
                .collect(),
            // PATH arguments: calls may reach any file of the repository.
            Some(_) => ws
                .tree()
                .files()
                .filter(|p| !ws.exclude.is_excluded(p))
                .filter_map(|p| Lang::of(p).map(|l| (p.to_string(), l)))
                .collect(),
        };
        let read_any = |rel: &str| match ws.overlay.as_ref().and_then(|o| o.get(rel)) {
            Some(b) => Ok(b.clone()),
            None => read_inside(&ws.root, rel),
        };
        scan.solve(&read_any, &rules);
    }
    if let (true, Some(path)) = (changed, &cache_path) {
        save(path, &scan, &rules, now);
    }
    // A shard reports the files it owns; the analysis saw them all, since a flow into this
    // shard's files may start in any file.
    if ws.shard.is_some() {
        let keep: Vec<bool> = scan.files.iter().map(|(p, _)| ws.in_shard(p)).collect();
        let mut it = keep.iter();
        scan.files.retain(|_| it.next().copied().unwrap_or(false));
        let mut it = keep.iter();
        scan.states.retain(|_| it.next().copied().unwrap_or(false));
    }
    scan.notes = notes_of(&scan.files);
    scan
}

fn state_of_entry(e: &CacheEntry<'_, FileScan>, lang: Lang, key: Option<Key>) -> State {
    State {
        lang: Some(lang),
        hash: Some(e.hash),
        key,
        source: e.source,
        sink: e.sink,
        supers: e.supers.iter().map(|s| s.to_string()).collect(),
        summary: if e.summary.is_empty() {
            Summ::None
        } else {
            Summ::Bytes(e.summary.to_vec())
        },
    }
}

/// Writes the scan cache (best effort: a cache that cannot be written is not an error).
fn save(path: &Path, scan: &Scan, rules: &Rules, now: i64) {
    let blobs: Vec<Vec<u8>> = scan.states.iter().map(|s| s.summary.bytes()).collect();
    let mut entries: Vec<CacheEntry<'_, &FileScan>> = scan
        .files
        .iter()
        .zip(&scan.states)
        .zip(&blobs)
        .filter_map(|(((path, fs), st), blob)| {
            Some(CacheEntry {
                path,
                hash: st.hash?,
                // Metadata of files touched in the last seconds is not trusted later.
                key: st.key.clone().filter(|k| k.settled(now)),
                source: st.source,
                sink: st.sink,
                supers: st.supers.iter().map(String::as_str).collect(),
                scan: fs,
                summary: blob,
            })
        })
        .collect();
    entries.sort_unstable_by(|a, b| a.path.cmp(b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let file = CacheFile {
        version: env!("CARGO_PKG_VERSION"),
        rules: &rules.hash,
        entries,
    };
    if let Ok(bytes) = postcard::to_stdvec(&file)
        && let Some(dir) = path.parent()
        && crate::fsutil::create_dirs(dir).is_ok()
    {
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            let _ = std::fs::write(
                &ignore,
                "# Written by qgate: this directory is a cache.\n*\n",
            );
        }
        let _ = crate::fsutil::atomic_write(path, &bytes);
    }
}

/// A file whose cached results its metadata cannot vouch for: it is read again.
struct Stale<'a> {
    /// Its place in the scan's list of files.
    slot: usize,
    rel: &'a str,
    lang: Lang,
    key: Option<Key>,
    /// The cached state and scan, if there were any.
    prior: Option<(State, FileScan)>,
    /// Staged content, scanned instead of the work tree's (`--staged`).
    staged: Option<&'a Vec<u8>>,
}

/// Where `rel` is, or would be, in `entries` (sorted by path). Paths usually come sorted, so
/// the search gallops on from `from`, the previous answer, and searches the whole list only
/// when `rel` sorts before that.
fn seek<F>(entries: &[CacheEntry<'_, F>], from: usize, rel: &str) -> usize {
    let from = from.min(entries.len());
    if from > 0 && entries[from - 1].path >= rel {
        return entries.partition_point(|e| e.path < rel);
    }
    // Everything before `lo` sorts before `rel`; `hi` is the first probe that does not.
    let (mut lo, mut hi, mut step) = (from, from, 1);
    while entries.get(hi).is_some_and(|e| e.path < rel) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    let hi = hi.min(entries.len()).max(lo);
    lo + entries[lo..hi].partition_point(|e| e.path < rel)
}

/// A progress bar on stderr for scans that take a while: it appears only after about a
/// second, and only when stderr is a terminal (never in CI logs or piped output).
struct Progress {
    bar: indicatif::ProgressBar,
    started: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
    enabled: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "scanning {bar:30} {pos}/{len} files ({eta} left)",
        ) {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
            enabled: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        self.bar.inc(1);
        if self.enabled
            && self.started.elapsed() > std::time::Duration::from_secs(1)
            && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn done(&self) {
        self.bar.finish_and_clear();
    }
}

/// Reads a file, refusing one that resolves outside the repository (a symlink out).
fn read_inside(root: &Path, rel: &str) -> Result<Vec<u8>, String> {
    let (real, inside) =
        crate::fsutil::resolve(root, &root.join(rel)).map_err(|e| format!("cannot read: {e}"))?;
    if !inside {
        return Err("a link that points outside the repository".into());
    }
    std::fs::read(&real).map_err(|e| format!("cannot read: {e}"))
}

fn content_hash(bytes: &[u8]) -> Hash {
    let mut h = Hash::default();
    h.copy_from_slice(&Sha256::digest(bytes)[..16]);
    h
}

#[cfg(test)]
mod seek_tests {
    use super::*;
    use crate::scan::rules::Kind;

    /// The cache is postcard, which has no field names: every field must be written, or
    /// no entry reads back and every run is a cold one.
    #[test]
    fn cached_flows_and_summaries_read_back() {
        let step = |file: Option<&str>| value::Step {
            file: file.map(Into::into),
            line: 3,
            col: 1,
            what: "`request.args`".into(),
        };
        let scan = FileScan {
            flows: vec![Flow {
                kind: Kind::Path,
                line: 4,
                col: 5,
                sink: "open".into(),
                steps: vec![step(None), step(Some("lib/util.py"))],
            }],
            ..FileScan::default()
        };
        let summary = postcard::to_stdvec(&FileSummary::default()).expect("encodes");
        let file = CacheFile {
            version: "1",
            rules: "r",
            entries: vec![CacheEntry {
                path: "app.py",
                hash: content_hash(b"x"),
                key: None,
                source: true,
                sink: true,
                supers: Vec::new(),
                scan: &scan,
                summary: &summary,
            }],
        };
        let bytes = postcard::to_stdvec(&file).expect("encodes");
        let back: CacheFile<'_, FileScan> = postcard::from_bytes(&bytes).expect("decodes");
        assert_eq!(back.entries.len(), 1);
        assert_eq!(back.entries[0].scan.flows, scan.flows);
        assert!(postcard::from_bytes::<FileSummary>(back.entries[0].summary).is_ok());
    }

    #[test]
    fn seek_finds_every_path_sorted_or_not() {
        let names: Vec<String> = (0..200).map(|i| format!("src/f{:04}.py", i * 2)).collect();
        let entries: Vec<CacheEntry<'_, ()>> = names
            .iter()
            .map(|p| CacheEntry {
                path: p,
                hash: Hash::default(),
                key: None,
                source: false,
                sink: false,
                supers: Vec::new(),
                scan: (),
                summary: &[],
            })
            .collect();
        let expect = |rel: &str| entries.partition_point(|e| e.path < rel);
        // Sorted, dense and sparse, with paths that are not there; then out of order.
        let mut queries: Vec<String> = (0..400).map(|i| format!("src/f{i:04}.py")).collect();
        queries.extend((0..400).step_by(37).map(|i| format!("src/f{i:04}.py")));
        queries
            .extend(["a", "z", "src/f0399.py", "src/f0000.py", "src/f0398.py"].map(String::from));
        queries.extend((0..400).rev().step_by(3).map(|i| format!("src/f{i:04}.py")));
        let mut at = 0;
        for q in &queries {
            at = seek(&entries, at, q);
            assert_eq!(at, expect(q), "{q}");
        }
        assert_eq!(seek::<()>(&[], 5, "x"), 0);
    }
}

#[cfg(test)]
mod prefilter_tests {
    use super::*;

    #[test]
    fn qualified_python_sinks_count_only_written_out_unless_imported_bare() {
        let rules = Rules::new(&crate::config::ScanConfig::default());
        let may = |src: &str| rules.may_have_flow(Lang::Python, src.as_bytes());
        // `str.replace` is not `os.replace`.
        assert!(!may(
            "import os\n\ndef v(request):\n    return request.GET['a'].replace('x', 'y')\n"
        ));
        assert!(may(
            "import os\n\ndef v(request):\n    os.replace(request.GET['a'], 'b')\n"
        ));
        // Bare or aliased imports make the last segment enough.
        assert!(may(
            "from os import replace\n\ndef v(request):\n    replace(request.GET['a'], 'b')\n"
        ));
        assert!(may(
            "import shutil as sh\n\ndef v(request):\n    sh.copy(request.GET['a'], 'b')\n"
        ));
        assert!(may(
            "from os import path\n\ndef v(request):\n    path.getsize(request.GET['a'])\n"
        ));
        // Bare builtins and methods are always words.
        assert!(may("def v(request):\n    return open(request.GET['a'])\n"));
        assert!(may(
            "def v(request, p):\n    return p.read_text(request.GET['a'])\n"
        ));
    }

    #[test]
    fn javascript_members_mark_input_alone_only_when_uncommon_and_dotted() {
        let rules = Rules::new(&crate::config::ScanConfig::default());
        let js = |src: &str| rules.may_have_flow(Lang::JavaScript, src.as_bytes());
        // A handler may call its request anything: `.query` and `.body` say it.
        assert!(js(
            "app.get('/f', (q, s) => s.send(fs.readFileSync(q.query.name)));\n"
        ));
        assert!(js(
            "app.post('/f', (q, s) => fs.writeFileSync('/x', q.body));\n"
        ));
        // `path`, `get`, `url` are every module's words: not input without a request name.
        assert!(!js(
            "const path = require('path');\nconst m = new Map();\nfs.readFileSync(path.join(d, m.get(k).url));\n"
        ));
        assert!(js(
            "const path = require('path');\nfunction h(req) { return fs.readFileSync(req.path); }\n"
        ));
        // Beside a request name, a destructured member counts.
        assert!(js(
            "function h(req) { const { query } = req; return fs.readFileSync(query.f); }\n"
        ));
        // A word is no member where no `.` precedes it.
        assert!(!js("const body = '';\nfs.readFileSync(body);\n"));
    }

    #[test]
    fn routes_are_paths() {
        assert!(route_at(b"('/items/{id}')", 1, false));
        assert!(route_at(b"( f\"/x\")", 1, false));
        assert!(route_at(b"(PREFIX + '/x')", 1, false));
        assert!(route_at(b"(\"\")", 1, false));
        assert!(!route_at(b"(\"django.core.mail.send\")", 1, false));
        assert!(route_at(b"('/x', (q, s) => {})", 1, true));
        assert!(route_at(b"(`${base}/x`, h)", 1, true));
        assert!(route_at(b"('*', h)", 1, true));
        assert!(!route_at(b"('key')", 1, true));
        assert!(!route_at(b"(key)", 1, true));
    }

    #[test]
    fn handler_headers_and_annotations_count_only_where_written_so() {
        assert!(in_def_header(b"def view(request, slug):", 8));
        assert!(in_def_header(b"    async def  view(request, slug):", 19));
        assert!(!in_def_header(b"x = view(request, slug)", 8));
        assert!(!in_def_header(b"undef(request, slug)", 5));
        assert!(annotates(b"function f(req: Request)", 16));
        assert!(annotates(b"function f(req: express.Request)", 24));
        assert!(!annotates(b"new Request(url)", 4));
    }

    #[test]
    fn sink_words_count_where_called_and_decorators_on_decorator_lines() {
        let rules = Rules::new(&crate::config::ScanConfig::default());
        let py = |src: &str| rules.may_have_flow(Lang::Python, src.as_bytes());
        // A builtin sink is not the method of the same name.
        assert!(!py(
            "import re\n\ndef v(request):\n    return re.compile(request.GET['a'])\n"
        ));
        assert!(py(
            "def v(request):\n    return compile(request.GET['a'], 'f', 'exec')\n"
        ));
        // A sink counts where it is called, blanks and line continuations allowed.
        assert!(!py(
            "def v(request, text):\n    return request.GET.get(text)\n"
        ));
        assert!(py("def v(request):\n    return open (request.GET['a'])\n"));
        assert!(py(
            "def v(request):\n    return open \\\n(request.GET['a'])\n"
        ));
        // `.get(` is a handler decorator's word on a decorator line only.
        assert!(!py("def v(d, path):\n    return open(d.get(path))\n"));
        assert!(py(
            "@app.get('/f/{path}')\ndef v(path):\n    return open(path)\n"
        ));
        assert!(py(
            "class A:\n    @router.get('/f/{path}')\n    def v(self, path):\n        return open(path)\n"
        ));
        let js = |lang: Lang, src: &str| rules.may_have_flow(lang, src.as_bytes());
        // Type arguments, optional calls and tagged templates are calls too.
        assert!(js(
            Lang::TypeScript,
            "export async function h(req: Request) { return db.query<Row>(req.body.q); }\n"
        ));
        assert!(js(
            Lang::JavaScript,
            "function h(req) { return eval?.(req.query.x); }\n"
        ));
        assert!(js(
            Lang::JavaScript,
            "function h(req) { return db.query`${req.query.x}`; }\n"
        ));
        assert!(!js(
            Lang::JavaScript,
            "function h(req) { const query = req.query; return query; }\n"
        ));
        // Only Python keeps a call's qualifier: Java constructors may be written in full.
        assert!(js(
            Lang::Java,
            "class C { void h(HttpServletRequest r) throws Exception { new java.io.FileInputStream(r.getParameter(\"f\")); } }\n"
        ));
    }
}
