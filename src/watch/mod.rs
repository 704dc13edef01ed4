//! `qgate watch`: one full evaluation, then incremental re-evaluation of what each batch of
//! file changes affects.
//!
//! Changes are collected from `notify` until the file system has been quiet for the debounce
//! time (so an editor's write-temp-and-rename, or a checkout of a thousand files, is one
//! batch). Each changed path is classified: a source file is rescanned alone and only the
//! scanning checks (and the checks from the config) run again; a task file reloads the board
//! and re-runs the kanban checks; a benchmark result re-runs the perf gate; a change to git's
//! refs re-runs the P0 review (it looks for commits); the config is reloaded (an invalid one
//! keeps the last good one); a `.gitignore` change or a watcher overflow means a full
//! evaluation. Checks a batch does not affect keep their last results.

pub mod http;
mod outputs;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use notify::Watcher as _;

use crate::checks::{self, Check, Mode};
use crate::cli::WatchArgs;
use crate::config::Config;
use crate::engine;
use crate::report::prometheus::Histogram;
use crate::report::{CheckReport, Report};
use crate::scan::rules::Lang;
use crate::workspace::Workspace;

/// A batch never waits longer than this for the file system to go quiet.
const MAX_BATCH: Duration = Duration::from_secs(2);
/// A batch of more events than this is a burst, closed only after `BURST_QUIET` of quiet.
const BURST: usize = 64;
const BURST_QUIET: Duration = Duration::from_millis(100);

/// What a batch of changes affects.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Affects {
    /// Everything: the watcher overflowed, ignore rules changed, or the config loaded anew.
    pub full: bool,
    pub config: bool,
    pub board: bool,
    pub perf: bool,
    pub git: bool,
    /// Source files to rescan (or drop, when gone).
    pub sources: BTreeSet<String>,
    /// Some other file changed (the config's own checks may read it).
    pub other: bool,
}

impl Affects {
    fn is_empty(&self) -> bool {
        *self == Affects::default()
    }
}

/// Decides what a changed path affects.
pub struct Classifier {
    root: PathBuf,
    config_file: PathBuf,
    /// Our own output files inside the repository.
    own: Vec<PathBuf>,
    perf: GlobSet,
    board_location: Option<String>,
    board_files: BTreeSet<String>,
    git_repo: bool,
    /// The user's global git excludes (`core.excludesFile`), which the walk honours too.
    global: ignore::gitignore::Gitignore,
}

impl Classifier {
    fn new(root: &Path, config_file: &Path, own: Vec<PathBuf>, cfg: &Config) -> Classifier {
        let mut b = GlobSetBuilder::new();
        for p in cfg.perf.results.iter().chain(&cfg.perf.baseline) {
            if let Ok(g) = GlobBuilder::new(p).literal_separator(true).build() {
                b.add(g);
            }
        }
        Classifier {
            root: root.to_path_buf(),
            config_file: config_file.to_path_buf(),
            own,
            perf: b.build().unwrap_or_default(),
            board_location: None,
            board_files: BTreeSet::new(),
            git_repo: root.join(".git").exists(),
            global: if root.join(".git").exists() {
                ignore::gitignore::Gitignore::global().0
            } else {
                ignore::gitignore::Gitignore::empty()
            },
        }
    }

    fn learn_board(&mut self, ws: &Workspace) {
        if let Ok(Some(b)) = ws.board() {
            self.board_location = Some(b.location.clone());
            self.board_files = b.files.iter().cloned().collect();
        } else {
            self.board_location = None;
            self.board_files.clear();
        }
    }

    /// Adds what a change of `abs` affects to `a`. `known_source` says whether a path is a
    /// scanned file (a file that vanished can only be recognized so).
    pub fn classify(
        &self,
        abs: &Path,
        exclude: &crate::workspace::Exclude,
        known_source: &dyn Fn(&str) -> bool,
        a: &mut Affects,
    ) {
        if abs == self.config_file {
            a.config = true;
            return;
        }
        if self.own.iter().any(|o| o == abs) {
            return;
        }
        let Ok(rel_path) = abs.strip_prefix(&self.root) else {
            return;
        };
        let rel = crate::fsutil::rel_path(&self.root, abs);
        if rel.is_empty() {
            a.full = true;
            return;
        }
        if let Some(git) = rel.strip_prefix(".git/") {
            if git == "HEAD" || git == "packed-refs" || git.starts_with("refs/") {
                a.git = true;
            } else if git == "info/exclude" {
                a.full = true;
            }
            return;
        }
        if self.perf.is_match(&rel) {
            a.perf = true;
            return;
        }
        let name = rel_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if rel == ".qgate" || rel.starts_with(".qgate/") || name.starts_with(".qgate-") {
            return;
        }
        if name == ".gitignore" || name == ".ignore" {
            a.full = true;
            return;
        }
        if self.board_files.contains(&rel)
            || rel.ends_with(".md")
            || rel.ends_with(".markdown")
            || self
                .board_location
                .as_deref()
                .is_some_and(|l| rel == l || rel.starts_with(&format!("{l}/")))
        {
            a.board = true;
            if !exclude.is_excluded(&rel) {
                a.other = true;
            }
            return;
        }
        if abs.is_dir() {
            // A directory appeared (its files may have been written before the watch on it
            // began): everything under it counts as changed.
            for e in ignore::WalkBuilder::new(abs).hidden(true).build().flatten() {
                if e.file_type().is_some_and(|t| t.is_file()) {
                    self.classify(e.path(), exclude, known_source, a);
                }
            }
            return;
        }
        if !abs.exists() {
            // Gone: a file, or a directory whose files we knew.
            if known_source(&rel) {
                a.sources.insert(rel);
            } else {
                // A removed directory: the full evaluation finds what went with it.
                let dir = format!("{rel}/");
                if self.board_files.iter().any(|f| f.starts_with(&dir)) {
                    a.board = true;
                }
                a.other = true;
                if Lang::of(&rel).is_none() && rel_path.extension().is_none() {
                    a.full = true;
                }
            }
            return;
        }
        if exclude.is_excluded(&rel) || self.ignored(&rel) {
            // Not ours to scan any more (if it was, drop it).
            if known_source(&rel) {
                a.sources.insert(rel);
            }
            return;
        }
        if Lang::of(&rel).is_some() {
            a.sources.insert(rel);
        } else {
            a.other = true;
        }
    }

    /// Whether the scan's walker would skip `rel`: a hidden component, or a `.gitignore` /
    /// `.ignore` rule on its way down (git's only inside a repository).
    fn ignored(&self, rel: &str) -> bool {
        if rel.split('/').any(|c| c.starts_with('.')) {
            return true;
        }
        if self
            .global
            .matched_path_or_any_parents(self.root.join(rel), false)
            .is_ignore()
        {
            return true;
        }
        let mut dir = self.root.clone();
        let parts: Vec<&str> = rel.split('/').collect();
        for (depth, part) in parts.iter().enumerate() {
            let mut files = vec![dir.join(".ignore")];
            if self.git_repo {
                files.push(dir.join(".gitignore"));
                if depth == 0 {
                    files.push(dir.join(".git/info/exclude"));
                }
            }
            let sub = parts[depth..].join("/");
            for f in files.iter().filter(|f| f.is_file()) {
                let mut b = ignore::gitignore::GitignoreBuilder::new(&dir);
                b.add(f);
                if let Ok(gi) = b.build()
                    && gi
                        .matched_path_or_any_parents(Path::new(&sub), false)
                        .is_ignore()
                {
                    return true;
                }
            }
            dir.push(part);
        }
        false
    }
}

/// The watcher's state between evaluations.
struct State {
    root: PathBuf,
    explicit_config: Option<PathBuf>,
    config_file: PathBuf,
    ws: Workspace,
    rules: crate::scan::Rules,
    user: Vec<Box<dyn Check>>,
    opts: engine::Options,
    no_cache: bool,
    no_exec: bool,
    /// The raw report of every check, in run order.
    raw: Vec<CheckReport>,
    classifier: Classifier,
    own: Vec<PathBuf>,
}

impl State {
    fn new(
        root: &Path,
        explicit_config: Option<PathBuf>,
        config: Config,
        opts: engine::Options,
        no_cache: bool,
        no_exec: bool,
        own: Vec<PathBuf>,
    ) -> Result<State, String> {
        let config_file = config
            .file
            .clone()
            .or_else(|| explicit_config.clone())
            .unwrap_or_else(|| root.join(crate::config::FILE_NAME));
        let ws = Workspace::new(root.to_path_buf(), config)?.with_options(no_cache, no_exec);
        let rules = crate::scan::Rules::new(&ws.config.scan);
        let (_, user) = checks::all(&ws.config);
        let classifier = Classifier::new(root, &config_file, own.clone(), &ws.config);
        Ok(State {
            root: root.to_path_buf(),
            explicit_config,
            config_file,
            ws,
            rules,
            user,
            opts,
            no_cache,
            no_exec,
            raw: Vec::new(),
            classifier,
            own,
        })
    }

    fn checks(&self) -> Vec<&dyn Check> {
        // The config's checks were built once, in `new` (building them leaks their strings).
        checks::REGISTRY
            .iter()
            .copied()
            .chain(self.user.iter().map(|c| c.as_ref()))
            .filter(|c| {
                self.opts
                    .only
                    .as_ref()
                    .is_none_or(|o| o.iter().any(|id| id == c.id()))
            })
            .collect()
    }

    /// Runs every check on a fresh read of the repository.
    fn full(&mut self) -> Report {
        let started = Instant::now();
        self.ws.reset_board();
        let _ = self.ws.take_scan();
        let list = self.checks();
        self.raw = engine::run_raw(&self.ws, &Mode::Check, &list);
        self.classifier.learn_board(&self.ws);
        engine::finish(
            &self.ws,
            &Mode::Check,
            &self.opts,
            self.raw.clone(),
            started,
        )
    }

    /// Re-runs what `a` affects; `None` when nothing is.
    fn incremental(&mut self, a: &Affects) -> Option<Report> {
        let started = Instant::now();
        if a.full {
            return Some(self.full());
        }
        if !a.sources.is_empty() {
            let mut scan = self.ws.take_scan().unwrap_or_default();
            let changed: Vec<(String, Option<Lang>)> = a
                .sources
                .iter()
                .map(|rel| {
                    let abs = self.root.join(rel);
                    let keep = abs.is_file()
                        && !self.ws.exclude.is_excluded(rel)
                        && !self.classifier.ignored(rel);
                    (rel.clone(), Lang::of(rel).filter(|_| keep))
                })
                .collect();
            scan.refresh(&self.root, &changed, &self.rules);
            self.ws.set_scan(scan);
        }
        if a.board {
            self.ws.reset_board();
        }
        let affected = |c: &dyn Check| -> bool {
            let id = c.id();
            match id {
                "path-traversal" | "input-validation" => !a.sources.is_empty(),
                "task-format" | "wip-limit" | "transition-rules" => a.board,
                "p0-security-review" => a.board || a.git,
                "perf-regression" => a.perf,
                // The config's own checks read files of any kind.
                _ => !a.sources.is_empty() || a.other || a.board,
            }
        };
        let list: Vec<&dyn Check> = self.checks().into_iter().filter(|c| affected(*c)).collect();
        if list.is_empty() {
            return None;
        }
        let fresh = engine::run_raw(&self.ws, &Mode::Check, &list);
        for r in fresh {
            match self.raw.iter_mut().find(|x| x.id == r.id) {
                Some(slot) => *slot = r,
                None => self.raw.push(r),
            }
        }
        if a.board {
            self.classifier.learn_board(&self.ws);
        }
        Some(engine::finish(
            &self.ws,
            &Mode::Check,
            &self.opts,
            self.raw.clone(),
            started,
        ))
    }

    /// What a batch of watcher events affects. An error or an overflow (the kernel dropped
    /// events) means everything.
    fn affects(&self, batch: Vec<notify::Result<notify::Event>>, verbose: bool) -> Affects {
        let mut a = Affects::default();
        let scan = self.ws.scan_if_done();
        let known = |rel: &str| scan.is_some_and(|s| s.contains(rel));
        for ev in batch {
            match ev {
                Err(e) => {
                    eprintln!("qgate: watch: watcher error ({e}); evaluating everything again");
                    a.full = true;
                }
                Ok(ev) if ev.need_rescan() => {
                    eprintln!("qgate: watch: the watcher lost events; evaluating everything again");
                    a.full = true;
                }
                Ok(ev) => {
                    if matches!(ev.kind, notify::EventKind::Access(_)) {
                        continue;
                    }
                    if verbose {
                        eprintln!("qgate: watch: event {:?} {:?}", ev.kind, ev.paths);
                    }
                    for p in &ev.paths {
                        self.classifier
                            .classify(p, &self.ws.exclude, &known, &mut a);
                    }
                }
            }
        }
        a
    }

    /// Reloads the config; on success the next evaluation is a full one.
    fn reload_config(&mut self) -> Result<(), String> {
        let config = Config::discover(&self.root, self.explicit_config.as_deref())
            .map_err(|e| e.to_string())?;
        if let Some(ids) = &self.opts.only {
            crate::app::validate_check_ids(&config, ids)?;
        }
        let next = State::new(
            &self.root,
            self.explicit_config.clone(),
            config,
            self.opts.clone(),
            self.no_cache,
            self.no_exec,
            self.own.clone(),
        )?;
        *self = next;
        Ok(())
    }
}

/// `qgate watch`.
pub fn run(args: WatchArgs) -> Result<i32, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let root = Workspace::discover_root(&cwd);
    let explicit = args.config.as_ref().map(|p| cwd.join(p));
    let config = Config::discover(&root, explicit.as_deref()).map_err(|e| e.to_string())?;
    if let Some(ids) = &args.gates.checks {
        crate::app::validate_check_ids(&config, ids)?;
    }
    if args.on_violation.is_some() && args.gates.no_exec {
        return Err("--on-violation runs a command; it cannot go with --no-exec".into());
    }
    if !(args.on_violation_timeout > 0.0 && args.on_violation_timeout.is_finite()) {
        return Err("--on-violation-timeout must be a positive number of seconds".into());
    }
    let http_addr = args.http.as_deref().map(http::parse_addr).transpose()?;
    let opts = crate::app::engine_options(&args.gates, false, &cwd)?;
    let fail_on = opts.policy.fail_on;
    let events = args.events.as_ref().map(|p| cwd.join(p));
    let dashboard = args.dashboard.as_ref().map(|p| cwd.join(p));
    let own: Vec<PathBuf> = events
        .iter()
        .chain(dashboard.iter())
        .map(|p| canonical_lenient(p))
        .collect();
    let mut state = State::new(
        &root,
        explicit,
        config,
        opts,
        args.gates.no_cache,
        args.gates.no_exec,
        own,
    )?;

    // Watch before the first evaluation, so nothing written meanwhile is missed.
    let (tx, rx) = mpsc::channel::<Msg>();
    let stop = tx.clone();
    let handler = move |ev: notify::Result<notify::Event>| {
        // Reads (opens and closes without writing) change nothing; evaluations read files, so
        // passing them on would only wake the loop and swell the next batch.
        if let Ok(e) = &ev
            && matches!(e.kind, notify::EventKind::Access(_))
        {
            return;
        }
        let _ = tx.send(Msg::Fs(Instant::now(), ev));
    };
    // Links are not followed, as the scan's walk does not follow them: a link to `/usr`
    // inside the repository must not add thousands of watches outside it.
    let mut watcher = notify::RecommendedWatcher::new(
        handler,
        notify::Config::default().with_follow_symlinks(false),
    )
    .map_err(|e| format!("cannot watch files: {e}"))?;
    // Ctrl-C or SIGTERM: save the state, then stop.
    ctrlc::set_handler(move || {
        let _ = stop.send(Msg::Stop);
    })
    .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    watcher
        .watch(&root, notify::RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    // The config may live outside the repository.
    if !state.config_file.starts_with(&root)
        && let Some(dir) = state.config_file.parent()
    {
        let _ = watcher.watch(dir, notify::RecursiveMode::NonRecursive);
    }

    let shared: http::Shared = Default::default();
    if let Ok(mut p) = shared.write() {
        p.subtitle = root.display().to_string();
        p.stats.lag = Some(Histogram::default());
        p.stats.config_errors = Some(0);
    }
    if let Some(addr) = http_addr {
        let bound = http::serve(addr, shared.clone())?;
        eprintln!("qgate: watch: serving http://{bound}/ (/metrics, /health, /ready, /api/status)");
    }
    let mut out = outputs::Outputs::new(
        &root,
        &state.ws.config,
        events,
        dashboard,
        args.on_violation.clone(),
        Duration::from_secs_f64(args.on_violation_timeout),
        fail_on,
        shared.clone(),
        !args.gates.no_cache,
    );

    let started = Instant::now();
    let report = state.full();
    out.publish(report, None, "full");
    eprintln!(
        "qgate: watch: {} — watching {} for changes (Ctrl-C stops)",
        out.summary(),
        root.display()
    );
    let _ = started;

    let debounce = Duration::from_millis(args.debounce.max(1));
    let stopped = || {
        eprintln!("qgate: watch: stopped");
        Ok(0)
    };
    loop {
        let (first_at, first) = match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(Msg::Fs(at, ev)) => (at, ev),
            Ok(Msg::Stop) => {
                out.idle();
                return stopped();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                out.idle();
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err("the file watcher stopped".into());
            }
        };
        let set_pending = |on: bool| {
            if let Ok(mut p) = shared.write() {
                p.pending = on;
            }
        };
        set_pending(true);
        let mut batch = vec![first];
        let mut stop_after = false;
        while first_at.elapsed() < MAX_BATCH {
            // A burst (a checkout, a build) gets a longer quiet period, so that a writer
            // pausing for a moment does not split it.
            let quiet = if batch.len() > BURST {
                debounce.max(BURST_QUIET)
            } else {
                debounce
            };
            match rx.recv_timeout(quiet) {
                Ok(Msg::Fs(_, ev)) => batch.push(ev),
                Ok(Msg::Stop) => {
                    stop_after = true;
                    break;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("the file watcher stopped".into());
                }
            }
        }
        let n_events = batch.len();
        let mut a = state.affects(batch, args.verbose);
        if a.is_empty() {
            set_pending(false);
            if stop_after {
                out.idle();
                return stopped();
            }
            continue;
        }
        if a.config {
            match state.reload_config() {
                Ok(()) => {
                    out.reconfigure(&state.ws.config);
                    a.full = true;
                    eprintln!("qgate: watch: config reloaded");
                }
                Err(e) => {
                    eprintln!(
                        "qgate: watch: config not reloaded, the last good one stays in effect: {e}"
                    );
                    out.config_error(&e);
                }
            }
        }
        let kind = if a.full { "full" } else { "incremental" };
        let t = Instant::now();
        let report = state.incremental(&a);
        if args.verbose {
            eprintln!(
                "qgate: watch: {n_events} event(s) → {kind}: {} source file(s){}{}{}{}, {:.1} ms",
                a.sources.len(),
                if a.board { ", board" } else { "" },
                if a.perf { ", perf" } else { "" },
                if a.git { ", git" } else { "" },
                if a.other { ", other files" } else { "" },
                t.elapsed().as_secs_f64() * 1000.0
            );
        }
        if let Some(report) = report {
            out.publish(report, Some(first_at), kind);
        }
        set_pending(false);
        if stop_after {
            out.idle();
            return stopped();
        }
    }
}

/// What the watch loop receives: file events, with when they arrived, or the signal to stop.
enum Msg {
    Fs(Instant, notify::Result<notify::Event>),
    Stop,
}

/// The canonical form of a path that may not exist yet (its directory's canonical form).
fn canonical_lenient(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(d), Some(n)) => d
            .canonicalize()
            .map(|d| d.join(n))
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classifier(root: &Path) -> Classifier {
        let cfg = Config::default();
        Classifier::new(
            root,
            &root.join("qgate.yaml"),
            vec![root.join("events.jsonl")],
            &cfg,
        )
    }

    fn affects(c: &Classifier, rel: &str) -> Affects {
        let mut a = Affects::default();
        c.classify(&c.root.join(rel), &Default::default(), &|_| false, &mut a);
        a
    }

    #[test]
    fn global_git_excludes_are_honoured_as_the_walk_does() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("generated")).unwrap();
        std::fs::write(root.join("generated/x.py"), "x = 1\n").unwrap();
        std::fs::write(root.join("kept.py"), "x = 1\n").unwrap();
        let mut c = classifier(&root);
        let mut b = ignore::gitignore::GitignoreBuilder::new(&root);
        b.add_line(None, "generated/").unwrap();
        c.global = b.build().unwrap();
        assert!(c.ignored("generated/x.py"));
        assert!(!c.ignored("kept.py"));
        assert!(affects(&c, "generated/x.py").sources.is_empty());
        assert_eq!(affects(&c, "kept.py").sources.len(), 1);
    }

    #[test]
    fn an_overflow_or_a_watcher_error_means_everything() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        let state = State::new(
            &root,
            None,
            Config::default(),
            engine::Options::default(),
            true,
            false,
            Vec::new(),
        )
        .unwrap();
        let overflow =
            notify::Event::new(notify::EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert!(state.affects(vec![Ok(overflow)], false).full);
        let err = notify::Error::generic("queue overflow");
        assert!(state.affects(vec![Err(err)], false).full);
        let access = notify::Event::new(notify::EventKind::Access(notify::event::AccessKind::Any))
            .add_path(root.join("a.py"));
        assert!(state.affects(vec![Ok(access)], false).is_empty());
    }

    #[test]
    fn paths_are_classified() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join(".git/refs/heads")).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        for f in [
            "src/app.py",
            "build/gen.py",
            "tasks.md",
            "data.csv",
            "qgate.yaml",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let c = classifier(&root);
        assert_eq!(affects(&c, "src/app.py").sources.len(), 1);
        assert!(affects(&c, "build/gen.py").is_empty(), "gitignored");
        assert!(affects(&c, "tasks.md").board);
        assert!(affects(&c, "qgate.yaml").config);
        assert!(affects(&c, ".git/refs/heads/main").git);
        assert!(affects(&c, ".git/objects/ab/cd").is_empty());
        assert!(affects(&c, ".gitignore").full);
        assert!(affects(&c, "events.jsonl").is_empty(), "own output");
        assert!(affects(&c, ".qgate/cache/scan.bin").is_empty());
        assert!(affects(&c, ".qgate/cache/.gitignore").is_empty());
        assert!(affects(&c, ".qgate/perf-history.json").perf);
        assert!(affects(&c, "data.csv").other);
    }
}
