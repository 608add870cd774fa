//! The `sim` binary: exit codes, error messages and output files.

use std::path::Path;
use std::process::Command;

use crate::common::*;

#[test]
fn run_prints_a_summary_and_exits_0() {
    let o = sim(&["run", "scenarios/filter-examples.ron", "--verbose"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(out.starts_with("Scenario filter-examples (seed 3, 10s simulated, 13 flows)"));
    assert!(out.contains("tms-0a00000000000001"));
    // The speed line (--verbose) goes to stderr, never into the
    // deterministic output.
    assert!(stderr(&o).contains("packets/s"));
    assert!(!out.contains("packets/s"));
}

#[test]
fn run_json_out_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = sim(&[
        "run",
        "scenarios/filter-examples.ron",
        "--format",
        "json",
        "--seed",
        "5",
        "--duration",
        "2s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["schema_version"], 3);
    assert_eq!(json["scenario"]["seed"], 5);
    assert_eq!(json["scenario"]["duration_ns"], 2_000_000_000u64);
    // 100 pps x 2 s of SSH from my-network, all rejected.
    assert_eq!(
        json["sources"][0]["ingress"]["outcomes"][0]["reason"],
        "filter_reject"
    );
    assert_eq!(json["sources"][0]["ingress"]["outcomes"][0]["packets"], 200);
    let written = std::fs::read(out.join("report.json")).unwrap();
    assert_eq!(
        written, o.stdout,
        "report.json is what --format json prints"
    );
    assert!(out.join("summary.txt").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    // Only the list of what the run wrote (for the next run into out/).
    assert_eq!(leftovers, [".sim-files-run"], "no temporary files left");
}

#[test]
fn check_reports_a_valid_scenario() {
    let o = sim(&["check", "scenarios/tcp-udp-split.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("valid"), "{out}");
    assert!(out.contains("2 sessions"), "{out}");
}

/// Runs `sim run` and `sim check` on a broken file; both must exit 2, name
/// the file, line and column, write nothing, and never panic.
fn assert_refused(text: &str, expect_line: usize, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.ron");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    for args in [
        vec![
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        vec!["check", file.to_str().unwrap()],
    ] {
        let o = sim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let at = format!("{}:{expect_line}:", file.display());
        assert!(err.contains(&at), "expected {at} in:\n{err}");
        for e in expect {
            assert!(err.contains(e), "expected `{e}` in:\n{err}");
        }
        assert!(o.stdout.is_empty(), "no partial output");
        assert!(!Path::new(&out).exists(), "no output directory");
    }
}

fn valid() -> String {
    std::fs::read_to_string(root().join("scenarios/tcp-single-appliance.ron")).unwrap()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

#[test]
fn bad_input_syntax_error() {
    let t = valid().replace(
        r#"name: "tcp-single-appliance","#,
        r#"name: "tcp-single-appliance"#,
    );
    // The unterminated string runs on; RON reports where it gives up.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.ron");
    std::fs::write(&file, &t).unwrap();
    let o = sim(&["check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error[InvalidScenarioFile]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_input_misspelt_field() {
    let t = valid().replace(r#"duration: "10s","#, r#"duraton: "10s","#);
    assert_refused(&t, line_of(&t, "duraton"), &["duraton", "expected one of"]);
}

#[test]
fn bad_input_wrong_type() {
    let t = valid().replace("seed: 1,", r#"seed: "one","#);
    assert_refused(&t, line_of(&t, r#"seed: "one""#), &["InvalidScenarioFile"]);
}

#[test]
fn bad_input_unparsable_unit() {
    let t = valid().replace(r#"duration: "10s","#, r#"duration: "10 parsecs","#);
    assert_refused(&t, line_of(&t, "parsecs"), &["parsecs", "ms"]);
}

#[test]
fn bad_input_reference_to_a_missing_target() {
    let t = valid().replace(
        r#"traffic_mirror_target_id: "tmt-0a1a1a1a1a1a1a1a1""#,
        r#"traffic_mirror_target_id: "tmt-0missing""#,
    );
    assert_refused(
        &t,
        line_of(&t, "tmt-0missing"),
        &["InvalidTrafficMirrorTargetId.NotFound", "tmt-0missing"],
    );
}

#[test]
fn bad_input_session_number_out_of_range() {
    let t = valid().replace("session_number: 1,", "session_number: 40000,");
    assert_refused(
        &t,
        line_of(&t, "session_number: 40000"),
        &["InvalidParameterValue", "1..=32766"],
    );
}

#[test]
fn bad_input_reports_every_problem_at_once() {
    let t = valid()
        .replace("session_number: 1,", "session_number: 0,")
        .replace(
            r#"destination_port: 8125"#,
            r#"destination_port: 8125, count: 0"#,
        );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.ron");
    std::fs::write(&file, &t).unwrap();
    let o = sim(&["check", file.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("session number 0"), "{err}");
    assert!(err.contains("count must be at least 1"), "{err}");
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn bad_input_unreadable_empty_and_binary_files() {
    let o = sim(&["run", "scenarios/no-such-file.ron"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read scenarios/no-such-file.ron"));
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.ron", Vec::new()),
        ("binary.ron", (0u8..=255).cycle().take(4096).collect()),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let o = sim(&["run", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(sim(&["run"]).status.code(), Some(2));
    assert_eq!(sim(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        sim(&["run", "scenarios/tcp-udp-split.ron", "--duration", "soon"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(sim(&["--help"]).status.code(), Some(0));
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    // `sim run ... | head -1`: the pipe closes before sim writes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["run", "scenarios/filter-examples.ron", "--format", "json"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn graph_draws_the_network_as_dot_or_svg_and_refuses_bad_input() {
    let o = sim(&["graph", "scenarios/peering-cross-vpc.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dot = String::from_utf8(o.stdout).unwrap();
    assert!(dot.starts_with("digraph {"));
    // The two sessions: one reaches its appliance over intra-Region
    // peering (green), one would cross an inter-Region peering (red).
    assert_eq!(dot.matches("color = \"green\"").count(), 1, "{dot}");
    assert_eq!(dot.matches("color = \"red\"").count(), 1, "{dot}");
    assert!(dot.contains("peering\\npcx-0appsec00000001"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("net.svg");
    let o = sim(&[
        "graph",
        "scenarios/peering-cross-vpc.ron",
        "--format",
        "svg",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(o.stdout.is_empty());
    // A broken scenario: exit 2, and nothing written.
    let bad = dir.path().join("bad.ron");
    std::fs::write(&bad, "Scenario(").unwrap();
    let out = dir.path().join("bad.svg");
    let o = sim(&["graph", bad.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

/// The guide's first example with three flows starting after the run's
/// end, one of them of 8,996-byte packets (over its target's 8,947): three
/// warnings of one code (InvalidTraffic).
fn late_flows() -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string(root().join("scenarios/tcp-single-appliance.ron"))
        .unwrap()
        .replacen(
            "rate: \"100pps\", size: Fixed(\"8947B\")),",
            "rate: \"100pps\", size: Fixed(\"8947B\"), start: \"20s\"),
        Flow(name: \"jumbo-cut\", from: \"eni-0app00000000000001\", to: \"eni-0source0000000001\", protocol: Tcp,
             destination_port: 8081, rate: \"100pps\", size: Fixed(\"8996B\"), start: \"20s\"),",
            1,
        )
        .replacen("rate: \"500pps\",", "rate: \"500pps\", start: \"20s\",", 1);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("late.ron");
    std::fs::write(&f, text).unwrap();
    let shown = f.display().to_string();
    (dir, shown)
}

#[test]
fn warnings_are_one_line_each_grouped_by_code_with_snippets_under_verbose() {
    let (_dir, f) = late_flows();
    let o = sim(&["check", &f]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    // One line per code: the first of the three late flows (line 49), and
    // the other two (lines 51 and 54) counted on it.
    let late: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("warning[InvalidTraffic]"))
        .collect();
    assert_eq!(late.len(), 1, "{err}");
    assert!(
        late[0].contains("late.ron:49:76: warning[InvalidTraffic]: jumbo-whole"),
        "{err}"
    );
    assert!(
        late[0].ends_with("(and 2 more like it, at 51:76, 54:54)"),
        "{err}"
    );
    // MTU-04 is not said: the jumbo flows never send, and the rest fit.
    assert!(!err.contains("MtuMismatch"), "{err}");
    assert!(!err.contains(" | "), "no snippet by default: {err}");
    // --verbose: each with its line.
    let v = stderr(&sim(&["check", &f, "--verbose"]));
    assert_eq!(v.matches("warning[InvalidTraffic]").count(), 3, "{v}");
    assert!(v.contains(" | "), "{v}");
    // --quiet: none.
    let q = sim(&["check", &f, "--quiet"]);
    assert_eq!(q.status.code(), Some(0));
    assert!(!stderr(&q).contains("warning"), "{}", stderr(&q));
    // --deny-warnings: refused, nothing checked further.
    let d = sim(&["run", &f, "--deny-warnings"]);
    assert_eq!(d.status.code(), Some(2));
    assert!(stderr(&d).contains("warnings denied (--deny-warnings); nothing was run"));
    assert!(d.stdout.is_empty());
}

#[test]
fn the_speed_line_is_verbose_only_and_help_lists_the_exit_codes() {
    let quiet = sim(&["run", "scenarios/tcp-udp-split.ron", "--duration", "10ms"]);
    assert!(!stderr(&quiet).contains("packets/s"), "{}", stderr(&quiet));
    let v = sim(&[
        "run",
        "scenarios/tcp-udp-split.ron",
        "--duration",
        "10ms",
        "-v",
    ]);
    assert!(stderr(&v).contains("packets/s of wall time") || stderr(&v).contains("packets/s"));
    let help = String::from_utf8_lossy(&sim(&["--help"]).stdout).to_string();
    assert!(
        help.contains("Exit codes:") && help.contains("  1  run: an expectation"),
        "{help}"
    );
}

#[test]
fn report_json_and_html_carry_the_scenario_warnings() {
    // tcp-udp-split warns MtuMismatch at its second session's target
    // (line 44, column 17): a 9001-byte source, a 1500-byte appliance.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = sim(&[
        "run",
        "scenarios/tcp-udp-split.ron",
        "--duration",
        "10ms",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let w = &j["scenario_warnings"][0];
    assert_eq!(
        (&w["code"], &w["line"], &w["column"]),
        (&"MtuMismatch".into(), &44.into(), &17.into())
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("scenario warning[MtuMismatch] at line 44, column 17"));
}

#[test]
fn a_run_states_the_scenario_warnings_once_in_its_report() {
    // tcp-udp-split's one warning (MTU-04 at line 44): the summary on
    // stdout says it; stderr does not say it again, unless --verbose.
    let args = ["run", "scenarios/tcp-udp-split.ron", "--duration", "10ms"];
    let o = sim(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.matches("scenario warning[MtuMismatch]").count(),
        1,
        "{out}"
    );
    let v = sim(&[&args[..], &["--verbose"]].concat());
    assert_eq!(stderr(&v).matches("warning[MtuMismatch]").count(), 1);
    // `sim check` is where they are said on stderr.
    let c = sim(&["check", "scenarios/tcp-udp-split.ron"]);
    assert!(
        stderr(&c).contains("warning[MtuMismatch]"),
        "{}",
        stderr(&c)
    );
}

#[test]
fn a_run_into_an_earlier_runs_directory_leaves_nothing_stale() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let first = sim(&[
        "run",
        "scenarios/gwlb-spokes.ron",
        "--duration",
        "50ms",
        "--pcap",
        "--out",
        out_s,
        "-q",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(out.join("pcap").is_dir());
    let old_charts: Vec<_> = std::fs::read_dir(out.join("charts")).unwrap().collect();
    assert!(!old_charts.is_empty());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    // Another scenario, no pcaps: the first run's pcaps and charts go, the
    // user's file stays.
    let second = sim(&[
        "run",
        "scenarios/tcp-udp-split.ron",
        "--duration",
        "10ms",
        "--out",
        out_s,
        "-q",
    ]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(!out.join("pcap").exists(), "stale pcaps left");
    // What is left is what the second run writes into a fresh directory,
    // plus the user's file.
    let fresh = dir.path().join("fresh");
    let third = sim(&[
        "run",
        "scenarios/tcp-udp-split.ron",
        "--duration",
        "10ms",
        "--out",
        fresh.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(third.status.code(), Some(0));
    let listing = |d: &std::path::Path| {
        let mut v: Vec<String> = Vec::new();
        for sub in ["", "charts"] {
            for e in std::fs::read_dir(d.join(sub)).unwrap() {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                if name != "notes.txt" {
                    v.push(format!("{sub}/{name}"));
                }
            }
        }
        v.sort();
        v
    };
    assert_eq!(listing(&out), listing(&fresh));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn metrics_csv_lists_every_period_resource_and_metric_under_aws_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = sim(&[
        "run",
        "scenarios/gwlb-spokes.ron",
        "--duration",
        "30s",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("timestamp,namespace,dimension,resource,metric,statistic,unit,value")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 8));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    // gwlb-spokes counts in 10 s periods: 30 s is three, starting at the
    // capture epoch, 2026-01-01T00:00:00Z.
    let instances = report["instances"].as_array().unwrap();
    assert!(!instances.is_empty());
    for inst in instances {
        let id = inst["instance_id"].as_str().unwrap();
        for s in inst["cloudwatch"]["series"].as_array().unwrap() {
            let name = s["name"].as_str().unwrap();
            let mine: Vec<&Vec<&str>> = rows
                .iter()
                .filter(|r| r[1] == "AWS/EC2" && r[2] == "InstanceId" && r[3] == id && r[4] == name)
                .collect();
            let times: Vec<&str> = mine.iter().map(|r| r[0]).collect();
            assert_eq!(
                times,
                [
                    "2026-01-01T00:00:00.000Z",
                    "2026-01-01T00:00:10.000Z",
                    "2026-01-01T00:00:20.000Z"
                ]
            );
            let values: Vec<u64> = mine.iter().map(|r| r[7].parse().unwrap()).collect();
            let json: Vec<u64> = s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert_eq!(values, json, "{id} {name}");
            let unit = if name.starts_with("NetworkPackets") {
                "Count"
            } else {
                "Bytes"
            };
            assert!(mine.iter().all(|r| r[5] == "Sum" && r[6] == unit));
        }
    }
    assert!(
        rows.iter()
            .any(|r| r[1] == "mirrorsim" && r[2] == "TrafficMirrorSessionId")
    );
}

#[test]
fn check_format_json_gives_problems_resources_paths_and_work() {
    let o = sim(&[
        "check",
        "scenarios/tcp-udp-split.ron",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["valid"], true);
    assert_eq!(j["resources"]["traffic_mirror_sessions"], 2);
    // Its one warning, located as `sim check` prints it (44:17).
    let p = &j["problems"][0];
    assert_eq!(
        (&p["severity"], &p["code"], &p["line"], &p["column"]),
        (
            &"warning".into(),
            &"MtuMismatch".into(),
            &44.into(),
            &17.into()
        )
    );
    let s = &j["sessions"][0];
    assert_eq!(s["traffic_mirror_session_id"], "tms-0100000000000001");
    assert_eq!(s["copies_arrive"], true);
    assert!(!s["paths"][0]["path"].as_array().unwrap().is_empty());
    assert!(j["work"]["packets"].as_u64().unwrap() > 0);
    // A refused scenario: exit 2, and the JSON says why.
    let o = sim(&[
        "check",
        "scenarios/invalid/06-bad-cidr.ron",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["valid"], false);
    assert_eq!(j["problems"][0]["severity"], "error");
    assert_eq!(j["problems"][0]["code"], "InvalidParameterValue");
    assert!(j["sessions"].as_array().unwrap().is_empty());
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let o = sim(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&o.stdout);
        for word in ["check", "sweep", "explain", "deny-warnings"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    let o = sim(&["manpage"]);
    assert_eq!(o.status.code(), Some(0));
    let man = String::from_utf8_lossy(&o.stdout);
    assert!(man.starts_with(".ie") && man.contains(".TH sim 1"), "{man}");
    assert!(man.contains("Exit codes"), "{man}");
}

#[test]
fn every_init_template_passes_check_and_init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    for t in ["eni", "nlb-fleet", "gwlb", "tgw-hub"] {
        let f = dir.path().join(format!("{t}.ron"));
        let o = sim(&["init", t, "-o", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{t}: {}", stderr(&o));
        let c = sim(&["check", f.to_str().unwrap(), "-q"]);
        assert_eq!(c.status.code(), Some(0), "{t}: {}", stderr(&c));
        // Again into the same file: refused, the file unchanged.
        let again = sim(&["init", "eni", "-o", f.to_str().unwrap()]);
        assert_eq!(again.status.code(), Some(2));
        assert!(stderr(&again).contains("exists"));
    }
    // To standard output by default.
    let o = sim(&["init"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("Scenario("));
}

#[test]
fn the_scenario_schema_is_generated_from_the_loader_and_kept_current() {
    // docs/scenario.schema.json is `sim schema`'s output: regenerate it
    // (`cargo run -- schema > docs/scenario.schema.json`) when the format
    // changes.
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let committed = std::fs::read_to_string(root().join("docs/scenario.schema.json")).unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout) == committed,
        "docs/scenario.schema.json is out of date: run `cargo run -- schema > docs/scenario.schema.json`"
    );
    let j: serde_json::Value = serde_json::from_str(&committed).unwrap();
    // Every top-level field of the format, with the loader's own words.
    let fields = j["properties"].as_object().unwrap();
    for f in [
        "vpcs",
        "instances",
        "network_load_balancers",
        "traffic_mirror_sessions",
        "traffic",
        "settings",
        "expect",
    ] {
        assert!(fields.contains_key(f), "{f}");
    }
    assert_eq!(j["required"], serde_json::json!(["name", "duration"]));
    let defs = j["$defs"].as_object().unwrap();
    assert!(
        defs["Fleet"]["properties"]
            .as_object()
            .unwrap()
            .contains_key("instance_type")
    );
    assert_eq!(defs["Duration"]["type"], "string");
}

#[test]
fn generated_scenarios_of_every_size_pass_check() {
    // `sim generate`: 1 source (100 flows), 150 ENI-target sources (two
    // sets of appliances, as a target takes 100 sources: TGT-12), and an
    // NLB fleet; each loads and checks clean, with the flows asked for.
    for (sources, connections, targets) in [
        ("1", "50", "eni"),
        ("150", "10", "eni"),
        ("120", "5", "nlb"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_sim"))
            .args([
                "generate",
                "--sources",
                sources,
                "--connections",
                connections,
                "--targets",
                targets,
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        let text = String::from_utf8(o.stdout).unwrap();
        let loaded = sim_core::load("generated.ron", &text, &Default::default())
            .unwrap_or_else(|e| panic!("{sources} {targets}: {e}"));
        let flows: usize =
            sources.parse::<usize>().unwrap() * connections.parse::<usize>().unwrap() * 2;
        assert_eq!(loaded.scenario.flows.len(), flows);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["generate", "--sources", "25001"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// `sim export terraform FILE` on standard output.
fn export_terraform(file: &str) -> String {
    let o = sim(&["export", "terraform", file]);
    assert_ok(&o);
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn export_terraform_writes_the_mirror_configuration_as_terraform_formats_it() {
    // gwlb-spokes: Target A and B are the spokes' GWLB endpoints, one
    // filter with one inbound rule, two sessions.
    let hcl = export_terraform("scenarios/gwlb-spokes.ron");
    let count = |kind: &str| hcl.matches(&format!("resource \"{kind}\"")).count();
    assert_eq!(count("aws_ec2_traffic_mirror_target"), 2);
    assert_eq!(count("aws_ec2_traffic_mirror_filter"), 1);
    assert_eq!(count("aws_ec2_traffic_mirror_filter_rule"), 1);
    assert_eq!(count("aws_ec2_traffic_mirror_session"), 2);
    assert!(hcl.contains(r#"gateway_load_balancer_endpoint_id = "vpce-0spoke1000000001""#));
    assert!(hcl.contains(
        "traffic_mirror_target_id = aws_ec2_traffic_mirror_target.tmt-0spoke1000000001.id"
    ));
    // SES-04: no VNI in the scenario, none exported (AWS chooses); the
    // guide's example sets 100, and it is kept.
    assert!(!hcl.contains("virtual_network_id"));
    let guide = export_terraform("scenarios/tcp-single-appliance.ron");
    assert!(guide.contains("virtual_network_id       = 100"), "{guide}");
    // The layout is terraform fmt's: where Terraform is installed, every
    // shipped scenario's export passes `terraform fmt -check`.
    let Ok(fmt) = Command::new("terraform").arg("version").output() else {
        eprintln!("terraform not installed: the fmt check is skipped");
        return;
    };
    assert!(fmt.status.success());
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "ron") {
            continue;
        }
        let hcl = export_terraform(path.to_str().unwrap());
        let mut child = Command::new("terraform")
            .args(["fmt", "-check", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(hcl.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}: terraform fmt -check: {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Copies a directory tree (the fixture snapshots are small).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn import_aws_reads_a_snapshot_into_a_scenario_that_checks() {
    // tests/fixtures/aws/guide-example: the guide's example as the AWS CLI
    // prints it, in ACCOUNT/REGION/ folders, one describe call per file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.ron");
    let (text, s) = imported(&["import", "aws", "tests/fixtures/aws/guide-example"], &out);
    let t = &s.topology;
    assert_eq!(
        (
            t.vpcs.len(),
            t.subnets.len(),
            t.instances.len(),
            t.enis.len()
        ),
        (1, 2, 2, 2)
    );
    assert_eq!(
        (t.targets.len(), t.filters.len(), t.sessions.len()),
        (1, 1, 1)
    );
    let session = &t.sessions[0];
    assert_eq!(
        (
            session.virtual_network_id,
            session.packet_length,
            session.session_number
        ),
        (100, Some(8500), 1)
    );
    assert_eq!(t.filters[0].ingress_filter_rules[0].protocol, Some(6));
    // Each resource names where it came from; what is not imported is a
    // note with its count.
    assert!(
        text.contains("// 123456789012/us-east-1/instances.json: $.Reservations[1].Instances[0]")
    );
    assert!(text.contains(
        "// - routes: 1 to transit gateways, NAT gateways, ENIs or peering connections the \
         snapshot lacks (first 123456789012/us-east-1/route-tables.json: $.RouteTables[1].Routes[1])"
    ));
    // Route tables and ACLs with their associations: subnet 2 uses its own
    // of each, whose ACL admits VXLAN from the VPC (rule 32767, the
    // implicit deny, is not written).
    assert_eq!((t.route_tables.len(), t.network_acls.len()), (2, 2));
    assert!(
        text.contains(r#"route_table: "rtb-0tools00000001", network_acl: "acl-0tools00000001""#)
    );
    assert!(!text.contains("32767"));
    // The appliance's security group admits VXLAN from the web group: the
    // copies arrive (sim check's path).
    let check = sim(&["check", out.to_str().unwrap()]);
    assert_ok(&check);
    assert!(String::from_utf8_lossy(&check.stdout).contains("copies arrive"));
}

#[test]
fn import_aws_keeps_a_route_to_a_peering_connection_of_the_snapshot() {
    // The fixture's tools table routes 172.31.0.0/16 to pcx-0abc0000000001;
    // with that peering (to a second VPC) in the snapshot, the route is
    // imported and the note about it goes.
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    copy_tree(&root().join("tests/fixtures/aws/guide-example"), &snap);
    let region = snap.join("123456789012/us-east-1");
    std::fs::write(
        region.join("peer-vpcs.json"),
        serde_json::json!({ "Vpcs": [{ "VpcId": "vpc-0peer000000000001", "OwnerId": "123456789012",
            "CidrBlock": "172.31.0.0/16", "State": "available" }] })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        region.join("peering.json"),
        serde_json::json!({ "VpcPeeringConnections": [{
            "VpcPeeringConnectionId": "pcx-0abc0000000001",
            "RequesterVpcInfo": { "VpcId": "vpc-0c0ffee000000001", "OwnerId": "123456789012", "Region": "us-east-1" },
            "AccepterVpcInfo": { "VpcId": "vpc-0peer000000000001", "OwnerId": "123456789012", "Region": "us-east-1" },
            "Status": { "Code": "active", "Message": "Active" }
        }]})
        .to_string(),
    )
    .unwrap();
    let out = dir.path().join("peered.ron");
    let o = sim(&[
        "import",
        "aws",
        snap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains(
        r#"Route(destination_cidr_block: "172.31.0.0/16", target: "pcx-0abc0000000001")"#
    ));
    assert!(!text.contains("// - routes:"));
    let s = sim_core::load("peered.ron", &text, &Default::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .scenario;
    assert_eq!(s.topology.peering_connections.len(), 1);
}

#[test]
fn import_aws_with_flow_logs_gives_the_scenario_their_traffic() {
    // The guide's Filter 1 mirrors inbound TCP only. The log's HTTPS in,
    // 120 packets of 1,000 bytes over 60 s (2 pps), is mirrored and
    // delivered; its DNS in, 60 UDP packets, matches no rule.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.ron");
    let log = root().join("tests/fixtures/aws/guide-example.flow.log");
    let o = sim(&[
        "import",
        "aws",
        "tests/fixtures/aws/guide-example",
        "--flow-logs",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let o = sim(&["run", out.to_str().unwrap(), "--format", "json"]);
    assert_ok(&o);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &j["totals"];
    assert_eq!(c["generated"]["packets"], 180);
    assert_eq!(c["delivered"]["packets"], 120);
    assert_eq!(c["delivered"]["bytes"], 120_000);
    assert_eq!(c["not_mirrored"]["packets"], 60);
}

#[test]
fn import_aws_names_the_file_and_path_of_a_missing_reference_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    copy_tree(&root().join("tests/fixtures/aws/guide-example"), &snap);
    let region = snap.join("123456789012/us-east-1");
    std::fs::remove_file(region.join("traffic-mirror-targets.json")).unwrap();
    let out = dir.path().join("x.ron");
    let o = sim(&[
        "import",
        "aws",
        snap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_exit_2_saying(
        &o,
        "123456789012/us-east-1/traffic-mirror-sessions.json: $.TrafficMirrorSessions[0].TrafficMirrorTargetId: \
             traffic mirror target tmt-0a1a1a1a1a1a1a1a1 is not in the snapshot",
    );
    assert!(!out.exists());
    // A file that is not JSON: its line and column.
    std::fs::write(region.join("broken.json"), "{\n  \"Vpcs\": [\n").unwrap();
    let o = sim(&["import", "aws", snap.to_str().unwrap()]);
    assert_exit_2_saying(&o, "broken.json: 3:0: not JSON");
}

#[test]
fn import_aws_reads_load_balancers_their_targets_cross_zone_and_gwlb_endpoints() {
    // nlb-example: the guide's example with Target A an NLB ("ids") whose
    // target group forwards UDP 4789 to the appliance, cross-zone on (its
    // attributes file is named after it), beside an Application Load
    // Balancer the twin does not model (a note).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nlb.ron");
    let (text, s) = imported(&["import", "aws", "tests/fixtures/aws/nlb-example"], &out);
    let nlb = &s.topology.network_load_balancers[0];
    assert!(nlb.cross_zone && nlb.udp_4789_listener);
    assert_eq!((nlb.nodes.len(), nlb.targets.len()), (2, 1));
    assert!(text.contains("// - load balancers of a kind the twin does not model: 1"));
    // The same as a Gateway Load Balancer behind an endpoint in subnet 1:
    // the endpoint's service names the load balancer.
    let snap = dir.path().join("gwlb");
    copy_tree(&root().join("tests/fixtures/aws/nlb-example"), &snap);
    let region = snap.join("123456789012/us-east-1");
    let edit = |file: &str, f: &dyn Fn(&mut serde_json::Value)| {
        let path = region.join(file);
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&path, v.to_string()).unwrap();
    };
    let gwlb =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/gwy/ids/50dc6c495c0c9188";
    edit("load-balancers.json", &|v| {
        v["LoadBalancers"][0]["Type"] = "gateway".into();
        v["LoadBalancers"][0]["LoadBalancerArn"] = gwlb.into();
    });
    edit("target-groups.json", &|v| {
        v["TargetGroups"][0]["LoadBalancerArns"][0] = gwlb.into();
    });
    edit("listeners.json", &|v| {
        *v = serde_json::json!({ "Listeners": [] })
    });
    edit("traffic-mirror-targets.json", &|v| {
        let t = v["TrafficMirrorTargets"][0].as_object_mut().unwrap();
        t.remove("NetworkLoadBalancerArn");
        t.insert(
            "GatewayLoadBalancerEndpointId".into(),
            "vpce-0ids000000000001".into(),
        );
    });
    std::fs::write(
        region.join("vpc-endpoints.json"),
        serde_json::json!({ "VpcEndpoints": [{
            "VpcEndpointId": "vpce-0ids000000000001", "VpcEndpointType": "GatewayLoadBalancer",
            "VpcId": "vpc-0c0ffee000000001", "ServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0ids0000000001",
            "State": "available", "SubnetIds": ["subnet-0c0ffee00000001"], "NetworkInterfaceIds": ["eni-0gwe000000000001"]
        }]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        region.join("endpoint-services.json"),
        serde_json::json!({ "ServiceConfigurations": [{
            "ServiceType": [{"ServiceType": "GatewayLoadBalancer"}], "ServiceId": "vpce-svc-0ids0000000001",
            "ServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0ids0000000001", "ServiceState": "Available",
            "GatewayLoadBalancerArns": [gwlb]
        }]})
        .to_string(),
    )
    .unwrap();
    let out = dir.path().join("gwlb.ron");
    let (_, s) = imported(&["import", "aws", snap.to_str().unwrap()], &out);
    assert_eq!(s.topology.gateway_load_balancers[0].targets.len(), 1);
    assert_eq!(s.topology.gwlb_endpoints[0].id, "vpce-0ids000000000001");
    // Without the service configurations, the endpoint's load balancer is
    // unknown: an error at the endpoint's path.
    std::fs::remove_file(region.join("endpoint-services.json")).unwrap();
    let o = sim(&["import", "aws", snap.to_str().unwrap()]);
    assert_exit_2_saying(&o, "vpc-endpoints.json: $.VpcEndpoints[0].ServiceName");
}

#[test]
fn import_terraform_lays_a_plan_over_its_base_snapshot() {
    // The plan replaces the guide's session (deleted) with one from the
    // web server to a new ENI target through a new HTTPS filter; the new
    // ids are unknown until apply: placeholders from their addresses,
    // named at the head, and the references between them resolved.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.ron");
    let (text, s) = imported(
        &[
            "import",
            "terraform",
            "tests/fixtures/terraform/add-ids-session.plan.json",
            "--base",
            "tests/fixtures/aws/guide-example",
        ],
        &out,
    );
    assert!(text.contains("//   aws_ec2_traffic_mirror_session.web = tms-plan-web"));
    assert!(text.contains("// - aws_cloudwatch_log_group: 1: not a resource this import reads."));
    let t = &s.topology;
    assert_eq!(t.sessions.len(), 1, "the guide's session is deleted");
    let m = &t.sessions[0];
    assert_eq!(m.id, "tms-plan-web");
    assert_eq!(t.target(m.target).id, "tmt-plan-ids");
    let f = &t.filters[m.filter.index()];
    assert_eq!(f.id, "tmf-plan-https");
    let rule = &f.ingress_filter_rules[0];
    assert_eq!((rule.rule_number, rule.protocol), (100, Some(6)));
    assert_eq!(
        rule.destination_port_range
            .map(|r| (r.from_port, r.to_port)),
        Some((443, 443))
    );
    // The check a CI would run before apply: the copies arrive.
    let check = sim(&["check", out.to_str().unwrap()]);
    assert_ok(&check);
    assert!(String::from_utf8_lossy(&check.stdout).contains("copies arrive"));
    // Without the base, the plan names ENIs nothing declares: errors at
    // the plan's resources, nothing written.
    let alone = dir.path().join("alone.ron");
    let o = sim(&[
        "import",
        "terraform",
        "tests/fixtures/terraform/add-ids-session.plan.json",
        "-o",
        alone.to_str().unwrap(),
    ]);
    assert_exit_2_saying(
        &o,
        "add-ids-session.plan.json#aws_ec2_traffic_mirror_session.web: $.TrafficMirrorSessions[0].NetworkInterfaceId: ENI eni-0source0000000001 is not in the snapshot",
    );
    assert!(!alone.exists());
}

#[test]
fn import_aws_reads_a_transit_gateway_its_attachments_tables_and_static_routes() {
    // The guide's VPC attached to a transit gateway; its table associates
    // and propagates the attachment and blackholes 10.99.0.0/16 (a static
    // route; the propagated one comes from the propagation). Propagations
    // and routes name no table: their files are named after it.
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    copy_tree(&root().join("tests/fixtures/aws/guide-example"), &snap);
    let region = snap.join("123456789012/us-east-1");
    let write = |file: &str, v: serde_json::Value| {
        std::fs::write(region.join(file), v.to_string()).unwrap()
    };
    write(
        "tgw.json",
        serde_json::json!({ "TransitGateways": [{
        "TransitGatewayId": "tgw-0hub000000000001", "OwnerId": "123456789012", "State": "available",
        "Options": { "SecurityGroupReferencingSupport": "disable", "DefaultRouteTableAssociation": "disable" } }] }),
    );
    write(
        "tgw-vpc-attachments.json",
        serde_json::json!({ "TransitGatewayVpcAttachments": [{
        "TransitGatewayAttachmentId": "tgw-attach-0guide00000001", "TransitGatewayId": "tgw-0hub000000000001",
        "VpcId": "vpc-0c0ffee000000001", "SubnetIds": ["subnet-0c0ffee00000001"], "State": "available" }] }),
    );
    write(
        "tgw-attachments.json",
        serde_json::json!({ "TransitGatewayAttachments": [{
        "TransitGatewayAttachmentId": "tgw-attach-0guide00000001", "TransitGatewayId": "tgw-0hub000000000001",
        "ResourceType": "vpc", "ResourceId": "vpc-0c0ffee000000001", "State": "available",
        "Association": { "TransitGatewayRouteTableId": "tgw-rtb-0hub00000000001", "State": "associated" } }] }),
    );
    write(
        "tgw-route-tables.json",
        serde_json::json!({ "TransitGatewayRouteTables": [{
        "TransitGatewayRouteTableId": "tgw-rtb-0hub00000000001", "TransitGatewayId": "tgw-0hub000000000001", "State": "available" }] }),
    );
    write(
        "tgw-rtb-0hub00000000001-propagations.json",
        serde_json::json!({ "TransitGatewayRouteTablePropagations": [{
        "TransitGatewayAttachmentId": "tgw-attach-0guide00000001", "ResourceId": "vpc-0c0ffee000000001",
        "ResourceType": "vpc", "State": "enabled" }] }),
    );
    write(
        "tgw-rtb-0hub00000000001-routes.json",
        serde_json::json!({ "Routes": [
        { "DestinationCidrBlock": "10.0.0.0/16", "Type": "propagated", "State": "active",
          "TransitGatewayAttachments": [{ "TransitGatewayAttachmentId": "tgw-attach-0guide00000001" }] },
        { "DestinationCidrBlock": "10.99.0.0/16", "Type": "static", "State": "blackhole" } ],
        "AdditionalRoutesAvailable": false }),
    );
    let out = dir.path().join("tgw.ron");
    let o = sim(&[
        "import",
        "aws",
        snap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(
            r#"TgwRouteTable(id: "tgw-rtb-0hub00000000001", associations: ["tgw-attach-0guide00000001"], propagations: ["tgw-attach-0guide00000001"], routes: [TgwRoute(destination_cidr_block: "10.99.0.0/16", blackhole: true)])"#
        ),
        "{text}"
    );
    let s = sim_core::load("tgw.ron", &text, &Default::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .scenario;
    assert_eq!(s.topology.transit_gateways.len(), 1);
}

#[test]
fn import_aws_refuses_an_id_listed_twice_and_a_list_that_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    copy_tree(&root().join("tests/fixtures/aws/guide-example"), &snap);
    let region = snap.join("123456789012/us-east-1");
    std::fs::copy(
        region.join("describe-vpcs.json"),
        region.join("vpcs-again.json"),
    )
    .unwrap();
    std::fs::write(
        region.join("odd.json"),
        r#"{"Subnets": {"SubnetId": "subnet-0x"}}"#,
    )
    .unwrap();
    let o = sim(&["import", "aws", snap.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(
            "vpcs-again.json: $.Vpcs[0].VpcId: vpc-0c0ffee000000001 is listed twice, also at "
        ) && err.contains("describe-vpcs.json: $.Vpcs[0]"),
        "{err}"
    );
    assert!(err.contains("odd.json: $.Subnets: not a list"), "{err}");
}

#[test]
fn import_aws_gives_a_vpc_of_another_regions_folder_its_region() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    copy_tree(&root().join("tests/fixtures/aws/guide-example"), &snap);
    let eu = snap.join("123456789012/eu-west-1");
    std::fs::create_dir_all(&eu).unwrap();
    std::fs::write(
        eu.join("vpcs.json"),
        serde_json::json!({ "Vpcs": [{ "VpcId": "vpc-0eu0000000000001", "OwnerId": "123456789012",
            "CidrBlock": "10.50.0.0/16", "State": "available" }] })
        .to_string(),
    )
    .unwrap();
    let out = dir.path().join("two.ron");
    let (_, s) = imported(&["import", "aws", snap.to_str().unwrap()], &out);
    let regions: Vec<(&str, &str)> = s
        .topology
        .vpcs
        .iter()
        .map(|v| (v.id.as_str(), v.region.as_str()))
        .collect();
    assert!(
        regions.contains(&("vpc-0eu0000000000001", "eu-west-1")),
        "{regions:?}"
    );
    assert!(
        !regions.contains(&("vpc-0c0ffee000000001", "eu-west-1")),
        "{regions:?}"
    );
}
