//! promethean boards: `promethean.kanban.json` (tasksDir, statusValues, wipLimits,
//! transitionRules) and front-matter task files identified by `uuid`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Board, Format, LoadError, Origin, Rule, find_key_line, normalize_status};

pub const DEFAULT_TASKS: &str = "docs/agile/tasks";

#[derive(Deserialize, Default)]
struct RawBoard {
    #[serde(rename = "tasksDir")]
    tasks_dir: Option<String>,
    #[serde(rename = "statusValues", default)]
    status_values: Vec<String>,
    #[serde(rename = "wipLimits", default)]
    wip_limits: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "transitionRules")]
    transition_rules: Option<RawRules>,
}

#[derive(Deserialize)]
struct RawRules {
    #[serde(default)]
    enabled: bool,
    enforcement: Option<String>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
struct RawRule {
    #[serde(deserialize_with = "strings")]
    from: Vec<String>,
    #[serde(deserialize_with = "strings")]
    to: Vec<String>,
}

/// promethean writes lists; a single string is accepted as a list of one.
fn strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum S {
        One(String),
        Many(Vec<String>),
    }
    Ok(match S::deserialize(d)? {
        S::One(s) => vec![s],
        S::Many(v) => v,
    })
}

pub fn load(
    env: &super::Env<'_>,
    marker: Option<&str>,
    tasks: Option<&str>,
) -> Result<Board, LoadError> {
    let root = env.root;
    let (raw, text) = match marker {
        Some(m) => {
            let text = crate::fsutil::read_text(&root.join(m)).map_err(|message| LoadError {
                path: m.to_string(),
                line: None,
                message,
            })?;
            // Editors on Windows may write a byte-order mark; JSON parsers refuse it.
            let json = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let raw: RawBoard = serde_json::from_str(json).map_err(|e| LoadError {
                path: m.to_string(),
                line: Some(e.line() as u32),
                message: format!("invalid board config: {e}"),
            })?;
            (raw, text)
        }
        None => (RawBoard::default(), String::new()),
    };
    let dir = tasks
        .map(str::to_string)
        .or(raw.tasks_dir.clone())
        .unwrap_or_else(|| DEFAULT_TASKS.to_string());
    let mut board = Board::new(Format::Promethean, dir.clone());
    board.config_file = marker.map(str::to_string);
    board.statuses = raw.status_values;
    if let Some(m) = marker {
        for (status, value) in raw.wip_limits {
            let line = find_key_line(&text, Some("\"wipLimits\""), &status);
            let limit = value
                .as_i64()
                .or_else(|| {
                    value
                        .as_f64()
                        .filter(|f| f.fract() == 0.0)
                        .map(|f| f as i64)
                })
                .ok_or_else(|| LoadError {
                    path: m.to_string(),
                    line,
                    message: format!("wipLimits.{status} must be a whole number, found {value}"),
                })?;
            let origin = Origin {
                path: m.to_string(),
                line,
            };
            board.wip_limits.insert(
                normalize_status(&status),
                super::Limit {
                    status,
                    limit,
                    origin,
                },
            );
        }
        if let Some(rules) = raw.transition_rules {
            let off = rules
                .enforcement
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("disabled"));
            let warn_only = rules
                .enforcement
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("warn"));
            if rules.enabled && !off {
                let line = find_key_line(&text, None, "transitionRules");
                for rule in rules.rules {
                    for from in &rule.from {
                        let entry = board
                            .transitions
                            .entry(normalize_status(from))
                            .or_insert_with(|| Rule {
                                to: Vec::new(),
                                origin: Origin {
                                    path: m.to_string(),
                                    line,
                                },
                                warn_only,
                            });
                        for to in &rule.to {
                            let n = normalize_status(to);
                            if !entry.to.contains(&n) {
                                entry.to.push(n);
                            }
                        }
                    }
                }
            }
        }
    }
    super::taskfile::load_dir(env, &dir, &["uuid", "id"], &mut board)?;
    Ok(board)
}
