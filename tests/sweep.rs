//! `sim sweep`: grids of runs, their knee, and each point equal to running
//! it alone.

use std::process::{Command, Output};

use crate::common::*;

const NLB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/ids/0123456789abcdef";

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn fleets(n: usize) -> String {
    (1..=n)
        .map(|k| {
            let ids: Vec<String> = (1..=k).map(|i| format!("\"i-0ids{i}000000001\"")).collect();
            format!("[{}]", ids.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn pct(v: &serde_json::Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn the_instance_type_sweep_starts_holding_where_the_arithmetic_says() {
    // plan-instance-type: 5 Gbps in, 3 Gbps out, 1500-byte packets, all
    // mirrored. Copies need 8 x 1550 / 1500 = 8.267 Gbps of egress beside
    // the 3 Gbps of production. At 10 Gbps (c5a.8xlarge, m5.8xlarge) 7 are
    // left: 1 - 7 / 8.267 = 15.3 % of copies skipped; at 12 Gbps
    // (c5.9xlarge: AWS's table gives 12, not 10) 9 are left, at 20
    // (m5.16xlarge) 17: none skipped. The objective (skipped at most 0.1 %)
    // starts holding at c5.9xlarge.
    let dir = tempfile::tempdir().unwrap();
    let o = sim(&[
        "sweep",
        "scenarios/plan-instance-type.ron",
        "--duration",
        "200ms",
        "--vary",
        "i-0web0000000000001.instance_type=c5a.8xlarge,m5.8xlarge,c5.9xlarge,m5.16xlarge",
        "--format",
        "json",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for r in &rows[..2] {
        let skipped = pct(&r["skipped_percent"]);
        assert!((skipped - 15.32).abs() < 0.3, "{skipped}");
        assert_eq!(r["holds"], false);
    }
    for r in &rows[2..] {
        assert_eq!(r["skipped"], 0);
        assert_eq!(r["holds"], true);
    }
    assert_eq!(
        j["knees"],
        serde_json::json!([{"from": ["m5.8xlarge"], "to": ["c5.9xlarge"], "change": "starts_holding"}])
    );
    // The files: a CSV line per point, the JSON printed, a chart.
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.starts_with("i-0web0000000000001.instance_type,offered,mirrored,"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sweep.json")).unwrap(),
        String::from_utf8(o.stdout).unwrap()
    );
    let svg = std::fs::read_to_string(dir.path().join("sweep.svg")).unwrap();
    assert!(svg.contains("copies by outcome") && svg.contains("objective fails"));
}

#[test]
fn the_appliance_sweep_meets_the_fleet_arithmetic_and_each_point_equals_its_own_run() {
    // plan-appliances: 20,000 copies per second of 1500 bytes (240 Mbps)
    // into appliances that each take 100 Mbps (8,333 per second). One
    // delivers 8,333: 1 - 8,333 / 20,000 = 58.3 % dropped. Two deliver at
    // most 16,667: at least 16.7 % dropped.
    let vary = format!("{NLB}.targets={}", fleets(4));
    let o = sim(&[
        "sweep",
        "scenarios/plan-appliances.ron",
        "--vary",
        &vary,
        "--format",
        "json",
        "--jobs",
        "2",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = j["rows"].as_array().unwrap();
    let dropped: Vec<f64> = rows.iter().map(|r| pct(&r["dropped_percent"])).collect();
    assert!((dropped[0] - 58.33).abs() < 0.3, "{dropped:?}");
    assert!(dropped[1] >= 16.66, "{dropped:?}");
    assert!(
        dropped.windows(2).all(|w| w[1] <= w[0]),
        "more appliances, fewer drops: {dropped:?}"
    );
    assert_eq!(rows[3]["holds"], true);
    // One job or two, the same table.
    let one = sim(&[
        "sweep",
        "scenarios/plan-appliances.ron",
        "--vary",
        &vary,
        "--format",
        "json",
        "--jobs",
        "1",
    ]);
    assert_eq!(one.stdout, o.stdout);
    // A point is the scenario with the field set, run alone.
    let text = std::fs::read_to_string(root().join("scenarios/plan-appliances.ron")).unwrap();
    let one_appliance = sim_core::scenario::locate::set_field(
        &text,
        &format!("{NLB}.targets"),
        "[\"i-0ids1000000001\"]",
    )
    .unwrap();
    let alone = run_text(&one_appliance).report;
    let c = &alone.totals.categories;
    assert_eq!(rows[0]["delivered"], c.delivered.packets);
    assert_eq!(rows[0]["dropped"], c.dropped.packets);
}

#[test]
fn a_sweep_refuses_bad_grids_with_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (vary, says) in [
        (
            "i-0nothing.instance_type=m5.large",
            "no element with id or name `i-0nothing`",
        ),
        ("i-0web0000000000001=m5.large", "expected ELEMENT.FIELD"),
        (
            "i-0web0000000000001.instance_type",
            "expected ELEMENT.FIELD=V1,V2",
        ),
        // A value that breaks the scenario: its diagnostics, and the point.
        (
            "i-0web0000000000001.instance_type=c5.12xlarge,m5.lage",
            "(at the point i-0web0000000000001.instance_type=m5.lage)",
        ),
    ] {
        let o = sim(&[
            "sweep",
            "scenarios/plan-instance-type.ron",
            "--vary",
            vary,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{vary}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{vary}: {err}");
        assert!(!out.exists(), "{vary}: nothing written");
    }
    let many = format!(
        "scenario.seed={}",
        (0..10_001)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let o = sim(&["sweep", "scenarios/plan-instance-type.ron", "--vary", &many]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("more than 10000 points"));
}

#[test]
fn a_sweep_weighs_the_work_of_all_its_points_before_running_any() {
    let vary = format!("{NLB}.targets={}", fleets(2));
    let args = |extra: &[&str]| {
        let mut v = vec!["sweep", "scenarios/plan-appliances.ron", "--vary", &vary];
        v.extend_from_slice(extra);
        v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| sim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // Two points, each offering packets: over a limit of one packet.
    let o = run(args(&["--max-packets", "1"]));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[LargeRun]: over its 2 points, the run would offer about"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "nothing ran");
    // Lifted, the same sweep runs.
    let o = run(args(&["--max-packets", "1", "--allow-large"]));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// plan-appliances with its four hand-written appliances replaced by a
/// fleet of `count` of them, 100 Mbps each.
fn plan_with_fleet() -> String {
    let text = std::fs::read_to_string(root().join("scenarios/plan-appliances.ron")).unwrap();
    let text =
        sim_core::scenario::locate::set_field(&text, &format!("{NLB}.targets"), "[]").unwrap();
    sim_core::scenario::locate::set_field(
        &text,
        "ids.fleet",
        r#"Fleet(count: 1, instance_type: "c5.xlarge", network_performance: (baseline: "100Mbps", pps: "1Mpps"))"#,
    )
    .unwrap()
}

#[test]
fn a_fleet_of_one_drops_what_one_hand_written_appliance_drops() {
    // As above: one 100 Mbps appliance delivers 8,333 of 20,000 copies per
    // second, 1 - 8,333 / 20,000 = 58.3 % dropped, whether written out or
    // as a fleet (named after the load balancer's short name, `ids`).
    let r = run_text(&plan_with_fleet()).report;
    let f = &r.fleets[0];
    assert_eq!(f.appliances.len(), 1);
    assert_eq!(f.appliances[0].network_interface_id, "eni-ids-fleet-01");
    let c = &r.totals.categories;
    let mirrored = c.delivered.packets + c.dropped.packets + c.skipped.packets;
    let dropped = c.dropped.packets as f64 / mirrored as f64 * 100.0;
    assert!((dropped - 58.33).abs() < 0.3, "{dropped}");
}

#[test]
fn linked_fields_vary_together_and_a_two_dimension_grid_is_drawn_as_a_heat_map() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.ron");
    std::fs::write(&file, plan_with_fleet()).unwrap();
    let out = dir.path().join("out");
    // Count and type together (3 points, not 9), by the load balancer's
    // short name; the run's length as a second dimension.
    let o = sim(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "ids.fleet.count=1,2,4",
        "--with",
        "ids.fleet.instance_type=c5.large,c5.xlarge,c5.2xlarge",
        "--vary",
        "scenario.seed=1,2",
        "--duration",
        "200ms",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_ok(&o);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        j["parameters"],
        serde_json::json!([
            "ids.fleet.count",
            "ids.fleet.instance_type",
            "scenario.seed"
        ])
    );
    assert_eq!(j["dimensions"], serde_json::json!([0, 0, 1]));
    let values: Vec<String> = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        values,
        [
            "1 c5.large 1",
            "1 c5.large 2",
            "2 c5.xlarge 1",
            "2 c5.xlarge 2",
            "4 c5.2xlarge 1",
            "4 c5.2xlarge 2"
        ]
    );
    // The cheapest point that holds (at most 1 % dropped): four appliances
    // are needed, and of the two seeds' points they cost the same.
    assert_eq!(j["cheapest"]["values"][0], "4");
    let heat = std::fs::read_to_string(out.join("sweep-heat-map.svg")).unwrap();
    assert!(
        heat.contains("ids.fleet.count, ids.fleet.instance_type"),
        "{heat}"
    );
    assert!(heat.contains("4, c5.2xlarge"));
    // A linked field needs as many values, and a --vary before it.
    let bad = sim(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "ids.fleet.count=1,2",
        "--with",
        "ids.fleet.instance_type=c5.large",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("value for value"));
    // One dimension: no heat map, and the one an earlier sweep left in the
    // same directory goes.
    let one = out.clone();
    let o = sim(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "ids.fleet.count=1,2",
        "--duration",
        "100ms",
        "--out",
        one.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!one.join("sweep-heat-map.svg").exists());
}

#[test]
fn shards_merge_into_the_whole_sweep_byte_for_byte_and_only_a_whole_grid_merges() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).display().to_string();
    let sweep = |extra: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sim"));
        c.args([
            "sweep",
            "scenarios/plan-fleet.ron",
            "--vary",
            "ids.fleet.count=1,2,4",
            "--vary",
            "scenario.seed=1,2",
            "--duration",
            "50ms",
        ])
        .args(extra)
        .current_dir(root())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let whole = sweep(&["--out", &d("whole")], &[]);
    assert_eq!(whole.status.code(), Some(0));
    // Shard 0 of 2 by hand, shard 1 as a Kubernetes Indexed Job's index 1
    // (the count given): points 0, 2, 4 and 1, 3, 5.
    let s0 = sweep(&["--shard", "0/2", "--out", &d("s0")], &[]);
    let s1 = sweep(
        &["--shard", "auto/2", "--out", &d("s1")],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    assert_eq!((s0.status.code(), s1.status.code()), (Some(0), Some(0)));
    assert!(String::from_utf8_lossy(&s1.stdout).starts_with("Shard 1 of 2: 3 of 6 points"));
    let merged = sim(&["sweep", "merge", &d("s1"), &d("s0"), "--out", &d("merged")]);
    assert_ok(&merged);
    assert_eq!(merged.stdout, whole.stdout);
    for f in ["sweep.csv", "sweep.json", "sweep.svg", "sweep-heat-map.svg"] {
        assert_eq!(
            std::fs::read(dir.path().join("merged").join(f)).unwrap(),
            std::fs::read(dir.path().join("whole").join(f)).unwrap(),
            "{f}"
        );
    }
    // A shard missing, a shard twice, shards of another sweep: exit 2.
    let refuse = |args: &[&str], says: &str| assert_exit_2_saying(&sim(args), says);
    refuse(&["sweep", "merge", &d("s0")], "shard 1 of 2 is missing");
    refuse(&["sweep", "merge", &d("s0"), &d("s0")], "given twice");
    let other = sweep(
        &["--seed", "9", "--shard", "1/2", "--out", &d("other")],
        &[],
    );
    assert_eq!(other.status.code(), Some(0));
    refuse(&["sweep", "merge", &d("s0"), &d("other")], "another sweep");
    // A shard needs --out; auto needs an engine's index, and the count
    // where the engine does not give it.
    let o = sweep(&["--shard", "0/2"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let o = sweep(&["--shard", "auto", "--out", &d("x")], &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no batch engine"));
    let o = sweep(
        &["--shard", "auto", "--out", &d("x")],
        &[("AWS_BATCH_JOB_ARRAY_INDEX", "0")],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard auto/N"));
    let o = sweep(
        &["--shard", "auto", "--out", &d("x")],
        &[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ],
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("Shard 1 of 2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_sampled_sweep_marks_its_estimates_and_its_shards_merge_only_with_their_like() {
    // plan-instance-type over 4 s, one metrics period (the default minute
    // is longer than the run), sampled by windows of 500 ms: at c5a.8xlarge
    // 1 - 7 / 8.267 = 15.3 % of copies are skipped (the hand arithmetic of
    // the test above); at m5.16xlarge none. The estimate must stay within
    // half a percentage point of that.
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).display().to_string();
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "scenarios/plan-instance-type.ron",
            "--duration",
            "4s",
            "--vary",
            "i-0web0000000000001.instance_type=c5a.8xlarge,m5.16xlarge",
        ];
        args.extend_from_slice(extra);
        sim(&args)
    };
    let whole = sweep(&["--window", "500ms", "--out", &d("whole")]);
    assert_ok(&whole);
    let text = String::from_utf8_lossy(&whole.stdout);
    assert!(
        text.contains("ESTIMATES: 2 of the 2 points ran sampled (sampled, 500ms of each 1min)"),
        "{text}"
    );
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("whole/sweep.json")).unwrap())
            .unwrap();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows[0]["estimate"], "sampled, 500ms of each 1min");
    let skipped = pct(&rows[0]["skipped_percent"]);
    assert!((skipped - 15.32).abs() < 0.5, "{skipped}");
    assert_eq!(rows[1]["skipped"], 0);
    let csv = std::fs::read_to_string(dir.path().join("whole/sweep.csv")).unwrap();
    assert!(
        csv.lines().next().unwrap().ends_with(",holds,estimate"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .ends_with(",\"sampled, 500ms of each 1min\"")
    );
    let svg = std::fs::read_to_string(dir.path().join("whole/sweep.svg")).unwrap();
    assert!(svg.contains("(ESTIMATES: sampled, 500ms of each 1min)"));
    // Its shards merge into it, byte for byte; a shard run in full does
    // not belong to it.
    let s0 = sweep(&["--window", "500ms", "--shard", "0/2", "--out", &d("s0")]);
    let s1 = sweep(&["--window", "500ms", "--shard", "1/2", "--out", &d("s1")]);
    assert_ok(&s0);
    assert_ok(&s1);
    let merged = sim(&["sweep", "merge", &d("s0"), &d("s1"), "--out", &d("merged")]);
    assert_ok(&merged);
    assert_eq!(merged.stdout, whole.stdout);
    for f in ["sweep.csv", "sweep.json", "sweep.svg"] {
        assert_eq!(
            std::fs::read(dir.path().join("merged").join(f)).unwrap(),
            std::fs::read(dir.path().join("whole").join(f)).unwrap(),
            "{f}"
        );
    }
    let full = sweep(&["--fidelity", "full", "--shard", "1/2", "--out", &d("full")]);
    assert_ok(&full);
    assert_exit_2_saying(
        &sim(&["sweep", "merge", &d("s0"), &d("full")]),
        "another sweep",
    );
    // A full sweep says nothing of estimates and keeps its columns.
    let plain = sweep(&["--fidelity", "full"]);
    assert_ok(&plain);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("ESTIMATES"));
    // A window that does not divide the period: exit 2, nothing run.
    assert_exit_2_saying(&sweep(&["--window", "7s"]), "--window");
}
