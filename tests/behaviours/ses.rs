//! SES: traffic mirror sessions.

use crate::common::*;

const NO_SSH: &str = r#"Filter(id: "tmf-no-ssh", ingress_filter_rules: [
    Rule(rule_number: 10, rule_action: Reject, protocol: 6, destination_port_range: (from_port: 22, to_port: 22),
         source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;
const ALL_TCP: &str = r#"Filter(id: "tmf-tcp", ingress_filter_rules: [
    Rule(rule_number: 10, rule_action: Accept, protocol: 6, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;

#[test]
fn ses_02_first_session_with_a_matching_rule_decides() {
    // Session 2 is written first; session 1 is still evaluated first.
    let sessions = [
        session_to("tms-2", "tmf-tcp", 2, "tmt-app2", ""),
        session("tms-1", "tmf-no-ssh", 1, ""),
    ]
    .concat();
    let traffic = [
        flow("ssh", "198.51.100.1", "eni-src", "Tcp", "22", 100, 100),
        flow("http", "198.51.100.1", "eni-src", "Tcp", "80", 100, 100),
        flow("syslog", "198.51.100.1", "eni-src", "Udp", "514", 100, 100),
    ]
    .concat();
    let filters = [NO_SSH, ALL_TCP].concat();
    let r = run_text(&scenario("10s", 9001, &filters, &sessions, &traffic)).report;
    let s1 = session_report(&r, "tms-1");
    let s2 = session_report(&r, "tms-2");
    // Session 1 sees all 3,000 packets: rejects SSH, passes HTTP and UDP on.
    assert_eq!(s1.evaluated.packets, 3000);
    assert_eq!(s1.rejected.packets, 1000);
    assert_eq!(s1.passed_on.packets, 2000);
    assert_eq!(s1.mirrored.packets, 0);
    // The rejected SSH never reaches session 2, which would have accepted it.
    assert_eq!(s2.evaluated.packets, 2000);
    assert_eq!(s2.mirrored.packets, 1000);
    assert_eq!(s2.passed_on.packets, 1000);
    assert_eq!(at_source(&r, "eni-src", "ingress", "filter_reject"), 1000);
    assert_eq!(at_source(&r, "eni-src", "ingress", "no_rule_matched"), 1000);
    // Mirrored at most once: 1,000 copies in all.
    assert_eq!(r.totals.categories.delivered.packets, 1000);
}

fn vnis(text: &str, seed: Option<u64>) -> Vec<u32> {
    let o = sim_core::Overrides {
        seed,
        ..Default::default()
    };
    let s = sim_core::load("t.ron", text, &o).unwrap().scenario;
    s.topology
        .sessions
        .iter()
        .map(|s| s.virtual_network_id)
        .collect()
}

#[test]
fn ses_04_absent_vnis_are_drawn_from_the_seed_and_unique() {
    let sessions = [
        session("tms-1", "tmf-all", 1, ""),
        session("tms-2", "tmf-all", 2, ", virtual_network_id: 7"),
        session("tms-3", "tmf-all", 3, ""),
    ]
    .concat();
    let text = scenario("1s", 9001, ACCEPT_ALL_V4, &sessions, "");
    let a = vnis(&text, None);
    assert_eq!(a[1], 7, "a VNI the user gave is kept");
    assert!(a[0] <= 0xff_ffff && a[2] <= 0xff_ffff, "24 bits: {a:?}");
    assert!(a[0] != a[2] && a[0] != 7 && a[2] != 7, "unique: {a:?}");
    assert_eq!(vnis(&text, None), a, "same seed, same VNIs");
    let b = vnis(&text, Some(12345));
    assert_eq!(b[1], 7);
    assert_ne!((b[0], b[2]), (a[0], a[2]), "another seed, other VNIs");
}

#[test]
fn ses_04_vni_above_24_bits_is_refused() {
    let text = scenario(
        "1s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ", virtual_network_id: 16777216"),
        "",
    );
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    let p = err.errors().next().unwrap();
    assert_eq!(
        (p.code, p.field.as_deref()),
        ("InvalidParameterValue", Some("virtual_network_id"))
    );
}

#[test]
fn ses_05_packet_length_keeps_the_first_n_bytes_of_the_inner_frame() {
    let traffic = [
        flow("big", "198.51.100.1", "eni-src", "Udp", "9000", 100, 1500),
        // 64 + 14 = 78 bytes of frame, under 100: mirrored whole.
        flow("small", "198.51.100.1", "eni-src", "Udp", "9001", 100, 64),
    ]
    .concat();
    let text = scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ", packet_length: 100"),
        &traffic,
    );
    let r = run_text(&text).report;
    let s = session_report(&r, "tms-1");
    assert_eq!(
        at_source(&r, "eni-src", "ingress", "truncated_packet_length"),
        1000
    );
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 1000);
    // Copy = 36 bytes of outer IPv4/UDP/VXLAN + the kept frame:
    // cut: 36 + 100 = 136; whole: 36 + 14 + 64 = 114.
    assert_eq!(s.delivered_copy_bytes, 1000 * 136 + 1000 * 114);
}

#[test]
fn ses_05_copies_keep_at_least_35_bytes_of_ipv4_and_55_of_ipv6() {
    let filters = r#"Filter(id: "tmf-both", ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0"),
        Rule(rule_number: 2, rule_action: Accept, source_cidr_block: "::/0", destination_cidr_block: "::/0")]),"#;
    let traffic = [
        flow("v4", "198.51.100.1", "eni-src", "Udp", "9000", 100, 1500),
        flow("v6", "2001:db8::1", "eni-src", "Udp", "9000", 100, 1500),
    ]
    .concat();
    let text = scenario(
        "10s",
        9001,
        filters,
        &session("tms-1", "tmf-both", 1, ", packet_length: 20"),
        &traffic,
    );
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("packet_length")),
        "a packet length under 35 is warned about"
    );
    let r = run_text(&text).report;
    // IPv4: 36 + 35 = 71 bytes a copy; IPv6 (outer still IPv4): 36 + 55 = 91.
    assert_eq!(
        session_report(&r, "tms-1").delivered_copy_bytes,
        1000 * 71 + 1000 * 91
    );
}

#[test]
fn ses_06_two_sessions_split_one_sources_traffic_between_appliances() {
    // The guide's example: HTTP to appliance A in the higher-priority
    // session, all other TCP to appliance B.
    let filters = r#"Filter(id: "tmf-http", ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, protocol: 6, destination_port_range: (from_port: 80, to_port: 80),
             source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#
        .to_string()
        + ALL_TCP;
    let sessions = [
        session_to("tms-a", "tmf-http", 1, "tmt-app", ""),
        session_to("tms-b", "tmf-tcp", 2, "tmt-app2", ""),
    ]
    .concat();
    let traffic = [
        flow("http", "198.51.100.1", "eni-src", "Tcp", "80", 100, 500),
        flow("https", "198.51.100.1", "eni-src", "Tcp", "443", 100, 500),
        flow("ssh", "198.51.100.1", "eni-src", "Tcp", "22", 100, 500),
    ]
    .concat();
    let r = run_text(&scenario("10s", 9001, &filters, &sessions, &traffic)).report;
    let by_target = |id: &str| {
        r.targets
            .iter()
            .find(|t| t.traffic_mirror_target_id == id)
            .unwrap()
            .categories
            .delivered
            .packets
    };
    assert_eq!(by_target("tmt-app"), 1000);
    assert_eq!(by_target("tmt-app2"), 2000);
}

#[test]
fn ses_12_sessions_are_billed_per_hour_they_exist() {
    // Three sessions over a 3-hour run with no traffic at all (billing does
    // not depend on it); one is deleted at 90 minutes. Billed: 3 + 3 + 2
    // (1.5 h, part of an hour counts whole) = 8 session-hours x 0.015 USD
    // = 0.12 USD. Exact hours: 3 + 3 + 1.5 = 7.5.
    let sessions = [
        session("tms-1", "tmf-all", 1, ""),
        session("tms-2", "tmf-all", 2, ""),
        session("tms-3", "tmf-all", 3, ""),
    ]
    .concat();
    let text = scenario("3h", 9001, ACCEPT_ALL_V4, &sessions, "").replace(
        "traffic: [",
        r#"timeline: [At(time: "90min", action: DeleteTrafficMirrorSession("tms-3"))], traffic: ["#,
    );
    let r = run_text(&text).report;
    assert_eq!(r.cost.billed_session_hours, 8);
    assert_eq!(r.cost.session_hours, "7.500000");
    assert_eq!(r.cost.sessions_usd, "0.120000");
    assert_eq!(session_report(&r, "tms-3").session_hours, "1.500000");
    // The price is a setting.
    let dearer = text.replace(
        "traffic: [",
        r#"settings: (session_hour_price: "0.02"), traffic: ["#,
    );
    assert_eq!(run_text(&dearer).report.cost.sessions_usd, "0.160000");
}
