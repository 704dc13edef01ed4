//! Python slicing before parsing: only functions that can hold a flow are parsed.
//!
//! A flow needs a source and a sink in the same function (the analysis is intra-procedural),
//! so in a file that passed the prefilter, a `def` whose text (decorators included) lacks a
//! source word or a sink name cannot contribute a finding. Those lines are blanked — line and
//! column numbers stay as they were — keeping candidate functions whole, the headers of the
//! blocks around them, and module-level imports (for alias resolution). Top-level code that
//! mentions both makes the whole file count. The caller parses the whole file when the slice
//! does not parse cleanly.

/// The sliced text, or `None` when the whole file must be parsed.
pub fn python(text: &str, has_flow_words: impl Fn(&str) -> bool) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    let mut keep = vec![false; lines.len()];
    let mut in_def = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        if !(t.starts_with("def ") || t.starts_with("async def ")) {
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
        let chunk = lines[start..end].join("\n");
        if has_flow_words(&chunk) {
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
    let outside: String = lines
        .iter()
        .zip(&in_def)
        .filter(|(_, d)| !**d)
        .map(|(l, _)| *l)
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
    fn top_level_flows_need_the_whole_file() {
        assert!(python("import sys\nopen(request.x)\n", words).is_none());
        assert!(
            python("def f():\n    return open(request.x)\n", words).is_none(),
            "nothing to blank"
        );
    }
}
