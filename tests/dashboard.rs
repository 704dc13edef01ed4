//! The HTML dashboard rendered by real headless Chromium: checked by its DOM and by the
//! pixels of a screenshot.

mod common;

use std::process::Command;

use common::Repo;

const VULN: &str = "from flask import request\n\n\ndef read():\n    name = request.args.get(\"name\")\n    return open(name).read()\n";

fn chromium_run(chrome: &str, profile: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(chrome)
        .args(common::CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium")
}

/// A repository with one vulnerable file and a score history of three points.
fn repo() -> Repo {
    let repo = Repo::new();
    repo.write("src/app.py", VULN);
    repo.write(
        ".qgate/score-history.jsonl",
        "{\"ts\":1000,\"overall\":60.0}\n{\"ts\":2000,\"overall\":80.0}\n{\"ts\":3000,\"overall\":100.0}\n",
    );
    repo
}

#[test]
fn the_dashboard_renders_in_chromium() {
    let Some(chrome) = common::chromium() else {
        return;
    };
    let repo = repo();
    let run = repo.qgate(&["check", "--format", "html"]);
    assert_eq!(run.code(), 1, "{}", run.explain());
    let page = repo.path("dashboard.html");
    std::fs::write(&page, run.stdout()).expect("write page");
    assert!(
        !run.stdout().contains("http://") && !run.stdout().contains("https://"),
        "self-contained"
    );
    let profile = tempfile::tempdir().expect("profile");
    let url = format!("file://{}", page.display());

    // The DOM as Chromium parsed it.
    let out = chromium_run(chrome, profile.path(), &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("id=\"score-gauge\""), "{dom}");
    assert!(
        dom.contains("data-score=\"95\""),
        "gauge shows the score: {dom}"
    );
    assert_eq!(dom.matches("<tr class=\"violation\"").count(), 1, "{dom}");
    assert!(dom.contains("src/app.py:6"));
    assert!(dom.contains("data-check=\"path-traversal\""));
    assert!(dom.contains("data-category=\"security\""));
    // History (3 points) plus the current score.
    assert!(dom.contains("data-points=\"4\""), "{dom}");
    assert!(dom.contains("id=\"perf\""));

    // A screenshot: the gauge's green arc and the red "blocked" badge are drawn.
    let shot = repo.path("shot.png");
    let out = chromium_run(
        chrome,
        profile.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,900",
            "--hide-scrollbars",
            &url,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("screenshot"),
    ));
    let mut reader = decoder.read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    assert_eq!((info.width, info.height), (1200, 900));
    let channels = info.color_type.samples();
    let near = |px: &[u8], rgb: (u8, u8, u8)| {
        px[0].abs_diff(rgb.0) < 12 && px[1].abs_diff(rgb.1) < 12 && px[2].abs_diff(rgb.2) < 12
    };
    let count = |rgb| {
        buf[..info.buffer_size()]
            .chunks(channels)
            .filter(|px| near(px, rgb))
            .count()
    };
    let green = count((0x1a, 0x7f, 0x37));
    let red = count((0xd1, 0x24, 0x2f));
    assert!(
        green > 2000,
        "the gauge arc is drawn ({green} green pixels)"
    );
    assert!(red > 300, "the verdict badge is drawn ({red} red pixels)");
}

#[test]
fn html_is_written_beside_other_reports() {
    let repo = repo();
    let run = repo.qgate(&["check", "--report", "html=out/d.html", "--format", "json"]);
    assert_eq!(run.code(), 1, "{}", run.explain());
    let html = repo.read("out/d.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("tainted-path"));
}
