//! `--format json`: the report as schema version 1, pretty-printed.

use std::io::{self, Write};

use super::Report;

pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}
