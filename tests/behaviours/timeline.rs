//! SES-09, SES-10, FLT-09 and flow rates: changes during a run.

use crate::common::*;

#[test]
fn ses_09_deleting_the_source_eni_deletes_its_sessions_and_its_traffic() {
    let text = with_timeline(
        scenario(
            "10s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("x", "198.51.100.1", "eni-src", "Udp", "1", 100, 200),
        ),
        r#"At(time: "5s", action: DeleteNetworkInterface("eni-src"))"#,
    );
    let r = run_text(&text).report;
    // 100 pps until 5 s: 500 packets, all mirrored; then the ENI is gone.
    assert_eq!(r.totals.generated.packets, 500);
    assert_eq!(r.totals.categories.delivered.packets, 500);
    // The session existed 5 s of the run.
    assert_eq!(session_report(&r, "tms-1").session_hours, "0.001388");
}

#[test]
fn ses_10_deleting_the_targets_resource_stops_mirroring_until_a_new_target() {
    let text = with_timeline(
        scenario(
            "10s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("x", "198.51.100.1", "eni-src", "Udp", "1", 100, 200),
        ),
        r#"At(time: "3s", action: DeleteNetworkInterface("eni-app")),
           At(time: "6s", action: ModifyTrafficMirrorSession(traffic_mirror_session_id: "tms-1",
                                                             traffic_mirror_target_id: "tmt-app2"))"#,
    );
    let r = run_text(&text).report;
    // 100 pps: 300 delivered to eni-app; from 3 s to 6 s the target's ENI is
    // gone, and AWS stops mirroring (SES-13, which corrects the old reading
    // "copies are sent and dropped"): 300 packets not mirrored, none sent to
    // tmt-app; 400 to eni-app2 after the session moves.
    let t = |id: &str| {
        r.targets
            .iter()
            .find(|t| t.traffic_mirror_target_id == id)
            .unwrap()
    };
    assert_eq!(t("tmt-app").categories.delivered.packets, 300);
    assert_eq!(t("tmt-app").categories.dropped.packets, 0);
    assert_eq!(t("tmt-app2").categories.delivered.packets, 400);
    let s = session_report(&r, "tms-1");
    assert!(
        s.outcomes.iter().any(|o| o.outcome == "not_mirrored"
            && o.reason == "target_deleted"
            && o.packets == 300)
    );
}

#[test]
fn ses_13_a_deleted_targets_sessions_make_no_copy_and_spend_nothing() {
    let text = with_timeline(
        scenario(
            "10s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("x", "198.51.100.1", "eni-src", "Udp", "1", 100, 200),
        ),
        r#"At(time: "4s", action: DeleteNetworkInterface("eni-app"))"#,
    );
    let r = run_text(&text).report;
    // 100 pps of 200-byte packets: 400 copies in the first 4 s, each 200 +
    // 50 = 250 bytes on the wire: 100,000 copy bytes; none after.
    let s = session_report(&r, "tms-1");
    assert_eq!(s.copy_bytes, 400 * 250);
    assert_eq!(s.categories.delivered.packets, 400);
    assert_eq!(s.categories.not_mirrored.packets, 600);
    assert_eq!(at_source(&r, "eni-src", "ingress", "target_deleted"), 600);
    // CloudWatch NetworkMirrorIn counts only the 400 mirrored packets'
    // bytes (400 x 200 = 80,000): the source spent nothing after 4 s.
    let i = r
        .instances
        .iter()
        .find(|i| i.instance_id == "i-src")
        .unwrap();
    let mirror_in: u64 = i
        .cloudwatch
        .series
        .iter()
        .find(|n| n.name == "NetworkMirrorIn")
        .unwrap()
        .values
        .iter()
        .sum();
    assert_eq!(mirror_in, 80_000);
}

#[test]
fn flt_09_a_filters_new_rules_apply_to_every_session_using_it_at_once() {
    // Two sources share tmf-all. At 4 s its rules change to UDP only.
    let sessions = session("tms-1", "tmf-all", 1, "")
        + r#"Session(id: "tms-2", network_interface_id: "eni-peer", traffic_mirror_target_id: "tmt-app2",
                     traffic_mirror_filter_id: "tmf-all", session_number: 1),"#;
    let traffic = [
        flow("tcp-1", "198.51.100.1", "eni-src", "Tcp", "443", 100, 200),
        flow("udp-1", "198.51.100.1", "eni-src", "Udp", "53", 100, 200),
        flow("tcp-2", "198.51.100.1", "eni-peer", "Tcp", "443", 100, 200),
        flow("udp-2", "198.51.100.1", "eni-peer", "Udp", "53", 100, 200),
    ]
    .concat();
    let text = with_timeline(
        scenario("10s", 9001, ACCEPT_ALL_V4, &sessions, &traffic),
        r#"At(time: "4s", action: ReplaceTrafficMirrorFilterRules(traffic_mirror_filter_id: "tmf-all",
              ingress_filter_rules: [Rule(rule_number: 5, rule_action: Accept, protocol: 17,
                                          source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]))"#,
    );
    let r = run_text(&text).report;
    // Each session: TCP mirrored for 4 s (400), UDP for all 10 s (1,000).
    for s in ["tms-1", "tms-2"] {
        assert_eq!(
            session_report(&r, s).categories.delivered.packets,
            1_400,
            "{s}"
        );
    }
    // After 4 s the TCP matches no rule: 600 per source.
    assert_eq!(at_source(&r, "eni-src", "ingress", "no_rule_matched"), 600);
}

#[test]
fn a_flows_rate_can_change_mid_run() {
    let text = with_timeline(
        scenario(
            "10s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("x", "198.51.100.1", "eni-src", "Udp", "1", 100, 200),
        ),
        r#"At(time: "5s", action: SetFlowRate(flow: "x", rate: "300pps"))"#,
    );
    // 100 pps for 5 s, 300 pps for 5 s: 500 + 1,500.
    assert_eq!(run_text(&text).report.totals.generated.packets, 2_000);
    // A flow nobody declared: refused.
    let bad = with_timeline(
        scenario("10s", 9001, ACCEPT_ALL_V4, "", ""),
        r#"At(time: "5s", action: SetFlowRate(flow: "nope", rate: "300pps"))"#,
    );
    assert!(sim_core::load("t.ron", &bad, &Default::default()).is_err());
}
