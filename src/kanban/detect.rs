//! Finding the board: by the marker files of each format, unless qgate.yaml names it.

use std::io::Read;
use std::path::Path;

use super::{Format, LoadError};
use crate::workspace::Exclude;

pub const PROMETHEAN_MARKER: &str = "promethean.kanban.json";
pub const BACKLOG_MARKER: &str = "backlog/config.yml";
pub const KANBAN_MD_MARKER: &str = "kanban/config.yml";
/// How deep below the root Obsidian board files are looked for.
const OBSIDIAN_DEPTH: usize = 4;

/// Where a board lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub format: Format,
    /// The format's own config file, repository-relative, if present.
    pub marker: Option<String>,
    /// qgate.yaml's `kanban.tasks`, overriding the format's own location.
    pub tasks_override: Option<String>,
    pub notes: Vec<String>,
}

/// Finds the board. `Ok(None)`: no board here (the kanban checks then pass with a note).
/// `tree`: the work tree's files (see [`crate::workspace::Workspace::tree`]).
pub fn detect<'t>(
    root: &Path,
    format: Option<Format>,
    tasks: Option<&str>,
    exclude: &Exclude,
    tree: &dyn Fn() -> &'t crate::listing::Tree,
) -> Result<Option<Source>, LoadError> {
    let marker_of = |f: Format| -> Option<String> {
        let m = match f {
            Format::Promethean => PROMETHEAN_MARKER,
            Format::Backlog => BACKLOG_MARKER,
            Format::KanbanMd => KANBAN_MD_MARKER,
            Format::Obsidian => return None,
        };
        root.join(m).is_file().then(|| m.to_string())
    };
    let tasks_override = tasks.map(|t| t.trim_end_matches('/').to_string());

    if let Some(format) = format {
        let mut marker = marker_of(format);
        if format == Format::Obsidian && tasks_override.is_none() {
            marker = obsidian_boards(root, tree().files(), exclude)
                .into_iter()
                .next();
            if marker.is_none() {
                return Err(LoadError {
                    path: "qgate.yaml".into(),
                    line: None,
                    message: "kanban.format is obsidian but no board file (a .md file with `kanban-plugin:` front matter) was found; set kanban.tasks to the board file".into(),
                });
            }
        }
        return Ok(Some(Source {
            format,
            marker,
            tasks_override,
            notes: Vec::new(),
        }));
    }

    if let Some(t) = &tasks_override {
        let abs = root.join(t);
        if abs.is_file() {
            return Ok(Some(Source {
                format: Format::Obsidian,
                marker: None,
                tasks_override: tasks_override.clone(),
                notes: Vec::new(),
            }));
        }
    }

    let mut found: Vec<(Format, String)> = Vec::new();
    for f in [Format::Promethean, Format::Backlog, Format::KanbanMd] {
        if let Some(m) = marker_of(f) {
            found.push((f, m));
        }
    }
    if found.is_empty() && tasks_override.is_none() {
        found.extend(
            obsidian_boards(root, tree().files(), exclude)
                .into_iter()
                .map(|b| (Format::Obsidian, b)),
        );
    }
    let Some((format, marker)) = found.first().cloned() else {
        // A tasks directory named in qgate.yaml without any marker: plain front-matter tasks.
        return Ok(tasks_override.map(|t| Source {
            format: Format::Promethean,
            marker: None,
            tasks_override: Some(t),
            notes: vec![
                "no board config file found; reading kanban.tasks as front-matter task files"
                    .into(),
            ],
        }));
    };
    let mut notes = Vec::new();
    if found.len() > 1 {
        let others: Vec<&str> = found[1..].iter().map(|(_, m)| m.as_str()).collect();
        notes.push(format!(
            "found more than one board; using {marker} ({format}), ignoring {}; set kanban.format to choose",
            others.join(", ")
        ));
    }
    let (marker, tasks_override) = if format == Format::Obsidian {
        (None, Some(marker))
    } else {
        (Some(marker), tasks_override)
    };
    Ok(Some(Source {
        format,
        marker,
        tasks_override,
        notes,
    }))
}

/// Markdown files near the root (at most `OBSIDIAN_DEPTH` levels down) among `files` whose
/// front matter has a `kanban-plugin:` key, sorted.
fn obsidian_boards<'a>(
    root: &Path,
    files: impl Iterator<Item = &'a str>,
    exclude: &Exclude,
) -> Vec<String> {
    let mut out: Vec<String> = files
        .filter(|rel| {
            rel.ends_with(".md")
                && rel.matches('/').count() < OBSIDIAN_DEPTH
                && !exclude.is_excluded(rel)
                && is_obsidian_board(&root.join(rel))
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

/// Reads at most the first 4 KiB: a board declares `kanban-plugin:` in its front matter.
fn is_obsidian_board(path: &Path) -> bool {
    let mut head = Vec::with_capacity(4096);
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return false;
    }
    for line in lines {
        let t = line.trim_end();
        if t == "---" {
            return false;
        }
        if t.starts_with("kanban-plugin:") {
            return true;
        }
    }
    false
}
