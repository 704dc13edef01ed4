//! What the two scanning checks share: turning the workspace scan's taint flows of some
//! kinds into findings, and the notes about files that were not scanned.

use super::{Context, Raw, Sink};
use crate::report::{FlowStep, Severity};
use crate::scan::rules::Kind;

pub fn report(cx: &Context<'_>, sink: &mut Sink, kinds: &[Kind]) {
    let scan = cx.ws.scan();
    if scan.files.is_empty() {
        sink.note("no Python, JavaScript, TypeScript, Go or Java files to scan");
        return;
    }
    for n in &scan.notes {
        sink.note(n.clone());
    }
    for n in &cx.ws.config.scan.notes {
        sink.note(n.clone());
    }
    let partial = scan.files.iter().filter(|(_, f)| f.partial).count();
    if partial > 0 {
        sink.note(format!(
            "{partial} file(s) have syntax errors; what parsed was scanned"
        ));
    }
    for (path, file) in &scan.files {
        for flow in file.flows.iter().filter(|f| kinds.contains(&f.kind)) {
            let Some(source) = flow.steps.first() else {
                continue;
            };
            let at = match &source.file {
                Some(f) => format!("{f}:{}", source.line),
                None => format!("line {}", source.line),
            };
            let message = format!(
                "{} ({at}) reaches `{}` as {} without a sanitizer",
                source.what,
                flow.sink,
                flow.kind.describe()
            );
            let mut raw = Raw::new(flow.kind.code(), Severity::Error, message)
                .at(path.clone(), Some(flow.line));
            raw.column = Some(flow.col);
            raw.subject = Some(flow.sink.clone());
            // Stable when code moves: the sink and the source, not their lines.
            raw.content = format!("{} <- {}", flow.sink, source.what);
            raw.flow = flow
                .steps
                .iter()
                .map(|s| FlowStep {
                    path: s
                        .file
                        .as_deref()
                        .map_or_else(|| path.clone(), str::to_string),
                    line: s.line,
                    column: s.col,
                    message: s.what.to_string(),
                })
                .chain(std::iter::once(FlowStep {
                    path: path.clone(),
                    line: flow.line,
                    column: flow.col,
                    message: format!("reaches `{}`", flow.sink),
                }))
                .collect();
            sink.push(raw);
        }
    }
}

/// The rule packs as YAML, for `qgate explain`.
pub fn rules_text() -> String {
    let mut out =
        String::from("\nRule packs (extend them under `scan.rules.<language>` in qgate.yaml):\n");
    for (name, text) in crate::scan::rules::BUILTIN {
        out.push_str(&format!("\n--- {name}\n{text}"));
    }
    out
}
