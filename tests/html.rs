//! `report.html`: the summary's tables and every chart in one file that
//! needs no network. Checked for structure here, and in headless Chromium
//! (CI installs it, `.ci/run`): it loads with no console message and shows
//! every chart.

use std::process::Command;

use crate::common::*;

fn out_dir(scenario: &str, duration: &str) -> tempfile::TempDir {
    sim_run_out(scenario, duration, &[])
}

fn chart_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("charts")).unwrap().count()
}

#[test]
fn the_page_holds_the_tables_and_every_chart_and_fetches_nothing() {
    let dir = out_dir("scenarios/over-budget.ron", "200ms");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // over-budget: 3 sessions, 3 sources, 1 target, 3 instances x 3
    // (CloudWatch packets and bits, load), 1 fleet (its collector).
    assert_eq!(chart_files(dir.path()), 17);
    // The charts, and the network diagram (also written as network.svg).
    assert_eq!(html.matches("<figure").count(), 17 + 1);
    assert_eq!(html.matches("<svg").count(), 17 + 1);
    assert!(html.contains(">Network</h2>"));
    assert!(dir.path().join("network.svg").exists());
    // Each section has a heading with an id, and the table of contents
    // links to it; charts are grouped per kind of resource.
    for section in [
        "Totals",
        "Sessions (packets)",
        "Targets",
        "Outcomes at each source",
        "Expectations: 4 of 4 hold",
        "Network",
        "Charts",
    ] {
        // The heading (titles may go on: "Targets (packets; ...").
        let id = html
            .split("<h2 id=\"")
            .skip(1)
            .find_map(|h| {
                let (id, title) = h.split_once("\">")?;
                title.starts_with(section).then_some(id)
            })
            .unwrap_or_else(|| panic!("{section}"));
        assert!(
            html.contains(&format!("<li><a href=\"#{id}\">{section}")),
            "{section} in the contents"
        );
    }
    assert!(html.contains("<nav>\n<h2>Contents</h2>"));
    for group in [
        "Sessions (3)",
        "Sources (3)",
        "Targets (1)",
        "Source instances (9)",
    ] {
        assert!(html.contains(&format!(">{group}</h3>")), "{group}");
    }
    // Self-contained: no script, stylesheet link, image or frame to fetch.
    for fetch in ["<script", "<link", "src=", "@import"] {
        assert!(!html.contains(fetch), "{fetch}");
    }
    // url() and href only within the page: the diagram's arrow heads and
    // the paths its labels follow (#endarrow, #arrow3).
    assert!(html.split("url(").skip(1).all(|rest| rest.starts_with('#')));
    assert!(
        html.split("href=")
            .skip(1)
            .all(|rest| rest.starts_with("\"#"))
    );
}

#[test]
fn text_from_the_scenario_is_escaped() {
    let text = std::fs::read_to_string(root().join("scenarios/over-budget.ron"))
        .unwrap()
        .replace(
            "description: \"Copies skipped",
            "description: \"<script>alert(1)</script> & Copies skipped",
        );
    let r = run_text(&text.replace("duration: \"2s\"", "duration: \"50ms\"")).report;
    let html = reports::html::page(&r, &[], None);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Copies skipped"));
    assert!(!html.contains("<script>"));
}

/// Chromium's path, or `None` (and a note) when it is missing outside CI.
fn chromium() -> Option<&'static str> {
    for name in ["chromium", "chromium-browser"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(name);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("chromium is not installed, and CI must run the HTML report test");
    }
    eprintln!("chromium not installed: HTML report test skipped (CI installs it and runs it)");
    None
}

#[test]
fn headless_chromium_loads_the_report_without_a_console_message_and_shows_every_chart() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = out_dir("scenarios/nlb-fleet.ron", "20s");
    let page = dir.path().join("report.html");
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    let console: Vec<&str> = err.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    // The DOM Chromium built holds every chart, as SVG.
    let dom = String::from_utf8_lossy(&o.stdout);
    let charts = chart_files(dir.path());
    // nlb-fleet: 2 session, 2 source, 1 target, 6 instance and 1 fleet chart.
    assert_eq!(charts, 12);
    assert_eq!(
        dom.matches("<svg").count(),
        charts + 1,
        "every chart and the network diagram rendered"
    );
    assert!(dom.contains("<title>mirrorsim: nlb-fleet</title>"));
}
