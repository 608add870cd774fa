//! The second catalogue (2026-12): load balancers, security, bandwidth and
//! API edges, as AWS behaves beyond the guide's sentences.

use crate::common::*;

fn load_err(text: &str) -> String {
    match sim_core::load("t.ron", text, &Default::default()) {
        Ok(_) => panic!("loaded"),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn ses_14_a_session_and_its_target_are_in_one_region() {
    // The appliance's VPC in eu-west-1, the source's in us-east-1: the API
    // looks tmt-app up in us-east-1 and does not find it.
    let text = scenario(
        "1s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        "",
    )
    .replace(
        r#"    instances: ["#,
        r#"    instances: [
        Instance(id: "i-far", instance_type: "c5.large", subnet: "subnet-far",
                 network_interfaces: [Eni(id: "eni-far", private_ip: "10.9.1.20")]),"#,
    )
    .replace(
        r#"    ],
    instances: ["#,
        r#"        Vpc(id: "vpc-far", region: "eu-west-1", cidr_blocks: ["10.9.0.0/16"], subnets: [
            Subnet(id: "subnet-far", availability_zone: "eu-west-1a", cidr_block: "10.9.1.0/24"),
        ]),
    ],
    instances: ["#,
    )
    .replace(
        r#"Target(id: "tmt-app2", network_interface_id: "eni-app2"),"#,
        r#"Target(id: "tmt-app2", network_interface_id: "eni-app2"),
        Target(id: "tmt-far", network_interface_id: "eni-far"),"#,
    );
    // As written (sessions to tmt-app) it loads.
    load(&text);
    let refused = text.replace(
        r#"traffic_mirror_target_id: "tmt-app""#,
        r#"traffic_mirror_target_id: "tmt-far""#,
    );
    let e = load_err(&refused);
    assert!(e.contains("InvalidTrafficMirrorTargetId.NotFound"), "{e}");
    assert!(e.contains("eu-west-1"), "{e}");
    // Moving the session there later is refused the same way.
    let moved = with_timeline(
        text,
        r#"At(time: "0.5s", action: ModifyTrafficMirrorSession(traffic_mirror_session_id: "tms-1",
                                                              traffic_mirror_target_id: "tmt-far"))"#,
    );
    let e = load_err(&moved);
    assert!(e.contains("InvalidTrafficMirrorTargetId.NotFound"), "{e}");
}

#[test]
fn ses_14_availability_zones_belong_to_their_region() {
    // The standard scenario's VPC is in us-east-1 (the default Region).
    for zone in ["eu-central-9z", "us-east-2a", "us-east-12"] {
        let text = scenario("1s", 9001, ACCEPT_ALL_V4, "", "").replace(
            r#"availability_zone: "us-east-1a""#,
            &format!(r#"availability_zone: "{zone}""#),
        );
        let e = load_err(&text);
        assert!(
            e.contains("InvalidParameterValue") && e.contains(zone),
            "{zone}: {e}"
        );
    }
    // A Region AWS does not have.
    let text = scenario("1s", 9001, ACCEPT_ALL_V4, "", "").replace(
        r#"duration: "1s","#,
        r#"duration: "1s", region: "eu-central-9","#,
    );
    let e = load_err(&text);
    assert!(e.contains("not an AWS Region"), "{e}");
}

/// A source in an app VPC mirroring through a GWLB endpoint to two
/// appliances in one zone. `lb` adds fields to the Gateway Load Balancer,
/// `appliance` to both appliance instances; `traffic` and `timeline` are
/// RON items.
fn gwlb(duration: &str, lb: &str, appliance: &str, traffic: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(name: "gw", seed: 5, duration: "{duration}",
    vpcs: [
        Vpc(id: "vpc-app", cidr_blocks: ["10.1.0.0/16"], subnets: [
            Subnet(id: "subnet-app", availability_zone: "us-east-1a", cidr_block: "10.1.1.0/24"),
            Subnet(id: "subnet-gwe", availability_zone: "us-east-1a", cidr_block: "10.1.2.0/24")]),
        Vpc(id: "vpc-svc", cidr_blocks: ["10.100.0.0/16"], subnets: [
            Subnet(id: "subnet-svc", availability_zone: "us-east-1a", cidr_block: "10.100.1.0/24")]),
    ],
    instances: [
        Instance(id: "i-src", instance_type: "m5.24xlarge", subnet: "subnet-app",
                 network_interfaces: [Eni(id: "eni-src", private_ip: "10.1.1.10")]),
        Instance(id: "i-ids1", instance_type: "c5n.18xlarge", subnet: "subnet-svc"{appliance},
                 network_interfaces: [Eni(id: "eni-ids1", private_ip: "10.100.1.21")]),
        Instance(id: "i-ids2", instance_type: "c5n.18xlarge", subnet: "subnet-svc"{appliance},
                 network_interfaces: [Eni(id: "eni-ids2", private_ip: "10.100.1.22")]),
    ],
    gateway_load_balancers: [
        GatewayLoadBalancer(id: "gwlb-1", vpc_id: "vpc-svc", subnets: ["subnet-svc"],
            targets: ["i-ids1", "i-ids2"]{lb}),
    ],
    gateway_load_balancer_endpoints: [
        GatewayLoadBalancerEndpoint(id: "vpce-1", subnet_id: "subnet-gwe", gateway_load_balancer: "gwlb-1"),
    ],
    traffic_mirror_targets: [Target(id: "tmt-gw", gateway_load_balancer_endpoint_id: "vpce-1")],
    traffic_mirror_filters: [Filter(id: "tmf-all",
        ingress_filter_rules: [Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")])],
    traffic_mirror_sessions: [Session(id: "tms-1", network_interface_id: "eni-src", traffic_mirror_target_id: "tmt-gw",
        traffic_mirror_filter_id: "tmf-all", session_number: 1)],
    timeline: [{timeline}],
    traffic: [{traffic}],
)"#
    )
}

fn outcome(r: &reports::Report, session: &str, reason: &str) -> u64 {
    session_report(r, session)
        .outcomes
        .iter()
        .filter(|o| o.reason == reason)
        .map(|o| o.packets)
        .sum()
}

/// Copies each appliance received, from the run's capture.
fn per_appliance(text: &str) -> std::collections::BTreeMap<String, usize> {
    let (_, frames) = crate::behaviours::wire::capture(text);
    frames.0.iter().map(|(a, f)| (a.clone(), f.len())).collect()
}

/// ids2 fails its checks from the start (known at once), so every flow is
/// placed on ids1; ids2 passes from 1 s (healthy at the checks of 10 s and
/// 20 s); ids1 goes down at 30 s (unhealthy at the checks of 30 s and 40 s).
const FAILOVER: &str = r#", health_check: HealthCheck(healthy_threshold: 2, unhealthy_threshold: 2),
            target_health: [TargetHealth(target: "i-ids2", state: FailsHealthCheck)]"#;
const FAILOVER_TIMELINE: &str = r#"At(time: "1s", action: SetApplianceState(appliance: "i-ids2", state: Healthy)),
        At(time: "30s", action: SetApplianceState(appliance: "i-ids1", state: Down))"#;
const TWO_FLOWS: &str = r#"Flow(name: "old", from: "198.51.100.1", to: "eni-src", protocol: Udp, destination_port: 1, rate: "100pps", size: Fixed("200B")),
        Flow(name: "new", from: "198.51.100.2", to: "eni-src", protocol: Udp, destination_port: 2, rate: "100pps", size: Fixed("200B"), start: "45s"),"#;

#[test]
fn lb_03_a_gwlb_keeps_existing_flows_on_a_failed_appliance_by_default() {
    // no_rebalance (AWS's default): "old" stays on ids1 after it goes down
    // at 30 s: 100 pps x 30 s = 3,000 lost. "new" starts at 45 s, after the
    // GWLB knows, and goes to ids2: 100 x 15 = 1,500 delivered.
    let text = gwlb("60s", FAILOVER, "", TWO_FLOWS, FAILOVER_TIMELINE);
    let r = run_text(&text).report;
    assert_eq!(outcome(&r, "tms-1", "appliance_down"), 3_000);
    assert_eq!(outcome(&r, "tms-1", "whole"), 3_000 + 1_500);
    // rebalance: "old" moves once the GWLB knows, at 40 s: 1,000 lost of
    // its 6,000; "new" as before.
    let text = gwlb(
        "60s",
        &format!("{FAILOVER}, target_failover: Rebalance"),
        "",
        TWO_FLOWS,
        FAILOVER_TIMELINE,
    );
    let r = run_text(&text).report;
    assert_eq!(outcome(&r, "tms-1", "appliance_down"), 1_000);
    assert_eq!(outcome(&r, "tms-1", "whole"), 6_000 - 1_000 + 1_500);
}

#[test]
fn lb_04_gwlb_stickiness_by_five_three_or_two_tuple() {
    // 40 connections from one client network to one source: with the
    // 5-tuple each outer flow (outer source port from the inner 5-tuple) is
    // placed on its own, so both appliances get some; with the 3-tuple or
    // the 2-tuple every copy from eni-src to the endpoint is one flow: one
    // appliance gets all 40 x 10 pps x 2 s = 800.
    let traffic = r#"Flow(name: "c", from: "198.51.100.0/24", to: "eni-src", protocol: Tcp, destination_port: 443,
        rate: "10pps", size: Fixed("200B"), count: 40),"#;
    let five = per_appliance(&gwlb("2s", "", "", traffic, ""));
    assert_eq!(five.values().sum::<usize>(), 800);
    // Not worked out by hand: which appliance each of the 40 flows gets is
    // the flow hash's; that both get some is what a 5-tuple spread means
    // (all 40 on one has odds of 2 x 2^-40).
    assert_eq!(five.len(), 2, "{five:?}");
    for tuple in ["ThreeTuple", "TwoTuple"] {
        let one = per_appliance(&gwlb(
            "2s",
            &format!(", flow_stickiness: {tuple}"),
            "",
            traffic,
            "",
        ));
        assert_eq!(one.values().copied().collect::<Vec<_>>(), [800], "{tuple}");
    }
}

#[test]
fn lb_05_an_appliances_receive_budget_counts_the_geneve_bytes() {
    // One appliance (2-tuple: one flow) with a 1 Gbps, 10 Mpps budget.
    // 182-byte packets at 500 kpps: VXLAN copies of 182 + 50 = 232 bytes
    // (0.928 Gbps, under 1 Gbps), but the appliance receives them in
    // GENEVE: 232 + 68 = 300 bytes, 1.2 Gbps. It takes 1 / 1.2 of them:
    // over 2 s, 1,000,000 copies, 833,333 delivered (plus the bucket's
    // first millisecond, about 417), 166,667 dropped.
    let text = gwlb(
        "2s",
        ", flow_stickiness: TwoTuple",
        r#", network_performance: (baseline: "1Gbps", burst: "1Gbps", pps: "10Mpps")"#,
        r#"Flow(name: "x", from: "198.51.100.1", to: "eni-src", protocol: Udp, destination_port: 1, rate: "500kpps", size: Fixed("182B")),"#,
        "",
    );
    let r = run_text(&text).report;
    let delivered = outcome(&r, "tms-1", "whole") as f64;
    assert!((delivered - 833_333.0).abs() < 1_000.0, "{delivered}");
    let dropped = outcome(&r, "tms-1", "target_bandwidth") as f64;
    assert!((dropped - 166_667.0).abs() < 1_000.0, "{dropped}");
}

#[test]
fn sec_01_an_eni_with_no_group_is_in_its_vpcs_default_group() {
    // The source declares a group (HTTPS in); the appliance none: it is in
    // vpc-1's default group, which admits only its members, and the source
    // is not one. 100 pps x 10 s, all dropped at the target.
    let text = scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &flow("https", "198.51.100.1", "eni-src", "Tcp", "443", 100, 300),
    )
    .replace(
        r#"subnets: [
            Subnet("#,
        r#"security_groups: [SecurityGroup(id: "sg-web", ingress_rules: [
                SgRule(protocol: 6, port_range: (from_port: 443, to_port: 443), cidr_block: "0.0.0.0/0")])],
            subnets: [
            Subnet("#,
    )
    .replace(
        r#"ipv6_address: "2600:1f18::10")"#,
        r#"ipv6_address: "2600:1f18::10", security_groups: ["sg-web"])"#,
    );
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.code == "DefaultSecurityGroup" && w.message.contains("eni-app")),
        "{:?}",
        loaded.warnings
    );
    let r = run_text(&text).report;
    assert_eq!(outcome(&r, "tms-1", "target_sg_denies_vxlan"), 1_000);
    // With no group declared anywhere, both are in the default group, and
    // it admits its own members: all 1,000 arrive.
    let r = run_text(&scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &flow("https", "198.51.100.1", "eni-src", "Tcp", "443", 100, 300),
    ))
    .report;
    assert_eq!(outcome(&r, "tms-1", "whole"), 1_000);
}

#[test]
fn sec_02_a_group_reference_needs_the_transit_gateways_referencing_support() {
    // transit-gateway.ron, with the inspection appliance's rule naming the
    // spoke A source's group instead of a CIDR.
    let base = std::fs::read_to_string(root().join("scenarios/transit-gateway.ron"))
        .unwrap()
        .replace(
            r#"SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), cidr_block: "10.0.0.0/8"),"#,
            r#"SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), source_security_group_id: "sg-0appa"),"#,
        )
        .replace(
            r#"            route_tables: [RouteTable(id: "rtb-0spokea0000001", main: true, routes: ["#,
            r#"            security_groups: [SecurityGroup(id: "sg-0appa", ingress_rules: [SgRule(cidr_block: "0.0.0.0/0")])],
            route_tables: [RouteTable(id: "rtb-0spokea0000001", main: true, routes: ["#,
        )
        .replace(
            r#"private_ip: "10.10.1.10", mtu: 1500)"#,
            r#"private_ip: "10.10.1.10", mtu: 1500, security_groups: ["sg-0appa"])"#,
        );
    // Off by default: spoke A's copies (clients 100 + 100 pps, its UDP to
    // B1 50 pps, a ping 1 pps, for 10 s: 2,510) are dropped.
    let r = run_text(&base).report;
    assert_eq!(
        outcome(&r, "tms-0appa00000000001", "target_sg_denies_vxlan"),
        2_510
    );
    let on = base.replace(
        r#"TransitGateway(id: "tgw-0hub00000000001","#,
        r#"TransitGateway(id: "tgw-0hub00000000001", security_group_referencing_support: true,"#,
    );
    let r = run_text(&on).report;
    assert_eq!(outcome(&r, "tms-0appa00000000001", "whole"), 2_510);
}

#[test]
fn bw_07_an_instance_type_without_figures_is_an_error_never_unlimited() {
    let with_type = |t: &str| {
        scenario("1s", 9001, ACCEPT_ALL_V4, "", "").replace(
            r#"Instance(id: "i-app", instance_type: "c5.large""#,
            &format!(r#"Instance(id: "i-app", instance_type: "{t}""#),
        )
    };
    // A family the catalogue knows, a size it does not: the sizes it has.
    let e = load_err(&with_type("m5zn.7xlarge"));
    assert!(e.contains("no figures for m5zn.7xlarge"), "{e}");
    assert!(e.contains("3xlarge") && e.contains("12xlarge"), "{e}");
    // A type EC2 does not have: suggestions.
    let e = load_err(&with_type("c5n.xlarg"));
    assert!(
        e.contains("did you mean") && e.contains("c5n.xlarge"),
        "{e}"
    );
    // Previous generations and IDS families have figures now (they ran
    // unlimited before): m4.10xlarge 10 Gbps, c7gn.16xlarge 200 Gbps.
    for (t, bps) in [
        ("m4.10xlarge", 10_000_000_000u64),
        ("c7gn.16xlarge", 200_000_000_000),
    ] {
        let s = load(&with_type(t));
        let i = s
            .topology
            .instances
            .iter()
            .find(|i| i.id == "i-app")
            .unwrap();
        assert_eq!(i.network.map(|n| n.burst_bps), Some(bps), "{t}");
    }
    // A scenario may always give the figures itself.
    let given = with_type("m5zn.7xlarge").replace(
        r#"instance_type: "m5zn.7xlarge", subnet: "subnet-1","#,
        r#"instance_type: "m5zn.7xlarge", subnet: "subnet-1", network_performance: (baseline: "30Gbps"),"#,
    );
    load(&given);
}

#[test]
fn mirrored_means_a_copy_was_made_and_passed_on_means_rules_judged_it() {
    // Two sessions on eni-src: tms-1 has inbound rules only (UDP), tms-2
    // accepts everything. 100 pps in (TCP) and 100 pps out (TCP), 10 s.
    let filters = r#"Filter(id: "tmf-udp", ingress_filter_rules: [Rule(rule_number: 1, rule_action: Accept, protocol: 17,
            source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#
        .to_string()
        + ACCEPT_ALL_V4;
    let sessions = session("tms-1", "tmf-udp", 1, ", packet_length: 20")
        + &session_to("tms-2", "tmf-all", 2, "tmt-app2", "");
    let traffic = flow("in", "198.51.100.1", "eni-src", "Tcp", "443", 100, 300)
        + &flow("out", "eni-src", "198.51.100.1", "Tcp", "443", 100, 300);
    let text = with_timeline(
        scenario("10s", 9001, &filters, &sessions, &traffic),
        r#"At(time: "5s", action: DeleteNetworkInterface("eni-app2"))"#,
    );
    let r = run_text(&text).report;
    // tms-1's rules judged (and passed on) only the 1,000 inbound packets;
    // it has no outbound rule, so the outbound ones were never its to pass.
    assert_eq!(session_report(&r, "tms-1").passed_on.packets, 1_000);
    // tms-2 accepted all 2,000; from 5 s its target's ENI is gone, so the
    // last 1,000 make no copy: MIRRORED (the table, the report) counts
    // 1,000, as `expect`'s Mirrored does (skipped + dropped + delivered).
    let s2 = session_report(&r, "tms-2");
    assert_eq!(s2.mirrored.packets, 1_000);
    let c = &s2.categories;
    assert_eq!(
        c.skipped.packets + c.dropped.packets + c.delivered.packets,
        1_000
    );
    // SES-05: a packet length of 20 is 35 in effect, and the report says
    // both.
    let s1 = session_report(&r, "tms-1");
    assert_eq!(
        (s1.packet_length, s1.packet_length_set),
        (Some(35), Some(20))
    );
}
