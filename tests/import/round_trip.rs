//! Every shipped scenario, and generated designs (proptest: accounts,
//! peered VPCs, ACLs, group and CIDR rules, NLB targets, RAM shares
//! accepted or not), written as describe outputs, imported, compared.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

use super::compare::survives;
use crate::common::*;

#[test]
fn every_shipped_scenario_survives_describe_and_import() {
    // Every scenario under scenarios/, routing, accounts, RAM shares and
    // load balancer attributes included.
    let mut compared = 0;
    for path in scenario_files() {
        let Ok(loaded) = load_file(&path, &path.display().to_string()) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        survives(
            &loaded.scenario.topology,
            dir.path(),
            &path.display().to_string(),
        );
        compared += 1;
    }
    assert!(compared >= 20, "compared {compared} scenarios");
}

/// A generated design: VPCs in one or two accounts, peered to the first,
/// with subnets in two zones, route tables, network ACLs, security groups
/// (CIDR and group rules), instances, an appliance ENI target and
/// optionally a Network Load Balancer target, filters, sessions, and a RAM
/// share of the targets when a second account mirrors to them.
#[derive(Debug, Clone)]
struct Design {
    accounts: usize,
    same_organization: bool,
    accepted: bool,
    vpcs: Vec<VpcDesign>,
    nlb: Option<bool>,
    rules: Vec<(u16, bool, Option<u8>, u8, u8)>,
}

type SgRuleDesign = (Option<u8>, Option<(u16, u16)>, bool);

#[derive(Debug, Clone)]
struct VpcDesign {
    subnets: usize,
    ipv6: bool,
    acl: Option<Vec<(u16, bool, Option<u8>)>>,
    /// (protocol, port range, by group rather than CIDR).
    sg_rules: Vec<SgRuleDesign>,
    instances: usize,
}

fn design() -> impl Strategy<Value = Design> {
    let vpc = (
        1..=2usize,
        any::<bool>(),
        proptest::option::of(proptest::collection::vec(
            (
                1..=300u16,
                any::<bool>(),
                proptest::option::of(prop_oneof![Just(6u8), Just(17u8)]),
            ),
            0..3,
        )),
        proptest::collection::vec(
            (
                proptest::option::of(prop_oneof![Just(6u8), Just(17u8), Just(1u8)]),
                proptest::option::of((0..=4000u16, 4000..=65535u16)),
                any::<bool>(),
            ),
            0..3,
        ),
        1..=3usize,
    )
        .prop_map(|(subnets, ipv6, acl, sg_rules, instances)| VpcDesign {
            subnets,
            ipv6,
            acl,
            sg_rules,
            instances,
        });
    (
        1..=2usize,
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(vpc, 1..=3),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(
            (
                1..=100u16,
                any::<bool>(),
                proptest::option::of(prop_oneof![Just(6u8), Just(17u8)]),
                0..=3u8,
                0..=3u8,
            ),
            1..4,
        ),
    )
        .prop_map(
            |(accounts, same_organization, accepted, vpcs, nlb, rules)| Design {
                accounts,
                same_organization,
                accepted,
                vpcs,
                nlb,
                rules,
            },
        )
}

/// The design as a scenario file.
fn render(d: &Design) -> String {
    let account = |k: usize| format!("{}", 111_111_111_111u64 * (1 + (k % d.accounts) as u64));
    let owner = |v: usize| account(v);
    let cidrs = ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "192.168.0.0/16"];
    let mut out =
        String::from("Scenario(name: \"generated\", duration: \"1s\", region: \"us-east-1\",\n");
    let orgs: Vec<String> = (0..d.accounts)
        .map(|k| {
            let org = if d.same_organization || k == 0 {
                "o-aaaa00000001"
            } else {
                "o-bbbb00000001"
            };
            format!("Account(id: \"{}\", organization: \"{org}\")", account(k))
        })
        .collect();
    out += &format!("    accounts: [{}],\n    vpcs: [\n", orgs.join(", "));
    for (v, vd) in d.vpcs.iter().enumerate() {
        let mut blocks = vec![format!("\"10.{v}.0.0/16\"")];
        if vd.ipv6 {
            blocks.push(format!("\"2600:1f14:{v}::/56\""));
        }
        out += &format!(
            "        Vpc(id: \"vpc-{v:017}\", owner: \"{}\", cidr_blocks: [{}], subnets: [\n",
            owner(v),
            blocks.join(", ")
        );
        for s in 0..vd.subnets {
            let zone = if s == 0 { "a" } else { "b" };
            let acl = if vd.acl.is_some() {
                format!(", network_acl: \"acl-{v:017}\"")
            } else {
                String::new()
            };
            let v6 = if vd.ipv6 {
                format!(", ipv6_cidr_block: \"2600:1f14:{v}:{s}::/64\"")
            } else {
                String::new()
            };
            out += &format!(
                "            Subnet(id: \"subnet-{v}{s:016}\", availability_zone: \"us-east-1{zone}\", cidr_block: \"10.{v}.{s}.0/24\"{v6}{acl}),\n"
            );
        }
        // Routes to the peer: the first VPC to every other, each other to the first.
        let routes: Vec<String> = if v == 0 {
            (1..d.vpcs.len())
                .map(|p| {
                    format!(
                        "Route(destination_cidr_block: \"10.{p}.0.0/16\", target: \"pcx-{p:017}\")"
                    )
                })
                .collect()
        } else {
            vec![format!(
                "Route(destination_cidr_block: \"10.0.0.0/16\", target: \"pcx-{v:017}\")"
            )]
        };
        out += &format!(
            "        ], route_tables: [RouteTable(id: \"rtb-{v:017}\", main: true, routes: [{}])],\n",
            routes.join(", ")
        );
        if let Some(entries) = &vd.acl {
            let mut numbers = std::collections::BTreeSet::new();
            let list: Vec<String> = entries
                .iter()
                .filter(|(n, ..)| numbers.insert(*n))
                .map(|(n, allow, p)| {
                    let proto = p.map_or(String::new(), |p| format!(", protocol: {p}"));
                    let ports = if p.is_some() { ", port_range: (from_port: 4789, to_port: 4789)" } else { "" };
                    format!(
                        "Entry(rule_number: {n}, rule_action: {}{proto}, cidr_block: \"10.0.0.0/8\"{ports})",
                        if *allow { "Allow" } else { "Deny" }
                    )
                })
                .collect();
            out += &format!(
                "        network_acls: [NetworkAcl(id: \"acl-{v:017}\", ingress_entries: [{}], egress_entries: [Entry(rule_number: 100, rule_action: Allow, cidr_block: \"0.0.0.0/0\")])],\n",
                list.join(", ")
            );
        }
        let rules: Vec<String> = vd
            .sg_rules
            .iter()
            .map(|(p, ports, by_group)| {
                let mut x = p.map_or(String::new(), |p| format!("protocol: {p}, "));
                if let (Some((f, t)), Some(6 | 17)) = (ports, p) {
                    x += &format!("port_range: (from_port: {f}, to_port: {t}), ");
                }
                if *by_group {
                    x += &format!("source_security_group_id: \"sg-{v:017}\"");
                } else {
                    x += "cidr_block: \"10.0.0.0/8\"";
                }
                format!("SgRule({x})")
            })
            .collect();
        out += &format!(
            "        security_groups: [SecurityGroup(id: \"sg-{v:017}\", ingress_rules: [{}])]),\n",
            rules.join(", ")
        );
    }
    out += "    ],\n    vpc_peering_connections: [\n";
    for p in 1..d.vpcs.len() {
        out += &format!(
            "        Peering(id: \"pcx-{p:017}\", requester_vpc_id: \"vpc-{p:017}\", accepter_vpc_id: \"vpc-{:017}\"),\n",
            0
        );
    }
    out += "    ],\n    instances: [\n";
    let mut enis = Vec::new();
    for (v, vd) in d.vpcs.iter().enumerate() {
        for i in 0..vd.instances {
            let s = i % vd.subnets;
            let id = format!("{v}{i:015}");
            out += &format!(
                "        Instance(id: \"i-{id}\", instance_type: \"c5n.large\", subnet: \"subnet-{v}{s:016}\", owner: \"{}\",\n            network_interfaces: [Eni(id: \"eni-{id}\", private_ip: \"10.{v}.{s}.{}\", security_groups: [\"sg-{v:017}\"])]),\n",
                owner(v),
                10 + i
            );
            enis.push((v, i, format!("eni-{id}")));
        }
    }
    out += "    ],\n";
    // The appliance: the first VPC's last instance; an NLB in the first VPC
    // to its other instances when there are any.
    let appliance = enis.iter().rfind(|(v, ..)| *v == 0).unwrap().2.clone();
    let first = &d.vpcs[0];
    let mut targets = vec![format!(
        "Target(id: \"tmt-0appliance000001\", owner: \"{}\", network_interface_id: \"{appliance}\")",
        owner(0)
    )];
    if let Some(cross) = d.nlb {
        let subnets: Vec<String> = (0..first.subnets)
            .map(|s| format!("\"subnet-0{s:016}\""))
            .collect();
        let members: Vec<String> = (0..first.instances)
            .map(|i| format!("\"i-0{i:015}\""))
            .collect();
        out += &format!(
            "    network_load_balancers: [NetworkLoadBalancer(id: \"arn:aws:elasticloadbalancing:us-east-1:{}:loadbalancer/net/gen/0123456789abcdef\", vpc_id: \"vpc-{:017}\", subnets: [{}], cross_zone: {cross}, listeners: [Listener(protocol: Udp, port: 4789)], targets: [{}])],\n",
            owner(0),
            0,
            subnets.join(", "),
            members.join(", ")
        );
        targets.push(format!(
            "Target(id: \"tmt-0nlb000000000001\", owner: \"{}\", network_load_balancer_arn: \"arn:aws:elasticloadbalancing:us-east-1:{}:loadbalancer/net/gen/0123456789abcdef\")",
            owner(0), owner(0)
        ));
    }
    out += &format!("    traffic_mirror_targets: [{}],\n", targets.join(", "));
    if d.accounts > 1 && d.vpcs.len() > 1 {
        let ids: Vec<String> = (0..targets.len())
            .map(|k| {
                if k == 0 {
                    "\"tmt-0appliance000001\"".to_string()
                } else {
                    "\"tmt-0nlb000000000001\"".to_string()
                }
            })
            .collect();
        let principal = if d.same_organization {
            "\"o-aaaa00000001\"".to_string()
        } else {
            format!("\"{}\"", account(1))
        };
        out += &format!(
            "    resource_shares: [ResourceShare(id: \"share-appliance\", owner: \"{}\", traffic_mirror_target_ids: [{}], principals: [{principal}], accepted: {})],\n",
            owner(0),
            ids.join(", "),
            d.accepted
        );
    }
    let rule = |(n, accept, p, src, dst): &(u16, bool, Option<u8>, u8, u8)| {
        let proto = p.map_or(String::new(), |p| format!(", protocol: {p}"));
        format!(
            "Rule(rule_number: {n}, rule_action: {}{proto}, source_cidr_block: \"{}\", destination_cidr_block: \"{}\")",
            if *accept { "Accept" } else { "Reject" },
            cidrs[*src as usize],
            cidrs[*dst as usize]
        )
    };
    let mut numbers = std::collections::BTreeSet::new();
    let rules: Vec<String> = d
        .rules
        .iter()
        .filter(|r| numbers.insert(r.0))
        .map(rule)
        .collect();
    let filters: Vec<String> = (0..d.accounts.min(d.vpcs.len()))
        .map(|k| {
            format!(
                "Filter(id: \"tmf-{k:017}\", owner: \"{}\", ingress_filter_rules: [{}], egress_filter_rules: [{}])",
                account(k),
                rules.join(", "),
                rules.first().cloned().unwrap_or_default()
            )
        })
        .collect();
    out += &format!(
        "    traffic_mirror_filters: [{}],\n    traffic_mirror_sessions: [\n",
        filters.join(", ")
    );
    for (v, i, eni) in &enis {
        if *eni == appliance
            || (*v > 0
                && d.accounts > 1
                && v % d.accounts != 0
                && !d.accepted
                && !d.same_organization)
        {
            continue;
        }
        let target = if d.nlb.is_some() && i % 2 == 1 {
            "tmt-0nlb000000000001"
        } else {
            "tmt-0appliance000001"
        };
        out += &format!(
            "        Session(id: \"tms-{v}{i:016}\", owner: \"{}\", network_interface_id: \"{eni}\", traffic_mirror_target_id: \"{target}\", traffic_mirror_filter_id: \"tmf-{:017}\", session_number: {}, virtual_network_id: {}),\n",
            owner(*v),
            v % d.accounts.min(d.vpcs.len()),
            i + 1,
            1000 + v * 10 + i
        );
    }
    out += "    ],\n    traffic: [],\n)\n";
    out
}

proptest! {
    #![proptest_config(Config::with_cases(96))]

    #[test]
    fn generated_designs_survive_describe_and_import(d in design()) {
        let text = render(&d);
        let loaded = sim_core::load("generated.ron", &text, &Default::default());
        // Designs AWS would refuse are not what this property is about.
        let Ok(loaded) = loaded else {
            return Err(TestCaseError::reject("AWS would refuse the design"));
        };
        let dir = tempfile::tempdir().unwrap();
        survives(&loaded.scenario.topology, dir.path(), &text);
    }
}
