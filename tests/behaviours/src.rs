//! SRC: traffic mirror sources.

use crate::common::*;

/// Accepts everything, IPv4 and IPv6, both ways.
const ACCEPT_EVERYTHING: &str = r#"Filter(id: "tmf-any",
    ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0"),
        Rule(rule_number: 2, rule_action: Accept, source_cidr_block: "::/0", destination_cidr_block: "::/0")],
    egress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0"),
        Rule(rule_number: 2, rule_action: Accept, source_cidr_block: "::/0", destination_cidr_block: "::/0")]),"#;

#[test]
fn src_03_arp_dhcp_metadata_time_sync_and_windows_activation_are_never_mirrored() {
    let traffic = [
        r#"Flow(name: "arp", from: "10.0.1.1", to: "eni-src", protocol: Arp, rate: "10pps", size: Fixed("28B")),"#.to_string(),
        r#"Flow(name: "dhcp", from: "eni-src", to: "10.0.1.1", protocol: Udp, source_port: 68, destination_port: 67, rate: "10pps", size: Fixed("328B")),"#.to_string(),
        flow("imds-v4", "eni-src", "instance-metadata", "Tcp", "80", 10, 200),
        flow("imds-v6", "eni-src", "fd00:ec2::254", "Tcp", "80", 10, 200),
        flow("ntp-v4", "eni-src", "time-sync", "Udp", "123", 10, 76),
        flow("ntp-v6", "eni-src", "fd00:ec2::123", "Udp", "123", 10, 96),
        flow("kms-250", "eni-src", "169.254.169.250", "Tcp", "1688", 10, 200),
        flow("kms-251", "eni-src", "169.254.169.251", "Tcp", "1688", 10, 200),
        // A control: ordinary UDP, mirrored by the same filter.
        flow("control", "eni-src", "eni-peer", "Udp", "9999", 10, 200),
    ]
    .concat();
    let r = run_text(&scenario(
        "10s",
        9001,
        ACCEPT_EVERYTHING,
        &session("tms-1", "tmf-any", 1, ""),
        &traffic,
    ))
    .report;
    // 10 pps x 10 s = 100 packets per flow.
    assert_eq!(
        at_source(&r, "eni-src", "ingress", "never_mirrored_arp"),
        100
    );
    assert_eq!(
        at_source(&r, "eni-src", "egress", "never_mirrored_dhcp"),
        100
    );
    assert_eq!(
        at_source(&r, "eni-src", "egress", "never_mirrored_instance_metadata"),
        200
    );
    assert_eq!(
        at_source(&r, "eni-src", "egress", "never_mirrored_time_sync"),
        200
    );
    assert_eq!(
        at_source(&r, "eni-src", "egress", "never_mirrored_windows_activation"),
        200
    );
    assert_eq!(r.totals.categories.delivered.packets, 100);
    // Sessions never see them: only the control's 100 were evaluated.
    assert_eq!(session_report(&r, "tms-1").evaluated.packets, 100);
}
