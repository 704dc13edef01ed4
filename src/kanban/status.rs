//! The one place where status and person names are normalized for comparison.
//!
//! Boards spell the same column many ways ("In Progress", "in-progress", "in_progress");
//! every comparison in qgate goes through [`normalize_status`] so they are all the same key.

/// Lower-case, trimmed, with `-` and spaces (runs of them) turned into a single `_`.
pub fn normalize_status(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_sep = false;
    for ch in raw.trim().chars() {
        if ch == '-' || ch == '_' || ch.is_whitespace() {
            pending_sep = true;
            continue;
        }
        if pending_sep && !out.is_empty() {
            out.push('_');
        }
        pending_sep = false;
        out.extend(ch.to_lowercase());
    }
    out
}

/// A person's name as compared: trimmed, without a leading `@`, lower-case.
pub fn normalize_person(raw: &str) -> String {
    raw.trim().trim_start_matches('@').trim().to_lowercase()
}

/// Rank of a priority for ordering: `P0`/`critical` is 0, lower numbers are more urgent.
/// Unknown vocabularies have no rank.
pub fn priority_rank(raw: &str) -> Option<u32> {
    let p = raw.trim().to_lowercase();
    if let Some(digits) = p.strip_prefix('p')
        && let Ok(n) = digits.parse::<u32>()
    {
        return Some(n);
    }
    match p.as_str() {
        "critical" | "urgent" | "blocker" | "highest" => Some(0),
        "high" => Some(1),
        "medium" | "normal" => Some(2),
        "low" => Some(3),
        "lowest" | "trivial" => Some(4),
        _ => p.parse::<u32>().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_normalize_to_one_key() {
        for s in [
            "In Progress",
            "in-progress",
            "in_progress",
            " IN  PROGRESS ",
            "in - progress",
        ] {
            assert_eq!(normalize_status(s), "in_progress", "{s:?}");
        }
        assert_eq!(normalize_status("Done"), "done");
        assert_eq!(normalize_status("-todo-"), "todo");
    }

    #[test]
    fn people_compare_without_at_and_case() {
        assert_eq!(normalize_person("@Alice"), normalize_person("alice "));
    }

    #[test]
    fn priority_ranks() {
        assert_eq!(priority_rank("P0"), Some(0));
        assert_eq!(priority_rank("critical"), Some(0));
        assert_eq!(priority_rank("High"), Some(1));
        assert_eq!(priority_rank("whenever"), None);
    }
}
