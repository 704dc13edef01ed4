//! A cache of parsed task files, so a 10,000-task board is not re-parsed on every move.
//!
//! Entries are keyed by repository-relative path and validated the way git validates its
//! index: size, modification time, change time and inode must all match. ctime cannot be
//! set by tools (unlike mtime), so a rewrite that restores the old mtime is still seen.
//! Files touched within the last two seconds are never cached ("racy" entries: a second
//! write in the same timestamp tick would otherwise go unnoticed). The file is tied to
//! qgate's version and to how the tasks were parsed; anything else is simply a miss.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{Problem, Task};
use crate::suppress::Directive;

const FILE_NAME: &str = "tasks.bin";
/// How old a file's timestamps must be before its parse is cached.
const SETTLE_NS: i64 = 2_000_000_000;

/// Nanoseconds since the epoch (saturating: a timestamp past 2262 is a valid key, not an
/// overflow).
fn nanos(sec: i64, nsec: i64) -> i64 {
    sec.saturating_mul(1_000_000_000).saturating_add(nsec)
}

/// The current time, as a [`Key`] records it.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn dir_of(p: &str) -> &str {
    p.rfind('/').map_or("", |i| &p[..i])
}

/// A directory opened for `stat`s relative to it (no path walk from `/` per file).
#[cfg(unix)]
pub fn open_dir(dir: &Path) -> Option<rustix::fd::OwnedFd> {
    rustix::fs::open(
        dir,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()
}

/// The key of `rel` (relative to the directory `dir`; "" is the directory itself; a link's
/// target's), `None` when it cannot be read.
#[cfg(unix)]
pub fn key_in(dir: &rustix::fd::OwnedFd, rel: &str) -> Option<Key> {
    let rel = if rel.is_empty() { "." } else { rel };
    rustix::fs::statat(dir, rel, rustix::fs::AtFlags::empty())
        .ok()
        .map(|st| Key::of_stat(&st))
}

/// The metadata keys of `paths` (repository-relative, sorted), `None` for unreadable ones.
/// On Unix each directory with several of them is opened once per run of up to 256 of its
/// files, which are stat'ed relative to it, sparing the kernel a full path walk per file (a
/// third of a 10,000-task board load); the others are stat'ed relative to the root.
pub fn keys_of<S: AsRef<str> + Sync>(root: &std::path::Path, paths: &[S]) -> Vec<Option<Key>> {
    #[cfg(unix)]
    {
        let root_fd = open_dir(root);
        let mut groups: Vec<&[S]> = Vec::new();
        let mut start = 0;
        while start < paths.len() {
            let dir = dir_of(paths[start].as_ref());
            let mut end = start + 1;
            while end < paths.len() && end - start < 256 && dir_of(paths[end].as_ref()) == dir {
                end += 1;
            }
            groups.push(&paths[start..end]);
            start = end;
        }
        crate::fsutil::par_map(&groups, |group| {
            // A directory of a few files is not worth opening.
            if group.len() < 4 {
                return group
                    .iter()
                    .map(|p| key_in(root_fd.as_ref()?, p.as_ref()))
                    .collect::<Vec<_>>();
            }
            let fd = open_dir(&root.join(dir_of(group[0].as_ref())));
            group
                .iter()
                .map(|p| p.as_ref())
                .map(|p| key_in(fd.as_ref()?, p.rsplit('/').next().unwrap_or(p)))
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .collect()
    }
    #[cfg(not(unix))]
    {
        use rayon::prelude::*;
        paths
            .par_iter()
            .map(|rel| {
                let meta = std::fs::metadata(root.join(rel.as_ref()));
                meta.ok().map(|m| Key::of(&m))
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    len: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    ino: u64,
}

impl Key {
    pub fn of(meta: &Metadata) -> Key {
        let ns = |t: std::io::Result<SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        };
        #[cfg(unix)]
        let (ctime_ns, ino) = {
            use std::os::unix::fs::MetadataExt;
            (nanos(meta.ctime(), meta.ctime_nsec()), meta.ino())
        };
        #[cfg(not(unix))]
        let (ctime_ns, ino) = (ns(meta.created()), 0);
        Key {
            len: meta.len(),
            mtime_ns: ns(meta.modified()),
            ctime_ns,
            ino,
        }
    }

    #[cfg(unix)]
    pub fn of_stat(st: &rustix::fs::Stat) -> Key {
        let ns = |sec: i64, nsec: i64| if sec < 0 { 0 } else { nanos(sec, nsec) };
        Key {
            len: st.st_size as u64,
            mtime_ns: ns(st.st_mtime, st.st_mtime_nsec as i64),
            ctime_ns: nanos(st.st_ctime, st.st_ctime_nsec as i64),
            ino: st.st_ino,
        }
    }

    /// Whether the file was last changed before `t` (both timestamps).
    pub fn before(&self, t: i64) -> bool {
        self.mtime_ns < t && self.ctime_ns < t
    }

    pub fn mtime_ns(&self) -> i64 {
        self.mtime_ns
    }

    pub fn settled(&self, now_ns: i64) -> bool {
        self.mtime_ns.saturating_add(SETTLE_NS) < now_ns
            && self.ctime_ns.saturating_add(SETTLE_NS) < now_ns
    }
}

/// What one task file parsed into.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub key: Option<Key>,
    pub task: Option<Task>,
    pub problems: Vec<Problem>,
    pub directives: Vec<Directive>,
}

#[derive(Serialize, Deserialize)]
struct Stored<M> {
    version: String,
    scope: String,
    entries: M,
}

pub struct Cache {
    path: PathBuf,
    scope: String,
    entries: HashMap<String, Entry>,
    loaded: bool,
}

impl Cache {
    /// Reads the cache in `dir`; a missing, unreadable or foreign file is an empty cache.
    pub fn open(dir: &Path, scope: &str) -> Cache {
        let path = dir.join(FILE_NAME);
        let stored = std::fs::read(&path)
            .ok()
            .and_then(|b| postcard::from_bytes::<Stored<HashMap<String, Entry>>>(&b).ok())
            .filter(|s| s.version == env!("CARGO_PKG_VERSION") && s.scope == scope);
        let loaded = stored.is_some();
        Cache {
            path,
            scope: scope.to_string(),
            entries: stored.map(|s| s.entries).unwrap_or_default(),
            loaded,
        }
    }

    /// Takes the entry for `rel` if its key still matches the file.
    pub fn take(&mut self, rel: &str, key: &Key) -> Option<Entry> {
        match self.entries.get(rel) {
            Some(e) if e.key.as_ref() == Some(key) => self.entries.remove(rel),
            _ => None,
        }
    }

    /// Whether `results` (every file of this run, `fresh` marking re-parsed ones) differs
    /// from what is stored.
    pub fn needs_save(&self, results: &[(String, Entry, bool)]) -> bool {
        !self.loaded || !self.entries.is_empty() || results.iter().any(|(_, _, fresh)| *fresh)
    }

    /// Writes the settled entries of `results`. Failures are ignored: the cache is an
    /// optimisation, and a read-only checkout must still work.
    pub fn save(&self, results: &[(String, Entry, bool)]) {
        let now = now_ns();
        let entries: HashMap<&str, &Entry> = results
            .iter()
            .filter(|(_, e, _)| e.key.as_ref().is_some_and(|k| k.settled(now)))
            .map(|(p, e, _)| (p.as_str(), e))
            .collect();
        let stored = Stored {
            version: env!("CARGO_PKG_VERSION").to_string(),
            scope: self.scope.clone(),
            entries,
        };
        let Ok(bytes) = postcard::to_stdvec(&stored) else {
            return;
        };
        let Some(dir) = self.path.parent() else {
            return;
        };
        if crate::fsutil::create_dirs(dir).is_err() {
            return;
        }
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            let _ = std::fs::write(
                &ignore,
                "# Written by qgate: this directory is a cache.\n*\n",
            );
        }
        let _ = crate::fsutil::atomic_write(&self.path, &bytes);
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn relative_stat_gives_the_same_key() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        for f in ["x.md", "a/y.md", "a/b/z.md"] {
            std::fs::write(d.path().join(f), f).unwrap();
        }
        let paths: Vec<String> = ["a/b/z.md", "a/missing.md", "a/y.md", "x.md"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let keys = keys_of(d.path(), &paths);
        for (p, k) in paths.iter().zip(&keys) {
            let want = std::fs::metadata(d.path().join(p))
                .ok()
                .map(|m| Key::of(&m));
            assert_eq!(*k, want, "{p}");
        }
        assert!(keys[1].is_none());
    }
}
