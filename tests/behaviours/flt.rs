//! FLT: traffic mirror filters.

use crate::common::*;

/// An ingress-only filter accepting all IPv4 traffic.
const INGRESS_ONLY: &str = r#"Filter(id: "tmf-in",
    ingress_filter_rules: [Rule(rule_number: 100, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;

#[test]
fn flt_01_lowest_rule_number_decides_whatever_the_order_written() {
    // Rule 20 (accept all TCP) is written before rule 10 (reject TCP to
    // port 22); rule 10 is still tried first, so SSH is rejected.
    let filters = r#"Filter(id: "tmf-ssh", ingress_filter_rules: [
        Rule(rule_number: 20, rule_action: Accept, protocol: 6, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0"),
        Rule(rule_number: 10, rule_action: Reject, protocol: 6, destination_port_range: (from_port: 22, to_port: 22),
             source_cidr_block: "0.0.0.0/0", destination_cidr_block: "10.0.0.0/16"),
    ]),"#;
    let traffic = [
        flow("ssh", "198.51.100.1", "eni-src", "Tcp", "22", 100, 100),
        flow("https", "198.51.100.1", "eni-src", "Tcp", "443", 100, 100),
    ]
    .concat();
    let r = run_text(&scenario(
        "10s",
        9001,
        filters,
        &session("tms-1", "tmf-ssh", 1, ""),
        &traffic,
    ))
    .report;
    // 100 pps x 10 s = 1,000 packets each.
    assert_eq!(at_source(&r, "eni-src", "ingress", "filter_reject"), 1000);
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 1000);
    let s = session_report(&r, "tms-1");
    // Rules are reported in evaluation order: 10 then 20.
    let hits: Vec<(u16, u64)> = s
        .current()
        .rules
        .iter()
        .map(|h| (h.rule_number, h.packets))
        .collect();
    assert_eq!(hits, vec![(10, 1000), (20, 1000)]);
}

#[test]
fn flt_02_no_rules_for_a_direction_mirrors_nothing_that_way() {
    // Requests arrive at 100 pps, responses leave at 50 pps, for 10 s.
    let traffic = r#"Connection(name: "web", client: "198.51.100.1", server: "eni-src", protocol: Tcp, server_port: 443,
        request: (rate: "100pps", size: Fixed("200B")), response: (rate: "50pps", size: Fixed("1000B"))),"#;
    let r = run_text(&scenario(
        "10s",
        9001,
        INGRESS_ONLY,
        &session("tms-1", "tmf-in", 1, ""),
        traffic,
    ))
    .report;
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 1000);
    // No egress rules: the 500 responses are not mirrored.
    assert_eq!(
        at_source(&r, "eni-src", "egress", "no_rules_for_direction"),
        500
    );
    assert_eq!(r.sources[0].egress.categories.delivered.packets, 0);

    // A filter with no rules at all mirrors nothing in either direction.
    let empty = r#"Filter(id: "tmf-empty"),"#;
    let r = run_text(&scenario(
        "10s",
        9001,
        empty,
        &session("tms-1", "tmf-empty", 1, ""),
        traffic,
    ))
    .report;
    assert_eq!(
        at_source(&r, "eni-src", "ingress", "no_rules_for_direction"),
        1000
    );
    assert_eq!(
        at_source(&r, "eni-src", "egress", "no_rules_for_direction"),
        500
    );
    assert_eq!(r.totals.categories.delivered.packets, 0);
}

#[test]
fn flt_02_an_inbound_only_filter_is_normal_but_an_empty_one_is_warned_of() {
    // The guide's own examples are inbound-only: no warning for the
    // missing egress rules. A filter with no rule at all mirrors nothing.
    let warned = |filters: &str, filter: &str| {
        let text = scenario("1s", 9001, filters, &session("tms-1", filter, 1, ""), "");
        sim_core::load("t.ron", &text, &Default::default())
            .unwrap()
            .warnings
            .iter()
            .filter(|w| w.code == "MissingParameter")
            .count()
    };
    assert_eq!(warned(INGRESS_ONLY, "tmf-in"), 0);
    assert_eq!(warned(r#"Filter(id: "tmf-empty"),"#, "tmf-empty"), 1);
}

#[test]
fn flt_03_ingress_rules_see_arriving_packets_and_egress_rules_leaving_ones() {
    let egress_udp = r#"Filter(id: "tmf-out", egress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, protocol: 17, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;
    let traffic = [
        // Leaves eni-src: egress there.
        flow("out", "eni-src", "eni-peer", "Udp", "5000", 100, 300),
        // Arrives at eni-src: ingress there.
        flow("in", "eni-peer", "eni-src", "Udp", "5001", 100, 300),
    ]
    .concat();
    let r = run_text(&scenario(
        "10s",
        9001,
        egress_udp,
        &session("tms-1", "tmf-out", 1, ""),
        &traffic,
    ))
    .report;
    assert_eq!(at_source(&r, "eni-src", "egress", "whole"), 1000);
    assert_eq!(
        at_source(&r, "eni-src", "ingress", "no_rules_for_direction"),
        1000
    );
    assert_eq!(r.totals.categories.delivered.packets, 1000);
}

#[test]
fn flt_05_an_ipv4_rule_never_matches_ipv6_traffic() {
    let traffic = [
        flow("v4", "198.51.100.1", "eni-src", "Tcp", "443", 100, 500),
        // eni-src answers IPv6 peers from 2600:1f18::10.
        flow("v6", "2001:db8::1", "eni-src", "Tcp", "443", 100, 500),
    ]
    .concat();
    let r = run_text(&scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &traffic,
    ))
    .report;
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 1000);
    assert_eq!(at_source(&r, "eni-src", "ingress", "no_rule_matched"), 1000);
}

#[test]
fn flt_05_a_rule_mixing_ipv4_and_ipv6_cidrs_is_refused() {
    let mixed = r#"Filter(id: "tmf-mixed", ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept,
             source_cidr_block: "0.0.0.0/0",
             destination_cidr_block: "::/0")]),"#;
    let text = scenario("1s", 9001, mixed, &session("tms-1", "tmf-mixed", 1, ""), "");
    let err = sim_core::load("mixed.ron", &text, &Default::default()).unwrap_err();
    let p = err.errors().next().expect("one error");
    assert_eq!(p.code, "InvalidParameterCombination");
    assert_eq!(p.field.as_deref(), Some("destination_cidr_block"));
    // The error points at the field's own line.
    let line = text
        .lines()
        .position(|l| l.contains(r#"destination_cidr_block: "::/0""#))
        .unwrap()
        + 1;
    assert_eq!(p.position.line, line);
}

#[test]
fn flt_06_amazon_dns_service_mirrors_dns_both_ways_whatever_the_rules() {
    // The rules reject all UDP both ways, yet the amazon-dns service
    // mirrors traffic to and from the resolver (VPC base + 2 = 10.0.0.2
    // and 169.254.169.253).
    let dns_filter = r#"Filter(id: "tmf-dns", network_services: ["amazon-dns"],
        ingress_filter_rules: [Rule(rule_number: 1, rule_action: Reject, protocol: 17, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")],
        egress_filter_rules: [Rule(rule_number: 1, rule_action: Reject, protocol: 17, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;
    let traffic = format!(
        r#"Connection(name: "dns", client: "eni-src", server: "amazon-dns", protocol: Udp, server_port: 53,
            request: (rate: "10pps", size: Fixed("80B")), response: (rate: "10pps", size: Fixed("160B"))),
        {}"#,
        flow(
            "dns-link-local",
            "eni-src",
            "169.254.169.253",
            "Udp",
            "53",
            10,
            80
        )
    );
    let r = run_text(&scenario(
        "10s",
        9001,
        dns_filter,
        &session("tms-1", "tmf-dns", 1, ""),
        &traffic,
    ))
    .report;
    // 10 pps x 10 s: 100 queries + 100 link-local queries out, 100 answers in.
    assert_eq!(at_source(&r, "eni-src", "egress", "whole"), 200);
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 100);
    assert_eq!(
        session_report(&r, "tms-1").current().amazon_dns_packets,
        300
    );

    // Without the service, an accept-all filter still mirrors no DNS.
    let r = run_text(&scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &traffic,
    ))
    .report;
    assert_eq!(
        at_source(&r, "eni-src", "egress", "amazon_dns_not_enabled"),
        200
    );
    assert_eq!(
        at_source(&r, "eni-src", "ingress", "amazon_dns_not_enabled"),
        100
    );
    assert_eq!(r.totals.categories.delivered.packets, 0);
}

#[test]
fn flt_10_the_guides_example_rule_sets_behave_as_stated() {
    let r = run_scenario("filter-examples.ron").report;
    // Every flow there runs 100 pps for 10 s: 1,000 packets.
    // (a) SSH from my-network (203.0.113.0/24) to the VPC: rejected by rule 10.
    assert_eq!(
        at_source(&r, "eni-0a00000000000001", "ingress", "filter_reject"),
        1000
    );
    let a = session_report(&r, "tms-0a00000000000001");
    let hits: Vec<(u16, u64)> = a
        .current()
        .rules
        .iter()
        .map(|h| (h.rule_number, h.packets))
        .collect();
    // Rule 20 takes SSH from elsewhere, SSH from inside the VPC and HTTPS
    // from my-network: 3,000.
    assert_eq!(hits, vec![(10, 1000), (20, 3000)]);
    // UDP and ICMP are not TCP: no rule matches.
    assert_eq!(
        at_source(&r, "eni-0a00000000000001", "ingress", "no_rule_matched"),
        2000
    );
    // (b) HTTPS over IPv4 (rule 10: from the internet and the jumbo flow from
    // inside) and IPv6 (rule 20); HTTP matches neither.
    let b = session_report(&r, "tms-0b00000000000001");
    let hits: Vec<(u16, u64)> = b
        .current()
        .rules
        .iter()
        .map(|h| (h.rule_number, h.packets))
        .collect();
    assert_eq!(hits, vec![(10, 2000), (20, 1000)]);
    assert_eq!(
        at_source(&r, "eni-0b00000000000001", "ingress", "no_rule_matched"),
        1000
    );
    assert_eq!(b.mirrored.packets, 3000);
    // The 8996-byte packets exceed the monitor's 9001 MTU by the guide's 54.
    assert_eq!(
        at_source(&r, "eni-0b00000000000001", "ingress", "truncated_mtu"),
        1000
    );
}
