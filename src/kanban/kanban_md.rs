//! kanban-md boards: `kanban/config.yml` (tasks_dir, statuses, wip_limits) and numbered
//! front-matter task files.

use std::path::Path;

use super::backlog::{read_yaml_map, string_list};
use super::{Board, Format, Limit, LoadError, Origin, find_key_line, normalize_status};

pub const DEFAULT_TASKS: &str = "kanban/tasks";

pub fn load(
    env: &super::Env<'_>,
    marker: Option<&str>,
    tasks: Option<&str>,
) -> Result<Board, LoadError> {
    let root = env.root;
    let mut dir = tasks.map(str::to_string);
    let mut board = Board::new(Format::KanbanMd, String::new());
    board.config_file = marker.map(str::to_string);
    if let Some(m) = marker {
        let map = read_yaml_map(root, m)?;
        let text = crate::fsutil::read_text(&root.join(m)).unwrap_or_default();
        let bad = |key: &str, what: &str| LoadError {
            path: m.to_string(),
            line: find_key_line(&text, None, key),
            message: format!("`{key}` must be {what}"),
        };
        let base = Path::new(m)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if dir.is_none() {
            let td = match map.get("tasks_dir") {
                Some(v) => v
                    .as_str()
                    .ok_or_else(|| bad("tasks_dir", "a string"))?
                    .to_string(),
                None => "tasks".into(),
            };
            dir = Some(if base.is_empty() {
                td
            } else {
                format!("{base}/{td}")
            });
        }
        if let Some(v) = map.get("statuses").filter(|v| !v.is_null()) {
            board.statuses = string_list(v).ok_or_else(|| bad("statuses", "a list of names"))?;
        }
        if let Some(v) = map.get("wip_limits").filter(|v| !v.is_null()) {
            let limits = v
                .as_mapping()
                .ok_or_else(|| bad("wip_limits", "a mapping of status to number"))?;
            for (k, v) in limits {
                let status = k
                    .as_str()
                    .ok_or_else(|| bad("wip_limits", "a mapping of status to number"))?;
                let limit = v.as_i64().ok_or_else(|| bad(status, "a whole number"))?;
                let origin = Origin {
                    path: m.to_string(),
                    line: find_key_line(&text, Some("wip_limits:"), status),
                };
                board.wip_limits.insert(
                    normalize_status(status),
                    Limit {
                        status: status.to_string(),
                        limit,
                        origin,
                    },
                );
            }
        }
    }
    let dir = dir.unwrap_or_else(|| DEFAULT_TASKS.to_string());
    board.location = dir.clone();
    super::taskfile::load_dir(env, &dir, &["id"], &mut board)?;
    Ok(board)
}
