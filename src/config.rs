//! `qgate.yaml`: parsed into a raw form that mirrors the file (unknown keys rejected), then
//! validated into [`Config`]. Every error names the file, the line and the key path.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use crate::kanban::{self, Format};

pub const FILE_NAME: &str = "qgate.yaml";

/// The level a check runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Findings block (exit 1).
    Error,
    /// Findings are reported but do not block.
    Warn,
    /// The check does not run.
    Off,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Off => "off",
        })
    }
}

/// An invalid configuration: exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Dotted key path, e.g. `kanban.wip_limits.review`; empty for the whole file.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": `{}`: {}", self.key, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

// ---- raw form: exactly the file's shape ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    checks: RawChecks,
    exclude: Option<Vec<String>>,
    #[serde(default)]
    kanban: RawKanban,
    #[serde(default)]
    p0: RawP0,
    #[serde(default)]
    perf: RawPerf,
    #[serde(default)]
    scan: RawScan,
    rules: Option<Vec<RawRule>>,
    commands: Option<Vec<RawCommand>>,
    #[serde(default)]
    audit: RawAudit,
    #[serde(default)]
    suppress: RawSuppress,
}

/// `suppress:`: which checks' findings inline `qgate:ignore` comments may suppress.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppress {
    allow: Option<Vec<String>>,
}

/// `audit:`: the hash-chained log of transition decisions and watch-mode violations.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    enabled: Option<bool>,
    path: Option<String>,
    dry_runs: Option<bool>,
}

/// A declarative check: a regex that must never (`pattern`) or must always (`not_pattern`)
/// appear in the files it covers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    message: String,
    level: Option<Level>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    pattern: Option<String>,
    not_pattern: Option<String>,
}

/// An external command check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    id: String,
    run: Vec<String>,
    files: Option<String>,
    #[serde(default, deserialize_with = "duration_secs")]
    timeout: Option<f64>,
    level: Option<Level>,
    #[serde(default)]
    config: Option<yaml_serde::Value>,
    description: Option<String>,
}

/// `30s`, `2m`, `500ms`, or a number of seconds.
fn duration_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum T {
        N(f64),
        S(String),
    }
    let secs = match Option::<T>::deserialize(d)? {
        None => return Ok(None),
        Some(T::N(n)) => n,
        Some(T::S(s)) => {
            let t = s.trim();
            let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
                (n, 0.001)
            } else if let Some(n) = t.strip_suffix('s') {
                (n, 1.0)
            } else if let Some(n) = t.strip_suffix('m') {
                (n, 60.0)
            } else {
                (t, 1.0)
            };
            num.trim().parse::<f64>().map(|n| n * mult).map_err(|_| {
                serde::de::Error::custom(format!("expected a duration such as `30s`, found `{s}`"))
            })?
        }
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(serde::de::Error::custom("a timeout must be above 0"));
    }
    Ok(Some(secs))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScan {
    env_sources: Option<bool>,
    threat_models: Option<Vec<String>>,
    #[serde(default, deserialize_with = "size")]
    max_file_size: Option<u64>,
    rules: Option<BTreeMap<RawLang, crate::scan::rules::Pack>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawLang {
    Python,
    Javascript,
    Typescript,
    Go,
    Java,
}

/// `2MB`, `512KB`, `1048576`.
fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum S {
        N(u64),
        S(String),
    }
    Ok(match Option::<S>::deserialize(d)? {
        None => None,
        Some(S::N(n)) => Some(n),
        Some(S::S(s)) => {
            let t = s.trim().to_ascii_uppercase();
            let (num, mult) = if let Some(n) = t.strip_suffix("MB") {
                (n, 1024 * 1024)
            } else if let Some(n) = t.strip_suffix("KB") {
                (n, 1024)
            } else {
                (t.strip_suffix('B').unwrap_or(&t), 1)
            };
            let n: u64 = num.trim().parse().map_err(|_| {
                serde::de::Error::custom(format!("expected a size such as `2MB`, found `{s}`"))
            })?;
            Some(
                n.checked_mul(mult).ok_or_else(|| {
                    serde::de::Error::custom(format!("the size `{s}` is too large"))
                })?,
            )
        }
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecks {
    #[serde(rename = "wip-limit")]
    wip_limit: Option<Level>,
    #[serde(rename = "p0-security-review")]
    p0_security_review: Option<Level>,
    #[serde(rename = "transition-rules")]
    transition_rules: Option<Level>,
    #[serde(rename = "task-format")]
    task_format: Option<Level>,
    #[serde(rename = "path-traversal")]
    path_traversal: Option<Level>,
    #[serde(rename = "input-validation")]
    input_validation: Option<Level>,
    #[serde(rename = "perf-regression")]
    perf_regression: Option<Level>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawFormat {
    Auto,
    Promethean,
    Backlog,
    KanbanMd,
    Obsidian,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKanban {
    format: Option<RawFormat>,
    tasks: Option<String>,
    wip_limits: Option<BTreeMap<String, i64>>,
    transitions: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawP0 {
    priorities: Option<Vec<String>>,
    labels: Option<Vec<String>>,
    keywords: Option<Vec<String>>,
    gated: Option<Vec<String>>,
    reviewers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerfTest {
    TTest,
    Percentage,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerf {
    #[serde(default, deserialize_with = "one_or_many")]
    results: Option<Vec<String>>,
    #[serde(default, deserialize_with = "one_or_many")]
    baseline: Option<Vec<String>>,
    test: Option<PerfTest>,
    #[serde(default, deserialize_with = "percent")]
    threshold: Option<f64>,
    confidence: Option<f64>,
    #[serde(default, deserialize_with = "percent")]
    min_effect: Option<f64>,
    keep: Option<usize>,
    overrides: Option<BTreeMap<String, RawPerfOverride>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerfOverride {
    test: Option<PerfTest>,
    #[serde(default, deserialize_with = "percent")]
    threshold: Option<f64>,
    confidence: Option<f64>,
    #[serde(default, deserialize_with = "percent")]
    min_effect: Option<f64>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => None,
        Some(OneOrMany::One(s)) => Some(vec![s]),
        Some(OneOrMany::Many(v)) => Some(v),
    })
}

/// `10%`, `"10%"`, `10` or `2.5` → percent as a number.
fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum P {
        N(f64),
        S(String),
    }
    let v = match Option::<P>::deserialize(d)? {
        None => return Ok(None),
        Some(P::N(n)) => n,
        Some(P::S(s)) => {
            let t = s.trim();
            t.strip_suffix('%')
                .unwrap_or(t)
                .trim()
                .parse::<f64>()
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "expected a percentage such as `10%`, found `{s}`"
                    ))
                })?
        }
    };
    if !(v.is_finite() && v > 0.0 && v < 10_000.0) {
        return Err(serde::de::Error::custom(format!(
            "percentage must be above 0%, found {v}%"
        )));
    }
    Ok(Some(v))
}

// ---- validated form ----

/// Kanban settings from qgate.yaml.
#[derive(Debug, Clone, Default)]
pub struct KanbanConfig {
    /// `None`: auto-detect.
    pub format: Option<Format>,
    pub tasks: Option<String>,
    /// (status as written, limit, line in qgate.yaml)
    pub wip_limits: Vec<(String, i64, Option<u32>)>,
    /// (from as written, to as written, line in qgate.yaml)
    pub transitions: Vec<(String, Vec<String>, Option<u32>)>,
}

#[derive(Debug, Clone)]
pub struct P0Config {
    /// Lower-cased.
    pub priorities: Vec<String>,
    /// Lower-cased.
    pub labels: Vec<String>,
    /// Lower-cased.
    pub keywords: Vec<String>,
    /// Normalized statuses.
    pub gated: Vec<String>,
    /// Normalized people; empty: anyone but the assignee.
    pub reviewers: Vec<String>,
}

impl Default for P0Config {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        P0Config {
            priorities: s(&["p0", "critical"]),
            labels: s(&["security"]),
            keywords: s(&["security", "vulnerability", "exploit", "cve"]),
            gated: s(&["in_progress", "review", "done"]),
            reviewers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PerfConfig {
    pub results: Vec<String>,
    pub baseline: Vec<String>,
    /// The policy for every benchmark not matched by an override.
    pub policy: crate::perf::Policy,
    /// How many runs `qgate perf record` keeps in the history file.
    pub keep: usize,
    /// (glob over benchmark names, its policy), first match wins.
    pub overrides: Vec<(globset::GlobMatcher, crate::perf::Policy)>,
}

impl PerfConfig {
    /// The policy for the benchmark called `name`.
    pub fn policy_for(&self, name: &str) -> crate::perf::Policy {
        self.overrides
            .iter()
            .find(|(g, _)| g.is_match(name))
            .map_or(self.policy, |(_, p)| *p)
    }
}

impl Default for PerfConfig {
    fn default() -> Self {
        PerfConfig {
            results: Vec::new(),
            baseline: vec![".qgate/perf-history.json".into()],
            policy: crate::perf::Policy {
                test: PerfTest::TTest,
                threshold: 10.0,
                min_effect: 2.0,
                confidence: 0.99,
            },
            keep: 50,
            overrides: Vec::new(),
        }
    }
}

/// Source scanning settings (`scan:`).
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Threat models in effect: which kinds of input are sources (bits of
    /// `scan::rules::model`; `remote` by default).
    pub models: u8,
    /// Notes about the settings (a deprecated key), reported by the scanning checks.
    pub notes: Vec<String>,
    pub max_file_size: u64,
    /// Extra rules per pack name (`python`, `javascript`, `go`, `java`).
    pub rules: HashMap<&'static str, crate::scan::rules::Pack>,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            models: crate::scan::rules::model::REMOTE,
            notes: Vec::new(),
            max_file_size: crate::scan::DEFAULT_MAX_FILE_SIZE,
            rules: HashMap::new(),
        }
    }
}

/// A validated declarative rule.
#[derive(Debug, Clone)]
pub struct RuleConfig {
    pub id: String,
    pub message: String,
    pub level: Level,
    pub paths: globset::GlobSet,
    pub languages: Vec<crate::scan::rules::Lang>,
    /// `true`: a finding per line that matches; `false`: a finding per file that lacks it.
    pub forbid: bool,
    pub regex: regex::Regex,
    /// The pattern as written, for `qgate explain`.
    pub source: String,
}

/// A validated command check.
#[derive(Debug, Clone)]
pub struct CommandConfig {
    pub id: String,
    pub run: Vec<String>,
    pub files: Option<globset::GlobMatcher>,
    pub timeout_secs: f64,
    pub level: Level,
    pub config: serde_json::Value,
    pub description: Option<String>,
}

/// The validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from; `None` when running on defaults.
    pub file: Option<PathBuf>,
    /// Levels set in the file, by check id.
    pub levels: BTreeMap<String, Level>,
    pub exclude: Vec<String>,
    pub kanban: KanbanConfig,
    pub p0: P0Config,
    pub perf: PerfConfig,
    pub scan: ScanConfig,
    pub rules: Vec<RuleConfig>,
    pub commands: Vec<CommandConfig>,
    pub audit: AuditConfig,
    /// Check ids whose findings inline comments may suppress (`suppress.allow`); `None`:
    /// every check but `p0-security-review`, whose review a task's assignee must not waive.
    pub suppress_allow: Option<Vec<String>>,
}

/// Audit trail settings (`audit:`).
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub enabled: bool,
    /// Repository-relative path of the log.
    pub path: String,
    /// Whether transitions without `--apply` are logged too (default: no; a dry run decides
    /// nothing, and hooks that only ask would swell the log).
    pub dry_runs: bool,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            enabled: true,
            path: crate::audit::DEFAULT_PATH.into(),
            dry_runs: false,
        }
    }
}

impl Config {
    /// Whether an inline comment may suppress a finding of check `id`.
    pub fn may_suppress(&self, id: &str) -> bool {
        match &self.suppress_allow {
            Some(list) => list.iter().any(|a| a == id),
            None => id != "p0-security-review",
        }
    }

    /// The level in effect for a check.
    pub fn level_of(&self, id: &str, default: Level) -> Level {
        self.levels.get(id).copied().unwrap_or(default)
    }

    /// Loads `--config FILE` if given, else `qgate.yaml` at `root` if present, else defaults.
    pub fn discover(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = root.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let display = match path.strip_prefix(root) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => path.display().to_string(),
        };
        let fail = |line: Option<u32>, message: String| ConfigError {
            path: display.clone(),
            line,
            column: None,
            key: String::new(),
            message,
        };
        let bytes = std::fs::read(&path)
            .map_err(|e| fail(None, format!("cannot read config file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, col) = crate::fsutil::utf8_error_at(&e);
            fail(
                Some(line),
                format!("not valid UTF-8 (column {col}: the first byte that is not)"),
            )
        })?;
        let mut cfg = Config::parse(&text, &display)?;
        cfg.file = Some(path);
        Ok(cfg)
    }

    /// Parses and validates config text; `display` names the file in errors.
    pub fn parse(text: &str, display: &str) -> Result<Config, ConfigError> {
        let err =
            |line: Option<u32>, column: Option<u32>, key: &str, message: String| ConfigError {
                path: display.to_string(),
                line,
                column,
                key: key.to_string(),
                message,
            };
        let max = crate::text::MAX_YAML_DEPTH;
        if let Some(line) = crate::text::yaml_too_deep(text, max) {
            return Err(err(
                Some(line),
                None,
                "",
                format!("nested deeper than {max} levels"),
            ));
        }
        let raw: RawConfig = if text.trim().is_empty() || is_only_comments(text) {
            RawConfig::default()
        } else {
            let de = yaml_serde::Deserializer::from_str(text);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let key = e.path().to_string();
                // `?` marks a key the parser never finished reading: name its parent instead.
                let key = key.split(".?").next().unwrap_or("").to_string();
                let key = if key == "." || key == "?" {
                    String::new()
                } else {
                    key
                };
                let inner = e.into_inner();
                let loc = inner.location();
                let msg = readable(&key, &kanban::markdown::strip_location(&inner.to_string()));
                err(
                    loc.as_ref().map(|l| l.line() as u32),
                    loc.as_ref().map(|l| l.column() as u32),
                    &key,
                    msg,
                )
            })?
        };

        let mut cfg = Config::default();
        if let Some(on) = raw.audit.enabled {
            cfg.audit.enabled = on;
        }
        if let Some(d) = raw.audit.dry_runs {
            cfg.audit.dry_runs = d;
        }
        if let Some(p) = raw.audit.path {
            if p.trim().is_empty()
                || Path::new(&p).is_absolute()
                || p.split(['/', '\\']).any(|c| c == "..")
            {
                let line = kanban::find_key_line(text, Some("audit:"), "path");
                return Err(err(
                    line,
                    None,
                    "audit.path",
                    format!("`{p}` must be a path inside the repository, relative to its root"),
                ));
            }
            cfg.audit.path = p;
        }
        if let Some(allow) = raw.suppress.allow {
            for id in &allow {
                let known = crate::checks::find(id).is_some()
                    || raw.rules.iter().flatten().any(|r| r.id == *id)
                    || raw.commands.iter().flatten().any(|c| c.id == *id);
                if !known {
                    let line = kanban::find_key_line(text, Some("suppress:"), "allow");
                    return Err(err(
                        line,
                        None,
                        "suppress.allow",
                        format!("`{id}` is no check id (see `qgate checks`)"),
                    ));
                }
            }
            cfg.suppress_allow = Some(allow);
        }
        let c = &raw.checks;
        for (id, level) in [
            ("wip-limit", c.wip_limit),
            ("p0-security-review", c.p0_security_review),
            ("transition-rules", c.transition_rules),
            ("task-format", c.task_format),
            ("path-traversal", c.path_traversal),
            ("input-validation", c.input_validation),
            ("perf-regression", c.perf_regression),
        ] {
            if let Some(l) = level {
                cfg.levels.insert(id.to_string(), l);
            }
        }

        if let Some(ex) = raw.exclude {
            for (i, pat) in ex.iter().enumerate() {
                if let Err(e) = globset::GlobBuilder::new(pat)
                    .literal_separator(true)
                    .build()
                {
                    let line = kanban::find_key_line(text, None, "exclude").map(|l| l + i as u32);
                    return Err(err(
                        line,
                        None,
                        &format!("exclude[{i}]"),
                        format!("invalid glob `{pat}`: {}", e.kind()),
                    ));
                }
            }
            cfg.exclude = ex;
        }

        let k = raw.kanban;
        cfg.kanban.format = match k.format {
            None | Some(RawFormat::Auto) => None,
            Some(RawFormat::Promethean) => Some(Format::Promethean),
            Some(RawFormat::Backlog) => Some(Format::Backlog),
            Some(RawFormat::KanbanMd) => Some(Format::KanbanMd),
            Some(RawFormat::Obsidian) => Some(Format::Obsidian),
        };
        if let Some(t) = k.tasks {
            if t.trim().is_empty() {
                let line = kanban::find_key_line(text, Some("kanban:"), "tasks");
                return Err(err(line, None, "kanban.tasks", "must not be empty".into()));
            }
            cfg.kanban.tasks = Some(t);
        }
        for (status, limit) in k.wip_limits.unwrap_or_default() {
            let line = kanban::find_key_line(text, Some("wip_limits:"), &status);
            if kanban::normalize_status(&status).is_empty() {
                return Err(err(
                    line,
                    None,
                    "kanban.wip_limits",
                    "a status name must not be empty".into(),
                ));
            }
            cfg.kanban.wip_limits.push((status, limit, line));
        }
        for (from, to) in k.transitions.unwrap_or_default() {
            let line = kanban::find_key_line(text, Some("transitions:"), &from);
            if kanban::normalize_status(&from).is_empty()
                || to.iter().any(|t| kanban::normalize_status(t).is_empty())
            {
                return Err(err(
                    line,
                    None,
                    &format!("kanban.transitions.{from}"),
                    "status names must not be empty".into(),
                ));
            }
            cfg.kanban.transitions.push((from, to, line));
        }

        let lower = |v: Vec<String>| {
            v.into_iter()
                .map(|s| s.trim().to_lowercase())
                .collect::<Vec<_>>()
        };
        if let Some(v) = raw.p0.priorities {
            cfg.p0.priorities = lower(v);
        }
        if let Some(v) = raw.p0.labels {
            cfg.p0.labels = lower(v);
        }
        if let Some(v) = raw.p0.keywords {
            // An empty word would be "mentioned" by every title.
            if v.iter().any(|k| k.trim().is_empty()) {
                let line = kanban::find_key_line(text, Some("p0:"), "keywords");
                return Err(err(
                    line,
                    None,
                    "p0.keywords",
                    "a keyword must not be empty".into(),
                ));
            }
            cfg.p0.keywords = lower(v);
        }
        if let Some(v) = raw.p0.gated {
            cfg.p0.gated = v.iter().map(|s| kanban::normalize_status(s)).collect();
        }
        if let Some(v) = raw.p0.reviewers {
            cfg.p0.reviewers = v.iter().map(|s| kanban::normalize_person(s)).collect();
        }

        let p = raw.perf;
        if let Some(v) = p.results {
            cfg.perf.results = v;
        }
        if let Some(v) = p.baseline {
            cfg.perf.baseline = v;
        }
        let confidence = |c: f64, key: &str| -> Result<f64, ConfigError> {
            if c > 0.0 && c < 1.0 {
                return Ok(c);
            }
            let line = kanban::find_key_line(text, Some("perf:"), "confidence");
            Err(err(
                line,
                None,
                key,
                format!("must be between 0 and 1 (exclusive), found {c}"),
            ))
        };
        // The same four settings, at the top of `perf:` and in each override.
        let apply = |pol: &mut crate::perf::Policy,
                     o: &RawPerfOverride,
                     key: &str|
         -> Result<(), ConfigError> {
            if let Some(t) = o.test {
                pol.test = t;
            }
            if let Some(t) = o.threshold {
                pol.threshold = t;
            }
            if let Some(m) = o.min_effect {
                pol.min_effect = m;
            }
            if let Some(c) = o.confidence {
                pol.confidence = confidence(c, &format!("{key}.confidence"))?;
            }
            Ok(())
        };
        let top = RawPerfOverride {
            test: p.test,
            threshold: p.threshold,
            confidence: p.confidence,
            min_effect: p.min_effect,
        };
        apply(&mut cfg.perf.policy, &top, "perf")?;
        if let Some(k) = p.keep {
            if k == 0 {
                let line = kanban::find_key_line(text, Some("perf:"), "keep");
                return Err(err(
                    line,
                    None,
                    "perf.keep",
                    "must keep at least 1 run".into(),
                ));
            }
            cfg.perf.keep = k;
        }
        let base = cfg.perf.policy;
        for (glob, o) in p.overrides.unwrap_or_default() {
            let key = format!("perf.overrides.{glob}");
            let line = kanban::find_key_line(text, Some("overrides:"), &glob);
            let matcher = globset::Glob::new(&glob)
                .map_err(|e| err(line, None, &key, format!("invalid glob: {}", e.kind())))?
                .compile_matcher();
            let mut pol = base;
            apply(&mut pol, &o, &key)?;
            cfg.perf.overrides.push((matcher, pol));
        }
        let mut ids: Vec<String> = Vec::new();
        let mut check_id = |id: &str, key: &str| -> Result<(), ConfigError> {
            let line = kanban::find_key_line(text, Some(key), "id")
                .or_else(|| kanban::find_key_line(text, None, id));
            let kebab = !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !kebab {
                return Err(err(
                    line,
                    None,
                    key,
                    format!("id `{id}` must be kebab-case (a-z, 0-9, -)"),
                ));
            }
            if crate::checks::find(id).is_some()
                || crate::checks::code_doc(id).is_some()
                || ids.iter().any(|x| x == id)
            {
                return Err(err(line, None, key, format!("id `{id}` is already taken")));
            }
            ids.push(id.to_string());
            Ok(())
        };
        for (n, r) in raw.rules.unwrap_or_default().into_iter().enumerate() {
            let key = format!("rules[{n}]");
            check_id(&r.id, "rules:")?;
            let line = kanban::find_key_line(text, Some(&format!("id: {}", r.id)), "pattern")
                .or_else(|| kanban::find_key_line(text, Some("rules:"), "id"));
            let (forbid, pattern) = match (r.pattern, r.not_pattern) {
                (Some(p), None) => (true, p),
                (None, Some(p)) => (false, p),
                _ => {
                    return Err(err(
                        line,
                        None,
                        &key,
                        "a rule needs exactly one of `pattern` or `not_pattern`".into(),
                    ));
                }
            };
            let regex = regex::Regex::new(&pattern)
                .map_err(|e| err(line, None, &key, format!("invalid regex: {e}")))?;
            let mut globs = globset::GlobSetBuilder::new();
            for p in &r.paths {
                let g = globset::GlobBuilder::new(p)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        err(
                            line,
                            None,
                            &key,
                            format!("invalid glob `{p}`: {}", e.kind()),
                        )
                    })?;
                globs.add(g);
            }
            let mut languages = Vec::new();
            for l in &r.languages {
                let lang = match l.as_str() {
                    "python" => crate::scan::rules::Lang::Python,
                    "javascript" => crate::scan::rules::Lang::JavaScript,
                    "typescript" => crate::scan::rules::Lang::TypeScript,
                    "tsx" => crate::scan::rules::Lang::Tsx,
                    "go" => crate::scan::rules::Lang::Go,
                    "java" => crate::scan::rules::Lang::Java,
                    other => {
                        return Err(err(
                            line,
                            None,
                            &key,
                            format!(
                                "unknown language `{other}` (python, javascript, typescript, tsx, go, java)"
                            ),
                        ));
                    }
                };
                languages.push(lang);
            }
            cfg.rules.push(RuleConfig {
                id: r.id,
                message: r.message,
                level: r.level.unwrap_or(Level::Error),
                paths: globs
                    .build()
                    .map_err(|e| err(line, None, &key, e.to_string()))?,
                languages,
                forbid,
                regex,
                source: pattern,
            });
        }
        for (n, c) in raw.commands.unwrap_or_default().into_iter().enumerate() {
            let key = format!("commands[{n}]");
            check_id(&c.id, "commands:")?;
            let line = kanban::find_key_line(text, Some("commands:"), "run");
            if c.run.is_empty() || c.run[0].trim().is_empty() {
                return Err(err(
                    line,
                    None,
                    &key,
                    "`run` must name a program: run: [python3, checks/mine.py]".into(),
                ));
            }
            let files = match &c.files {
                Some(g) => Some(
                    globset::GlobBuilder::new(g)
                        .literal_separator(true)
                        .build()
                        .map_err(|e| {
                            err(
                                line,
                                None,
                                &key,
                                format!("invalid glob `{g}`: {}", e.kind()),
                            )
                        })?
                        .compile_matcher(),
                ),
                None => None,
            };
            let config = match c.config {
                Some(v) => {
                    serde_json::to_value(&v).map_err(|e| err(line, None, &key, e.to_string()))?
                }
                None => serde_json::Value::Null,
            };
            cfg.commands.push(CommandConfig {
                id: c.id,
                run: c.run,
                files,
                timeout_secs: c.timeout.unwrap_or(60.0),
                level: c.level.unwrap_or(Level::Error),
                config,
                description: c.description,
            });
        }
        let sc = raw.scan;
        if let Some(models) = &sc.threat_models {
            let mut bits = 0u8;
            for m in models {
                match crate::scan::rules::model::bits(m) {
                    Some(b) => bits |= b,
                    None => {
                        let line = kanban::find_key_line(text, Some("scan:"), "threat_models");
                        return Err(err(
                            line,
                            None,
                            "scan.threat_models",
                            format!(
                                "unknown threat model `{m}`; expected one of: {}",
                                crate::scan::rules::model::NAMES.join(", ")
                            ),
                        ));
                    }
                }
            }
            cfg.scan.models = bits;
        }
        if let Some(e) = sc.env_sources {
            if e {
                cfg.scan.models |= crate::scan::rules::model::ENVIRONMENT;
            }
            cfg.scan.notes.push(
                "`scan.env_sources` is deprecated: write `scan.threat_models: [remote, environment]` (or `[remote, local]` for every local source)".into(),
            );
        }
        if let Some(m) = sc.max_file_size {
            cfg.scan.max_file_size = m;
        }
        for (lang, pack) in sc.rules.unwrap_or_default() {
            let name = match lang {
                RawLang::Python => "python",
                RawLang::Javascript | RawLang::Typescript => "javascript",
                RawLang::Go => "go",
                RawLang::Java => "java",
            };
            cfg.scan.rules.entry(name).or_default().extend(pack);
        }
        Ok(cfg)
    }
}

/// serde's messages repeat the key and name our internal types; say it for people.
fn readable(key: &str, msg: &str) -> String {
    let msg = msg.strip_prefix(&format!("{key}: ")).unwrap_or(msg);
    // libyaml puts its own location mid-sentence; ours is already in front.
    let mut msg = msg.to_string();
    while let Some(i) = msg.find(" at line ") {
        let tail = &msg[i + " at line ".len()..];
        let Some(col) = tail.find(" column ") else {
            break;
        };
        let digits = tail[col + " column ".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        let end = i + " at line ".len() + col + " column ".len() + digits;
        msg.replace_range(i..end, "");
    }
    let msg = msg.as_str();
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("struct Raw") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "struct Raw".len()..];
        let end = after
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(after.len());
        out.push_str("a mapping");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn is_only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    })
}

/// The commented template written by `qgate init`; every option at its default.
pub const TEMPLATE: &str = include_str!("../qgate.template.yaml");

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> ConfigError {
        Config::parse(text, "qgate.yaml").unwrap_err()
    }

    #[test]
    fn the_template_shows_every_section() {
        // Every top-level key of the schema (RawConfig's fields, as deny_unknown_fields names
        // them in its error) appears in the template, set or commented.
        let e = parse_err("no_such_section: 1\n");
        let expected = e
            .message
            .split("expected one of ")
            .nth(1)
            .unwrap_or_default();
        let keys: Vec<&str> = expected
            .split(", ")
            .map(|k| k.trim().trim_start_matches("or ").trim_matches('`'))
            .collect();
        assert!(keys.len() >= 10, "{keys:?} from {e}");
        for k in keys {
            let set = TEMPLATE.lines().any(|l| l.starts_with(&format!("{k}:")));
            let commented = TEMPLATE.lines().any(|l| l.starts_with(&format!("# {k}:")));
            assert!(set || commented, "the template lacks `{k}:`");
        }
    }

    #[test]
    fn template_is_valid_and_defaults_hold() {
        let cfg = Config::parse(TEMPLATE, "qgate.template.yaml").unwrap();
        assert_eq!(cfg.perf.policy.threshold, 10.0);
        assert_eq!(cfg.p0.gated, vec!["in_progress", "review", "done"]);
        assert!(Config::parse("", "x").unwrap().levels.is_empty());
        assert!(
            Config::parse("# only a comment\n", "x")
                .unwrap()
                .levels
                .is_empty()
        );
    }

    #[test]
    fn unknown_keys_name_line_and_path() {
        let e = parse_err("kanban:\n  format: auto\n  wip_limit:\n    review: 2\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert_eq!(e.key, "kanban.wip_limit");
        assert!(e.message.contains("unknown field `wip_limit`"), "{e}");
        let e = parse_err("checks:\n  wip-limit: fatal\n");
        assert_eq!(
            (e.line, e.key.as_str()),
            (Some(2), "checks.wip-limit"),
            "{e}"
        );
        let e = parse_err("kanban:\n  wip_limits:\n    review: two\n");
        assert_eq!(
            (e.line, e.key.as_str()),
            (Some(3), "kanban.wip_limits.review"),
            "{e}"
        );
        let e = parse_err("checks:\n  nope: error\n");
        assert!(e.message.contains("unknown field `nope`"), "{e}");
    }

    #[test]
    fn percentages_and_confidence_are_checked() {
        let threshold = |y: &str| Config::parse(y, "x").unwrap().perf.policy.threshold;
        assert_eq!(threshold("perf:\n  threshold: 5%\n"), 5.0);
        assert_eq!(threshold("perf:\n  threshold: 7\n"), 7.0);
        let cfg = Config::parse(
            "perf:\n  threshold: 5%\n  overrides:\n    \"io/*\":\n      threshold: 25%\n",
            "x",
        )
        .unwrap();
        assert_eq!(cfg.perf.policy_for("io/read").threshold, 25.0);
        assert_eq!(cfg.perf.policy_for("parse").threshold, 5.0);
        let e = parse_err("perf:\n  threshold: lots\n");
        assert_eq!(e.key, "perf.threshold", "{e}");
        let e = parse_err("perf:\n  confidence: 1.5\n");
        assert_eq!(
            (e.line, e.key.as_str()),
            (Some(2), "perf.confidence"),
            "{e}"
        );
    }
}
