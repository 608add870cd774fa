//! MET: every offered packet ends in exactly one outcome.

use crate::common::*;
use reports::Report;

/// The invariant of MET-02 over a whole report.
fn assert_outcomes_add_up(r: &Report) {
    for s in &r.sources {
        for d in [&s.ingress, &s.egress] {
            let sum: u64 = d.outcomes.iter().map(|o| o.packets).sum();
            let bytes: u64 = d.outcomes.iter().map(|o| o.bytes).sum();
            assert_eq!(sum, d.offered.packets, "{}", s.network_interface_id);
            assert_eq!(bytes, d.offered.bytes, "{}", s.network_interface_id);
        }
    }
    for s in &r.sessions {
        let id = &s.traffic_mirror_session_id;
        assert_eq!(
            s.evaluated.packets,
            s.passed_on.packets + s.rejected.packets + s.mirrored.packets,
            "{id}"
        );
        let sum: u64 = s.outcomes.iter().map(|o| o.packets).sum();
        assert_eq!(sum, s.mirrored.packets, "{id}");
    }
    // Targets receive every copy sent: accepted, less those skipped.
    let sent: u64 = r
        .sessions
        .iter()
        .map(|s| s.mirrored.packets - s.categories.skipped.packets)
        .sum();
    let received: u64 = r.targets.iter().map(|t| t.received.packets).sum();
    assert_eq!(sent, received);
    let c = &r.totals.categories;
    assert_eq!(
        c.not_mirrored.packets + c.skipped.packets + c.dropped.packets + c.delivered.packets,
        r.totals.offered.packets
    );
}

#[test]
fn met_02_every_offered_packet_has_one_outcome_per_source() {
    // eni-src and eni-peer are both sources. A flow between them is egress
    // at one and ingress at the other: 1,000 packets generated, offered
    // twice, mirrored by both (as AWS does).
    let sessions = session("tms-1", "tmf-all", 1, "")
        + r#"Session(id: "tms-peer", network_interface_id: "eni-peer", traffic_mirror_target_id: "tmt-app2",
                     traffic_mirror_filter_id: "tmf-all", session_number: 1),"#;
    let traffic = [
        flow("between", "eni-src", "eni-peer", "Udp", "9000", 100, 400),
        flow(
            "imds",
            "eni-src",
            "instance-metadata",
            "Tcp",
            "80",
            100,
            400,
        ),
    ]
    .concat();
    let r = run_text(&scenario("10s", 9001, ACCEPT_ALL_V4, &sessions, &traffic)).report;
    assert_eq!(r.totals.generated.packets, 2000);
    // between: 1,000 at each of two sources; imds: 1,000 at eni-src.
    assert_eq!(r.totals.offered.packets, 3000);
    assert_eq!(r.totals.categories.delivered.packets, 2000);
    assert_eq!(r.totals.categories.not_mirrored.packets, 1000);
    assert_outcomes_add_up(&r);
}

#[test]
fn met_02_outcomes_add_up_in_every_scenario() {
    for path in scenario_files() {
        let r = run_file(&path).report;
        assert_outcomes_add_up(&r);
        assert!(r.totals.offered.packets > 0, "{}", path.display());
    }
}

#[test]
fn met_01_cloudwatch_series_per_instance_and_period() {
    // 100 pps in and 50 pps out, all mirrored, for 3 minutes at a 1-minute
    // period: each period holds 6,000 packets in (of 500 bytes: 3,000,000
    // bytes) and 3,000 out (of 200 bytes: 600,000 bytes); nothing skipped.
    let traffic = r#"Connection(name: "c", client: "198.51.100.1", server: "eni-src", protocol: Tcp, server_port: 443,
        request: (rate: "100pps", size: Fixed("500B")), response: (rate: "50pps", size: Fixed("200B"))),"#;
    let r = run_text(&scenario(
        "3min",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        traffic,
    ))
    .report;
    let i = r
        .instances
        .iter()
        .find(|i| i.instance_id == "i-src")
        .unwrap();
    assert_eq!(i.cloudwatch.period_ns, 60_000_000_000);
    let get = |name: &str| {
        i.cloudwatch
            .series
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .values
            .clone()
    };
    assert_eq!(get("NetworkMirrorIn"), vec![3_000_000; 3]);
    assert_eq!(get("NetworkMirrorOut"), vec![600_000; 3]);
    assert_eq!(get("NetworkPacketsMirrorIn"), vec![6_000; 3]);
    assert_eq!(get("NetworkPacketsMirrorOut"), vec![3_000; 3]);
    assert_eq!(get("NetworkSkipMirrorIn"), vec![0; 3]);
    assert_eq!(get("NetworkPacketsSkipMirrorOut"), vec![0; 3]);
    // At a 5-minute period the same run is one period.
    let five = scenario(
        "3min",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        traffic,
    )
    .replace(
        "traffic: [",
        r#"settings: (metrics_period: "5min"), traffic: ["#,
    );
    let r = run_text(&five).report;
    let i = r
        .instances
        .iter()
        .find(|i| i.instance_id == "i-src")
        .unwrap();
    let v = &i
        .cloudwatch
        .series
        .iter()
        .find(|s| s.name == "NetworkPacketsMirrorIn")
        .unwrap()
        .values;
    assert_eq!(v, &vec![18_000]);
}
