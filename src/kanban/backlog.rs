//! Backlog.md boards: `backlog/config.yml` (statuses) and `backlog/tasks/*.md` with ids such
//! as `TASK-12` or `BACK-367`. WIP limits come from qgate.yaml only.

use std::path::Path;

use super::{Board, Format, LoadError};

pub const DEFAULT_TASKS: &str = "backlog/tasks";
pub const DEFAULT_STATUSES: [&str; 3] = ["To Do", "In Progress", "Done"];

pub fn load(
    env: &super::Env<'_>,
    marker: Option<&str>,
    tasks: Option<&str>,
) -> Result<Board, LoadError> {
    let root = env.root;
    let dir = tasks.unwrap_or(DEFAULT_TASKS).to_string();
    let mut board = Board::new(Format::Backlog, dir.clone());
    board.config_file = marker.map(str::to_string);
    board.statuses = DEFAULT_STATUSES.iter().map(|s| s.to_string()).collect();
    if let Some(m) = marker {
        let map = read_yaml_map(root, m)?;
        if let Some(v) = map.get("statuses").filter(|v| !v.is_null()) {
            board.statuses = string_list(v).ok_or_else(|| LoadError {
                path: m.to_string(),
                line: super::find_key_line(
                    &crate::fsutil::read_text(&root.join(m)).unwrap_or_default(),
                    None,
                    "statuses",
                ),
                message: "`statuses` must be a list of strings".into(),
            })?;
        }
    }
    super::taskfile::load_dir(env, &dir, &["id"], &mut board)?;
    Ok(board)
}

/// Reads a board's YAML config file into a mapping; errors name the file and line.
pub(crate) fn read_yaml_map(root: &Path, rel: &str) -> Result<yaml_serde::Mapping, LoadError> {
    let text = crate::fsutil::read_text(&root.join(rel)).map_err(|message| LoadError {
        path: rel.to_string(),
        line: None,
        message,
    })?;
    let max = crate::text::MAX_YAML_DEPTH;
    if let Some(line) = crate::text::yaml_too_deep(&text, max) {
        return Err(LoadError {
            path: rel.to_string(),
            line: Some(line),
            message: format!("nested deeper than {max} levels"),
        });
    }
    match yaml_serde::from_str::<yaml_serde::Value>(&text) {
        Ok(yaml_serde::Value::Mapping(m)) => Ok(m),
        Ok(yaml_serde::Value::Null) => Ok(yaml_serde::Mapping::new()),
        Ok(_) => Err(LoadError {
            path: rel.to_string(),
            line: Some(1),
            message: "board config must be a mapping".into(),
        }),
        Err(e) => Err(LoadError {
            path: rel.to_string(),
            line: e.location().map(|l| l.line() as u32),
            message: format!(
                "invalid board config: {}",
                super::markdown::strip_location(&e.to_string())
            ),
        }),
    }
}

/// A list of strings, where each item may also be a mapping with a `name` (kanban-md v7+).
pub(crate) fn string_list(v: &yaml_serde::Value) -> Option<Vec<String>> {
    let items = v.as_sequence()?;
    items
        .iter()
        .map(|item| match item {
            yaml_serde::Value::String(s) => Some(s.clone()),
            yaml_serde::Value::Mapping(m) => {
                m.get("name").and_then(|n| n.as_str()).map(str::to_string)
            }
            _ => None,
        })
        .collect()
}
