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

/// JavaScript/TypeScript slicing: the body of every function whose text lacks a source word
/// or a sink name is blanked (spaces; newlines and so positions kept), functions nested in
/// it with it. Module-level code and candidate functions stay whole. A body is a `{` right
/// after a parameter list's `)` on the same line (not `if (…)`, `for (…)`, `while (…)`,
/// `switch (…)`, `catch (…)`, `with (…)`), or after `=>`. Strings, template literals,
/// comments and regular expressions are skipped by a small lexer; when it loses track (a
/// brace that does not match), nothing is blanked, and the caller parses the whole file
/// when the slice does not parse cleanly. `None`: nothing to blank.
pub fn javascript(text: &str, has_flow_words: impl Fn(&str) -> bool) -> Option<String> {
    let b = text.as_bytes();
    let mut blank: Vec<(usize, usize)> = Vec::new();
    // Open braces: (position, is a function body).
    let mut braces: Vec<(usize, bool)> = Vec::new();
    // Open parentheses, and where each closed one opened.
    let mut parens: Vec<usize> = Vec::new();
    let mut last_close_paren: Option<(usize, usize)> = None;
    // Template literals: the brace depth at which each `${` opened.
    let mut templates: Vec<usize> = Vec::new();
    // The last significant byte before the current position, for regex-or-division.
    let mut prev: u8 = b';';
    let mut prev_word_end = 0usize;
    let mut i = 0;
    let n = b.len();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    let word_before = |end: usize| -> &str {
        let mut s = end;
        while s > 0 && ident(b[s - 1]) {
            s -= 1;
        }
        &text[s..end]
    };
    while i < n {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < n && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'/' => {
                let w = word_before(prev_word_end);
                let regex = b"(,=:[!&|?{};~+-*%<>^".contains(&prev)
                    || (ident(prev)
                        && matches!(
                            w,
                            "return"
                                | "typeof"
                                | "case"
                                | "do"
                                | "else"
                                | "in"
                                | "of"
                                | "new"
                                | "delete"
                                | "void"
                                | "throw"
                                | "yield"
                                | "await"
                        ));
                if regex {
                    i += 1;
                    let mut class = false;
                    while i < n && b[i] != b'\n' {
                        match b[i] {
                            b'\\' => i += 1,
                            b'[' => class = true,
                            b']' => class = false,
                            b'/' if !class => break,
                            _ => {}
                        }
                        i += 1;
                    }
                    i += 1;
                    prev = b'a';
                    prev_word_end = 0;
                    continue;
                }
            }
            b'\'' | b'"' => {
                i += 1;
                while i < n && b[i] != c && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                prev = b'"';
                continue;
            }
            b'`' => {
                i += 1;
                template(b, &mut i, &mut braces, &mut templates);
                prev = b'`';
                continue;
            }
            b'(' => parens.push(i),
            b')' => {
                let open = parens.pop()?;
                last_close_paren = Some((open, i));
            }
            b'{' => {
                let before = text[..i].trim_end_matches([' ', '\t']);
                let body = if before.ends_with("=>") {
                    true
                } else if before.ends_with(')') {
                    let close = before.len() - 1;
                    match last_close_paren {
                        Some((open, at)) if at == close => {
                            let head = text[..open].trim_end_matches([' ', '\t']);
                            !matches!(
                                word_before(head.len()),
                                "if" | "for" | "while" | "switch" | "catch" | "with" | "await"
                            )
                        }
                        _ => false,
                    }
                } else {
                    false
                };
                braces.push((i, body));
            }
            b'}' => {
                let (open, body) = braces.pop()?;
                if templates.last() == Some(&braces.len()) {
                    // The end of a `${…}`: back into the template.
                    templates.pop();
                    i += 1;
                    template(b, &mut i, &mut braces, &mut templates);
                    prev = b'`';
                    continue;
                }
                if body && !has_flow_words(&text[open + 1..i]) {
                    blank.push((open + 1, i));
                }
            }
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            prev = c;
            if ident(c) {
                prev_word_end = i + 1;
            }
        }
        i += 1;
    }
    if blank.is_empty() || !braces.is_empty() || !parens.is_empty() {
        return None;
    }
    let mut out = b.to_vec();
    for (from, to) in blank {
        for x in &mut out[from..to] {
            if *x != b'\n' {
                *x = b' ';
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Moves `i` past a template literal's text, up to its end or to a `${`, whose code then
/// runs to its matching `}` (an open brace that `templates` remembers).
fn template(b: &[u8], i: &mut usize, braces: &mut Vec<(usize, bool)>, templates: &mut Vec<usize>) {
    while *i < b.len() {
        match b[*i] {
            b'\\' => *i += 2,
            b'`' => {
                *i += 1;
                return;
            }
            b'$' if b.get(*i + 1) == Some(&b'{') => {
                *i += 2;
                templates.push(braces.len());
                braces.push((*i - 1, false));
                return;
            }
            _ => *i += 1,
        }
    }
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

    fn js_words(t: &str) -> bool {
        t.contains("req.") && t.contains("readFile")
    }

    #[test]
    fn javascript_blanks_only_function_bodies_without_a_flow() {
        let src = "const fs = require('fs');\nfunction helper(a) {\n  return a + '}' + `${a}}` + /}/.source;\n}\napp.get('/x', (req, res) => {\n  if (req.query.a) {\n    fs.readFile(req.query.a);\n  }\n});\nclass C {\n  m(x) { return x * 2; }\n  n(req) { return fs.readFile(req.body); }\n}\n";
        let out = super::javascript(src, js_words).expect("something blanked");
        assert_eq!(out.len(), src.len());
        assert_eq!(out.split('\n').count(), src.split('\n').count());
        assert!(!out.contains("return a"), "helper's body is blanked: {out}");
        assert!(out.contains("function helper(a) {"));
        assert!(out.contains("  if (req.query.a) {\n    fs.readFile(req.query.a);\n  }"));
        assert!(!out.contains("x * 2"));
        assert!(out.contains("n(req) { return fs.readFile(req.body); }"));
        assert!(out.starts_with("const fs = require('fs');"));
    }

    #[test]
    fn javascript_control_blocks_and_unbalanced_text_are_left_alone() {
        // An `if` block inside a candidate is never blanked on its own.
        let src = "function f(req) {\n  if (ok(x)) {\n    y = 1;\n  }\n  for (const a of b) {\n    z();\n  }\n  fs.readFile(req.query.p);\n}\n";
        assert!(super::javascript(src, js_words).is_none());
        assert!(super::javascript("function f() {\n  return 1;\n", js_words).is_none());
        // A `${}` inside a template keeps the braces balanced.
        let t =
            "function g() { return `a${ {x: 1}.x }b`; }\nfunction h(req) { fs.readFile(req.q); }\n";
        let out = super::javascript(t, js_words).expect("g blanked");
        assert!(!out.contains("x: 1") && out.contains("fs.readFile(req.q)"));
    }

    proptest::proptest! {
        /// Any text: no panic, and a slice keeps the length and every line break.
        #[test]
        fn slicers_never_panic_and_keep_positions(src in "[ -~\n\t{}()`'\"/\\$é]{0,300}") {
            for out in [super::javascript(&src, |t| t.len() % 3 == 0), python(&src, |t| t.len() % 2 == 0)]
                .into_iter()
                .flatten()
            {
                proptest::prop_assert_eq!(out.split('\n').count(), src.split('\n').count());
            }
            if let Some(out) = super::javascript(&src, |_| false) {
                proptest::prop_assert_eq!(out.len(), src.len());
            }
            let _ = super::c_like_code(&src);
        }
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
