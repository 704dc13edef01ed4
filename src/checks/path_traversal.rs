//! `path-traversal`: untrusted input reaching file-system paths without a real sanitizer.

use super::{Check, CodeDoc, Context, Sink};
use crate::scan::rules::Kind;

pub struct PathTraversal;

static CODES: &[CodeDoc] = &[CodeDoc {
    code: "tainted-path",
    summary: "untrusted input reaches a file-system path",
    explanation: "A value from the request (or argv) flows, through assignments, string building and path joins, into a file operation — open/read/write/delete/list/stat, send_file, res.sendFile, fs.*, os.Open, http.ServeFile, FileInputStream, Files.* — with no sanitizer on the way. `../../etc/passwd` then reads or overwrites files outside the intended directory.\n\nExample (Python):\n    name = request.args[\"name\"]\n    return open(os.path.join(UPLOADS, name)).read()    # tainted-path\n\nFix, one of:\n  - keep only the file name: os.path.basename / secure_filename / path.basename / filepath.Base / Path.getFileName;\n  - canonicalize and check containment, failing otherwise:\n        full = os.path.realpath(os.path.join(UPLOADS, name))\n        if not full.startswith(UPLOADS + os.sep): abort(404)\n  - allowlist the value (`if name not in ALLOWED: abort(404)`) or match it against an anchored regex.\nrealpath alone and replace(\"..\", \"\") are not sanitizers.\n\nSuppress: a comment `qgate:ignore[tainted-path] reason` on the sink's line or alone above it.",
}];

impl Check for PathTraversal {
    fn shares(&self) -> Option<&'static str> {
        Some("scan")
    }

    fn id(&self) -> &'static str {
        "path-traversal"
    }

    fn summary(&self) -> &'static str {
        "taint analysis: untrusted input reaching file-system paths (Python, JS/TS, Go, Java)"
    }

    fn explanation(&self) -> &'static str {
        "Parses Python, JavaScript, TypeScript (incl. TSX), Go and Java with tree-sitter and tracks untrusted input through each function: request objects and route parameters of Flask, Django, FastAPI, Express, Koa, Next.js, net/http, gorilla/mux, gin, Servlets and Spring, plus argv. Taint flows through assignments, string concatenation and formatting, path joins, containers and string methods; it is stopped by basename-style sanitizers, numeric conversion, allowlists, anchored regex validation, and canonicalize-then-contain checks that abort on failure. Each finding names the source and the sink and carries the flow between them (SARIF code flows).\n\nThe rules are data: `qgate explain path-traversal` prints the packs; add your framework's sources, sinks and sanitizers under `scan.rules.<language>` in qgate.yaml. Files over `scan.max_file_size` (2MB) and binary files are skipped with a note; results are cached by content in .qgate/cache."
    }

    fn codes(&self) -> &'static [CodeDoc] {
        CODES
    }

    fn file_based(&self) -> bool {
        true
    }

    fn extra_explanation(&self) -> Option<String> {
        Some(super::scanned::rules_text())
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        super::scanned::report(cx, sink, &[Kind::Path]);
        Ok(())
    }
}
