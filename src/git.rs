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
        from = start + needle.chars().next().map_or(1, char::len_utf8);
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
    }
}
