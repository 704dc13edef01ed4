//! `wip-limit`: per-status work-in-progress limits, board-wide and on every move.

use super::{Check, CodeDoc, Context, Mode, Raw, Sink};
use crate::kanban::Board;
use crate::report::Severity;

pub struct WipLimit;

static CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "wip-limit-exceeded",
        summary: "a status holds more tasks than its WIP limit",
        explanation: "The board has more tasks in a status than its work-in-progress limit allows (equal to the limit is fine). The finding names the tasks holding the slots and points at the line where the limit is set.\n\nFix: finish or move tasks out of the status, or raise the limit in qgate.yaml (`kanban.wip_limits`) or in the board's own config.",
    },
    CodeDoc {
        code: "wip-limit-full",
        summary: "a move into a status that is already at its WIP limit",
        explanation: "`qgate transition` refuses to move a task into a status whose count (not counting the moving task) is already at or over its limit.\n\nExample: review has a limit of 2 and holds A and B; moving C into review is refused.\n\nFix: move something out of the status first.",
    },
    CodeDoc {
        code: "wip-limit-near",
        summary: "a move leaves a status at 80% or more of its WIP limit",
        explanation: "The move is allowed, but the target status is now at or above 80% of its limit. A warning: it does not block unless `--fail-on warning`.",
    },
];

impl Check for WipLimit {
    fn shares(&self) -> Option<&'static str> {
        Some("board")
    }

    fn id(&self) -> &'static str {
        "wip-limit"
    }

    fn summary(&self) -> &'static str {
        "per-status work-in-progress limits, board-wide and on every move"
    }

    fn explanation(&self) -> &'static str {
        "Work-in-progress limits keep a team finishing before starting. Limits come from the board's own config (promethean `wipLimits`, kanban-md `wip_limits`, an Obsidian lane heading `## Doing (3)`) with qgate.yaml's `kanban.wip_limits` merged over them. A limit of 0 or less, or none, means unlimited.\n\n`qgate check`: a status holding more tasks than its limit is an error.\n`qgate transition T --to S`: blocked when S already holds its limit (the moving task not counted); allowed with a warning when the move leaves S at 80% or more of its limit.\n\nSuppress: `# qgate:ignore[wip-limit] reason` above the limit's line in qgate.yaml, or above the task's `status:` line for one move."
    }

    fn codes(&self) -> &'static [CodeDoc] {
        CODES
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        let Some(board) = cx.board_or_note(sink)? else {
            return Ok(());
        };
        match cx.mode {
            Mode::Check => check_board(board, sink),
            Mode::Transition(mv) => {
                let Some(task) = board.tasks.get(mv.task) else {
                    return Ok(());
                };
                if mv.is_noop(board) {
                    return Ok(());
                }
                let Some(limit) = board.limit_for(&mv.to.norm) else {
                    return Ok(());
                };
                let holders: Vec<String> = board
                    .tasks_in(&mv.to.norm)
                    .filter(|t| !std::ptr::eq(*t, task))
                    .map(|t| t.display_id())
                    .collect();
                let n = holders.len() as i64;
                let to = mv.to_display(board);
                if n >= limit.limit {
                    sink.push(
                        Raw::new(
                            "wip-limit-full",
                            Severity::Error,
                            format!(
                                "cannot move {} into `{to}`: it already holds {n} tasks and its WIP limit is {} ({})",
                                task.display_id(),
                                limit.limit,
                                holders.join(", ")
                            ),
                        )
                        .on_task(task, "status"),
                    );
                } else if (n + 1) * 5 >= limit.limit * 4 {
                    sink.push(
                        Raw::new(
                            "wip-limit-near",
                            Severity::Warning,
                            format!(
                                "moving {} leaves `{to}` at {} of its limit of {}",
                                task.display_id(),
                                n + 1,
                                limit.limit
                            ),
                        )
                        .on_task(task, "status"),
                    );
                }
            }
        }
        Ok(())
    }
}

fn check_board(board: &Board, sink: &mut Sink) {
    if board.wip_limits.values().all(|l| l.limit <= 0) {
        sink.note("the board sets no WIP limits");
        return;
    }
    for (norm, limit) in &board.wip_limits {
        if limit.limit <= 0 {
            continue;
        }
        let holders: Vec<String> = board.tasks_in(norm).map(|t| t.display_id()).collect();
        if holders.len() as i64 > limit.limit {
            let f = Raw::new(
                "wip-limit-exceeded",
                Severity::Error,
                format!(
                    "`{}` holds {} tasks, over its WIP limit of {}: {}",
                    limit.status,
                    holders.len(),
                    limit.limit,
                    holders.join(", ")
                ),
            )
            .at(limit.origin.path.clone(), limit.origin.line)
            .subject(limit.status.clone());
            sink.push(f);
        }
    }
}
