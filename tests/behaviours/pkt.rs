//! PKT: the byte accounting of copies.

use crate::common::*;

#[test]
fn pkt_05_copies_add_50_bytes_over_ipv4_and_truncation_counts_54() {
    // A 1000-byte packet: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet
    // 14 = 50 bytes more, 1050 on the wire.
    let traffic = flow("x", "198.51.100.1", "eni-src", "Udp", "9000", 100, 1000);
    let r = run_text(&scenario(
        "10s",
        1500,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &traffic,
    ))
    .report;
    assert_eq!(session_report(&r, "tms-1").copy_bytes, 1000 * 1050);
    // Yet the truncation threshold uses the guide's 54: see mtu_01, where
    // 1447 bytes is cut at MTU 1500 although 1447 + 50 = 1497 would fit.
}

#[test]
fn pkt_05_copies_add_70_bytes_over_ipv6_and_truncation_counts_74() {
    // Source and appliance both IPv6: the outer header is IPv6 (40 bytes),
    // so copies carry 70 bytes more and the threshold is MTU - 74.
    let text = r#"Scenario(
        name: "v6", seed: 1, duration: "10s",
        vpcs: [Vpc(id: "vpc-6", cidr_blocks: ["10.6.0.0/16", "2600:1f18:6::/56"], subnets: [
            Subnet(id: "subnet-6", availability_zone: "us-east-1a", cidr_block: "10.6.1.0/24", ipv6_cidr_block: "2600:1f18:6::/64")])],
        instances: [
            Instance(id: "i-s", instance_type: "m5.large", subnet: "subnet-6", network_interfaces: [Eni(id: "eni-s", private_ip: "2600:1f18:6::a")]),
            Instance(id: "i-t", instance_type: "c5.large", subnet: "subnet-6", network_interfaces: [Eni(id: "eni-t", private_ip: "2600:1f18:6::b")]),
        ],
        traffic_mirror_targets: [Target(id: "tmt-t", network_interface_id: "eni-t")],
        traffic_mirror_filters: [Filter(id: "tmf-6", ingress_filter_rules: [
            Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "::/0", destination_cidr_block: "::/0")])],
        traffic_mirror_sessions: [Session(id: "tms-6", network_interface_id: "eni-s", traffic_mirror_target_id: "tmt-t",
            traffic_mirror_filter_id: "tmf-6", session_number: 1)],
        traffic: [
            Flow(name: "fits", from: "2001:db8::1", to: "eni-s", protocol: Tcp, destination_port: 1, rate: "100pps", size: Fixed("8927B")),
            Flow(name: "over", from: "2001:db8::1", to: "eni-s", protocol: Tcp, destination_port: 2, rate: "100pps", size: Fixed("8928B")),
        ],
    )"#;
    let r = run_text(text).report;
    // 8927 + 74 = 9001: whole. 8928 + 74 = 9002: cut to 9001 - 74 = 8927.
    assert_eq!(at_source(&r, "eni-s", "ingress", "whole"), 1000);
    assert_eq!(at_source(&r, "eni-s", "ingress", "truncated_mtu"), 1000);
    // Each copy: 8927 + 14 + 40 + 8 + 8 = 8997 bytes.
    assert_eq!(r.targets[0].delivered_copy_bytes, 2000 * 8997);
}
