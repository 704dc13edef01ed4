//! The kanban model: one `Task` and one `Board` shape for every board format qgate reads.
//!
//! Format modules ([`promethean`], [`backlog`], [`kanban_md`], [`obsidian`]) only read their
//! own files into this model; the checks never know which format a board came from.

pub mod backlog;
pub mod cache;
pub mod detect;
pub mod edit;
pub mod kanban_md;
pub mod markdown;
pub mod obsidian;
pub mod promethean;
pub mod status;
mod taskfile;

pub use taskfile::parse as parse_task_file;

#[cfg(test)]
mod robustness;

use std::collections::BTreeMap;
use std::fmt;

pub use detect::{Source, detect};
pub use status::{normalize_person, normalize_status, priority_rank};

use crate::suppress::Directive;

/// The board formats qgate reads natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Promethean,
    Backlog,
    KanbanMd,
    Obsidian,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Promethean => "promethean",
            Format::Backlog => "backlog",
            Format::KanbanMd => "kanban-md",
            Format::Obsidian => "obsidian",
        })
    }
}

/// A status as written and as compared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    pub raw: String,
    pub norm: String,
}

impl Status {
    pub fn new(raw: &str) -> Self {
        Status {
            raw: raw.to_string(),
            norm: normalize_status(raw),
        }
    }
}

/// A security sign-off written in the front matter (`security_review:`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignOff {
    pub reviewer: String,
    pub verdict: Option<String>,
    pub line: u32,
}

/// One task, whatever board it came from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Task {
    pub id: Option<String>,
    pub title: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<String>,
    /// Labels and tags together, as written.
    pub labels: Vec<String>,
    /// Assignees as written (a leading `@` kept; compare with [`normalize_person`]).
    pub assignees: Vec<String>,
    /// Sign-offs from the front matter; section sign-offs are read from [`Task::sections`].
    pub signoffs: Vec<SignOff>,
    /// Repository-relative path of the file that holds the task, `/`-separated.
    pub path: String,
    /// 1-based line where the task starts (1 for a task file, the card line for a card).
    pub line: u32,
    /// 1-based line of each front-matter key, for pointing findings at the right place.
    pub field_lines: Vec<(String, u32)>,
    /// The Markdown that holds the task's sections: the task file, or an Obsidian card's
    /// linked note.
    pub doc: Option<Doc>,
}

/// The Markdown document behind a task. Its text is kept when the file was just parsed and
/// read again on demand when the task came from the cache: only the checks that need a
/// task's sections (P0 tasks) pay for it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Doc {
    /// Repository-relative path of the document.
    pub path: String,
    #[serde(skip)]
    pub text: Option<String>,
    pub body_offset: usize,
    pub body_line: u32,
}

impl Doc {
    /// The document's text: the one in memory, or the file read now.
    pub fn load(&self, root: &std::path::Path) -> Option<std::borrow::Cow<'_, str>> {
        match &self.text {
            Some(t) => Some(std::borrow::Cow::Borrowed(t)),
            None => crate::fsutil::read_text(&root.join(&self.path))
                .ok()
                .map(std::borrow::Cow::Owned),
        }
    }

    /// Sections of `text` (this document's text) by heading.
    pub fn sections(&self, text: &str) -> Vec<markdown::Section> {
        if text.get(self.body_offset..).is_none() {
            return Vec::new();
        }
        markdown::sections(text, self.body_offset, self.body_line)
    }
}

impl Task {
    /// The line of a front-matter key, or the task's own line.
    pub fn line_of(&self, key: &str) -> u32 {
        self.field_lines
            .iter()
            .find(|(k, _)| k == key)
            .map_or(self.line, |(_, l)| *l)
    }

    /// The id as displayed, or a stand-in naming the file.
    pub fn display_id(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => format!("({})", self.path),
        }
    }

    pub fn status_norm(&self) -> Option<&str> {
        self.status.as_ref().map(|s| s.norm.as_str())
    }

    pub fn priority_rank(&self) -> Option<u32> {
        self.priority.as_deref().and_then(priority_rank)
    }

    /// Whether `query` names this task: ids compare case-insensitively, and numeric ids
    /// compare by number (`4` names `004`; Backlog's `7` names `TASK-7`).
    pub fn id_matches(&self, query: &str) -> bool {
        let Some(id) = &self.id else { return false };
        let (q, i) = (query.trim(), id.trim());
        if q.eq_ignore_ascii_case(i) {
            return true;
        }
        if let Ok(qn) = q.parse::<u64>() {
            let digits = i.rsplit_once('-').map_or(i, |(_, n)| n);
            return digits.parse::<u64>().is_ok_and(|n| n == qn);
        }
        false
    }
}

/// Where a WIP limit or a transition rule was written, so a finding can point there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub path: String,
    pub line: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Limit {
    /// The status as written where the limit was set.
    pub status: String,
    pub limit: i64,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// Normalized statuses this status may move to.
    pub to: Vec<String>,
    pub origin: Origin,
    /// The board asks for a warning, not a refusal (promethean `enforcement: warn`).
    pub warn_only: bool,
}

/// A task file that could not be read into a task, or a task missing something.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub code: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub subject: Option<String>,
}

/// The codes a [`Problem`] can carry (all `task-format` codes).
pub const PROBLEM_CODES: &[&str] = &[
    "task-front-matter-invalid",
    "task-missing-field",
    "task-field-invalid",
    "task-unreadable",
    "task-duplicate-id",
];

/// The `&'static` form of a problem code (codes are documented statics).
pub fn problem_code(code: &str) -> &'static str {
    PROBLEM_CODES
        .iter()
        .copied()
        .find(|c| *c == code)
        .unwrap_or("task-front-matter-invalid")
}

/// Everything the kanban checks look at.
#[derive(Debug, Clone)]
pub struct Board {
    pub format: Format,
    /// The tasks directory, or the board file for Obsidian.
    pub location: String,
    /// The board's own configuration file (the marker), if any.
    pub config_file: Option<String>,
    /// Statuses declared by the board, as written, in board order.
    pub statuses: Vec<String>,
    /// Normalized status → limit; qgate.yaml's limits are merged over the board's.
    pub wip_limits: BTreeMap<String, Limit>,
    /// Normalized status → where it may move; qgate.yaml's rules are merged over the board's.
    pub transitions: BTreeMap<String, Rule>,
    pub tasks: Vec<Task>,
    pub problems: Vec<Problem>,
    /// Every file the board was read from (task files, linked notes, the board file).
    pub files: Vec<String>,
    /// Suppression directives per file, for files that have any.
    pub directives: BTreeMap<String, Vec<Directive>>,
    /// What a reader should know about how the board was found.
    pub notes: Vec<String>,
}

impl Board {
    pub fn new(format: Format, location: String) -> Self {
        Board {
            format,
            location,
            config_file: None,
            statuses: Vec::new(),
            wip_limits: BTreeMap::new(),
            transitions: BTreeMap::new(),
            tasks: Vec::new(),
            problems: Vec::new(),
            files: Vec::new(),
            directives: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// A status is known when the board declares it, or qgate.yaml names it as a key of
    /// `kanban.transitions` or `kanban.wip_limits` (merged into the maps here).
    pub fn is_known_status(&self, norm: &str) -> bool {
        self.statuses.iter().any(|s| normalize_status(s) == norm)
            || self.transitions.contains_key(norm)
            || self.wip_limits.contains_key(norm)
    }

    /// Whether the board declares any status at all (if not, nothing is "unknown").
    pub fn has_declared_statuses(&self) -> bool {
        !self.statuses.is_empty() || !self.transitions.is_empty() || !self.wip_limits.is_empty()
    }

    /// The board's own spelling of a status, for writing it back into a file.
    pub fn spelling_of(&self, norm: &str) -> Option<&str> {
        self.statuses
            .iter()
            .find(|s| normalize_status(s) == norm)
            .map(String::as_str)
    }

    /// Tasks currently in `norm`.
    pub fn tasks_in<'a>(&'a self, norm: &'a str) -> impl Iterator<Item = &'a Task> + 'a {
        self.tasks
            .iter()
            .filter(move |t| t.status_norm() == Some(norm))
    }

    /// The effective limit for a status: `None` when unlimited (absent, or <= 0).
    pub fn limit_for(&self, norm: &str) -> Option<&Limit> {
        self.wip_limits.get(norm).filter(|l| l.limit > 0)
    }

    /// Finds the tasks a user means by `query` (an id, or for Obsidian the card text).
    pub fn find(&self, query: &str) -> Vec<usize> {
        let exact: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| self.tasks[i].id_matches(query))
            .collect();
        if !exact.is_empty() || self.format != Format::Obsidian {
            return exact;
        }
        // Obsidian cards are named by their text; accept a unique prefix or wiki-link target.
        let q = query.trim().to_lowercase();
        (0..self.tasks.len())
            .filter(|&i| {
                let id = self.tasks[i].id.as_deref().unwrap_or("").to_lowercase();
                id.starts_with(&q)
                    || id.contains(&format!("[[{q}]]"))
                    || id.contains(&format!("[[{q}|"))
            })
            .collect()
    }
}

/// What the loaders need besides their own files: the root, the excludes, and where the
/// parsed-task cache lives (`None`: no cache).
pub struct Env<'a> {
    pub root: &'a std::path::Path,
    pub exclude: &'a crate::workspace::Exclude,
    pub cache: Option<&'a std::path::Path>,
    /// Staged content to read instead of the work tree (`--staged`).
    pub overlay: Option<&'a std::collections::HashMap<String, Vec<u8>>>,
}

/// A board that could not be read at all (its own config file is broken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.path, l, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// The 1-based line of the first `"key"` (JSON) or `key:` (YAML) after `after` in `text`.
pub fn find_key_line(text: &str, after: Option<&str>, key: &str) -> Option<u32> {
    let start = match after {
        Some(a) => text.find(a)? + a.len(),
        None => 0,
    };
    let rest = &text[start..];
    let quoted = format!("\"{key}\"");
    let mut best: Option<usize> = rest.find(&quoted);
    for (off, line) in markdown::lines_with_offsets(rest) {
        let t = line.trim_start();
        let t = t.strip_prefix('-').map_or(t, str::trim_start);
        let bare = t.trim_start_matches(['"', '\'']);
        if let Some(after_key) = bare.strip_prefix(key) {
            let after_key = after_key.trim_start_matches(['"', '\'']);
            if after_key.starts_with(':') {
                best = Some(best.map_or(off, |b| b.min(off)));
                break;
            }
        }
    }
    best.map(|b| 1 + text[..start + b].matches('\n').count() as u32)
}

/// The normalized `status` of a front-matter task text, if it has one.
pub fn status_in(text: &str) -> Option<String> {
    let split = markdown::split(text).ok()??;
    let map = markdown::parse_yaml(&split).ok()?;
    let v = map.get("status")?;
    let raw = match v {
        yaml_serde::Value::String(s) => s.clone(),
        yaml_serde::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(normalize_status(&raw))
}

/// Whether `rel` (a path the board's settings name) stays inside the repository at `root`:
/// relative, not climbing out with `..`, and — where it exists — not resolving out of it
/// through a link. The error says why, to follow the setting's name.
pub fn inside_repo(root: &std::path::Path, rel: &str) -> Result<(), String> {
    use std::path::Component;
    let p = std::path::Path::new(rel);
    let mut depth = 0i32;
    for c in p.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::ParentDir => depth -= 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(
                    "is an absolute path; board paths are relative to the repository".into(),
                );
            }
        }
        if depth < 0 {
            return Err("leads outside the repository".into());
        }
    }
    match crate::fsutil::resolve(root, &root.join(p)) {
        Ok((real, false)) => Err(format!(
            "resolves to {}, outside the repository (through a link)",
            real.display()
        )),
        _ => Ok(()),
    }
}

/// Finds and reads the board. `Ok(None)`: there is no board in this repository.
/// `tree`: the files of the work tree, for boards found by their content (Obsidian).
pub fn load<'t>(
    root: &std::path::Path,
    cfg: &crate::config::Config,
    exclude: &crate::workspace::Exclude,
    cache: Option<&std::path::Path>,
    overlay: Option<&std::collections::HashMap<String, Vec<u8>>>,
    tree: &dyn Fn() -> &'t crate::listing::Tree,
) -> Result<Option<Board>, LoadError> {
    let Some(src) = detect(
        root,
        cfg.kanban.format,
        cfg.kanban.tasks.as_deref(),
        exclude,
        tree,
    )?
    else {
        return Ok(None);
    };
    let marker = src.marker.as_deref();
    let tasks = src.tasks_override.as_deref();
    if let Some(t) = tasks
        && let Err(why) = inside_repo(root, t)
    {
        let path = cfg.file.as_deref().map_or_else(
            || crate::config::FILE_NAME.to_string(),
            |f| crate::fsutil::rel_path(root, f),
        );
        return Err(LoadError {
            path,
            line: None,
            message: format!("kanban.tasks `{t}` {why}"),
        });
    }
    // Staged content is not what the cache describes: bypass it.
    let cache = if overlay.is_some() { None } else { cache };
    let env = Env {
        root,
        exclude,
        cache,
        overlay,
    };
    let mut board = match src.format {
        Format::Promethean => promethean::load(&env, marker, tasks)?,
        Format::Backlog => backlog::load(&env, marker, tasks)?,
        Format::KanbanMd => kanban_md::load(&env, marker, tasks)?,
        Format::Obsidian => {
            let file = tasks.or(marker).ok_or_else(|| LoadError {
                path: crate::config::FILE_NAME.into(),
                line: None,
                message: "an Obsidian board needs kanban.tasks to name the board file".into(),
            })?;
            obsidian::load(&env, file)?
        }
    };
    board.notes.extend(src.notes);
    let cfg_path = cfg.file.as_deref().map_or_else(
        || crate::config::FILE_NAME.to_string(),
        |f| crate::fsutil::rel_path(root, f),
    );
    for (status, limit, line) in &cfg.kanban.wip_limits {
        let origin = Origin {
            path: cfg_path.clone(),
            line: *line,
        };
        board.wip_limits.insert(
            normalize_status(status),
            Limit {
                status: status.clone(),
                limit: *limit,
                origin,
            },
        );
    }
    for (from, to, line) in &cfg.kanban.transitions {
        let origin = Origin {
            path: cfg_path.clone(),
            line: *line,
        };
        let to = to.iter().map(|t| normalize_status(t)).collect();
        board.transitions.insert(
            normalize_status(from),
            Rule {
                to,
                origin,
                warn_only: false,
            },
        );
    }
    Ok(Some(board))
}
