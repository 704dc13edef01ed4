//! Git history, read with git2 (never by shelling out): which task ids commits mention.

use std::path::Path;

/// For each id in `ids`, whether some commit reachable from HEAD mentions it.
/// `Err` says why history cannot be read (no repository, no commits): callers fail closed.
pub fn commits_mentioning(root: &Path, ids: &[String]) -> Result<Vec<bool>, String> {
    let repo = git2::Repository::open(root).map_err(|_| {
        format!(
            "no git repository at {} to look for commits in",
            root.display()
        )
    })?;
    if let Err(e) = repo.head() {
        let unborn = matches!(
            e.code(),
            git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
        ) || repo.is_empty().unwrap_or(false);
        return Err(if unborn {
            "the git repository has no commits yet (HEAD is unborn)".to_string()
        } else {
            format!("cannot read HEAD: {}", e.message())
        });
    }
    let mut walk = repo
        .revwalk()
        .map_err(|e| format!("cannot walk the git history: {}", e.message()))?;
    walk.push_head()
        .map_err(|e| format!("cannot read HEAD: {}", e.message()))?;
    let needles: Vec<String> = ids.iter().map(|i| i.trim().to_lowercase()).collect();
    let mut found = vec![false; ids.len()];
    let mut remaining = needles.iter().filter(|n| !n.is_empty()).count();
    for oid in walk {
        if remaining == 0 {
            break;
        }
        let oid = oid.map_err(|e| format!("cannot walk the git history: {}", e.message()))?;
        let commit = repo
            .find_commit(oid)
            .map_err(|e| format!("cannot read commit {oid}: {}", e.message()))?;
        let message = String::from_utf8_lossy(commit.message_bytes()).to_lowercase();
        for (i, needle) in needles.iter().enumerate() {
            if !found[i] && !needle.is_empty() && mentions(&message, needle) {
                found[i] = true;
                remaining -= 1;
            }
        }
    }
    Ok(found)
}

/// Whether `haystack` contains `needle` as a whole token: `BACK-12` is not mentioned by
/// `BACK-123`, and `4` is not mentioned by `v1.42`.
pub fn mentions(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let is_word = |c: char| c.is_alphanumeric();
    let mut from = 0;
    while let Some(i) = haystack[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before_ok = haystack[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word(c));
        let after_ok = haystack[end..].chars().next().is_none_or(|c| !is_word(c));
        if before_ok && after_ok {
            return true;
        }
        // On to the next character of the haystack (a match starts on a boundary).
        from = start + haystack[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_mentions() {
        assert!(mentions("fix back-12: escape paths", "back-12"));
        assert!(!mentions("fix back-123", "back-12"));
        assert!(mentions("refs #4", "4"));
        assert!(!mentions("bump v1.42", "4"));
        assert!(mentions("(task-7)", "task-7"));
        assert!(!mentions("é sécurité", ""));
        assert!(mentions("ééx ééx-1", "ééx-1"));
    }

    proptest::proptest! {
        #[test]
        fn mentions_never_panics_on_any_text(h in ".{0,40}", n in ".{0,6}") {
            let _ = mentions(&h, &n);
        }
    }
}

/// What changed between the merge-base of `rev` and HEAD.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Files added or modified (repository-relative, `/`-separated), deleted ones excluded.
    pub files: Vec<String>,
    /// The merge-base commit, to read old versions of files from.
    pub base: String,
}

/// Files changed between the merge-base of `rev` and HEAD (and, with `uncommitted`, in the
/// index and work tree too). A shallow clone that lacks the merge-base is an error that
/// says how to fetch more history.
pub fn changed_since(root: &Path, rev: &str, uncommitted: bool) -> Result<Changes, String> {
    let repo = git2::Repository::open(root).map_err(|_| {
        format!(
            "--changed-since needs a git repository; {} is not one",
            root.display()
        )
    })?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| format!("--changed-since: cannot read HEAD: {}", e.message()))?;
    let other = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| format!("--changed-since: unknown revision `{rev}` ({}); fetch it first, e.g. `git fetch origin {rev}`", e.message()))?;
    let base_oid = repo.merge_base(head.id(), other.id()).map_err(|_| {
        let shallow = if repo.is_shallow() { "the clone is shallow and " } else { "" };
        format!(
            "--changed-since {rev}: {shallow}there is no common ancestor of {rev} and HEAD; fetch more history (in GitHub Actions: actions/checkout with `fetch-depth: 0`)"
        )
    })?;
    let base = repo
        .find_commit(base_oid)
        .map_err(|e| e.message().to_string())?;
    let base_tree = base.tree().map_err(|e| e.message().to_string())?;
    let head_tree = head.tree().map_err(|e| e.message().to_string())?;
    let mut files: Vec<String> = Vec::new();
    let mut collect = |diff: git2::Diff<'_>| {
        for d in diff.deltas() {
            if d.status() == git2::Delta::Deleted {
                continue;
            }
            if let Some(p) = d.new_file().path().and_then(|p| p.to_str()) {
                let p = p.replace('\\', "/");
                if !files.contains(&p) {
                    files.push(p);
                }
            }
        }
    };
    let committed = repo
        .diff_tree_to_tree(Some(&base_tree), Some(&head_tree), None)
        .map_err(|e| format!("--changed-since: cannot diff: {}", e.message()))?;
    collect(committed);
    if uncommitted {
        let mut opts = git2::DiffOptions::new();
        opts.include_untracked(true).recurse_untracked_dirs(true);
        let work = repo
            .diff_tree_to_workdir_with_index(Some(&head_tree), Some(&mut opts))
            .map_err(|e| {
                format!(
                    "--changed-since: cannot diff the work tree: {}",
                    e.message()
                )
            })?;
        collect(work);
    }
    files.sort();
    Ok(Changes {
        files,
        base: base_oid.to_string(),
    })
}

/// The content of `path` in commit `rev`, if it exists there.
pub fn file_at(root: &Path, rev: &str, path: &str) -> Option<Vec<u8>> {
    let repo = git2::Repository::open(root).ok()?;
    let tree = repo.revparse_single(rev).ok()?.peel_to_tree().ok()?;
    let entry = tree.get_path(Path::new(path)).ok()?;
    let blob = entry.to_object(&repo).ok()?.peel_to_blob().ok()?;
    Some(blob.content().to_vec())
}

/// Staged files (index differs from HEAD; deleted ones excluded) and their staged content.
pub fn staged(root: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let repo = git2::Repository::open(root).map_err(|_| {
        format!(
            "--staged needs a git repository; {} is not one",
            root.display()
        )
    })?;
    let index = repo
        .index()
        .map_err(|e| format!("--staged: cannot read the index: {}", e.message()))?;
    let head_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let diff = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), None)
        .map_err(|e| format!("--staged: cannot diff the index: {}", e.message()))?;
    let mut out = Vec::new();
    for d in diff.deltas() {
        if d.status() == git2::Delta::Deleted {
            continue;
        }
        let Some(path) = d.new_file().path().and_then(|p| p.to_str()) else {
            continue;
        };
        let blob = repo
            .find_blob(d.new_file().id())
            .map_err(|e| format!("--staged: cannot read the staged {path}: {}", e.message()))?;
        out.push((path.replace('\\', "/"), blob.content().to_vec()));
    }
    out.sort();
    Ok(out)
}
