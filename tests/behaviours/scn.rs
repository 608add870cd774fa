//! SCN: the user guide's example scenarios, with figures worked out by hand
//! from each file's flows.

use crate::common::*;

/// Asserts `actual` is within `tolerance` of `expected` (for flows whose
/// packet sizes or gaps are drawn at random).
fn near(actual: u64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual as f64 - expected).abs() <= tolerance,
        "{what}: {actual}, expected {expected} +/- {tolerance}"
    );
}

#[test]
fn scn_01_inbound_tcp_to_a_single_appliance() {
    let r = run_scenario("tcp-single-appliance.ron").report;
    let eni = "eni-0source0000000001";
    // jumbo-whole: 8947-byte packets, the most a 9001-byte MTU target
    // takes whole (9001 - 54, MTU-02): none is cut.
    assert_eq!(at_source(&r, eni, "ingress", "truncated_mtu"), 0);
    // The guide's example is a plan with nothing to warn of.
    let text = std::fs::read_to_string(root().join("scenarios/tcp-single-appliance.ron")).unwrap();
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    // statsd (UDP, 500 pps) and ping (ICMP, 1 pps): no TCP rule matches.
    assert_eq!(at_source(&r, eni, "ingress", "no_rule_matched"), 5000 + 10);
    // dhcp: 1 pps for 2 s; windows activation: 1 pps for 10 s.
    assert_eq!(at_source(&r, eni, "egress", "never_mirrored_dhcp"), 2);
    assert_eq!(
        at_source(&r, eni, "egress", "never_mirrored_windows_activation"),
        10
    );
    // No outbound rules: nothing leaving the ENI is mirrored.
    let src = &r.sources[0];
    assert_eq!(src.egress.categories.delivered.packets, 0);
    // https responses: 4 connections x 80 Mbps of 1500-byte packets
    // = 6,666.7 pps each, Poisson; 10 s gives 266,667 (sd ~516).
    near(
        at_source(&r, eni, "egress", "no_rules_for_direction"),
        266_667.0,
        2_600.0,
        "responses",
    );
}

#[test]
fn scn_02_inbound_tcp_and_udp_to_two_appliances() {
    let r = run_scenario("tcp-udp-split.ron").report;
    let eni = "eni-0web000000000001";
    let target = |id: &str| {
        r.targets
            .iter()
            .find(|t| t.traffic_mirror_target_id == id)
            .unwrap()
    };
    let b = target("tmt-0b00000000000000b");
    // Appliance B gets the UDP, which is syslog alone (DNS and NTP are never
    // mirrored here): 2,000 pps x 10 s.
    assert_eq!(b.received.packets, 20_000);
    // Syslog sizes are uniform over 100..=1500; MTU 1500 cuts those above
    // 1446: 54 of 1,401 values, 20,000 x 54 / 1,401 = 770.9 (sd 27.2).
    near(
        b.categories.truncated.packets,
        770.9,
        136.0,
        "truncated at B",
    );
    // Appliance A gets TCP: the https requests, 8 x 40 Mbps of IMIX (mean
    // (7x40 + 4x576 + 1500) / 12 = 340.33 bytes) = 117,532 pps for 10 s =
    // 1,175,318, plus the postgres replies: one 8500-byte packet every
    // 8.5 ms for 10 s = 1,177.
    let a = target("tmt-0a00000000000000a");
    near(
        a.received.packets,
        1_175_318.0 + 1_177.0,
        6_000.0,
        "received at A",
    );
    // 10 pps of ping over 10 s: no rule matches ICMP.
    assert_eq!(at_source(&r, eni, "ingress", "no_rule_matched"), 100);
    // Never mirrored: instance metadata 5 pps, time sync 1 pps each way,
    // ARP 1 pps; Amazon DNS 50 pps each way without the service.
    assert_eq!(
        at_source(&r, eni, "ingress", "never_mirrored_instance_metadata"),
        50
    );
    assert_eq!(at_source(&r, eni, "egress", "never_mirrored_time_sync"), 10);
    assert_eq!(at_source(&r, eni, "ingress", "never_mirrored_arp"), 10);
    assert_eq!(at_source(&r, eni, "egress", "amazon_dns_not_enabled"), 500);
    // Egress: no filter has outbound rules. https responses 8 x 120 Mbps of
    // 1500 bytes = 80,000 pps, and postgres requests 2 Mbps of 200 bytes =
    // 1,250 pps, for 10 s: 812,500.
    assert_eq!(
        at_source(&r, eni, "egress", "no_rules_for_direction"),
        812_500
    );
}

#[test]
fn scn_03_non_local_vpc_traffic_only() {
    let r = run_scenario("non-local-vpc.ron").report;
    let eni = "eni-0edge00000000001";
    // To the backend inside the VPC, rejected by egress rule 10: requests of
    // 5 Mbps of 800 bytes (one per 1.28 ms: 7,813 in 10 s) and statsd at
    // 100 pps (1,000).
    assert_eq!(at_source(&r, eni, "egress", "filter_reject"), 7_813 + 1_000);
    // backend replies: 20 Mbps of 8000 bytes, one per 3.2 ms: 3,125, from
    // inside the VPC: rejected by ingress rule 10.
    assert_eq!(at_source(&r, eni, "ingress", "filter_reject"), 3_125);
    // IPv6 clients: IPv4 rules never match. Requests 1 Mbps of 500 bytes
    // (one per 4 ms: 2,500), replies 2 Mbps of 1400 bytes (one per 5.6 ms:
    // 1,786).
    assert_eq!(at_source(&r, eni, "ingress", "no_rule_matched"), 2_500);
    assert_eq!(at_source(&r, eni, "egress", "no_rule_matched"), 1_786);
    // Mirrored outbound, to a monitor with MTU 1500: the https replies,
    // 4 x 40 Mbps of 1500 bytes (one per 0.3 ms), exceed 1500 - 54 and are
    // cut. The 4 connections' responses start 1/8, 3/8, 5/8 and 7/8 of a
    // gap in (37.5, 112.5, 187.5, 262.5 us): only the first fits 33,334
    // packets in 10 s (the last at 9.9999 s plus an offset under 0.1 ms),
    // the others 33,333. The api requests (1 Mbps of 600 bytes, one per
    // 4.8 ms: 2,084) and NTP requests (1 pps: 10) arrive whole.
    assert_eq!(
        at_source(&r, eni, "egress", "truncated_mtu"),
        33_334 + 3 * 33_333
    );
    assert_eq!(at_source(&r, eni, "egress", "whole"), 2_084 + 10);
    // Never mirrored: instance metadata 2 pps and time sync 1 pps, each way.
    assert_eq!(
        at_source(&r, eni, "egress", "never_mirrored_instance_metadata"),
        20
    );
    assert_eq!(
        at_source(&r, eni, "ingress", "never_mirrored_time_sync"),
        10
    );
}

#[test]
fn scn_05_suricata_gets_inbound_tcp_only() {
    let r = run_scenario("suricata-tcp.ron").report;
    let eni = "eni-0webserver0000001";
    // The UDP probe (50 pps, 10 s) and the health checker's ping (1 pps)
    // match no rule: the guide's Suricata UDP alert would never fire.
    assert_eq!(at_source(&r, eni, "ingress", "no_rule_matched"), 500 + 10);
    assert_eq!(at_source(&r, eni, "ingress", "amazon_dns_not_enabled"), 200);
    assert_eq!(
        at_source(&r, eni, "egress", "never_mirrored_instance_metadata"),
        10
    );
    assert_eq!(r.sources[0].egress.categories.delivered.packets, 0);
    // What Suricata receives is TCP alone: every delivered copy came through
    // the single TCP rule.
    let s = &r.sessions[0];
    assert_eq!(
        s.current().rules[0].packets,
        r.targets[0].categories.delivered.packets
    );
    // http requests: 16 x 5 Mbps of IMIX (mean 340.33 bytes) = 29,383 pps,
    // Poisson, for 10 s: 293,830 (sd ~540), plus 100 health checks.
    near(s.mirrored.packets, 293_930.0, 3_000.0, "mirrored");
    // One IMIX packet in 12 is 1500 bytes, over Suricata's MTU 1500 less 54:
    // 293,830 / 12 = 24,486 (sd ~150).
    near(s.categories.truncated.packets, 24_486.0, 800.0, "truncated");
}
