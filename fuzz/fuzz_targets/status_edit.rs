//! `transition --apply`: rewriting a front-matter status and moving an Obsidian card.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = qgate::kanban::edit::set_front_matter_status(&text, "In Progress");
    let _ = qgate::kanban::edit::set_front_matter_status(&text, "yes: no");
    for line in 0..8 {
        let _ = qgate::kanban::edit::move_card(&text, line, "Done");
    }
});
