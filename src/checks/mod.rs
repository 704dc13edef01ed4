//! Checks: one module each behind one small trait, listed in one static registry.
//!
//! A check reads the [`Context`] and pushes findings into a [`Sink`]. It never prints, never
//! reads the command line and never decides the exit code; the engine applies levels,
//! suppressions and the verdict.

mod input_validation;
mod p0_security_review;
mod path_traversal;
mod perf_regression;
mod scanned;
mod task_format;
mod transition_rules;
pub mod user;
mod wip_limit;

use crate::config::Level;
use crate::kanban::{Board, Status, Task};
use crate::report::Severity;
use crate::workspace::Workspace;

/// What a run evaluates: the whole repository, or one task's move.
#[derive(Debug, Clone)]
pub enum Mode {
    Check,
    Transition(Move),
}

/// A proposed status change of one board task.
#[derive(Debug, Clone)]
pub struct Move {
    /// Index of the task in the board's task list.
    pub task: usize,
    pub to: Status,
    /// The status moved from, when it is not the task's current one (a change already made
    /// in a pull request: the board shows the new status).
    pub from: Option<String>,
}

impl Move {
    /// The task's current status, normalized.
    pub fn from<'a>(&'a self, board: &'a Board) -> Option<&'a str> {
        match &self.from {
            Some(f) => Some(f.as_str()),
            None => board.tasks.get(self.task).and_then(Task::status_norm),
        }
    }

    /// The target as the board spells it (as typed when the board does not know it).
    pub fn to_display<'a>(&'a self, board: &'a Board) -> &'a str {
        board
            .spelling_of(&self.to.norm)
            .unwrap_or(self.to.raw.trim())
    }

    /// A move into the status the task already has: nothing moves.
    pub fn is_noop(&self, board: &Board) -> bool {
        self.from(board) == Some(self.to.norm.as_str())
    }
}

pub struct Context<'a> {
    pub ws: &'a Workspace,
    pub mode: &'a Mode,
}

impl Context<'_> {
    /// The board, or `None` after noting that there is none; `Err` when it cannot be read.
    pub fn board_or_note(&self, sink: &mut Sink) -> Result<Option<&Board>, String> {
        match self.ws.board() {
            Ok(Some(b)) => {
                for n in &b.notes {
                    sink.note(n.clone());
                }
                Ok(Some(b))
            }
            Ok(None) => {
                sink.note(NO_BOARD);
                Ok(None)
            }
            Err(e) => Err(format!("cannot read the kanban board: {e}")),
        }
    }
}

pub const NO_BOARD: &str = "no kanban board found (looked for promethean.kanban.json, backlog/config.yml, kanban/config.yml and Obsidian board files); nothing to check";

/// A finding as a check reports it; the engine completes it (level, fingerprint, snippet).
#[derive(Debug, Clone)]
pub struct Raw {
    /// Built-in codes are static; a command check's own codes come from its output.
    pub code: std::borrow::Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub subject: Option<String>,
    /// What the fingerprint is made of besides code and path (never a line number).
    pub content: String,
    /// Source → steps → sink, for taint findings.
    pub flow: Vec<crate::report::FlowStep>,
}

impl Raw {
    pub fn new(
        code: impl Into<std::borrow::Cow<'static, str>>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Raw {
        let message = message.into();
        Raw {
            code: code.into(),
            severity,
            content: message.clone(),
            message,
            path: None,
            line: None,
            column: None,
            subject: None,
            flow: Vec::new(),
        }
    }

    pub fn at(mut self, path: impl Into<String>, line: Option<u32>) -> Raw {
        self.path = Some(path.into());
        self.line = line;
        self
    }

    /// The finding is about `subject` (a task id, a status); it also keys the fingerprint.
    pub fn subject(mut self, subject: impl Into<String>) -> Raw {
        let s = subject.into();
        self.content = s.clone();
        self.subject = Some(s);
        self
    }

    /// Points at a task's front-matter key (or the task's own line).
    pub fn on_task(self, task: &Task, key: &str) -> Raw {
        let line = task.line_of(key);
        self.at(task.path.clone(), Some(line))
            .subject(task.display_id())
    }
}

/// Where checks put their findings.
#[derive(Debug, Default)]
pub struct Sink {
    pub findings: Vec<Raw>,
}

impl Sink {
    pub fn push(&mut self, f: Raw) {
        self.findings.push(f);
    }

    pub fn note(&mut self, message: impl Into<String>) {
        self.push(Raw::new("nothing-to-check", Severity::Note, message));
    }
}

/// The documentation of one finding code: `qgate explain CODE`.
#[derive(Debug)]
pub struct CodeDoc {
    pub code: &'static str,
    pub summary: &'static str,
    pub explanation: &'static str,
}

pub trait Check: Sync {
    /// Stable id (`wip-limit`).
    fn id(&self) -> &'static str;
    /// One line for `qgate checks`.
    fn summary(&self) -> &'static str;
    /// What, why, example, fix, suppress: `qgate explain ID`.
    fn explanation(&self) -> &'static str;
    fn default_level(&self) -> Level {
        Level::Error
    }
    fn codes(&self) -> &'static [CodeDoc];
    /// Whether the check's work splits by file (`--shard`); repository-wide checks run in
    /// shard 1 only.
    fn file_based(&self) -> bool {
        false
    }
    /// The shared input the check spends its time waiting for, if any (the board, the
    /// source scan): checks that share one run one after another on one thread — the first
    /// reads it, the others would only wait for it — so a run starts a thread per input, not
    /// per check.
    fn shares(&self) -> Option<&'static str> {
        None
    }
    /// More text for `qgate explain ID` that is built at run time (rule packs).
    fn extra_explanation(&self) -> Option<String> {
        None
    }
    /// Pushes findings; `Err` when the check cannot do its job (the run then exits 2).
    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String>;
}

/// Every built-in check, in report order.
pub static REGISTRY: &[&dyn Check] = &[
    &task_format::TaskFormat,
    &wip_limit::WipLimit,
    &transition_rules::TransitionRules,
    &p0_security_review::P0SecurityReview,
    &path_traversal::PathTraversal,
    &input_validation::InputValidation,
    &perf_regression::PerfRegression,
];

/// The built-in checks and the user's (from qgate.yaml), in report order.
pub fn all(config: &crate::config::Config) -> (Vec<&'static dyn Check>, Vec<Box<dyn Check>>) {
    (REGISTRY.to_vec(), user::from_config(config))
}

pub fn find(id: &str) -> Option<&'static dyn Check> {
    REGISTRY.iter().copied().find(|c| c.id() == id)
}

/// Codes the engine itself reports (suppressions, internal failures).
pub static ENGINE_CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "unused-suppression",
        summary: "a `qgate:ignore[...]` comment suppresses nothing",
        explanation: "A suppression that no longer matches any finding hides nothing today but would silently hide a future finding. Remove it, or correct the code it names.\n\nExample (in a task file, above a line that no longer has a finding):\n    # qgate:ignore[wip-limit] agreed with the team\n\nFix: delete the comment.",
    },
    CodeDoc {
        code: "suppression-not-allowed",
        summary: "a `qgate:ignore[...]` comment for a check inline comments may not suppress",
        explanation: "`suppress.allow` in qgate.yaml lists the checks whose findings inline comments may suppress; by default every check but p0-security-review, since the assignee of a P0 task could otherwise waive its own security review by editing the task. The finding stands, and the comment is this error.\n\nFix: remove the comment and meet the check (add the plan, the review, the commit), or, if the team decides so, add the check to suppress.allow in qgate.yaml.",
    },
    CodeDoc {
        code: "invalid-suppression",
        summary: "a `qgate:ignore` comment without a `[CODE]`",
        explanation: "Every suppression must name what it suppresses: `qgate:ignore[CODE-OR-CHECK-ID] reason`. A bare `qgate:ignore` suppresses nothing.",
    },
    CodeDoc {
        code: "suppression-without-reason",
        summary: "a suppression gives no reason",
        explanation: "Write why the finding is acceptable after the brackets: `qgate:ignore[p0-missing-commit] commits live in the ops repo`. The reason is what a reviewer reads later.",
    },
    CodeDoc {
        code: "stale-baseline-entry",
        summary: "a note: a baseline entry matches no finding any more",
        explanation: "The accepted finding was fixed or removed. Rewrite the baseline (`qgate baseline write`) so it cannot hide a future finding with the same fingerprint.",
    },
    CodeDoc {
        code: "nothing-to-check",
        summary: "a note: the check found nothing to look at, or something worth knowing",
        explanation: "Notes never fail a run. They say, for example, that no kanban board was found, so a passing check is not mistaken for a checked board.",
    },
    CodeDoc {
        code: "too-many-findings",
        summary: "a note: a file has more findings of one code than are shown",
        explanation: "qgate shows the first 100 findings of each code in each file and counts the rest in this note, so a generated or minified file cannot flood a report. The run's verdict is the same: the findings shown already decide it. Fix the ones shown, or exclude the generated file (`exclude:` in qgate.yaml).",
    },
    CodeDoc {
        code: "check-failed",
        summary: "a check could not run (the run exits 2)",
        explanation: "The check hit an input it needed and could not read (for example a board config file that is not valid JSON/YAML), or failed internally. qgate fails closed: the run exits 2. The message names the file and line.",
    },
];

/// The documentation of any code: a check's, or the engine's.
pub fn code_doc(code: &str) -> Option<(&'static str, &'static CodeDoc)> {
    REGISTRY
        .iter()
        .flat_map(|c| c.codes().iter().map(move |d| (c.id(), d)))
        .chain(ENGINE_CODES.iter().map(|d| ("qgate", d)))
        .find(|(_, d)| d.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_ids_are_unique_kebab_case() {
        let mut seen = HashSet::new();
        for c in REGISTRY {
            assert!(seen.insert(c.id()), "duplicate id {}", c.id());
        }
        for (_, d) in REGISTRY
            .iter()
            .flat_map(|c| c.codes().iter().map(move |d| (c.id(), d)))
            .chain(ENGINE_CODES.iter().map(|d| ("", d)))
        {
            assert!(seen.insert(d.code), "duplicate code {}", d.code);
            assert!(
                d.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                d.code
            );
            assert!(!d.explanation.is_empty());
        }
    }
}
