//! Sampled runs (`fidelity: Sampled`) against full ones: every share of
//! every outcome, per source, session and target, within half a
//! percentage point; estimates marked in every output; the same bytes on
//! any number of threads.

use sim_core::Scenario;
use sim_core::outcome::{Category, Delivery, Outcome};
use sim_core::results::{OutcomeTable, RunResults};
use sim_core::settings::Fidelity;

use crate::common::{load, load_file, scenario_files};

/// The shares a run is judged by: for each source ENI, session and
/// target, each outcome category (and truncated) as a share of what it
/// counted, with the denominator's name.
fn shares(r: &RunResults) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut push = |who: String, t: &OutcomeTable| {
        let total = t.total().packets;
        if total == 0 {
            return;
        }
        let share = |n: u64| n as f64 / total as f64;
        for c in [
            Category::NotMirrored,
            Category::Skipped,
            Category::Dropped,
            Category::Delivered,
        ] {
            out.push((format!("{who} {}", c.code()), share(t.category(c).packets)));
        }
        let truncated = t
            .get(Outcome::Delivered(Delivery::TruncatedToPacketLength))
            .packets
            + t.get(Outcome::Delivered(Delivery::TruncatedToMtu)).packets;
        out.push((format!("{who} truncated"), share(truncated)));
    };
    push("all".into(), &r.outcomes());
    for (i, s) in r.sources.iter().enumerate() {
        for d in 0..2 {
            push(format!("source {i} dir {d}"), &s.outcomes[d]);
        }
    }
    for (i, s) in r.sessions.iter().enumerate() {
        push(format!("session {i}"), &s.outcomes);
    }
    for (i, t) in r.targets.iter().enumerate() {
        push(format!("target {i}"), &t.outcomes);
    }
    out
}

/// The largest gap between the full and the sampled run's shares, in
/// percentage points, and where.
fn widest_gap(full: &RunResults, sampled: &RunResults) -> (f64, String) {
    let (a, b) = (shares(full), shares(sampled));
    let mut worst = (0.0, String::new());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0, "the same counters are shared");
        let gap = (x.1 - y.1).abs() * 100.0;
        if gap > worst.0 {
            worst = (
                gap,
                format!(
                    "{}: full {:.3}%, sampled {:.3}%",
                    x.0,
                    x.1 * 100.0,
                    y.1 * 100.0
                ),
            );
        }
    }
    assert_eq!(
        a.len(),
        b.len(),
        "a sampled run counts where the full one does"
    );
    worst
}

fn sampled(mut s: Scenario, period_ns: u64, window_ns: u64) -> (Scenario, Scenario) {
    s.settings.metrics_period_ns = period_ns;
    let full = s.clone();
    s.settings.fidelity = Fidelity::Sampled { window_ns };
    (full, s)
}

#[test]
fn every_scenario_sampled_keeps_every_share_within_half_a_point() {
    let mut report = Vec::new();
    for path in scenario_files() {
        let Ok(loaded) = load_file(&path, "test.ron") else {
            continue;
        };
        let s = loaded.scenario;
        // Periods of a tenth of the run (whole seconds), windows of a fifth
        // of a period: most of each steady period is estimated. (These runs
        // are seconds long; a window must hold enough of the slowest flows'
        // packets for its shares to be near the run's: docs/performance.md.)
        let secs = (s.duration.as_nanos() / 10_000_000_000).max(1);
        let (full, sampled) = sampled(s, secs * 1_000_000_000, secs * 200_000_000);
        let (f, r) = (sim_core::run(&full), sim_core::run(&sampled));
        let account = r.sampling.as_ref().expect("a sampled run says so");
        let (gap, at) = widest_gap(&f, &r);
        report.push(format!(
            "{}: {} of {} periods estimated, widest gap {gap:.3} pp ({at})",
            path.file_name().unwrap().to_string_lossy(),
            account.estimated_periods(),
            account.estimated.len()
        ));
        assert!(gap <= 0.5, "{}", report.join("\n"));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn generated_fleets_sampled_keep_every_share_within_half_a_point() {
    // The bench's shape (ten-rule filters, three sessions, IMIX, Poisson
    // and constant flows), with ENI targets and with an NLB, over 40s in
    // periods of 10s sampled by 500ms windows.
    for nlb in [false, true] {
        let text = sim_core::generate::scenario_text(10, 40, "40s", nlb);
        let (full, sampled) = sampled(load(&text), 10_000_000_000, 500_000_000);
        let (f, r) = (sim_core::run(&full), sim_core::run(&sampled));
        assert_eq!(r.sampling.as_ref().unwrap().estimated_periods(), 4);
        let (gap, at) = widest_gap(&f, &r);
        assert!(gap <= 0.5, "nlb {nlb}: {gap:.3} pp at {at}");
        // A twentieth of the packets were simulated (500ms of each 10s);
        // the estimate of all of them is within 1 % of the full count.
        assert!(r.generated.packets.abs_diff(f.generated.packets) * 100 < f.generated.packets);
    }
}

#[test]
fn a_sampled_run_is_the_same_bytes_on_any_number_of_threads() {
    let text = sim_core::generate::scenario_text(10, 20, "30s", true);
    let (_, s) = sampled(load(&text), 5_000_000_000, 250_000_000);
    let one = sim_core::run(&s);
    for threads in [2, 3] {
        let r = sim_core::run_threaded(&s, threads, None, &mut |_, _| {});
        assert_eq!(r, one, "{threads} threads");
    }
}

#[test]
fn sampled_counts_add_up_as_full_ones_do() {
    // MET-02: every packet offered has one outcome. Periods hold a whole
    // number of windows, so scaled counts still add up exactly.
    let text = sim_core::generate::scenario_text(5, 10, "20s", false);
    let (_, s) = sampled(load(&text), 5_000_000_000, 1_000_000_000);
    let r = sim_core::run(&s);
    for src in &r.sources {
        for d in 0..2 {
            assert_eq!(src.outcomes[d].total(), src.offered[d]);
        }
    }
    // Each period's series sum to the totals.
    let offered: u64 = r
        .sources
        .iter()
        .flat_map(|s| s.series.bins.iter())
        .map(|b| b[0])
        .sum();
    assert_eq!(offered, r.offered().packets);
}

/// One source ENI mirrored whole to one ENI target: flow a from 0s and
/// flow b from 25s, 1,000 packets of 100 bytes a second each, for 60s,
/// with these settings and timeline entries.
fn two_flows(settings: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(
        name: "t", seed: 1, duration: "60s",
        settings: ({settings}),
        vpcs: [Vpc(id: "vpc-1", cidr_blocks: ["10.0.0.0/16"], subnets: [
            Subnet(id: "subnet-1", availability_zone: "us-east-1a", cidr_block: "10.0.1.0/24")])],
        instances: [
            Instance(id: "i-src", instance_type: "m5.large", subnet: "subnet-1",
                network_interfaces: [Eni(id: "eni-src", private_ip: "10.0.1.10")]),
            Instance(id: "i-app", instance_type: "c5n.xlarge", subnet: "subnet-1",
                network_interfaces: [Eni(id: "eni-app", private_ip: "10.0.1.100")]),
        ],
        traffic_mirror_targets: [Target(id: "tmt-1", network_interface_id: "eni-app")],
        traffic_mirror_filters: [Filter(id: "tmf-1", egress_filter_rules: [
            Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0",
                 destination_cidr_block: "0.0.0.0/0")])],
        traffic_mirror_sessions: [Session(id: "tms-1", network_interface_id: "eni-src",
            traffic_mirror_target_id: "tmt-1", traffic_mirror_filter_id: "tmf-1", session_number: 1)],
        traffic: [
            Flow(name: "a", from: "eni-src", to: "203.0.113.0/24", protocol: Udp,
                 destination_port: 53, rate: "1000pps", size: Fixed("100B")),
            Flow(name: "b", from: "eni-src", to: "203.0.113.0/24", protocol: Udp,
                 destination_port: 54, rate: "1000pps", size: Fixed("100B"), start: "25s"),
        ],
        timeline: [{timeline}],
    )"#
    )
}

#[test]
fn periods_with_a_change_or_a_flow_starting_run_in_full() {
    // A flow starting at 25s unsettles the period [20s, 30s); a change at
    // exactly 40s applies before the period [40s, 50s) and leaves it
    // steady.
    let text = two_flows(
        r#"metrics_period: "10s", fidelity: Sampled(window: "1s")"#,
        r#"At(time: "40s", action: ModifyTrafficMirrorSession(traffic_mirror_session_id: "tms-1", packet_length: 50))"#,
    );
    let text = text.as_str();
    let r = sim_core::run(&load(text));
    let s = r.sampling.as_ref().unwrap();
    assert_eq!(s.estimated, [true, true, false, true, true, true]);
    // Constant 1,000 pps: flow a sends 60,000 packets in 60s, flow b
    // 35,000 from 25s: a window of 1s stands exactly for its period.
    assert_eq!(r.generated.packets, 60_000 + 35_000);
    // The filter accepts every packet: the session's configurations (the
    // second begun by the change at 40s) mirrored all of them, 40s x 1,000
    // of flow a and 15s x 1,000 of flow b before it, 20,000 + 20,000 after.
    let configs = &r.sessions[0].configurations;
    assert_eq!(configs[0].mirrored.packets, 40_000 + 15_000);
    assert_eq!(configs[1].mirrored.packets, 20_000 + 20_000);
    assert_eq!(r.sessions[0].mirrored.packets, 95_000);
}

#[test]
fn every_output_of_a_sampled_run_marks_its_estimates() {
    // burst-credits: 90s in periods of 10s, every one steady.
    let dir = crate::common::sim_run_out(
        "scenarios/burst-credits.ron",
        "90s",
        &["--fidelity", "sampled", "--window", "1s"],
    );
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert!(read("summary.txt").contains("ESTIMATES (sampled run): in 9 of 9 periods of 10s"));
    assert!(read("report.html").contains("ESTIMATES (sampled run)"));
    let json: serde_json::Value = serde_json::from_str(&read("report.json")).unwrap();
    assert_eq!(json["sampling"]["window"], "1s");
    assert_eq!(json["sampling"]["estimated_periods"], 9);
    let csv = read("metrics.csv");
    assert!(csv.lines().next().unwrap().ends_with(",value,estimate"));
    assert!(csv.lines().skip(1).all(|l| l.ends_with(",true")));
    let charts: Vec<_> = std::fs::read_dir(dir.path().join("charts"))
        .unwrap()
        .collect();
    assert!(!charts.is_empty());
    for c in charts {
        let svg = std::fs::read_to_string(c.unwrap().path()).unwrap();
        assert!(svg.contains("ESTIMATES: sampled, 1s of each 10s"));
    }
    // A full run says nothing of the kind.
    let full = crate::common::sim_run_out("scenarios/burst-credits.ron", "90s", &[]);
    let summary = std::fs::read_to_string(full.path().join("summary.txt")).unwrap();
    assert!(!summary.contains("ESTIMATES"));
}

#[test]
fn a_window_that_does_not_divide_the_period_is_refused() {
    let o = crate::common::sim(&["run", "scenarios/burst-credits.ron", "--window", "3s"]);
    crate::common::assert_exit_2_saying(&o, "does not divide the metrics period 10s");
    let o = crate::common::sim(&[
        "run",
        "scenarios/burst-credits.ron",
        "--fidelity",
        "full",
        "--window",
        "1s",
    ]);
    crate::common::assert_exit_2_saying(&o, "--window is for sampled runs");
}

#[test]
fn bw_01_the_run_s_first_window_warms_up_before_the_sample() {
    // plan-instance-type for 4 s: one period (the default minute is cut
    // short by the run), sampled by windows of 100 ms. Copies need
    // 8 x 1550 / 1500 = 8.267 Gbps of egress beside 3 Gbps of production;
    // c5a.8xlarge has 10 Gbps, so 7 are left: 1 - 7 / 8.267 = 15.3 % of
    // copies skipped (BW-01: production goes first). Every bucket starts
    // full; counted 39 times over, that first window's free burst put the
    // estimate 0.6 pp low (14.72 %). The first window now runs as itself
    // and the second is the sample: within 0.05 pp of 15.3 %.
    let text =
        std::fs::read_to_string(crate::common::root().join("scenarios/plan-instance-type.ron"))
            .unwrap()
            .replace("duration: \"1s\"", "duration: \"4s\"")
            .replace(
                "instance_type: \"c5.12xlarge\"",
                "instance_type: \"c5a.8xlarge\"",
            );
    let mut s = load(&text);
    s.settings.fidelity = Fidelity::Sampled {
        window_ns: 100_000_000,
    };
    let r = sim_core::run(&s);
    let sampling = r.sampling.as_ref().unwrap();
    assert_eq!(sampling.warm_up_ns, 100_000_000);
    let t = r.outcomes();
    let mirrored = t.category(Category::Delivered).packets
        + t.category(Category::Skipped).packets
        + t.category(Category::Dropped).packets;
    let skipped = t.category(Category::Skipped).packets as f64 / mirrored as f64 * 100.0;
    let expected = (1.0 - 7.0 / (8.0 * 1550.0 / 1500.0)) * 100.0;
    assert!(
        (skipped - expected).abs() < 0.05,
        "{skipped} against {expected}"
    );
    // MET-02: every packet offered has its one outcome (copies in flight
    // when the window opened arrived first, and are not scaled).
    for src in &r.sources {
        for d in 0..2 {
            assert_eq!(src.outcomes[d].total(), src.offered[d]);
        }
    }
    assert_eq!(mirrored, r.offered().packets);
}

#[test]
fn tgt_06_copies_in_flight_when_a_window_opens_meet_the_change_due_then() {
    // Copies take 10 ms (latency.same_az). Flows a (from 0s) and b (from
    // 25s) send 1,000 pps each, every packet mirrored; the appliance goes
    // Down at 30s (TGT-06: it receives nothing from then on). The period
    // [20s, 30s) runs in full (b starts inside it); [30s, 40s) is steady,
    // its window opening at 30s with the copies of the last 10 ms in flight:
    // 10 per flow, which arrive after the change and are dropped.
    // Delivered: a's packets sent before 29.99s, 29,990, and b's, 4,990:
    // 34,980. Dropped: those 20, and every copy from 30s: 30s x 2,000 =
    // 60,000. Every window holds whole packets at constant rates, so the
    // sampled run counts exactly what the full one does.
    let text = two_flows(
        r#"metrics_period: "10s", latency: (same_az: "10ms")"#,
        r#"At(time: "30s", action: SetApplianceState(appliance: "i-app", state: Down))"#,
    );
    let text = text.as_str();
    let full = load(text);
    let mut sampled = load(text);
    sampled.settings.fidelity = Fidelity::Sampled {
        window_ns: 1_000_000_000,
    };
    for s in [full, sampled] {
        let r = sim_core::run(&s);
        let t = r.outcomes();
        let what = if r.sampling.is_some() {
            "sampled"
        } else {
            "full"
        };
        assert_eq!(t.category(Category::Delivered).packets, 34_980, "{what}");
        assert_eq!(t.category(Category::Dropped).packets, 60_020, "{what}");
        assert_eq!(r.offered().packets, 95_000, "{what}");
        if let Some(s) = &r.sampling {
            assert_eq!(s.estimated, [true, true, false, true, true, true]);
        }
    }
}
