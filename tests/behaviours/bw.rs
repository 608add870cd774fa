//! BW: bandwidth and priority at the source instance.

use crate::common::*;

fn skipped(r: &reports::Report, session: &str, reason: &str) -> u64 {
    session_report(r, session)
        .outcomes
        .iter()
        .filter(|o| o.outcome == "skipped" && o.reason == reason)
        .map(|o| o.packets)
        .sum()
}

#[test]
fn bw_01_copies_count_toward_the_sources_egress_bandwidth() {
    let r = run_scenario("over-budget.ron").report;
    // i-0busy, m5.8xlarge, 10 Gbps: 4 Gbps in + 4 Gbps out of 1500-byte
    // packets over 2 s, all mirrored: 100 Mbps of 1500 B is one packet per
    // 120 us; the 40 connections start 3 us apart (a fortieth of the gap),
    // responses 1.5 us after their requests, so each way the 27 starting
    // before 80 us fit 16,667 packets in 2 s and the other 13 fit 16,666:
    // 666,667 each way, 1,333,334 in all. Copies are
    // 1550 bytes: they need
    // 8 x 1550 / 1500 = 8.267 Gbps of egress; 10 - 4 = 6 Gbps are left, so
    // 1 - 6 / 8.267 = 27.4 % are skipped: 365,700 (+/- 1 % of the copies).
    let s = session_report(&r, "tms-0busy0000000001");
    assert_eq!(s.mirrored.packets, 1_333_334);
    let skip = skipped(&r, "tms-0busy0000000001", "bandwidth") as f64;
    let expected = 1_333_334.0 * (1.0 - 6.0 / (8.0 * 1550.0 / 1500.0));
    assert!((skip - expected).abs() < 13_334.0, "{skip} vs {expected}");
    // Copies of inbound and outbound packets alike leave as egress: both
    // directions lose about the same share. (With Poisson arrivals: under
    // constant rates each request keeps one phase to its response forever,
    // and which of two copies due microseconds apart fits is decided by
    // that phase, not by the budget.)
    let text = std::fs::read_to_string(root().join("scenarios/over-budget.ron"))
        .unwrap()
        .replace(
            r#"server_port: 443,
                   request"#,
            r#"server_port: 443, arrivals: Poisson,
                   request"#,
        );
    assert!(text.contains("arrivals: Poisson"));
    let r = run_text(&text).report;
    let src = r
        .sources
        .iter()
        .find(|s| s.network_interface_id == "eni-0busy0000000001")
        .unwrap();
    let (i, e) = (
        src.ingress.categories.skipped.packets,
        src.egress.categories.skipped.packets,
    );
    assert!((i as f64 - e as f64).abs() < 0.02 * i as f64, "{i} vs {e}");
}

#[test]
fn bw_02_production_goes_first_and_is_dropped_only_when_it_alone_is_over() {
    let r = run_scenario("over-budget.ron").report;
    // In over-budget.ron copies are skipped, yet no production packet of
    // any source is dropped: production alone fits every budget.
    for s in &r.sources {
        for d in [&s.ingress, &s.egress] {
            assert!(d.outcomes.iter().all(|o| o.reason != "production_dropped"));
        }
    }
    // An instance held to 1 Gbps each way receiving 1.5 Gbps: production
    // alone is over its ingress budget, so a third of it is dropped (and not
    // mirrored).
    let text = scenario("2s", 9001, ACCEPT_ALL_V4, &session("tms-1", "tmf-all", 1, ""),
        r#"Flow(name: "flood", from: "198.51.100.0/24", to: "eni-src", protocol: Udp, destination_port: 9,
               rate: "100Mbps", size: Fixed("1250B"), count: 15),"#)
        .replace(
            r#"Instance(id: "i-src", instance_type: "m5.large", subnet: "subnet-1","#,
            r#"Instance(id: "i-src", instance_type: "m5.large", subnet: "subnet-1",
               network_performance: (baseline: "1Gbps", pps: "10Mpps"),"#,
        );
    let r = run_text(&text).report;
    // 1.5 Gbps of 1250-byte packets: 150,000 pps, 300,000 in 2 s; 1 Gbps
    // fits: 100,000 pps, so 100,000 are dropped.
    let dropped = at_source(&r, "eni-src", "ingress", "production_dropped") as f64;
    assert!((dropped - 100_000.0).abs() < 1_000.0, "{dropped}");
    // The 200,000 that got in are mirrored; their copies (1300 bytes) need
    // 200,000 x 1300 x 8 / 2 s = 1.04 Gbps of a 1 Gbps egress: 96 % fit.
    let s = session_report(&r, "tms-1");
    let sent = s.categories.delivered.packets as f64;
    assert!((sent - 200_000.0 * 1.0 / 1.04).abs() < 2_000.0, "{sent}");
}

#[test]
fn bw_03_a_connection_over_2_5_gbps_each_way_loses_copies_to_the_per_flow_limit() {
    let r = run_scenario("over-budget.ron").report;
    // One connection, 3 Gbps each way: both directions' copies share one
    // outer flow, 2 x 3 x 1550 / 1500 = 6.2 Gbps against 5: 1 - 5 / 6.2 =
    // 19.35 % of its 1,000,000 copies are skipped.
    let skip = skipped(&r, "tms-0bulk0000000001", "per_flow") as f64;
    assert!((skip - 193_548.0).abs() < 10_000.0, "{skip}");
    // At 2.4 Gbps each way, 4.96 Gbps fit.
    let text = std::fs::read_to_string(root().join("scenarios/over-budget.ron")).unwrap();
    let slower = text.replace(r#"rate: "3Gbps""#, r#"rate: "2.4Gbps""#);
    let r = run_text(&slower).report;
    assert_eq!(skipped(&r, "tms-0bulk0000000001", "per_flow"), 0);
    // BW-03 corrected: the source alone in a cluster placement group is
    // not enough (the old reading gave it 10 Gbps): still 19.35 % skipped.
    let source_only = text.replace(
        r#"Instance(id: "i-0bulk00000000001", instance_type: "m5.24xlarge","#,
        r#"Instance(id: "i-0bulk00000000001", instance_type: "m5.24xlarge", cluster_placement_group: "pg-0bulk","#,
    );
    let r = run_text(&source_only).report;
    let skip = skipped(&r, "tms-0bulk0000000001", "per_flow") as f64;
    assert!((skip - 193_548.0).abs() < 10_000.0, "{skip}");
    // Both ends, source and collector, in the group: 10 Gbps, 6.2 fits.
    let both = source_only.replace(
        r#"Instance(id: "i-0collector000001", instance_type: "c5n.18xlarge","#,
        r#"Instance(id: "i-0collector000001", instance_type: "c5n.18xlarge", cluster_placement_group: "pg-0bulk","#,
    );
    let r = run_text(&both).report;
    assert_eq!(skipped(&r, "tms-0bulk0000000001", "per_flow"), 0);
}

/// Two client ports whose connections to 192.0.2.10:9000 from 10.0.1.30
/// get one outer source port (PKT-04's 7-bit hash), and two that do not.
fn ports_sharing_an_outer_port() -> ((u16, u16), (u16, u16)) {
    use topology::packet::{FlowKey, L3, outer_source_port};
    let port = |p: u16| {
        outer_source_port(&FlowKey {
            l3: L3::Ip,
            src: "10.0.1.30".parse().unwrap(),
            dst: "192.0.2.10".parse().unwrap(),
            protocol: 17,
            src_port: p,
            dst_port: 9000,
        })
    };
    let first = 40_000;
    let same = (40_001..41_000).find(|&p| port(p) == port(first)).unwrap();
    let other = (40_001..41_000).find(|&p| port(p) != port(first)).unwrap();
    ((first, same), (first, other))
}

#[test]
fn bw_03_the_limit_is_per_outer_flow_so_connections_sharing_a_port_share_it() {
    // Two one-way UDP flows of 3 Gbps (1500-byte packets) from i-0bulk,
    // mirrored outbound. Copies are 1550 bytes: 2 x 3 x 1550 / 1500 = 6.2
    // Gbps. When their hashes give one outer port they are one outer flow
    // against 5 Gbps: 1 - 5 / 6.2 = 19.35 % of 2 x 500,000 copies skipped;
    // otherwise each is 3.1 Gbps on its own: none.
    let ((a, b), (c, d)) = ports_sharing_an_outer_port();
    let run = |p: u16, q: u16| {
        let text = std::fs::read_to_string(root().join("scenarios/over-budget.ron"))
            .unwrap()
            .replace(
                r#"Connection(name: "bulk", client: "eni-0bulk0000000001", server: "192.0.2.10", protocol: Tcp, server_port: 9000,
                   request: (rate: "3Gbps", size: Fixed("1500B")), response: (rate: "3Gbps", size: Fixed("1500B"))),"#,
                &format!(
                    r#"Flow(name: "one", from: "eni-0bulk0000000001", to: "192.0.2.10", protocol: Udp, source_port: {p},
                       destination_port: 9000, rate: "3Gbps", size: Fixed("1500B")),
                   Flow(name: "two", from: "eni-0bulk0000000001", to: "192.0.2.10", protocol: Udp, source_port: {q},
                       destination_port: 9000, rate: "3Gbps", size: Fixed("1500B")),"#
                ),
            );
        skipped(&run_text(&text).report, "tms-0bulk0000000001", "per_flow") as f64
    };
    let shared = run(a, b);
    assert!((shared - 193_548.0).abs() < 10_000.0, "{shared}");
    assert_eq!(run(c, d), 0.0);
}

#[test]
fn bw_03_a_single_production_flow_cannot_exceed_the_limit() {
    // One 8 Gbps flow of 1500-byte packets leaving i-0bulk (25 Gbps): a
    // flow carries at most 5 Gbps, so 3 / 8 = 37.5 % of its 1,333,333
    // packets in 2 s are production traffic lost (500,000), and `sim
    // check` says so.
    let text = std::fs::read_to_string(root().join("scenarios/over-budget.ron"))
        .unwrap()
        .replace(
            r#"Connection(name: "bulk", client: "eni-0bulk0000000001", server: "192.0.2.10", protocol: Tcp, server_port: 9000,
                   request: (rate: "3Gbps", size: Fixed("1500B")), response: (rate: "3Gbps", size: Fixed("1500B"))),"#,
            r#"Flow(name: "elephant", from: "eni-0bulk0000000001", to: "192.0.2.10", protocol: Udp, destination_port: 9000,
                   rate: "8Gbps", size: Fixed("1500B")),"#,
        );
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    assert!(
        loaded.warnings.iter().any(|w| w.code == "BandwidthLimit"
            && w.message.contains("8Gbps")
            && w.message.contains("5Gbps")),
        "{:?}",
        loaded.warnings
    );
    let r = run_text(&text).report;
    let lost = at_source(&r, "eni-0bulk0000000001", "egress", "production_flow_limit") as f64;
    assert!((lost - 500_000.0).abs() < 1_000.0, "{lost}");
}

#[test]
fn bw_06_copies_of_inbound_and_outbound_packets_compete_on_equal_terms() {
    // over-budget's busy instance: 4 Gbps in and 4 Gbps out, every packet
    // mirrored; the copies need 8.27 Gbps of the 6 left: 1 - 6 / 8.27 =
    // 27.4 % skipped, and each direction loses that same share of its
    // 666,667 copies (about 182,600), whatever the order of events.
    let r = run_scenario("over-budget.ron").report;
    let busy = |d: &str| at_source(&r, "eni-0busy0000000001", d, "bandwidth") as f64;
    for d in ["ingress", "egress"] {
        let share = busy(d) / 666_667.0;
        assert!((share - 0.274).abs() < 0.005, "{d}: {share}");
    }
    // And the chatty one (packets per second): 25 % of each direction.
    let chatty = |d: &str| at_source(&r, "eni-0chatty000000001", d, "pps") as f64;
    for d in ["ingress", "egress"] {
        let share = chatty(d) / 800_000.0;
        assert!((share - 0.25).abs() < 0.005, "{d}: {share}");
    }
}

#[test]
fn bw_04_small_packets_hit_the_packet_budget_first() {
    let r = run_scenario("over-budget.ron").report;
    // i-0chatty (c5.large, 1 Mpps assumed): 400 kpps of 64-byte packets
    // each way, 1,600,000 in 2 s, all mirrored. Egress: 400 kpps of
    // production leave 600 kpps for 800 kpps of copies: 25 % skipped, for
    // packets per second, at some 0.75 Gbps, far under 10 Gbps.
    let skip = skipped(&r, "tms-0chatty000000001", "pps") as f64;
    assert!((skip - 400_000.0).abs() < 8_000.0, "{skip}");
    assert_eq!(skipped(&r, "tms-0chatty000000001", "bandwidth"), 0);
}

#[test]
fn bw_02_a_burstable_instance_out_of_credits_keeps_production_and_skips_copies() {
    let r = run_scenario("burst-credits.ron").report;
    // t3.medium: 256 Mbps baseline, 5 Gbps burst, credits for 2 s of burst:
    // (5,000 - 256) x 2 = 9,488 Mbit. Production 200 Mbps + copies 206.7
    // Mbps drain them at 150.7 Mbps: they last 63 s. Then copies get 56 of
    // their 206.7 Mbps: 27.1 % are sent.
    let cw = &r.instances[0].cloudwatch;
    assert_eq!(cw.period_ns, 10_000_000_000);
    let series = |name: &str| &cw.series.iter().find(|s| s.name == name).unwrap().values;
    let sent = series("NetworkPacketsMirrorOut");
    let skipped = series("NetworkPacketsSkipMirrorOut");
    // 10 flows x 1,666.7 pps = 16,667 packets a second: 166,670 per period.
    for p in 0..6 {
        assert_eq!(skipped[p], 0, "period {p}: credits left");
        assert!(
            (sent[p] as i64 - 166_670).abs() <= 10,
            "period {p}: {}",
            sent[p]
        );
    }
    for (p, &n) in sent.iter().enumerate().skip(7) {
        let share = n as f64 / 166_670.0;
        assert!((share - 56.0 / 206.67).abs() < 0.01, "period {p}: {share}");
    }
    // Production is never dropped.
    assert_eq!(
        at_source(&r, "eni-0t3medium000001", "egress", "production_dropped"),
        0
    );
}

#[test]
fn bw_05_burst_credits_start_as_set_are_reported_and_a_longer_run_is_warned_of() {
    // burst-credits: t3.medium, 256 Mbps baseline, 5 Gbps burst, credits
    // for 2 s of burst: (5,000 - 256) x 2 = 9,488 Mbit. Production 200 Mbps
    // + copies 206.7 Mbps drain them at 150.7 Mbps: 62.96 s.
    let text = std::fs::read_to_string(root().join("scenarios/burst-credits.ron")).unwrap();
    // 30 s: nothing skipped yet, but 30 x 150.7 / 9,488 = 47.6 % spent, and
    // the report says when a longer run would run out.
    let short = text.replace(r#"duration: "90s","#, r#"duration: "30s","#);
    let r = run_text(&short).report;
    let c = r.instances[0].burst_credits.as_ref().unwrap();
    assert_eq!(c.capacity_bits, 9_488_000_000);
    assert_eq!(c.start_bits, 9_488_000_000);
    let left = *c.balance_bits.last().unwrap() as f64 / 9_488_000_000.0;
    assert!((left - 0.524).abs() < 0.005, "{left}");
    assert_eq!(c.projected_exhaustion.as_deref(), Some("63.0s"));
    assert!(
        r.warnings.iter().any(|w| w.contains("63.0s")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.totals.categories.skipped.packets, 0);
    // Half full at the start: 4,744 / 150.7 = 31.5 s; the period ending at
    // 40 s is the first to end spent.
    let half = text.replace(
        r#"settings: (metrics_period: "10s"),"#,
        r#"settings: (metrics_period: "10s", burst_credits: "50%"),"#,
    );
    let r = run_text(&half).report;
    let c = r.instances[0].burst_credits.as_ref().unwrap();
    assert_eq!(c.start_bits, 4_744_000_000);
    assert_eq!(c.exhausted_by.as_deref(), Some("40.0s"));
    assert!(r.warnings.is_empty());
    // Empty at the start: from the first period, copies get what the
    // baseline leaves: 56 of their 206.7 Mbps, 27.1 % sent.
    let empty = text.replace(
        r#"settings: (metrics_period: "10s"),"#,
        r#"settings: (metrics_period: "10s", burst_credits: "empty"),"#,
    );
    let r = run_text(&empty).report;
    let cw = &r.instances[0].cloudwatch;
    let sent = &cw
        .series
        .iter()
        .find(|s| s.name == "NetworkPacketsMirrorOut")
        .unwrap()
        .values;
    let share = sent[1] as f64 / 166_670.0;
    assert!((share - 56.0 / 206.67).abs() < 0.01, "{share}");
}

#[test]
fn bw_01_headroom_counts_production_and_copies_against_the_instances_figures() {
    // plan-appliances: i-0web (m5.xlarge: 1.25 Gbps baseline, 10 Gbps
    // burst, 1,000,000 pps as the twin assumes) serves 500 connections of
    // 20 packets/s each way, 1,450 bytes, over 2 s. In: 10,000 pps x 1,450
    // x 8 = 116 Mbps. Out: 10,000 responses (116 Mbps) and 20,000 copies
    // of 1,450 + 50 = 1,500 bytes (240 Mbps, BW-01): 356 Mbps, 30,000
    // pps. Constant all run, so the peak and the 99th percentile agree.
    let r = run_scenario("plan-appliances.ron").report;
    let h = r.instances[0].headroom.as_ref().unwrap();
    assert_eq!(
        (h.egress.peak_bps, h.egress.p99_bps),
        (356_000_000, 356_000_000)
    );
    assert_eq!((h.egress.peak_pps, h.ingress.peak_pps), (30_000, 10_000));
    assert_eq!(h.ingress.peak_bps, 116_000_000);
    // 356 / 1,250 = 28.48 %, to a tenth 28.4; 356 / 10,000 = 3.56 %, 3.5;
    // 30,000 / 1,000,000 = 3.0 %; 1,250 - 356 = 894 Mbps to spare.
    assert_eq!(h.egress.peak_percent_of_baseline, "28.4");
    assert_eq!(h.egress.peak_percent_of_burst, "3.5");
    assert_eq!(h.egress.peak_percent_of_pps, "3.0");
    assert_eq!(h.egress.headroom_bps, 894_000_000);
    assert_eq!(h.ingress.peak_percent_of_baseline, "9.2");
    // Nothing was over: the allowance counters stay at zero.
    assert_eq!(
        (
            h.bw_in_allowance_exceeded,
            h.bw_out_allowance_exceeded,
            h.pps_allowance_exceeded
        ),
        (0, 0, 0)
    );
}

#[test]
fn bw_02_ena_allowance_counters_are_the_packets_the_instances_budgets_refused() {
    // over-budget: every copy skipped for an instance's bandwidth or
    // packet rate, and every production packet dropped for them, is one
    // count of bw_out_allowance_exceeded or pps_allowance_exceeded at that
    // instance; per-flow skips (BW-03) are not the instance's allowance.
    // This one checks two counts of the run against each other (the skip
    // numbers themselves are worked by hand in the BW-01..04 tests above).
    let r = run_scenario("over-budget.ron").report;
    for i in &r.instances {
        let h = i.headroom.as_ref().unwrap();
        let eni = r
            .sources
            .iter()
            .find(|s| s.instance_id.as_deref() == Some(i.instance_id.as_str()))
            .unwrap();
        let count = |reason: &str| -> u64 {
            [&eni.ingress, &eni.egress]
                .iter()
                .flat_map(|d| d.outcomes.iter())
                .filter(|o| o.reason == reason)
                .map(|o| o.packets)
                .sum()
        };
        assert_eq!(
            h.bw_out_allowance_exceeded + h.bw_in_allowance_exceeded + h.pps_allowance_exceeded,
            count("bandwidth") + count("pps") + count("production_dropped"),
            "{}",
            i.instance_id
        );
    }
    // The busy instance runs out of bandwidth, the chatty one of packets.
    let busy = r
        .instances
        .iter()
        .find(|i| i.instance_id == "i-0busy000000000001")
        .unwrap();
    assert!(busy.headroom.as_ref().unwrap().bw_out_allowance_exceeded > 0);
    let chatty = r
        .instances
        .iter()
        .find(|i| i.instance_id == "i-0chatty0000000001")
        .unwrap();
    assert!(chatty.headroom.as_ref().unwrap().pps_allowance_exceeded > 0);
}
