//! Small file-system helpers shared by the loaders and writers: repository-relative paths,
//! text reads with clear errors, and atomic writes that never leave a file half-written.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// `path` relative to `root`, `/`-separated; `path` itself (lossy) when outside `root`.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for comp in rel.components() {
        match comp {
            Component::CurDir => continue,
            Component::Normal(s) => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(&s.to_string_lossy());
            }
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    out
}

/// Reads a file as UTF-8 text; the error says what went wrong in words.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read file: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, col) = utf8_error_at(&e);
        format!("file is not valid UTF-8 (line {line}, column {col}: the first byte that is not)")
    })
}

/// The 1-based line and byte column of the first byte that is not UTF-8.
pub fn utf8_error_at(e: &std::string::FromUtf8Error) -> (u32, u32) {
    let at = e.utf8_error().valid_up_to();
    let before = &e.as_bytes()[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = at
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line as u32, col as u32)
}

/// The largest input file read whole where no other limit is configured (benchmark results,
/// perf history).
pub const MAX_INPUT: u64 = 256 << 20;

/// Reads `path` when it is a regular file (a link is followed) of at most `limit` bytes. A
/// FIFO, device or directory is refused without blocking on it: opening does not wait for a
/// writer, and what was opened is what is checked.
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device or directory is never read)",
        ));
    }
    if meta.len() > limit {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {limit} bytes ({} bytes)", meta.len()),
        ));
    }
    let mut out = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never past the limit.
    file.take(limit + 1).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {limit} bytes"),
        ));
    }
    Ok(out)
}

/// What a new `.qgate/.gitignore` holds: caches and state are ignored; the files a project
/// commits (the baseline, the perf history, the audit trail) are not.
const STATE_IGNORE: &str = "# Written by qgate: caches and state are not part of the repository;\n\
# the baseline, the perf history and the audit trail are meant to be committed.\n\
*\n!baseline.json\n!perf-history.json\n!audit.jsonl\n!audit.jsonl.head\n";

/// Where `path` resolves with every link followed, and whether that lies inside `root` (the
/// repository, itself resolved). `Err` when it does not resolve (missing, a dangling link).
pub fn resolve(root: &Path, path: &Path) -> std::io::Result<(PathBuf, bool)> {
    let real = std::fs::canonicalize(path)?;
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let inside = real.starts_with(&real_root);
    Ok((real, inside))
}

/// Opens never through a link at the last component (qgate's own state files: a committed
/// `.qgate/audit.jsonl → ~/.gitconfig` must not be written through).
pub fn no_follow(opts: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    opts
}

/// `create_dir_all`, and a `.qgate` directory it creates gets a `.gitignore` holding `*`
/// (as ruff does for its cache; see [`STATE_IGNORE`]), so caches never show up as untracked.
/// A `.qgate` that exists already is left as it is (it may hold a committed baseline).
pub fn create_dirs(dir: &Path) -> std::io::Result<()> {
    let state = dir
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == ".qgate"))
        .map(Path::to_path_buf);
    let fresh = state.as_ref().is_some_and(|s| !s.exists());
    std::fs::create_dir_all(dir)?;
    if fresh && let Some(s) = state {
        let ignore = s.join(".gitignore");
        // `create_new`: never through a link or over a file someone put there meanwhile.
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&ignore)
        {
            f.write_all(STATE_IGNORE.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes an output the user named (`--report`, `--dashboard`, `init`, a baseline): `-` is
/// standard output; a device, FIFO or socket is written through, never replaced; a link is
/// followed and its target replaced atomically in the target's own directory. Only a
/// regular file (or nothing) at the end is replaced by rename, as [`atomic_write`] does.
pub fn write_output(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(contents)?;
        return out.flush();
    }
    // Follow links to what they name (a dangling link: the file it would name).
    let target = match std::fs::canonicalize(path) {
        Ok(t) => t,
        Err(_) => match std::fs::read_link(path) {
            Ok(t) if t.is_absolute() => t,
            Ok(t) => path.parent().unwrap_or(Path::new(".")).join(t),
            Err(_) => path.to_path_buf(),
        },
    };
    match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() && !m.is_dir() => {
            // /dev/null, /dev/stdout's terminal, a FIFO: write into it.
            let mut f = std::fs::OpenOptions::new().write(true).open(&target)?;
            f.write_all(contents)?;
            f.flush()
        }
        _ => atomic_write(&target, contents),
    }
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed
/// and synced, then renamed over the target. Keeps the target's permissions (and, where it
/// may, its owner and group) when it exists.
pub fn atomic_write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let old = std::fs::metadata(path).ok();
    replace(path, contents, old.as_ref(), None)
}

/// Rewrites a file the user owns in place of the old one (a task moved by `--apply`). The
/// new content keeps the file's mode, owner and group, or nothing is written. Refused, the
/// file untouched: a read-only file (the user said not to change it) and a file with
/// several hard links (a rename would give this name a new file and leave the other names
/// with the old content, and no file system can swap a linked file's content atomically).
/// Temporary files an earlier killed write left in the directory are removed first.
/// `unchanged` is asked just before the rename: when the file changed since it was read, it
/// is left as it is (the change is not lost) and the write fails.
pub fn rewrite(path: &Path, contents: &[u8], unchanged: &dyn Fn() -> bool) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    let meta = std::fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if meta.permissions().mode() & 0o222 == 0 {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                "the file is read-only; it was left as it is (make it writable to move the task)",
            ));
        }
        if meta.nlink() > 1 {
            return Err(Error::other(format!(
                "the file has {} hard links; rewriting it would split them, so it was left as \
                 it is (remove the other links, or move the task by hand)",
                meta.nlink()
            )));
        }
    }
    #[cfg(not(unix))]
    if meta.permissions().readonly() {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            "the file is read-only; it was left as it is",
        ));
    }
    if let Some(dir) = path.parent() {
        sweep_temps(dir);
    }
    replace(path, contents, Some(&meta), Some(unchanged))
}

/// The prefix and suffix of the temporary files qgate writes beside their targets.
const TEMP_PREFIX: &str = ".qgate-";
const TEMP_SUFFIX: &str = ".tmp";

/// Removes temporary files of qgate's (see [`TEMP_PREFIX`]) older than a minute from `dir`:
/// what a killed write left behind. Younger ones may belong to a write in progress.
pub fn sweep_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        // `DirEntry::metadata` does not follow links: only regular files are removed.
        if let Ok(m) = e.metadata()
            && m.is_file()
            && m.modified().is_ok_and(|t| t < old)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn replace(
    path: &Path,
    contents: &[u8],
    old: Option<&std::fs::Metadata>,
    // A user's file: its owner is kept or nothing is written, and it must not have changed.
    users: Option<&dyn Fn() -> bool>,
) -> std::io::Result<()> {
    let keep_owner = users.is_some();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    if let Some(meta) = old {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let owned =
                std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
            if let Err(e) = owned
                && keep_owner
            {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("cannot keep the file's owner and group ({e}); it was left as it is"),
                ));
            }
        }
        // After the owner: changing it may clear set-id bits.
        tmp.as_file().set_permissions(meta.permissions())?;
    } else {
        // A new file gets the usual mode, not the temporary file's private one.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
    }
    tmp.as_file().sync_all()?;
    if let Some(unchanged) = users
        && !unchanged()
    {
        return Err(std::io::Error::other(
            "the file changed while qgate was writing it; it was left as it is (run again)",
        ));
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `f` over `items` in order, on the calling thread and a few scoped helpers that take
/// chunks from a shared cursor: a helper the scheduler starts late simply takes fewer.
/// Not rayon: the file list is built inside a `OnceLock` that rayon workers may be waiting
/// on, and a pool whose workers all wait cannot run the work they wait for; and stat-bound
/// work wants the calling thread to start at once.
pub fn par_map<'a, T: Sync, R: Send>(items: &'a [T], f: impl Fn(&'a T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Small enough chunks that every thread gets several (items may be heavy: a directory of
    // 256 files), large enough that the cursor is not contended.
    // Asked once: the standard library reads the cgroup's CPU quota files every time.
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads =
        *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let chunk = (items.len() / (threads * 8)).clamp(1, 64);
    let helpers = threads - 1;
    if helpers == 0 || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let cursor = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let start = cursor.fetch_add(chunk, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + chunk).min(items.len());
            done.push((start, items[start..end].iter().map(&f).collect()));
        }
    };
    let mut parts = std::thread::scope(|s| {
        let handles: Vec<_> = (0..helpers).map(|_| s.spawn(work)).collect();
        let mut parts = work();
        for h in handles {
            parts.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        parts
    });
    parts.sort_unstable_by_key(|(start, _)| *start);
    let mut out = Vec::with_capacity(items.len());
    for (_, r) in parts {
        out.extend(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_while_it_is_rewritten_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("task.md");
        std::fs::write(&p, "status: todo\nnotes the user added\n").unwrap();
        let e = rewrite(&p, b"status: done\n", &|| false).unwrap_err();
        assert!(e.to_string().contains("changed while"), "{e}");
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "status: todo\nnotes the user added\n"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file stays");
        rewrite(&p, b"status: done\n", &|| true).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "status: done\n");
    }

    #[test]
    fn par_map_keeps_order_at_every_size() {
        for n in [0, 1, 63, 64, 65, 1000, 4097] {
            let items: Vec<usize> = (0..n).collect();
            let out = par_map(&items, |i| i * 2);
            assert_eq!(
                out,
                items.iter().map(|i| i * 2).collect::<Vec<_>>(),
                "n = {n}"
            );
        }
    }

    #[test]
    fn relative_paths_use_forward_slashes() {
        assert_eq!(rel_path(Path::new("/r"), Path::new("/r/a/b.md")), "a/b.md");
        assert_eq!(rel_path(Path::new("/r"), Path::new("/r/./a")), "a");
    }

    #[test]
    fn atomic_write_replaces_contents() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
