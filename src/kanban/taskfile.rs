//! Front-matter task files (promethean, Backlog.md, kanban-md): one file, one task.

use std::path::Path;

use rayon::prelude::*;
use yaml_serde::{Mapping, Value};

use super::cache::{Cache, Entry, Key};
use super::markdown::{self, FrontMatterError};
use super::{Board, Doc, Env, Problem, SignOff, Status, Task};
use crate::fsutil;
use crate::suppress;

/// Reads every `.md` file under `dir` (repository-relative) into `board`.
/// `id_keys` are the front-matter keys that hold the id, in order of preference.
/// Files whose metadata matches the cache are not read again.
pub(crate) fn load_dir(
    env: &Env<'_>,
    dir: &str,
    id_keys: &[&str],
    board: &mut Board,
) -> Result<(), super::LoadError> {
    let root = env.root;
    // The board is the repository's: a tasks directory that resolves outside it (`../x`,
    // an absolute path, a committed link) is refused, naming the setting that put it there.
    if let Err(why) = super::inside_repo(root, dir) {
        let (path, key) = match (&board.config_file, board.format) {
            (Some(f), super::Format::Promethean) => (f.clone(), "tasksDir"),
            (Some(f), super::Format::KanbanMd) => (f.clone(), "tasks_dir"),
            _ => (dir.to_string(), "the tasks directory"),
        };
        return Err(super::LoadError {
            path,
            line: None,
            message: format!("{key} `{dir}` {why}"),
        });
    }
    let abs = root.join(dir);
    if !abs.is_dir() {
        board.notes.push(format!(
            "tasks directory `{dir}` does not exist: the board has no tasks"
        ));
        return Ok(());
    }
    let mut paths: Vec<String> = Vec::new();
    // Unsorted walk: the paths are sorted as strings below, which is cheaper than the walker
    // comparing path components.
    for entry in walkdir::WalkDir::new(&abs).follow_links(false) {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| dir.to_string(), |p| fsutil::rel_path(root, p));
                let message = format!("cannot read the tasks directory: {err}");
                board
                    .problems
                    .push(problem(&path, 1, 1, "task-unreadable", message));
                continue;
            }
        };
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let rel = fsutil::rel_path(root, entry.path());
        // A task file that is a link is read (and moved) at its target, when that is a file
        // in the repository; a link out of it is refused: the board is the repository's.
        if entry.path_is_symlink() {
            match fsutil::resolve(root, entry.path()) {
                Ok((t, true)) if t.is_file() => {}
                Ok((t, false)) => {
                    let message = format!(
                        "the task file is a link to {}, outside the repository; not read",
                        t.display()
                    );
                    board
                        .problems
                        .push(problem(&rel, 1, 1, "task-unreadable", message));
                    continue;
                }
                _ => continue,
            }
        } else if !entry.file_type().is_file() {
            continue;
        }
        if !env.exclude.is_excluded(&rel) {
            paths.push(rel);
        }
    }

    paths.sort_unstable();
    let scope = format!("front-matter tasks; ids from {}", id_keys.join(","));
    let mut cache = env.cache.map(|d| Cache::open(d, &scope));
    let keys = super::cache::keys_of(root, &paths);
    let mut results: Vec<(String, Option<Entry>, Option<Key>)> = Vec::with_capacity(paths.len());
    for (rel, key) in paths.into_iter().zip(keys) {
        let hit = match (&mut cache, &key) {
            (Some(c), Some(k)) => c.take(&rel, k),
            _ => None,
        };
        results.push((rel, hit, key));
    }
    let results: Vec<(String, Entry, bool)> = results
        .into_par_iter()
        .map(|(rel, hit, key)| match hit {
            Some(entry) => (rel, entry, false),
            None => {
                let entry = match env.overlay.and_then(|o| o.get(&rel)) {
                    Some(bytes) => parse_text(
                        &rel,
                        String::from_utf8_lossy(bytes).into_owned(),
                        None,
                        id_keys,
                    ),
                    None => parse_file(root, &rel, key, id_keys),
                };
                (rel, entry, true)
            }
        })
        .collect();
    if let Some(c) = &cache
        && c.needs_save(&results)
    {
        c.save(&results);
    }
    for (rel, entry, _) in results {
        if !entry.directives.is_empty() {
            board.directives.insert(rel.clone(), entry.directives);
        }
        board.files.push(rel);
        board.tasks.extend(entry.task);
        board.problems.extend(entry.problems);
    }
    Ok(())
}

fn parse_text(rel: &str, text: String, key: Option<Key>, id_keys: &[&str]) -> Entry {
    let directives = suppress::parse(&text);
    let (task, problems) = parse(rel.to_string(), text, id_keys);
    Entry {
        key,
        task,
        problems,
        directives,
    }
}

fn parse_file(root: &Path, rel: &str, key: Option<Key>, id_keys: &[&str]) -> Entry {
    match fsutil::read_text(&root.join(rel)) {
        Ok(text) => parse_text(rel, text, key, id_keys),
        Err(msg) => Entry {
            key: None,
            task: None,
            problems: vec![problem(rel, 1, 1, "task-unreadable", msg)],
            directives: Vec::new(),
        },
    }
}

fn problem(path: &str, line: u32, column: u32, code: &'static str, message: String) -> Problem {
    Problem {
        code: code.into(),
        path: path.to_string(),
        line,
        column,
        message,
        subject: None,
    }
}

fn from_fm_error(path: &str, e: FrontMatterError) -> Problem {
    problem(
        path,
        e.line,
        e.column,
        "task-front-matter-invalid",
        e.message,
    )
}

/// Parses one task file. A file whose front matter cannot be read yields no task and a
/// problem; a task missing fields yields the task and one problem per missing field.
pub fn parse(path: String, text: String, id_keys: &[&str]) -> (Option<Task>, Vec<Problem>) {
    let mut problems = Vec::new();
    let split = match markdown::split(&text) {
        Ok(Some(s)) => s,
        Ok(None) => {
            problems.push(problem(
                &path,
                1,
                1,
                "task-front-matter-invalid",
                "task file has no front matter (it must open with a `---` line)".into(),
            ));
            return (None, problems);
        }
        Err(e) => return (None, vec![from_fm_error(&path, e)]),
    };
    let map = match markdown::parse_yaml(&split) {
        Ok(m) => m,
        Err(e) => return (None, vec![from_fm_error(&path, e)]),
    };
    let field_lines = markdown::key_lines(&split);
    let line_of = |k: &str| {
        field_lines
            .iter()
            .find(|(key, _)| key == k)
            .map_or(1, |(_, l)| *l)
    };
    let mut invalid = |key: &str, v: &Value, want: &str| {
        problems.push(Problem {
            code: "task-field-invalid".into(),
            path: path.clone(),
            line: line_of(key),
            column: 1,
            message: format!("`{key}` must be {want}, found {}", markdown::kind_name(v)),
            subject: None,
        });
    };

    let mut id = None;
    for key in id_keys {
        if let Some(v) = map.get(*key) {
            match scalar(v) {
                Ok(s) => id = s,
                Err(()) => invalid(key, v, "a string or a number"),
            }
            if id.is_some() {
                break;
            }
        }
    }
    let mut text_field = |key: &str| -> Option<String> {
        let v = map.get(key)?;
        match scalar(v) {
            Ok(s) => s,
            Err(()) => {
                invalid(key, v, "a string");
                None
            }
        }
    };
    let title = text_field("title");
    let status = text_field("status").map(|s| Status::new(&s));
    let priority = text_field("priority");
    let mut list_field = |key: &str| -> Vec<String> {
        match map.get(key) {
            None => Vec::new(),
            Some(v) => list(v).unwrap_or_else(|()| {
                invalid(key, v, "a list of strings or a string");
                Vec::new()
            }),
        }
    };
    let mut labels = list_field("labels");
    for t in list_field("tags") {
        if !labels.contains(&t) {
            labels.push(t);
        }
    }
    let assignees = list_field("assignee");
    let signoffs = match map.get("security_review") {
        None => Vec::new(),
        Some(v) => signoffs(v, line_of("security_review")).unwrap_or_else(|()| {
            invalid(
                "security_review",
                v,
                "a mapping `{reviewer: NAME, verdict: approved}` or a list of them",
            );
            Vec::new()
        }),
    };

    let id_key = id_keys.first().copied().unwrap_or("id");
    let mut missing = |field: &str, present: bool| {
        if !present {
            problems.push(Problem {
                code: "task-missing-field".into(),
                path: path.clone(),
                line: 1,
                column: 1,
                message: format!("task has no `{field}` in its front matter"),
                subject: Some(field.to_string()),
            });
        }
    };
    missing(id_key, id.is_some());
    missing("title", title.is_some());
    missing("status", status.is_some());

    let (body_offset, body_line) = (split.body_offset, split.body_line);
    let task = Task {
        id,
        title,
        status,
        priority,
        labels,
        assignees,
        signoffs,
        path: path.clone(),
        line: 1,
        field_lines,
        doc: Some(Doc {
            path,
            text: Some(text),
            body_offset,
            body_line,
        }),
    };
    (Some(task), problems)
}

/// A scalar as text; `Ok(None)` for null or an empty string.
fn scalar(v: &Value) -> Result<Option<String>, ()> {
    let s = match v {
        Value::Null => return Ok(None),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Tagged(t) => return scalar(&t.value),
        Value::Sequence(_) | Value::Mapping(_) => return Err(()),
    };
    Ok(if s.is_empty() { None } else { Some(s) })
}

/// A list of scalars, or one scalar (comma-separated values are split).
fn list(v: &Value) -> Result<Vec<String>, ()> {
    match v {
        Value::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.extend(scalar(item)?);
            }
            Ok(out)
        }
        other => Ok(scalar(other)?
            .map(|s| {
                s.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default()),
    }
}

fn signoffs(v: &Value, line: u32) -> Result<Vec<SignOff>, ()> {
    let one = |m: &Mapping| -> Result<Option<SignOff>, ()> {
        let reviewer = m.get("reviewer").map(scalar).transpose()?.flatten();
        let verdict = m.get("verdict").map(scalar).transpose()?.flatten();
        Ok(reviewer.map(|reviewer| SignOff {
            reviewer,
            verdict,
            line,
        }))
    };
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Mapping(m) => Ok(one(m)?.into_iter().collect()),
        Value::Sequence(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::Mapping(m) => out.extend(one(m)?),
                    _ => return Err(()),
                }
            }
            Ok(out)
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_reports_missing_ones() {
        let text = "---\nid: BACK-3\ntitle: Fix\nlabels: [security]\ntags:\n  - api\nassignee:\n  - '@alice'\nsecurity_review:\n  reviewer: bob\n  verdict: approved\n---\nbody\n";
        let (task, problems) = parse("t.md".into(), text.into(), &["id"]);
        let task = task.unwrap();
        assert_eq!(task.id.as_deref(), Some("BACK-3"));
        assert_eq!(task.labels, vec!["security", "api"]);
        assert_eq!(task.assignees, vec!["@alice"]);
        assert_eq!(task.signoffs[0].reviewer, "bob");
        assert_eq!(task.signoffs[0].line, 9);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "task-missing-field");
        assert_eq!(problems[0].subject.as_deref(), Some("status"));
    }

    #[test]
    fn numeric_ids_and_wrong_types() {
        let text = "---\nid: 4\ntitle: [a, b]\nstatus: todo\n---\n";
        let (task, problems) = parse("t.md".into(), text.into(), &["id"]);
        let task = task.unwrap();
        assert!(task.id_matches("4") && task.id_matches("004"));
        assert_eq!(problems[0].code, "task-field-invalid");
        assert_eq!(problems[0].line, 3);
    }
}
