//! `task-format`: task files qgate cannot read, or tasks missing what every check needs.

use std::collections::HashMap;

use super::{Check, CodeDoc, Context, Mode, Raw, Sink};
use crate::report::Severity;

pub struct TaskFormat;

static CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "task-front-matter-invalid",
        summary: "a task file's front matter is missing, unclosed or not valid YAML",
        explanation: "Task files open with YAML front matter between `---` lines. The finding names the file and the line where parsing failed; the rest of the board is still evaluated.\n\nFix: correct the YAML (a common cause is an unquoted value containing `: `).",
    },
    CodeDoc {
        code: "task-missing-field",
        summary: "a task has no id, title or status",
        explanation: "Every task needs an id (promethean: `uuid`; Backlog.md and kanban-md: `id`), a `title` and a `status`: without them the WIP, review and transition gates cannot judge it.",
    },
    CodeDoc {
        code: "task-field-invalid",
        summary: "a front-matter field has the wrong type",
        explanation: "For example `title: [a, b]` where a string is expected, or `security_review: yes` where a mapping `{reviewer: NAME, verdict: approved}` is expected. The field is ignored.",
    },
    CodeDoc {
        code: "task-duplicate-id",
        summary: "two tasks share an id",
        explanation: "Ids must be unique (compared case-insensitively): a transition or a commit reference would otherwise be ambiguous.",
    },
    CodeDoc {
        code: "task-unreadable",
        summary: "a task file cannot be read (permissions, not UTF-8)",
        explanation: "qgate could not read the file as UTF-8 text. The other tasks are still evaluated.",
    },
];

impl Check for TaskFormat {
    fn shares(&self) -> Option<&'static str> {
        Some("board")
    }

    fn id(&self) -> &'static str {
        "task-format"
    }

    fn summary(&self) -> &'static str {
        "task files parse and carry an id, a title and a status"
    }

    fn explanation(&self) -> &'static str {
        "A board is only as trustworthy as its files. A task whose front matter does not parse, or which lacks an id, title or status, is a finding naming the file and line; the other tasks are still evaluated by every gate.\n\nOn `qgate transition`, only the moving task's file is judged.\n\nSuppress: `# qgate:ignore[task-format] reason` on or above the line."
    }

    fn codes(&self) -> &'static [CodeDoc] {
        CODES
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        let Some(board) = cx.board_or_note(sink)? else {
            return Ok(());
        };
        let only = match cx.mode {
            Mode::Check => None,
            Mode::Transition(mv) => board.tasks.get(mv.task).map(|t| t.path.as_str()),
        };
        for p in board
            .problems
            .iter()
            .filter(|p| only.is_none_or(|o| o == p.path))
        {
            let mut f = Raw::new(
                crate::kanban::problem_code(&p.code),
                Severity::Error,
                p.message.clone(),
            )
            .at(p.path.clone(), Some(p.line));
            f.column = Some(p.column);
            if let Some(s) = &p.subject {
                f = f.subject(s.clone());
            }
            sink.push(f);
        }
        let mut first: HashMap<String, &str> = HashMap::new();
        for task in &board.tasks {
            let Some(id) = &task.id else { continue };
            let key = id.to_lowercase();
            match first.get(&key) {
                Some(other) if only.is_none_or(|o| o == task.path) => sink.push(
                    Raw::new(
                        "task-duplicate-id",
                        Severity::Error,
                        format!("id `{id}` is also used by {other}"),
                    )
                    .on_task(task, board_id_key(task)),
                ),
                Some(_) => {}
                None => {
                    first.insert(key, task.path.as_str());
                }
            }
        }
        if matches!(cx.mode, Mode::Check) && board.tasks.is_empty() && board.problems.is_empty() {
            sink.note(format!(
                "the {} board at {} has no tasks",
                board.format, board.location
            ));
        }
        Ok(())
    }
}

fn board_id_key(task: &crate::kanban::Task) -> &'static str {
    if task.field_lines.iter().any(|(k, _)| k == "uuid") {
        "uuid"
    } else {
        "id"
    }
}
