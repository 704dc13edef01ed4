//! `--format junit`: one `<testsuite>` per check, one failing `<testcase>` per finding (with
//! `file` and `line` attributes), one passing `<testcase>` for a check without findings.
//! Written with quick-junit, which also strips characters XML forbids.

use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{CheckStatus, Finding, Report, Severity};

pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut out = quick_junit::Report::new("qgate");
    out.set_time(ms(report.duration_ms));
    for check in &report.checks {
        let mut suite = TestSuite::new(check.id.as_str());
        suite.set_time(ms(check.duration_ms));
        let mut cases = 0;
        let notes: Vec<&str> = check
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Note && !f.suppressed)
            .map(|f| f.message.as_str())
            .collect();
        for f in check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note || f.suppressed)
        {
            suite.add_test_case(case_for(&check.id, f));
            cases += 1;
        }
        if check.status == CheckStatus::Error && cases == 0 {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message("the check could not run");
            suite.add_test_case(TestCase::new(check.id.as_str(), status));
            cases += 1;
        }
        if cases == 0 {
            let mut status = TestCaseStatus::success();
            if check.status == CheckStatus::Skipped {
                status = TestCaseStatus::skipped();
                status.set_message("check is off");
            }
            let mut case = TestCase::new(check.id.as_str(), status);
            case.set_classname(check.id.as_str());
            if !notes.is_empty() {
                case.set_system_out(notes.join("\n"));
            }
            suite.add_test_case(case);
        } else if !notes.is_empty() {
            suite.set_system_out(notes.join("\n"));
        }
        out.add_test_suite(suite);
    }
    out.serialize(&mut *w).map_err(io::Error::other)
}

fn case_for(check: &str, f: &Finding) -> TestCase {
    let status = if f.suppressed {
        let mut s = TestCaseStatus::skipped();
        s.set_message(format!("suppressed: {}", f.message));
        s
    } else {
        let kind = if f.code == "check-failed" {
            NonSuccessKind::Error
        } else {
            NonSuccessKind::Failure
        };
        let mut s = TestCaseStatus::non_success(kind);
        s.set_message(f.message.as_str());
        s.set_type(format!("{}:{}", f.severity, f.code));
        if let Some(desc) = location(f) {
            s.set_description(desc);
        }
        s
    };
    let name = match (&f.subject, &f.path) {
        (Some(s), _) => format!("{} {}", f.code, s),
        (None, Some(p)) => format!("{} {}", f.code, p),
        _ => f.code.clone(),
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(check);
    if let Some(p) = &f.path {
        case.extra.insert("file".into(), p.as_str().into());
    }
    if let Some(l) = f.line {
        case.extra.insert("line".into(), l.to_string().into());
    }
    case
}

fn location(f: &Finding) -> Option<String> {
    let p = f.path.as_ref()?;
    Some(match f.line {
        Some(l) => format!("{p}:{l}"),
        None => p.clone(),
    })
}

fn ms(v: f64) -> Duration {
    Duration::try_from_secs_f64(v / 1000.0).unwrap_or_default()
}
