//! `transition-rules`: which moves are allowed, and which statuses exist at all.

use super::{Check, CodeDoc, Context, Mode, Raw, Sink};
use crate::kanban::Board;
use crate::report::Severity;

pub struct TransitionRules;

static CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "transition-not-allowed",
        summary: "a move the transition rules do not allow",
        explanation: "qgate.yaml's `kanban.transitions` (or the board's own rules, e.g. promethean `transitionRules` when enabled) lists where each status may move. A status missing there may move anywhere.\n\nExample: `todo: [in_progress]` refuses todo → done.\n\nFix: move through the allowed statuses, or change the rules.",
    },
    CodeDoc {
        code: "unknown-status",
        summary: "a status the board does not declare",
        explanation: "A status is known when the board declares it (promethean `statusValues`, Backlog.md/kanban-md `statuses`, Obsidian lanes) or qgate.yaml names it as a key of `kanban.transitions` or `kanban.wip_limits`. Statuses compare normalized: \"In Progress\" = in-progress = in_progress.\n\n`qgate transition` refuses a move into an unknown status; `qgate check` reports tasks sitting in one.\n\nFix: correct the typo, or declare the status.",
    },
];

impl Check for TransitionRules {
    fn shares(&self) -> Option<&'static str> {
        Some("board")
    }

    fn id(&self) -> &'static str {
        "transition-rules"
    }

    fn summary(&self) -> &'static str {
        "moves allowed by the transition rules, into statuses the board declares"
    }

    fn explanation(&self) -> &'static str {
        "Keeps tasks moving along the process the team agreed on. Rules come from qgate.yaml `kanban.transitions` (from-status: [allowed targets]), merged over the board's own rules. Statuses are compared normalized.\n\n`qgate transition T --to S`: blocked when S is unknown, or when T's current status has a rule that does not list S. A move into the status the task already has is always allowed.\n`qgate check`: tasks whose status the board does not declare.\n\nSuppress: `# qgate:ignore[transition-rules] reason` above the task's `status:` line."
    }

    fn codes(&self) -> &'static [CodeDoc] {
        CODES
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        let Some(board) = cx.board_or_note(sink)? else {
            return Ok(());
        };
        if !board.has_declared_statuses() {
            sink.note("the board declares no statuses and no transition rules");
            return Ok(());
        }
        match cx.mode {
            Mode::Check => {
                for task in &board.tasks {
                    let Some(status) = &task.status else { continue };
                    if !board.is_known_status(&status.norm) {
                        sink.push(
                            Raw::new(
                                "unknown-status",
                                Severity::Error,
                                format!(
                                    "{} is in status `{}`, which the board does not declare ({})",
                                    task.display_id(),
                                    status.raw,
                                    known(board)
                                ),
                            )
                            .on_task(task, "status"),
                        );
                    }
                }
            }
            Mode::Transition(mv) => {
                let Some(task) = board.tasks.get(mv.task) else {
                    return Ok(());
                };
                if mv.is_noop(board) {
                    return Ok(());
                }
                if !board.is_known_status(&mv.to.norm) {
                    sink.push(
                        Raw::new(
                            "unknown-status",
                            Severity::Error,
                            format!(
                                "cannot move {} into `{}`: the board has no such status ({})",
                                task.display_id(),
                                mv.to.raw,
                                known(board)
                            ),
                        )
                        .on_task(task, "status"),
                    );
                    return Ok(());
                }
                let Some(from) = mv.from(board) else {
                    return Ok(());
                };
                if let Some(rule) = board.transitions.get(from)
                    && !rule.to.iter().any(|t| t == &mv.to.norm)
                {
                    let allowed = if rule.to.is_empty() {
                        "nowhere".to_string()
                    } else {
                        let names: Vec<&str> = rule
                            .to
                            .iter()
                            .map(|t| board.spelling_of(t).unwrap_or(t))
                            .collect();
                        names.join(", ")
                    };
                    let from_raw = match &mv.from {
                        Some(f) => board.spelling_of(f).unwrap_or(f.as_str()),
                        None => task.status.as_ref().map_or(from, |s| s.raw.as_str()),
                    };
                    let at = match rule.origin.line {
                        Some(l) => format!("{}:{l}", rule.origin.path),
                        None => rule.origin.path.clone(),
                    };
                    sink.push(
                            Raw::new(
                                "transition-not-allowed",
                                if rule.warn_only { Severity::Warning } else { Severity::Error },
                                format!("{} may not move from `{from_raw}` to `{}`; allowed: {allowed} (rule at {at})", task.display_id(), mv.to_display(board)),
                            )
                            .on_task(task, "status"),
                        );
                }
            }
        }
        Ok(())
    }
}

fn known(board: &Board) -> String {
    let mut names: Vec<String> = board.statuses.clone();
    for k in board.transitions.keys().chain(board.wip_limits.keys()) {
        if !names
            .iter()
            .any(|n| crate::kanban::normalize_status(n) == *k)
        {
            names.push(k.clone());
        }
    }
    format!("known: {}", names.join(", "))
}
