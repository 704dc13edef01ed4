//! The source scanner: parse, lower and analyse, for each language.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qgate::scan::rules::Lang;
use std::sync::OnceLock;

static RULES: OnceLock<qgate::scan::Rules> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let lang = [Lang::Python, Lang::JavaScript, Lang::TypeScript, Lang::Tsx, Lang::Go, Lang::Java][usize::from(which % 6)];
    let rules = RULES.get_or_init(|| qgate::scan::Rules::new(&qgate::config::ScanConfig::default()));
    // Through scan_bytes, so the prefilter is exercised too; then the full analysis.
    let _ = qgate::scan::scan_bytes(lang, rest, rules);
    let text = String::from_utf8_lossy(rest);
    let _ = qgate::scan::scan_source(lang, &text, rules.pack(lang), true);
});
