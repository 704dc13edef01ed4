//! Every parser of text a repository holds, fed arbitrary UTF-8 (multi-byte characters,
//! control characters, cut markers): none panics. Slices of input text must land on
//! character boundaries; this is the net under that rule.

use proptest::prelude::*;
use qgate::kanban::{edit, find_key_line, markdown, obsidian, status_in};
use qgate::scan::rules::Lang;
use qgate::scan::{self, slice};

/// Text biased towards the characters parsers cut at, mixed with multi-byte ones.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_string()),
        Just("status: ".to_string()),
        Just("# ".to_string()),
        Just("- [ ] ".to_string()),
        Just("[[".to_string()),
        Just("]]".to_string()),
        Just("](".to_string()),
        Just("qgate:ignore[".to_string()),
        Just("\"\"\"".to_string()),
        Just("def f(request):\n".to_string()),
        Just("function h(req) { ".to_string()),
        Just("}\n".to_string()),
        Just("é".to_string()),
        Just("日本".to_string()),
        Just("🟡".to_string()),
        Just("\u{1b}".to_string()),
        "\\PC{0,6}",
        "[ -~]{0,6}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn board_and_suppression_parsers(t in text(), n in 0u32..40) {
        let _ = qgate::suppress::parse(&t);
        if let Ok(Some(split)) = markdown::split(&t) {
            let _ = markdown::key_lines(&split);
            let _ = markdown::parse_yaml(&split);
        }
        let _ = markdown::sections(&t, 0, 1);
        for line in t.lines() {
            let _ = markdown::heading(line);
            let _ = obsidian::card_text(line);
            let _ = obsidian::lane_title(line);
        }
        let _ = find_key_line(&t, Some("kanban:"), "tasks");
        let _ = status_in(&t);
        let _ = edit::set_front_matter_status(&t, "Done");
        let _ = edit::move_card(&t, n, "Done");
        let _ = qgate::text::yaml_too_deep(&t, 8);
    }

    #[test]
    fn source_slicers_and_parsers(t in text()) {
        let yes = |_: &str| true;
        let want = slice::Want { seed: &yes, sink: &yes, names: &[] };
        let _ = slice::python(&t, &want);
        let _ = slice::javascript(&t, &want);
        let _ = slice::c_like_code(&t);
        for lang in [Lang::Python, Lang::JavaScript, Lang::Go, Lang::Java] {
            let _ = scan::parse(lang, &t);
        }
    }
}
