//! `transition --apply`: write a new status into a task, changing nothing else.
//!
//! Front-matter tasks get only the value of their `status:` line replaced (quoting style
//! kept); an Obsidian card is moved to the end of its new lane. The result is re-read before
//! it is written, and written atomically, so a failure leaves the file as it was.

use std::path::Path;

use super::markdown::{self, lines_with_offsets};
use super::obsidian::{card_text, is_board_end, lane_title};
use super::{Format, Task, normalize_status};
use crate::fsutil;

/// What [`undo`] needs to put a task file back: its old and new content.
pub struct Undo {
    old: String,
    new: String,
}

/// Puts back what [`apply_status`] wrote, unless the file changed again since.
pub fn undo(root: &Path, task: &Task, u: &Undo) -> Result<(), String> {
    let abs = inside(root, &task.path)?;
    let unchanged = || std::fs::read(&abs).is_ok_and(|now| now == u.new.as_bytes());
    fsutil::rewrite(&abs, u.old.as_bytes(), &unchanged).map_err(|e| format!("{}: {e}", task.path))
}

/// Writes `status` (as it should appear in the file) into `task`'s file.
pub fn apply_status(
    root: &Path,
    format: Format,
    task: &Task,
    status: &str,
) -> Result<Undo, String> {
    // A task that is a link is edited at its target, which must be in the repository too
    // (as must the file itself when a directory on the way is a link).
    let abs = inside(root, &task.path)?;
    let text = fsutil::read_text(&abs).map_err(|e| format!("{}: {e}", task.path))?;
    let new = match format {
        Format::Obsidian => move_card(&text, task.line, status),
        _ => set_front_matter_status(&text, status),
    }
    .map_err(|e| format!("{}: {e}", task.path))?;
    // Whatever someone wrote to the file since it was read is not lost: refused instead.
    let unchanged = || std::fs::read(&abs).is_ok_and(|now| now == text.as_bytes());
    fsutil::rewrite(&abs, new.as_bytes(), &unchanged)
        .map_err(|e| format!("{}: not moved: {e}", task.path))?;
    Ok(Undo { old: text, new })
}

/// Where `rel` (a path in the repository) resolves, or why it may not be written.
fn inside(root: &Path, rel: &str) -> Result<std::path::PathBuf, String> {
    let (real, inside) = fsutil::resolve(root, &root.join(rel))
        .map_err(|e| format!("{rel}: cannot read file: {e}"))?;
    if !inside {
        return Err(format!(
            "{rel}: resolves to {}, outside the repository; qgate does not change files there",
            real.display()
        ));
    }
    Ok(real)
}

/// Replaces the value of the top-level `status:` key in the front matter.
pub fn set_front_matter_status(text: &str, status: &str) -> Result<String, String> {
    let split = markdown::split(text)
        .map_err(|e| e.message)?
        .ok_or("the file has no front matter to hold a status")?;
    let (vstart, vend, style) =
        status_value_span(split.yaml).ok_or("the front matter has no top-level `status:` line")?;
    let (vstart, vend) = (split.yaml_offset + vstart, split.yaml_offset + vend);
    let mut value = match style {
        Quote::Double => format!("\"{}\"", status.replace('\\', "\\\\").replace('"', "\\\"")),
        Quote::Single => format!("'{}'", status.replace('\'', "''")),
        Quote::Plain if plain_ok(status) => status.to_string(),
        Quote::Plain => format!("\"{}\"", status.replace('\\', "\\\\").replace('"', "\\\"")),
    };
    if vstart > 0 && !matches!(text.as_bytes()[vstart - 1], b' ' | b'\t') {
        value.insert(0, ' ');
    }
    let out = format!("{}{}{}", &text[..vstart], value, &text[vend..]);
    // Never write a file whose front matter would no longer read back the intended status.
    let check = markdown::split(&out)
        .ok()
        .flatten()
        .ok_or("rewrite would break the front matter")?;
    let map = markdown::parse_yaml(&check)
        .map_err(|e| format!("rewrite would break the front matter: {}", e.message))?;
    match map.get("status").and_then(|v| v.as_str()) {
        Some(s) if s == status => Ok(out),
        _ => Err("rewrite would not read back the new status".into()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    Plain,
    Single,
    Double,
}

/// Byte span of the `status` value in `yaml`, and how it is quoted.
fn status_value_span(yaml: &str) -> Option<(usize, usize, Quote)> {
    for (off, line) in lines_with_offsets(yaml) {
        let Some(rest) = line.strip_prefix("status") else {
            continue;
        };
        let rest_trim = rest.trim_start_matches([' ', '\t']);
        let Some(after_colon) = rest_trim.strip_prefix(':') else {
            continue;
        };
        let mut colon_at = off + (line.len() - after_colon.len());
        let mut value = after_colon.trim_start_matches([' ', '\t']);
        // A tag (`!!str`) stays; the value after it is replaced.
        if value.starts_with('!') {
            let tag_end = value.find([' ', '\t']).unwrap_or(value.len());
            colon_at = off + (line.len() - value.len()) + tag_end;
            value = value[tag_end..].trim_start_matches([' ', '\t']);
        }
        let vstart = off + (line.len() - value.len());
        if let Some(inner) = value.strip_prefix('"') {
            let mut escaped = false;
            for (i, c) in inner.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => return Some((vstart, vstart + 1 + i + 1, Quote::Double)),
                    _ => escaped = false,
                }
            }
            return None;
        }
        if let Some(inner) = value.strip_prefix('\'') {
            let b = inner.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Some((vstart, vstart + 1 + i + 1, Quote::Single));
                }
                i += 1;
            }
            return None;
        }
        let end = value.find(" #").unwrap_or(value.len());
        let v = value[..end].trim_end();
        if value.is_empty() {
            return Some((colon_at, colon_at, Quote::Plain));
        }
        return Some((vstart, vstart + v.len(), Quote::Plain));
    }
    None
}

/// Whether `s` reads back as the same string when written unquoted.
fn plain_ok(s: &str) -> bool {
    let special = ["true", "false", "yes", "no", "on", "off", "null", "~"];
    !s.is_empty()
        && s.trim() == s
        && s.chars().next().is_some_and(|c| c.is_alphabetic())
        && s.chars()
            .all(|c| c.is_alphanumeric() || " _-./".contains(c))
        && !special.contains(&s.to_lowercase().as_str())
}

/// Moves the card on 1-based line `card_line` to the end of the lane named `lane`.
pub fn move_card(text: &str, card_line: u32, lane: &str) -> Result<String, String> {
    // Each line keeps its own ending (a board may mix them); only the moved lines move.
    let (mut lines, mut ends): (Vec<String>, Vec<&str>) = text
        .split_inclusive('\n')
        .map(|raw| {
            let body = raw.strip_suffix('\n').unwrap_or(raw);
            let body = body.strip_suffix('\r').unwrap_or(body);
            (body.to_string(), &raw[body.len()..])
        })
        .unzip();
    let idx = (card_line as usize).saturating_sub(1);
    if lines.get(idx).and_then(|l| card_text(l)).is_none() {
        return Err(format!(
            "line {card_line} is no longer a card; re-run without --apply to see the board"
        ));
    }
    let mut end = idx + 1;
    while end < lines.len() && lines[end].starts_with([' ', '\t']) && !lines[end].trim().is_empty()
    {
        end += 1;
    }
    let mut block: Vec<String> = lines.drain(idx..end).collect();
    let mut block_ends: Vec<&str> = ends.drain(idx..end).collect();

    let body_start = match markdown::split(text) {
        Ok(Some(s)) => (s.body_line - 1) as usize,
        _ => 0,
    };
    let target = normalize_status(lane);
    let mut heading_at = None;
    for (i, line) in lines.iter().enumerate().skip(body_start) {
        if is_board_end(line) {
            break;
        }
        if let Some((_, h)) = markdown::heading(line) {
            if heading_at.is_some() {
                break;
            }
            if normalize_status(lane_title(h).0) == target {
                heading_at = Some(i);
            }
        }
    }
    let Some(h) = heading_at else {
        return Err(format!("the board has no lane `{lane}`"));
    };
    // Cards go after the lane's last card; in an empty lane after the heading's blank line
    // and its `**Complete**` marker.
    let mut insert = h + 1;
    if lines.get(h + 1).is_some_and(|l| l.trim().is_empty()) {
        insert = h + 2;
    }
    let mut complete = false;
    for (i, l) in lines.iter().enumerate().skip(h + 1) {
        if markdown::heading(l).is_some() || is_board_end(l) {
            break;
        }
        let continuation = insert == i && l.starts_with([' ', '\t']) && !l.trim().is_empty();
        if l.trim() == "**Complete**" {
            complete = true;
            insert = i + 1;
        } else if card_text(l).is_some() || continuation {
            insert = i + 1;
        }
    }
    if complete
        && let Some(first) = block.first_mut()
        && let Some(rest) = first.strip_prefix("- [ ]")
    {
        *first = format!("- [x]{rest}");
    }
    // The file's last line may have had no ending: a line that now has one after it gets
    // the ending of the line it follows (or of the moved card).
    fn usual<'t>(e: &[&'t str]) -> Option<&'t str> {
        e.iter().rev().find(|x| !x.is_empty()).copied()
    }
    let fallback = usual(&ends).or(usual(&block_ends)).unwrap_or("\n");
    if let Some(e) = block_ends.last_mut()
        && e.is_empty()
        && insert < lines.len()
    {
        *e = fallback;
    }
    if insert > 0
        && let Some(e) = ends.get_mut(insert - 1)
        && e.is_empty()
    {
        *e = fallback;
    }
    for (k, (l, e)) in block.into_iter().zip(block_ends).enumerate() {
        lines.insert(insert + k, l);
        ends.insert(insert + k, e);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (l, e) in lines.iter().zip(&ends) {
        out.push_str(l);
        out.push_str(e);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_tag_stays_with_the_new_value() {
        let t = "---\nstatus: !!str todo\n---\n";
        assert_eq!(
            set_front_matter_status(t, "done").unwrap(),
            "---\nstatus: !!str done\n---\n"
        );
        let t = "---\nstatus: !!str \"To Do\"\n---\n";
        assert_eq!(
            set_front_matter_status(t, "Done").unwrap(),
            "---\nstatus: !!str \"Done\"\n---\n"
        );
        let t = "---\nstatus: !!str\n---\n";
        assert_eq!(
            set_front_matter_status(t, "done").unwrap(),
            "---\nstatus: !!str done\n---\n"
        );
    }

    #[test]
    fn replaces_only_the_status_value() {
        let t = "---\nid: A-1\nstatus: todo # was backlog\ntitle: x\n---\nbody status: todo\n";
        assert_eq!(
            set_front_matter_status(t, "in_progress").unwrap(),
            "---\nid: A-1\nstatus: in_progress # was backlog\ntitle: x\n---\nbody status: todo\n"
        );
        let t = "---\r\nstatus: 'To Do'\r\n---\r\n";
        assert_eq!(
            set_front_matter_status(t, "In Progress").unwrap(),
            "---\r\nstatus: 'In Progress'\r\n---\r\n"
        );
        let t = "---\nstatus: \"todo\"\n---\n";
        assert_eq!(
            set_front_matter_status(t, "done").unwrap(),
            "---\nstatus: \"done\"\n---\n"
        );
        let t = "---\nstatus: todo\n---\n";
        assert_eq!(
            set_front_matter_status(t, "yes").unwrap(),
            "---\nstatus: \"yes\"\n---\n"
        );
        let t = "---\nstatus:\n---\n";
        assert_eq!(
            set_front_matter_status(t, "done").unwrap(),
            "---\nstatus: done\n---\n"
        );
        assert!(set_front_matter_status("---\ntitle: a\n---\n", "done").is_err());
    }

    #[test]
    fn moves_a_card_between_lanes() {
        let board = "---\n\nkanban-plugin: board\n\n---\n\n## Todo\n\n- [ ] A\n- [ ] B\n  more of B\n\n\n## Doing (2)\n\n- [ ] C\n\n\n## Done\n\n**Complete**\n\n\n%% kanban:settings\n```\n{}\n```\n%%\n";
        let moved = move_card(board, 10, "doing").unwrap();
        assert!(
            moved.contains(
                "## Todo\n\n- [ ] A\n\n\n## Doing (2)\n\n- [ ] C\n- [ ] B\n  more of B\n\n\n## Done"
            ),
            "{moved}"
        );
        let done = move_card(board, 9, "Done").unwrap();
        assert!(done.contains("**Complete**\n- [x] A\n"), "{done}");
        assert!(move_card(board, 9, "Nowhere").is_err());
        assert!(move_card(board, 7, "Done").is_err());
    }
}
