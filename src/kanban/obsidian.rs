//! Obsidian Kanban boards: one Markdown file with `kanban-plugin:` front matter, a heading
//! per lane (`## Doing (3)`: a limit of 3), a list item per card. A card that links a note
//! (`[[Note]]`) takes its front matter and sections from that note.

use std::path::Path;

use super::markdown::{self, lines_with_offsets};
use super::{
    Board, Format, Limit, LoadError, Origin, Problem, Status, Task, normalize_status, priority_rank,
};
use crate::fsutil;
use crate::suppress;

/// A lane heading's title and its `(N)` limit, if any.
pub fn lane_title(heading: &str) -> (&str, Option<i64>) {
    let h = heading.trim();
    if let Some(open) = h.rfind('(')
        && let Some(inner) = h[open + 1..].strip_suffix(')')
        && !inner.is_empty()
        && inner.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = inner.parse::<i64>()
    {
        return (h[..open].trim_end(), Some(n));
    }
    (h, None)
}

/// A card line: `- [ ] text` or `- [x] text` → the text.
pub fn card_text(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix("- [")
        .or_else(|| line.strip_prefix("* ["))?;
    let mut chars = rest.char_indices();
    let (_, _check) = chars.next()?;
    let (close, c) = chars.next()?;
    if c != ']' {
        return None;
    }
    Some(rest[close + 1..].trim())
}

/// Where the lanes end: the settings block or the archive separator.
pub fn is_board_end(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("%% kanban:settings") || t == "***"
}

pub fn load(env: &super::Env<'_>, board_file: &str) -> Result<Board, LoadError> {
    let root = env.root;
    let text = fsutil::read_text(&root.join(board_file)).map_err(|message| LoadError {
        path: board_file.to_string(),
        line: None,
        message,
    })?;
    let mut board = Board::new(Format::Obsidian, board_file.to_string());
    board.config_file = Some(board_file.to_string());
    board.files.push(board_file.to_string());
    let directives = suppress::parse(&text);
    if !directives.is_empty() {
        board.directives.insert(board_file.to_string(), directives);
    }
    let (body_offset, body_line) = match markdown::split(&text) {
        Ok(Some(s)) => (s.body_offset, s.body_line),
        Ok(None) => (0, 1),
        Err(e) => {
            return Err(LoadError {
                path: board_file.to_string(),
                line: Some(e.line),
                message: e.message,
            });
        }
    };
    let board_dir = Path::new(board_file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut lane: Option<String> = None;
    let mut fence = false;
    for (n, (_, line)) in lines_with_offsets(&text[body_offset..]).enumerate() {
        let line_no = body_line + n as u32;
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        if is_board_end(line) {
            break;
        }
        if let Some((_, heading)) = markdown::heading(line) {
            let (title, limit) = lane_title(heading);
            board.statuses.push(title.to_string());
            if let Some(limit) = limit {
                let origin = Origin {
                    path: board_file.to_string(),
                    line: Some(line_no),
                };
                board.wip_limits.insert(
                    normalize_status(title),
                    Limit {
                        status: title.to_string(),
                        limit,
                        origin,
                    },
                );
            }
            lane = Some(title.to_string());
            continue;
        }
        let Some(card) = card_text(line) else {
            continue;
        };
        let card = strip_block_id(card);
        let Some(lane) = &lane else {
            board.problems.push(Problem {
                code: "task-front-matter-invalid".into(),
                path: board_file.to_string(),
                line: line_no,
                column: 1,
                message: format!("card `{card}` is not under any lane heading"),
                subject: Some(card.to_string()),
            });
            continue;
        };
        if card.is_empty() {
            continue;
        }
        let mut task = card_task(board_file, line_no, card, lane);
        if let Some(note) = linked_note(root, &board_dir, card) {
            merge_note(root, &note, &mut task, &mut board);
        }
        board.tasks.push(task);
    }
    Ok(board)
}

fn strip_block_id(card: &str) -> &str {
    match card.rfind(" ^") {
        Some(i)
            if card[i + 2..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            card[..i].trim_end()
        }
        _ => card,
    }
}

fn card_task(board_file: &str, line: u32, card: &str, lane: &str) -> Task {
    let mut labels = Vec::new();
    let mut assignees = Vec::new();
    let mut priority = None;
    let mut words = card.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let w = w.trim_end_matches([',', '.', ';']);
        if let Some(tag) = w
            .strip_prefix('#')
            .filter(|t| !t.is_empty() && !t.starts_with('#'))
        {
            if priority.is_none()
                && priority_rank(tag).is_some()
                && !tag.bytes().all(|b| b.is_ascii_digit())
            {
                priority = Some(tag.to_string());
            }
            labels.push(tag.to_string());
        } else if let Some(name) = w.strip_prefix('@').filter(|n| !n.is_empty()) {
            assignees.push(name.to_string());
        } else if let Some(p) = w
            .strip_prefix("prio:")
            .or_else(|| w.strip_prefix("priority:"))
        {
            if !p.is_empty() {
                priority = Some(p.to_string());
            } else if w.ends_with("::") || w.ends_with(':') {
                priority = words.next().map(str::to_string);
            }
        } else if w == "priority::" || w == "[priority::" {
            priority = words.next().map(|p| p.trim_end_matches(']').to_string());
        }
    }
    Task {
        id: Some(link_target(card).unwrap_or(card).to_string()),
        title: Some(card.to_string()),
        status: Some(Status::new(lane)),
        priority,
        labels,
        assignees,
        signoffs: Vec::new(),
        path: board_file.to_string(),
        line,
        field_lines: vec![("status".into(), line)],
        doc: None,
    }
}

/// The first wiki-link target in a card (`[[T-3|Fix it]]` → `T-3`): a card that links a
/// note is identified by the note's name.
fn link_target(card: &str) -> Option<&str> {
    let after = &card[card.find("[[")? + 2..];
    let target = after[..after.find("]]")?].split(['|', '#']).next()?.trim();
    (!target.is_empty()).then_some(target)
}

/// The first `[[target]]` in the card that names an existing note (next to the board, or at
/// the vault root), repository-relative.
fn linked_note(root: &Path, board_dir: &Path, card: &str) -> Option<String> {
    let mut rest = card;
    while let Some(i) = rest.find("[[") {
        let after = &rest[i + 2..];
        let end = after.find("]]")?;
        let target = after[..end].split(['|', '#']).next().unwrap_or("").trim();
        rest = &after[end + 2..];
        if target.is_empty() || target.contains("..") {
            continue;
        }
        let file = if target.ends_with(".md") {
            target.to_string()
        } else {
            format!("{target}.md")
        };
        for dir in [board_dir, Path::new("")] {
            let rel = dir.join(&file);
            if root.join(&rel).is_file() {
                return Some(fsutil::rel_path(Path::new(""), &rel));
            }
        }
    }
    None
}

/// A linked note's front matter (assignee, security_review, priority, labels) and sections
/// complete the card.
fn merge_note(root: &Path, note: &str, task: &mut Task, board: &mut Board) {
    if board.files.iter().all(|f| f != note) {
        board.files.push(note.to_string());
    }
    let text = match fsutil::read_text(&root.join(note)) {
        Ok(t) => t,
        Err(message) => {
            board.problems.push(Problem {
                code: "task-unreadable".into(),
                path: note.into(),
                line: 1,
                column: 1,
                message,
                subject: task.id.clone(),
            });
            return;
        }
    };
    let directives = suppress::parse(&text);
    if !directives.is_empty() {
        board.directives.insert(note.to_string(), directives);
    }
    let has_front_matter = matches!(markdown::split(&text), Ok(Some(_)) | Err(_));
    let (parsed, problems) = super::taskfile::parse(note.to_string(), text.clone(), &["id"]);
    // A note is not a task file: only a broken front matter or a wrong type is a problem.
    board.problems.extend(
        problems
            .into_iter()
            .filter(|p| p.code != "task-missing-field" && has_front_matter),
    );
    match parsed {
        Some(n) => {
            task.assignees.extend(n.assignees);
            task.signoffs.extend(n.signoffs);
            for l in n.labels {
                if !task.labels.contains(&l) {
                    task.labels.push(l);
                }
            }
            if task.priority.is_none() {
                task.priority = n.priority;
            }
            task.doc = n.doc;
        }
        None => {
            task.doc = Some(super::Doc {
                path: note.to_string(),
                text: Some(text),
                body_offset: 0,
                body_line: 1,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_and_cards() {
        assert_eq!(lane_title("Doing (3)"), ("Doing", Some(3)));
        assert_eq!(lane_title("Doing"), ("Doing", None));
        assert_eq!(lane_title("Q(a)"), ("Q(a)", None));
        assert_eq!(
            card_text("- [ ] Fix it #security"),
            Some("Fix it #security")
        );
        assert_eq!(card_text("- [x] Done"), Some("Done"));
        assert_eq!(card_text("- plain"), None);
        assert_eq!(strip_block_id("Card ^abc123"), "Card");
    }

    #[test]
    fn card_fields_from_text() {
        let t = card_task("b.md", 5, "Patch CVE #security #P0 @alice", "Doing");
        assert_eq!(t.priority.as_deref(), Some("P0"));
        assert_eq!(t.labels, vec!["security", "P0"]);
        assert_eq!(t.assignees, vec!["alice"]);
        assert_eq!(t.status.unwrap().norm, "doing");
        assert_eq!(
            card_task("b.md", 1, "[[T-3|Fix]] now", "x").id.as_deref(),
            Some("T-3")
        );
        assert_eq!(t.id.as_deref(), Some("Patch CVE #security #P0 @alice"));
    }
}
