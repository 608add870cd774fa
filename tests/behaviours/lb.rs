//! TGT-05..11 and SES-05 for load balancer targets.

use crate::common::*;

const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/ids-fleet/50dc6c495c0c9188";

fn fleet() -> String {
    std::fs::read_to_string(root().join("scenarios/nlb-fleet.ron")).unwrap()
}

fn outcome(r: &reports::Report, session: &str, reason: &str) -> u64 {
    session_report(r, session)
        .outcomes
        .iter()
        .filter(|o| o.reason == reason)
        .map(|o| o.packets)
        .sum()
}

fn series<'a>(r: &'a reports::Report, session: &str, name: &str) -> &'a [u64] {
    &session_report(r, session)
        .series
        .series
        .iter()
        .find(|s| s.name == name)
        .unwrap()
        .values
}

#[test]
fn tgt_05_a_network_load_balancer_without_a_udp_4789_listener_drops_everything_silently() {
    let text = fleet().replace(
        "listeners: [Listener(protocol: Udp, port: 4789)]",
        "listeners: [Listener(protocol: Tcp, port: 80)]",
    );
    // Valid in AWS: a warning, not an error.
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("no UDP listener on 4789"))
    );
    let r = run_text(&text).report;
    // web-a: 10 connections x 200 pps x 60 s = 120,000 copies, all lost.
    assert_eq!(
        outcome(&r, "tms-0weba00000001", "no_udp_4789_listener"),
        120_000
    );
    // Removing the listener at 30 s loses the second half of web-b's
    // 10 x 200 pps + 20 kpps: 22,000 pps x 30 s = 660,000.
    let text = fleet().replace(
        "    timeline: [",
        &format!(r#"    timeline: [At(time: "30s", action: DeleteListener(load_balancer: "{NLB}", port: 4789)),"#),
    );
    let r = run_text(&text).report;
    assert_eq!(
        outcome(&r, "tms-0webb00000001", "no_udp_4789_listener"),
        660_000
    );
}

#[test]
fn tgt_06_without_cross_zone_a_zone_with_no_healthy_target_fails_open_to_its_own() {
    let r = run_scenario("nlb-fleet.ron").report;
    assert_eq!(r.targets[0].target_type, "network-load-balancer");
    // web-a sends 10 x 200 pps: 20,000 copies per 10 s period. Its zone's
    // appliances go down at 20 s; the NLB notices at 30 s (LB-01) and,
    // with cross-zone off, fails open to those same two (LB-02, TGT-06
    // corrected): "cannot send to another AZ" is not "drops", but they are
    // down, so 20-40 s is lost either way. Cross-zone comes on at 40 s. Copies count
    // where they arrive: from 40 s they cross to us-east-1b (100 us + 500 us
    // cross-AZ + 150 us through the NLB, plus jitter), so the one sent last
    // before 50 s (the tenth connection's response, 9.5 ms into each 10 ms
    // gap: at 49.9995 s) arrives after 50 s, in the last period.
    assert_eq!(
        series(&r, "tms-0weba00000001", "delivered"),
        &[20_000, 20_000, 0, 0, 19_999, 20_001]
    );
    assert_eq!(
        series(&r, "tms-0weba00000001", "dropped"),
        &[0, 0, 20_000, 20_000, 0, 0]
    );
    assert_eq!(outcome(&r, "tms-0weba00000001", "appliance_down"), 40_000);
    assert_eq!(outcome(&r, "tms-0weba00000001", "no_healthy_target"), 0);
    // web-b's zone keeps its appliances: nothing lost.
    assert_eq!(
        session_report(&r, "tms-0webb00000001")
            .categories
            .dropped
            .packets,
        0
    );
}

/// An NLB that starts in us-east-1a only, with appliances registered in
/// both zones; us-east-1b is enabled at 10 s, and the us-east-1a
/// appliances go down at 20 s (noticed at 30 s: nlb-fleet's timeline and
/// health checks), and cross-zone comes on at 40 s.
fn late_zone(cross_zone: bool) -> String {
    fleet()
        .replace(
            r#"subnets: ["subnet-0seca000001", "subnet-0secb000001"],
            cross_zone: false,"#,
            &format!(
                r#"subnets: ["subnet-0seca000001"],
            cross_zone: {cross_zone},"#
            ),
        )
        .replace(
            r#"    timeline: ["#,
            &format!(
                r#"    timeline: [At(time: "10s", action: SetSubnets(load_balancer: "{NLB}", subnets: ["subnet-0seca000001", "subnet-0secb000001"])),"#
            ),
        )
}

#[test]
fn tgt_07_a_zone_added_later_gets_copies_only_with_cross_zone() {
    // Cross-zone off until 40 s: from 20 s the us-east-1b appliances are the
    // only healthy ones, yet both web servers' copies go to the only node
    // mirroring knows (us-east-1a) and are lost until 40 s.
    let r = run_text(&late_zone(false)).report;
    assert_eq!(
        series(&r, "tms-0weba00000001", "dropped")[2..4],
        [20_000, 20_000]
    );
    // web-b: 10 x 200 pps + 20 kpps = 220,000 per period, lost in 20-40 s.
    assert_eq!(
        series(&r, "tms-0webb00000001", "dropped")[2..4],
        [220_000, 220_000]
    );
    // With cross-zone on from the start, the us-east-1a node sends to the
    // us-east-1b appliances once that zone is enabled: nothing is lost for
    // want of a node or a target. Only the flows placed on a us-east-1a
    // appliance lose the 10 s before the NLB notices it is down (LB-01).
    let r = run_text(&late_zone(true)).report;
    // (Copies count where they arrive: a few sent just before 30 s fall in
    // the next period.)
    // How many flows sit on a us-east-1a appliance is the flow hash's, not
    // a hand-worked number: the test asserts only where the loss falls.
    for s in ["tms-0weba00000001", "tms-0webb00000001"] {
        let d = series(&r, s, "dropped");
        assert!(d[2] > 0, "{d:?}");
        assert_eq!([d[0], d[1], d[4], d[5]], [0; 4], "{d:?}");
        assert_eq!(outcome(&r, s, "appliance_down"), d[2] + d[3]);
    }
}

/// SetSubnets takes the whole list: a zone left out is disabled, and the
/// copies its node was getting are lost; its appliances stop counting.
#[test]
fn tgt_07_a_zone_removed_loses_the_copies_sent_to_its_node() {
    let text = fleet().replace(
        r#"    timeline: ["#,
        &format!(
            r#"    timeline: [At(time: "10s", action: SetSubnets(load_balancer: "{NLB}", subnets: ["subnet-0seca000001"])),"#
        ),
    );
    let r = run_text(&text).report;
    // web-b (us-east-1b) sends to the us-east-1b node: 220,000 copies per
    // 10 s period (10 x 200 pps + 20 kpps), all lost from 10 s on.
    assert_eq!(
        series(&r, "tms-0webb00000001", "dropped")[..3],
        [0, 220_000, 220_000]
    );
    // Over the 60 s: 5 periods x 220,000 = 1,100,000 lost for that reason.
    assert_eq!(
        outcome(&r, "tms-0webb00000001", "lb_node_removed"),
        1_100_000
    );
    // web-a's node stays; its zone's appliances serve it until they go
    // down at 20 s (the fleet's timeline); from 30 s the NLB knows and fails
    // open to them (the us-east-1b appliances no longer count, even with
    // cross-zone at 40 s). 2,000 pps x 40 s = 80,000 lost, all to down
    // appliances.
    assert_eq!(outcome(&r, "tms-0weba00000001", "lb_node_removed"), 0);
    assert_eq!(outcome(&r, "tms-0weba00000001", "appliance_down"), 80_000);
}

/// SetSubnets is refused without a subnet, or with two in one zone.
#[test]
fn tgt_07_set_subnets_needs_one_subnet_per_zone() {
    for list in [r#"[]"#, r#"["subnet-0seca000001", "subnet-0seca000001"]"#] {
        let text = fleet().replace(
            r#"    timeline: ["#,
            &format!(
                r#"    timeline: [At(time: "10s", action: SetSubnets(load_balancer: "{NLB}", subnets: {list})),"#
            ),
        );
        let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
        assert!(
            format!("{err:?}").contains("InvalidParameter"),
            "{list}: {err:?}"
        );
    }
}

#[test]
fn tgt_08_a_node_out_of_dns_keeps_receiving_mirrored_traffic() {
    let r = run_scenario("nlb-fleet.ron").report;
    // The us-east-1a node leaves DNS at 50 s: web-a's copies still arrive,
    // all 20,000 of the period and the one sent at 49.9995 s (see TGT-06).
    assert_eq!(series(&r, "tms-0weba00000001", "delivered")[5], 20_001);
}

#[test]
fn tgt_09_a_load_balancer_keeps_a_flows_order_until_its_path_changes() {
    // nlb-fleet: bulk-b (20 kpps) never changes path: in order, although a
    // load balancer carries it (TGT-09 revised: no per-copy jitter).
    let r = run_scenario("nlb-fleet.ron").report;
    assert_eq!(
        session_report(&r, "tms-0webb00000001").reordering.packets,
        0
    );
    // A path change that shortens the path reorders. Cross-zone on; the
    // us-east-1b appliances start failing their checks (known at once), so
    // bulk-b (web-b's zone, us-east-1b) is placed on a us-east-1a appliance:
    // 100 us base + 150 us NLB + 500 us zone crossing = 750 us. They pass
    // again from 1 s (healthy at the checks of 10 s and 20 s), but the flow
    // stays where it is (LB-04). At 30 s the us-east-1a appliances fail
    // their checks, still receiving; the NLB notices at 40 s (checks at 30
    // and 40) and moves the flow to us-east-1b: 250 us. The copy sent at
    // 40 s arrives at 40.000250 s; those sent 50, 100, ... 450 us before it
    // on the old path arrive 750 us after they left, later than that: 9
    // copies reordered (the one sent 500 us before arrives with it, first).
    let fleet = fleet();
    let timeline_at = fleet.find("    timeline: [").unwrap();
    let timeline_end = timeline_at + fleet[timeline_at..].find("\n    ],\n").unwrap() + 7;
    let text = format!(
        "{}{}{}",
        &fleet[..timeline_at],
        r#"    timeline: [
        At(time: "1s", action: SetApplianceState(appliance: "i-0idsb1000000001", state: Healthy)),
        At(time: "1s", action: SetApplianceState(appliance: "i-0idsb2000000001", state: Healthy)),
        At(time: "30s", action: SetApplianceState(appliance: "i-0idsa1000000001", state: FailsHealthCheck)),
        At(time: "30s", action: SetApplianceState(appliance: "i-0idsa2000000001", state: FailsHealthCheck)),
    ],
"#,
        &fleet[timeline_end..]
    )
    .replace("cross_zone: false,", "cross_zone: true,")
    .replace(
        r#"health_check: HealthCheck(interval: "10s", unhealthy_threshold: 2)"#,
        r#"health_check: HealthCheck(interval: "10s", healthy_threshold: 2, unhealthy_threshold: 2),
            target_health: [TargetHealth(target: "i-0idsb1000000001", state: FailsHealthCheck),
                            TargetHealth(target: "i-0idsb2000000001", state: FailsHealthCheck)]"#,
    );
    let r = run_text(&text).report;
    let s = session_report(&r, "tms-0webb00000001");
    assert_eq!(s.reordering.packets, 9);
    // Nothing is lost: an appliance that only fails its checks receives.
    assert_eq!(s.categories.dropped.packets, 0);
}

#[test]
fn ses_05_a_session_to_a_network_load_balancer_keeps_8500_bytes_by_default() {
    let text = fleet().replace(", mtu: 1500)", ")").replace(
        r#"        Flow(name: "bulk-b","#,
        r#"        Flow(name: "jumbo", from: "eni-0weba00000001", to: "eni-0webb00000001", protocol: Tcp,
             destination_port: 9000, rate: "10pps", size: Fixed("8996B")),
        Flow(name: "bulk-b","#,
    );
    let r = run_text(&text).report;
    // 10 pps x 60 s = 600 jumbo packets, mirrored leaving web-a and arriving
    // at web-b: 8996 + 14 = 9010 bytes of frame, cut to 8500; the copy is
    // 8500 + 36 = 8536 bytes. (web-a's copies are lost from 20 s to 40 s.)
    let cut = |s: &str| outcome(&r, s, "truncated_packet_length");
    assert_eq!(cut("tms-0webb00000001"), 600);
    assert_eq!(cut("tms-0weba00000001"), 400);
}

fn gwlb() -> String {
    std::fs::read_to_string(root().join("scenarios/gwlb-spokes.ron")).unwrap()
}

#[test]
fn tgt_10_a_gateway_load_balancer_carries_8446_bytes_whole_and_wraps_them_in_geneve() {
    // Default capacity (10 Gbps), and only the jumbo flows, at 8446 and
    // 8447 bytes: 8446 + 54 = 8500, the GWLB's MTU, arrives whole; 8447 is
    // cut to 8446.
    let text = gwlb()
        .replace(
            r#"gateway_load_balancer_endpoint: (start: "100Mbps", step: "100Mbps", max: "1Gbps", window: "10s"),"#,
            "",
        )
        .replace(
            r#"rate: "30Mbps", size: Fixed("1500B"), count: 10),"#,
            r#"rate: "30Mbps", size: Fixed("1500B"), count: 10, duration: "0s"),"#,
        )
        .replace(r#"size: Fixed("8996B")"#, r#"size: Fixed("8446B")"#)
        .replace(
            "        // Spoke 2:",
            r#"        Flow(name: "spoke1-db2", from: "eni-0spoke1db000001", to: "eni-0spoke1app00001", protocol: Tcp, destination_port: 40001,
             rate: "10pps", size: Fixed("8447B")),
        // Spoke 2:"#,
        );
    let r = run_text(&text).report;
    let s = session_report(&r, "tms-0spoke1000000001");
    // 10 pps x 40 s = 400 of each.
    assert_eq!(outcome(&r, "tms-0spoke1000000001", "whole"), 400);
    assert_eq!(outcome(&r, "tms-0spoke1000000001", "truncated_mtu"), 400);
    // Each arrives as 8446 + 50 (VXLAN copy) + 68 (GENEVE) = 8564 bytes.
    assert_eq!(s.delivered_copy_bytes, 800 * 8564);
}

#[test]
fn tgt_11_an_endpoint_drops_what_exceeds_its_capacity_while_it_scales() {
    let r = run_scenario("gwlb-spokes.ron").report;
    // Spoke 1 sends 10 x 2,500 pps of 1500-byte packets (1550-byte
    // copies) + 10 pps: 250,100 copies per 10 s. The endpoint starts at 100
    // Mbps: 100e6 / (1550 x 8) = 8,064.5 copies a second, 80,645 in the
    // first period; then 200, 300 and 400 Mbps (each window was over 80 %
    // used): 161,290, 241,935, and all 250,100.
    let d = series(&r, "tms-0spoke1000000001", "delivered");
    for (got, want) in d.iter().zip([80_645.0, 161_290.0, 241_935.0, 250_100.0]) {
        assert!((*got as f64 - want).abs() < 600.0, "{d:?}");
    }
    assert_eq!(
        outcome(&r, "tms-0spoke1000000001", "lb_capacity"),
        1_000_400 - d.iter().sum::<u64>()
    );
}

#[test]
fn scn_04_spokes_mirror_through_their_own_endpoints() {
    let r = run_scenario("gwlb-spokes.ron").report;
    let types: Vec<&str> = r.targets.iter().map(|t| t.target_type).collect();
    assert_eq!(types, ["gateway-load-balancer-endpoint"; 2]);
    // Spoke 2's UDP (100 pps x 40 s) meets Filter 1's TCP rule: not mirrored.
    assert_eq!(
        at_source(&r, "eni-0spoke2app00001", "ingress", "no_rule_matched"),
        4_000
    );
    // Its TCP arrives, all of it, through its own endpoint.
    let s2 = session_report(&r, "tms-0spoke2000000001");
    assert_eq!(s2.categories.delivered.packets, s2.mirrored.packets);
    let hops: Vec<&str> = s2.path().iter().map(|h| h.resource.as_str()).collect();
    assert_eq!(
        hops,
        [
            "eni-0spoke2app00001",
            "vpc-0spoke200000001",
            "vpce-0spoke2000000001"
        ]
    );
}

/// nlb-fleet with its appliances' health-check settings replaced.
fn fleet_with_checks(checks: &str) -> String {
    fleet().replace(
        r#"health_check: HealthCheck(interval: "10s", unhealthy_threshold: 2)"#,
        checks,
    )
}

#[test]
fn lb_01_a_down_appliance_is_chosen_until_the_health_checks_notice() {
    // AWS's NLB defaults (checks every 30 s, 2 failures): the us-east-1a
    // appliances go down at 20 s; the checks at 30 s and 60 s fail, so the
    // NLB learns only at 60 s, the end. web-a's copies (2,000 pps) are lost
    // from 20 s to 60 s, cross-zone at 40 s notwithstanding: 80,000.
    let r = run_text(&fleet_with_checks("target_health: []")).report;
    assert_eq!(outcome(&r, "tms-0weba00000001", "appliance_down"), 80_000);
    // Checks every 10 s: learned at 30 s; from 40 s cross-zone finds the
    // healthy us-east-1b appliances: 20-40 s lost, 40,000.
    let r = run_scenario("nlb-fleet.ron").report;
    assert_eq!(outcome(&r, "tms-0weba00000001", "appliance_down"), 40_000);
    // Recovery takes healthy_threshold passes: down at 20 s, back at 25 s:
    // the check at 20 s fails, 30 s passes: never unhealthy, so only the
    // copies of 20-25 s are lost: 2,000 x 5 = 10,000.
    let text = fleet().replace(
        r#"At(time: "40s", action: ModifyLoadBalancerAttributes("#,
        r#"At(time: "25s", action: SetTargetHealth(
            load_balancer: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/ids-fleet/50dc6c495c0c9188",
            target: "i-0idsa1000000001", healthy: true)),
        At(time: "25s", action: SetTargetHealth(
            load_balancer: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/ids-fleet/50dc6c495c0c9188",
            target: "i-0idsa2000000001", healthy: true)),
        At(time: "40s", action: ModifyLoadBalancerAttributes("#,
    );
    let r = run_text(&text).report;
    assert_eq!(outcome(&r, "tms-0weba00000001", "appliance_down"), 10_000);
    // The verdicts are epochs of the run, named after the checks.
    let r = run_scenario("nlb-fleet.ron").report;
    let causes: Vec<&str> = r.epochs.iter().map(|e| e.cause.as_str()).collect();
    assert!(
        causes.iter().any(|c| c.starts_with("HealthCheck")
            && c.contains("eni-0idsa100000001 unhealthy (2 checks 10s apart)")),
        "{causes:?}"
    );
}

#[test]
fn lb_02_a_zone_with_no_healthy_appliance_fails_open() {
    // The us-east-1a appliances only fail their health checks from 20 s
    // (they still receive). From 30 s the NLB calls them unhealthy; with
    // cross-zone off it fails open and sends to them anyway: nothing is
    // lost. web-a: 10 x 200 pps x 60 s = 120,000 delivered.
    let text = fleet()
        .replace(
            r#"target: "i-0idsa1000000001", healthy: false)),"#,
            r#"target: "i-0idsa1000000001", healthy: true)),"#,
        )
        .replace(
            r#"target: "i-0idsa2000000001", healthy: false)),"#,
            r#"target: "i-0idsa2000000001", healthy: true)),
        At(time: "20s", action: SetApplianceState(appliance: "i-0idsa1000000001", state: FailsHealthCheck)),
        At(time: "20s", action: SetApplianceState(appliance: "i-0idsa2000000001", state: FailsHealthCheck)),"#,
        );
    let r = run_text(&text).report;
    let s = session_report(&r, "tms-0weba00000001");
    assert_eq!(s.categories.delivered.packets, 120_000);
    // Down from the start (a load balancer field, known at once): the node
    // fails open to them, they receive nothing, until cross-zone at 40 s:
    // 2,000 pps x 40 s = 80,000 lost.
    let text = fleet_with_checks(
        r#"target_health: [TargetHealth(target: "i-0idsa1000000001", state: Down),
                           TargetHealth(target: "i-0idsa2000000001", state: Down)]"#,
    );
    let r = run_text(&text).report;
    assert_eq!(outcome(&r, "tms-0weba00000001", "appliance_down"), 80_000);
    assert_eq!(outcome(&r, "tms-0weba00000001", "no_healthy_target"), 0);
}

#[test]
fn tgt_04_appliances_behind_an_nlb_check_the_sources_ip() {
    // The appliances' group admits VXLAN only from the NLB's subnets; a UDP
    // target group keeps the source's IP, so every copy is dropped at the
    // appliance: web-a 120,000, web-b 1,320,000 (10 x 200 pps + 20 kpps).
    let text = fleet()
        .replace(
            r#"            Subnet(id: "subnet-0secb000001", availability_zone: "us-east-1b", cidr_block: "10.0.12.0/24"),
        ]),"#,
            r#"            Subnet(id: "subnet-0secb000001", availability_zone: "us-east-1b", cidr_block: "10.0.12.0/24"),
        ],
        security_groups: [SecurityGroup(id: "sg-ids", ingress_rules: [
            SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), cidr_block: "10.0.11.0/24"),
            SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), cidr_block: "10.0.12.0/24")])]),"#,
        )
        .replace(r#"private_ip: "10.0.11.21")"#, r#"private_ip: "10.0.11.21", security_groups: ["sg-ids"])"#)
        .replace(r#"private_ip: "10.0.11.22")"#, r#"private_ip: "10.0.11.22", security_groups: ["sg-ids"])"#)
        .replace(r#"private_ip: "10.0.12.21")"#, r#"private_ip: "10.0.12.21", security_groups: ["sg-ids"])"#)
        .replace(r#"private_ip: "10.0.12.22")"#, r#"private_ip: "10.0.12.22", security_groups: ["sg-ids"])"#);
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    // `sim check` names each appliance and the group that drops its copies.
    for a in ["eni-0idsa100000001", "eni-0idsb200000001"] {
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.message.contains(a)
                    && w.message.contains("target_sg_denies_vxlan at sg-ids")),
            "{a}: {:?}",
            loaded.warnings
        );
    }
    let r = run_text(&text).report;
    assert_eq!(
        outcome(&r, "tms-0weba00000001", "target_sg_denies_vxlan"),
        120_000
    );
    assert_eq!(
        outcome(&r, "tms-0webb00000001", "target_sg_denies_vxlan"),
        1_320_000
    );
    // Admit the web subnets too: everything arrives.
    let fixed = text.replace(
        r#"cidr_block: "10.0.12.0/24")])]),"#,
        r#"cidr_block: "10.0.12.0/24"),
            SgRule(protocol: 17, port_range: (from_port: 4789, to_port: 4789), cidr_block: "10.0.0.0/20")])]),"#,
    );
    let r = run_text(&fixed).report;
    assert_eq!(
        outcome(&r, "tms-0webb00000001", "target_sg_denies_vxlan"),
        0
    );
}

#[test]
fn tgt_07_an_appliance_in_a_zone_where_the_nlb_has_no_node_never_receives_a_copy() {
    // plan-appliances' NLB has one node, in us-east-1a. Its fourth
    // appliance moves to a subnet of us-east-1b: registered, but in a zone
    // the load balancer does not have ("these registered targets do not
    // receive traffic", ELB user guide). Check warns (ELB's
    // Target.NotInUse), and the run equals one with that appliance left
    // out: one appliance of 100 Mbps for 20,000 copies/s of 1,500 bytes,
    // 8,333 delivered per second, 58.3 % dropped either way.
    let base = std::fs::read_to_string(root().join("scenarios/plan-appliances.ron")).unwrap();
    let zoned = base
        .replacen(
            r#"Subnet(id: "subnet-0ids0000000002", availability_zone: "us-east-1a", cidr_block: "10.0.11.0/24"),"#,
            r#"Subnet(id: "subnet-0ids0000000002", availability_zone: "us-east-1a", cidr_block: "10.0.11.0/24"),
            Subnet(id: "subnet-0idsb000000002", availability_zone: "us-east-1b", cidr_block: "10.0.12.0/24"),"#,
            1,
        )
        .replacen(
            r#"Instance(id: "i-0ids4000000001", instance_type: "c5.xlarge", subnet: "subnet-0ids0000000002","#,
            r#"Instance(id: "i-0ids4000000001", instance_type: "c5.xlarge", subnet: "subnet-0idsb000000002","#,
            1,
        )
        .replacen(r#"private_ip: "10.0.11.24""#, r#"private_ip: "10.0.12.24""#, 1);
    let with = zoned.replacen(
        r#"targets: ["i-0ids1000000001", "i-0ids2000000001", "i-0ids3000000001", "i-0ids4000000001"]"#,
        r#"targets: ["i-0ids1000000001", "i-0ids4000000001"]"#,
        1,
    );
    let without = zoned.replacen(
        r#"targets: ["i-0ids1000000001", "i-0ids2000000001", "i-0ids3000000001", "i-0ids4000000001"]"#,
        r#"targets: ["i-0ids1000000001"]"#,
        1,
    );
    assert!(with != zoned && without != zoned);
    let loaded = sim_core::load("t.ron", &with, &Default::default()).unwrap();
    let w = loaded
        .warnings
        .iter()
        .find(|w| w.code == "Target.NotInUse")
        .expect("a Target.NotInUse warning");
    assert!(
        w.message
            .starts_with("eni-0ids4000000001 is in us-east-1b, where")
            && w.message
                .ends_with("(its zones: us-east-1a): the appliance never receives a copy"),
        "{}",
        w.message
    );
    let (a, b) = (run_text(&with).report, run_text(&without).report);
    assert_eq!(a.totals, b.totals);
    let c = &a.totals.categories;
    let mirrored = c.delivered.packets + c.dropped.packets + c.skipped.packets;
    let dropped = c.dropped.packets as f64 / mirrored as f64;
    assert!((dropped - 0.5833).abs() < 0.01, "{dropped}");
}

/// Three web servers, two in us-east-1a and one in us-east-1b, each
/// receiving 1,000 TCP packets of 500 bytes in a second (ten flows of 100
/// per second), all mirrored to an NLB with a node and one appliance in
/// each zone.
fn three_sources_two_zones(cross_zone: bool) -> String {
    let web = |id: &str, subnet: &str, ip: &str| {
        format!(
            r#"Instance(id: "i-{id}", instance_type: "m5.large", subnet: "{subnet}",
                 network_interfaces: [Eni(id: "eni-{id}", private_ip: "{ip}")]),"#
        )
    };
    let session = |id: &str| {
        format!(
            r#"Session(id: "tms-{id}", network_interface_id: "eni-{id}", traffic_mirror_target_id: "tmt-nlb",
                traffic_mirror_filter_id: "tmf-all", session_number: 1),"#
        )
    };
    let flow = |id: &str| {
        format!(
            r#"Flow(name: "to-{id}", from: "203.0.113.7", to: "eni-{id}", protocol: Tcp, destination_port: 443,
             rate: "100pps", size: Fixed("500B"), count: 10),"#
        )
    };
    format!(
        r#"Scenario(name: "zones", seed: 4, duration: "1s",
    vpcs: [Vpc(id: "vpc-z", cidr_blocks: ["10.0.0.0/16"], subnets: [
        Subnet(id: "subnet-a", availability_zone: "us-east-1a", cidr_block: "10.0.1.0/24"),
        Subnet(id: "subnet-b", availability_zone: "us-east-1b", cidr_block: "10.0.2.0/24"),
    ])],
    instances: [
        {}
        {}
        {}
        Instance(id: "i-idsa", instance_type: "c5n.xlarge", subnet: "subnet-a",
                 network_interfaces: [Eni(id: "eni-idsa", private_ip: "10.0.1.50")]),
        Instance(id: "i-idsb", instance_type: "c5n.xlarge", subnet: "subnet-b",
                 network_interfaces: [Eni(id: "eni-idsb", private_ip: "10.0.2.50")]),
    ],
    network_load_balancers: [NetworkLoadBalancer(id: "nlb-z", vpc_id: "vpc-z",
        subnets: ["subnet-a", "subnet-b"], cross_zone: {cross_zone},
        listeners: [Listener(protocol: Udp, port: 4789)], targets: ["i-idsa", "i-idsb"])],
    traffic_mirror_targets: [Target(id: "tmt-nlb", network_load_balancer_arn: "nlb-z")],
    traffic_mirror_filters: [Filter(id: "tmf-all",
        ingress_filter_rules: [Rule(rule_number: 1, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")])],
    traffic_mirror_sessions: [{} {} {}],
    traffic: [{} {} {}],
)"#,
        web("web1", "subnet-a", "10.0.1.10"),
        web("web2", "subnet-a", "10.0.1.11"),
        web("web3", "subnet-b", "10.0.2.10"),
        session("web1"),
        session("web2"),
        session("web3"),
        flow("web1"),
        flow("web2"),
        flow("web3"),
    )
}

#[test]
fn lb_04_per_appliance_load_is_two_to_one_with_cross_zone_off() {
    // Copies enter by the node in their source's zone (LB-06). Cross-zone
    // off, a node sends only to its zone's appliance: us-east-1a's gets
    // web1's and web2's 1,000 + 1,000 copies, us-east-1b's web3's 1,000.
    // 2:1, and the busiest is sent 2,000 / (3,000 / 2) = 1.33 times the
    // mean.
    let r = run_text(&three_sources_two_zones(false)).report;
    let t = &r.fleets[0];
    assert_eq!(t.load_balancer.as_deref(), Some("nlb-z"));
    let sent: Vec<(&str, &str, u64)> = t
        .appliances
        .iter()
        .map(|a| {
            (
                a.network_interface_id.as_str(),
                a.availability_zone.as_str(),
                a.sent.packets,
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("eni-idsa", "us-east-1a", 2000),
            ("eni-idsb", "us-east-1b", 1000)
        ]
    );
    assert_eq!(t.load_imbalance.as_deref(), Some("1.33"));
    // What each was sent, as a rate: 2,000 copies in the one second of the
    // run (one metrics period, cut short by the run's end), each 500 + 50
    // bytes (outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14) = 550, is
    // 2,000 pps and 2,000 x 550 x 8 = 8.8 Mbps, at its peak and on average.
    let a = &t.appliances[0];
    assert_eq!((a.peak_pps, a.mean_pps), (2000, 2000));
    assert_eq!(a.sent_wire_bytes, 2000 * 550);
    assert_eq!((a.peak_bps, a.mean_bps), (8_800_000, 8_800_000));
    // Cross-zone on, each node spreads its 10 or 20 outer flows over both
    // appliances by flow hash: both get some, the total is unchanged.
    let r = run_text(&three_sources_two_zones(true)).report;
    let t = &r.fleets[0];
    assert!(t.appliances.iter().all(|a| a.sent.packets > 0));
    assert_eq!(
        t.appliances.iter().map(|a| a.sent.packets).sum::<u64>(),
        3000
    );
}

#[test]
fn ses_12_cost_of_an_nlb_fleet_worked_by_hand() {
    // The fleet above, cross-zone off, for its one second (us-east-1
    // prices of sim-core/data/prices.txt).
    let r = run_text(&three_sources_two_zones(false)).report;
    let c = &r.cost;
    let line = |item: &str| {
        c.lines
            .iter()
            .find(|l| l.item == item)
            .unwrap_or_else(|| panic!("{item}: {:?}", c.lines))
    };
    // Sessions: 3, each billed a whole hour: 3 x $0.015 = $0.045; a month
    // of 3 x 730 h = 2,190 session-hours = $32.85.
    let s = line("Traffic Mirroring sessions");
    assert_eq!(
        (s.run_usd.as_str(), s.monthly_usd.as_str()),
        ("0.045000", "32.850000")
    );
    // Instances, per second with a 60 s minimum: 3 m5.large sources for
    // 60 s at $0.096/h = 3 x $0.0016 = $0.0048; 2 c5n.xlarge appliances at
    // $0.216/h = 2 x $0.0036 = $0.0072. A month: 3 x 730 x 0.096 =
    // $210.24 and 2 x 730 x 0.216 = $315.36.
    let src = line("EC2 mirror sources");
    assert_eq!(src.resource, "3 × m5.large");
    assert_eq!(
        (src.run_usd.as_str(), src.monthly_usd.as_str()),
        ("0.004800", "210.240000")
    );
    let app = line("EC2 appliances");
    assert_eq!(app.resource, "2 × c5n.xlarge");
    assert_eq!(
        (app.run_usd.as_str(), app.monthly_usd.as_str()),
        ("0.007200", "315.360000")
    );
    // The NLB: a whole hour at $0.0225; a month 730 x 0.0225 = $16.425.
    let nlb = line("Network Load Balancer");
    assert_eq!(
        (nlb.run_usd.as_str(), nlb.monthly_usd.as_str()),
        ("0.022500", "16.425000")
    );
    // NLCUs: 3,000 copies of 550 bytes in 1 s = 1,650,000 B/s = 5.94e9
    // bytes an hour / 1,073,741,824 (a GB, 2^30) = 5.532056 NLCUs by
    // processed bytes (30 new flows/s are 0.075 of an NLCU's 400, and 30
    // active of its 50,000 less still). A month: 5.532056 x 730 =
    // 4,038.40088 NLCU-hours x $0.006 = $24.230405. The run, 1 s of it:
    // 5.532056 / 3,600 x $0.006 = $0.000009.
    let lcu = line("NLCUs");
    assert_eq!(lcu.resource, "nlb-z (by processed bytes)");
    assert_eq!(lcu.monthly_quantity, "4038.400");
    assert_eq!(
        (lcu.run_usd.as_str(), lcu.monthly_usd.as_str()),
        ("0.000009", "24.230405")
    );
    // Every copy stays in its zone: no data transfer between zones.
    assert!(c.lines.iter().all(|l| l.item != "Data between zones"));
    // Totals: 0.045 + 0.0048 + 0.0072 + 0.0225 + 0.000009 = $0.079509;
    // a month 32.85 + 210.24 + 315.36 + 16.425 + 24.230405 = $599.105405,
    // $388.865405 of it without the sources.
    assert_eq!(c.run_usd, "0.079509");
    assert_eq!(c.monthly_usd, "599.105405");
    assert_eq!(c.monthly_mirroring_usd, "388.865405");
    assert_eq!(
        (c.prices_region.as_str(), c.prices_effective.as_str()),
        ("us-east-1", "2024-10-01")
    );
}

#[test]
fn ses_12_copies_between_zones_are_billed_each_way() {
    // The NLB keeps only its us-east-1a node: web3's copies (us-east-1b)
    // cross to it, 1,000 of 550 bytes = 550,000 bytes = 0.000512 GB, at
    // $0.01 out and $0.01 in: $0.000010. A month at that rate: 550,000 B/s
    // x 2,628,000 s = 1.4454e12 bytes / 1,073,741,824 = 1,346.1336 GB x
    // $0.02 = $26.922672.
    let text = three_sources_two_zones(false).replace(
        r#"subnets: ["subnet-a", "subnet-b"], cross_zone"#,
        r#"subnets: ["subnet-a"], cross_zone"#,
    );
    let r = run_text(&text).report;
    let l = r
        .cost
        .lines
        .iter()
        .find(|l| l.item == "Data between zones")
        .expect("a zone crossing");
    assert_eq!(l.unit_price_usd, "0.020000");
    assert_eq!(l.run_quantity, "0.000512");
    assert_eq!(
        (l.run_usd.as_str(), l.monthly_usd.as_str()),
        ("0.000010", "26.922672")
    );
    // A price in settings replaces the table's, for every Region.
    let dearer = text.replace(
        "traffic: [",
        r#"settings: (prices: (cross_az_gb: "0.02", instances: {"c5n.xlarge": "0.3"})), traffic: ["#,
    );
    let r = run_text(&dearer).report;
    let l = r
        .cost
        .lines
        .iter()
        .find(|l| l.item == "Data between zones")
        .unwrap();
    assert_eq!(
        (l.unit_price_usd.as_str(), l.price_from.as_str()),
        ("0.040000", "settings")
    );
    let app = r
        .cost
        .lines
        .iter()
        .find(|l| l.item == "EC2 appliances")
        .unwrap();
    // 2 x 730 x $0.30 = $438.
    assert_eq!(app.monthly_usd, "438.000000");
}
