//! `report.html`: the summary's tables and every chart in one file that
//! needs no network. Checked for structure here, and in headless Chromium
//! (CI installs it, `.ci/run`): it loads with no console message, shows
//! every chart, and at 1400 pixels no table runs past the window, even
//! with 100 sources.

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

/// A scenario of `n` web servers, each mirrored by its own session to one
/// of ten appliances (a target takes ten sources, TGT-12), for pages with
/// many sources.
fn many_sources(n: usize) -> String {
    let mut instances = String::new();
    let mut sessions = String::new();
    let mut traffic = String::new();
    for k in 1..=n {
        instances.push_str(&format!(
            r#"Instance(id: "i-web{k:03}", instance_type: "m5.large", subnet: "subnet-web",
                 network_interfaces: [Eni(id: "eni-web{k:03}", private_ip: "10.0.{}.{}")]),
"#,
            1 + k / 200,
            10 + k % 200
        ));
        sessions.push_str(&format!(
            r#"Session(id: "tms-web{k:03}", network_interface_id: "eni-web{k:03}", traffic_mirror_target_id: "tmt-ids{}",
                traffic_mirror_filter_id: "tmf-all", session_number: 1),
"#,
            k % 10
        ));
        traffic.push_str(&format!(
            r#"Flow(name: "to-web{k:03}", from: "203.0.113.7", to: "eni-web{k:03}", protocol: Tcp, destination_port: 443,
             rate: "50pps", size: Fixed("800B")),
"#
        ));
    }
    let appliances: String = (0..10)
        .map(|k| {
            format!(
                r#"Instance(id: "i-ids{k}", instance_type: "c5n.4xlarge", subnet: "subnet-ids",
                 network_interfaces: [Eni(id: "eni-ids{k}", private_ip: "10.0.16.{}")]),
"#,
                10 + k
            )
        })
        .collect();
    let targets: String = (0..10)
        .map(|k| format!(r#"Target(id: "tmt-ids{k}", network_interface_id: "eni-ids{k}"),"#))
        .collect();
    format!(
        r#"Scenario(name: "many-sources", seed: 1, duration: "1s",
    vpcs: [Vpc(id: "vpc-m", cidr_blocks: ["10.0.0.0/16"], subnets: [
        Subnet(id: "subnet-web", availability_zone: "us-east-1a", cidr_block: "10.0.0.0/20"),
        Subnet(id: "subnet-ids", availability_zone: "us-east-1a", cidr_block: "10.0.16.0/24"),
    ])],
    instances: [{instances}{appliances}],
    traffic_mirror_targets: [{targets}],
    traffic_mirror_filters: [Filter(id: "tmf-all",
        ingress_filter_rules: [Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")])],
    traffic_mirror_sessions: [{sessions}],
    traffic: [{traffic}],
)"#
    )
}

/// Measures, in Chromium at `width` pixels, every table's right edge and
/// the page's width; the report itself runs no script, so a copy of it
/// with a probe is loaded. Returns the tables past the window's edge and
/// how far the page scrolls sideways.
fn overflow_at(chromium: &str, page: &std::path::Path, width: u32) -> (Vec<String>, i64) {
    let html = std::fs::read_to_string(page).unwrap();
    let probe = r#"<script>
addEventListener('load', () => {
  const w = document.documentElement.clientWidth;
  const over = [];
  document.querySelectorAll('table').forEach((t, i) => {
    const r = t.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 0.5) over.push(i + ':' + Math.round(r.right));
  });
  document.body.setAttribute('data-probe',
    (document.documentElement.scrollWidth - w) + '|' + over.join(','));
});
</script>"#;
    let probed = page.with_file_name("probe.html");
    std::fs::write(&probed, html.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let o = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("--window-size={width},900"))
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let probe = dom
        .split("data-probe=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("the probe did not run: {dom}"));
    let (scroll, over) = probe.split_once('|').unwrap();
    let over = over
        .split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    (over, scroll.parse().unwrap())
}

#[test]
fn at_1400_pixels_no_table_overflows_the_window_even_with_100_sources() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many.ron");
    std::fs::write(&many, many_sources(100)).unwrap();
    for scenario in [
        "scenarios/gwlb-spokes.ron",
        "scenarios/nlb-fleet.ron",
        many.to_str().unwrap(),
    ] {
        let out = sim_run_out(scenario, "1s", &[]);
        let page = out.path().join("report.html");
        let html = std::fs::read_to_string(&page).unwrap();
        // Every entry of the contents leads to a heading of the page.
        for href in html.split("href=\"#").skip(1) {
            let id = href.split('"').next().unwrap();
            assert!(html.contains(&format!("id=\"{id}\"")), "{scenario}: #{id}");
        }
        let (over, scroll) = overflow_at(chromium, &page, 1400);
        assert!(over.is_empty(), "{scenario}: tables past 1400 px: {over:?}");
        assert_eq!(scroll, 0, "{scenario}: the page scrolls sideways");
    }
}
