//! Task files: front matter, fields, sections, suppression comments.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    for keys in [&["id"][..], &["uuid", "id"][..]] {
        let (task, _problems) = qgate::kanban::parse_task_file("t.md".into(), text.clone(), keys);
        if let Some(doc) = task.and_then(|t| t.doc) {
            let _ = doc.sections(&text);
        }
    }
    let _ = qgate::suppress::parse(&text);
    let _ = qgate::kanban::status_in(&text);
});
