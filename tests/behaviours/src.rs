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

fn first_error(text: &str) -> (String, String) {
    let err = sim_core::load("t.ron", text, &Default::default()).unwrap_err();
    let p = err.errors().next().unwrap();
    (
        p.code.to_string(),
        p.message.clone() + &p.help.clone().unwrap_or_default(),
    )
}

fn with_source_type(itype: &str) -> String {
    scenario(
        "1s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        "",
    )
    .replace(
        r#"Instance(id: "i-src", instance_type: "m5.large""#,
        &format!(r#"Instance(id: "i-src", instance_type: "{itype}""#),
    )
}

#[test]
fn src_01_only_the_listed_instance_types_may_be_sources() {
    for ok in [
        "m5.large",
        "m7i-flex.2xlarge",
        "c6in.32xlarge",
        "c5.metal",
        "u-6tb1.112xlarge",
        "t4g.nano",
    ] {
        let text = with_source_type(ok);
        assert!(
            sim_core::load("t.ron", &text, &Default::default()).is_ok(),
            "{ok}"
        );
    }
    // Not listed (t2), or bare metal of a family listed for virtualised
    // sizes only (m6i): NetworkInterfaceNotSupported.
    for no in ["t2.micro", "m6i.metal", "m8g.large"] {
        let (code, _) = first_error(&with_source_type(no));
        assert_eq!(code, "NetworkInterfaceNotSupported", "{no}");
    }
    // A typo is not a type: the error names the closest ones.
    let (code, msg) = first_error(&with_source_type("c5n.xlarg"));
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("c5n.xlarge"), "{msg}");
    // Only ENIs of type interface.
    let efa = with_source_type("c5n.18xlarge").replace(
        r#"Eni(id: "eni-src", private_ip: "10.0.1.10""#,
        r#"Eni(id: "eni-src", interface_type: "efa", private_ip: "10.0.1.10""#,
    );
    assert_eq!(first_error(&efa).0, "NetworkInterfaceNotSupported");
}

#[test]
fn src_02_of_requester_managed_enis_only_rds_and_elasticache_may_be_sources() {
    let managed = |service: &str| {
        scenario("1s", 9001, ACCEPT_ALL_V4, &session_on("tms-1", "eni-db", "tmf-all"), "").replace(
            "    traffic_mirror_targets: [",
            &format!(
                r#"    network_interfaces: [Eni(id: "eni-db", subnet: "subnet-1", private_ip: "10.0.1.77", requester_managed_by: "{service}")],
    traffic_mirror_targets: ["#
            ),
        )
    };
    for ok in ["rds", "elasticache"] {
        assert!(
            sim_core::load("t.ron", &managed(ok), &Default::default()).is_ok(),
            "{ok}"
        );
    }
    for no in ["elb", "nat-gateway", "lambda"] {
        assert_eq!(
            first_error(&managed(no)).0,
            "NetworkInterfaceNotSupported",
            "{no}"
        );
    }
}

/// A session on another ENI than eni-src.
fn session_on(id: &str, eni: &str, filter: &str) -> String {
    format!(
        r#"Session(id: "{id}", network_interface_id: "{eni}", traffic_mirror_target_id: "tmt-app",
                   traffic_mirror_filter_id: "{filter}", session_number: 1),"#
    )
}

#[test]
fn src_04_a_source_in_an_ipv6_only_subnet_is_refused() {
    let text =
        std::fs::read_to_string(root().join("scenarios/invalid/38-ipv6-only-subnet-source.ron"))
            .unwrap();
    let (code, msg) = first_error(&text);
    assert_eq!(code, "NetworkInterfaceNotSupported");
    assert!(msg.contains("IPv6-only"), "{msg}");
}

/// The standard topology with a security group on eni-src that admits
/// TCP 443 from anywhere only.
fn with_source_sg(traffic: &str) -> String {
    scenario("10s", 9001, ACCEPT_ALL_V4, &session("tms-1", "tmf-all", 1, ""), traffic)
        .replace(
            r#"subnets: [
            Subnet("#,
            r#"security_groups: [SecurityGroup(id: "sg-web", ingress_rules: [
                SgRule(protocol: 6, port_range: (from_port: 443, to_port: 443), cidr_block: "0.0.0.0/0")]),
                SecurityGroup(id: "sg-ids", ingress_rules: [
                SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), cidr_block: "10.0.0.0/16")])],
            subnets: [
            Subnet("#,
        )
        .replace(
            r#"ipv6_address: "2600:1f18::10")"#,
            r#"ipv6_address: "2600:1f18::10", security_groups: ["sg-web"])"#,
        )
        // The appliance admits VXLAN from the VPC: in the VPC's default
        // group alone it would admit only that group's members (SEC-01).
        .replace(
            r#"private_ip: "10.0.1.20", mtu: 9001)"#,
            r#"private_ip: "10.0.1.20", mtu: 9001, security_groups: ["sg-ids"])"#,
        )
}

#[test]
fn src_05_inbound_traffic_the_sources_security_group_drops_is_not_mirrored() {
    let traffic = [
        flow("https", "198.51.100.1", "eni-src", "Tcp", "443", 100, 300),
        flow("ssh", "198.51.100.1", "eni-src", "Tcp", "22", 100, 300),
        // eni-src calls out; the answers come back in. Security groups are
        // stateful: the answers pass although no rule admits them.
        r#"Connection(name: "outbound", client: "eni-src", server: "203.0.113.5", protocol: Tcp, server_port: 5432,
            request: (rate: "50pps", size: Fixed("200B")), response: (rate: "50pps", size: Fixed("900B"))),"#
            .to_string(),
    ]
    .concat();
    let r = run_text(&with_source_sg(&traffic)).report;
    // 100 pps x 10 s of SSH dropped, never mirrored; the session never saw it.
    assert_eq!(
        at_source(&r, "eni-src", "ingress", "dropped_by_source_sg"),
        1000
    );
    assert_eq!(
        session_report(&r, "tms-1").evaluated.packets,
        1000 + 500 + 500
    );
    // HTTPS 1,000 and the 500 answers in, 500 requests out: all delivered.
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 1500);
    assert_eq!(at_source(&r, "eni-src", "egress", "whole"), 500);
}

#[test]
fn src_05_inbound_traffic_the_source_subnets_network_acl_drops_is_not_mirrored() {
    let acl = r#"network_acls: [NetworkAcl(id: "acl-1", default: true, ingress_entries: [
                Entry(rule_number: 10, rule_action: Deny, protocol: 17, cidr_block: "0.0.0.0/0"),
                Entry(rule_number: 20, rule_action: Allow, cidr_block: "0.0.0.0/0")])],
            subnets: ["#;
    let traffic = [
        flow("udp-in", "198.51.100.1", "eni-src", "Udp", "514", 100, 300),
        flow("tcp-in", "198.51.100.1", "eni-src", "Tcp", "443", 100, 300),
        // From eni-peer in the same subnet: ACLs guard the subnet's edge only.
        flow("udp-local", "eni-peer", "eni-src", "Udp", "515", 100, 300),
    ]
    .concat();
    let text = scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &traffic,
    )
    .replace("subnets: [", acl);
    let r = run_text(&text).report;
    assert_eq!(
        at_source(&r, "eni-src", "ingress", "dropped_by_source_nacl"),
        1000
    );
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 2000);
}

#[test]
fn src_06_copies_of_outbound_traffic_ignore_the_sources_outbound_rules() {
    // eni-src's security group admits only HTTPS in and the twin gives it no
    // outbound rule at all; its outbound packets and their copies still
    // leave: 100 pps x 10 s mirrored and delivered.
    let traffic = flow("out", "eni-src", "203.0.113.9", "Udp", "9999", 100, 300);
    let r = run_text(&with_source_sg(&traffic)).report;
    assert_eq!(at_source(&r, "eni-src", "egress", "whole"), 1000);
    assert_eq!(r.targets[0].categories.delivered.packets, 1000);
}

/// scenarios/flow-logs.ron with its flow log replaced by `log`.
fn flow_log_run(log: &str) -> Run {
    let text = std::fs::read_to_string(root().join("scenarios/flow-logs.ron")).unwrap();
    let bytes = log.as_bytes().to_vec();
    let read = move |_: &str| Ok(bytes.clone().into());
    run_loaded(
        sim_core::load_with("flow-logs.ron", &text, &Default::default(), &read)
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario,
    )
}

#[test]
fn src_05_flow_log_records_accept_is_not_judged_again_reject_is_never_mirrored() {
    // The ENI's security group admits TCP 80 only. An ACCEPT record of
    // HTTPS in, 600 packets and 600,000 bytes over [0, 60 s): 10 pps of
    // 1,000 bytes, all 600 mirrored and delivered (the log says the ENI
    // admitted them). A REJECT record of SSH in, 120 packets of 60 bytes
    // over the same minute: 2 pps, all 120 dropped_by_source_sg, none
    // mirrored.
    let r = flow_log_run(
        "2 123456789012 eni-0web0000000000001 203.0.113.12 10.0.1.10 49152 443 6 600 600000 1767225600 1767225660 ACCEPT OK
2 123456789012 eni-0web0000000000001 198.51.100.9 10.0.1.10 50000 22 6 120 7200 1767225600 1767225660 REJECT OK
",
    )
    .report;
    let c = &r.totals.categories;
    assert_eq!(r.totals.generated.packets, 720);
    assert_eq!((c.delivered.packets, c.delivered.bytes), (600, 600_000));
    assert_eq!((c.not_mirrored.packets, c.not_mirrored.bytes), (120, 7_200));
    let src = &r.sources[0];
    let sg = src
        .ingress
        .outcomes
        .iter()
        .find(|o| o.reason == "dropped_by_source_sg")
        .expect("the rejected SSH");
    assert_eq!((sg.packets, sg.bytes), (120, 7_200));
}

#[test]
fn src_06_flow_log_outbound_reject_was_mirrored_before_the_security_group() {
    // Outbound, 10.0.1.10 -> 192.0.2.44:25, REJECT: 60 packets of 60 bytes
    // over [0, 30 s): 2 pps for 30 s, 60 packets, every one mirrored (the
    // filter accepts outbound TCP), since mirroring sees outbound traffic
    // before the security group (SRC-06). The record after it names an ENI
    // the scenario lacks, and the last cannot be read: a warning, and no
    // traffic from them.
    let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 123456789012 eni-0web0000000000001 10.0.1.10 192.0.2.44 40000 25 6 60 3600 1767225600 1767225630 REJECT OK
2 123456789012 eni-0db00000000000001 10.0.1.10 10.0.2.20 41000 5432 6 50 5000 1767225600 1767225660 ACCEPT OK
2 123456789012 eni-0web0000000000001 1.2.3.4
";
    let run = flow_log_run(text);
    let c = &run.report.totals.categories;
    assert_eq!(run.report.totals.generated.packets, 60);
    assert_eq!((c.delivered.packets, c.delivered.bytes), (60, 3_600));
    let text_ron = std::fs::read_to_string(root().join("scenarios/flow-logs.ron")).unwrap();
    let bytes = text.as_bytes().to_vec();
    let read = move |_: &str| Ok(bytes.clone().into());
    let loaded =
        sim_core::load_with("flow-logs.ron", &text_ron, &Default::default(), &read).unwrap();
    let w: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter().any(|w| w.contains("FlowLogRecordsUnused")
            && w.contains("1 record gives traffic")
            && w.contains("1 record of ENIs the scenario does not declare (line 3)")
            && w.contains("1 line cannot be read (line 4:")),
        "{w:?}"
    );
}
