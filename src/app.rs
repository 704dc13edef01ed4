//! What each command does: map its arguments to one engine call and the emitters.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::checks::{self, Mode, Move};
use crate::cli::{
    AuditCommand, BaselineCommand, CheckArgs, Cli, Color, Command, Common, HooksCommand,
    PerfCommand, TransitionArgs,
};
use crate::config::{self, Config};
use crate::engine;
use crate::fsutil;
use crate::kanban::{Status, edit};
use crate::report::{self, OutputFormat, Policy, Report, TextStyle, Verdict};
use crate::workspace::Workspace;

/// Runs a command; returns the process exit code. Errors are printed here, once.
pub fn run(cli: Cli) -> i32 {
    match dispatch(cli) {
        Ok(code) => code,
        Err(msg) => {
            // Messages quote task ids, titles and paths from the repository.
            eprintln!("qgate: error: {}", crate::text::printable(&msg));
            2
        }
    }
}

fn dispatch(cli: Cli) -> Result<i32, String> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Transition(args) => transition(args),
        Command::Checks(c) => list_checks(c.config.as_deref()),
        Command::Explain { id } => explain(&id),
        Command::Init { output, force } => init(&output, force),
        Command::Hooks {
            command:
                HooksCommand::Install {
                    pre_commit,
                    pre_push,
                    force,
                },
        } => {
            let cwd = cwd()?;
            let root = Workspace::discover_root(&cwd);
            let mut kinds = Vec::new();
            if pre_commit || !pre_push {
                kinds.push("pre-commit");
            }
            if pre_push {
                kinds.push("pre-push");
            }
            for p in crate::hooks::install(&root, &kinds, force)? {
                eprintln!("qgate: installed {}", p.display());
            }
            Ok(0)
        }
        Command::Watch(args) => crate::watch::run(args),
        Command::Audit {
            command: AuditCommand::Verify { config, file },
        } => audit_verify(config.as_deref(), file.as_deref()),
        Command::Perf {
            command:
                PerfCommand::Record {
                    config,
                    history,
                    keep,
                },
        } => perf_record(config.as_deref(), history.as_deref(), keep),
        Command::Baseline {
            command: BaselineCommand::Write { output, config },
        } => baseline_write(config.as_deref(), output.as_deref()),
        Command::Merge(args) => merge(args),
    }
}

fn cwd() -> Result<PathBuf, String> {
    std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))
}

/// `--checks`: every id must name a built-in check or one from the config.
pub(crate) fn validate_check_ids(config: &Config, ids: &[String]) -> Result<(), String> {
    let (builtin, user) = checks::all(config);
    let known: Vec<&str> = builtin
        .iter()
        .map(|c| c.id())
        .chain(user.iter().map(|c| c.id()))
        .collect();
    match ids.iter().find(|id| !known.contains(&id.as_str())) {
        Some(bad) => Err(format!(
            "unknown check `{bad}`; known checks: {}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

fn workspace_for(cwd: &Path, c: &Common) -> Result<Workspace, String> {
    let ws = workspace(cwd, c.config.as_deref())?;
    if let Some(ids) = &c.gates.checks {
        validate_check_ids(&ws.config, ids)?;
    }
    Ok(ws.with_options(c.gates.no_cache, c.gates.no_exec))
}

pub(crate) fn workspace(cwd: &Path, config_file: Option<&Path>) -> Result<Workspace, String> {
    let root = Workspace::discover_root(cwd);
    let explicit = config_file.map(|p| cwd.join(p));
    let config = Config::discover(&root, explicit.as_deref()).map_err(|e| e.to_string())?;
    Workspace::new(root, config)
}

/// Validates the shared options; returns the engine options and the extra reports.
fn options(c: &Common) -> Result<(engine::Options, Vec<(OutputFormat, PathBuf)>), String> {
    if c.staged && c.changed_since.is_some() {
        return Err("--staged and --changed-since cannot be combined: --staged checks what is about to be committed".into());
    }
    if c.uncommitted && c.changed_since.is_none() {
        return Err("--uncommitted goes with --changed-since".into());
    }
    let reports = report_specs(&c.report)?;
    Ok((
        engine_options(&c.gates, c.exit_zero, Path::new("."))?,
        reports,
    ))
}

/// The engine options from `--checks`, `--baseline` (relative to `cwd`) and `--fail-on`.
pub(crate) fn engine_options(
    g: &crate::cli::Gates,
    exit_zero: bool,
    cwd: &Path,
) -> Result<engine::Options, String> {
    let baseline = match &g.baseline {
        Some(p) => Some(crate::baseline::Baseline::read(&cwd.join(p))?),
        None => None,
    };
    Ok(engine::Options {
        only: g.checks.clone(),
        policy: Policy {
            fail_on: g.fail_on.severity(),
            exit_zero,
        },
        baseline,
    })
}

/// `--report FORMAT=PATH` values.
fn report_specs(specs: &[String]) -> Result<Vec<(OutputFormat, PathBuf)>, String> {
    let mut reports = Vec::new();
    for spec in specs {
        let (fmt, path) = spec
            .split_once('=')
            .filter(|(f, p)| !f.is_empty() && !p.is_empty())
            .ok_or_else(|| {
                format!("--report takes FORMAT=PATH, e.g. junit=qgate.xml; got `{spec}`")
            })?;
        let fmt = <OutputFormat as clap::ValueEnum>::from_str(fmt, true)
            .map_err(|_| format!("--report: unknown format `{fmt}` (text, json, junit, sarif, github, html, prometheus)"))?;
        reports.push((fmt, PathBuf::from(path)));
    }
    Ok(reports)
}

fn merge(args: crate::cli::MergeArgs) -> Result<i32, String> {
    let cwd = cwd()?;
    let extra = report_specs(&args.report)?;
    let mut reports = Vec::new();
    for p in &args.reports {
        let shown = p.display().to_string();
        let text = std::fs::read_to_string(cwd.join(p)).map_err(|e| format!("{shown}: {e}"))?;
        let r: Report = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{shown}:{}:{}: not a qgate JSON report: {e}",
                e.line(),
                e.column()
            )
        })?;
        reports.push((shown, r));
    }
    let policy = Policy {
        fail_on: args.fail_on.severity(),
        exit_zero: args.exit_zero,
    };
    let merged = crate::merge::merge(reports, policy)?;
    emit_as(&merged, args.format, args.color, &extra, &cwd)
}

fn color(c: Color) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Prints the report on stdout and writes the extra reports; returns the exit code.
fn emit(
    report: &Report,
    c: &Common,
    extra: &[(OutputFormat, PathBuf)],
    cwd: &Path,
) -> Result<i32, String> {
    emit_as(report, c.format, c.color, extra, cwd)
}

/// Writes the extra reports, the step summary, and `format` on stdout.
fn emit_as(
    report: &Report,
    format: OutputFormat,
    colour: Color,
    extra: &[(OutputFormat, PathBuf)],
    cwd: &Path,
) -> Result<i32, String> {
    for (fmt, path) in extra {
        let mut buf = Vec::new();
        report::emit(*fmt, report, TextStyle::default(), &mut buf).map_err(|e| e.to_string())?;
        let target = if path.as_os_str() == "-" {
            path.clone()
        } else {
            cwd.join(path)
        };
        if let Some(dir) = target.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: cannot create its directory: {e}", path.display()))?;
        }
        fsutil::write_output(&target, &buf)
            .map_err(|e| format!("{}: cannot write report: {e}", path.display()))?;
    }
    // In GitHub Actions, the github format also writes the step summary.
    let wants_summary =
        format == OutputFormat::Github || extra.iter().any(|(f, _)| *f == OutputFormat::Github);
    if let (true, Some(path)) = (
        wants_summary,
        std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()),
    ) {
        use std::io::Write as _;
        let text = report::github::summary(report);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| {
                format!(
                    "GITHUB_STEP_SUMMARY ({}): {e}",
                    PathBuf::from(&path).display()
                )
            })?;
    }
    let style = TextStyle {
        color: color(colour),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = report::emit(format, report, style, &mut out).and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(report.exit_code),
        // A closed pipe (`qgate check | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(report.exit_code),
        Err(e) => Err(format!("cannot write output: {e}")),
    }
}

fn check(args: CheckArgs) -> Result<i32, String> {
    let cwd = cwd()?;
    let (opts, extra) = options(&args.common)?;
    let mut ws = workspace_for(&cwd, &args.common)?;
    if !args.paths.is_empty() {
        ws.set_paths(&cwd, &args.paths)?;
    }
    let c = &args.common;
    if let Some(spec) = &args.shard {
        let parsed = spec
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)))
            .filter(|(k, n)| *n >= 1 && (1..=*n).contains(k));
        ws.shard = Some(parsed.ok_or_else(|| {
            format!("--shard takes K/N with 1 <= K <= N, e.g. 2/4; got `{spec}`")
        })?);
    }
    if c.staged {
        let staged = crate::git::staged(&ws.root)?;
        let keep = |p: &String| {
            !ws.exclude.is_excluded(p) && ws.paths.as_ref().is_none_or(|only| only.contains(p))
        };
        ws.paths = Some(staged.iter().map(|(p, _)| p.clone()).filter(keep).collect());
        ws.overlay = Some(staged.into_iter().collect());
    }
    if let Some(rev) = &c.changed_since {
        let changes = crate::git::changed_since(&ws.root, rev, c.uncommitted)?;
        let keep = |p: &String| {
            !ws.exclude.is_excluded(p) && ws.paths.as_ref().is_none_or(|only| only.contains(p))
        };
        ws.paths = Some(changes.files.iter().filter(|p| keep(p)).cloned().collect());
        let moves = status_changes(&ws, &changes);
        let mut report = engine::run_with_moves(&ws, &moves, &opts);
        report.changed = changes.files;
        report.shard = shard_info(&ws);
        add_history(&mut report, &ws, c, &extra);
        return emit(&report, c, &extra, &cwd);
    }
    let mut report = engine::run(&ws, &Mode::Check, &opts);
    report.shard = shard_info(&ws);
    add_history(&mut report, &ws, c, &extra);
    emit(&report, c, &extra, &cwd)
}

/// What `qgate merge` needs to know of a sharded run, on every path a check takes.
fn shard_info(ws: &Workspace) -> Option<crate::report::ShardInfo> {
    let (index, total) = ws.shard?;
    Some(crate::report::ShardInfo {
        index,
        total,
        commit: crate::perf::history::head_commit(&ws.root).map(|(id, _)| id),
        config: config_identity(ws),
    })
}

/// The HTML dashboard draws the score's trend from the history watch mode keeps.
fn add_history(report: &mut Report, ws: &Workspace, c: &Common, extra: &[(OutputFormat, PathBuf)]) {
    if c.format == OutputFormat::Html || extra.iter().any(|(f, _)| *f == OutputFormat::Html) {
        report.history = crate::score::read_history(&ws.root.join(crate::score::HISTORY_FILE));
    }
}

/// A hash of the configuration file in effect ("default" without one).
fn config_identity(ws: &Workspace) -> String {
    use sha2::{Digest, Sha256};
    match ws.config.file.as_ref().and_then(|f| std::fs::read(f).ok()) {
        Some(bytes) => Sha256::digest(&bytes)
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect(),
        None => "default".into(),
    }
}

/// Tasks whose status changed between the merge-base and now, as moves from the old status.
fn status_changes(ws: &Workspace, changes: &crate::git::Changes) -> Vec<Move> {
    let Ok(Some(board)) = ws.board() else {
        return Vec::new();
    };
    let mut moves = Vec::new();
    for (i, task) in board.tasks.iter().enumerate() {
        let Some(now) = &task.status else { continue };
        if board.format == crate::kanban::Format::Obsidian || !changes.files.contains(&task.path) {
            continue;
        }
        let Some(old) = crate::git::file_at(&ws.root, &changes.base, &task.path) else {
            continue;
        };
        let Some(old_status) = crate::kanban::status_in(&String::from_utf8_lossy(&old)) else {
            continue;
        };
        if old_status != now.norm {
            moves.push(Move {
                task: i,
                to: now.clone(),
                from: Some(old_status),
            });
        }
    }
    moves
}

/// An exclusive lock on `.qgate/board.lock`, held until the returned file is dropped (waits
/// for another `--apply` holding it). Never through a link.
fn board_lock(root: &Path) -> Result<std::fs::File, String> {
    let dir = root.join(".qgate");
    fsutil::create_dirs(&dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let path = dir.join("board.lock");
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    let f = fsutil::no_follow(&mut opts).open(&path).map_err(|e| {
        format!(".qgate/board.lock: cannot open the board lock (a link is never followed): {e}")
    })?;
    f.lock()
        .map_err(|e| format!(".qgate/board.lock: cannot lock the board: {e}"))?;
    Ok(f)
}

fn transition(args: TransitionArgs) -> Result<i32, String> {
    let cwd = cwd()?;
    if args.common.staged || args.common.changed_since.is_some() {
        return Err(
            "--staged and --changed-since apply to `qgate check`; `transition` judges one move"
                .into(),
        );
    }
    let (opts, extra) = options(&args.common)?;
    let ws = workspace_for(&cwd, &args.common)?;
    // Read, decide and write under one lock on the board: two moves into the last free
    // slot of a WIP limit cannot both see it free.
    let _lock = if args.apply {
        Some(board_lock(&ws.root)?)
    } else {
        None
    };
    let board = match ws.board() {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(checks::NO_BOARD.replace(
                "; nothing to check",
                "; set kanban.format and kanban.tasks in qgate.yaml",
            ));
        }
        Err(e) => return Err(format!("cannot read the kanban board: {e}")),
    };
    let to = Status::new(&args.to);
    if to.norm.is_empty() {
        return Err("--to must name a status".into());
    }
    let as_path = cwd.join(&args.task);
    let matches: Vec<usize> =
        if as_path.is_file() && board.format != crate::kanban::Format::Obsidian {
            let rel = ws.rel(&cwd, Path::new(&args.task));
            (0..board.tasks.len())
                .filter(|&i| board.tasks[i].path == rel)
                .collect()
        } else {
            board.find(&args.task)
        };
    let index = match matches.as_slice() {
        [one] => *one,
        [] => {
            let mut msg = format!(
                "no task `{}` on the {} board at {} (ids compare case-insensitively)",
                args.task, board.format, board.location
            );
            let unread: Vec<String> = board
                .problems
                .iter()
                .filter(|p| p.code == "task-front-matter-invalid" || p.code == "task-unreadable")
                .map(|p| format!("{}:{}: {}", p.path, p.line, p.message))
                .collect();
            if !unread.is_empty() {
                msg.push_str(&format!(
                    "; {} task file(s) could not be read: {}",
                    unread.len(),
                    unread.join("; ")
                ));
            }
            return Err(msg);
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|&i| format!("{} ({})", board.tasks[i].display_id(), board.tasks[i].path))
                .collect();
            return Err(format!(
                "`{}` names {} tasks: {}",
                args.task,
                many.len(),
                names.join("; ")
            ));
        }
    };
    let mv = Move {
        task: index,
        to,
        from: None,
    };
    let noop = mv.is_noop(board);
    let report = engine::run(&ws, &Mode::Transition(mv.clone()), &opts);
    let task = &board.tasks[index];
    let will_apply = args.apply && report.verdict == Verdict::Pass && !noop;
    let spelling = board.spelling_of(&mv.to.norm).unwrap_or(args.to.trim());
    // The task first, then its audit entry: an entry that says `applied` always matches the
    // file. When the entry cannot be written the task is put back (an unrecorded move is
    // not made).
    let written = if will_apply {
        Some(edit::apply_status(&ws.root, board.format, task, spelling))
    } else {
        None
    };
    let applied = matches!(written, Some(Ok(_)));
    if let Some(log) = crate::audit::path_of(&ws.root, &ws.config)
        && (args.apply || ws.config.audit.dry_runs)
    {
        let from = task.status.as_ref().map(|s| s.raw.clone());
        let entry =
            crate::audit::transition_entry(&ws.root, task, from, args.to.trim(), &report, applied);
        if let Err(e) = crate::audit::append(&log, "transition", entry) {
            if let Some(Ok(undo)) = &written {
                return Err(match edit::undo(&ws.root, task, undo) {
                    Ok(()) => format!("{e}; the move was not applied"),
                    Err(u) => format!("{e}; and the task could not be put back: {u}"),
                });
            }
            eprintln!("qgate: warning: {e}");
        }
    }
    if let Some(Err(e)) = written {
        return Err(e);
    }
    let mut outcome = None;
    if args.apply {
        outcome = Some(if report.verdict != Verdict::Pass {
            format!(
                "not applied: the move of {} is refused; the task file is unchanged",
                task.display_id()
            )
        } else if noop {
            format!(
                "{} is already in `{}`; nothing to change",
                task.display_id(),
                args.to.trim()
            )
        } else {
            let from = task.status.as_ref().map_or("(none)", |s| s.raw.as_str());
            format!(
                "moved {} from `{from}` to `{spelling}` ({})",
                task.display_id(),
                task.path
            )
        });
    }
    let code = match emit(&report, &args.common, &extra, &cwd) {
        Ok(c) => c,
        // The task is moved already: say so, not only that a report failed.
        Err(e) if applied => {
            return Err(format!(
                "{e} (the move itself was applied: {})",
                outcome.unwrap_or_default()
            ));
        }
        Err(e) => return Err(e),
    };
    if let Some(msg) = outcome {
        eprintln!("qgate: {}", crate::text::printable(&msg));
    }
    // The process ends here: freeing a large board task by task is wasted time.
    std::mem::forget(ws);
    Ok(code)
}

fn audit_verify(config_file: Option<&Path>, file: Option<&Path>) -> Result<i32, String> {
    let cwd = cwd()?;
    let log = match file {
        Some(f) => cwd.join(f),
        None => {
            let ws = workspace(&cwd, config_file)?;
            ws.root.join(&ws.config.audit.path)
        }
    };
    if !log.exists() {
        return Err(format!("{}: no audit log here", log.display()));
    }
    let v = crate::audit::verify(&log)?;
    for p in &v.problems {
        println!("{p}");
    }
    if v.problems.is_empty() {
        println!(
            "{}: intact — {} entries, hash chain and head match",
            log.display(),
            v.entries
        );
        Ok(0)
    } else {
        println!(
            "{}: {} problem(s) in {} entries",
            log.display(),
            v.problems.len(),
            v.entries
        );
        Ok(1)
    }
}

fn list_checks(config_file: Option<&Path>) -> Result<i32, String> {
    let cwd = cwd()?;
    let ws = workspace(&cwd, config_file)?;
    let (builtin, user) = checks::all(&ws.config);
    let all: Vec<&dyn checks::Check> = builtin
        .into_iter()
        .chain(user.iter().map(|c| c.as_ref()))
        .collect();
    let width = all.iter().map(|c| c.id().len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in &all {
        let level = ws.config.level_of(c.id(), c.default_level());
        out.push_str(&format!(
            "{:width$}  {:5}  {}\n",
            c.id(),
            level.to_string(),
            c.summary()
        ));
    }
    print_stdout(&out)
}

fn explain(id: &str) -> Result<i32, String> {
    let text = if id == "compliance-score" {
        crate::score::EXPLANATION.to_string()
    } else if let Some(c) = checks::find(id) {
        let mut t = format!(
            "{} — {}\nDefault level: {}\n\n{}\n",
            c.id(),
            c.summary(),
            c.default_level(),
            c.explanation()
        );
        if let Some(extra) = c.extra_explanation() {
            t.push_str(&extra);
        }
        t.push_str("\nFinding codes:\n");
        let w = c.codes().iter().map(|d| d.code.len()).max().unwrap_or(0);
        for d in c.codes() {
            t.push_str(&format!("  {:w$}  {}\n", d.code, d.summary));
        }
        t
    } else if let Some((owner, d)) = checks::code_doc(id) {
        format!(
            "{} ({owner}) — {}\n\n{}\n",
            d.code, d.summary, d.explanation
        )
    } else if let Some(text) = explain_user(id) {
        text
    } else {
        return Err(format!(
            "`{id}` is no check id or finding code; `qgate checks` lists the checks"
        ));
    };
    print_stdout(&text)
}

/// A user check (or its code) from qgate.yaml, if the current repository declares it.
fn explain_user(id: &str) -> Option<String> {
    let cwd = cwd().ok()?;
    let ws = workspace(&cwd, None).ok()?;
    let user = checks::user::from_config(&ws.config);
    let c = user
        .iter()
        .find(|c| c.id() == id || c.codes().iter().any(|d| d.code == id))?;
    let mut t = format!(
        "{} — {} (from qgate.yaml)\nDefault level: {}\n\n{}\n\nFinding codes:\n",
        c.id(),
        c.summary(),
        c.default_level(),
        c.explanation()
    );
    for d in c.codes() {
        t.push_str(&format!("  {}  {}\n", d.code, d.summary));
    }
    Some(t)
}

fn init(output: &Path, force: bool) -> Result<i32, String> {
    let path = cwd()?.join(output);
    if path.exists() && !force {
        return Err(format!(
            "{} already exists; use --force to overwrite it",
            output.display()
        ));
    }
    fsutil::write_output(&path, config::TEMPLATE.as_bytes())
        .map_err(|e| format!("{}: {e}", output.display()))?;
    eprintln!("qgate: wrote {}", output.display());
    Ok(0)
}

fn perf_record(
    config_file: Option<&Path>,
    history: Option<&Path>,
    keep: Option<usize>,
) -> Result<i32, String> {
    use crate::perf::history::{self, History, HistoryRun};
    let cwd = cwd()?;
    let ws = workspace(&cwd, config_file)?;
    let perf = &ws.config.perf;
    if perf.results.is_empty() {
        return Err("perf.results is not set in qgate.yaml: there are no results to record".into());
    }
    let (current, missing) = crate::perf::load_current(&ws.root, &perf.results)?;
    if current.is_empty() {
        return Err(format!(
            "perf.results matches no benchmark results ({})",
            missing.join(", ")
        ));
    }
    let path = match history {
        Some(p) => cwd.join(p),
        None => ws.root.join(
            perf.baseline
                .iter()
                .find(|b| {
                    !b.starts_with("git:") && !b.contains(['*', '?', '[']) && b.ends_with(".json")
                })
                .map_or(".qgate/perf-history.json", String::as_str),
        ),
    };
    let shown = fsutil::rel_path(&ws.root, &path);
    let mut file = History::read(&path, &shown)?.unwrap_or_default();
    let (commit, time) = match history::head_commit(&ws.root) {
        Some((id, t)) => (Some(id), t),
        None => (
            None,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
    };
    let count = current.len();
    let benchmarks = current.into_iter().map(|s| s.bench).collect();
    let keep = keep.unwrap_or(perf.keep).max(1);
    file.append(
        HistoryRun {
            commit: commit.clone(),
            time,
            benchmarks,
        },
        keep,
    );
    if let Some(dir) = path.parent() {
        fsutil::create_dirs(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fsutil::write_output(&path, &file.to_json())
        .map_err(|e| format!("{shown}: cannot write: {e}"))?;
    let at = commit.map_or_else(
        || "no git commit".to_string(),
        |c| format!("commit {}", &c[..c.len().min(10)]),
    );
    eprintln!(
        "qgate: recorded {count} benchmark(s) at {at} into {shown} ({} run(s) kept, at most {keep})",
        file.runs.len()
    );
    Ok(0)
}

fn baseline_write(config_file: Option<&Path>, output: Option<&Path>) -> Result<i32, String> {
    let cwd = cwd()?;
    let ws = workspace(&cwd, config_file)?;
    let report = engine::run(&ws, &Mode::Check, &engine::Options::default());
    if report.verdict == Verdict::Error {
        let why: Vec<String> = report
            .checks
            .iter()
            .flat_map(|c| {
                c.findings
                    .iter()
                    .filter(|f| f.code == "check-failed")
                    .map(move |f| format!("{}: {}", c.id, f.message))
            })
            .collect();
        return Err(format!(
            "cannot write a baseline while a check fails: {}",
            why.join("; ")
        ));
    }
    let baseline = crate::baseline::Baseline::from_report(&report);
    let path = match output {
        Some(p) => cwd.join(p),
        None => ws.root.join(crate::baseline::DEFAULT_PATH),
    };
    if let Some(dir) = path.parent() {
        fsutil::create_dirs(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fsutil::write_output(&path, &baseline.to_json())
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    eprintln!(
        "qgate: wrote {} finding(s) to {}",
        baseline.findings.len(),
        path.display()
    );
    Ok(0)
}

fn print_stdout(text: &str) -> Result<i32, String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(format!("cannot write output: {e}")),
    }
}
