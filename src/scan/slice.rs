//! Python slicing before parsing: only functions that can hold a flow are parsed.
//!
//! A flow needs a source and a sink in the same function (the analysis is intra-procedural),
//! so in a file that passed the prefilter, a `def` whose text (decorators included) lacks a
//! source word or a sink name cannot contribute a finding. Those lines are blanked — line and
//! column numbers stay as they were — keeping candidate functions whole, the headers of the
//! blocks around them, and module-level imports (for alias resolution). Top-level code that
//! mentions both makes the whole file count. The caller parses the whole file when the slice
//! does not parse cleanly.

/// Which lines hold no code: comments, and the lines of a triple-quoted string that starts a
/// line (docstrings and text blocks; f-strings, which hold code, excepted). Words there are
/// prose, not sources or sinks.
fn python_prose(lines: &[&str]) -> Vec<bool> {
    let mut prose = vec![false; lines.len()];
    let mut open: Option<&str> = None;
    for (n, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if let Some(delim) = open {
            match t.find(delim) {
                Some(end) => {
                    open = None;
                    prose[n] = t[end + 3..].trim().is_empty();
                }
                None => prose[n] = true,
            }
            continue;
        }
        if t.starts_with('#') {
            prose[n] = true;
            continue;
        }
        let body = t.trim_start_matches(['r', 'R', 'b', 'B', 'u', 'U']);
        if body.len() + 2 < t.len() {
            continue;
        }
        for delim in ["\"\"\"", "'''"] {
            if let Some(rest) = body.strip_prefix(delim) {
                match rest.find(delim) {
                    Some(end) => prose[n] = rest[end + 3..].trim().is_empty(),
                    None => {
                        prose[n] = true;
                        open = Some(delim);
                    }
                }
                break;
            }
        }
    }
    prose
}

/// The text of a JavaScript/TypeScript, Go or Java file with its comment lines emptied (a
/// line that starts a `//` comment, and the lines of a `/* */` block that starts a line), for
/// the prefilter: words in comments are prose, and JSDoc is full of them.
pub fn c_like_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_block = false;
    for (n, l) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let t = l.trim_start();
        if in_block {
            if let Some(end) = t.find("*/") {
                in_block = false;
                out.push_str(&t[end + 2..]);
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("/*") {
            match rest.find("*/") {
                Some(end) => out.push_str(&rest[end + 2..]),
                None => in_block = true,
            }
            continue;
        }
        out.push_str(l);
    }
    out
}

/// `lines[range]` with prose lines emptied, for word checks.
fn code_of(lines: &[&str], prose: &[bool], range: std::ops::Range<usize>) -> String {
    lines[range.clone()]
        .iter()
        .zip(&prose[range])
        .map(|(l, p)| if *p { "" } else { *l })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sliced text, or `None` when the whole file must be parsed.
pub fn python(text: &str, has_flow_words: impl Fn(&str) -> bool) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let prose = python_prose(&lines);
    let indent = |l: &str| l.len() - l.trim_start().len();
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    let mut keep = vec![false; lines.len()];
    let mut in_def = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        if prose[i] || !(t.starts_with("def ") || t.starts_with("async def ")) {
            i += 1;
            continue;
        }
        let ind = indent(lines[i]);
        // Decorators directly above, at the same indentation.
        let mut start = i;
        while start > 0
            && indent(lines[start - 1]) == ind
            && lines[start - 1].trim_start().starts_with('@')
        {
            start -= 1;
        }
        let mut end = i + 1;
        while end < lines.len() && (blank(lines[end]) || indent(lines[end]) > ind) {
            end += 1;
        }
        for flag in &mut in_def[start..end] {
            *flag = true;
        }
        if has_flow_words(&code_of(&lines, &prose, start..end)) {
            for k in &mut keep[start..end] {
                *k = true;
            }
            // The headers of the blocks this function sits in.
            let mut need = ind;
            let mut j = start;
            while need > 0 && j > 0 {
                j -= 1;
                if !blank(lines[j]) && indent(lines[j]) < need {
                    keep[j] = true;
                    need = indent(lines[j]);
                }
            }
            i = end;
        } else {
            // Nested functions inside a non-candidate one are looked at on their own.
            i += 1;
        }
    }
    // Top-level code outside every function: if it could hold a flow, parse everything.
    // Imports without `as` only bring names the code then spells out, so they are left out.
    let outside: String = lines
        .iter()
        .zip(&in_def)
        .zip(&prose)
        .filter(|((l, d), p)| {
            let t = l.trim_start();
            let import = indent(l) == 0
                && (t.starts_with("import ") || t.starts_with("from "))
                && !t.contains(" as ")
                && !t.contains('(');
            !**d && !**p && !import
        })
        .map(|((l, _), _)| *l)
        .collect::<Vec<_>>()
        .join("\n");
    if has_flow_words(&outside) {
        return None;
    }
    // Module-level imports, with their parenthesized continuations.
    let mut open = false;
    for (n, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if open || (indent(l) == 0 && (t.starts_with("import ") || t.starts_with("from "))) {
            keep[n] = true;
            open = (open || t.contains('(')) && !t.contains(')');
        }
    }
    if keep.iter().all(|k| *k) {
        return None;
    }
    Some(
        lines
            .iter()
            .zip(&keep)
            .map(|(l, k)| if *k { *l } else { "" })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::python;

    fn words(t: &str) -> bool {
        t.contains("request") && t.contains("open(")
    }

    #[test]
    fn keeps_candidate_functions_and_their_headers_in_place() {
        let src = "import os\nfrom x import (\n    a,\n)\n\nclass V:\n    def helper(self):\n        return 1\n\n    @route('/x')\n    def get(self):\n        return open(request.args['f'])\n\ndef other():\n    pass\n";
        let out = python(src, words).unwrap();
        assert_eq!(out.split('\n').count(), src.split('\n').count());
        assert!(out.contains("class V:"));
        assert!(out.contains(
            "    @route('/x')\n    def get(self):\n        return open(request.args['f'])"
        ));
        assert!(!out.contains("helper") && !out.contains("other"));
        assert!(out.starts_with("import os\nfrom x import (\n    a,\n)"));
    }

    #[test]
    fn comment_lines_are_emptied() {
        let src = "/**\n * Reads req.query and calls fs.readFile\n */\nconst a = 1; // req\n// fs.readFile(req)\n/* x */ call(req)\nlet s = '/* not a comment';";
        let out = super::c_like_code(src);
        assert_eq!(out.split('\n').count(), src.split('\n').count());
        assert!(!out.contains("readFile"));
        assert!(out.contains("const a = 1; // req"));
        assert!(out.contains(" call(req)"));
        assert!(out.contains("let s = '/* not a comment';"));
    }

    #[test]
    fn prose_does_not_make_a_candidate() {
        let src = "\"\"\"Opens files named in the request.\"\"\"\nfrom flask import request\n\n\nclass V:\n    \"\"\"\n    Serves open( request\n    \"\"\"\n    # open( request\n\n    def get(self):\n        \"\"\"Reads open( request.\"\"\"\n        return 1\n\n    def post(self):\n        return open(request.args['f'])\n";
        let out = python(src, words).expect("sliced, not whole");
        assert!(out.contains("return open(request.args['f'])"));
        assert!(
            !out.contains("return 1"),
            "a docstring alone does not keep a function"
        );
        // f-strings hold code; an aliased import may hide a source's name.
        assert!(python("x = f\"\"\"{open(request.x)}\"\"\"\n", words).is_none());
        assert!(
            python(
                "from flask import request as r\nopen(r.args)\n\ndef g():\n    pass\n",
                |t| t.contains("open(") && (t.contains("request") || t.contains("r.args"))
            )
            .is_none()
        );
    }

    #[test]
    fn top_level_flows_need_the_whole_file() {
        assert!(python("import sys\nopen(request.x)\n", words).is_none());
        assert!(
            python("def f():\n    return open(request.x)\n", words).is_none(),
            "nothing to blank"
        );
    }
}
