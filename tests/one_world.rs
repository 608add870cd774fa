//! One world, one decision: the run, the report and `sim explain` give one
//! answer where they once gave two (the four disagreements of the issue),
//! with numbers worked out by hand.

use sim_core::explain::{explain, parse_packet};
use sim_core::units::Duration;

use crate::common::*;

/// TCP to 443 at 100 pps for 10 s through `tmf-all` (rule 100 accepts
/// all); at 4 s its rules become rule 5 (accept TCP), at 6 s the session
/// moves to `tmt-app2`.
fn replaced_then_moved() -> String {
    with_timeline(
        scenario(
            "10s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("web", "198.51.100.1", "eni-src", "Tcp", "443", 100, 200),
        ),
        r#"At(time: "4s", action: ReplaceTrafficMirrorFilterRules(traffic_mirror_filter_id: "tmf-all",
              ingress_filter_rules: [Rule(rule_number: 5, rule_action: Accept, protocol: 6,
                                          source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")])),
           At(time: "6s", action: ModifyTrafficMirrorSession(traffic_mirror_session_id: "tms-1",
                                                             traffic_mirror_target_id: "tmt-app2"))"#,
    )
}

/// A configuration: epoch, from and to (ns), target, and each rule's
/// (direction, number, packets).
type Span<'a> = (u32, u64, Option<u64>, &'a str, Vec<(&'a str, u16, u64)>);

#[test]
fn the_report_credits_each_rule_and_target_with_what_it_really_did() {
    let r = run_text(&replaced_then_moved()).report;
    let s = session_report(&r, "tms-1");
    // 100 pps, packets at 0, 10 ms, ...: [0, 4 s) holds 400 packets, all
    // matched by rule 100; [4 s, 6 s) 200 and [6 s, 10 s) 400, matched by
    // rule 5. A change at 4 s applies to the packet at 4 s.
    // (The first filter's egress rule 100 saw nothing: the flow is
    // inbound; the new rules have none.)
    let spans: Vec<Span> = s
        .configurations
        .iter()
        .map(|c| {
            (
                c.epoch,
                c.from_ns,
                c.to_ns,
                c.traffic_mirror_target_id.as_str(),
                c.rules
                    .iter()
                    .map(|h| (h.traffic_direction, h.rule_number, h.packets))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            (
                0,
                0,
                Some(4_000_000_000),
                "tmt-app",
                vec![("ingress", 100, 400), ("egress", 100, 0)]
            ),
            (
                1,
                4_000_000_000,
                Some(6_000_000_000),
                "tmt-app",
                vec![("ingress", 5, 200)]
            ),
            (
                2,
                6_000_000_000,
                None,
                "tmt-app2",
                vec![("ingress", 5, 400)]
            ),
        ]
    );
    // The session as it stands at the end, and its totals: 1,000.
    assert_eq!(s.traffic_mirror_target_id, "tmt-app2");
    assert_eq!(s.categories.delivered.packets, 1_000);
    // Per configuration, what each delivered: 400, 200, 400.
    let delivered: Vec<u64> = s
        .configurations
        .iter()
        .map(|c| c.categories.delivered.packets)
        .collect();
    assert_eq!(delivered, [400, 200, 400]);
    // Per target: 600 to the first appliance, 400 to the second.
    let t = |id: &str| {
        r.targets
            .iter()
            .find(|t| t.traffic_mirror_target_id == id)
            .unwrap()
            .categories
            .delivered
            .packets
    };
    assert_eq!((t("tmt-app"), t("tmt-app2")), (600, 400));
    // Three epochs: the start and the two changes.
    let causes: Vec<&str> = r.epochs.iter().map(|e| e.cause.as_str()).collect();
    assert_eq!(
        causes,
        [
            "start",
            "ReplaceTrafficMirrorFilterRules tmf-all",
            "ModifyTrafficMirrorSession tms-1"
        ]
    );
}

#[test]
fn explain_at_7s_tells_what_the_report_counts_after_6s() {
    let text = replaced_then_moved();
    let scenario = load(&text);
    let q = parse_packet("tcp 198.51.100.1:40000 -> 10.0.1.10:443 ingress at eni-src").unwrap();
    let x = explain(&scenario, &q, "7s".parse::<Duration>().unwrap()).unwrap();
    assert_eq!((x.outcome, x.reason), ("delivered", "whole"));
    // Rule 5 decides, and the copy goes to the second appliance.
    assert!(x.steps.iter().any(|s| s.what == "  rule 5"), "{x:?}");
    assert!(!x.steps.iter().any(|s| s.what == "  rule 100"), "{x:?}");
    assert!(
        x.steps
            .iter()
            .any(|s| s.what == "target" && s.detail.contains("eni-app2")),
        "{x:?}"
    );
    let r = run_text(&text).report;
    let current = session_report(&r, "tms-1").current();
    assert_eq!(current.traffic_mirror_target_id, "tmt-app2");
    assert_eq!(current.rules[0].rule_number, 5);
}

#[test]
fn a_change_at_0s_applies_to_the_packet_at_0s() {
    // The session is deleted at 0 s: none of the 100 pps x 10 s = 1,000
    // packets is mirrored, the first included.
    let text = with_timeline(
        scenario(
            "10s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("web", "198.51.100.1", "eni-src", "Tcp", "443", 100, 200),
        ),
        r#"At(time: "0s", action: DeleteTrafficMirrorSession("tms-1"))"#,
    );
    let r = run_text(&text).report;
    assert_eq!(r.totals.generated.packets, 1_000);
    assert_eq!(r.totals.categories.not_mirrored.packets, 1_000);
    assert_eq!(session_report(&r, "tms-1").mirrored.packets, 0);
    // The session existed for no time at all.
    assert_eq!(session_report(&r, "tms-1").billed_session_hours, 0);
    // And explain at 0 s says the same of that packet.
    let loaded = load(&text);
    let q = parse_packet("tcp 198.51.100.1:40000 -> 10.0.1.10:443 ingress at eni-src").unwrap();
    let x = explain(&loaded, &q, "0s".parse::<Duration>().unwrap()).unwrap();
    assert_eq!(x.outcome, "not_mirrored");

    // Rules replaced at 0 s: the new rule 5 decides all 1,000 packets.
    let text = with_timeline(
        scenario(
            "10s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("web", "198.51.100.1", "eni-src", "Tcp", "443", 100, 200),
        ),
        r#"At(time: "0s", action: ReplaceTrafficMirrorFilterRules(traffic_mirror_filter_id: "tmf-all",
              ingress_filter_rules: [Rule(rule_number: 5, rule_action: Accept, protocol: 6,
                                          source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]))"#,
    );
    let r = run_text(&text).report;
    let s = session_report(&r, "tms-1");
    let hits: Vec<Vec<(u16, u64)>> = s
        .configurations
        .iter()
        .map(|c| c.rules.iter().map(|h| (h.rule_number, h.packets)).collect())
        .collect();
    assert_eq!(hits, [vec![(100, 0), (100, 0)], vec![(5, 1_000)]]);
}

/// A source in us-east-1a mirrors to an NLB whose nodes are in us-east-1b
/// and us-east-1c only (so one is picked per outer flow by flow hash). The
/// 1c node's subnet has a network ACL that denies UDP 4789; the 1b one
/// allows it. One inbound TCP flow from each client `198.51.100.N`, 10 pps
/// for 10 s.
fn nlb_without_a_node_in_the_sources_zone(clients: std::ops::Range<u32>) -> String {
    let mut traffic = String::new();
    for n in clients {
        traffic.push_str(&format!(
            r#"Flow(name: "f{n}", from: "198.51.100.{n}", to: "eni-src", protocol: Tcp, destination_port: 443, rate: "10pps", size: Fixed("200B")),"#
        ));
    }
    format!(
        r#"Scenario(name: "node", seed: 3, duration: "10s",
    vpcs: [Vpc(id: "vpc-1", cidr_blocks: ["10.0.0.0/16"],
        subnets: [
            Subnet(id: "subnet-a", availability_zone: "us-east-1a", cidr_block: "10.0.1.0/24"),
            Subnet(id: "subnet-b", availability_zone: "us-east-1b", cidr_block: "10.0.2.0/24", network_acl: "acl-open"),
            Subnet(id: "subnet-c", availability_zone: "us-east-1c", cidr_block: "10.0.3.0/24", network_acl: "acl-deny"),
        ],
        network_acls: [
            NetworkAcl(id: "acl-open", ingress_entries: [Entry(rule_number: 100, rule_action: Allow, cidr_block: "0.0.0.0/0")]),
            NetworkAcl(id: "acl-deny", ingress_entries: [
                Entry(rule_number: 50, rule_action: Deny, protocol: 17, cidr_block: "10.0.1.0/24", port_range: (from_port: 4789, to_port: 4789)),
                Entry(rule_number: 100, rule_action: Allow, cidr_block: "0.0.0.0/0")]),
        ])],
    instances: [
        Instance(id: "i-src", instance_type: "m5.large", subnet: "subnet-a", network_interfaces: [Eni(id: "eni-src", private_ip: "10.0.1.10")]),
        Instance(id: "i-b", instance_type: "c5.large", subnet: "subnet-b", network_interfaces: [Eni(id: "eni-b", private_ip: "10.0.2.20")]),
        Instance(id: "i-c", instance_type: "c5.large", subnet: "subnet-c", network_interfaces: [Eni(id: "eni-c", private_ip: "10.0.3.20")]),
    ],
    network_load_balancers: [NetworkLoadBalancer(id: "nlb-1", vpc_id: "vpc-1", subnets: ["subnet-b", "subnet-c"],
        cross_zone: false, listeners: [Listener(protocol: Udp, port: 4789)], targets: ["i-b", "i-c"])],
    traffic_mirror_targets: [Target(id: "tmt-nlb", network_load_balancer_arn: "nlb-1")],
    traffic_mirror_filters: [Filter(id: "tmf-1", ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")])],
    traffic_mirror_sessions: [Session(id: "tms-1", network_interface_id: "eni-src", traffic_mirror_target_id: "tmt-nlb",
        traffic_mirror_filter_id: "tmf-1", session_number: 1)],
    traffic: [{traffic}],
)"#
    )
}

#[test]
fn lb_06_the_node_a_copy_goes_to_is_the_node_whose_path_is_checked() {
    let text = nlb_without_a_node_in_the_sources_zone(1..21);
    let scenario = load(&text);
    // Each flow alone: 10 pps x 10 s = 100 copies, all delivered when its
    // outer flow enters by the 1b node (the ACL there allows UDP 4789),
    // all dropped target_nacl_denies_vxlan when by the 1c node (rule 50
    // denies it). `sim explain` names the same node and says the same.
    let mut by_node = [0u64; 2];
    for i in 1..21 {
        let one = nlb_without_a_node_in_the_sources_zone(i..i + 1);
        let r = run_text(&one).report;
        let s = session_report(&r, "tms-1");
        let flow = &load(&one).flows[0];
        let q = parse_packet(&format!(
            "tcp {}:{} -> 10.0.1.10:443 ingress at eni-src",
            flow.key.src, flow.key.src_port
        ))
        .unwrap();
        let x = explain(&scenario, &q, "1s".parse::<Duration>().unwrap()).unwrap();
        let lb = x
            .steps
            .iter()
            .find(|s| {
                s.what == "load balancer" || s.what == "path" && s.detail.contains("acl-deny")
            })
            .map(|s| s.detail.clone())
            .unwrap_or_default();
        if s.categories.delivered.packets == 100 {
            by_node[0] += 1;
            assert_eq!(s.categories.dropped.packets, 0);
            assert_eq!(x.outcome, "delivered", "{x:?}");
            assert!(lb.contains("node in us-east-1b"), "{lb}");
        } else {
            by_node[1] += 1;
            assert_eq!(
                s.outcomes
                    .iter()
                    .find(|o| o.reason == "target_nacl_denies_vxlan")
                    .map(|o| o.packets),
                Some(100),
                "flow {i}"
            );
            assert_eq!(
                (x.outcome, x.reason),
                ("dropped", "target_nacl_denies_vxlan"),
                "{x:?}"
            );
        }
    }
    // Both nodes get some of the 20 outer flows (each node ~10).
    assert!(by_node[0] > 0 && by_node[1] > 0, "{by_node:?}");
    // The whole scenario counts the same: 20 x 100 = 2,000 copies, 100 for
    // each flow sent through 1b delivered, the rest denied.
    let r = run_text(&text).report;
    let s = session_report(&r, "tms-1");
    assert_eq!(s.categories.delivered.packets, by_node[0] * 100);
    assert_eq!(s.categories.dropped.packets, by_node[1] * 100);
    // sim check shows a path per node, and the 1c one stops at the ACL.
    let paths = &s.current().paths;
    assert_eq!(paths.len(), 2);
    assert_eq!(
        paths[0].node_availability_zone.as_deref(),
        Some("us-east-1b")
    );
    assert!(paths[0].blocked.is_none());
    assert_eq!(
        paths[1].blocked.as_ref().map(|b| b.reason),
        Some("target_nacl_denies_vxlan")
    );
}

#[test]
fn the_timeline_changes_scenario_counts_as_its_comment_works_out() {
    let r = run_scenario("timeline-changes.ron").report;
    let s = &r.sessions[0];
    // [0, 4 s): 400 HTTPS + 200 DNS by rule 100; [4 s, 6 s): 200 HTTPS by
    // rule 5 (the 100 DNS packets match no rule); [6 s, 10 s): 400 HTTPS.
    let hits: Vec<(u16, u64)> = s
        .configurations
        .iter()
        .flat_map(|c| c.rules.iter().map(|h| (h.rule_number, h.packets)))
        .collect();
    assert_eq!(hits, [(100, 600), (5, 200), (5, 400)]);
    let delivered: Vec<(&str, u64)> = r
        .targets
        .iter()
        .map(|t| {
            (
                t.traffic_mirror_target_id.as_str(),
                t.categories.delivered.packets,
            )
        })
        .collect();
    assert_eq!(
        delivered,
        [("tmt-0appliance0001", 800), ("tmt-0appliance0002", 400)]
    );
    // 2 s x 50 pps of DNS after 4 s match no rule.
    assert_eq!(
        at_source(&r, "eni-0web000000000001", "ingress", "no_rule_matched"),
        100 + 200
    );
}
