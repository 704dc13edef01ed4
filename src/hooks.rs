//! `qgate hooks install`: git hooks that run qgate. The scripts only map the hook's inputs to
//! a qgate command; a hook qgate did not write is never overwritten without `--force`.

use std::path::{Path, PathBuf};

/// Marks a hook as written by qgate.
pub const MARKER: &str = "# Written by `qgate hooks install`";

/// The hooks directory: `core.hooksPath` when set (relative to the work tree), else
/// `.git/hooks`.
pub fn hooks_dir(root: &Path) -> Result<PathBuf, String> {
    let repo = git2::Repository::open(root)
        .map_err(|_| format!("{} is not a git repository", root.display()))?;
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or(root).join(p),
        None => repo.path().join("hooks"),
    })
}

fn script(kind: &str, qgate: &str) -> String {
    let run = match kind {
        "pre-commit" => "exec \"$q\" check --staged".to_string(),
        _ => [
            "# Judge what is being pushed: everything since the upstream branch.",
            "upstream=$(git rev-parse --abbrev-ref --symbolic-full-name '@{upstream}' 2>/dev/null) || upstream=",
            "if [ -n \"$upstream\" ]; then exec \"$q\" check --changed-since \"$upstream\"; fi",
            "exec \"$q\" check",
        ]
        .join("\n"),
    };
    format!(
        "#!/bin/sh\n{MARKER}; `qgate hooks install --force` rewrites it.\n# QGATE overrides the binary; without it the qgate that installed the hook, else the one on PATH.\nq=\"${{QGATE:-{qgate}}}\"\n[ -x \"$q\" ] || q=qgate\n{run}\n"
    )
}

/// Installs the hooks in `kinds` (`pre-commit`, `pre-push`); returns the paths written.
pub fn install(root: &Path, kinds: &[&str], force: bool) -> Result<Vec<PathBuf>, String> {
    let dir = hooks_dir(root)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let qgate = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "qgate".into());
    let mut written = Vec::new();
    for kind in kinds {
        let path = dir.join(kind);
        if let Ok(existing) = std::fs::read_to_string(&path)
            && !existing.contains(MARKER)
            && !force
        {
            return Err(format!(
                "{} exists and was not written by qgate; keep it, or overwrite it with --force",
                path.display()
            ));
        }
        crate::fsutil::atomic_write(&path, script(kind, &qgate).as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        written.push(path);
    }
    Ok(written)
}
