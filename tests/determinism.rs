//! Same scenario and seed, same bytes.

use crate::common::*;
use sim_core::Overrides;

#[test]
fn same_seed_gives_byte_identical_reports() {
    for path in scenario_files() {
        let a = reports::to_json(&run_file(&path).report);
        let b = reports::to_json(&run_file(&path).report);
        assert_eq!(a, b, "{}", path.display());
    }
}

#[test]
fn another_seed_gives_other_vnis_and_other_draws() {
    let text = std::fs::read_to_string(root().join("scenarios/tcp-udp-split.ron")).unwrap();
    let load = |seed| {
        sim_core::load(
            "t.ron",
            &text,
            &Overrides {
                seed,
                ..Default::default()
            },
        )
        .unwrap()
        .scenario
    };
    let (a, b) = (load(None), load(Some(99)));
    let vnis = |s: &sim_core::Scenario| -> Vec<u32> {
        s.topology
            .sessions
            .iter()
            .map(|s| s.virtual_network_id)
            .collect()
    };
    assert_ne!(vnis(&a), vnis(&b));
    let ra = reports::to_json(&reports::report(&a, &sim_core::run(&a)));
    let rb = reports::to_json(&reports::report(&b, &sim_core::run(&b)));
    assert_ne!(ra, rb);
}

#[test]
fn adding_a_flow_leaves_the_others_draws_alone() {
    // Each flow draws from its own stream, named after it: a new flow
    // changes nothing for the existing ones.
    let base = scenario(
        "2s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        r#"Flow(name: "a", from: "198.51.100.0/24", to: "eni-src", protocol: Udp, destination_port: 1,
                rate: "1kpps", size: Uniform("100B", "1400B"), arrivals: Poisson),"#,
    );
    let more = base.replace(
        "traffic: [",
        r#"traffic: [Flow(name: "b", from: "198.51.100.9", to: "eni-src", protocol: Icmp, rate: "3kpps", size: Imix),"#,
    );
    let a1 = load(&base);
    let a2 = load(&more);
    let find = |s: &sim_core::Scenario| s.flows.iter().find(|f| f.name == "a").unwrap().clone();
    assert_eq!(find(&a1), find(&a2));
    let delivered = |s: &sim_core::Scenario| {
        let r = reports::report(s, &sim_core::run(s));
        at_source(&r, "eni-src", "ingress", "whole")
    };
    // Flow b is ICMP and accepted too; only flow a's count is compared.
    let b_only = load(&more.replace(r#"Flow(name: "a""#, r#"Flow(name: "a", duration: "0s""#));
    assert_eq!(delivered(&a1) + delivered(&b_only), delivered(&a2));
}

/// A run on `threads` threads: its JSON report and every captured frame.
fn threaded(
    scenario: &sim_core::Scenario,
    threads: usize,
) -> (String, crate::behaviours::wire::Frames) {
    let mut frames = crate::behaviours::wire::Frames::default();
    let results = sim_core::run_threaded(scenario, threads, Some(&mut frames), &mut |_, _| {});
    (
        reports::to_json(&reports::report(scenario, &results)),
        frames,
    )
}

#[test]
fn one_two_or_three_threads_give_the_same_report_and_frames() {
    // Every shipped scenario (timelines, load balancers, replays, flow
    // logs), shortened to 1 s so the frames stay small, and a generated
    // one of 800 flows whose stream crosses many of the feed's batches (4,096 packets).
    let mut scenarios: Vec<(String, sim_core::Scenario)> = scenario_files()
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let base = path.parent().unwrap().to_path_buf();
            let read = move |f: &str| {
                std::fs::read(base.join(f))
                    .map(sim_core::CaptureFile::from)
                    .map_err(|e| e.to_string())
            };
            let overrides = Overrides {
                duration: Some("1s".parse().unwrap()),
                ..Default::default()
            };
            sim_core::load_with(&path.display().to_string(), &text, &overrides, &read)
                .ok()
                .map(|l| (path.display().to_string(), l.scenario))
        })
        .collect();
    assert!(scenarios.len() >= 20);
    let generated = sim_core::generate::scenario_text(20, 20, "1s", true);
    scenarios.push(("generated".into(), load(&generated)));
    for (name, scenario) in &scenarios {
        let (report, frames) = threaded(scenario, 1);
        for threads in [2, 3] {
            let (r, f) = threaded(scenario, threads);
            assert_eq!(r, report, "{name}: {threads} threads");
            assert!(f.0 == frames.0, "{name}: {threads} threads: other frames");
        }
    }
}

#[test]
fn threads_keep_the_timeline_s_changes_where_they_fall() {
    // The scenarios with a timeline, whole: changes stop and re-rate the
    // traffic on the feed's thread and change the world on the pipeline's.
    for name in ["timeline-changes", "nlb-fleet"] {
        let path = root().join(format!("scenarios/{name}.ron"));
        let scenario = load_file(&path, name).unwrap().scenario;
        assert!(!scenario.timeline.is_empty());
        let one = sim_core::run_threaded(&scenario, 1, None, &mut |_, _| {});
        let two = sim_core::run_threaded(&scenario, 2, None, &mut |_, _| {});
        assert_eq!(
            reports::to_json(&reports::report(&scenario, &two)),
            reports::to_json(&reports::report(&scenario, &one)),
            "{name}"
        );
    }
}

#[test]
fn a_split_run_keeps_the_order_of_copies_changes_and_packets_at_one_instant() {
    // With no latency and no jitter every copy arrives at the instant its
    // packet was sent, and with 1 ms it arrives on the instants of later
    // packets and of the timeline's changes (constant-rate flows from 0 s,
    // changes on whole seconds): the split run's stages must order
    // arrivals, changes and packets at one instant exactly as one thread
    // does.
    // (nlb-fleet's 1.4 M packets: its report only, on two threads.)
    for (name, frames, counts) in [
        ("timeline-changes", true, &[2, 3][..]),
        ("nlb-fleet", false, &[2][..]),
    ] {
        let path = root().join(format!("scenarios/{name}.ron"));
        let text = std::fs::read_to_string(&path).unwrap();
        for latency in ["0s", "1ms"] {
            let latencies = format!(
                "latency: Latency(same_az: \"{latency}\", cross_az: \"{latency}\", \
                 load_balancer: \"{latency}\", jitter: \"0s\", load_balancer_jitter: \"0s\")"
            );
            let text = if text.contains("    settings: (") {
                text.replacen(
                    "    settings: (",
                    &format!("    settings: ({latencies}, "),
                    1,
                )
            } else {
                text.replacen(
                    "    seed:",
                    &format!("    settings: ({latencies}),\n    seed:"),
                    1,
                )
            };
            let scenario = load(&text);
            let run = |threads| {
                if frames {
                    threaded(&scenario, threads)
                } else {
                    let results = sim_core::run_threaded(&scenario, threads, None, &mut |_, _| {});
                    let report = reports::to_json(&reports::report(&scenario, &results));
                    (report, Default::default())
                }
            };
            let (report, frames) = run(1);
            for &threads in counts {
                let (r, f) = run(threads);
                assert_eq!(r, report, "{name}, latency {latency}: {threads} threads");
                assert!(
                    f.0 == frames.0,
                    "{name}, {latency}: {threads} threads: frames"
                );
            }
        }
    }
}

#[test]
fn a_split_run_that_fails_on_one_thread_fails_whole_and_does_not_hang() {
    // The progress callback (the delivery stage's thread) fails at its
    // first call, with far more copies still to come than the stages'
    // channels hold: the source stage must not wait for ever on a reader
    // that is gone, and the failure must reach the caller.
    let scenario = load(&sim_core::generate::scenario_text(20, 20, "2s", false));
    for threads in [2, 3] {
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sim_core::run_threaded(&scenario, threads, None, &mut |_, _| {
                panic!("the progress bar failed")
            })
        }));
        assert!(failed.is_err(), "{threads} threads");
    }
}
