//! The source scanner shared by `path-traversal` and `input-validation`: finds the source
//! files, parses each with tree-sitter, lowers it to the IR and runs the taint analysis with
//! the language's rule pack. Files are scanned in parallel and results are cached by content
//! hash, keyed by qgate's version and the rules in effect.

pub mod ir;
pub mod lower;
pub mod rules;
pub mod slice;
pub mod taint;

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::kanban::cache::Key;
use rules::{Lang, Pack};
pub use taint::{Flow, Step};

use crate::suppress::Directive;
use crate::workspace::Workspace;

/// Files larger than this are skipped with a note (configurable: `scan.max_file_size`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// The scan of one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileScan {
    pub flows: Vec<Flow>,
    pub directives: Vec<Directive>,
    /// Why the file was not scanned (binary, too large), if it was not.
    pub skipped: Option<String>,
    /// The parse had errors: what could be parsed was scanned.
    pub partial: bool,
}

/// The scan of the whole workspace.
#[derive(Debug, Default)]
pub struct Scan {
    /// Repository-relative path → its scan, for every source file looked at.
    pub files: Vec<(String, FileScan)>,
    /// Files skipped, with the reason.
    pub notes: Vec<String>,
}

impl Scan {
    /// Replaces (or, with `None`, removes) one file's scan, keeping the files sorted.
    pub fn update(&mut self, rel: &str, scan: Option<FileScan>) {
        let prefix = format!("{rel}: ");
        self.notes.retain(|n| !n.starts_with(&prefix));
        let at = self.files.binary_search_by(|(p, _)| p.as_str().cmp(rel));
        match (at, scan) {
            (Ok(i), Some(s)) => {
                note_skip(&mut self.notes, rel, &s);
                self.files[i].1 = s;
            }
            (Err(i), Some(s)) => {
                note_skip(&mut self.notes, rel, &s);
                self.files.insert(i, (rel.to_string(), s));
            }
            (Ok(i), None) => {
                self.files.remove(i);
            }
            (Err(_), None) => {}
        }
    }

    /// Whether `rel` is one of the scanned files.
    pub fn contains(&self, rel: &str) -> bool {
        self.files
            .binary_search_by(|(p, _)| p.as_str().cmp(rel))
            .is_ok()
    }
}

fn note_skip(notes: &mut Vec<String>, rel: &str, fs: &FileScan) {
    if let Some(why) = &fs.skipped {
        notes.push(format!("{rel}: not scanned: {why}"));
    }
}

/// Scans one file of the workspace as the full scan would (unreadable: a skipped file).
pub fn scan_file(root: &Path, rel: &str, lang: Lang, rules: &Rules) -> FileScan {
    match read_inside(root, rel) {
        Ok(bytes) => scan_bytes(lang, &bytes, rules),
        Err(why) => FileScan {
            skipped: Some(why),
            ..FileScan::default()
        },
    }
}

/// Parses `src` as `lang` and returns the flows the rules find.
pub fn scan_source(lang: Lang, src: &str, pack: &Pack, env_sources: bool) -> (Vec<Flow>, bool) {
    let mut parser = tree_sitter::Parser::new();
    let language: tree_sitter::Language = match lang {
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
        Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Lang::Go => tree_sitter_go::LANGUAGE.into(),
        Lang::Java => tree_sitter_java::LANGUAGE.into(),
    };
    if parser.set_language(&language).is_err() {
        return (Vec::new(), true);
    }
    let Some(tree) = parser.parse(src, None) else {
        return (Vec::new(), true);
    };
    let partial = tree.root_node().has_error();
    let module = match lang {
        Lang::Python => lower::python::lower(&tree, src),
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => lower::javascript::lower(&tree, src),
        Lang::Go => lower::go::lower(&tree, src),
        Lang::Java => lower::java::lower(&tree, src),
    };
    (
        taint::Analyzer::new(pack, &module, env_sources).run(&module),
        partial,
    )
}

/// A pack's prefilter.
struct Prefilter {
    /// Every sink name by its last segment.
    sinks: Words,
    sources: Words,
    /// Python: the sink words for files that import no sink module's names bare, and the
    /// import spellings that rule a file out.
    qualified: Option<(Words, aho_corasick::AhoCorasick)>,
}

/// Prefilter words, found together by one automaton.
struct Words {
    ac: aho_corasick::AhoCorasick,
    words: Vec<rules::Word>,
}

impl Words {
    fn new(words: Vec<rules::Word>) -> Option<Words> {
        let ac = aho_corasick::AhoCorasick::new(words.iter().map(|w| &w.text)).ok()?;
        Some(Words { ac, words })
    }

    /// Whether one of the words occurs in `bytes` as a whole word, and where it counts: a
    /// word that starts (ends) with an identifier character must not continue an identifier
    /// before (after) it; see [`rules::Word`] for calls, bare names and decorators.
    fn occur_in(&self, bytes: &[u8]) -> bool {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        self.ac.find_overlapping_iter(bytes).any(|m| {
            let (start, end) = (m.start(), m.end());
            let Some(w) = self.words.get(m.pattern().as_usize()) else {
                return true;
            };
            let before_ok = !ident(bytes[start]) || start == 0 || !ident(bytes[start - 1]);
            let after_ok = !ident(bytes[end - 1]) || end == bytes.len() || !ident(bytes[end]);
            before_ok
                && after_ok
                && (!w.bare || start == 0 || bytes[start - 1] != b'.')
                && (!w.called || called_at(bytes, end))
                && (!w.decorator || on_decorator_line(bytes, start))
        })
    }
}

/// Whether the text at `at` calls what precedes it: blanks (and line continuations), then
/// `(`, type arguments `<`, a template literal, an optional call `?.(` or `!(`.
fn called_at(bytes: &[u8], at: usize) -> bool {
    bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\\'))
        .is_some_and(|b| matches!(b, b'(' | b'<' | b'`' | b'?' | b'!' | b'['))
}

/// Whether the line holding `at` is a decorator line (`@` first).
fn on_decorator_line(bytes: &[u8], at: usize) -> bool {
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    bytes[line_start..at]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'@')
}

/// The rule packs in effect, and a hash of them for the cache key.
pub struct Rules {
    /// Parsed on first use, like the prefilters.
    packs: std::sync::OnceLock<HashMap<&'static str, Pack>>,
    extra: HashMap<&'static str, Pack>,
    /// Per pack: the words a file must contain to be worth parsing (built on first use: a
    /// run whose files are all cached needs none).
    prefilters: std::sync::OnceLock<HashMap<&'static str, Prefilter>>,
    pub env_sources: bool,
    pub max_file_size: u64,
    hash: String,
}

impl Rules {
    pub fn new(cfg: &crate::config::ScanConfig) -> Rules {
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION"));
        // A rebuilt binary may analyse differently under the same version number.
        if let Some(meta) = std::env::current_exe()
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
        {
            h.update(meta.len().to_le_bytes());
            if let Ok(t) = meta.modified() {
                h.update(format!("{t:?}"));
            }
        }
        for (name, text) in rules::BUILTIN {
            // The pack's text and the user's additions decide the pack.
            h.update(name);
            h.update(text);
            h.update(serde_json::to_vec(&cfg.rules.get(name)).unwrap_or_default());
        }
        h.update([u8::from(cfg.env_sources)]);
        let hash = h
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        Rules {
            packs: std::sync::OnceLock::new(),
            extra: cfg.rules.clone(),
            prefilters: std::sync::OnceLock::new(),
            env_sources: cfg.env_sources,
            max_file_size: cfg.max_file_size,
            hash,
        }
    }

    fn packs(&self) -> &HashMap<&'static str, Pack> {
        self.packs.get_or_init(|| {
            rules::BUILTIN
                .iter()
                .map(|(name, _)| (*name, rules::pack(name, self.extra.get(name))))
                .collect()
        })
    }

    fn prefilters(&self) -> &HashMap<&'static str, Prefilter> {
        self.prefilters.get_or_init(|| {
            let mut out = HashMap::new();
            for (name, pack) in self.packs() {
                let sinks = Words::new(pack.sink_words(*name == "python"));
                let sources = Words::new(pack.source_words(self.env_sources));
                // Python spells imports so that a file's bare names can be told apart.
                let qualified = (*name == "python")
                    .then(|| {
                        let (words, modules) = pack.qualified_sink_words();
                        let imports: Vec<String> = modules
                            .iter()
                            .flat_map(|m| [format!("from {m} import"), format!("import {m} as")])
                            .collect();
                        Some((
                            Words::new(words)?,
                            aho_corasick::AhoCorasick::new(imports).ok()?,
                        ))
                    })
                    .flatten();
                if let (Some(sinks), Some(sources)) = (sinks, sources) {
                    out.insert(
                        *name,
                        Prefilter {
                            sinks,
                            sources,
                            qualified,
                        },
                    );
                }
            }
            out
        })
    }

    /// Whether `bytes` may hold a flow of `lang`'s pack: a flow needs a sink and a source in
    /// the same function, so a file without a sink name or without a source word has none.
    pub fn may_have_flow(&self, lang: Lang, bytes: &[u8]) -> bool {
        self.flow_words(lang, bytes)(bytes)
    }

    /// The word test for the parts of one file (whole, a function, top-level code). In a
    /// Python file that imports no sink module's names bare (`from os import …`, `import os
    /// as …`), a qualified sink counts only written out: `os.replace`, not every
    /// `str.replace`.
    pub fn flow_words<'a>(&'a self, lang: Lang, file: &[u8]) -> impl Fn(&[u8]) -> bool + 'a {
        let p = self.prefilters().get(lang.pack_name());
        let sinks = p.map(|p| match &p.qualified {
            Some((strict, bare_imports)) if !bare_imports.is_match(file) => strict,
            _ => &p.sinks,
        });
        move |chunk: &[u8]| match (p, sinks) {
            (Some(p), Some(sinks)) => sinks.occur_in(chunk) && p.sources.occur_in(chunk),
            _ => true,
        }
    }

    pub fn pack(&self, lang: Lang) -> &Pack {
        static EMPTY: std::sync::OnceLock<Pack> = std::sync::OnceLock::new();
        self.packs()
            .get(lang.pack_name())
            .unwrap_or_else(|| EMPTY.get_or_init(Pack::default))
    }
}

/// Scans one file's bytes.
pub fn scan_bytes(lang: Lang, bytes: &[u8], rules: &Rules) -> FileScan {
    if bytes.len() as u64 > rules.max_file_size {
        return FileScan {
            skipped: Some(format!(
                "larger than {} bytes (scan.max_file_size)",
                rules.max_file_size
            )),
            ..FileScan::default()
        };
    }
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return FileScan {
            skipped: Some("binary content".into()),
            ..FileScan::default()
        };
    }
    // Invalid UTF-8 is replaced, not refused: what can be read is scanned.
    let text = String::from_utf8_lossy(bytes);
    let flow_words = rules.flow_words(lang, bytes);
    // Sink names and source words in comments do not count.
    if !flow_words(bytes)
        || (lang != Lang::Python && !flow_words(slice::c_like_code(&text).as_bytes()))
    {
        return FileScan {
            directives: crate::suppress::parse(&text),
            ..FileScan::default()
        };
    }
    let pack = rules.pack(lang);
    // Parse only the functions that can hold a flow; the whole file if the slice does not
    // parse cleanly.
    let words = |chunk: &str| flow_words(chunk.as_bytes());
    let sliced = match lang {
        Lang::Python => slice::python(&text, words),
        // JSX's text makes quotes and braces ambiguous to a lexer: .tsx files are not sliced.
        Lang::JavaScript | Lang::TypeScript => slice::javascript(&text, words),
        _ => None,
    };
    let (flows, partial) = match sliced {
        Some(sliced) => match scan_source(lang, &sliced, pack, rules.env_sources) {
            (flows, false) => (flows, false),
            (_, true) => scan_source(lang, &text, pack, rules.env_sources),
        },
        None => scan_source(lang, &text, pack, rules.env_sources),
    };
    FileScan {
        flows,
        directives: crate::suppress::parse(&text),
        skipped: None,
        partial,
    }
}

/// The scan cache. It is read borrowing from the file's bytes (no string is copied), with
/// `F = FileScan`, and written borrowing from the results, with `F = &FileScan`.
#[derive(Serialize, Deserialize)]
struct CacheFile<'a, F> {
    version: &'a str,
    rules: &'a str,
    /// Sorted by path.
    #[serde(borrow)]
    entries: Vec<CacheEntry<'a, F>>,
}

#[derive(Serialize, Deserialize)]
struct CacheEntry<'a, F> {
    path: &'a str,
    hash: Hash,
    /// The file's metadata when it was hashed (`None`: it had changed too recently to vouch
    /// for the content).
    key: Option<Key>,
    scan: F,
}

/// A file's content hash: the first 16 bytes of its SHA-256.
type Hash = [u8; 16];

/// What the cache keeps of a file besides its scan: the content hash and the file's metadata
/// when it was hashed (`None`: the file could not be read).
type Hashed = Option<(Hash, Option<Key>)>;

const CACHE_FILE: &str = "scan.bin";

/// The source files of the workspace — its PATH arguments, or the work tree's files with
/// excludes applied — and their metadata keys (for the tree, read while it was listed).
fn sources(ws: &Workspace) -> (Vec<(&str, Lang)>, Vec<Option<Key>>) {
    if let Some(paths) = &ws.paths {
        let files: Vec<(&str, Lang)> = paths
            .iter()
            .filter(|p| ws.in_shard(p))
            .filter_map(|p| Lang::of(p).map(|l| (p.as_str(), l)))
            .collect();
        let rels: Vec<&str> = files.iter().map(|&(r, _)| r).collect();
        let keys = crate::kanban::cache::keys_of(&ws.root, &rels);
        return (files, keys);
    }
    let wanted = ws.tree().wanted();
    // Room for every wanted file: capacity that is never written costs no memory.
    let room = wanted.size_hint().1.unwrap_or(0);
    let (mut files, mut keys) = (Vec::with_capacity(room), Vec::with_capacity(room));
    for (rel, key) in wanted {
        if let Some(lang) = Lang::of(rel)
            && !ws.exclude.is_excluded(rel)
            && ws.in_shard(rel)
        {
            files.push((rel, lang));
            keys.push(key.cloned());
        }
    }
    (files, keys)
}

/// Scans the workspace, reusing cached results for files whose content did not change.
pub fn scan(ws: &Workspace) -> Scan {
    let rules = Rules::new(&ws.config.scan);
    let cache_path = ws.cache_dir.as_ref().map(|d| d.join(CACHE_FILE));
    // The cache first: in a full run the board's checks are listing the tree meanwhile.
    let bytes = cache_path.as_ref().and_then(|p| std::fs::read(p).ok());
    let mut cached: Vec<CacheEntry<'_, FileScan>> = bytes
        .as_deref()
        .and_then(|b| postcard::from_bytes::<CacheFile<'_, FileScan>>(b).ok())
        .filter(|c| c.version == env!("CARGO_PKG_VERSION") && c.rules == rules.hash)
        .map(|c| c.entries)
        .unwrap_or_default();
    let (files, keys) = sources(ws);
    let now = crate::kanban::cache::now_ns();
    // The walker yields no symbolic link and descends into none: its files need no check
    // that they resolve inside the repository. PATH arguments do.
    let walked = ws.paths.is_none();
    // One pass over the two sorted lists: a file whose metadata still matches its entry
    // keeps the entry's scan (moved, not cloned); the others are read below. A path named
    // twice finds its entry taken.
    let cached_len = cached.len();
    let mut taken = vec![false; cached_len];
    let mut at = 0;
    let mut files_out: Vec<(String, FileScan)> = Vec::with_capacity(files.len());
    // Aligned with `files_out`.
    let mut meta: Vec<Hashed> = Vec::with_capacity(files.len());
    let mut stale: Vec<Stale<'_>> = Vec::new();
    for ((rel, lang), key) in files.into_iter().zip(keys) {
        at = seek(&cached, at, rel);
        let prior = match cached.get_mut(at) {
            Some(e) if e.path == rel && !std::mem::replace(&mut taken[at], true) => Some(e),
            _ => None,
        };
        let staged = ws.overlay.as_ref().and_then(|o| o.get(rel));
        // Unchanged metadata (size, mtime, ctime, inode; settled): the cached content hash
        // still holds, as in git's index — the file is not even read.
        let key = if staged.is_none() { key } else { None };
        let vouched = |e: &CacheEntry<'_, FileScan>| {
            key.as_ref()
                .is_some_and(|k| e.key.as_ref() == Some(k) && k.settled(now))
        };
        match prior {
            Some(e) if vouched(e) => {
                files_out.push((rel.to_string(), std::mem::take(&mut e.scan)));
                meta.push(Some((e.hash, key)));
            }
            prior => {
                stale.push(Stale {
                    slot: files_out.len(),
                    rel,
                    lang,
                    key,
                    prior: prior.map(|e| (e.hash, std::mem::take(&mut e.scan))),
                    staged,
                });
                files_out.push((rel.to_string(), FileScan::default()));
                meta.push(None);
            }
        }
    }
    let progress = Progress::new(stale.len());
    let read = |rel: &str| {
        if walked {
            std::fs::read(ws.root.join(rel)).map_err(|e| format!("cannot read: {e}"))
        } else {
            read_inside(&ws.root, rel)
        }
    };
    // (The thread pool is not even started when every file was vouched for.)
    let redone: Vec<(usize, Hashed, FileScan)> = if stale.is_empty() {
        Vec::new()
    } else {
        stale
            .into_par_iter()
            .inspect(|_| progress.tick())
            .map(|s| {
                let bytes = match s.staged.map_or_else(|| read(s.rel), |b| Ok(b.clone())) {
                    Ok(b) => b,
                    Err(why) => {
                        let scan = FileScan {
                            skipped: Some(why),
                            ..FileScan::default()
                        };
                        return (s.slot, None, scan);
                    }
                };
                let hash = content_hash(&bytes);
                let scan = match s.prior {
                    // Same content, new metadata: reuse the scan, remember the new metadata.
                    Some((h, scan)) if h == hash => scan,
                    _ => scan_bytes(s.lang, &bytes, &rules),
                };
                (s.slot, Some((hash, s.key)), scan)
            })
            .collect()
    };
    progress.done();
    let changed = !redone.is_empty() || cached_len != files_out.len();
    for (slot, m, scan) in redone {
        files_out[slot].1 = scan;
        meta[slot] = m;
    }
    if let (true, Some(path)) = (changed, &cache_path) {
        let mut entries: Vec<CacheEntry<'_, &FileScan>> = files_out
            .iter()
            .zip(&meta)
            .filter_map(|((path, scan), m)| {
                let (hash, key) = m.as_ref()?;
                Some(CacheEntry {
                    path,
                    hash: *hash,
                    // Metadata of files touched in the last seconds is not trusted later.
                    key: key.clone().filter(|k| k.settled(now)),
                    scan,
                })
            })
            .collect();
        entries.sort_unstable_by(|a, b| a.path.cmp(b.path));
        entries.dedup_by(|a, b| a.path == b.path);
        let file = CacheFile {
            version: env!("CARGO_PKG_VERSION"),
            rules: &rules.hash,
            entries,
        };
        if let Ok(bytes) = postcard::to_stdvec(&file)
            && let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let ignore = dir.join(".gitignore");
            if !ignore.exists() {
                let _ = std::fs::write(
                    &ignore,
                    "# Written by qgate: this directory is a cache.\n*\n",
                );
            }
            let _ = crate::fsutil::atomic_write(path, &bytes);
        }
    }
    let mut notes = Vec::new();
    for (rel, scan) in &files_out {
        note_skip(&mut notes, rel, scan);
    }
    Scan {
        files: files_out,
        notes,
    }
}

/// A file whose cached scan its metadata cannot vouch for: it is read again.
struct Stale<'a> {
    /// Its place in the scan's list of files.
    slot: usize,
    rel: &'a str,
    lang: Lang,
    key: Option<Key>,
    /// The cached content hash and scan, if there were any.
    prior: Option<(Hash, FileScan)>,
    /// Staged content, scanned instead of the work tree's (`--staged`).
    staged: Option<&'a Vec<u8>>,
}

/// Where `rel` is, or would be, in `entries` (sorted by path). Paths usually come sorted, so
/// the search gallops on from `from`, the previous answer, and searches the whole list only
/// when `rel` sorts before that.
fn seek<F>(entries: &[CacheEntry<'_, F>], from: usize, rel: &str) -> usize {
    let from = from.min(entries.len());
    if from > 0 && entries[from - 1].path >= rel {
        return entries.partition_point(|e| e.path < rel);
    }
    // Everything before `lo` sorts before `rel`; `hi` is the first probe that does not.
    let (mut lo, mut hi, mut step) = (from, from, 1);
    while entries.get(hi).is_some_and(|e| e.path < rel) {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    let hi = hi.min(entries.len()).max(lo);
    lo + entries[lo..hi].partition_point(|e| e.path < rel)
}

/// A progress bar on stderr for scans that take a while: it appears only after about a
/// second, and only when stderr is a terminal (never in CI logs or piped output).
struct Progress {
    bar: indicatif::ProgressBar,
    started: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
    enabled: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "scanning {bar:30} {pos}/{len} files ({eta} left)",
        ) {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
            enabled: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        self.bar.inc(1);
        if self.enabled
            && self.started.elapsed() > std::time::Duration::from_secs(1)
            && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn done(&self) {
        self.bar.finish_and_clear();
    }
}

/// Reads a file, refusing one that resolves outside the repository (a symlink out).
fn read_inside(root: &Path, rel: &str) -> Result<Vec<u8>, String> {
    let abs = root.join(rel);
    let real = abs
        .canonicalize()
        .map_err(|e| format!("cannot read: {e}"))?;
    let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if !real.starts_with(&root_real) {
        return Err("a link that points outside the repository".into());
    }
    std::fs::read(&real).map_err(|e| format!("cannot read: {e}"))
}

fn content_hash(bytes: &[u8]) -> Hash {
    let mut h = Hash::default();
    h.copy_from_slice(&Sha256::digest(bytes)[..16]);
    h
}

#[cfg(test)]
mod seek_tests {
    use super::*;

    #[test]
    fn seek_finds_every_path_sorted_or_not() {
        let names: Vec<String> = (0..200).map(|i| format!("src/f{:04}.py", i * 2)).collect();
        let entries: Vec<CacheEntry<'_, ()>> = names
            .iter()
            .map(|p| CacheEntry {
                path: p,
                hash: Hash::default(),
                key: None,
                scan: (),
            })
            .collect();
        let expect = |rel: &str| entries.partition_point(|e| e.path < rel);
        // Sorted, dense and sparse, with paths that are not there; then out of order.
        let mut queries: Vec<String> = (0..400).map(|i| format!("src/f{i:04}.py")).collect();
        queries.extend((0..400).step_by(37).map(|i| format!("src/f{i:04}.py")));
        queries
            .extend(["a", "z", "src/f0399.py", "src/f0000.py", "src/f0398.py"].map(String::from));
        queries.extend((0..400).rev().step_by(3).map(|i| format!("src/f{i:04}.py")));
        let mut at = 0;
        for q in &queries {
            at = seek(&entries, at, q);
            assert_eq!(at, expect(q), "{q}");
        }
        assert_eq!(seek::<()>(&[], 5, "x"), 0);
    }
}

#[cfg(test)]
mod prefilter_tests {
    use super::*;

    #[test]
    fn qualified_python_sinks_count_only_written_out_unless_imported_bare() {
        let rules = Rules::new(&crate::config::ScanConfig::default());
        let may = |src: &str| rules.may_have_flow(Lang::Python, src.as_bytes());
        // `str.replace` is not `os.replace`.
        assert!(!may(
            "import os\n\ndef v(request):\n    return request.GET['a'].replace('x', 'y')\n"
        ));
        assert!(may(
            "import os\n\ndef v(request):\n    os.replace(request.GET['a'], 'b')\n"
        ));
        // Bare or aliased imports make the last segment enough.
        assert!(may(
            "from os import replace\n\ndef v(request):\n    replace(request.GET['a'], 'b')\n"
        ));
        assert!(may(
            "import shutil as sh\n\ndef v(request):\n    sh.copy(request.GET['a'], 'b')\n"
        ));
        assert!(may(
            "from os import path\n\ndef v(request):\n    path.getsize(request.GET['a'])\n"
        ));
        // Bare builtins and methods are always words.
        assert!(may("def v(request):\n    return open(request.GET['a'])\n"));
        assert!(may(
            "def v(request, p):\n    return p.read_text(request.GET['a'])\n"
        ));
    }

    #[test]
    fn sink_words_count_where_called_and_decorators_on_decorator_lines() {
        let rules = Rules::new(&crate::config::ScanConfig::default());
        let py = |src: &str| rules.may_have_flow(Lang::Python, src.as_bytes());
        // A builtin sink is not the method of the same name.
        assert!(!py(
            "import re\n\ndef v(request):\n    return re.compile(request.GET['a'])\n"
        ));
        assert!(py(
            "def v(request):\n    return compile(request.GET['a'], 'f', 'exec')\n"
        ));
        // A sink counts where it is called, blanks and line continuations allowed.
        assert!(!py(
            "def v(request, text):\n    return request.GET.get(text)\n"
        ));
        assert!(py("def v(request):\n    return open (request.GET['a'])\n"));
        assert!(py(
            "def v(request):\n    return open \\\n(request.GET['a'])\n"
        ));
        // `.get(` is a handler decorator's word on a decorator line only.
        assert!(!py("def v(d, path):\n    return open(d.get(path))\n"));
        assert!(py(
            "@app.get('/f/{path}')\ndef v(path):\n    return open(path)\n"
        ));
        assert!(py(
            "class A:\n    @router.get('/f/{path}')\n    def v(self, path):\n        return open(path)\n"
        ));
        let js = |lang: Lang, src: &str| rules.may_have_flow(lang, src.as_bytes());
        // Type arguments, optional calls and tagged templates are calls too.
        assert!(js(
            Lang::TypeScript,
            "export async function h(req: Request) { return db.query<Row>(req.body.q); }\n"
        ));
        assert!(js(
            Lang::JavaScript,
            "function h(req) { return eval?.(req.query.x); }\n"
        ));
        assert!(js(
            Lang::JavaScript,
            "function h(req) { return db.query`${req.query.x}`; }\n"
        ));
        assert!(!js(
            Lang::JavaScript,
            "function h(req) { const query = req.query; return query; }\n"
        ));
        // Only Python keeps a call's qualifier: Java constructors may be written in full.
        assert!(js(
            Lang::Java,
            "class C { void h(HttpServletRequest r) throws Exception { new java.io.FileInputStream(r.getParameter(\"f\")); } }\n"
        ));
    }
}
