//! Slicing before parsing: only the functions a flow can pass through are parsed.
//!
//! Parsing is the scan's main cost, so in a file that passed the prefilter only some
//! functions are kept: those that read untrusted input (the seeds), those other files' calls
//! asked for, and — within the file — everything a kept function calls (by name), the
//! callers of a kept input-reading function that hold a sink, and the functions enclosing a
//! kept one. The other functions are blanked — line and column numbers stay as they were —
//! and an analysis that meets a call to them treats them as unknown code. Module-level code
//! and imports are kept; a file whose top-level code reads input is parsed whole. The caller
//! parses the whole file when a slice does not parse cleanly, so a slice never changes what
//! the analysis finds in what it keeps.

use std::collections::HashSet;

/// What a slice must keep.
pub struct Want<'w> {
    /// Whether a function's code reads untrusted input.
    pub seed: &'w dyn Fn(&str) -> bool,
    /// Whether a function's code holds a sink.
    pub sink: &'w dyn Fn(&str) -> bool,
    /// Functions and classes other files' calls asked for.
    pub names: &'w [String],
}

/// A sliced file: the text to parse, and the functions and classes it keeps.
#[derive(Debug)]
pub struct Slice {
    pub text: String,
    pub kept: Vec<String>,
}

/// One function of a file, as the slicer sees it.
#[derive(Debug)]
struct Chunk {
    name: String,
    class: Option<String>,
    /// The function (or class, for a method) it is nested in.
    parent: Option<usize>,
    code: String,
    /// Names it calls (an identifier followed by `(`).
    calls: HashSet<String>,
}

/// Identifiers followed (after blanks) by `(`: what a piece of code calls.
fn called_names(code: &str) -> HashSet<String> {
    let b = code.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    let mut out = HashSet::new();
    let mut i = 0;
    while i < b.len() {
        if ident(b[i]) && (i == 0 || !ident(b[i - 1])) {
            let start = i;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            let mut j = i;
            while j < b.len() && matches!(b[j], b' ' | b'\t') {
                j += 1;
            }
            if b.get(j) == Some(&b'(')
                || (b.get(j) == Some(&b'<') && code[start..i].starts_with(char::is_uppercase))
            {
                out.insert(code[start..i].to_string());
            }
            // `new Foo` constructs Foo.
            if &code[start..i] == "new" {
                let mut k = j;
                let s = k;
                while k < b.len() && (ident(b[k]) || b[k] == b'.') {
                    k += 1;
                }
                if let Some(last) = code[s..k].rsplit('.').next()
                    && !last.is_empty()
                {
                    out.insert(last.to_string());
                }
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Which chunks a slice keeps: the seeds and what was asked for, then what they call, the
/// callers of kept seeds that hold a sink, and the chunks enclosing kept ones.
fn keep(chunks: &[Chunk], want: &Want<'_>) -> Vec<bool> {
    let asked = |c: &Chunk| {
        want.names
            .iter()
            .any(|n| *n == c.name || c.class.as_deref() == Some(n.as_str()))
    };
    let seeds: Vec<bool> = chunks.iter().map(|c| (want.seed)(&c.code)).collect();
    let mut kept: Vec<bool> = chunks
        .iter()
        .zip(&seeds)
        .map(|(c, s)| *s || asked(c))
        .collect();
    let classes: HashSet<&str> = chunks.iter().filter_map(|c| c.class.as_deref()).collect();
    let sinks: Vec<bool> = chunks.iter().map(|c| (want.sink)(&c.code)).collect();
    loop {
        let mut changed = false;
        let called: HashSet<&str> = chunks
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .flat_map(|(c, _)| c.calls.iter().map(String::as_str))
            .collect();
        let seed_names: HashSet<&str> = chunks
            .iter()
            .zip(&kept)
            .zip(&seeds)
            .filter(|((_, k), s)| **k && **s)
            .map(|((c, _), _)| c.name.as_str())
            .collect();
        for (i, c) in chunks.iter().enumerate() {
            if kept[i] {
                continue;
            }
            let by_call = called.contains(c.name.as_str())
                || c.class.as_deref().is_some_and(|k| {
                    called.contains(k)
                        && classes.contains(k)
                        && matches!(c.name.as_str(), "__init__" | "constructor" | "<init>")
                });
            let getter_caller = sinks[i] && c.calls.iter().any(|n| seed_names.contains(n.as_str()));
            if by_call || getter_caller {
                kept[i] = true;
                changed = true;
            }
        }
        for i in 0..chunks.len() {
            if kept[i] {
                let mut p = chunks[i].parent;
                while let Some(j) = p {
                    if !kept[j] {
                        kept[j] = true;
                        changed = true;
                    }
                    p = chunks[j].parent;
                }
            }
        }
        if !changed {
            return kept;
        }
    }
}

/// The names of what a slice keeps: its functions and their classes.
fn kept_names(chunks: &[Chunk], kept: &[bool]) -> Vec<String> {
    let mut out: Vec<String> = chunks
        .iter()
        .zip(kept)
        .filter(|(_, k)| **k)
        .flat_map(|(c, _)| std::iter::once(c.name.clone()).chain(c.class.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Which lines hold no code: comments, and the lines of a triple-quoted string that starts a
/// line (docstrings and text blocks; f-strings, which hold code, excepted). Words there are
/// prose, not sources or sinks. Strings are followed from the start of the file, so a
/// closing `"""` at the start of a line is known to close.
fn python_prose(text: &str) -> Vec<bool> {
    let b = text.as_bytes();
    let lines = text.split('\n').count();
    let mut prose = vec![false; lines];
    let mut line = 0usize;
    let mut line_start = true;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            line_start = true;
            i += 1;
            continue;
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            continue;
        }
        let at_start = std::mem::replace(&mut line_start, false);
        if c == b'#' {
            if at_start {
                prose[line] = true;
            }
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        // A string, with its prefix (`r`, `b`, `f`, `rb`…).
        let mut j = i;
        while j < b.len()
            && j - i < 3
            && matches!(b[j], b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F')
        {
            j += 1;
        }
        if j < b.len()
            && (b[j] == b'"' || b[j] == b'\'')
            && (j == i || !is_ident(b.get(i.wrapping_sub(1)).copied()))
        {
            let fstring = b[i..j].iter().any(|x| matches!(x, b'f' | b'F'));
            let raw = b[i..j].iter().any(|x| matches!(x, b'r' | b'R'));
            let q = b[j];
            let triple = b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q);
            let start_line = line;
            let mut k = if triple { j + 3 } else { j + 1 };
            loop {
                if k >= b.len() {
                    break;
                }
                match b[k] {
                    b'\\' if !raw || k + 1 < b.len() => {
                        if b.get(k + 1) == Some(&b'\n') {
                            line += 1;
                        }
                        k += 2;
                        continue;
                    }
                    b'\n' if !triple => break,
                    b'\n' => line += 1,
                    x if x == q => {
                        if !triple {
                            k += 1;
                            break;
                        }
                        if b.get(k + 1) == Some(&q) && b.get(k + 2) == Some(&q) {
                            k += 3;
                            break;
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            if triple && at_start && !fstring {
                for p in &mut prose[start_line..line.min(lines - 1)] {
                    *p = true;
                }
                // The last line is prose only if nothing follows the string on it.
                let rest_empty = text
                    .get(k.min(b.len())..)
                    .unwrap_or("")
                    .split('\n')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .is_empty();
                if rest_empty && line < lines {
                    prose[line] = true;
                }
            }
            i = k;
            continue;
        }
        i = j.max(i + 1);
        // Skip the rest of an identifier so a prefix letter inside one is not a string.
        while i < b.len() && is_ident(Some(b[i])) && is_ident(Some(b[i - 1])) {
            i += 1;
        }
    }
    prose
}

fn is_ident(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The Python slice, or `None` when the whole file must be parsed.
pub fn python(text: &str, want: &Want<'_>) -> Option<Slice> {
    let lines: Vec<&str> = text.split('\n').collect();
    let prose = python_prose(text);
    let indent = |l: &str| l.len() - l.trim_start().len();
    let blank = |n: usize| prose[n] || lines[n].trim().is_empty();
    let code_of = |range: std::ops::Range<usize>| -> String {
        lines[range.clone()]
            .iter()
            .zip(&prose[range])
            .map(|(l, p)| if *p { "" } else { *l })
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Blocks: `def` and `class` lines with their extent (decorators included).
    struct Block {
        start: usize,
        head: usize,
        end: usize,
        indent: usize,
        name: String,
        is_class: bool,
    }
    let mut blocks: Vec<Block> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if prose[i] {
            continue;
        }
        let t = l.trim_start();
        let t2 = t.strip_prefix("async ").unwrap_or(t);
        let (is_class, rest) = if let Some(r) = t2.strip_prefix("def ") {
            (false, r)
        } else if let Some(r) = t.strip_prefix("class ") {
            (true, r)
        } else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let ind = indent(l);
        let mut start = i;
        while start > 0
            && indent(lines[start - 1]) == ind
            && lines[start - 1].trim_start().starts_with('@')
        {
            start -= 1;
        }
        let mut end = i + 1;
        while end < lines.len() && (blank(end) || indent(lines[end]) > ind) {
            end += 1;
        }
        // Trailing blank lines belong to what follows.
        while end > i + 1 && lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        blocks.push(Block {
            start,
            head: i,
            end,
            indent: ind,
            name,
            is_class,
        });
    }
    // The innermost block enclosing each block.
    let enclosing = |k: usize| -> Option<usize> {
        (0..k).rev().find(|&j| {
            blocks[j].head < blocks[k].head
                && blocks[j].end >= blocks[k].end
                && blocks[j].indent < blocks[k].indent
        })
    };
    let mut chunk_of_block = vec![None; blocks.len()];
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut chunk_block: Vec<usize> = Vec::new();
    for k in 0..blocks.len() {
        if blocks[k].is_class {
            continue;
        }
        let mut class = None;
        let mut parent = None;
        let mut e = enclosing(k);
        while let Some(j) = e {
            if blocks[j].is_class {
                if class.is_none() && parent.is_none() {
                    class = Some(blocks[j].name.clone());
                }
            } else if parent.is_none() {
                parent = chunk_of_block[j];
            }
            e = enclosing(j);
        }
        let code = code_of(blocks[k].start..blocks[k].end);
        chunk_of_block[k] = Some(chunks.len());
        chunk_block.push(k);
        chunks.push(Chunk {
            name: blocks[k].name.clone(),
            class,
            parent,
            calls: called_names(&code),
            code,
        });
    }
    // Top-level code outside every function: if it reads input, parse everything.
    let mut in_def = vec![false; lines.len()];
    for b in blocks.iter().filter(|b| !b.is_class) {
        for f in &mut in_def[b.start..b.end] {
            *f = true;
        }
    }
    let outside: String = (0..lines.len())
        .filter(|n| !in_def[*n] && !prose[*n])
        .map(|n| lines[n])
        .collect::<Vec<_>>()
        .join("\n");
    if (want.seed)(&outside) {
        return None;
    }
    let kept = keep(&chunks, want);
    let mut keep_line = vec![false; lines.len()];
    // Everything outside functions (imports, constants, class headers and attributes).
    for n in 0..lines.len() {
        keep_line[n] = !in_def[n];
    }
    for (ci, k) in kept.iter().enumerate() {
        if !*k {
            continue;
        }
        let b = &blocks[chunk_block[ci]];
        for l in &mut keep_line[b.start..b.end] {
            *l = true;
        }
        // The headers of the blocks it sits in.
        let mut need = b.indent;
        let mut j = b.start;
        while need > 0 && j > 0 {
            j -= 1;
            if !blank(j) && indent(lines[j]) < need {
                keep_line[j] = true;
                need = indent(lines[j]);
            }
        }
    }
    // A class left with an empty body goes too (innermost first).
    let mut order: Vec<&Block> = blocks.iter().filter(|b| b.is_class).collect();
    order.sort_by_key(|b| std::cmp::Reverse(b.indent));
    for b in order {
        let body_kept = (b.head + 1..b.end).any(|n| keep_line[n] && !blank(n));
        if !body_kept {
            for l in &mut keep_line[b.start..b.end] {
                *l = false;
            }
        }
    }
    if keep_line.iter().all(|k| *k) {
        return None;
    }
    let text = lines
        .iter()
        .zip(&keep_line)
        .map(|(l, k)| if *k { *l } else { "" })
        .collect::<Vec<_>>()
        .join("\n");
    Some(Slice {
        text,
        kept: kept_names(&chunks, &kept),
    })
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

/// JavaScript/TypeScript slicing: the bodies of functions not kept are blanked (a
/// `$sliced;` marker, then spaces; newlines and so positions kept), functions nested in them
/// with them. A body is a `{` right after a parameter list's `)` on the same line (not
/// `if (…)`, `for (…)`, `while (…)`, `switch (…)`, `catch (…)`, `with (…)`), or after `=>`.
/// Strings, template literals, comments and regular expressions are skipped by a small
/// lexer; when it loses track (a brace that does not match), nothing is blanked, and the
/// caller parses the whole file when the slice does not parse cleanly. `None`: nothing to
/// blank.
pub fn javascript(text: &str, want: &Want<'_>) -> Option<Slice> {
    let b = text.as_bytes();
    // Open braces: (position, what it opens).
    let mut braces: Vec<(usize, Brace)> = Vec::new();
    // Open parentheses, and where each closed one opened.
    let mut parens: Vec<usize> = Vec::new();
    let mut last_close_paren: Option<(usize, usize)> = None;
    // Template literals: the brace depth at which each `${` opened.
    let mut templates: Vec<usize> = Vec::new();
    let mut bodies: Vec<(usize, usize)> = Vec::new();
    let mut chunks: Vec<Chunk> = Vec::new();
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
                let mut name: Option<String> = None;
                if let Some(head) = before.strip_suffix("=>") {
                    let head = head.trim_end();
                    let params_start = if head.ends_with(')') {
                        match last_close_paren {
                            Some((open, at)) if at + 1 == head.len() => Some(open),
                            _ => None,
                        }
                    } else {
                        Some(head.len() - word_before(head.len()).len())
                    };
                    name = Some(params_start.map_or_else(String::new, |p| bound_name(&text[..p])));
                } else if before.ends_with(')') {
                    let close = before.len() - 1;
                    if let Some((open, at)) = last_close_paren
                        && at == close
                    {
                        let head = text[..open].trim_end_matches([' ', '\t']);
                        let w = word_before(head.len());
                        if !matches!(
                            w,
                            "if" | "for"
                                | "while"
                                | "switch"
                                | "catch"
                                | "with"
                                | "await"
                                | "return"
                                | "typeof"
                        ) {
                            let is_fn_kw = w == "function" || head.ends_with("function*");
                            name = Some(if is_fn_kw || w.is_empty() {
                                let kw_start = head.trim_end_matches('*').len()
                                    - word_before(head.trim_end_matches('*').len()).len();
                                bound_name(&text[..kw_start])
                            } else {
                                w.to_string()
                            });
                        }
                    }
                }
                let kind = match name {
                    Some(name) => {
                        let parent = braces.iter().rev().find_map(|(_, k)| match k {
                            Brace::Body(ci) => Some(*ci),
                            _ => None,
                        });
                        // A method is directly in a class body.
                        let class = match braces.last() {
                            Some((_, Brace::Class(c))) => Some(c.clone()),
                            _ => None,
                        };
                        chunks.push(Chunk {
                            name,
                            class,
                            parent,
                            code: String::new(),
                            calls: HashSet::new(),
                        });
                        bodies.push((i, i));
                        Brace::Body(chunks.len() - 1)
                    }
                    None => match class_name(before) {
                        Some(c) => Brace::Class(c),
                        None => Brace::Other,
                    },
                };
                braces.push((i, kind));
            }
            b'}' => {
                let (_, kind) = braces.pop()?;
                if templates.last() == Some(&braces.len()) {
                    // The end of a `${…}`: back into the template.
                    templates.pop();
                    i += 1;
                    template(b, &mut i, &mut braces, &mut templates);
                    prev = b'`';
                    continue;
                }
                if let Brace::Body(ci) = kind {
                    bodies[ci].1 = i;
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
    if !braces.is_empty() || !parens.is_empty() || chunks.is_empty() {
        return None;
    }
    for (ci, (open, close)) in bodies.iter().enumerate() {
        let code = c_like_code(text.get(open + 1..*close).unwrap_or(""));
        chunks[ci].calls = called_names(&code);
        chunks[ci].code = code;
    }
    let kept = keep(&chunks, want);
    let mut out = b.to_vec();
    let mut blanked = false;
    const MARK: &[u8] = b"$sliced;";
    for (ci, (open, close)) in bodies.iter().enumerate() {
        let top = chunks[ci].parent.is_none_or(|p| kept[p]);
        if kept[ci] || !top || close - open < MARK.len() + 4 {
            continue;
        }
        // The marker goes where a line has room for it: newlines stay where they are.
        let body = &mut out[open + 1..*close];
        let mut run = 0;
        let Some(at) = body.iter().position(|x| {
            run = if *x == b'\n' { 0 } else { run + 1 };
            run == MARK.len()
        }) else {
            continue;
        };
        blanked = true;
        for x in body.iter_mut() {
            if *x != b'\n' {
                *x = b' ';
            }
        }
        let start = at + 1 - MARK.len();
        body[start..=at].copy_from_slice(MARK);
    }
    if !blanked {
        return None;
    }
    Some(Slice {
        text: String::from_utf8(out).ok()?,
        kept: kept_names(&chunks, &kept),
    })
}

/// What an opening brace opens.
enum Brace {
    /// A function body (its chunk).
    Body(usize),
    Class(String),
    Other,
}

/// The name a function expression is bound to: `const f = …`, `f: …`, `exports.f = …`,
/// `f(…) {` is handled by the caller.
fn bound_name(before: &str) -> String {
    let t = before.trim_end();
    let t = t.strip_suffix("async").unwrap_or(t).trim_end();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let last_word = |s: &str| -> String {
        let s = s.trim_end();
        let start = s.trim_end_matches(ident).len();
        s[start..].to_string()
    };
    if let Some(head) = t.strip_suffix('=')
        && !head.ends_with(['=', '!', '<', '>'])
    {
        // `const f: Handler = …` names `f`, not its type.
        let line = head.rsplit('\n').next().unwrap_or(head);
        for kw in ["const ", "let ", "var "] {
            if let Some(at) = line.rfind(kw) {
                let rest = &line[at + kw.len()..];
                let name: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| ident(*c))
                    .collect();
                if !name.is_empty() {
                    return name;
                }
            }
        }
        return last_word(head);
    }
    if let Some(head) = t.strip_suffix(':') {
        return last_word(head.trim_end().trim_end_matches(['"', '\'']));
    }
    String::new()
}

/// `class Foo extends Bar {` → `Foo`.
fn class_name(before: &str) -> Option<String> {
    let line = before.rsplit(['\n', ';', '}']).next().unwrap_or(before);
    let at = line.find("class ")?;
    if at > 0 && line.as_bytes()[at - 1].is_ascii_alphanumeric() {
        return None;
    }
    let rest = &line[at + 6..];
    if rest.contains(['(', ')', '=']) {
        return None;
    }
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Moves `i` past a template literal's text, up to its end or to a `${`, whose code then
/// runs to its matching `}` (an open brace that `templates` remembers).
fn template(b: &[u8], i: &mut usize, braces: &mut Vec<(usize, Brace)>, templates: &mut Vec<usize>) {
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
                braces.push((*i - 1, Brace::Other));
                return;
            }
            _ => *i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Want, python};

    fn seed(t: &str) -> bool {
        t.contains("request.")
    }

    fn sink(t: &str) -> bool {
        t.contains("open(")
    }

    fn want<'w>(names: &'w [String]) -> Want<'w> {
        Want {
            seed: &seed,
            sink: &sink,
            names,
        }
    }

    #[test]
    fn keeps_seeds_their_callees_and_headers_in_place() {
        let src = "import os\nfrom x import (\n    a,\n)\nBASE = '/srv'\n\nclass V:\n    LIMIT = 3\n\n    def helper(self, p):\n        return p\n\n    @route('/x')\n    def get(self):\n        return self.helper(request.args['f'])\n\ndef other():\n    pass\n\ndef reads(p):\n    return open(p)\n";
        let out = python(src, &want(&[])).unwrap();
        assert_eq!(out.text.split('\n').count(), src.split('\n').count());
        assert!(out.text.contains("class V:") && out.text.contains("LIMIT = 3"));
        assert!(out.text.contains(
            "    @route('/x')\n    def get(self):\n        return self.helper(request.args['f'])"
        ));
        assert!(
            out.text.contains("def helper(self, p):"),
            "a callee of a kept function stays: {}",
            out.text
        );
        assert!(!out.text.contains("other") && !out.text.contains("def reads"));
        assert!(
            out.text
                .starts_with("import os\nfrom x import (\n    a,\n)\nBASE = '/srv'")
        );
        assert_eq!(out.kept, vec!["V", "get", "helper"]);
        // What another file asks for is kept too.
        let out = python(src, &want(&["reads".into()])).unwrap();
        assert!(out.text.contains("def reads(p):\n    return open(p)"));
    }

    #[test]
    fn a_caller_of_a_kept_getter_with_a_sink_is_kept() {
        let src = "def name():\n    return request.args['n']\n\ndef serve():\n    return open(name())\n\ndef unrelated():\n    return name()\n";
        let out = python(src, &want(&[])).unwrap();
        assert!(out.text.contains("def serve():"));
        assert!(!out.text.contains("def unrelated"));
    }

    #[test]
    fn a_closing_triple_quote_at_the_start_of_a_line_closes() {
        // The closing `"""` starts a line: it ends the string, it does not open one, so the
        // function after it is still seen.
        let src = "def msg(message):\n    text = \"\"\"Hello\n    \"\"\" % message\n    return text\n\ndef view():\n    return open(request.args['f'])\n";
        let out = python(src, &want(&[])).unwrap();
        assert!(
            out.text.contains("return open(request.args['f'])"),
            "{}",
            out.text
        );
        let prose = super::python_prose(src);
        assert!(!prose[2], "the closing line holds code");
        assert!(!prose.iter().skip(3).any(|p| *p), "{prose:?}");
    }

    fn js_seed(t: &str) -> bool {
        t.contains("req.")
    }

    fn js_sink(t: &str) -> bool {
        t.contains("readFile")
    }

    #[test]
    fn javascript_blanks_only_functions_not_kept() {
        let src = "const fs = require('fs');\nfunction helper(a) {\n  return a + '}' + `${a}}` + /}/.source;\n}\nfunction unused(a) {\n  return a * 2 + 1000000;\n}\napp.get('/x', (req, res) => {\n  if (req.query.a) {\n    fs.readFile(helper(req.query.a));\n  }\n});\nclass C {\n  m(x) { return x * 2 + 100000000000; }\n  n(req) { return fs.readFile(req.body); }\n}\n";
        let w = Want {
            seed: &js_seed,
            sink: &js_sink,
            names: &[],
        };
        let out = super::javascript(src, &w).expect("something blanked");
        assert_eq!(out.text.len(), src.len());
        assert_eq!(out.text.split('\n').count(), src.split('\n').count());
        assert!(
            out.text.contains("return a + '}'"),
            "a callee is kept: {}",
            out.text
        );
        assert!(!out.text.contains("a * 2") && out.text.contains("$sliced;"));
        assert!(
            out.text
                .contains("  if (req.query.a) {\n    fs.readFile(helper(req.query.a));\n  }")
        );
        assert!(!out.text.contains("x * 2"));
        assert!(
            out.text
                .contains("n(req) { return fs.readFile(req.body); }")
        );
        assert!(out.kept.contains(&"C".to_string()) && out.kept.contains(&"n".to_string()));
    }

    #[test]
    fn javascript_control_blocks_and_unbalanced_text_are_left_alone() {
        let w = Want {
            seed: &js_seed,
            sink: &js_sink,
            names: &[],
        };
        // An `if` block inside a candidate is never blanked on its own.
        let src = "function f(req) {\n  if (ok(x)) {\n    y = 1;\n  }\n  for (const a of b) {\n    z();\n  }\n  fs.readFile(req.query.p);\n}\n";
        assert!(super::javascript(src, &w).is_none());
        assert!(super::javascript("function f() {\n  return 1;\n", &w).is_none());
        // A `${}` inside a template keeps the braces balanced.
        let t = "function g() { return `a${ {x: 1}.x }b` + 'padding'; }\nfunction h(req) { fs.readFile(req.q); }\n";
        let out = super::javascript(t, &w).expect("g blanked");
        assert!(!out.text.contains("x: 1") && out.text.contains("fs.readFile(req.q)"));
    }

    proptest::proptest! {
        /// Any text: no panic, and a slice keeps the length and every line break.
        #[test]
        fn slicers_never_panic_and_keep_positions(src in "[ -~\n\t{}()`'\"/\\$é]{0,300}") {
            let odd = |t: &str| t.len().is_multiple_of(3);
            let even = |t: &str| t.len().is_multiple_of(2);
            let w = Want { seed: &odd, sink: &even, names: &[] };
            if let Some(out) = super::javascript(&src, &w) {
                proptest::prop_assert_eq!(out.text.len(), src.len());
                proptest::prop_assert_eq!(out.text.split('\n').count(), src.split('\n').count());
            }
            if let Some(out) = python(&src, &w) {
                proptest::prop_assert_eq!(out.text.split('\n').count(), src.split('\n').count());
            }
            let _ = super::c_like_code(&src);
            let _ = super::python_prose(&src);
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
    fn prose_does_not_make_a_seed() {
        let src = "\"\"\"Opens files named in request.args.\"\"\"\nfrom flask import request\n\n\nclass V:\n    \"\"\"\n    Serves request.args\n    \"\"\"\n    # request.args\n\n    def get(self):\n        \"\"\"Reads request.args.\"\"\"\n        return 1\n\n    def post(self):\n        return open(request.args['f'])\n";
        let out = python(src, &want(&[])).expect("sliced, not whole");
        assert!(out.text.contains("return open(request.args['f'])"));
        assert!(
            !out.text.contains("return 1"),
            "a docstring alone does not keep a function"
        );
        // f-strings hold code.
        assert!(
            python(
                "x = f\"\"\"{open(request.x)}\"\"\"\n\ndef g():\n    pass\n",
                &want(&[])
            )
            .is_none()
        );
    }

    #[test]
    fn top_level_input_needs_the_whole_file() {
        assert!(
            python(
                "import sys\nopen(request.x)\n\ndef f():\n    pass\n",
                &want(&[])
            )
            .is_none()
        );
        assert!(
            python("def f():\n    return open(request.x)\n", &want(&[])).is_none(),
            "nothing to blank"
        );
    }
}
