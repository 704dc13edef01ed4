//! Benchmark output formats, each with a detector. Every parser turns a harness's own output
//! into [`Bench`]es; errors name the file and what is wrong with it.
//!
//! Read: Criterion (`target/criterion/**/new/{estimates,sample,benchmark}.json`), libtest
//! `cargo bench` text, Google Benchmark JSON, pytest-benchmark JSON, hyperfine
//! `--export-json`, qgate's own JSON report, qgate's history file, and a generic
//! `[{"name","unit","value","samples"?,"direction"?}]` list.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{Bench, Direction, Run, history};

/// Reads `path` (a file, or a directory holding Criterion output) into runs. A history file
/// holds many runs; every other format one.
pub fn load(path: &Path, label: &str) -> Result<Vec<Run>, String> {
    let runs = load_unchecked(path, label)?;
    checked(runs)
}

fn load_unchecked(path: &Path, label: &str) -> Result<Vec<Run>, String> {
    if path.is_dir() {
        let benches = criterion_dir(path)?;
        if benches.is_empty() {
            return Err(format!(
                "{label}: no Criterion results (`*/new/estimates.json`) in this directory"
            ));
        }
        return Ok(vec![Run {
            label: label.to_string(),
            benches,
        }]);
    }
    let bytes = crate::fsutil::read_regular(path, crate::fsutil::MAX_INPUT)
        .map_err(|e| format!("{label}: cannot read: {e}"))?;
    if path.file_name().is_some_and(|n| n == "estimates.json")
        && let Some(dir) = path.parent()
    {
        return Ok(vec![Run {
            label: label.to_string(),
            benches: vec![criterion_bench(dir, dir)?],
        }]);
    }
    parse_unchecked(&bytes, label)
}

/// Parses the content of one result file, whatever its format.
pub fn parse_bytes(bytes: &[u8], label: &str) -> Result<Vec<Run>, String> {
    checked(parse_unchecked(bytes, label)?)
}

/// Refuses measurements no harness writes: a time that is not a positive finite number,
/// any value that is not finite or is negative. Comparing them would pass or fail a gate on
/// garbage, so they are invalid input (the run exits 2 naming the file and benchmark).
fn checked(runs: Vec<Run>) -> Result<Vec<Run>, String> {
    for r in &runs {
        for b in &r.benches {
            let time = b.unit == "ns";
            let bad = |x: f64| !x.is_finite() || x < 0.0 || (time && x == 0.0) || x.abs() > 1e300;
            let what = if time {
                "a positive time"
            } else {
                "a finite, non-negative value"
            };
            if bad(b.value) {
                return Err(format!(
                    "{}: benchmark `{}`: {} {} is not {what}",
                    r.label, b.name, b.value, b.unit
                ));
            }
            if let Some(x) = b.samples.iter().find(|x| bad(**x)) {
                return Err(format!(
                    "{}: benchmark `{}`: sample {x} {} is not {what}",
                    r.label, b.name, b.unit
                ));
            }
        }
    }
    Ok(runs)
}

fn parse_unchecked(bytes: &[u8], label: &str) -> Result<Vec<Run>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{label}: not UTF-8 text"))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let v: Value = serde_json::from_str(trimmed)
            .map_err(|e| format!("{label}:{}:{}: invalid JSON: {e}", e.line(), e.column()))?;
        return json(&v, label);
    }
    let benches = libtest(text, label)?;
    if benches.is_empty() {
        return Err(format!(
            "{label}: not a benchmark format qgate reads (Criterion, libtest, Google Benchmark, pytest-benchmark, hyperfine, qgate report or history, generic JSON)"
        ));
    }
    Ok(vec![Run {
        label: label.to_string(),
        benches,
    }])
}

fn json(v: &Value, label: &str) -> Result<Vec<Run>, String> {
    let one = |benches: Vec<Bench>| {
        Ok(vec![Run {
            label: label.to_string(),
            benches,
        }])
    };
    let bad = |what: &str, e: serde_json::Error| format!("{label}: invalid {what} file: {e}");
    if v.get(history::MARKER).is_some() {
        return history::History::from_value(v, label).map(|h| h.into_runs(label));
    }
    if let Some(list) = v.get("benchmarks").and_then(Value::as_array) {
        if v.get("context").is_some()
            || list
                .iter()
                .any(|b| b.get("run_name").is_some() || b.get("time_unit").is_some())
        {
            let doc: GBench =
                serde::Deserialize::deserialize(v).map_err(|e| bad("Google Benchmark", e))?;
            return one(google(doc, label)?);
        }
        if list.iter().all(|b| b.get("stats").is_some()) {
            let doc: Pytest =
                serde::Deserialize::deserialize(v).map_err(|e| bad("pytest-benchmark", e))?;
            return one(pytest(doc, label)?);
        }
    }
    if v.get("results")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().all(|x| x.get("command").is_some()))
    {
        let doc: Hyperfine = serde::Deserialize::deserialize(v).map_err(|e| bad("hyperfine", e))?;
        return one(hyperfine(doc, label)?);
    }
    if v.get("schema_version").is_some()
        && v.pointer("/tool/name").and_then(Value::as_str) == Some("qgate")
    {
        let doc: QgateReport =
            serde::Deserialize::deserialize(v).map_err(|e| bad("qgate report", e))?;
        return one(qgate_report(doc));
    }
    if v.get("mean").is_some() && (v.get("median").is_some() || v.get("slope").is_some()) {
        return Err(format!(
            "{label}: a single Criterion estimates.json; name its directory (e.g. target/criterion) instead"
        ));
    }
    if let Some(items) = v.as_array() {
        let doc: Vec<Generic> =
            serde::Deserialize::deserialize(v).map_err(|e| bad("generic benchmark", e))?;
        if items.is_empty() {
            return Err(format!("{label}: an empty list of benchmarks"));
        }
        return one(generic(doc, label)?);
    }
    Err(format!(
        "{label}: JSON, but not a benchmark format qgate reads"
    ))
}

fn finite(label: &str, name: &str, v: f64) -> Result<f64, String> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!(
            "{label}: benchmark `{name}` has an invalid value {v}"
        ))
    }
}

// ---- Criterion ----

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
    #[serde(default)]
    slope: Option<Estimate>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Deserialize)]
struct Samples {
    iters: Vec<f64>,
    times: Vec<f64>,
}

#[derive(Deserialize)]
struct BenchmarkId {
    full_id: Option<String>,
    title: Option<String>,
}

/// Every `new/estimates.json` under `dir`: Criterion's latest measurement of each benchmark
/// (the `base/` and `change/` directories next to it are earlier runs and comparisons).
fn criterion_dir(dir: &Path) -> Result<Vec<Bench>, String> {
    let mut out = Vec::new();
    let mut found: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .flatten()
        .filter(|e| {
            e.file_name() == "estimates.json"
                && e.path().parent().is_some_and(|p| p.ends_with("new"))
        })
        .map(|e| e.path().to_path_buf())
        .collect();
    found.sort();
    for est in found {
        if let Some(new_dir) = est.parent() {
            out.push(criterion_bench(new_dir, dir)?);
        }
    }
    Ok(out)
}

fn criterion_bench(new_dir: &Path, root: &Path) -> Result<Bench, String> {
    let read = |f: &str| -> Result<Option<Vec<u8>>, String> {
        match crate::fsutil::read_regular(&new_dir.join(f), crate::fsutil::MAX_INPUT) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", new_dir.join(f).display())),
        }
    };
    let shown = |f: &str| new_dir.join(f).display().to_string();
    let est: Estimates = serde_json::from_slice(&read("estimates.json")?.unwrap_or_default())
        .map_err(|e| {
            format!(
                "{}: invalid Criterion estimates: {e}",
                shown("estimates.json")
            )
        })?;
    let name = match read("benchmark.json")? {
        Some(b) => {
            let id: BenchmarkId = serde_json::from_slice(&b).map_err(|e| {
                format!(
                    "{}: invalid Criterion benchmark.json: {e}",
                    shown("benchmark.json")
                )
            })?;
            id.full_id.or(id.title)
        }
        None => None,
    };
    let name = name.unwrap_or_else(|| {
        let rel = new_dir
            .parent()
            .and_then(|p| p.strip_prefix(root).ok())
            .unwrap_or(Path::new("?"));
        crate::fsutil::rel_path(Path::new(""), rel)
    });
    let samples = match read("sample.json")? {
        Some(b) => {
            let s: Samples = serde_json::from_slice(&b)
                .map_err(|e| format!("{}: invalid Criterion samples: {e}", shown("sample.json")))?;
            s.iters
                .iter()
                .zip(&s.times)
                .filter(|(i, _)| **i > 0.0)
                .map(|(i, t)| t / i)
                .collect()
        }
        None => Vec::new(),
    };
    let value = est
        .slope
        .map_or(est.mean.point_estimate, |s| s.point_estimate);
    let label = new_dir.display().to_string();
    Ok(Bench::new(
        &name,
        "ns",
        finite(&label, &name, value)?,
        samples,
        None,
    ))
}

// ---- libtest `cargo bench` ----

/// `test parse ... bench:       1,234 ns/iter (+/- 56)` (also with decimals, as newer Rust
/// prints them).
/// `cargo bench` (libtest) output: `test NAME ... bench: 1,234 ns/iter (+/- 56)`. A record
/// cut short or malformed (a truncated file) is an error naming the line, never a benchmark
/// with a broken unit or one that silently vanished.
fn libtest(text: &str, label: &str) -> Result<Vec<Bench>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(rest) = line.trim().strip_prefix("test ") else {
            continue;
        };
        let Some((name, after)) = rest.split_once(" ... ") else {
            continue;
        };
        let after = after.trim();
        // `ok`, `ignored`, `FAILED`: not a benchmark record.
        let cut_marker = after.len() < 6 && "bench:".starts_with(after);
        if !(after.starts_with("bench:") || cut_marker) {
            continue;
        }
        let bad = || {
            format!(
                "{label}:{}: a cut or malformed `cargo bench` record: `{}`",
                n + 1,
                line.trim()
            )
        };
        let after = after.strip_prefix("bench:").ok_or_else(bad)?;
        let words: Vec<&str> = after.split_whitespace().collect();
        let [num, unit, plus, dev] = words[..] else {
            return Err(bad());
        };
        let value: f64 = num.replace(',', "").parse().map_err(|_| bad())?;
        let dev_ok = dev
            .strip_suffix(')')
            .is_some_and(|d| d.replace(',', "").parse::<f64>().is_ok());
        if !unit.ends_with("/iter") || plus != "(+/-" || !dev_ok {
            return Err(bad());
        }
        out.push(Bench::new(name.trim(), unit, value, Vec::new(), None));
    }
    Ok(out)
}

// ---- Google Benchmark ----

#[derive(Deserialize)]
struct GBench {
    benchmarks: Vec<GEntry>,
}

#[derive(Deserialize)]
struct GEntry {
    name: String,
    run_name: Option<String>,
    run_type: Option<String>,
    aggregate_name: Option<String>,
    real_time: Option<f64>,
    time_unit: Option<String>,
    #[serde(default)]
    error_occurred: bool,
}

/// Repetitions: the `median` aggregate is the value, the iterations are the samples.
fn google(doc: GBench, label: &str) -> Result<Vec<Bench>, String> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: std::collections::HashMap<String, (Vec<f64>, Option<f64>, String)> =
        Default::default();
    for e in doc.benchmarks {
        if e.error_occurred {
            continue;
        }
        let name = e.run_name.clone().unwrap_or_else(|| e.name.clone());
        let unit = e.time_unit.clone().unwrap_or_else(|| "ns".into());
        let Some(t) = e.real_time else { continue };
        let t = finite(label, &name, t)?;
        let g = groups.entry(name.clone()).or_insert_with(|| {
            order.push(name.clone());
            (Vec::new(), None, unit.clone())
        });
        match (e.run_type.as_deref(), e.aggregate_name.as_deref()) {
            (Some("aggregate"), Some("median")) => g.1 = Some(t),
            (Some("aggregate"), _) => {}
            _ => g.0.push(t),
        }
    }
    let mut out = Vec::new();
    for name in order {
        let Some((samples, median, unit)) = groups.remove(&name) else {
            continue;
        };
        let value = median.unwrap_or_else(|| stats::mean(&samples));
        let samples = if samples.len() >= 2 {
            samples
        } else {
            Vec::new()
        };
        out.push(Bench::new(&name, &unit, value, samples, None));
    }
    Ok(out)
}

use super::stats;

// ---- pytest-benchmark ----

#[derive(Deserialize)]
struct Pytest {
    benchmarks: Vec<PEntry>,
}

#[derive(Deserialize)]
struct PEntry {
    name: String,
    stats: PStats,
}

#[derive(Deserialize)]
struct PStats {
    mean: f64,
    #[serde(default)]
    data: Vec<f64>,
}

/// Seconds; `stats.data` (written with `--benchmark-save-data`) are the samples.
fn pytest(doc: Pytest, label: &str) -> Result<Vec<Bench>, String> {
    doc.benchmarks
        .into_iter()
        .map(|b| {
            Ok(Bench::new(
                &b.name,
                "s",
                finite(label, &b.name, b.stats.mean)?,
                b.stats.data,
                None,
            ))
        })
        .collect()
}

// ---- hyperfine ----

#[derive(Deserialize)]
struct Hyperfine {
    results: Vec<HEntry>,
}

#[derive(Deserialize)]
struct HEntry {
    command: String,
    mean: f64,
    #[serde(default)]
    times: Vec<f64>,
}

fn hyperfine(doc: Hyperfine, label: &str) -> Result<Vec<Bench>, String> {
    doc.results
        .into_iter()
        .map(|r| {
            Ok(Bench::new(
                &r.command,
                "s",
                finite(label, &r.command, r.mean)?,
                r.times,
                None,
            ))
        })
        .collect()
}

// ---- qgate's own report ----

#[derive(Deserialize)]
struct QgateReport {
    duration_ms: f64,
    checks: Vec<QCheck>,
}

#[derive(Deserialize)]
struct QCheck {
    id: String,
    duration_ms: f64,
}

/// `qgate` (the whole run) and `qgate/<check>`, in milliseconds.
fn qgate_report(doc: QgateReport) -> Vec<Bench> {
    let mut out = vec![Bench::new("qgate", "ms", doc.duration_ms, Vec::new(), None)];
    out.extend(doc.checks.into_iter().map(|c| {
        Bench::new(
            &format!("qgate/{}", c.id),
            "ms",
            c.duration_ms,
            Vec::new(),
            None,
        )
    }));
    out
}

// ---- generic ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generic {
    name: String,
    unit: String,
    value: f64,
    #[serde(default)]
    samples: Vec<f64>,
    direction: Option<String>,
}

fn generic(doc: Vec<Generic>, label: &str) -> Result<Vec<Bench>, String> {
    doc.into_iter()
        .map(|g| {
            if g.name.trim().is_empty() {
                return Err(format!("{label}: a benchmark without a name"));
            }
            let direction = match g
                .direction
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None => None,
                Some("lower" | "smaller" | "smaller_is_better") => Some(Direction::Lower),
                Some("higher" | "bigger" | "bigger_is_better" | "larger") => {
                    Some(Direction::Higher)
                }
                Some(other) => {
                    return Err(format!(
                        "{label}: `{}` has direction `{other}`; use lower or higher",
                        g.name
                    ));
                }
            };
            let value = finite(label, &g.name, g.value)?;
            Ok(Bench::new(&g.name, &g.unit, value, g.samples, direction))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_lines() {
        let text = "running 2 tests\ntest parse  ... bench:       1,234 ns/iter (+/- 56)\ntest render ... bench:          46.50 ns/iter (+/- 0.48)\n\ntest result: ok.";
        let b = libtest(text, "b.txt").unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].name.as_str(), b[0].value), ("parse", 1234.0));
        assert_eq!(b[1].value, 46.5);
        // Cut anywhere inside a record: an error naming the line.
        let rec = "test parse ... bench:       1,234 ns/iter (+/- 56)";
        for cut in [18, 24, 35, 40, 44, rec.len() - 1] {
            let t = format!("test a ... ok\n{}\n", &rec[..cut]);
            let e = libtest(&t, "b.txt").unwrap_err();
            assert!(e.starts_with("b.txt:2:"), "{cut}: {e}");
        }
        assert!(
            libtest("test a ... ok\ntest b ... ignored\n", "b.txt")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn generic_and_errors() {
        let runs = parse_bytes(br#"[{"name":"a","unit":"ms","value":2,"samples":[1,3]},{"name":"t","unit":"ops/s","value":9}]"#, "g.json").unwrap();
        let b = &runs[0].benches;
        assert_eq!((b[0].value, b[0].samples.len()), (2e6, 2));
        assert_eq!(b[1].direction, Direction::Higher);
        for bad in [
            &b"{"[..],
            b"[]",
            b"[{\"name\":\"a\"}]",
            b"hello",
            b"{\"x\":1}",
            b"[{\"name\":\"a\",\"unit\":\"s\",\"value\":-1}]",
        ] {
            let e = parse_bytes(bad, "bad.json").unwrap_err();
            assert!(e.starts_with("bad.json"), "{e}");
        }
    }
}
