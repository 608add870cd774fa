//! `sim explain` equals the run (proptest): for small random valid
//! scenarios (one to three sources, sessions with random rules, ENI, NLB or
//! GWLB-endpoint targets, random timeline changes) and a random packet at a
//! random instant, the outcome, reason, session, rule and appliance that
//! `sim explain` states are what the run records for that packet offered
//! alone, as a one-packet flow at that instant.

use std::fmt::Write;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sim_core::CaptureSink;
use sim_core::explain::{explain, parse_packet};
use sim_core::units::Duration;

/// One filter rule.
#[derive(Clone, Debug)]
struct Rule {
    number: u16,
    accept: bool,
    /// None: all protocols.
    protocol: Option<u8>,
    /// A destination port range, for TCP and UDP rules.
    dst_ports: Option<(u16, u16)>,
    source: &'static str,
    destination: &'static str,
}

#[derive(Clone, Debug)]
struct Session {
    source: usize,
    number: u16,
    filter: usize,
    target: usize,
}

#[derive(Clone, Debug)]
enum Change {
    ReplaceRules { filter: usize, rules: Vec<Rule> },
    Retarget { session: usize, target: usize },
    Refilter { session: usize, filter: usize },
    Health { appliance: usize, healthy: bool },
    CrossZone(bool),
    Delete { session: usize },
}

#[derive(Clone, Debug)]
struct Packet {
    protocol: u8,
    remote: &'static str,
    remote_port: u16,
    local_port: u16,
    /// true: inbound (ingress at the source).
    inbound: bool,
    source: usize,
    /// Milliseconds into the run.
    at_ms: u64,
}

#[derive(Clone, Debug)]
struct Case {
    /// Each source's zone (0: a, 1: b) and whether it has a security group
    /// that admits only TCP 443.
    sources: Vec<(usize, bool)>,
    filters: Vec<Vec<Rule>>,
    sessions: Vec<Session>,
    /// (seconds, change), in time order.
    timeline: Vec<(u64, Change)>,
    packet: Packet,
}

const CIDRS: [&str; 4] = ["0.0.0.0/0", "10.0.0.0/16", "198.51.100.0/24", "10.0.1.0/24"];
const REMOTES: [&str; 3] = ["198.51.100.7", "203.0.113.9", "10.0.9.9"];
const PORTS: [u16; 4] = [22, 53, 443, 8080];
/// Targets: two ENI targets, an NLB (two appliances, one per zone), a GWLB
/// endpoint (two appliances, one per zone).
const TARGETS: [&str; 4] = ["tmt-e0", "tmt-e1", "tmt-nlb", "tmt-gwlb"];
/// Appliances behind the load balancers: NLB's, then GWLB's.
const LB_APPLIANCES: [(&str, &str); 4] = [
    ("nlb-1", "i-n0"),
    ("nlb-1", "i-n1"),
    ("gwlb-1", "i-g0"),
    ("gwlb-1", "i-g1"),
];

fn rule() -> impl Strategy<Value = Rule> {
    (
        1u16..200,
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some(6u8)),
            Just(Some(17u8)),
            Just(Some(1u8))
        ],
        proptest::option::of((0usize..4, 0usize..4)),
        0usize..4,
        0usize..4,
    )
        .prop_map(|(number, accept, protocol, ports, s, d)| Rule {
            number,
            accept,
            protocol,
            dst_ports: match (protocol, ports) {
                (Some(6 | 17), Some((a, b))) => {
                    let (a, b) = (PORTS[a].min(PORTS[b]), PORTS[a].max(PORTS[b]));
                    Some((a, b))
                }
                _ => None,
            },
            source: CIDRS[s],
            destination: CIDRS[d],
        })
}

/// Rules with distinct numbers, ingress or egress.
fn rules() -> impl Strategy<Value = Vec<Rule>> {
    proptest::collection::vec(rule(), 0..4).prop_map(|mut rs| {
        rs.sort_by_key(|r| r.number);
        rs.dedup_by_key(|r| r.number);
        rs
    })
}

fn case() -> impl Strategy<Value = Case> {
    let sources = proptest::collection::vec((0usize..2, any::<bool>()), 1..4);
    let filters = proptest::collection::vec(rules(), 1..4);
    (sources, filters).prop_flat_map(|(sources, filters)| {
        let n_sources = sources.len();
        let n_filters = filters.len();
        let sessions =
            proptest::collection::vec((0..n_sources, 1u16..6, 0..n_filters, 0usize..4), 1..6)
                .prop_map(|ss| {
                    // Session numbers are unique per source.
                    let mut out: Vec<Session> = Vec::new();
                    for (source, number, filter, target) in ss {
                        // At most three sessions per ENI (the quota).
                        let on_source = out.iter().filter(|s| s.source == source).count();
                        if on_source < 3
                            && !out.iter().any(|s| s.source == source && s.number == number)
                        {
                            out.push(Session {
                                source,
                                number,
                                filter,
                                target,
                            });
                        }
                    }
                    out
                });
        (Just(sources), Just(filters), sessions).prop_flat_map(
            move |(sources, filters, sessions)| {
                let n_sessions = sessions.len();
                let change = prop_oneof![
                    (0..n_filters, rules())
                        .prop_map(|(filter, rules)| Change::ReplaceRules { filter, rules }),
                    (0..n_sessions, 0usize..4)
                        .prop_map(|(session, target)| Change::Retarget { session, target }),
                    (0..n_sessions, 0..n_filters)
                        .prop_map(|(session, filter)| Change::Refilter { session, filter }),
                    (0usize..4, any::<bool>())
                        .prop_map(|(appliance, healthy)| Change::Health { appliance, healthy }),
                    any::<bool>().prop_map(Change::CrossZone),
                    (0..n_sessions).prop_map(|session| Change::Delete { session }),
                ];
                let timeline =
                    proptest::collection::vec((0u64..4, change), 0..4).prop_map(|mut t| {
                        t.sort_by_key(|(at, _)| *at);
                        t
                    });
                let packet = (
                    prop_oneof![Just(6u8), Just(17u8), Just(1u8)],
                    0usize..3,
                    0usize..4,
                    0usize..4,
                    any::<bool>(),
                    0..n_sessions,
                    prop_oneof![Just(0u64), Just(1000), Just(2000), Just(3000), 0u64..4000],
                )
                    .prop_map(|(protocol, r, rp, lp, inbound, source, at_ms)| Packet {
                        protocol,
                        remote: REMOTES[r],
                        remote_port: PORTS[rp] + 40000,
                        local_port: PORTS[lp],
                        inbound,
                        source,
                        at_ms,
                    });
                // The packet crosses a source of some session.
                let sources_of: Vec<usize> = sessions.iter().map(|s| s.source).collect();
                let packet = packet.prop_map(move |mut p| {
                    p.source = sources_of[p.source];
                    p
                });
                (
                    Just(sources.clone()),
                    Just(filters.clone()),
                    Just(sessions),
                    timeline,
                    packet,
                )
                    .prop_map(|(sources, filters, sessions, timeline, packet)| {
                        Case {
                            sources,
                            filters,
                            sessions,
                            timeline,
                            packet,
                        }
                    })
            },
        )
    })
}

fn rules_ron(rules: &[Rule]) -> String {
    let mut out = String::new();
    for r in rules {
        let _ = write!(
            out,
            r#"Rule(rule_number: {}, rule_action: {}, {}{}source_cidr_block: "{}", destination_cidr_block: "{}"),"#,
            r.number,
            if r.accept { "Accept" } else { "Reject" },
            r.protocol
                .map_or(String::new(), |p| format!("protocol: {p}, ")),
            r.dst_ports.map_or(String::new(), |(a, b)| format!(
                "destination_port_range: (from_port: {a}, to_port: {b}), "
            )),
            r.source,
            r.destination
        );
    }
    out
}

fn eni(source: usize) -> String {
    format!("eni-s{source}")
}

fn source_ip(source: usize, zone: usize) -> String {
    format!("10.0.{}.{}", zone + 1, 10 + source)
}

/// The scenario as RON: the case's world and its one-packet flow.
fn scenario(c: &Case) -> String {
    let mut instances = String::new();
    for (i, &(zone, sg)) in c.sources.iter().enumerate() {
        let _ = write!(
            instances,
            r#"Instance(id: "i-s{i}", instance_type: "m5.large", subnet: "subnet-{z}",
                network_interfaces: [Eni(id: "{e}", private_ip: "{ip}"{sg})]),"#,
            z = ["a", "b"][zone],
            e = eni(i),
            ip = source_ip(i, zone),
            sg = if sg {
                r#", security_groups: ["sg-web"]"#
            } else {
                ""
            }
        );
    }
    for (id, zone, ip) in [
        ("e0", "a", "10.0.11.10"),
        ("e1", "b", "10.0.12.10"),
        ("n0", "a", "10.0.11.20"),
        ("n1", "b", "10.0.12.20"),
        ("g0", "a", "10.0.11.30"),
        ("g1", "b", "10.0.12.30"),
    ] {
        let _ = write!(
            instances,
            r#"Instance(id: "i-{id}", instance_type: "c5.large", subnet: "subnet-app{zone}",
                network_interfaces: [Eni(id: "eni-{id}", private_ip: "{ip}")]),"#
        );
    }
    let mut filters = String::new();
    for (i, rules) in c.filters.iter().enumerate() {
        // The same rules both ways: outbound packets meet them too.
        let _ = write!(
            filters,
            r#"Filter(id: "tmf-{i}", ingress_filter_rules: [{r}], egress_filter_rules: [{r}]),"#,
            r = rules_ron(rules)
        );
    }
    let mut sessions = String::new();
    for (i, s) in c.sessions.iter().enumerate() {
        let _ = write!(
            sessions,
            r#"Session(id: "tms-{i}", network_interface_id: "{}", traffic_mirror_target_id: "{}",
                traffic_mirror_filter_id: "tmf-{}", session_number: {}),"#,
            eni(s.source),
            TARGETS[s.target],
            s.filter,
            s.number
        );
    }
    let mut timeline = String::new();
    let mut deleted: Vec<usize> = Vec::new();
    for (at, change) in &c.timeline {
        let action = match change {
            Change::ReplaceRules { filter, rules } => format!(
                r#"ReplaceTrafficMirrorFilterRules(traffic_mirror_filter_id: "tmf-{filter}", ingress_filter_rules: [{r}], egress_filter_rules: [{r}])"#,
                r = rules_ron(rules)
            ),
            Change::Retarget { session, target } if !deleted.contains(session) => format!(
                r#"ModifyTrafficMirrorSession(traffic_mirror_session_id: "tms-{session}", traffic_mirror_target_id: "{}")"#,
                TARGETS[*target]
            ),
            Change::Refilter { session, filter } if !deleted.contains(session) => format!(
                r#"ModifyTrafficMirrorSession(traffic_mirror_session_id: "tms-{session}", traffic_mirror_filter_id: "tmf-{filter}")"#
            ),
            Change::Health { appliance, healthy } => {
                let (lb, target) = LB_APPLIANCES[*appliance];
                format!(
                    r#"SetTargetHealth(load_balancer: "{lb}", target: "{target}", healthy: {healthy})"#
                )
            }
            Change::CrossZone(on) => {
                format!(r#"ModifyLoadBalancerAttributes(load_balancer: "nlb-1", cross_zone: {on})"#)
            }
            Change::Delete { session } if !deleted.contains(session) => {
                deleted.push(*session);
                format!(r#"DeleteTrafficMirrorSession("tms-{session}")"#)
            }
            _ => continue,
        };
        let _ = write!(timeline, r#"At(time: "{at}s", action: {action}),"#);
    }
    let p = &c.packet;
    let local = eni(p.source);
    let (from, to, sport, dport) = if p.inbound {
        (p.remote.to_string(), local, p.remote_port, p.local_port)
    } else {
        (local, p.remote.to_string(), p.local_port, p.remote_port)
    };
    let (proto, ports) = match p.protocol {
        6 => (
            "Tcp",
            format!(", source_port: {sport}, destination_port: {dport}"),
        ),
        17 => (
            "Udp",
            format!(", source_port: {sport}, destination_port: {dport}"),
        ),
        _ => ("Icmp", String::new()),
    };
    format!(
        r#"Scenario(name: "prop", seed: 5, duration: "5s",
    vpcs: [Vpc(id: "vpc-1", cidr_blocks: ["10.0.0.0/16"],
        subnets: [
            Subnet(id: "subnet-a", availability_zone: "us-east-1a", cidr_block: "10.0.1.0/24"),
            Subnet(id: "subnet-b", availability_zone: "us-east-1b", cidr_block: "10.0.2.0/24"),
            Subnet(id: "subnet-appa", availability_zone: "us-east-1a", cidr_block: "10.0.11.0/24"),
            Subnet(id: "subnet-appb", availability_zone: "us-east-1b", cidr_block: "10.0.12.0/24"),
            Subnet(id: "subnet-gwe", availability_zone: "us-east-1a", cidr_block: "10.0.21.0/24"),
        ],
        security_groups: [SecurityGroup(id: "sg-web", ingress_rules: [
            SgRule(protocol: 6, port_range: (from_port: 443, to_port: 443), cidr_block: "0.0.0.0/0")])],
    )],
    instances: [{instances}],
    network_load_balancers: [NetworkLoadBalancer(id: "nlb-1", vpc_id: "vpc-1", subnets: ["subnet-appa", "subnet-appb"],
        cross_zone: false, listeners: [Listener(protocol: Udp, port: 4789)], targets: ["i-n0", "i-n1"])],
    gateway_load_balancers: [GatewayLoadBalancer(id: "gwlb-1", vpc_id: "vpc-1", subnets: ["subnet-appa", "subnet-appb"],
        cross_zone: false, targets: ["i-g0", "i-g1"])],
    gateway_load_balancer_endpoints: [GatewayLoadBalancerEndpoint(id: "vpce-1", subnet_id: "subnet-gwe", gateway_load_balancer: "gwlb-1")],
    traffic_mirror_targets: [
        Target(id: "tmt-e0", network_interface_id: "eni-e0"),
        Target(id: "tmt-e1", network_interface_id: "eni-e1"),
        Target(id: "tmt-nlb", network_load_balancer_arn: "nlb-1"),
        Target(id: "tmt-gwlb", gateway_load_balancer_endpoint_id: "vpce-1"),
    ],
    traffic_mirror_filters: [{filters}],
    traffic_mirror_sessions: [{sessions}],
    timeline: [{timeline}],
    traffic: [Flow(name: "one", from: "{from}", to: "{to}", protocol: {proto}{ports}, rate: "1pps",
                   size: Fixed("300B"), start: "{at}ms", duration: "1ms")],
)"#,
        at = p.at_ms
    )
}

/// The appliance a delivered copy reached.
#[derive(Default)]
struct Appliances(Vec<String>);

impl CaptureSink for Appliances {
    fn capture(&mut self, appliance: &str, _: u64, _: &[u8]) {
        self.0.push(appliance.to_string());
    }
}

/// What the run recorded for its one packet: outcome, reason, session,
/// rule number, appliance.
type Fate = (String, String, Option<String>, Option<u16>, Option<String>);

fn run_fate(scenario: &sim_core::Scenario) -> Fate {
    let mut sink = Appliances::default();
    let results = sim_core::run_with_capture(scenario, &mut sink);
    let report = reports::report(scenario, &results);
    let source = report
        .sources
        .iter()
        .find(|s| s.ingress.offered.packets + s.egress.offered.packets == 1)
        .expect("the packet was offered at one source");
    let outcomes: Vec<_> = source
        .ingress
        .outcomes
        .iter()
        .chain(&source.egress.outcomes)
        .collect();
    assert_eq!(outcomes.len(), 1, "one outcome");
    let o = outcomes[0];
    // The session that decided: it accepted or rejected the packet, under
    // the configuration whose rule counted it.
    let mut session = None;
    let mut rule = None;
    for s in &report.sessions {
        if s.mirrored.packets + s.rejected.packets == 1 {
            session = Some(s.traffic_mirror_session_id.clone());
            for c in &s.configurations {
                for h in &c.rules {
                    if h.packets == 1 {
                        rule = Some(h.rule_number);
                    }
                }
            }
        }
    }
    (
        o.outcome.to_string(),
        o.reason.to_string(),
        session,
        rule,
        sink.0.pop(),
    )
}

#[test]
fn explain_states_what_the_run_records_for_the_packet() {
    let mut runner = TestRunner::new(Config {
        cases: 10_000,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let valid = std::cell::Cell::new(0u32);
    let outcomes = std::cell::RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    runner
        .run(&case(), |c| {
            let text = scenario(&c);
            let loaded = match sim_core::load("prop.ron", &text, &Default::default()) {
                Ok(l) => l.scenario,
                Err(e) => {
                    return Err(TestCaseError::fail(format!(
                        "a generated scenario is valid:\n{e}\n{text}"
                    )));
                }
            };
            valid.set(valid.get() + 1);
            let run = run_fate(&loaded);
            let flow = &loaded.flows[0];
            let k = &flow.key;
            let end = |ip: std::net::IpAddr, port: u16| {
                if k.has_ports() {
                    format!("{ip}:{port}")
                } else {
                    ip.to_string()
                }
            };
            let (dir, at) = if c.packet.inbound {
                ("ingress", eni(c.packet.source))
            } else {
                ("egress", eni(c.packet.source))
            };
            let proto = match k.protocol {
                6 => "tcp",
                17 => "udp",
                _ => "icmp",
            };
            let q = parse_packet(&format!(
                "{proto} {} -> {} {dir} at {at} size 300B",
                end(k.src, k.src_port),
                end(k.dst, k.dst_port)
            ))
            .unwrap();
            let x = explain(&loaded, &q, Duration(c.packet.at_ms * 1_000_000)).unwrap();
            let told: Fate = (
                x.outcome.to_string(),
                x.reason.to_string(),
                x.session.clone(),
                x.rule,
                x.appliance.clone().filter(|_| x.outcome == "delivered"),
            );
            *outcomes.borrow_mut().entry(run.1.clone()).or_default() += 1;
            prop_assert_eq!(&told, &run, "{}\n{:?}", text, x.steps);
            Ok(())
        })
        .unwrap();
    assert_eq!(valid.get(), 10_000);
    let outcomes = outcomes.into_inner();
    // The cases reach every kind of fate, not only one.
    for reason in [
        "whole",
        "no_rule_matched",
        "filter_reject",
        "dropped_by_source_sg",
        "appliance_down",
    ] {
        assert!(
            outcomes.get(reason).copied().unwrap_or(0) > 0,
            "{reason}: {outcomes:?}"
        );
    }
}
