//! Rule packs: the sources, sinks, sanitizers and guards of each language, as data.
//!
//! The built-in packs are YAML files embedded in the binary (`src/scan/rules/*.yaml`); users
//! add their own framework's entries under `scan.rules.<language>` in qgate.yaml, in the same
//! shape. `qgate explain path-traversal` / `input-validation` print the packs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a sink does with tainted data; sanitizers clear kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Path,
    Command,
    Sql,
    Code,
    Deserialization,
    Nosql,
}

impl Kind {
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The check a kind belongs to.
    pub fn check(self) -> &'static str {
        match self {
            Kind::Path => "path-traversal",
            _ => "input-validation",
        }
    }

    /// The finding code.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Path => "tainted-path",
            Kind::Command => "command-injection",
            Kind::Sql => "sql-injection",
            Kind::Code => "code-injection",
            Kind::Deserialization => "unsafe-deserialization",
            Kind::Nosql => "nosql-injection",
        }
    }

    /// Every kind, in report order.
    pub const EVERY: [Kind; 6] = [
        Kind::Path,
        Kind::Command,
        Kind::Sql,
        Kind::Code,
        Kind::Deserialization,
        Kind::Nosql,
    ];

    /// The kind a finding code names (`tainted-path` → `Path`).
    pub fn of_code(code: &str) -> Option<Kind> {
        Kind::EVERY.into_iter().find(|k| k.code() == code)
    }

    /// The weakness this kind of flow is (MITRE CWE).
    pub fn cwe(self) -> u32 {
        match self {
            Kind::Path => 22,
            Kind::Command => 78,
            Kind::Sql => 89,
            Kind::Code => 94,
            Kind::Deserialization => 502,
            Kind::Nosql => 943,
        }
    }

    /// SARIF `security-severity` (0–10, as GitHub code scanning reads it).
    pub fn security_severity(self) -> &'static str {
        match self {
            Kind::Path => "7.5",
            Kind::Command | Kind::Code | Kind::Deserialization => "9.8",
            Kind::Sql => "8.8",
            Kind::Nosql => "8.1",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Kind::Path => "a file system path",
            Kind::Command => "an OS command",
            Kind::Sql => "an SQL query",
            Kind::Code => "evaluated code",
            Kind::Deserialization => "a deserializer",
            Kind::Nosql => "a NoSQL query operator",
        }
    }
}

/// `kinds: [path]`, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KindSet {
    All,
    Path,
    Command,
    Sql,
    Code,
    Deserialization,
    Nosql,
}

impl KindSet {
    pub fn bits(self) -> u8 {
        match self {
            KindSet::All => 0xff,
            KindSet::Path => Kind::Path.bit(),
            KindSet::Command => Kind::Command.bit(),
            KindSet::Sql => Kind::Sql.bit(),
            KindSet::Code => Kind::Code.bit(),
            KindSet::Deserialization => Kind::Deserialization.bit(),
            KindSet::Nosql => Kind::Nosql.bit(),
        }
    }
}

/// Threat models, after CodeQL's: which kinds of untrusted input are sources.
pub mod model {
    pub const REMOTE: u8 = 1;
    pub const ENVIRONMENT: u8 = 2;
    pub const COMMANDARGS: u8 = 4;
    pub const STDIN: u8 = 8;
    pub const FILE: u8 = 16;
    pub const DATABASE: u8 = 32;
    /// Everything on the machine the program runs on.
    pub const LOCAL: u8 = ENVIRONMENT | COMMANDARGS | STDIN | FILE | DATABASE;
    pub const ALL: u8 = REMOTE | LOCAL;

    /// The bits a threat-model name stands for.
    pub fn bits(name: &str) -> Option<u8> {
        Some(match name {
            "remote" => REMOTE,
            "local" => LOCAL,
            "environment" => ENVIRONMENT,
            "commandargs" => COMMANDARGS,
            "stdin" => STDIN,
            "file" => FILE,
            "database" => DATABASE,
            "all" => ALL,
            _ => return None,
        })
    }

    pub const NAMES: &[&str] = &[
        "remote",
        "local",
        "environment",
        "commandargs",
        "stdin",
        "file",
        "database",
        "all",
    ];
}

/// Which threat model a source belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// HTTP and RPC request data, message payloads, uploaded archives: on by default.
    #[default]
    Remote,
    Environment,
    Commandargs,
    Stdin,
    File,
    Database,
}

impl Model {
    pub fn bit(self) -> u8 {
        match self {
            Model::Remote => model::REMOTE,
            Model::Environment => model::ENVIRONMENT,
            Model::Commandargs => model::COMMANDARGS,
            Model::Stdin => model::STDIN,
            Model::File => model::FILE,
            Model::Database => model::DATABASE,
        }
    }
}

/// Untrusted input: an access path (`$req.args`, `sys.argv`), matched as a prefix by
/// segments. `$req` stands for any request object (see `request_names`, `request_types`).
/// A typed path (`ZipEntry.getName`) names a method of a receiver of that class.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub path: String,
    /// The threat model the source belongs to (default `remote`).
    #[serde(default)]
    pub model: Model,
    /// Older spelling of `model: environment`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub env: bool,
    /// For a method of any receiver (`*.getmembers`): only when the receiver carries this
    /// flag (set by `flags`, or the receiver's class is one a flag setter constructs).
    pub when_flag: Option<String>,
}

impl Source {
    pub fn model_bit(&self) -> u8 {
        if self.env {
            model::ENVIRONMENT
        } else {
            self.model.bit()
        }
    }
}

/// A dangerous use. `call` matches the callee's path (`os.system`, `*.execute`: any receiver);
/// `method` matches a method called on a tainted receiver (`read_text`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sink {
    pub call: Option<String>,
    pub method: Option<String>,
    pub kind: Kind,
    /// Which positional arguments matter (empty: all).
    #[serde(default)]
    pub args: Vec<usize>,
    /// Keyword arguments that must be present with one of the `|`-separated values.
    #[serde(default)]
    pub when_kwarg: BTreeMap<String, String>,
    /// Keyword arguments whose presence (with one of the values, or any value for `*`)
    /// makes the call safe.
    #[serde(default)]
    pub unless_kwarg: BTreeMap<String, String>,
    /// Positional arguments that must be string literals with one of the values.
    #[serde(default)]
    pub when_args: BTreeMap<usize, String>,
    /// An options-object argument holding this key makes the call safe (`{root: dir}`).
    #[serde(default)]
    pub unless_option: Option<String>,
    /// An array/list argument is an argv list, not a command string: safe.
    #[serde(default)]
    pub unless_list: bool,
    /// Arguments that are whole argument vectors: a list is dangerous when its program
    /// (element 0) is tainted, or when it runs a shell with `-c` and a tainted command;
    /// anything else passed there is the program itself.
    #[serde(default)]
    pub argv: Vec<usize>,
    /// A split argument vector: the program at `program`, its arguments as a list at
    /// `argv_rest` (`spawn(prog, [args])`, `execFile`, `os.execv`).
    pub program: Option<usize>,
    pub argv_rest: Option<usize>,
    /// An options-object argument holding this key with a true value makes the call
    /// dangerous (`spawn(cmd, args, {shell: true})`); without it the call is not a sink.
    pub when_option: Option<String>,
    /// The argument is an object; the value at this key is what must not be tainted
    /// (`{$where: …}`).
    pub object_key: Option<String>,
    /// With `object_key`: only a mapping the program built counts, not any value (Python's
    /// `str.find` shares its name with pymongo's `find`).
    #[serde(default)]
    pub shaped: bool,
    /// Only when the receiver was configured so (a flag set by `flags`).
    pub when_flag: Option<String>,
    /// The query text must look like SQL (a constant part starts with a statement word):
    /// for method names too common to be SQL sinks on their own (`db.any`, `db.one`).
    #[serde(default)]
    pub sql_like: bool,
}

/// A call whose result is safe for `kinds`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sanitizer {
    pub call: Option<String>,
    pub method: Option<String>,
    pub kinds: Vec<KindSet>,
}

/// A test that, when true, proves its subject safe: `re.fullmatch(p, v)`, `v.isdigit()`.
/// `containment` tests (`startswith`, `commonpath`) prove only a canonical path safe, and
/// only for path kinds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    pub call: Option<String>,
    pub method: Option<String>,
    /// The validated argument (for `call`); `method` validates its receiver.
    pub arg: Option<usize>,
    #[serde(default)]
    pub containment: bool,
    /// For regex tests: the pattern (the receiver, or argument `pattern_arg`) must be
    /// anchored (`^...$`) to prove anything; an unknown pattern is trusted.
    #[serde(default)]
    pub anchored: bool,
    pub pattern_arg: Option<usize>,
    /// A test for forbidden characters (`strings.ContainsAny(v, "/.")`): the argument at
    /// this index lists them, a true result means `v` holds one, and a false one proves it
    /// holds none — a path when `/` and `.` are among them (no separator, no `..`).
    pub refuses: Option<usize>,
}

/// A call that sets a state flag on its receiver (or, with `result`, on its result) that
/// sinks can require (`mapper.enableDefaultTyping()` makes `readValue` unsafe).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlagSetter {
    pub call: Option<String>,
    pub method: Option<String>,
    pub flag: String,
    #[serde(default)]
    pub result: bool,
}

/// Which parameters of a handler are untrusted.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Handler {
    /// A decorator containing this text makes the function a handler (Python).
    pub decorator: Option<String>,
    /// A parameter annotation containing this text makes that parameter untrusted (Java).
    pub annotation: Option<String>,
    /// Parameters named like this are untrusted (`args` of `main`).
    pub param: Option<String>,
    /// In a function with this name only.
    pub function: Option<String>,
    /// Which parameters: `all`, `after_first` (Django views), `route` (named in the route).
    #[serde(default = "all")]
    pub params: String,
    /// Parameters declared with these types are validated by the framework (`int`).
    #[serde(default)]
    pub unless_type: Vec<String>,
}

fn all() -> String {
    "all".into()
}

/// One language's rules.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub sinks: Vec<Sink>,
    #[serde(default)]
    pub sanitizers: Vec<Sanitizer>,
    /// Calls that return a canonical path (`os.path.realpath`).
    #[serde(default)]
    pub canonicalizers: Vec<String>,
    /// Calls that build paths or strings from their arguments (taint flows through).
    #[serde(default)]
    pub propagators: Vec<String>,
    /// Calls that return a path relative to a base (`filepath.Rel`): a containment test on
    /// the result (`strings.HasPrefix(rel, "..")`) proves the original path contained.
    #[serde(default)]
    pub relativizers: Vec<String>,
    /// Calls whose result carries no taint (`len`, `isinstance`).
    #[serde(default)]
    pub non_propagating: Vec<String>,
    #[serde(default)]
    pub validators: Vec<Validator>,
    /// Calls that never return (`abort`, `sys.exit`, `panic`).
    #[serde(default)]
    pub exits: Vec<String>,
    /// Names that are request objects (`request`, `req`).
    #[serde(default)]
    pub request_names: Vec<String>,
    /// Parameter types that make a parameter a request object (`*http.Request`).
    #[serde(default)]
    pub request_types: Vec<String>,
    #[serde(default)]
    pub handlers: Vec<Handler>,
    /// Module-level names that are the request object (`flask.request`).
    #[serde(default)]
    pub request_globals: Vec<String>,
    /// Field names that hold the request object (`self.request`).
    #[serde(default)]
    pub request_fields: Vec<String>,
    /// Members of the request object whose names are common in all code (`get`, `path`):
    /// where a handler may name its request anything (JavaScript), these mark a file as
    /// reading input only beside a request name, the others do so on their own.
    #[serde(default)]
    pub common_members: Vec<String>,
    /// Methods that register a handler function (`app.get(path, handler)`): the function's
    /// first parameter (the second, for a four-parameter error handler) is the request.
    #[serde(default)]
    pub registrations: Vec<String>,
    #[serde(default)]
    pub flags: Vec<FlagSetter>,
}

impl Pack {
    /// Adds `other`'s entries to this pack.
    pub fn extend(&mut self, other: Pack) {
        self.sources.extend(other.sources);
        self.sinks.extend(other.sinks);
        self.sanitizers.extend(other.sanitizers);
        self.canonicalizers.extend(other.canonicalizers);
        self.propagators.extend(other.propagators);
        self.relativizers.extend(other.relativizers);
        self.non_propagating.extend(other.non_propagating);
        self.validators.extend(other.validators);
        self.exits.extend(other.exits);
        self.request_names.extend(other.request_names);
        self.request_types.extend(other.request_types);
        self.handlers.extend(other.handlers);
        self.request_globals.extend(other.request_globals);
        self.request_fields.extend(other.request_fields);
        self.registrations.extend(other.registrations);
        self.flags.extend(other.flags);
    }
}

/// The languages qgate scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Java,
}

impl Lang {
    pub fn of(path: &str) -> Option<Lang> {
        // Declaration files hold types, no code that runs.
        if path.ends_with(".d.ts") || path.ends_with(".d.mts") || path.ends_with(".d.cts") {
            return None;
        }
        let ext = path.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "py" | "pyw" => Lang::Python,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "go" => Lang::Go,
            "java" => Lang::Java,
            _ => return None,
        })
    }

    /// The rule pack a language uses (TypeScript shares JavaScript's).
    pub fn pack_name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => "javascript",
            Lang::Go => "go",
            Lang::Java => "java",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Go => "go",
            Lang::Java => "java",
        }
    }
}

pub const BUILTIN: [(&str, &str); 4] = [
    ("python", include_str!("rules/python.yaml")),
    ("javascript", include_str!("rules/javascript.yaml")),
    ("go", include_str!("rules/go.yaml")),
    ("java", include_str!("rules/java.yaml")),
];

/// The built-in pack for `name`, with `extra` (from qgate.yaml) added.
pub fn pack(name: &str, extra: Option<&Pack>) -> Pack {
    let mut p = BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, text)| yaml_serde::from_str::<Pack>(text).ok())
        .unwrap_or_default();
    if let Some(e) = extra {
        p.extend(e.clone());
    }
    p
}

/// Whether `pattern` matches the dotted `path`: exact, or for `*.x.y` any path ending in
/// `.x.y` (or equal to `x.y`). Allocation-free: it runs for every call the scanner sees.
pub fn matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            path == suffix
                || (path.len() > suffix.len()
                    && path.ends_with(suffix)
                    && path.as_bytes()[path.len() - suffix.len() - 1] == b'.')
        }
        None => pattern == path,
    }
}

/// Whether `pattern` is a prefix of `path` by segments (`$req.args` matches
/// `$req.args.get()`), with `*.` prefixes as in [`matches`].
pub fn prefix_matches(pattern: &str, path: &str) -> bool {
    fn starts(p: &str, s: &str) -> bool {
        s.starts_with(p) && matches!(s.as_bytes().get(p.len()), None | Some(b'.' | b'[' | b'('))
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            starts(suffix, path)
                || path
                    .match_indices('.')
                    .any(|(i, _)| starts(suffix, &path[i + 1..]))
        }
        None => starts(pattern, path),
    }
}

/// A word the prefilter looks for, and where an occurrence counts. Words match on
/// identifier boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// A sink: counts only where it is called — followed (after blanks) by `(`, type
    /// arguments, a template literal, `?.(` or `!(` — since every sink is a call.
    pub called: bool,
    /// A bare builtin (`compile`, `eval`): not after a `.`, which names another function
    /// (`re.compile`). Python only, where a call's path keeps its qualifier.
    pub bare: bool,
    /// A handler decorator (`.get(`): counts only on a decorator line (`@app.get(`), not in
    /// every `dict.get(`.
    pub decorator: bool,
    /// A member of the request object (`args`, `getParameter`): counts only after a `.`.
    pub member: bool,
    /// A type in an annotation (`req: Request`, `r: express.Request`): counts only after a
    /// `:` (and the type's qualifier), not in every mention of the class.
    pub annotation: bool,
    /// A handler's parameter list (`(request,`): counts only in a function header
    /// (`def view(request, slug)`), not in every call given the request.
    pub def_header: bool,
    /// A route registration or decorator (`.get(`, `.route(`): its first argument is a path.
    /// `Some(false)`: not a string that starts other than `/` (`@mock.patch("a.b")` is no
    /// route; Flask and Starlette refuse routes without the slash). `Some(true)`: a string
    /// or template that starts with `/` or `*` (`app.get('/x', …)`, not `map.get('k')`).
    pub route: Option<bool>,
}

/// See [`Pack::source_words`].
pub struct SourceWords {
    pub members: Vec<Word>,
    pub roots: Vec<Word>,
    pub plain: Vec<Word>,
    pub lone: Vec<Word>,
    pub registered: Vec<Word>,
}

/// Adds `w`, or, when its text is there already, keeps the laxer reading of the two.
fn add_word(out: &mut Vec<Word>, w: Word) {
    if w.text.is_empty() {
        return;
    }
    match out.iter_mut().find(|o| o.text == w.text) {
        Some(o) => {
            o.called &= w.called;
            o.bare &= w.bare;
            o.decorator &= w.decorator;
            o.member &= w.member;
            o.annotation &= w.annotation;
            o.def_header &= w.def_header;
            if o.route != w.route {
                o.route = None;
            }
        }
        None => out.push(w),
    }
}

fn sink_word(text: &str, bare: bool) -> Word {
    Word {
        text: text.trim_start_matches('$').to_string(),
        called: true,
        bare,
        decorator: false,
        member: false,
        annotation: false,
        def_header: false,
        route: None,
    }
}

impl Pack {
    /// Words a file must contain for any sink of this pack to occur in it: the last segment
    /// of every sink call and every sink method. With `bare_calls` (Python), an unqualified
    /// sink call (`compile`) counts only where it is not a method (`re.compile`).
    pub fn sink_words(&self, bare_calls: bool) -> Vec<Word> {
        let mut out = Vec::new();
        for s in &self.sinks {
            if let Some(m) = &s.method {
                add_word(
                    &mut out,
                    sink_word(m.rsplit('.').next().unwrap_or(m), false),
                );
            }
            if let Some(call) = &s.call {
                let bare = bare_calls && !call.contains('.');
                add_word(
                    &mut out,
                    sink_word(call.rsplit('.').next().unwrap_or(call), bare),
                );
            }
        }
        out
    }

    /// The sink words of a file that imports no sink module's names bare (Python): bare
    /// sinks, method sinks and wildcard sinks by their last segment, qualified sinks
    /// (`os.replace`) only as written out — plus the modules (`os`, `os.path`) whose
    /// `from M import` or `import M as` makes the last segment enough again.
    pub fn qualified_sink_words(&self) -> (Vec<Word>, Vec<String>) {
        let mut words = Vec::new();
        let mut modules: Vec<String> = Vec::new();
        for s in &self.sinks {
            if let Some(m) = &s.method {
                add_word(
                    &mut words,
                    sink_word(m.rsplit('.').next().unwrap_or(m), false),
                );
            }
            let Some(call) = &s.call else { continue };
            let qualified = call.contains('.') && !call.starts_with('*') && !call.starts_with('$');
            if !qualified {
                let bare = !call.contains('.');
                add_word(
                    &mut words,
                    sink_word(call.rsplit('.').next().unwrap_or(call), bare),
                );
                continue;
            }
            add_word(&mut words, sink_word(call, false));
            let mut end = 0;
            while let Some(i) = call[end..].find('.') {
                end += i;
                if !modules.iter().any(|m| *m == call[..end]) {
                    modules.push(call[..end].to_string());
                }
                end += 1;
            }
        }
        (words, modules)
    }

    /// Words a function must contain to read untrusted input, in three sets: members of the
    /// request object (`args`, `getParameter`: only after a `.`); names of the request object
    /// (`request`, `HttpServletRequest`), which those members need; and words that are input
    /// on their own (`argv`, handler decorators and annotations) under the threat models
    /// `models`.
    /// The prefilter's words for input: request members, request names, words that are
    /// input on their own, and the members that are input on their own after a `.` (see
    /// `common_members`).
    pub fn source_words(&self, models: u8) -> SourceWords {
        let annotated = !self.request_names.is_empty();
        let word = |text: &str, decorator: bool, member: bool| Word {
            text: text.trim().to_string(),
            called: false,
            bare: false,
            decorator,
            member,
            annotation: false,
            def_header: false,
            route: None,
        };
        let (mut members, mut roots, mut plain, mut lone) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let remote = models & model::REMOTE != 0;
        let last = |n: &str| n.rsplit('.').next().unwrap_or(n).to_string();
        // Where the request has a conventional name (Python, JavaScript), a file reads it
        // where the name and a member meet (`request.GET`, `req?.query`); its types count
        // in annotations. Where only a type names it (Java, Go), the type and a member
        // anywhere in the file do.
        let mut names: Vec<String> = Vec::new();
        for n in self
            .request_names
            .iter()
            .chain(&self.request_fields)
            .chain(&self.request_globals)
        {
            let n = last(n);
            if !names.contains(&n) {
                names.push(n);
            }
        }
        for t in &self.request_types {
            add_word(
                &mut roots,
                Word {
                    annotation: annotated,
                    ..word(&last(t), false, false)
                },
            );
        }
        if !annotated {
            for n in &names {
                add_word(&mut roots, word(n, false, false));
            }
        }
        for s in &self.sources {
            if let Some(rest) = s.path.strip_prefix("$req.") {
                if remote {
                    let first = rest.split(['.', '[', '(']).next().unwrap_or(rest);
                    add_word(&mut members, word(first, false, false));
                    if annotated {
                        for n in &names {
                            add_word(&mut plain, word(&format!("{n}.{first}"), false, false));
                            add_word(&mut plain, word(&format!("{n}?.{first}"), false, false));
                        }
                    }
                    if !self.common_members.iter().any(|c| c == first) {
                        add_word(&mut lone, word(first, false, true));
                    }
                }
                continue;
            }
            if s.model_bit() & models == 0 {
                continue;
            }
            let path = s.path.trim_start_matches("*.");
            match path.rsplit_once('.') {
                Some((_, last)) => add_word(&mut plain, word(last, false, false)),
                // A bare function (`input`) is a source only when called.
                None => add_word(&mut plain, word(&format!("{path}("), false, false)),
            }
        }
        // A member may be destructured from the request (`const { path } = req`).
        if remote && annotated && !self.common_members.is_empty() {
            for n in &names {
                add_word(&mut plain, word(&format!("}} = {n}"), false, false));
            }
        }
        if remote {
            for h in &self.handlers {
                if let Some(d) = &h.decorator {
                    let w = Word {
                        route: Some(false),
                        ..word(d, true, false)
                    };
                    add_word(&mut plain, w);
                }
                if let Some(a) = &h.annotation {
                    add_word(&mut plain, word(a, false, false));
                }
                if h.params == "after_first" {
                    for n in &self.request_names {
                        for text in [format!("({n},"), format!("(self, {n},")] {
                            let w = Word {
                                def_header: true,
                                ..word(&text, false, false)
                            };
                            add_word(&mut plain, w);
                        }
                    }
                }
            }
        }
        if models & model::COMMANDARGS != 0 {
            for h in &self.handlers {
                if let Some(p) = &h.param {
                    add_word(&mut plain, word(p, false, false));
                }
            }
        }
        // Members on any receiver count only in a file that registers a handler, whose
        // first parameter is the request whatever its name.
        let registered = self
            .registrations
            .iter()
            .map(|r| Word {
                route: (r != "use").then_some(true),
                ..word(&format!(".{r}("), false, false)
            })
            .collect();
        SourceWords {
            members,
            roots,
            plain,
            lone,
            registered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_packs_parse() {
        for (name, text) in BUILTIN {
            let p: Pack = yaml_serde::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!p.sources.is_empty() && !p.sinks.is_empty(), "{name}");
        }
    }

    #[test]
    fn patterns() {
        assert!(matches("*.execute", "cursor.execute"));
        assert!(matches("*.execute", "self.db.execute"));
        assert!(!matches("*.execute", "executemany"));
        assert!(matches("os.system", "os.system"));
        assert!(prefix_matches("$req.args", "$req.args.get()"));
        assert!(prefix_matches("$req.args", "$req.args[]"));
        assert!(!prefix_matches("$req.args", "$req.argsx"));
        assert!(prefix_matches("sys.argv", "sys.argv[]"));
    }
}
