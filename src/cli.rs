//! The command line (clap definitions only; behaviour lives in `app`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::OutputFormat;

const AFTER_HELP: &str = "\
Exit codes: 0 passed (warnings allowed), 1 blocked, 2 error (bad usage, invalid config,
unreadable input a gate needed). Errors never exit 0 unless --exit-zero.

Examples:
  qgate check                                 run every enabled gate on this repository
  qgate check --format json --report junit=qgate.xml
  qgate transition BACK-12 --to \"In Progress\" --apply
  qgate explain p0-security-review";

#[derive(Debug, Parser)]
#[command(name = "qgate", version, about = "A quality gate for the merge path and the kanban board.", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the enabled gates over the repository.
    Check(CheckArgs),
    /// Decide whether a kanban task may move to a status (and move it with --apply).
    Transition(TransitionArgs),
    /// List the registered checks with the level in effect.
    Checks(ConfigArg),
    /// Explain a check or a finding code: what, why, example, how to fix or suppress.
    Explain {
        /// A check id (`wip-limit`), a finding code (`p0-missing-plan`), or `compliance-score`.
        id: String,
    },
    /// Write a commented qgate.yaml with every option at its default.
    Init {
        /// Where to write it.
        #[arg(long, default_value = "qgate.yaml")]
        output: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Git hooks that run qgate: `qgate hooks install [--pre-commit] [--pre-push]`.
    Hooks {
        #[command(subcommand)]
        command: HooksCommand,
    },
    /// File-watch compliance mode: evaluate once, then re-evaluate what each change
    /// affects; serve metrics, status and a dashboard; log violations as they open and close.
    Watch(WatchArgs),
    /// The audit trail of transitions and watch-mode violations: `qgate audit verify`.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Benchmark history: `qgate perf record` appends this run's results.
    Perf {
        #[command(subcommand)]
        command: PerfCommand,
    },
    /// Baselines of accepted findings: `qgate baseline write`.
    Baseline {
        #[command(subcommand)]
        command: BaselineCommand,
    },
    /// Combine the JSON reports of sharded runs (`check --shard K/N`) into one report.
    Merge(MergeArgs),
}

#[derive(Debug, Subcommand)]
pub enum PerfCommand {
    /// Append this run's benchmark results (perf.results) to the history file, with the
    /// commit and time from git. Run it on the main branch.
    Record {
        /// Config file (default: qgate.yaml at the repository root, if present).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The history file (default: the first plain file of perf.baseline, else
        /// .qgate/perf-history.json).
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// Keep at most N runs (default: perf.keep, 50).
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Write hooks into the repository's hooks directory (core.hooksPath is honoured).
    /// Without flags: the pre-commit hook.
    Install {
        /// A pre-commit hook: `qgate check --staged`.
        #[arg(long)]
        pre_commit: bool,
        /// A pre-push hook: `qgate check --changed-since <upstream>`.
        #[arg(long)]
        pre_push: bool,
        /// Overwrite hooks that qgate did not write.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write the fingerprints of today's findings, so later runs (`--baseline FILE`) fail
    /// only on new ones.
    Write {
        /// Where to write it (default: .qgate/baseline.json at the repository root).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Config file (default: qgate.yaml at the repository root, if present).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain: exit 0 when intact, 1 when an entry was edited,
    /// removed, inserted or reordered, or the last one was cut short.
    Verify {
        /// Config file (default: qgate.yaml at the repository root, if present).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The log (default: audit.path from the config, .qgate/audit.jsonl).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  qgate watch --http 127.0.0.1:9464 --events .qgate/events.jsonl
  qgate watch --dashboard compliance.html --on-violation 'notify-send qgate \"$(jq -r .message)\"'

Endpoints with --http: /metrics (Prometheus), /health, /ready (503 until the first
evaluation), /api/status (the JSON report), / (the dashboard).")]
pub struct WatchArgs {
    /// Config file (default: qgate.yaml at the repository root, if present). Edits to it
    /// are reloaded; an invalid edit keeps the last good config and reports the error.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Serve /metrics, /health, /ready, /api/status and the dashboard on ADDR
    /// (`9464` alone means 127.0.0.1:9464; port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Append one JSON line per violation opened or resolved and per score change.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Keep this HTML dashboard file up to date.
    #[arg(long, value_name = "FILE")]
    pub dashboard: Option<PathBuf>,
    /// Run CMD (with `sh -c`) for each newly opened blocking violation, the event's JSON on
    /// its stdin; it runs beside the watcher, never blocking it.
    #[arg(long, value_name = "CMD")]
    pub on_violation: Option<String>,
    /// Kill an --on-violation command that runs longer than this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub on_violation_timeout: f64,
    /// How long the file system must be quiet before a batch of changes is evaluated
    /// (milliseconds; a batch of more than 64 events waits for 100 ms of quiet), so that a
    /// burst such as a branch checkout becomes one evaluation.
    #[arg(long, value_name = "MS", default_value_t = 10)]
    pub debounce: u64,
    #[command(flatten)]
    pub gates: Gates,
    /// Print each batch of changes and what it re-evaluated.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// Config file (default: qgate.yaml at the repository root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Which checks run and what blocks: shared by `check`, `transition` and `watch`.
#[derive(Debug, Args)]
pub struct Gates {
    /// Run only these checks (comma-separated ids).
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    pub checks: Option<Vec<String>>,
    /// Only findings whose fingerprint is not in this baseline can fail the run (or count
    /// as violations in watch mode).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The lowest severity that blocks.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Do not run command checks declared in the config (for untrusted configs, such as
    /// pull requests from forks).
    #[arg(long)]
    pub no_exec: bool,
    /// Neither read nor write the caches in .qgate/cache.
    #[arg(long)]
    pub no_cache: bool,
}

impl FailOn {
    pub fn severity(self) -> crate::report::Severity {
        match self {
            FailOn::Error => crate::report::Severity::Error,
            FailOn::Warning => crate::report::Severity::Warning,
        }
    }
}

/// Options shared by `check` and `transition`.
#[derive(Debug, Args)]
pub struct Common {
    /// Config file (default: qgate.yaml at the repository root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Also write FORMAT to PATH (repeatable), e.g. `--report junit=qgate.xml`.
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<String>,
    /// Only files changed since the merge-base with REF; task statuses changed in that range
    /// are judged as transitions.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// With --changed-since: also files changed in the index and work tree.
    #[arg(long)]
    pub uncommitted: bool,
    /// Check the git index's content of staged files, not the work tree.
    #[arg(long)]
    pub staged: bool,
    #[command(flatten)]
    pub gates: Gates,
    /// Always exit 0 (report only).
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour in text output: auto = only on a terminal and without NO_COLOR.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports of every shard (`qgate check --shard K/N --format json`).
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Also write FORMAT to PATH (repeatable).
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<String>,
    /// The lowest severity that blocks.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Always exit 0 (report only).
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Restrict file-based checks to these files; a directory means every file below it
    /// (`.gitignore` and excludes still apply).
    pub paths: Vec<PathBuf>,
    /// Run part K of N of the file-based work (a stable hash of each path decides); the
    /// repository-wide checks run in shard 1. Combine the JSON reports with `qgate merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct TransitionArgs {
    /// A task file path, or a task id (case-insensitive; Obsidian: the card text).
    pub task: String,
    /// The status to move to ("In Progress" = in-progress = in_progress).
    #[arg(long, value_name = "STATUS")]
    pub to: String,
    /// Write the new status into the task file when the move is allowed.
    #[arg(long)]
    pub apply: bool,
    #[command(flatten)]
    pub common: Common,
}
