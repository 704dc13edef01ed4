//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards. Rules come from the same code
//! documentation as `qgate explain`; taint findings carry their flow as `codeFlows`; the
//! content fingerprint becomes `partialFingerprints`, so results survive line moves.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Finding, Report, Severity};
use crate::checks;
use crate::scan::rules::Kind;

/// CVSS-like scores for security codes (GitHub shows them as severity).
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn location(path: &str, line: Option<u32>, column: Option<u32>) -> Value {
    let mut region = serde_json::Map::new();
    if let Some(l) = line {
        region.insert("startLine".into(), json!(l.max(1)));
        if let Some(c) = column {
            region.insert("startColumn".into(), json!(c.max(1)));
        }
    }
    let mut phys = json!({"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}});
    if !region.is_empty() {
        phys["region"] = Value::Object(region);
    }
    json!({ "physicalLocation": phys })
}

pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let shown: Vec<(&str, &Finding)> = report
        .checks
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (c.id.as_str(), f)))
        .filter(|(_, f)| f.severity != Severity::Note)
        .collect();

    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for (check, f) in &shown {
        if rule_index.contains_key(f.code.as_str()) {
            continue;
        }
        rule_index.insert(f.code.as_str(), rules.len());
        let (summary, explanation) = match checks::code_doc(&f.code) {
            Some((_, d)) => (d.summary, d.explanation),
            None => ("a finding of a user-defined check", ""),
        };
        let first_paragraph = explanation.split("\n\n").next().unwrap_or(summary);
        let mut props = json!({"tags": [check]});
        // Taint findings: the weakness (as `CWE-22` and as GitHub code scanning's
        // `external/cwe/cwe-022`) and a security severity for its triage.
        if let Some(kind) = Kind::of_code(&f.code) {
            let cwe = kind.cwe();
            props["security-severity"] = json!(kind.security_severity());
            props["tags"] = json!([
                check,
                "security",
                format!("CWE-{cwe}"),
                format!("external/cwe/cwe-{cwe:03}")
            ]);
        }
        let default_level = if f.severity == Severity::Warning {
            "warning"
        } else {
            "error"
        };
        rules.push(json!({
            "id": f.code,
            "name": f.code.split('-').map(|p| { let mut c = p.chars(); c.next().map(|h| h.to_uppercase().chain(c).collect::<String>()).unwrap_or_default() }).collect::<String>(),
            "shortDescription": {"text": summary},
            "fullDescription": {"text": if first_paragraph.is_empty() { summary } else { first_paragraph }},
            "help": {"text": if explanation.is_empty() { summary } else { explanation }},
            "helpUri": format!("https://docs.rs/qgate/{}/qgate/#{}", env!("CARGO_PKG_VERSION"), f.code),
            "defaultConfiguration": {"level": default_level},
            "properties": props,
        }));
    }

    let results: Vec<Value> = shown
        .iter()
        .map(|(check, f)| {
            let mut r = json!({
                "ruleId": f.code,
                "ruleIndex": rule_index.get(f.code.as_str()).copied().unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": f.message},
                "partialFingerprints": {"qgate/v1": f.fingerprint},
                "properties": {"check": check},
            });
            if let Some(p) = &f.path {
                r["locations"] = json!([location(p, f.line, f.column)]);
            }
            if !f.flow.is_empty() {
                let steps: Vec<Value> = f
                    .flow
                    .iter()
                    .map(|s| {
                        let mut l = location(&s.path, Some(s.line), Some(s.column));
                        l["message"] = json!({"text": s.message});
                        json!({"location": l})
                    })
                    .collect();
                r["codeFlows"] = json!([{"threadFlows": [{"locations": steps}]}]);
            }
            if f.baselined {
                r["suppressions"] =
                    json!([{"kind": "external", "justification": "in the qgate baseline"}]);
            } else if f.suppressed {
                r["suppressions"] = json!([{"kind": "inSource", "justification": "qgate:ignore"}]);
            }
            if let Some(s) = &f.subject {
                r["properties"]["subject"] = json!(s);
            }
            r
        })
        .collect();

    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "qgate",
                "version": report.tool.version,
                "informationUri": "https://crates.io/crates/qgate",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": report.exit_code != 2,
                "exitCode": report.exit_code,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
