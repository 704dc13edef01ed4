//! Every benchmark format (the detector picks the parser) and the history file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = qgate::perf::formats::parse_bytes(data, "bench.json");
});
