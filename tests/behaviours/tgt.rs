//! TGT: traffic mirror targets.

use crate::common::*;

fn load_err(text: &str) -> sim_core::ScenarioError {
    sim_core::load("t.ron", text, &Default::default()).unwrap_err()
}

fn invalid(name: &str) -> String {
    std::fs::read_to_string(root().join("scenarios/invalid").join(name)).unwrap()
}

#[test]
fn tgt_02_another_accounts_target_needs_a_ram_share() {
    let err = load_err(&invalid("40-target-not-shared.ron"));
    let p = err.errors().next().unwrap();
    assert_eq!(p.code, "InvalidTrafficMirrorTargetId.NotFound");
    assert!(
        p.message.contains("is not shared with 111111111111"),
        "{}",
        p.message
    );
}

#[test]
fn tgt_02_across_organisations_the_share_must_be_accepted() {
    let text = invalid("41-share-not-accepted.ron");
    let err = load_err(&text);
    assert!(
        err.errors()
            .next()
            .unwrap()
            .message
            .contains("must be accepted")
    );
    // Accepted, the same share works.
    let accepted = text.replace("accepted: false", "accepted: true");
    assert!(sim_core::load("t.ron", &accepted, &Default::default()).is_ok());
    // Within one organisation, no acceptance is needed.
    let same_org = text.replace(
        r#"organization: "o-bbbbbbbbbb""#,
        r#"organization: "o-aaaaaaaaaa""#,
    );
    assert!(sim_core::load("t.ron", &same_org, &Default::default()).is_ok());
}

#[test]
fn tgt_03_a_target_in_use_cannot_be_deleted() {
    let err = load_err(&invalid("43-delete-target-in-use.ron"));
    assert_eq!(
        err.errors().next().unwrap().code,
        "TrafficMirrorTargetInUseException"
    );
    // Deleting the session first makes it possible: the session mirrors
    // until 0.5 s (100 pps: 50 packets), then nothing.
    let text = invalid("43-delete-target-in-use.ron").replace(
        r#"timeline: [At(time: "0.5s", action: DeleteTrafficMirrorTarget("tmt-app"))]"#,
        r#"timeline: [
            At(time: "0.5s", action: DeleteTrafficMirrorSession("tms-1")),
            At(time: "0.5s", action: DeleteTrafficMirrorTarget("tmt-app")),
        ]"#,
    );
    let r = run_text(&text).report;
    assert_eq!(r.totals.categories.delivered.packets, 50);
    // The other 50 arrive at an ENI with no session left.
    assert_eq!(
        at_source(&r, "eni-web", "ingress", "no_rules_for_direction"),
        50
    );
}

#[test]
fn tgt_04_the_targets_security_group_must_admit_vxlan() {
    // eni-app's security group admits only SSH: every copy is dropped.
    let text = scenario("10s", 9001, ACCEPT_ALL_V4, &session("tms-1", "tmf-all", 1, ""), &flow("x", "198.51.100.1", "eni-src", "Udp", "53", 100, 200))
        .replace(
            r#"subnets: [
            Subnet("#,
            r#"security_groups: [SecurityGroup(id: "sg-ssh", ingress_rules: [
                SgRule(protocol: 6, port_range: (from_port: 22, to_port: 22), cidr_block: "10.0.0.0/16")])],
            subnets: [
            Subnet("#,
        )
        .replace(r#"mtu: 9001)]"#, r#"mtu: 9001, security_groups: ["sg-ssh"])]"#);
    let r = run_text(&text).report;
    let s = session_report(&r, "tms-1");
    assert_eq!(s.mirrored.packets, 1000);
    assert_eq!(s.categories.dropped.packets, 1000);
    assert_eq!(s.blocked().unwrap().reason, "target_sg_denies_vxlan");
    // Adding UDP 4789 from the VPC lets them through.
    let open = text.replace(
        r#"SgRule(protocol: 6, port_range: (from_port: 22, to_port: 22), cidr_block: "10.0.0.0/16")"#,
        r#"SgRule(protocol: 6, port_range: (from_port: 22, to_port: 22), cidr_block: "10.0.0.0/16"),
           SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), cidr_block: "10.0.1.10/32")"#,
    );
    let r = run_text(&open).report;
    assert_eq!(
        session_report(&r, "tms-1").categories.delivered.packets,
        1000
    );
}

#[test]
fn tgt_04_the_target_subnets_network_acl_must_admit_vxlan() {
    let acl = |entries: &str| {
        format!(
            r#"Scenario(name: "acl", seed: 1, duration: "10s",
    vpcs: [Vpc(id: "vpc-1", cidr_blocks: ["10.0.0.0/16"],
        subnets: [
            Subnet(id: "subnet-s", availability_zone: "us-east-1a", cidr_block: "10.0.1.0/24", network_acl: "acl-open"),
            Subnet(id: "subnet-t", availability_zone: "us-east-1a", cidr_block: "10.0.2.0/24", network_acl: "acl-t"),
        ],
        network_acls: [
            NetworkAcl(id: "acl-open", ingress_entries: [Entry(rule_number: 100, rule_action: Allow, cidr_block: "0.0.0.0/0")]),
            NetworkAcl(id: "acl-t", ingress_entries: [{entries}]),
        ])],
    instances: [
        Instance(id: "i-s", instance_type: "m5.large", subnet: "subnet-s", network_interfaces: [Eni(id: "eni-s", private_ip: "10.0.1.10")]),
        Instance(id: "i-t", instance_type: "c5.large", subnet: "subnet-t", network_interfaces: [Eni(id: "eni-t", private_ip: "10.0.2.10")]),
    ],
    traffic_mirror_targets: [Target(id: "tmt-t", network_interface_id: "eni-t")],
    traffic_mirror_filters: [Filter(id: "tmf-1", ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")])],
    traffic_mirror_sessions: [Session(id: "tms-1", network_interface_id: "eni-s", traffic_mirror_target_id: "tmt-t",
        traffic_mirror_filter_id: "tmf-1", session_number: 1)],
    traffic: [Flow(name: "in", from: "198.51.100.1", to: "eni-s", protocol: Tcp, destination_port: 443, rate: "100pps", size: Fixed("200B"))],
)"#
        )
    };
    // Rule 50 denies UDP from the source's subnet before rule 100 allows all.
    let deny = acl(
        r#"Entry(rule_number: 50, rule_action: Deny, protocol: 17, cidr_block: "10.0.1.0/24"),
                     Entry(rule_number: 100, rule_action: Allow, cidr_block: "0.0.0.0/0")"#,
    );
    let r = run_text(&deny).report;
    let s = session_report(&r, "tms-1");
    assert_eq!(s.categories.dropped.packets, 1000);
    let b = s.blocked().unwrap();
    assert_eq!(
        (b.reason, b.resource.as_str()),
        ("target_nacl_denies_vxlan", "acl-t")
    );
    assert!(b.detail.contains("rule 50"), "{}", b.detail);
    // No entry matches: the final `*` entry denies.
    let none =
        acl(r#"Entry(rule_number: 100, rule_action: Allow, protocol: 6, cidr_block: "0.0.0.0/0")"#);
    let r = run_text(&none).report;
    assert!(
        session_report(&r, "tms-1")
            .blocked()
            .as_ref()
            .unwrap()
            .detail
            .contains("rule *")
    );
    // An entry admitting UDP 4789 first: delivered.
    let allow = acl(
        r#"Entry(rule_number: 10, rule_action: Allow, protocol: 17, cidr_block: "10.0.1.10/32",
                            port_range: (from_port: 4789, to_port: 4789)),
                      Entry(rule_number: 50, rule_action: Deny, protocol: 17, cidr_block: "10.0.1.0/24")"#,
    );
    let r = run_text(&allow).report;
    assert_eq!(
        session_report(&r, "tms-1").categories.delivered.packets,
        1000
    );
}

#[test]
fn tgt_12_an_eni_target_takes_10_sources_or_100_on_the_listed_types() {
    let text = invalid("42-too-many-sources-per-target.ron");
    // Eleven sources on a c5.large appliance: over its 10.
    let err = load_err(&text);
    let p = err.errors().next().unwrap();
    assert_eq!(p.code, "TrafficMirrorSourcesPerTargetLimitExceeded");
    assert!(p.message.contains("11 sources"), "{}", p.message);
    // c5.18xlarge is on the guide's 100-source list: eleven are fine.
    let big = text.replace(
        r#"Instance(id: "i-app", instance_type: "c5.large""#,
        r#"Instance(id: "i-app", instance_type: "c5.18xlarge""#,
    );
    assert!(sim_core::load("t.ron", &big, &Default::default()).is_ok());
}

#[test]
fn tgt_01_an_eni_target_is_of_type_interface_and_serves_many_sessions() {
    // eni-src and eni-peer both mirror to tmt-app: one target, two sessions,
    // each of the two flows (100 pps x 10 s) delivered there.
    let sessions = session("tms-1", "tmf-all", 1, "")
        + r#"Session(id: "tms-2", network_interface_id: "eni-peer", traffic_mirror_target_id: "tmt-app",
                     traffic_mirror_filter_id: "tmf-all", session_number: 1),"#;
    let traffic = [
        flow("a", "198.51.100.1", "eni-src", "Udp", "1", 100, 200),
        flow("b", "198.51.100.1", "eni-peer", "Udp", "1", 100, 200),
    ]
    .concat();
    let text = scenario("10s", 9001, ACCEPT_ALL_V4, &sessions, &traffic);
    let r = run_text(&text).report;
    assert_eq!(r.targets[0].categories.delivered.packets, 2000);
    // An EFA interface cannot be a target.
    let efa = text.replace(
        r#"Eni(id: "eni-app", private_ip"#,
        r#"Eni(id: "eni-app", interface_type: "efa", private_ip"#,
    );
    let err = sim_core::load("t.ron", &efa, &Default::default()).unwrap_err();
    let p = err.errors().next().unwrap();
    assert_eq!(
        (p.code, p.resource.as_deref()),
        ("InvalidParameterValue", Some("tmt-app"))
    );
}

#[test]
fn tgt_09_an_eni_target_never_reorders() {
    // Heavy jitter (up to 2 ms a copy at 10,000 packets a second, so
    // neighbours overlap): an ENI target's path is a FIFO, so nothing
    // arrives out of order.
    let text = scenario(
        "2s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &flow("x", "198.51.100.1", "eni-src", "Udp", "1", 10_000, 200),
    )
    .replace(
        "traffic: [",
        r#"settings: (latency: (jitter: "2ms")), traffic: ["#,
    );
    let r = run_text(&text).report;
    assert_eq!(r.targets[0].categories.delivered.packets, 20_000);
    assert_eq!(r.targets[0].reordering.packets, 0);
}

#[test]
fn tgt_13_deleting_a_shared_target_makes_other_accounts_sessions_inactive() {
    // The security account deletes its shared monitor at 5 s. The workload
    // accounts' sessions stay, inactive: what they accept from then on is
    // not mirrored (session_inactive).
    let text = std::fs::read_to_string(root().join("scenarios/cross-account-shared-target.ron"))
        .unwrap()
        .replace(
            "    traffic: [",
            r#"    timeline: [At(time: "5s", action: DeleteTrafficMirrorTarget("tmt-0monitor00000001"))],
    traffic: ["#,
        );
    let r = run_text(&text).report;
    // 222222222222's api requests: 2 x 200 pps, 2,000 before 5 s and 2,000
    // after.
    let s = session_report(&r, "tms-0wl2000000000001");
    assert_eq!(s.categories.delivered.packets, 2_000);
    assert!(
        s.outcomes
            .iter()
            .any(|o| o.reason == "session_inactive" && o.packets == 2_000)
    );
    // A session of the owner itself blocks the deletion (TGT-03): here the
    // owner also mirrors an instance of its own to the monitor.
    let owned = text
        .replace(
            r#"    traffic_mirror_sessions: ["#,
            r#"    traffic_mirror_sessions: [
        Session(id: "tms-0own0000000000001", network_interface_id: "eni-0own0000000000001",
                traffic_mirror_target_id: "tmt-0monitor00000001", traffic_mirror_filter_id: "tmf-0own0000000000001",
                session_number: 1),"#,
        )
        .replace(
            r#"    traffic_mirror_filters: ["#,
            r#"    traffic_mirror_filters: [
        Filter(id: "tmf-0own0000000000001", owner: "111111111111",
            ingress_filter_rules: [Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#,
        )
        .replace(
            r#"        Instance(id: "i-0api0000000000001","#,
            r#"        Instance(id: "i-0own0000000000001", instance_type: "m5.large", subnet: "subnet-0security0001",
                 network_interfaces: [Eni(id: "eni-0own0000000000001", private_ip: "10.50.1.20")]),
        Instance(id: "i-0api0000000000001","#,
        );
    let err = sim_core::load("t.ron", &owned, &Default::default()).unwrap_err();
    assert_eq!(
        err.errors().next().unwrap().code,
        "TrafficMirrorTargetInUseException"
    );
}
