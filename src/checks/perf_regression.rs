//! `perf-regression`: this run's benchmark results against earlier runs, with a statistical
//! test so that noise does not fail builds and a real slowdown does.

use super::{Check, CodeDoc, Context, Raw, Sink};
use crate::config::Level;
use crate::perf::{self, Bench, Decision, Human, Outcome};
use crate::report::Severity;

pub struct PerfRegression;

static CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "perf-slowdown",
        summary: "a benchmark got slower than its history allows",
        explanation: "The benchmark's current value is worse than the mean of the baseline runs by more than `perf.threshold` (and `perf.min_effect`), and under `t_test` the slowdown is also significant at `perf.confidence`: Welch's t-test when both this run and the newest baseline run have raw samples, otherwise a one-sided prediction interval over the baseline runs. With fewer than two baseline runs and no samples the percentage test decides alone, and the finding says so.\n\nFix: find the change that made it slower. If the slowdown is accepted, record a new baseline on the main branch with `qgate perf record`, or loosen the benchmark with `perf.overrides`.",
    },
    CodeDoc {
        code: "perf-improved",
        summary: "a note: a benchmark got faster beyond the threshold",
        explanation: "Faster benchmarks never fail a run. Record the new numbers with `qgate perf record` on the main branch so later runs are compared with them.",
    },
    CodeDoc {
        code: "perf-unchanged",
        summary: "a note: a benchmark within its limits",
        explanation: "The benchmark's change is within the threshold, or not significant. The note shows the numbers and the test that decided.",
    },
    CodeDoc {
        code: "perf-new-benchmark",
        summary: "a note: a benchmark with no baseline yet",
        explanation: "No earlier run has this benchmark, so there is nothing to compare with. It is compared from the next recorded run on.",
    },
    CodeDoc {
        code: "perf-missing-benchmark",
        summary: "a note: a benchmark of the newest baseline run is missing from this run",
        explanation: "A benchmark the last recorded run had did not run this time (renamed, deleted or filtered out). A note, never a failure.",
    },
    CodeDoc {
        code: "perf-no-results",
        summary: "an entry of `perf.results` matched no file",
        explanation: "qgate found nothing where `perf.results` points: the benchmark step may not have run, or wrote its output elsewhere. An error (a warning at level warn), so a broken benchmark step never passes the gate.",
    },
];

impl Check for PerfRegression {
    fn id(&self) -> &'static str {
        "perf-regression"
    }

    fn summary(&self) -> &'static str {
        "benchmark results compared with earlier runs by a statistical test"
    }

    fn explanation(&self) -> &'static str {
        "Blocks a real slowdown without crying wolf on noise. `perf.results` names this run's results (Criterion's target/criterion, libtest `cargo bench` output, Google Benchmark, pytest-benchmark or hyperfine JSON, qgate's own JSON report, or a generic [{name, unit, value, samples?, direction?}] list; the format is detected per file). `perf.baseline` names earlier runs: qgate's history file written by `qgate perf record`, result files in any format (one run each), or `git:REF:PATH` read from git without a checkout.\n\nEach benchmark is judged alone (see `qgate explain perf-slowdown` for the rule); each regressed benchmark is one finding whose subject is the benchmark's name as its harness wrote it. Faster or unchanged benchmarks never fail; new and vanished benchmarks are notes.\n\nDefault level: warn. Set `checks: {perf-regression: error}` to block."
    }

    fn default_level(&self) -> Level {
        Level::Warn
    }

    fn codes(&self) -> &'static [CodeDoc] {
        CODES
    }

    fn run(&self, cx: &Context<'_>, sink: &mut Sink) -> Result<(), String> {
        let cfg = &cx.ws.config.perf;
        if cfg.results.is_empty() {
            sink.note("perf.results is not set in qgate.yaml; no benchmark results to check");
            return Ok(());
        }
        let root = &cx.ws.root;
        let (current, missing) = perf::load_current(root, &cfg.results)?;
        for m in &missing {
            sink.push(
                Raw::new(
                    "perf-no-results",
                    Severity::Error,
                    format!("perf.results entry `{m}` matches no file"),
                )
                .subject(m.clone()),
            );
        }
        if current.is_empty() {
            return Ok(());
        }
        let (runs, absent) = perf::load_baselines(root, &cfg.baseline)?;
        for a in &absent {
            sink.note(format!("baseline `{a}` does not exist yet; record one with `qgate perf record` on the main branch"));
        }
        // Each run's benchmarks by name and unit: one lookup per benchmark and run.
        let indexed: Vec<std::collections::HashMap<(&str, &str), &Bench>> = runs
            .iter()
            .map(|r| {
                let mut m = std::collections::HashMap::with_capacity(r.benches.len());
                for h in &r.benches {
                    m.entry((h.name.as_str(), h.unit.as_str())).or_insert(h);
                }
                m
            })
            .collect();
        for s in &current {
            let b = &s.bench;
            let history: Vec<&Bench> = indexed
                .iter()
                .filter_map(|m| m.get(&(b.name.as_str(), b.unit.as_str())).copied())
                .collect();
            let d = perf::decide(b, &history, cfg.policy_for(&b.name));
            sink.push(finding(b, &s.from, &d, history.len()));
        }
        if let Some(last) = runs.last() {
            let now: std::collections::HashSet<&str> =
                current.iter().map(|c| c.bench.name.as_str()).collect();
            for h in &last.benches {
                if !now.contains(h.name.as_str()) {
                    sink.push(
                        Raw::new(
                            "perf-missing-benchmark",
                            Severity::Note,
                            format!(
                                "`{}` was in the last baseline run ({}) but not in this one",
                                h.name, last.label
                            ),
                        )
                        .subject(h.name.clone()),
                    );
                }
            }
        }
        Ok(())
    }
}

fn finding(b: &Bench, from: &str, d: &Decision, runs: usize) -> Raw {
    let now = Human(b.value, &b.unit);
    let (code, severity, message) = match (d.outcome, d.baseline) {
        (Outcome::NoBaseline, _) | (_, None) => (
            "perf-new-benchmark",
            Severity::Note,
            format!("`{}`: {now}, no baseline yet", b.name),
        ),
        (outcome, Some(base)) => {
            let was = Human(base, &b.unit);
            let what = if d.worse_pct >= 0.0 {
                format!(
                    "{:.1}% {}",
                    d.worse_pct,
                    if b.direction == perf::Direction::Lower {
                        "slower"
                    } else {
                        "lower"
                    }
                )
            } else {
                format!(
                    "{:.1}% {}",
                    -d.worse_pct,
                    if b.direction == perf::Direction::Lower {
                        "faster"
                    } else {
                        "higher"
                    }
                )
            };
            let runs = if runs == 1 {
                "1 run".to_string()
            } else {
                format!("mean of {runs} runs")
            };
            let detail = format!(
                "{was} → {now} (baseline: {runs}; limit {}%; {})",
                d.limit, d.method
            );
            match outcome {
                Outcome::Regressed => (
                    "perf-slowdown",
                    Severity::Error,
                    format!("`{}` is {what}: {detail}", b.name),
                ),
                Outcome::Improved => (
                    "perf-improved",
                    Severity::Note,
                    format!("`{}` is {what}: {detail}", b.name),
                ),
                _ => (
                    "perf-unchanged",
                    Severity::Note,
                    format!("`{}` is {what}, within limits: {detail}", b.name),
                ),
            }
        }
    };
    Raw::new(code, severity, message)
        .at(from.to_string(), None)
        .subject(b.name.clone())
}
