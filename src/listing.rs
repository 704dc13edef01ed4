//! The files of the work tree, as the gitignore-aware walk finds them, and a cache of that
//! list, so that a warm run stats the tree instead of reading every directory again (git's
//! untracked cache, in small).
//!
//! The list stays valid while
//! - every walked directory keeps its metadata: creating, removing or renaming an entry
//!   changes a directory's mtime and ctime (and a new `.gitignore` or `.git` is such an
//!   entry);
//! - every ignore file the walk consulted keeps its own: `.gitignore` and `.ignore` in the
//!   walked directories and above the root, `.git/info/exclude`, git's global config files
//!   and the global excludes file they name, with the environment that locates them;
//! - the `.git` and `.jj` markers above the root neither appear nor vanish.
//!
//! Directories and files touched in the timestamp tick the walk started in, or later, are
//! "racy" (a second change in the same tick would go unseen) and keep the list from being
//! saved: as git does with its index, the tick is read off a stamp file written just before
//! the walk, in the file system's own clock and granularity. A `.git` file (a worktree,
//! whose excludes live elsewhere) also keeps it from being saved. Anything unexpected means a
//! walk.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::kanban::cache::Key;

const FILE_NAME: &str = "walk.bin";
/// Changes with the file's layout, so that a list saved by an older build is ignored rather
/// than misread.
const LAYOUT: &str = concat!(env!("CARGO_PKG_VERSION"), "/2");
const STAMP: &str = "walk.stamp";

/// Writes the stamp file and returns its modification time: the start of a walk, as the file
/// system records time. Each process writes its own file and renames it into place, so a
/// concurrent run cannot lend it a later time.
fn stamp(cache_dir: &Path) -> Option<i64> {
    crate::fsutil::create_dirs(cache_dir).ok()?;
    let own = cache_dir.join(format!("{STAMP}.{}", std::process::id()));
    std::fs::write(&own, b"walk\n").ok()?;
    let t = key_of(&own).map(|k| k.mtime_ns());
    if std::fs::rename(&own, cache_dir.join(STAMP)).is_err() {
        let _ = std::fs::remove_file(&own);
    }
    t
}

#[derive(Serialize, Deserialize, PartialEq, Eq, Clone, Debug)]
enum Guard {
    Absent,
    /// A directory that only needs to exist (`.git` above the root).
    Dir,
    File(Key),
}

/// The saved list, read borrowing from the file's bytes.
#[derive(Serialize, Deserialize)]
struct Listing<'a> {
    layout: &'a str,
    context: &'a str,
    /// Walked directories, relative to the root ("" is the root), and their metadata.
    #[serde(borrow)]
    dirs: Vec<(&'a str, Key)>,
    /// Paths whose state decides what the walk ignores.
    guards: Vec<(PathBuf, Guard)>,
    /// As [`Tree::paths`].
    files: &'a str,
}

fn guard_of(path: &Path) -> Guard {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Guard::Dir,
        Ok(m) => Guard::File(Key::of(&m)),
        Err(_) => Guard::Absent,
    }
}

fn key_of(path: &Path) -> Option<Key> {
    std::fs::symlink_metadata(path).ok().map(|m| Key::of(&m))
}

/// What the metadata cannot vouch for: the binary, the root and the variables that locate
/// git's global files.
fn context(root: &Path) -> String {
    let mut out = format!("{}\0{}", env!("CARGO_PKG_VERSION"), root.display());
    for var in ["HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL"] {
        out.push('\0');
        out.push_str(&std::env::var(var).unwrap_or_default());
    }
    out
}

/// git's global config files and the global excludes file they name.
fn global_guards() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let mut out = Vec::new();
    if let Some(p) = std::env::var_os("GIT_CONFIG_GLOBAL") {
        out.push(PathBuf::from(p));
    }
    if let Some(h) = &home {
        out.push(h.join(".gitconfig"));
    }
    if let Some(x) = &xdg {
        out.push(x.join("git/config"));
        out.push(x.join("git/ignore"));
    }
    if let Some(p) = ignore::gitignore::gitconfig_excludes_path() {
        out.push(p);
    }
    out
}

/// The files of a tree, and the metadata of the ones asked for, read while listing them.
pub struct Tree {
    /// The files relative to the root, sorted, each followed by a NUL (which no path
    /// contains): one string, not an allocation per file.
    paths: String,
    wanted: Wanted,
    /// The wanted files' keys, one each, in order (`None`: unreadable).
    keys: Vec<Option<Key>>,
}

impl Tree {
    /// The files, relative to the root, sorted.
    pub fn files(&self) -> std::str::SplitTerminator<'_, char> {
        files_of(&self.paths)
    }

    /// The wanted files, sorted, with their metadata.
    pub fn wanted(&self) -> impl Iterator<Item = (&str, Option<&Key>)> {
        let mut files = self.files().filter(|f| (self.wanted)(f));
        self.keys
            .iter()
            .map_while(move |k| Some((files.next()?, k.as_ref())))
    }
}

/// The files in a list written as [`Tree::paths`].
fn files_of(paths: &str) -> std::str::SplitTerminator<'_, char> {
    paths.split_terminator('\0')
}

/// At most this many files are in `paths` (each takes a character and its NUL). Room
/// reserved for them costs no memory where nothing is written.
fn most(paths: &str) -> usize {
    paths.len() / 2
}

/// Which files [`tree`] reads the metadata of.
pub type Wanted = fn(&str) -> bool;

/// The files of the tree at `root`: the last walk's list while nothing that decides it has
/// changed, else a new walk (saved for next time), with the keys of the `wanted` files taken
/// in the same pass as the checks of the list. `cache_dir`: `None` to always walk.
pub fn tree(root: &Path, cache_dir: Option<&Path>, wanted: Wanted) -> Tree {
    if let Some(tree) = cache_dir.and_then(|d| load(root, d, wanted)) {
        return tree;
    }
    let stamp = cache_dir.and_then(stamp);
    let walked = walk(root);
    if let (Some(dir), Some(stamp)) = (cache_dir, stamp) {
        save(root, dir, stamp, &walked);
    }
    let mut jobs = Vec::with_capacity(most(&walked.files));
    jobs.extend(files_of(&walked.files).filter(|f| wanted(f)));
    // One key per wanted file, always: [`Tree::wanted`] pairs them up in order.
    let keys = stat_all(root, &jobs).unwrap_or_else(|| vec![None; jobs.len()]);
    Tree {
        paths: walked.files,
        wanted,
        keys,
    }
}

/// The keys of `jobs` (relative to `root`), in one parallel pass.
fn stat_all(root: &Path, jobs: &[&str]) -> Option<Vec<Option<Key>>> {
    #[cfg(unix)]
    {
        let root_fd = crate::kanban::cache::open_dir(root)?;
        Some(crate::fsutil::par_map(jobs, |rel| {
            crate::kanban::cache::key_in(&root_fd, rel)
        }))
    }
    #[cfg(not(unix))]
    Some(crate::fsutil::par_map(jobs, |rel| key_of(&root.join(rel))))
}

/// What a walk met, relative to the root.
#[derive(Default)]
struct Walked {
    /// The directories it entered ("" is the root).
    dirs: Vec<String>,
    /// The files it found, as [`Tree::paths`].
    files: String,
    /// The `.gitignore`, `.ignore` and `.git` entries it passed (those not ignored).
    vcs: Vec<String>,
}

/// The gitignore-aware walk: hidden entries skipped (but `.gitignore`, `.ignore` and `.git`
/// noted), links not followed.
fn walk(root: &Path) -> Walked {
    let found = std::sync::Mutex::new((Walked::default(), Vec::new()));
    // Hidden entries are skipped here rather than by the walker, so that the ignore files
    // and markers among them are seen without a `stat` per directory.
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .build_parallel();
    walker.run(|| {
        Box::new(|entry| {
            let Ok(entry) = entry else {
                return ignore::WalkState::Continue;
            };
            let Some(kind) = entry.file_type() else {
                return ignore::WalkState::Continue;
            };
            let rel = crate::fsutil::rel_path(root, entry.path());
            let name = entry.file_name().as_encoded_bytes();
            if entry.depth() > 0 && name.first() == Some(&b'.') {
                if matches!(name, b".gitignore" | b".ignore" | b".git")
                    && let Ok(mut v) = found.lock()
                {
                    v.0.vcs.push(rel);
                }
                return if kind.is_dir() {
                    ignore::WalkState::Skip
                } else {
                    ignore::WalkState::Continue
                };
            }
            if let Ok(mut v) = found.lock() {
                if kind.is_dir() {
                    v.0.dirs.push(rel);
                } else if kind.is_file() {
                    v.1.push(rel);
                }
            }
            ignore::WalkState::Continue
        })
    });
    let (mut walked, mut files) = found.into_inner().unwrap_or_default();
    files.sort_unstable();
    walked.files = files.iter().flat_map(|f| [f.as_str(), "\0"]).collect();
    walked
}

/// Whether a pattern in `texts` (ignore files) could ignore a file named `.gitignore` or
/// `.ignore`, or a directory named `.git`: then the walk may not have seen them all. Judged
/// by each pattern's last component alone, so a doubt counts as yes.
fn may_hide_ignore_files<'a>(texts: impl Iterator<Item = &'a str>) -> bool {
    let mut b = ignore::gitignore::GitignoreBuilder::new("/");
    for text in texts {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let last = line
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(line);
            if b.add_line(None, if last.is_empty() { "*" } else { last })
                .is_err()
            {
                return true;
            }
        }
    }
    let Ok(gi) = b.build() else { return true };
    gi.matched("/.gitignore", false).is_ignore()
        || gi.matched("/.ignore", false).is_ignore()
        || gi.matched("/.git", true).is_ignore()
}

/// The files listed by the last walk, if nothing that decides the walk has changed since,
/// with the keys of the wanted ones: the directories and the files are stat'ed in one pass.
fn load(root: &Path, cache_dir: &Path, wanted: Wanted) -> Option<Tree> {
    let bytes = std::fs::read(cache_dir.join(FILE_NAME)).ok()?;
    let listing: Listing<'_> = postcard::from_bytes(&bytes).ok()?;
    if listing.layout != LAYOUT || listing.context != context(root) {
        return None;
    }
    let guards_same = listing
        .guards
        .iter()
        .all(|(path, guard)| guard_of(path) == *guard);
    if !guards_same {
        return None;
    }
    // Directories first, then the wanted files: one pass over both.
    let mut jobs = Vec::with_capacity(listing.dirs.len() + most(listing.files));
    jobs.extend(listing.dirs.iter().map(|&(rel, _)| rel));
    jobs.extend(files_of(listing.files).filter(|f| wanted(f)));
    let mut keys = stat_all(root, &jobs)?;
    let file_keys = keys.split_off(listing.dirs.len());
    let dirs_same = keys
        .iter()
        .zip(&listing.dirs)
        .all(|(now, (_, then))| now.as_ref() == Some(then));
    dirs_same.then(|| Tree {
        paths: listing.files.to_owned(),
        wanted,
        keys: file_keys,
    })
}

/// Saves what a walk that started at `stamp` (see [`stamp`]) found. Failures are ignored
/// (the list is a cache), and so is a walk that cannot be vouched for.
fn save(root: &Path, cache_dir: &Path, stamp: i64, walked: &Walked) {
    let settled = |g: &Guard| match g {
        Guard::File(k) => k.before(stamp),
        _ => true,
    };
    let mut guards: Vec<(PathBuf, Guard)> = Vec::new();
    // Above the root: ignore files apply from there too, and the markers say where a
    // repository starts.
    let Ok(abs) = root.canonicalize() else { return };
    for dir in abs.ancestors().skip(1) {
        for name in [".gitignore", ".ignore", ".git/info/exclude", ".jj"] {
            let path = dir.join(name);
            let g = guard_of(&path);
            guards.push((path, g));
        }
        match guard_of(&dir.join(".git")) {
            Guard::File(_) => return,
            g => guards.push((dir.join(".git"), g)),
        }
    }
    for path in global_guards() {
        let g = guard_of(&path);
        guards.push((path, g));
    }
    // In the tree: the ignore files and markers the walk saw...
    for rel in &walked.vcs {
        let path = root.join(rel);
        match guard_of(&path) {
            Guard::Dir => {
                let exclude = path.join("info/exclude");
                let g = guard_of(&exclude);
                guards.push((exclude, g));
            }
            // A worktree's `.git` file: its excludes live elsewhere.
            Guard::File(_) if rel.ends_with(".git") => return,
            g => guards.push((path, g)),
        }
    }
    // ...which are all of them unless some pattern could ignore one: then every directory
    // is asked.
    let texts: Vec<String> = guards
        .iter()
        .filter(|(_, g)| matches!(g, Guard::File(_)))
        .filter_map(|(p, _)| std::fs::read_to_string(p).ok())
        .collect();
    let unseen = may_hide_ignore_files(texts.iter().map(String::as_str));
    type DirState<'a> = ((&'a str, Key), Vec<(PathBuf, Guard)>);
    let per_dir: Option<Vec<DirState>> = crate::fsutil::par_map(&walked.dirs, |rel| {
        let dir = root.join(rel);
        let key = key_of(&dir).filter(|k| k.before(stamp))?;
        let mut found = Vec::new();
        if unseen {
            for name in [".gitignore", ".ignore"] {
                let path = dir.join(name);
                match guard_of(&path) {
                    Guard::Absent => {}
                    g => found.push((path, g)),
                }
            }
            match guard_of(&dir.join(".git")) {
                Guard::Dir => {
                    let exclude = dir.join(".git/info/exclude");
                    let g = guard_of(&exclude);
                    found.push((exclude, g));
                }
                Guard::File(_) => return None,
                Guard::Absent => {}
            }
        }
        Some(((rel.as_str(), key), found))
    })
    .into_iter()
    .collect();
    let Some(per_dir) = per_dir else { return };
    let mut dir_keys = Vec::with_capacity(per_dir.len());
    for (d, g) in per_dir {
        dir_keys.push(d);
        guards.extend(g);
    }
    guards.sort_by(|a, b| a.0.cmp(&b.0));
    guards.dedup_by(|a, b| a.0 == b.0);
    if !guards.iter().all(|(_, g)| settled(g)) {
        return;
    }
    let context = context(root);
    let listing = Listing {
        layout: LAYOUT,
        context: &context,
        dirs: dir_keys,
        guards,
        files: &walked.files,
    };
    if let Ok(bytes) = postcard::to_stdvec(&listing) {
        let _ = crate::fsutil::atomic_write(&cache_dir.join(FILE_NAME), &bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, Tree, may_hide_ignore_files};

    #[test]
    fn wanted_files_pair_up_with_their_keys_in_order() {
        let dir = std::env::temp_dir();
        let key = std::fs::metadata(&dir).ok().map(|m| Key::of(&m));
        let tree = Tree {
            paths: "a.py\0docs/b.md\0src/c.py\0z.txt\0".into(),
            wanted: |f| f.ends_with(".py"),
            keys: vec![None, key.clone()],
        };
        let files: Vec<&str> = tree.files().collect();
        assert_eq!(files, ["a.py", "docs/b.md", "src/c.py", "z.txt"]);
        let wanted: Vec<(&str, Option<Key>)> =
            tree.wanted().map(|(f, k)| (f, k.cloned())).collect();
        assert_eq!(wanted, [("a.py", None), ("src/c.py", key)]);
    }

    #[test]
    fn patterns_that_could_hide_ignore_files_are_noticed() {
        let may = |t: &str| may_hide_ignore_files(std::iter::once(t));
        assert!(!may("target/\n*.pyc\n/build\n# .gitignore\n!.ignore\n"));
        assert!(!may("node_modules/\ndocs/*.md\n"));
        assert!(may(".*\n"));
        assert!(may("sub/.gitignore\n"));
        assert!(may(".git/\n"));
        assert!(may("*ignore\n"));
        assert!(may("**\n"));
        assert!(may("docs/\n*\n"));
    }
}
