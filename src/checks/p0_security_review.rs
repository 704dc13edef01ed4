//! `p0-security-review`: a P0 security task may not be in (or move into) a gated status
//! without a plan, a review by someone other than its assignee, and a commit that names it.

use super::{Check, CodeDoc, Context, Mode, Raw, Sink};
use crate::config::P0Config;
use crate::kanban::{Doc, Task, markdown, normalize_person};
use crate::report::Severity;

pub struct P0SecurityReview;

static CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "p0-missing-plan",
        summary: "a P0 security task has no implementation plan",
        explanation: "The task needs a `## Implementation Plan` section with a non-empty body (Backlog.md's `<!-- SECTION:PLAN:BEGIN -->` markers alone do not count).\n\nFix: write the plan into the task file.",
    },
    CodeDoc {
        code: "p0-missing-security-review",
        summary: "a P0 security task has no approved security review",
        explanation: "The task needs a sign-off: front matter `security_review: {reviewer: NAME, verdict: approved}`, or a `## Security Review` section with a line `Approved-by: NAME`.\n\nFix: have an authorized reviewer sign it.",
    },
    CodeDoc {
        code: "p0-self-review",
        summary: "a P0 security task's review is signed by its own assignee",
        explanation: "The reviewer must not be an assignee of the task (names compare case-insensitively, without a leading `@`). Four eyes, not two.",
    },
    CodeDoc {
        code: "p0-unauthorized-reviewer",
        summary: "a P0 security task's reviewer is not in `p0.reviewers`",
        explanation: "When qgate.yaml lists `p0.reviewers`, only those people may sign security reviews.",
    },
    CodeDoc {
        code: "p0-missing-commit",
        summary: "no commit reachable from HEAD names a P0 security task",
        explanation: "At least one commit reachable from HEAD must mention the task id in its message (case-insensitively, as a whole word: BACK-12 is not mentioned by BACK-123). Without a readable git repository, or with no commits, this fails closed and says why.\n\nFix: reference the task in the commit that implements it, e.g. `fix(upload): reject ../ (BACK-12)`.",
    },
];

impl Check for P0SecurityReview {
    fn id(&self) -> &'static str {
        "p0-security-review"
    }

    fn summary(&self) -> &'static str {
        "P0 security tasks need a plan, an independent review and a commit before gated statuses"
    }

    fn explanation(&self) -> &'static str {
        "Applies to a task whose priority is in `p0.priorities` (default P0, critical) and which has a `p0.labels` label or tag (default security) or a `p0.keywords` word in its title (default security, vulnerability, exploit, cve).\n\nSuch a task in (or moving into) a `p0.gated` status (default in_progress, review, done) must show all three, each missing one a finding of its own:\n  1. a `## Implementation Plan` section with a body;\n  2. a security review by someone other than the assignee, listed in `p0.reviewers` when that list is set: `security_review: {reviewer: NAME, verdict: approved}` in the front matter, or `Approved-by: NAME` in a `## Security Review` section;\n  3. a commit reachable from HEAD whose message names the task id (read with git2; no repository fails closed).\n\nSuppress one requirement: `# qgate:ignore[p0-missing-commit] reason` above the task's `status:` line."
    }

    fn codes(&self) -> &'static [CodeDoc] {
        CODES
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        let Some(board) = cx.board_or_note(sink)? else {
            return Ok(());
        };
        let cfg = &cx.ws.config.p0;
        let targets: Vec<&Task> = match cx.mode {
            Mode::Check => board
                .tasks
                .iter()
                .filter(|t| {
                    t.status_norm()
                        .is_some_and(|s| cfg.gated.iter().any(|g| g == s))
                        && is_p0_security(t, cfg)
                })
                .collect(),
            Mode::Transition(mv) => match board.tasks.get(mv.task) {
                Some(t)
                    if !mv.is_noop(board)
                        && cfg.gated.contains(&mv.to.norm)
                        && is_p0_security(t, cfg) =>
                {
                    vec![t]
                }
                _ => Vec::new(),
            },
        };
        if targets.is_empty() {
            if matches!(cx.mode, Mode::Check) {
                sink.note("no P0 security task is in a gated status");
            }
            return Ok(());
        }
        let ids: Vec<String> = targets
            .iter()
            .map(|t| t.id.clone().unwrap_or_default())
            .collect();
        let history = crate::git::commits_mentioning(&cx.ws.root, &ids);
        for (i, task) in targets.iter().enumerate() {
            let text = task.doc.as_ref().and_then(|d| d.load(&cx.ws.root));
            let doc = task.doc.as_ref().zip(text.as_deref());
            check_plan(task, doc, sink);
            check_review(task, doc, cfg, sink);
            match &history {
                Ok(found) if found.get(i).copied().unwrap_or(false) => {}
                Ok(_) => sink.push(
                    Raw::new(
                        "p0-missing-commit",
                        Severity::Error,
                        format!(
                            "no commit reachable from HEAD mentions {}",
                            task.display_id()
                        ),
                    )
                    .on_task(task, "status"),
                ),
                Err(why) => sink.push(
                    Raw::new(
                        "p0-missing-commit",
                        Severity::Error,
                        format!(
                            "cannot verify that a commit mentions {} (failing closed): {why}",
                            task.display_id()
                        ),
                    )
                    .on_task(task, "status"),
                ),
            }
        }
        Ok(())
    }
}

/// P0 by priority, and security-relevant by label/tag or by a keyword in the title.
pub fn is_p0_security(task: &Task, cfg: &P0Config) -> bool {
    let Some(p) = &task.priority else {
        return false;
    };
    if !cfg.priorities.contains(&p.trim().to_lowercase()) {
        return false;
    }
    if task.labels.iter().any(|l| {
        cfg.labels
            .contains(&l.trim().trim_start_matches('#').to_lowercase())
    }) {
        return true;
    }
    let title = task.title.as_deref().unwrap_or("").to_lowercase();
    cfg.keywords.iter().any(|k| crate::git::mentions(&title, k))
}

/// A task's document and its text, when it has one.
type DocText<'a> = Option<(&'a Doc, &'a str)>;

fn check_plan(task: &Task, doc: DocText<'_>, sink: &mut Sink) {
    let sections = doc.map(|(d, text)| d.sections(text)).unwrap_or_default();
    let plans: Vec<&markdown::Section> = sections
        .iter()
        .filter(|s| {
            s.title
                .trim()
                .to_lowercase()
                .starts_with("implementation plan")
        })
        .collect();
    let has_plan = plans.iter().any(|s| {
        doc.and_then(|(_, text)| text.get(s.body.clone()))
            .is_some_and(markdown::has_content)
    });
    if has_plan {
        return;
    }
    let why = if plans.is_empty() {
        "has no `## Implementation Plan` section"
    } else {
        "has an empty `## Implementation Plan` section"
    };
    sink.push(
        Raw::new(
            "p0-missing-plan",
            Severity::Error,
            format!("P0 security task {} {why}", task.display_id()),
        )
        .on_task(task, "status"),
    );
}

/// A sign-off from either place: (reviewer, approved?, path, line).
struct Signed {
    reviewer: String,
    approved: bool,
    verdict: Option<String>,
    path: String,
    line: u32,
}

fn signoffs(task: &Task, doc: DocText<'_>) -> Vec<Signed> {
    let mut out: Vec<Signed> = task
        .signoffs
        .iter()
        .map(|s| Signed {
            reviewer: s.reviewer.clone(),
            approved: s
                .verdict
                .as_deref()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("approved")),
            verdict: s.verdict.clone(),
            path: task.path.clone(),
            line: s.line,
        })
        .collect();
    let Some((doc, text)) = doc else { return out };
    for sec in doc.sections(text) {
        if !sec
            .title
            .trim()
            .to_lowercase()
            .starts_with("security review")
        {
            continue;
        }
        let Some(body) = text.get(sec.body.clone()) else {
            continue;
        };
        let first_line = sec.line + 1;
        for (n, line) in body.lines().enumerate() {
            let t = line
                .trim()
                .trim_start_matches(['-', '*', '>', ' '])
                .replace("**", "");
            let t = t.trim();
            let Some(colon) = t.find(':') else { continue };
            if !t[..colon].trim().eq_ignore_ascii_case("approved-by") {
                continue;
            }
            let name = t[colon + 1..]
                .trim()
                .trim_end_matches(['.', ',', ';'])
                .trim();
            if !name.is_empty() {
                out.push(Signed {
                    reviewer: name.to_string(),
                    approved: true,
                    verdict: None,
                    path: doc.path.clone(),
                    line: first_line + n as u32,
                });
            }
        }
    }
    out
}

fn check_review(task: &Task, doc: DocText<'_>, cfg: &P0Config, sink: &mut Sink) {
    let all = signoffs(task, doc);
    let assignees: Vec<String> = task.assignees.iter().map(|a| normalize_person(a)).collect();
    let is_assignee = |s: &Signed| assignees.contains(&normalize_person(&s.reviewer));
    let authorized = |s: &Signed| {
        cfg.reviewers.is_empty() || cfg.reviewers.contains(&normalize_person(&s.reviewer))
    };
    let approved: Vec<&Signed> = all.iter().filter(|s| s.approved).collect();
    if approved.iter().any(|s| !is_assignee(s) && authorized(s)) {
        return;
    }
    let id = task.display_id();
    let (code, message, at) = if let Some(s) = approved.iter().find(|s| !is_assignee(s)) {
        (
            "p0-unauthorized-reviewer",
            format!(
                "security review of {id} is signed by {}, who is not in p0.reviewers ({})",
                s.reviewer,
                cfg.reviewers.join(", ")
            ),
            Some(*s),
        )
    } else if let Some(s) = approved.first() {
        (
            "p0-self-review",
            format!(
                "security review of {id} is signed by its own assignee {}; it needs someone else",
                s.reviewer
            ),
            Some(*s),
        )
    } else if let Some(s) = all.first() {
        let verdict = s.verdict.as_deref().unwrap_or("none");
        (
            "p0-missing-security-review",
            format!(
                "security review of {id} by {} has verdict `{verdict}`, not `approved`",
                s.reviewer
            ),
            Some(s),
        )
    } else {
        (
            "p0-missing-security-review",
            format!(
                "P0 security task {id} has no security review (`security_review: {{reviewer: NAME, verdict: approved}}` or `Approved-by: NAME` under `## Security Review`)"
            ),
            None,
        )
    };
    let f = Raw::new(code, Severity::Error, message);
    let f = match at {
        Some(s) => f.at(s.path.clone(), Some(s.line)).subject(id),
        None => f.on_task(task, "status"),
    };
    sink.push(f);
}
