//! Each board format: the input becomes the board's config file (promethean, Backlog.md,
//! kanban-md) or board file (Obsidian), next to one task, and the board is loaded.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static DIRS: OnceLock<Vec<tempfile::TempDir>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let dirs = DIRS.get_or_init(|| (0..4).map(|_| tempfile::tempdir().expect("tempdir")).collect());
    let Some((&which, rest)) = data.split_first() else { return };
    let dir = &dirs[usize::from(which % 4)];
    let root = dir.path();
    let _ = std::fs::remove_dir_all(root);
    let _ = std::fs::create_dir_all(root);
    let (marker, tasks) = match which % 4 {
        0 => ("promethean.kanban.json", "docs/agile/tasks/t.md"),
        1 => ("backlog/config.yml", "backlog/tasks/t.md"),
        2 => ("kanban/config.yml", "kanban/tasks/t.md"),
        _ => ("Board.md", "Note.md"),
    };
    for (path, content) in [(marker, rest), (tasks, b"---\nid: T-1\nuuid: T-1\ntitle: t\nstatus: todo\n---\n".as_slice())] {
        let p = root.join(path);
        let _ = std::fs::create_dir_all(p.parent().expect("parent"));
        let _ = std::fs::write(p, content);
    }
    let mut cfg = qgate::config::Config::default();
    if which % 4 == 3 {
        cfg.kanban.format = Some(qgate::kanban::Format::Obsidian);
        cfg.kanban.tasks = Some("Board.md".into());
    }
    let exclude = qgate::workspace::Exclude::default();
    let _ = qgate::kanban::load(root, &cfg, &exclude, None, None);
});
