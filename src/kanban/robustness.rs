//! Property tests: no input makes the board parsers, the status editor or the config parser
//! panic. Inputs are arbitrary text and text assembled from the pieces these formats are
//! made of (fences, keys, quotes, list markers, headings, BOMs, CRLF, non-ASCII).

use proptest::prelude::*;

use super::{edit, markdown, obsidian, taskfile};

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---\n".to_string()),
        Just("...\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r\n".to_string()),
        Just("status: ".to_string()),
        Just("status:".to_string()),
        Just("id: ".to_string()),
        Just("title: ".to_string()),
        Just("labels: [a, b".to_string()),
        Just("security_review:\n  reviewer: x\n".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("\\".to_string()),
        Just(" # ".to_string()),
        Just("## Lane (3)\n".to_string()),
        Just("- [ ] card [[Note|x]] ^id\n".to_string()),
        Just("- [x] ".to_string()),
        Just("**Complete**\n".to_string()),
        Just("***\n".to_string()),
        Just("%% kanban:settings\n".to_string()),
        Just("```\n".to_string()),
        Just("&a [1] *a ".to_string()),
        Just("qgate:ignore[".to_string()),
        Just("é漢🙂".to_string()),
        "[a-z :\\-\\[\\]{}#'\"\n]{0,12}",
    ]
}

fn doc() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(piece(), 0..40).prop_map(|v| v.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn task_files_never_panic(text in doc()) {
        let (task, problems) = taskfile::parse("t.md".into(), text.clone(), &["id"]);
        for p in &problems {
            prop_assert!(p.line >= 1);
        }
        if let Some(t) = task
            && let Some(d) = &t.doc {
                let _ = d.sections(&text);
            }
        if let Ok(Some(s)) = markdown::split(&text) {
            let _ = markdown::key_lines(&s);
        }
        let _ = crate::suppress::parse(&text);
    }

    #[test]
    fn status_edits_never_panic_and_never_corrupt(text in doc(), status in "[A-Za-z _:#'\"-]{1,12}") {
        if let Ok(out) = edit::set_front_matter_status(&text, &status) {
            // Whatever was written reads back as the new status.
            let s = markdown::split(&out).unwrap().unwrap();
            let m = markdown::parse_yaml(&s).unwrap();
            prop_assert_eq!(m.get("status").and_then(|v| v.as_str()), Some(status.as_str()));
        }
        for line in 0..6 {
            let _ = edit::move_card(&text, line, &status);
        }
    }

    #[test]
    fn obsidian_boards_never_panic(text in doc()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.md"), &text).unwrap();
        let exclude = crate::workspace::Exclude::default();
        let env = super::Env { root: dir.path(), exclude: &exclude, cache: None, overlay: None };
        let _ = obsidian::load(&env, "b.md");
        let _ = obsidian::lane_title(&text);
        let _ = obsidian::card_text(&text);
    }

    #[test]
    fn config_never_panics(text in doc()) {
        let _ = crate::config::Config::parse(&text, "qgate.yaml");
    }
}

#[test]
fn yaml_alias_bombs_and_deep_nesting_are_refused_quickly() {
    let mut bomb = String::from("---\na: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    bomb.push_str("---\n");
    let started = std::time::Instant::now();
    let (_task, problems) = taskfile::parse("bomb.md".into(), bomb.clone(), &["id"]);
    assert!(started.elapsed().as_secs() < 5);
    assert!(!problems.is_empty());
    assert!(crate::config::Config::parse(&bomb.replace("---\n", ""), "qgate.yaml").is_err());

    let deep = format!(
        "---\nx: {}{}\n---\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (_task, problems) = taskfile::parse("deep.md".into(), deep, &["id"]);
    assert_eq!(problems[0].code, "task-front-matter-invalid");
}
