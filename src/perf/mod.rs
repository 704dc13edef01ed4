//! Benchmark results: every harness's output normalized to one model, the history of earlier
//! runs, and the statistics that decide whether a benchmark got slower.

pub mod formats;
pub mod history;
pub mod stats;

use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether smaller or larger values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Times, sizes: smaller is better.
    #[default]
    Lower,
    /// Throughput: larger is better.
    Higher,
}

/// One benchmark's result in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bench {
    /// The name as the harness wrote it.
    pub name: String,
    /// `ns` for every time (converted); other units as written.
    pub unit: String,
    #[serde(default)]
    pub direction: Direction,
    /// The harness's headline estimate, in `unit`.
    pub value: f64,
    /// Raw samples in `unit`, when the harness wrote them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<f64>,
}

/// The benchmarks of one run, and where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// A file path, a history entry (`history.json@abc1234`), or a git blob.
    pub label: String,
    pub benches: Vec<Bench>,
}

/// Nanoseconds per unit for the time units harnesses write.
pub fn time_factor(unit: &str) -> Option<f64> {
    Some(match unit.trim().to_ascii_lowercase().as_str() {
        "ns" | "ns/iter" | "nanoseconds" => 1.0,
        "us" | "µs" | "μs" | "microseconds" => 1e3,
        "ms" | "milliseconds" => 1e6,
        "s" | "sec" | "seconds" => 1e9,
        _ => return None,
    })
}

impl Bench {
    /// A benchmark in `unit`; times are converted to ns, `…/s` units are higher-is-better.
    pub fn new(
        name: &str,
        unit: &str,
        value: f64,
        samples: Vec<f64>,
        direction: Option<Direction>,
    ) -> Bench {
        match time_factor(unit) {
            Some(f) => Bench {
                name: name.to_string(),
                unit: "ns".into(),
                direction: direction.unwrap_or(Direction::Lower),
                value: value * f,
                samples: samples.into_iter().map(|s| s * f).collect(),
            },
            None => Bench {
                name: name.to_string(),
                unit: unit.trim().to_string(),
                direction: direction.unwrap_or(if unit.trim().ends_with("/s") {
                    Direction::Higher
                } else {
                    Direction::Lower
                }),
                value,
                samples,
            },
        }
    }
}

/// A value in its unit for people: times scaled to ns/µs/ms/s with 3–4 significant digits.
pub struct Human<'a>(pub f64, pub &'a str);

impl fmt::Display for Human<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (v, unit) = (self.0, self.1);
        if unit != "ns" {
            return write!(f, "{} {unit}", sig(v));
        }
        let (x, u) = match v.abs() {
            a if a >= 1e9 => (v / 1e9, "s"),
            a if a >= 1e6 => (v / 1e6, "ms"),
            a if a >= 1e3 => (v / 1e3, "µs"),
            _ => (v, "ns"),
        };
        write!(f, "{} {u}", sig(x))
    }
}

fn sig(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_normalize() {
        let b = Bench::new("x", "ms", 1.5, vec![1.0, 2.0], None);
        assert_eq!((b.unit.as_str(), b.value, b.samples[1]), ("ns", 1.5e6, 2e6));
        assert_eq!(
            Bench::new("t", "ops/s", 5.0, vec![], None).direction,
            Direction::Higher
        );
        assert_eq!(Human(1_234_567.0, "ns").to_string(), "1.23 ms");
        assert_eq!(Human(999.0, "ns").to_string(), "999 ns");
        assert_eq!(Human(12.345, "ops/s").to_string(), "12.3 ops/s");
    }
}

/// How one benchmark is judged (qgate.yaml `perf:`, possibly overridden per name).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub test: crate::config::PerfTest,
    /// Percent: the smallest slowdown that counts, under either test.
    pub threshold: f64,
    /// Percent: below this nothing is flagged, whatever the threshold says.
    pub min_effect: f64,
    pub confidence: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Regressed,
    Improved,
    Unchanged,
    NoBaseline,
}

/// The verdict on one benchmark, with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub outcome: Outcome,
    /// Mean of the baseline runs' values.
    pub baseline: Option<f64>,
    /// Percent, positive = worse (slower, or less throughput).
    pub worse_pct: f64,
    /// Percent: the slowdown that had to be exceeded.
    pub limit: f64,
    /// Which test decided, in words, with its numbers.
    pub method: String,
}

/// Judges `current` against the same benchmark in earlier runs (oldest first).
///
/// Regressed when the slowdown against the mean of the earlier runs exceeds the limit
/// (`threshold`, at least `min_effect`) and, under `t_test`, is also significant at
/// `confidence`: Welch's t-test when this run and the newest earlier run both have raw
/// samples, else a one-sided prediction interval over the earlier runs' values; with fewer
/// than two earlier runs and no samples, the percentage test alone (said in `method`).
pub fn decide(current: &Bench, history: &[&Bench], policy: Policy) -> Decision {
    let limit = policy.threshold.max(policy.min_effect);
    let values: Vec<f64> = history.iter().map(|b| b.value).collect();
    if values.is_empty() {
        return Decision {
            outcome: Outcome::NoBaseline,
            baseline: None,
            worse_pct: 0.0,
            limit,
            method: "no baseline".into(),
        };
    }
    let base = stats::mean(&values);
    let worse = |cur: f64| -> f64 {
        if base == 0.0 {
            return 0.0;
        }
        match current.direction {
            Direction::Lower => (cur - base) / base * 100.0,
            Direction::Higher => (base - cur) / base * 100.0,
        }
    };
    let worse_pct = worse(current.value);
    let alpha = 1.0 - policy.confidence;
    let (significant, method) = match policy.test {
        crate::config::PerfTest::Percentage => (true, format!("percentage test, limit {limit}%")),
        crate::config::PerfTest::TTest => {
            let last = history.last().map(|b| b.samples.as_slice()).unwrap_or(&[]);
            // Orient the samples so that "larger" always means "worse".
            let orient = |xs: &[f64]| -> Vec<f64> {
                match current.direction {
                    Direction::Lower => xs.to_vec(),
                    Direction::Higher => xs.iter().map(|x| -x).collect(),
                }
            };
            if let Some(p) = stats::welch_greater(&orient(last), &orient(&current.samples)) {
                (
                    p < alpha,
                    format!(
                        "Welch's t-test on {} vs {} samples: p = {} {} {}",
                        last.len(),
                        current.samples.len(),
                        fmt_p(p),
                        if p < alpha { "<" } else { "≥" },
                        fmt_p(alpha)
                    ),
                )
            } else if let Some(bound) = stats::prediction_upper(&orient(&values), policy.confidence)
            {
                let cur = orient(&[current.value])[0];
                let bound_pct = worse(match current.direction {
                    Direction::Lower => bound,
                    Direction::Higher => -bound,
                });
                (
                    cur > bound,
                    format!(
                        "{}% prediction interval over {} runs: noise reaches {bound_pct:+.1}%",
                        policy.confidence * 100.0,
                        values.len()
                    ),
                )
            } else {
                (
                    true,
                    format!(
                        "percentage test only: {} earlier run(s) and no samples, too few for a t-test",
                        values.len()
                    ),
                )
            }
        }
    };
    let outcome = if worse_pct > limit && significant {
        Outcome::Regressed
    } else if worse_pct < -limit {
        Outcome::Improved
    } else {
        Outcome::Unchanged
    };
    Decision {
        outcome,
        baseline: Some(base),
        worse_pct,
        limit,
        method,
    }
}

fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod decide_tests {
    use super::*;
    use crate::config::PerfTest;

    fn b(v: f64, samples: &[f64]) -> Bench {
        Bench::new("x", "ns", v, samples.to_vec(), None)
    }

    const P: Policy = Policy {
        test: PerfTest::TTest,
        threshold: 10.0,
        min_effect: 2.0,
        confidence: 0.99,
    };

    #[test]
    fn percentage_fallback_and_limits() {
        let h = [b(100.0, &[])];
        let d = decide(&b(115.0, &[]), &[&h[0]], P);
        assert_eq!(d.outcome, Outcome::Regressed);
        assert!(d.method.contains("percentage test only"), "{}", d.method);
        assert_eq!(
            decide(&b(105.0, &[]), &[&h[0]], P).outcome,
            Outcome::Unchanged
        );
        assert_eq!(
            decide(&b(80.0, &[]), &[&h[0]], P).outcome,
            Outcome::Improved
        );
        assert_eq!(decide(&b(80.0, &[]), &[], P).outcome, Outcome::NoBaseline);
    }

    #[test]
    fn prediction_interval_absorbs_noisy_history() {
        let h: Vec<Bench> = [100.0, 112.0, 95.0, 108.0]
            .iter()
            .map(|v| b(*v, &[]))
            .collect();
        let refs: Vec<&Bench> = h.iter().collect();
        // 14% over the mean, but the history swings that much: not significant.
        let d = decide(&b(118.0, &[]), &refs, P);
        assert_eq!(d.outcome, Outcome::Unchanged, "{d:?}");
        assert_eq!(decide(&b(160.0, &[]), &refs, P).outcome, Outcome::Regressed);
    }

    #[test]
    fn throughput_is_higher_is_better() {
        let mut h = b(1000.0, &[]);
        h.unit = "ops/s".into();
        h.direction = Direction::Higher;
        let mut cur = h.clone();
        cur.value = 700.0;
        let d = decide(&cur, &[&h], P);
        assert_eq!(d.outcome, Outcome::Regressed, "{d:?}");
        assert!((d.worse_pct - 30.0).abs() < 1e-9);
    }
}

/// A benchmark and the file (or directory) it was read from, repository-relative.
#[derive(Debug, Clone)]
pub struct Sourced {
    pub bench: Bench,
    pub from: String,
}

/// Expands `perf.results` entries: a file, a directory (Criterion output), or a glob over
/// files (`bench/out/*.json`; `*` stays within a directory, `**` crosses). Entries that
/// match nothing are returned in the second list.
pub fn expand(
    root: &std::path::Path,
    specs: &[String],
) -> Result<(Vec<String>, Vec<String>), String> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for spec in specs {
        let spec = spec.trim_end_matches('/');
        if !spec.contains(['*', '?', '[', '{']) {
            if root.join(spec).exists() {
                found.push(spec.to_string());
            } else {
                missing.push(spec.to_string());
            }
            continue;
        }
        let glob = globset::GlobBuilder::new(spec)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("perf: invalid glob `{spec}`: {}", e.kind()))?
            .compile_matcher();
        // Walk from the longest directory prefix without glob characters.
        let fixed: Vec<&str> = spec
            .split('/')
            .take_while(|c| !c.contains(['*', '?', '[', '{']))
            .collect();
        let base = root.join(fixed.join("/"));
        let mut hits: Vec<String> = walkdir::WalkDir::new(&base)
            .follow_links(false)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| crate::fsutil::rel_path(root, e.path()))
            .filter(|rel| glob.is_match(rel))
            .collect();
        hits.sort();
        if hits.is_empty() {
            missing.push(spec.to_string());
        }
        found.extend(hits);
    }
    Ok((found, missing))
}

/// This run's results: every benchmark of every file `perf.results` names.
pub fn load_current(
    root: &std::path::Path,
    specs: &[String],
) -> Result<(Vec<Sourced>, Vec<String>), String> {
    let (files, missing) = expand(root, specs)?;
    let mut out: Vec<Sourced> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for rel in files {
        for run in formats::load(&root.join(&rel), &rel)? {
            for bench in run.benches {
                if seen.insert(bench.name.clone()) {
                    out.push(Sourced {
                        bench,
                        from: rel.clone(),
                    });
                }
            }
        }
    }
    Ok((out, missing))
}

/// Earlier runs, oldest first: history files, result files (one run each), and
/// `git:REF:PATH` blobs. Entries that do not exist yet are returned in the second list.
pub fn load_baselines(
    root: &std::path::Path,
    specs: &[String],
) -> Result<(Vec<Run>, Vec<String>), String> {
    let mut runs = Vec::new();
    let mut missing = Vec::new();
    for spec in specs {
        if let Some(git) = spec.strip_prefix("git:") {
            match history::git_blob(root, git)? {
                Some(bytes) => runs.extend(formats::parse_bytes(&bytes, spec)?),
                None => missing.push(spec.clone()),
            }
            continue;
        }
        let (files, miss) = expand(root, std::slice::from_ref(spec))?;
        missing.extend(miss);
        for rel in files {
            runs.extend(formats::load(&root.join(&rel), &rel)?);
        }
    }
    Ok((runs, missing))
}
