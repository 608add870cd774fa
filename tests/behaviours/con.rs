//! CON: how copies get from the source to the target.

use crate::common::*;

fn dropped(r: &reports::Report, session: &str, reason: &str) -> u64 {
    session_report(r, session)
        .outcomes
        .iter()
        .filter(|o| o.outcome == "dropped" && o.reason == reason)
        .map(|o| o.packets)
        .sum()
}

#[test]
fn con_01_source_and_target_in_one_vpc_need_nothing_else() {
    let traffic = flow("x", "198.51.100.1", "eni-src", "Tcp", "443", 100, 500);
    let r = run_text(&scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &traffic,
    ))
    .report;
    let s = session_report(&r, "tms-1");
    // 100 pps x 10 s, all delivered; the path: source, the VPC's local
    // route, the VPC's default group (SEC-01: neither ENI declares a group,
    // so both are in it, and it admits its members), the target.
    assert_eq!(s.categories.delivered.packets, 1000);
    let hops: Vec<&str> = s.path().iter().map(|h| h.resource.as_str()).collect();
    assert_eq!(hops, vec!["eni-src", "vpc-1", "default (vpc-1)", "eni-app"]);
    assert!(s.blocked().is_none());
}

#[test]
fn con_02_intra_region_peering_carries_copies_inter_region_does_not() {
    let r = run_scenario("peering-cross-vpc.ron").report;
    // Session 1 (TCP, both ways): 4 connections x (100 + 200) pps x 10 s =
    // 12,000 packets, all across the intra-Region peering.
    let s1 = session_report(&r, "tms-0tcp000000000001");
    assert_eq!(s1.mirrored.packets, 12_000);
    assert_eq!(s1.categories.delivered.packets, 12_000);
    // Session 2 (UDP): syslog 500 pps x 10 s = 5,000, all lost at the
    // peering that was never accepted.
    let s2 = session_report(&r, "tms-0udp000000000001");
    assert_eq!(s2.mirrored.packets, 5_000);
    assert_eq!(
        dropped(&r, "tms-0udp000000000001", "peering_not_active"),
        5_000
    );
    let b = s2.blocked().unwrap();
    assert_eq!(
        (b.reason, b.resource.as_str()),
        ("peering_not_active", "pcx-0applab00000001")
    );
    // An inter-Region peering carries no mirrored traffic: a session to the
    // appliance in us-west-2 cannot even be created (SES-14).
    let text = std::fs::read_to_string(root().join("scenarios/peering-cross-vpc.ron"))
        .unwrap()
        .replace(
            "tmt-0labids000000001\", traffic_mirror_filter_id",
            "tmt-0westids00000001\", traffic_mirror_filter_id",
        );
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    assert!(
        format!("{err:?}").contains("InvalidTrafficMirrorTargetId.NotFound"),
        "{err:?}"
    );
}

#[test]
fn con_02_transit_gateway_carries_copies_from_attached_zones() {
    let r = run_scenario("transit-gateway.ron").report;
    // Spoke A: its clients (100 + 100 pps), its UDP to B1 (50 pps, egress)
    // and a ping (1 pps), for 10 s: 2,000 + 500 + 10.
    assert_eq!(
        session_report(&r, "tms-0appa00000000001")
            .categories
            .delivered
            .packets,
        2_510
    );
    // Spoke B1: its clients and A's UDP arriving: 2,000 + 500.
    assert_eq!(
        session_report(&r, "tms-0appb10000000001")
            .categories
            .delivered
            .packets,
        2_500
    );
    // Spoke B2 is in us-east-1b, where B's attachment has no subnet.
    assert_eq!(
        dropped(&r, "tms-0appb20000000001", "tgw_no_attachment_in_az"),
        2_000
    );
    let hops: Vec<&str> = session_report(&r, "tms-0appa00000000001")
        .path()
        .iter()
        .map(|h| h.resource.as_str())
        .collect();
    assert_eq!(
        hops,
        vec![
            "eni-0appa00000000001",
            "rtb-0spokea0000001",
            "tgw-attach-0spokea001",
            "tgw-rtb-0spokes00001",
            "tgw-attach-0inspect01",
            "sg-0inspect0000001",
            "eni-0inspect00000001"
        ]
    );
}

/// Two VPCs, the target in the second; the first's route table is given.
fn two_vpcs(routes: &str, peering_status: &str) -> String {
    format!(
        r#"Scenario(name: "two", seed: 1, duration: "10s",
    vpcs: [
        Vpc(id: "vpc-a", cidr_blocks: ["10.0.0.0/16"],
            subnets: [Subnet(id: "subnet-a", availability_zone: "us-east-1a", cidr_block: "10.0.1.0/24")],
            route_tables: [RouteTable(id: "rtb-a", main: true, routes: [{routes}])]),
        Vpc(id: "vpc-b", cidr_blocks: ["10.1.0.0/16"],
            subnets: [Subnet(id: "subnet-b", availability_zone: "us-east-1a", cidr_block: "10.1.1.0/24")],
            security_groups: [SecurityGroup(id: "sg-ids", ingress_rules: [
                SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), cidr_block: "10.0.0.0/16")])]),
    ],
    vpc_peering_connections: [Peering(id: "pcx-ab", requester_vpc_id: "vpc-a", accepter_vpc_id: "vpc-b", status: {peering_status})],
    instances: [
        Instance(id: "i-s", instance_type: "m5.large", subnet: "subnet-a", network_interfaces: [Eni(id: "eni-s", private_ip: "10.0.1.10")]),
        Instance(id: "i-t", instance_type: "c5.large", subnet: "subnet-b", network_interfaces: [Eni(id: "eni-t", private_ip: "10.1.1.10", security_groups: ["sg-ids"])]),
    ],
    traffic_mirror_targets: [Target(id: "tmt-t", network_interface_id: "eni-t")],
    traffic_mirror_filters: [Filter(id: "tmf-1", ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")])],
    traffic_mirror_sessions: [Session(id: "tms-1", network_interface_id: "eni-s", traffic_mirror_target_id: "tmt-t",
        traffic_mirror_filter_id: "tmf-1", session_number: 1)],
    traffic: [Flow(name: "in", from: "198.51.100.1", to: "eni-s", protocol: Udp, destination_port: 1, rate: "100pps", size: Fixed("200B"))],
)"#
    )
}

#[test]
fn con_02_a_peering_that_is_not_active_carries_nothing() {
    let text = two_vpcs(
        r#"Route(destination_cidr_block: "10.1.0.0/16", target: "pcx-ab")"#,
        "PendingAcceptance",
    );
    let r = run_text(&text).report;
    assert_eq!(dropped(&r, "tms-1", "peering_not_active"), 1000);
}

#[test]
fn con_03_copies_follow_the_longest_matching_route() {
    // 10.1.0.0/16 goes to an internet gateway, but 10.1.1.0/24 (longer)
    // to the peering: the copies take the peering.
    let text = two_vpcs(
        r#"Route(destination_cidr_block: "10.1.0.0/16", target: "igw-1"),
           Route(destination_cidr_block: "10.1.1.0/24", target: "pcx-ab")"#,
        "Active",
    );
    let r = run_text(&text).report;
    assert_eq!(
        session_report(&r, "tms-1").categories.delivered.packets,
        1000
    );
    // Swap the prefixes: the /24 now leads to the internet gateway.
    let text = two_vpcs(
        r#"Route(destination_cidr_block: "10.1.0.0/16", target: "pcx-ab"),
           Route(destination_cidr_block: "10.1.1.0/24", target: "igw-1")"#,
        "Active",
    );
    let r = run_text(&text).report;
    assert_eq!(dropped(&r, "tms-1", "internet_gateway"), 1000);
    // The copies stop at igw-1; the fix is in the source's table, rtb-a:
    // the /24 that chose the gateway must lead to the peering.
    let b = session_report(&r, "tms-1").blocked().unwrap();
    assert_eq!(b.resource, "igw-1");
    assert_eq!(
        b.hint.as_deref(),
        Some("the route for 10.1.1.0/24 in rtb-a leads to igw-1: point it at pcx-ab")
    );
}

#[test]
fn con_03_no_route_to_the_target_drops_every_copy_and_check_says_where() {
    let text = two_vpcs("", "Active");
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    // Valid in AWS; the twin warns that the copies never arrive.
    let w = loaded
        .warnings
        .iter()
        .find(|w| w.code == "UnreachableTarget")
        .expect("a warning");
    assert!(w.message.contains("no_route at rtb-a"), "{}", w.message);
    let r = run_text(&text).report;
    assert_eq!(dropped(&r, "tms-1", "no_route"), 1000);
    let b = session_report(&r, "tms-1").blocked().unwrap();
    assert_eq!(b.resource, "rtb-a");
    let check = reports::check::paths("t.ron", &loaded.scenario, 1);
    assert!(check.contains("copies are dropped: no_route"), "{check}");
    // The graph of VPCs knows pcx-ab joins them: the missing hop is a route.
    assert_eq!(
        b.hint.as_deref(),
        Some("add a route for 10.1.0.0/16 to pcx-ab in rtb-a")
    );
    // Without the peering, the hint says so.
    let alone = text.replace(
        r#"vpc_peering_connections: [Peering(id: "pcx-ab", requester_vpc_id: "vpc-a", accepter_vpc_id: "vpc-b", status: Active)],"#,
        "",
    );
    let r = run_text(&alone).report;
    let b = session_report(&r, "tms-1").blocked().unwrap();
    assert!(
        b.hint
            .as_deref()
            .unwrap()
            .starts_with("no active intra-Region peering")
    );
}

#[test]
fn con_04_cross_account_peering_and_shared_target_work() {
    let r = run_scenario("cross-account-shared-target.ron").report;
    // 222222222222 (same organisation): api requests, 2 x 200 pps x 10 s,
    // inbound TCP: 4,000 delivered.
    let s2 = session_report(&r, "tms-0wl2000000000001");
    assert_eq!(s2.owner, "222222222222");
    assert_eq!(s2.categories.delivered.packets, 4_000);
    // 333333333333 (another organisation, share accepted): UDP both ways,
    // 100 + 100 pps x 10 s = 2,000, cut to the 128-byte packet length.
    let s3 = session_report(&r, "tms-0wl3000000000001");
    assert_eq!(s3.categories.delivered.packets, 2_000);
    assert_eq!(s3.categories.truncated.packets, 2_000);
}

#[test]
fn con_04_vpc_sharing_participants_mirror_their_own_enis() {
    let r = run_scenario("shared-vpc.ron").report;
    // Team A's ENI: web requests in (300 pps) and responses out (300 pps),
    // team B's queue traffic in (50 pps) and out (50 pps): 7,000 in 10 s.
    assert_eq!(
        session_report(&r, "tms-0teama000000001")
            .categories
            .delivered
            .packets,
        7_000
    );
    // The owner's gateway sees the web requests out and responses in: 6,000.
    assert_eq!(
        session_report(&r, "tms-0owner000000001")
            .categories
            .delivered
            .packets,
        6_000
    );
    // Team B, to the owner's target shared with it: queue 500 + 500 and
    // metrics 1,000.
    assert_eq!(
        session_report(&r, "tms-0teamb000000001")
            .categories
            .delivered
            .packets,
        2_000
    );
}

#[test]
fn con_05_shared_vpc_owner_and_participants_cannot_manage_each_others_mirroring() {
    // The VPC owner's session on a participant's ENI: refused.
    let text = std::fs::read_to_string(
        root().join("scenarios/invalid/46-shared-vpc-owner-mirrors-participant.ron"),
    )
    .unwrap();
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    let p = err.errors().next().unwrap();
    assert_eq!(p.code, "UnauthorizedOperation");
    assert!(
        p.message.contains("the VPC owner cannot manage"),
        "{}",
        p.message
    );
    // A participant using the owner's target without a RAM share: refused.
    let shared = std::fs::read_to_string(root().join("scenarios/shared-vpc.ron")).unwrap();
    let unshared = shared.replace(
        r#"principals: ["666666666666"]"#,
        r#"principals: ["555555555555"]"#,
    );
    let err = sim_core::load("t.ron", &unshared, &Default::default()).unwrap_err();
    let p = err.errors().next().unwrap();
    assert_eq!(p.code, "InvalidTrafficMirrorTargetId.NotFound");
    assert_eq!(p.resource.as_deref(), Some("tms-0teamb000000001"));
    assert!(p.help.as_deref().unwrap().contains("shared VPC"));
}
