//! The workspace a run looks at: the repository root, the validated config, the exclude
//! globs, the PATH arguments, and the kanban board (read once, on first use, shared by
//! every check).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::config::Config;
use crate::fsutil;
use crate::kanban::{self, Board, LoadError};

/// `exclude:` globs, matched against repository-relative paths and each of their parent
/// directories (so `vendor/**` and `vendor` both exclude everything under `vendor/`).
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    set: GlobSet,
}

impl Exclude {
    pub fn new(patterns: &[String]) -> Result<Exclude, String> {
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            let glob = GlobBuilder::new(p)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("invalid exclude glob `{p}`: {}", e.kind()))?;
            b.add(glob);
        }
        Ok(Exclude {
            set: b.build().map_err(|e| e.to_string())?,
        })
    }

    pub fn is_excluded(&self, rel: &str) -> bool {
        if self.set.is_empty() {
            return false;
        }
        if self.set.is_match(rel) {
            return true;
        }
        let mut end = rel.len();
        while let Some(i) = rel[..end].rfind('/') {
            if self.set.is_match(&rel[..i]) {
                return true;
            }
            end = i;
        }
        false
    }
}

/// Where qgate caches parsed inputs, relative to the repository root.
pub const CACHE_DIR: &str = ".qgate/cache";

pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    pub exclude: Exclude,
    /// PATH arguments, repository-relative, excludes applied; `None`: the whole repository.
    pub paths: Option<Vec<String>>,
    /// Where parsed inputs are cached (`None`: `--no-cache`).
    pub cache_dir: Option<PathBuf>,
    /// `--no-exec`: command checks from the config do not run.
    pub no_exec: bool,
    /// `--shard K/N`: this run covers the files whose path hashes to K (1-based) of N.
    pub shard: Option<(u32, u32)>,
    /// `--staged`: the index's content of staged files, read instead of the work tree.
    pub overlay: Option<std::collections::HashMap<String, Vec<u8>>>,
    board: OnceLock<Result<Option<Board>, LoadError>>,
    scan: OnceLock<crate::scan::Scan>,
    files: OnceLock<crate::listing::Tree>,
}

impl Workspace {
    pub fn new(root: PathBuf, config: Config) -> Result<Workspace, String> {
        let exclude = Exclude::new(&config.exclude)?;
        let cache_dir = Some(root.join(CACHE_DIR));
        Ok(Workspace {
            root,
            config,
            exclude,
            paths: None,
            cache_dir,
            overlay: None,
            shard: None,
            no_exec: false,
            board: OnceLock::new(),
            scan: OnceLock::new(),
            files: OnceLock::new(),
        })
    }

    /// `--no-cache` (neither read nor write `.qgate/cache`) and `--no-exec` (no command checks).
    pub fn with_options(mut self, no_cache: bool, no_exec: bool) -> Workspace {
        if no_cache {
            self.cache_dir = None;
        }
        self.no_exec = no_exec;
        self
    }

    /// The git top-level of `cwd`, or `cwd` itself outside a repository.
    pub fn discover_root(cwd: &Path) -> PathBuf {
        match git2::Repository::discover(cwd) {
            Ok(repo) => match repo.workdir() {
                Some(w) => w.canonicalize().unwrap_or_else(|_| w.to_path_buf()),
                None => cwd.to_path_buf(),
            },
            Err(_) => cwd.to_path_buf(),
        }
    }

    /// Restricts file-based checks to `paths` (relative to `cwd`). Every path must exist and
    /// lie inside the repository; excluded ones are dropped. A directory means every file
    /// below it that the tree holds (after `.gitignore` and `exclude`), as `qgate check .`
    /// and `qgate check src/` are meant.
    pub fn set_paths(&mut self, cwd: &Path, paths: &[PathBuf]) -> Result<(), String> {
        let mut out = Vec::new();
        let mut dirs: Vec<String> = Vec::new();
        for p in paths {
            let abs = cwd.join(p);
            let canon = abs
                .canonicalize()
                .map_err(|e| format!("{}: {e}", p.display()))?;
            if !canon.starts_with(&self.root) {
                return Err(format!(
                    "{}: path is outside the repository {}",
                    p.display(),
                    self.root.display()
                ));
            }
            let rel = fsutil::rel_path(&self.root, &canon);
            if canon.is_dir() {
                dirs.push(if canon == self.root {
                    String::new()
                } else {
                    rel
                });
            } else if !self.exclude.is_excluded(&rel) {
                out.push(rel);
            }
        }
        if !dirs.is_empty() {
            let under = |f: &str| {
                dirs.iter().any(|d| {
                    d.is_empty()
                        || f.strip_prefix(d.as_str())
                            .is_some_and(|r| r.starts_with('/'))
                })
            };
            let below: Vec<String> = self
                .tree()
                .files()
                .filter(|f| under(f) && !self.exclude.is_excluded(f))
                .map(str::to_string)
                .collect();
            out.extend(below);
            out.sort_unstable();
            out.dedup();
        }
        self.paths = Some(out);
        Ok(())
    }

    /// Whether `rel` belongs to this run's shard (always, without `--shard`).
    pub fn in_shard(&self, rel: &str) -> bool {
        match self.shard {
            None => true,
            Some((k, n)) => shard_of(rel, n) == k,
        }
    }

    /// The board, read on first use.
    pub fn board(&self) -> Result<Option<&Board>, &LoadError> {
        self.board
            .get_or_init(|| {
                kanban::load(
                    &self.root,
                    &self.config,
                    &self.exclude,
                    self.cache_dir.as_deref(),
                    self.overlay.as_ref(),
                    &|| self.tree(),
                )
            })
            .as_ref()
            .map(Option::as_ref)
    }

    /// The source scan, run on first use and shared by the scanning checks.
    pub fn scan(&self) -> &crate::scan::Scan {
        self.scan.get_or_init(|| crate::scan::scan(self))
    }

    /// Takes the source scan out (watch mode updates it and puts it back with `set_scan`).
    pub fn take_scan(&mut self) -> Option<crate::scan::Scan> {
        self.scan.take()
    }

    /// Sets the source scan the scanning checks will use.
    pub fn set_scan(&mut self, scan: crate::scan::Scan) {
        self.scan = OnceLock::from(scan);
    }

    /// Forgets the board (and the list of files it may be looked for in): both are read
    /// again on next use.
    pub fn reset_board(&mut self) {
        self.board = OnceLock::new();
        self.files = OnceLock::new();
    }

    /// The files of the work tree (gitignore-aware, hidden ones skipped; excludes are not
    /// applied) with the metadata of the source files, read while listing them. Listed once
    /// per run, and cached across runs (see [`crate::listing`]).
    pub fn tree(&self) -> &crate::listing::Tree {
        self.files.get_or_init(|| {
            let sources = |rel: &str| crate::scan::rules::Lang::of(rel).is_some();
            crate::listing::tree(&self.root, self.cache_dir.as_deref(), sources)
        })
    }

    /// The source scan, if a check already ran it.
    pub fn scan_if_done(&self) -> Option<&crate::scan::Scan> {
        self.scan.get()
    }

    /// Where a path given relative to `cwd` is, repository-relative (no existence check).
    pub fn rel(&self, cwd: &Path, p: &Path) -> String {
        let abs = cwd.join(p);
        let abs = abs.canonicalize().unwrap_or(abs);
        fsutil::rel_path(&self.root, &abs)
    }
}

/// The shard (1-based, of `n`) a path belongs to: a stable hash of the path, the same on
/// every machine and run.
pub fn shard_of(rel: &str, n: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(rel.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_le_bytes(b) % u64::from(n.max(1))) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_match_paths_and_their_directories() {
        let e =
            Exclude::new(&["vendor/**".into(), "**/*.min.js".into(), "docs/old".into()]).unwrap();
        assert!(e.is_excluded("vendor/a/b.py"));
        assert!(e.is_excluded("web/x.min.js"));
        assert!(e.is_excluded("docs/old/t.md"));
        assert!(!e.is_excluded("src/vendor.py"));
        assert!(!Exclude::default().is_excluded("anything"));
    }
}
