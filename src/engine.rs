//! The engine: runs the selected checks in parallel, times each, isolates failures, applies
//! levels, fingerprints, suppressions, and builds the [`Report`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::checks::{self, Check, Context, Mode, Raw, Sink};
use crate::config::Level;
use crate::fsutil;
use crate::report::{CheckReport, CheckStatus, Finding, Policy, Report, Severity};
use crate::suppress::{self, Directive};
use crate::workspace::Workspace;

/// Which checks run, and what blocks.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--checks`: only these ids (validated by the caller).
    pub only: Option<Vec<String>>,
    pub policy: Policy,
    /// `--baseline`: findings with these fingerprints do not fail the run.
    pub baseline: Option<crate::baseline::Baseline>,
}

/// The id of the report entry that carries findings about suppressions themselves.
pub const SUPPRESSIONS: &str = "suppressions";

pub fn run(ws: &Workspace, mode: &Mode, opts: &Options) -> Report {
    let (builtin, user) = checks::all(&ws.config);
    let list: Vec<&dyn Check> = match mode {
        Mode::Check => builtin
            .into_iter()
            .chain(user.iter().map(|c| c.as_ref()))
            .collect(),
        // A move is judged by the kanban gates; scans, benchmarks and user checks judge files.
        Mode::Transition(_) => builtin
            .into_iter()
            .filter(|c| MOVE_CHECKS.contains(&c.id()))
            .collect(),
    };
    run_checks(ws, mode, opts, &list)
}

/// Runs `all` (filtered by `--checks`); `run` passes the registry, tests pass their own.
pub fn run_checks(ws: &Workspace, mode: &Mode, opts: &Options, all: &[&dyn Check]) -> Report {
    let started = Instant::now();
    let selected: Vec<&dyn Check> = all
        .iter()
        .copied()
        .filter(|c| {
            opts.only
                .as_ref()
                .is_none_or(|o| o.iter().any(|id| id == c.id()))
        })
        .collect();
    let raw = run_raw(ws, mode, &selected);
    finish(ws, mode, opts, raw, started)
}

/// Runs `checks` in parallel: one report each, in order, before suppressions, baseline and
/// statuses are applied (see [`finish`]). Checks that share an input (see
/// [`Check::shares`]) run in turn on one thread; the first group runs on the calling thread.
/// Watch mode keeps these reports and re-runs only the checks a change affects.
pub fn run_raw(ws: &Workspace, mode: &Mode, selected: &[&dyn Check]) -> Vec<CheckReport> {
    let cx = Context { ws, mode };
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    for (i, check) in selected.iter().enumerate() {
        let shares = check.shares();
        match groups.iter_mut().find(|(s, _)| s.is_some() && *s == shares) {
            Some((_, members)) => members.push(i),
            None => groups.push((shares, vec![i])),
        }
    }
    let run_group = |members: &[usize]| -> Vec<(usize, CheckReport)> {
        members
            .iter()
            .map(|&i| (i, run_one(selected[i], &cx)))
            .collect()
    };
    let mut reports: Vec<Option<CheckReport>> = selected.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        let mut groups = groups.iter().map(|(_, members)| members.as_slice());
        let first = groups.next().unwrap_or_default();
        let others: Vec<_> = groups
            .map(|members| (members, scope.spawn(|| run_group(members))))
            .collect();
        let mut done = run_group(first);
        for (members, handle) in others {
            // `run_one` catches a check's panic; this is for anything that escapes it.
            done.extend(handle.join().unwrap_or_else(|_| {
                let why = || "the check's thread panicked".to_string();
                let fail = |&i: &usize| (i, failed(selected[i], why(), 0.0));
                members.iter().map(fail).collect()
            }));
        }
        for (i, report) in done {
            reports[i] = Some(report);
        }
    });
    reports
        .into_iter()
        .zip(selected)
        .map(|(r, c)| r.unwrap_or_else(|| failed(*c, "the check did not run".into(), 0.0)))
        .collect()
}

/// Turns raw check reports into the run's report: repeat numbering, suppressions, the
/// baseline, statuses, verdict.
pub fn finish(
    ws: &Workspace,
    mode: &Mode,
    opts: &Options,
    mut reports: Vec<CheckReport>,
    started: Instant,
) -> Report {
    number_repeats(&mut reports);
    cap_per_file(&mut reports);
    let mut meta = apply_suppressions(ws, mode, &mut reports);
    if let Some(b) = &opts.baseline {
        meta.extend(apply_baseline(b, &mut reports));
    }
    if !meta.is_empty() {
        reports.push(CheckReport {
            id: SUPPRESSIONS.into(),
            level: Level::Warn,
            status: CheckStatus::Pass,
            duration_ms: 0.0,
            findings: meta,
        });
    }
    for r in &mut reports {
        r.derive_status();
    }
    Report::new(reports, ms_since(started), opts.policy)
}

fn run_one(check: &dyn Check, cx: &Context<'_>) -> CheckReport {
    let level = cx.ws.config.level_of(check.id(), check.default_level());
    if let Some((k, n)) = cx.ws.shard
        && k != 1
        && !check.file_based()
        && level != Level::Off
    {
        let note = complete(
            Raw::new(
                "nothing-to-check",
                Severity::Note,
                format!("repository-wide check: it runs in shard 1 of {n}"),
            ),
            level,
        );
        return CheckReport {
            id: check.id().into(),
            level,
            status: CheckStatus::Skipped,
            duration_ms: 0.0,
            findings: vec![note],
        };
    }
    if level == Level::Off {
        return CheckReport {
            id: check.id().into(),
            level,
            status: CheckStatus::Skipped,
            duration_ms: 0.0,
            findings: Vec::new(),
        };
    }
    let started = Instant::now();
    let mut sink = Sink::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| check.run(cx, &mut sink)));
    let duration_ms = ms_since(started);
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(msg)) => Some(msg),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Some(format!(
                "internal error (a bug in qgate, please report it): {what}"
            ))
        }
    };
    if let Some(msg) = error {
        return failed(check, msg, duration_ms);
    }
    let findings = sink
        .findings
        .into_iter()
        .map(|raw| complete(raw, level))
        .collect();
    CheckReport {
        id: check.id().into(),
        level,
        status: CheckStatus::Pass,
        duration_ms,
        findings,
    }
}

fn failed(check: &dyn Check, msg: String, duration_ms: f64) -> CheckReport {
    let level = Level::Error;
    let raw = Raw::new("check-failed", Severity::Error, msg);
    CheckReport {
        id: check.id().into(),
        level,
        status: CheckStatus::Error,
        duration_ms,
        findings: vec![complete(raw, level)],
    }
}

/// Applies the level (a `warn` check reports errors as warnings) and the fingerprint.
fn complete(raw: Raw, level: Level) -> Finding {
    let severity = match (level, raw.severity) {
        (Level::Warn, Severity::Error) => Severity::Warning,
        (_, s) => s,
    };
    let fingerprint = fingerprint(&raw.code, raw.path.as_deref().unwrap_or(""), &raw.content);
    Finding {
        code: raw.code.into(),
        severity,
        message: raw.message,
        path: raw.path,
        line: raw.line,
        column: raw.column,
        subject: raw.subject,
        fingerprint,
        suppressed: false,
        baselined: false,
        flow: raw.flow,
        snippet: None,
        snippet_column: None,
    }
}

/// The kanban checks, which judge moves.
const MOVE_CHECKS: [&str; 4] = [
    "task-format",
    "wip-limit",
    "transition-rules",
    "p0-security-review",
];

/// A board-wide run plus each move (`--changed-since`: task statuses changed in the range),
/// the moves' findings merged into the report.
pub fn run_with_moves(ws: &Workspace, moves: &[checks::Move], opts: &Options) -> Report {
    let mut report = run(ws, &Mode::Check, opts);
    let only: Vec<String> = MOVE_CHECKS
        .iter()
        .filter(|id| {
            opts.only
                .as_ref()
                .is_none_or(|o| o.iter().any(|x| x == *id))
        })
        .map(|s| s.to_string())
        .collect();
    let move_opts = Options {
        only: Some(only),
        policy: opts.policy,
        baseline: opts.baseline.clone(),
    };
    for mv in moves {
        let t = run(ws, &Mode::Transition(mv.clone()), &move_opts);
        for tc in t.checks {
            let Some(c) = report.checks.iter_mut().find(|c| c.id == tc.id) else {
                continue;
            };
            for f in tc
                .findings
                .into_iter()
                .filter(|f| f.severity != Severity::Note)
            {
                if !c.findings.iter().any(|x| x.fingerprint == f.fingerprint) {
                    c.findings.push(f);
                }
            }
        }
    }
    for c in &mut report.checks {
        c.derive_status();
    }
    report.decide(opts.policy);
    report
}

/// Identical findings in one file (same code, path and content) get `#2`, `#3`... in their
/// fingerprint, in line order, so a new copy of an accepted finding is still new.
/// The most findings of one code shown for one file; the rest are counted in a note.
pub const MAX_PER_FILE: usize = 100;

/// Keeps the first [`MAX_PER_FILE`] findings of each code in each file (a generated or
/// minified file can hold thousands), and says how many more there were.
fn cap_per_file(reports: &mut [CheckReport]) {
    for r in reports.iter_mut() {
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        for f in &r.findings {
            if let Some(p) = &f.path {
                *seen.entry((p.clone(), f.code.clone())).or_default() += 1;
            }
        }
        if seen.values().all(|n| *n <= MAX_PER_FILE) {
            continue;
        }
        let mut kept: HashMap<(String, String), usize> = HashMap::new();
        r.findings.retain(|f| {
            let Some(p) = &f.path else { return true };
            let n = kept.entry((p.clone(), f.code.clone())).or_default();
            *n += 1;
            *n <= MAX_PER_FILE
        });
        let mut over: Vec<((String, String), usize)> = seen
            .into_iter()
            .filter(|(_, n)| *n > MAX_PER_FILE)
            .collect();
        over.sort();
        for ((path, code), n) in over {
            let msg = format!(
                "{} more `{code}` findings in this file are not shown (the first {MAX_PER_FILE} are)",
                n - MAX_PER_FILE
            );
            let raw = Raw::new("too-many-findings", Severity::Note, msg)
                .at(path, None)
                .subject(code);
            r.findings.push(complete(raw, r.level));
        }
    }
}

fn number_repeats(reports: &mut [CheckReport]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut all: Vec<&mut Finding> = reports
        .iter_mut()
        .flat_map(|r| r.findings.iter_mut())
        .collect();
    all.sort_by_key(|f| (f.path.clone(), f.line, f.column));
    for f in all {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            f.fingerprint = fingerprint(
                &f.code,
                f.path.as_deref().unwrap_or(""),
                &format!("{}#{n}", f.fingerprint),
            );
        }
    }
}

/// Marks baselined findings (they no longer block) and reports entries that matched none.
fn apply_baseline(
    baseline: &crate::baseline::Baseline,
    reports: &mut [CheckReport],
) -> Vec<Finding> {
    let known = baseline.fingerprints();
    let mut matched: HashSet<String> = HashSet::new();
    let ran: HashSet<String> = reports
        .iter()
        .filter(|r| r.status != CheckStatus::Skipped)
        .map(|r| r.id.clone())
        .collect();
    for r in reports.iter_mut() {
        for f in &mut r.findings {
            if known.contains(f.fingerprint.as_str()) {
                matched.insert(f.fingerprint.clone());
                if !f.suppressed {
                    f.suppressed = true;
                    f.baselined = true;
                }
            }
        }
    }
    baseline
        .findings
        .iter()
        .filter(|e| !matched.contains(&e.fingerprint))
        // Only entries of checks that ran can be judged stale.
        .filter(|e| checks::code_doc(&e.code).is_none_or(|(owner, _)| ran.contains(owner) || owner == "qgate"))
        .map(|e| {
            let where_ = e.path.as_deref().map_or(String::new(), |p| format!(" in {p}"));
            let mut f = complete(
                Raw::new("stale-baseline-entry", Severity::Note, format!("baseline entry `{}`{where_} matches no finding any more; rewrite the baseline with `qgate baseline write`", e.code)),
                Level::Warn,
            );
            f.path = e.path.clone();
            f.fingerprint = fingerprint("stale-baseline-entry", e.path.as_deref().unwrap_or(""), &e.fingerprint);
            f
        })
        .collect()
}

/// Stable across runs and line moves: code + path + whitespace-normalized content.
pub fn fingerprint(code: &str, path: &str, content: &str) -> String {
    let normalized: Vec<&str> = content.split_whitespace().collect();
    let mut h = Sha256::new();
    h.update(code.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(normalized.join(" ").as_bytes());
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn ms_since(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The 1-based `line` of `text`, without its terminator.
/// The widest snippet shown, in characters.
const SNIPPET_WIDTH: usize = 200;

/// Line `line` of `text` as a finding's snippet: a window around `column` when it is long.
fn snippet(f: &mut Finding, text: &str, line: u32) {
    let Some(n) = (line as usize).checked_sub(1) else {
        return;
    };
    let Some(src) = text.lines().nth(n) else {
        return;
    };
    let col = f.column.map_or(1, |c| c as usize);
    let (w, at) = crate::text::window(src, col, SNIPPET_WIDTH);
    f.snippet = Some(w.into_owned());
    f.snippet_column = f.column.map(|_| at as u32);
}

/// File texts the run already holds (board files), read lazily otherwise.
struct Files<'a> {
    ws: &'a Workspace,
    known: HashMap<&'a str, &'a str>,
    read: HashMap<String, Option<String>>,
}

impl<'a> Files<'a> {
    fn new(ws: &'a Workspace) -> Self {
        let mut known = HashMap::new();
        if let Ok(Some(board)) = ws.board() {
            for t in &board.tasks {
                if let Some((d, text)) = t
                    .doc
                    .as_ref()
                    .and_then(|d| d.text.as_deref().map(|x| (d, x)))
                {
                    known.insert(d.path.as_str(), text);
                }
            }
        }
        Files {
            ws,
            known,
            read: HashMap::new(),
        }
    }

    fn text(&mut self, path: &str) -> Option<&str> {
        if let Some(t) = self.known.get(path) {
            return Some(t);
        }
        self.read
            .entry(path.to_string())
            .or_insert_with(|| fsutil::read_text(&self.ws.root.join(path)).ok())
            .as_deref()
    }
}

/// Marks suppressed findings, fills snippets, and returns findings about the directives
/// themselves (unused, malformed, without a reason) for files in the run's scope.
fn apply_suppressions(ws: &Workspace, mode: &Mode, reports: &mut [CheckReport]) -> Vec<Finding> {
    let mut files = Files::new(ws);
    let board = ws.board().ok().flatten();
    let mut directives: BTreeMap<String, Vec<Directive>> =
        board.map(|b| b.directives.clone()).unwrap_or_default();
    let scanned = ws.scan_if_done();
    for (path, file) in scanned.map(|s| s.files.as_slice()).unwrap_or_default() {
        if !file.directives.is_empty() {
            directives.insert(path.clone(), file.directives.clone());
        }
    }
    let mut used: HashSet<(String, u32, String)> = HashSet::new();
    // Directives that named a finding of a check `suppress.allow` leaves out: (path, line,
    // id, check).
    let mut refused: Vec<(String, u32, String, String)> = Vec::new();

    for report in reports.iter_mut() {
        let check_id = report.id.clone();
        for f in &mut report.findings {
            let (Some(path), Some(line)) = (f.path.clone(), f.line) else {
                continue;
            };
            let Some(text) = files.text(&path) else {
                continue;
            };
            snippet(f, text, line);
            let ds = directives
                .entry(path.clone())
                .or_insert_with(|| suppress::parse(text));
            for d in ds.iter().filter(|d| d.covers_line(line)) {
                for id in &d.ids {
                    if *id == f.code || *id == check_id {
                        used.insert((path.clone(), d.line, id.clone()));
                        if ws.config.may_suppress(&check_id) {
                            f.suppressed = true;
                        } else {
                            refused.push((path.clone(), d.line, id.clone(), check_id.clone()));
                        }
                    }
                }
            }
        }
    }

    // Which directive ids can be judged: those naming a check that ran, or one of its codes.
    let ran: Vec<&CheckReport> = reports
        .iter()
        .filter(|r| r.status != CheckStatus::Skipped)
        .collect();
    let ran_ids: HashSet<&str> = ran.iter().map(|r| r.id.as_str()).collect();
    let judged = |id: &str| -> Option<bool> {
        if ran_ids.contains(id) {
            return Some(true);
        }
        if let Some((owner, _)) = checks::code_doc(id) {
            return Some(ran_ids.contains(owner));
        }
        if checks::find(id).is_some() {
            return Some(false);
        }
        // A user check's codes are its id with a suffix (`my-rule-match`).
        if ran_ids
            .iter()
            .any(|r| id.strip_prefix(r).is_some_and(|rest| rest.starts_with('-')))
        {
            return Some(true);
        }
        None
    };
    // Stale suppressions are judged board-wide only: a transition evaluates one move, so a
    // directive about anything else would look unused.
    let mut scope: Vec<String> = match (mode, board) {
        (Mode::Check, Some(b)) => b.files.clone(),
        _ => Vec::new(),
    };
    if matches!(mode, Mode::Check) {
        for (path, file) in scanned.map(|s| s.files.as_slice()).unwrap_or_default() {
            if !file.directives.is_empty() {
                scope.push(path.clone());
            }
        }
    }
    let mut meta = Vec::new();
    refused.sort();
    refused.dedup();
    for (path, line, id, check) in refused {
        let mut f = complete(
            Raw::new(
                "suppression-not-allowed",
                Severity::Error,
                format!(
                    "`qgate:ignore[{id}]` may not suppress findings of `{check}`: it is not in \
                     suppress.allow (by default every check but p0-security-review); the \
                     finding stands"
                ),
            )
            .at(path.clone(), Some(line)),
            Level::Error,
        );
        f.fingerprint = fingerprint("suppression-not-allowed", &path, &id);
        meta.push(f);
    }
    for path in scope {
        let Some(ds) = directives.get(&path) else {
            continue;
        };
        for d in ds {
            let at = |code: &'static str, sev: Severity, msg: String| {
                let mut f = complete(
                    Raw::new(code, sev, msg).at(path.clone(), Some(d.line)),
                    Level::Error,
                );
                f.fingerprint = fingerprint(code, &path, &d.ids.join(","));
                f
            };
            if d.ids.is_empty() {
                meta.push(at(
                    "invalid-suppression",
                    Severity::Warning,
                    "`qgate:ignore` must name what it suppresses: `qgate:ignore[CODE] reason`"
                        .into(),
                ));
                continue;
            }
            for id in &d.ids {
                match judged(id) {
                    None => meta.push(at(
                        "unused-suppression",
                        Severity::Warning,
                        format!("suppression names `{id}`, which is no check id or finding code (see `qgate checks`)"),
                    )),
                    Some(true) if !used.contains(&(path.clone(), d.line, id.clone())) => meta.push(at(
                        "unused-suppression",
                        Severity::Warning,
                        format!("suppression of `{id}` matches no finding; remove it"),
                    )),
                    _ => {}
                }
            }
            if d.reason.is_none() {
                meta.push(at(
                    "suppression-without-reason",
                    Severity::Warning,
                    format!(
                        "suppression of `{}` gives no reason; write why after the brackets",
                        d.ids.join(", ")
                    ),
                ));
            }
        }
    }
    for f in &mut meta {
        if let (Some(p), Some(l)) = (f.path.clone(), f.line)
            && let Some(t) = files.text(&p)
        {
            snippet(f, t, l);
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Panics;
    impl Check for Panics {
        fn id(&self) -> &'static str {
            "panics"
        }
        fn summary(&self) -> &'static str {
            "a check with a bug"
        }
        fn explanation(&self) -> &'static str {
            "test only"
        }
        fn codes(&self) -> &'static [checks::CodeDoc] {
            &[]
        }
        fn run(&self, _: &Context<'_>, _: &mut Sink) -> Result<(), String> {
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 3;
            // An out-of-bounds index: the kind of bug catch_unwind must contain.
            let _ = v[i];
            Ok(())
        }
    }

    struct Fine;
    impl Check for Fine {
        fn id(&self) -> &'static str {
            "fine"
        }
        fn summary(&self) -> &'static str {
            "a check that works"
        }
        fn explanation(&self) -> &'static str {
            "test only"
        }
        fn codes(&self) -> &'static [checks::CodeDoc] {
            &[]
        }
        fn run(&self, _: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
            sink.push(Raw::new(
                "fine-finding",
                Severity::Warning,
                "still reported",
            ));
            Ok(())
        }
    }

    #[test]
    fn a_panicking_check_is_an_error_and_the_others_still_report() {
        let dir = tempfile::tempdir().unwrap();
        let ws =
            Workspace::new(dir.path().to_path_buf(), crate::config::Config::default()).unwrap();
        let report = run_checks(&ws, &Mode::Check, &Options::default(), &[&Panics, &Fine]);
        assert_eq!(report.exit_code, 2);
        let panicked = &report.checks[0];
        assert_eq!(panicked.status, CheckStatus::Error);
        assert!(
            panicked.findings[0].message.contains("internal error"),
            "{:?}",
            panicked.findings
        );
        assert_eq!(report.checks[1].status, CheckStatus::Warn);
        assert_eq!(report.checks[1].findings[0].code, "fine-finding");
    }

    #[test]
    fn fingerprints_ignore_whitespace_but_not_code_or_path() {
        let a = fingerprint("c", "p", "x  y");
        assert_eq!(a, fingerprint("c", "p", " x y "));
        assert_ne!(a, fingerprint("d", "p", "x y"));
        assert_ne!(a, fingerprint("c", "q", "x y"));
        assert_eq!(a.len(), 32);
    }
}
